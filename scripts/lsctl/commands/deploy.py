"""`lsctl deploy --stage S --image URI@DIGEST`: `sam deploy --config-env S` with the image."""

from __future__ import annotations

import argparse
from pathlib import Path

from lsctl.aws import sam, session, stacks
from lsctl.aws.images import parse_pinned
from lsctl.aws.options import AWS_EPILOG, BOOTSTRAP_STACK, add_region, add_stage, stack_name


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deploy",
        help="deploy a stage's stack (sam deploy --config-env STAGE) with an image digest",
        description=(
            "Deploy the stack lattice-surgery-STAGE from template.yml with `sam deploy "
            "--config-env STAGE`, ImageUri set to the given digest. A stack left in "
            "ROLLBACK_COMPLETE by a failed first create is deleted first; an empty change set "
            "is not a failure. Prints the stack outputs (ApiUrl, FunctionName, AliasArn)."
        ),
        epilog=AWS_EPILOG,
    )
    add_stage(parser)
    parser.add_argument(
        "--image", required=True, metavar="URI@DIGEST", help="REPOSITORY@sha256:... (lsctl image)"
    )
    add_region(parser)
    parser.add_argument(
        "--sam", help="sam binary (default: $LSC_SAM, .venv-sam/bin/sam, then sam on PATH)"
    )
    parser.add_argument(
        "--config-file", type=Path, default=sam.SAMCONFIG, help="samconfig file (samconfig.toml)"
    )
    parser.add_argument(
        "--s3-bucket",
        help="artifacts bucket when samconfig sets none (default: the bootstrap ArtifactsBucket)",
    )
    parser.add_argument(
        "--confirm-changeset", action="store_true", help="let sam ask before executing"
    )
    parser.add_argument(
        "--sam-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for sam deploy (repeatable), e.g. --sam-arg=--role-arn=ARN",
    )
    parser.set_defaults(func=run)


def clear_failed_create(cfn: object, name: str) -> bool:
    """Delete the stack when a failed first create left it in ROLLBACK_COMPLETE (it can only be
    deleted, never updated). True if it did."""
    stack = stacks.describe(cfn, name)
    if stack is None or stack["StackStatus"] != "ROLLBACK_COMPLETE":
        return False
    print(
        f"stack {name} is in ROLLBACK_COMPLETE (its first create failed and it cannot be "
        "updated): deleting it so that it is created again",
        flush=True,
    )
    stacks.delete(cfn, name, log=lambda line: print(line, flush=True))
    return True


def artifacts_bucket(cfn: object) -> str | None:
    stack = stacks.describe(cfn, BOOTSTRAP_STACK)
    return stacks.outputs(stack).get("ArtifactsBucket") if stack else None


def print_outputs(name: str, outputs: dict[str, str]) -> None:
    print(f"stack {name} outputs:")
    for key in sorted(outputs):
        print(f"  {key}={outputs[key]}")


def run(args: argparse.Namespace) -> int:
    image = parse_pinned(args.image)
    binary = sam.find_sam(args.sam)
    name = stack_name(args.stage)
    cfn = session.client("cloudformation", args.region)
    bucket = args.s3_bucket
    if bucket is None and sam.needs_bucket(args.stage, args.config_file):
        bucket = artifacts_bucket(cfn)
    command = sam.deploy_command(
        binary,
        args.stage,
        image.uri,
        image.repository,
        region=args.region,
        s3_bucket=bucket,
        confirm=args.confirm_changeset,
        extra=args.sam_arg,
        config=args.config_file,
    )
    clear_failed_create(cfn, name)
    result = sam.run(command)
    if result == "unchanged":
        print(f"stack {name} already runs {image.uri}: no changes to deploy")
    else:
        print(f"deployed {image.uri} to stack {name}")
    outputs = stacks.require_outputs(cfn, name, "ApiUrl", "FunctionName")
    print_outputs(name, outputs)
    return 0
