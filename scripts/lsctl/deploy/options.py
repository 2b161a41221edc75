"""The options every deploy command shares: --region and --stage, with the stack names."""

from __future__ import annotations

import argparse
import re

STACK_PREFIX = "lattice-surgery"
BOOTSTRAP_STACK = f"{STACK_PREFIX}-bootstrap"
ALIAS = "live"
_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


def stack_name(stage: str) -> str:
    return f"{STACK_PREFIX}-{stage}"


def stage_type(value: str) -> str:
    if not _STAGE.match(value) or value == "bootstrap":
        raise argparse.ArgumentTypeError(
            f"invalid stage {value!r}: lower-case letters, digits and '-' (e.g. dev, prod)"
        )
    return value


def add_region(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / the AWS_PROFILE's region)",
    )


def add_stage(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--stage",
        type=stage_type,
        required=required,
        help=f"stage to act on (dev, prod, ...): the stack {STACK_PREFIX}-STAGE",
    )


AWS_EPILOG = (
    "AWS credentials and endpoint come from the usual places: AWS_PROFILE, AWS_ACCESS_KEY_ID/"
    "AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL (e.g. a moto server for tests)."
)


def add_image(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--image", required=True, metavar="URI@DIGEST", help="REPOSITORY@sha256:... (lsctl image)"
    )
