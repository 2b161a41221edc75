"""`lsctl invoke --stage S`: call the stage's function directly (no API Gateway) through `sam
remote invoke`, with an event file or an API Gateway proxy event built from --method/--path
(which sam cannot build)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from lsctl.deploy import sam_cli
from lsctl.deploy.options import ALIAS, AWS_EPILOG, add_region, add_stage
from lsctl.deploy.sam import find_sam
from lsctl.errors import CliError
from lsctl.local import proxy_event


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "invoke",
        help="invoke the stage's function with an event file or a request (sam remote invoke)",
        description=(
            "Invoke the function (alias live by default) with `sam remote invoke`: the event is a "
            "JSON file (e.g. an API Gateway REST proxy event) or one built from "
            "--method/--path/--body. sam prints the function's answer and log."
        ),
        epilog=AWS_EPILOG,
    )
    add_stage(parser)
    parser.add_argument(
        "--function",
        choices=sam_cli.FUNCTIONS,
        default=sam_cli.COMPILE_FUNCTION,
        help=f"which function (default {sam_cli.COMPILE_FUNCTION})",
    )
    parser.add_argument("--qualifier", default=ALIAS, help=f"version or alias (default {ALIAS})")
    event = parser.add_mutually_exclusive_group(required=True)
    event.add_argument("--event", type=Path, metavar="FILE", help="JSON event file ('-': stdin)")
    event.add_argument("--path", help="build an API Gateway REST proxy event for this path")
    parser.add_argument("--method", default="GET", help="HTTP method with --path (default GET)")
    parser.add_argument("--body", help="request body with --path; @FILE reads a file")
    parser.add_argument(
        "--header", action="append", default=[], metavar="NAME:VALUE", help="header with --path"
    )
    parser.add_argument("--log-tail", action="store_true", help="also print the last 4 KB of log")
    parser.add_argument("--sam", help="sam binary (default: .venv-sam/bin/sam, then PATH)")
    add_region(parser)
    parser.set_defaults(func=run)


def build_event(args: argparse.Namespace) -> dict[str, Any]:
    if args.event is not None:
        text = sys.stdin.read() if str(args.event) == "-" else _read(args.event, "event file")
        try:
            return json.loads(text)
        except ValueError as exc:
            raise CliError(f"event file {args.event} is not JSON: {exc}") from None
    body = args.body or ""
    if body.startswith("@"):
        body = _read(Path(body[1:]), "body file")
    headers = {}
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep:
            raise CliError(f"--header {item!r} is not NAME:VALUE")
        headers[name.strip().lower()] = value.strip()
    if body and "content-type" not in headers:
        headers["content-type"] = "application/json"
    return proxy_event.to_event(args.method.upper(), args.path, headers, body.encode())


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise CliError(f"cannot read {what} {path}: {exc.strerror}") from None


def run(args: argparse.Namespace) -> int:
    command = sam_cli.remote_invoke_command(
        find_sam(args.sam),
        args.stage,
        build_event(args),
        region=args.region,
        function=args.function,
        qualifier=args.qualifier,
        log_tail=args.log_tail,
    )
    return sam_cli.run(command)
