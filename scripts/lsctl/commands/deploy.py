"""`lsctl deploy --stage S --image URI@DIGEST`: `sam deploy --config-env S` with the image."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lsctl.deploy import ecr, sam, session, stacks
from lsctl.deploy.images import ImageRef, parse_pinned
from lsctl.deploy.options import (
    AWS_EPILOG,
    BOOTSTRAP_STACK,
    add_image,
    add_region,
    add_stage,
    stack_name,
)
from lsctl.errors import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deploy",
        help="deploy a stage's stack (sam deploy --config-env STAGE) with an image digest",
        description=(
            "Deploy the stack lattice-surgery-STAGE from template.yml with `sam deploy "
            "--config-env STAGE`, ImageUri set to the given digest. A stack left in "
            "ROLLBACK_COMPLETE by a failed first create is deleted first; an empty change set "
            "is not a failure. The image gets a deployed-STAGE-TIME tag first, which the "
            "repository's lifecycle policy never expires. Prints the stack outputs (ApiUrl, "
            "FunctionName, AliasArn)."
        ),
        epilog=AWS_EPILOG,
    )
    add_stage(parser)
    add_image(parser)
    add_region(parser)
    parser.add_argument(
        "--sam", help="sam binary (default: $LSC_SAM, .venv-sam/bin/sam, then sam on PATH)"
    )
    parser.add_argument(
        "--config-file", type=Path, default=sam.SAMCONFIG, help="samconfig file (samconfig.toml)"
    )
    parser.add_argument(
        "--s3-bucket",
        help="artifacts bucket, if samconfig sets none (default: bootstrap output ArtifactsBucket)",
    )
    parser.add_argument(
        "--role-arn",
        help="CloudFormation execution role, if samconfig sets none (default: bootstrap output "
        "CloudFormationExecutionRoleArn<Dev|Prod>, the stage's own)",
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


def clear_failed_create(cfn: Any, name: str, role_arn: str | None) -> bool:
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
    stacks.delete(cfn, name, log=lambda line: print(line, flush=True), role_arn=role_arn)
    return True


BOOTSTRAP_OUTPUTS = {
    "s3_bucket": ("ArtifactsBucket", "--s3-bucket"),
    "role_arn": ("CloudFormationExecutionRoleArn", "--role-arn"),
}


def stage_output(outputs: dict[str, str], name: str, stage: str) -> str:
    """The bootstrap output `name` of `stage`: each stage has its own execution role, output
    as <name>Dev / <name>Prod for the stages named by the outputs DevStage / ProdStage."""
    for suffix in ("Dev", "Prod"):
        if outputs.get(f"{suffix}Stage") == stage:
            return f"{name}{suffix}"
    return name


def account_settings(
    cfn: Any, missing: list[str], given: dict[str, str | None], stage: str
) -> dict[str, str]:
    """The artifacts bucket and the stage's execution role: given on the command line, else
    (when samconfig leaves them out) the bootstrap stack's outputs."""
    chosen = {key: value for key, value in given.items() if value}
    lookups = [key for key in missing if key not in chosen]
    if lookups:
        flags = " and ".join(BOOTSTRAP_OUTPUTS[key][1] for key in lookups)
        hint = f"run `lsctl bootstrap`, or pass {flags}"
        found = stacks.require_outputs(cfn, BOOTSTRAP_STACK, hint=hint)
        names = {key: BOOTSTRAP_OUTPUTS[key][0] for key in lookups}
        if "role_arn" in names:
            names["role_arn"] = stage_output(found, names["role_arn"], stage)
        stacks.require_outputs(cfn, BOOTSTRAP_STACK, *names.values(), hint=hint)
        chosen.update({key: found[name] for key, name in names.items()})
    return chosen


def protect_image(image: ImageRef, stage: str, region: str | None) -> None:
    print(ecr.protect(image, stage, region), flush=True)


def print_outputs(name: str, outputs: dict[str, str]) -> None:
    print(f"stack {name} outputs:")
    for key in sorted(outputs):
        print(f"  {key}={outputs[key]}")


def run(args: argparse.Namespace) -> int:
    image = parse_pinned(args.image)
    binary = sam.find_sam(args.sam)
    name = stack_name(args.stage)
    cfn = session.client("cloudformation", args.region)
    missing = sam.missing_account_settings(args.stage, args.config_file)
    try:
        account = account_settings(
            cfn, missing, {"s3_bucket": args.s3_bucket, "role_arn": args.role_arn}, args.stage
        )
    except CliError as exc:  # e.g. AccessDenied: a deploy role may not read the bootstrap stack
        if "or pass --" in str(exc):
            raise
        raise CliError(
            f"{exc}: the bootstrap stack's outputs name the artifacts bucket and execution "
            "role; pass --s3-bucket and --role-arn instead"
        ) from None
    bucket, role_arn = account.get("s3_bucket"), account.get("role_arn")
    command = sam.deploy_command(
        binary,
        args.stage,
        image.uri,
        image.repository,
        region=args.region,
        s3_bucket=bucket,
        role_arn=role_arn,
        confirm=args.confirm_changeset,
        extra=args.sam_arg,
        config=args.config_file,
    )
    protect_image(image, args.stage, args.region)
    clear_failed_create(cfn, name, role_arn)
    result = sam.run(command)
    if result == "unchanged":
        print(f"stack {name} already runs {image.uri}: no changes to deploy")
    else:
        print(f"deployed {image.uri} to stack {name}")
    outputs = stacks.require_outputs(cfn, name, "ApiUrl", "FunctionName")
    print_outputs(name, outputs)
    return 0
