"""`lsctl check-dockerfile [PATH]`: refuse a Dockerfile whose build would run code."""

from __future__ import annotations

import argparse
from pathlib import Path

from lsctl.build import dockerfile_check
from lsctl.errors import CliError
from lsctl.paths import REPO_ROOT


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-dockerfile",
        help="refuse a Dockerfile whose build runs code (RUN, ONBUILD, # syntax=, ...)",
        description=(
            "Parse the Dockerfile (dockerfile-parse) and fail unless every instruction is one "
            f"of {', '.join(sorted(dockerfile_check.ALLOWED))} and there is no parser "
            "directive: the image job of deploy.yml builds it with AWS credentials, so the "
            "build must run nothing."
        ),
    )
    parser.add_argument(
        "dockerfile", nargs="?", type=Path, default=REPO_ROOT / "Dockerfile", help="(Dockerfile)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.dockerfile.is_file():
        raise CliError(f"{args.dockerfile} is not a file")
    found = dockerfile_check.problems(args.dockerfile)
    if found:
        raise CliError(
            f"{args.dockerfile} would run code while the image is built:\n  " + "\n  ".join(found)
        )
    print(f"{args.dockerfile}: builds without running anything")
    return 0
