"""`lsctl logs`: print the stage's function log (its CloudWatch log group), optionally following."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lsctl.deploy import session, stacks
from lsctl.deploy.options import AWS_EPILOG, add_region, add_stage, stack_name
from lsctl.deploy.session import error_code
from lsctl.errors import CliError, describe_aws_error


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "logs",
        help="print the function's log events of the last minutes (--follow to keep tailing)",
        description="Print the events of the log group /aws/lambda/FUNCTION since N minutes ago.",
        epilog=AWS_EPILOG,
    )
    add_stage(parser, required=False)
    parser.add_argument("--function", help="function name (default: the stack's FunctionName)")
    parser.add_argument("--log-group", help="log group (default: /aws/lambda/FUNCTION)")
    parser.add_argument(
        "--since", type=float, default=10, metavar="MINUTES", help="start this long ago (10)"
    )
    parser.add_argument("--filter", default="", help="CloudWatch filter pattern, e.g. ERROR")
    parser.add_argument("--follow", action="store_true", help="keep polling for new events")
    parser.add_argument(
        "--interval", type=float, default=5, metavar="SECONDS", help="poll interval (5)"
    )
    add_region(parser)
    parser.set_defaults(func=run)


def log_group(args: argparse.Namespace) -> str:
    if args.log_group:
        return args.log_group
    name = args.function
    if not name:
        if not args.stage:
            raise CliError("pass --stage, --function or --log-group")
        cfn = session.client("cloudformation", args.region)
        name = stacks.require_outputs(cfn, stack_name(args.stage), "FunctionName")["FunctionName"]
    return f"/aws/lambda/{name}"


def fetch(logs: Any, group: str, start_ms: int, pattern: str) -> list[dict[str, Any]]:
    """Every event of the group since start_ms (all pages), oldest first."""
    request: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
    if pattern:
        request["filterPattern"] = pattern
    events: list[dict[str, Any]] = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(**request):
            events.extend(page.get("events", []))
    except (ClientError, BotoCoreError) as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise CliError(
                f"log group {group} does not exist (has the function run yet?)"
            ) from None
        raise CliError(describe_aws_error(exc, "logs.FilterLogEvents")) from None
    return sorted(events, key=lambda e: (e["timestamp"], e.get("eventId", "")))


def format_event(event: dict[str, Any]) -> str:
    when = datetime.fromtimestamp(event["timestamp"] / 1000, tz=UTC)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f"{stamp} {event.get('logStreamName', '')} {event['message'].rstrip()}"


def tail(
    logs: Any,
    group: str,
    start_ms: int,
    pattern: str,
    *,
    follow: bool,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> int:
    """Print events; with follow, poll until interrupted (or `rounds` polls). Returns the count."""
    seen: set[str] = set()
    printed = 0
    done = 0
    while True:
        for event in fetch(logs, group, start_ms, pattern):
            key = event.get("eventId") or f"{event['timestamp']}{event['message']}"
            if key in seen:
                continue
            seen.add(key)
            print(format_event(event), flush=True)
            printed += 1
            start_ms = max(start_ms, event["timestamp"])
        done += 1
        if not follow or (rounds is not None and done >= rounds):
            return printed
        sleep(interval)


def run(args: argparse.Namespace) -> int:
    group = log_group(args)
    logs = session.client("logs", args.region)
    start_ms = int((time.time() - args.since * 60) * 1000)
    print(f"# {group} since {args.since:g} min ago" + (" (following)" if args.follow else ""))
    count = tail(logs, group, start_ms, args.filter, follow=args.follow, interval=args.interval)
    print(f"# {count} events")
    return 0
