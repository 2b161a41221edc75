"""The smoke test of a stage, for the commands that run it (`lsctl smoke`, `lsctl update-image`):
the stage's URL from its stack, the time it gets, and a failure as a CliError with the response."""

from __future__ import annotations

import argparse

from lsctl.deploy import session, smoke_checks, stacks
from lsctl.deploy.options import stack_name
from lsctl.errors import CliError

DEFAULT_SECONDS = 180.0


def add_timeout(parser: argparse.ArgumentParser, flag: str = "--timeout") -> None:
    parser.add_argument(
        flag,
        type=float,
        default=DEFAULT_SECONDS,
        metavar="SECONDS",
        help=f"time a warming-up stage gets in all (default {DEFAULT_SECONDS:.0f}; 0: no retry)",
    )


def api_url(stage: str, region: str | None) -> str:
    cfn = session.client("cloudformation", region)
    name = stack_name(stage)
    return stacks.require_outputs(cfn, name, "ApiUrl", hint="deploy it with `lsctl deploy`")[
        "ApiUrl"
    ]


def check(url: str, seconds: float) -> None:
    """Run the smoke test against url; CliError with the failing response when it fails."""
    print(f"smoke test of {url}", flush=True)
    try:
        smoke_checks.run(url, total_seconds=seconds, log=_indented)
    except smoke_checks.SmokeFailure as exc:
        raise CliError(exc.report()) from None
    print("smoke test passed", flush=True)


def _indented(line: str) -> None:
    print(f"  {line}", flush=True)
