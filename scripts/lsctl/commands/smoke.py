"""`lsctl smoke`: check a deployed stage (or any URL) answers /health, compiles the README
example through /compile and /v2/compile, and runs a small job (POST /v2/jobs) to its result."""

from __future__ import annotations

import argparse

from lsctl.deploy.options import AWS_EPILOG, add_region, stage_type
from lsctl.deploy.stage_smoke import add_timeout, api_url, check


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "smoke",
        help="smoke-test a stage: /health, the README example via /compile and /v2/compile, a job",
        description=(
            "GET /health; compile the README example through POST /compile (the web client's "
            "contract: a JSON string holding slices and a compilation text the client can split) "
            "and POST /v2/compile; then submit a small job (POST /v2/jobs), poll it and download "
            "its result from the result link (reported as skipped where the service has no jobs: "
            "503 jobs_unavailable). Connection errors, 5xx and gateway 403/404 are retried with "
            "exponential backoff while a new stage warms up; any other wrong answer fails at "
            "once. Exit 1 with the response shown on failure."
        ),
        epilog=AWS_EPILOG,
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--stage", type=stage_type, help="the stage whose ApiUrl output to test (dev, prod, ...)"
    )
    target.add_argument("--url", help="base URL to test instead, e.g. http://127.0.0.1:9876")
    add_region(parser)
    add_timeout(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    url = args.url or api_url(args.stage, args.region)
    check(url, args.timeout)
    return 0
