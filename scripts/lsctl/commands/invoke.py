"""`lsctl invoke`: call the stage's function directly (no API Gateway) with an event, and show
what it returned: status, function error, the decoded payload and optionally the log tail."""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import sys
from pathlib import Path
from typing import Any

from lsctl.deploy import session, stacks
from lsctl.deploy.options import ALIAS, AWS_EPILOG, add_region, add_stage, stack_name
from lsctl.deploy.session import call
from lsctl.errors import CliError
from lsctl.local import proxy_event

BODY_SHOWN = 2000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "invoke",
        help="invoke the stage's function directly with an event file or a request",
        description=(
            "Invoke the function (alias live by default) with an event: a JSON file (e.g. an "
            "API Gateway REST proxy event) or one built from --method/--path/--body. Prints the "
            "status, any function error and the decoded payload (an API Gateway proxy result is "
            "shown as HTTP, its body un-base64ed and un-gzipped). Exit 1 on a function error or "
            "an HTTP 5xx result."
        ),
        epilog=AWS_EPILOG,
    )
    add_stage(parser, required=False)
    parser.add_argument("--function", help="function name or ARN (default: the stack's output)")
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


def function_name(args: argparse.Namespace) -> str:
    if args.function:
        return args.function
    if not args.stage:
        raise CliError("pass --stage (to use the stack's FunctionName) or --function")
    cfn = session.client("cloudformation", args.region)
    return stacks.require_outputs(cfn, stack_name(args.stage), "FunctionName")["FunctionName"]


def show_payload(raw: bytes) -> bool:
    """Print the payload; True when it is an API Gateway proxy result with a 5xx status."""
    try:
        payload = json.loads(raw)
    except ValueError:
        print(raw.decode("utf-8", errors="replace"))
        return False
    if isinstance(payload, dict) and "statusCode" in payload:
        result = proxy_event.from_result(payload)
        print(f"HTTP {result.status}")
        for name, value in result.headers:
            print(f"  {name}: {value}")
        body = result.body
        if any(n.lower() == "content-encoding" and v == "gzip" for n, v in result.headers):
            body = gzip.decompress(body)
        text = body.decode("utf-8", errors="replace")
        more = f"\n... ({len(body)} bytes in all)" if len(text) > BODY_SHOWN else ""
        print(f"\n{text[:BODY_SHOWN]}{more}")
        return result.status >= 500
    print(json.dumps(payload, indent=2)[: BODY_SHOWN * 4])
    return False


def run(args: argparse.Namespace) -> int:
    event = build_event(args)
    name = function_name(args)
    lam = session.client("lambda", args.region)
    request: dict[str, Any] = {
        "FunctionName": name,
        "Qualifier": args.qualifier,
        "InvocationType": "RequestResponse",
        "Payload": json.dumps(event).encode(),
    }
    if args.log_tail:
        request["LogType"] = "Tail"
    response = call(lam.invoke, **request)
    error = response.get("FunctionError")
    print(
        f"invoked {name}:{args.qualifier}: status {response.get('StatusCode')}, "
        f"version {response.get('ExecutedVersion', '?')}"
        + (f", function error: {error}" if error else "")
    )
    server_error = show_payload(response["Payload"].read())
    if args.log_tail and response.get("LogResult"):
        print("\nlog tail:")
        print(base64.b64decode(response["LogResult"]).decode("utf-8", errors="replace"))
    return 1 if error or server_error else 0
