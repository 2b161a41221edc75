"""`lsctl deploy --stage S --image URI@DIGEST`: `sam deploy --config-env S` with the image."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lsctl.deploy import ecr, history, sam, session, stacks
from lsctl.deploy.images import ImageRef, ecr_region, parse_pinned
from lsctl.deploy.options import (
    AWS_EPILOG,
    BOOTSTRAP_STACK,
    add_image,
    add_region,
    add_stage,
    stack_name,
)
from lsctl.errors import CliError
from lsctl.paths import REPO_ROOT


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deploy",
        help="deploy a stage's stack (sam deploy --config-env STAGE) with an image digest",
        description=(
            "Deploy the stack lattice-surgery-STAGE from template.yml with `sam deploy "
            "--config-env STAGE`, ImageUri set to the given digest. A stack left in "
            "ROLLBACK_COMPLETE by a failed first create is deleted first; an empty change set "
            "is not a failure. The image gets a deployed-STAGE-TIME tag first, which the "
            "repository's lifecycle policy never expires. Refuses an image whose commit (its "
            "ECR tag COMMIT-...) does not contain the commit the stage runs: deploys only move "
            "forward (`lsctl rollback` goes back). Prints the stack outputs (ApiUrl, "
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
    parser.add_argument(
        "--git-repo",
        type=Path,
        default=REPO_ROOT,
        help="git repository holding both commits for the forward-only check (this checkout)",
    )
    parser.add_argument(
        "--allow-non-descendant",
        action="store_true",
        help="skip the forward-only check (an image whose commit is unknown, or older)",
    )
    parser.set_defaults(func=run)


def clear_failed_create(
    cfn: Any, name: str, role_arn: str | None, stack: dict[str, Any] | None
) -> bool:
    """Delete the stack (as described) when a failed first create left it in ROLLBACK_COMPLETE
    (it can only be deleted, never updated). True if it did."""
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


def require_forward(
    stack: dict[str, Any] | None, stage: str, image: ImageRef, repo: Path, region: str | None
) -> None:
    """CliError unless the image's commit contains the commit the stage's stack runs now (or it
    runs nothing yet, or already runs this image)."""
    running = history.running_image(stack)
    if running is None or running.digest == image.digest:
        return
    ecr_client = session.client("ecr", region or ecr_region(image.repository))
    commits = {}
    for what, ref in (("running", running), ("new", image)):
        commits[what] = history.image_commit(ecr_client, ref)
        if commits[what] is None:
            raise CliError(
                f"cannot tell which commit {ref.uri} ({what} in {stage}) was built from: it has "
                "no COMMIT-... tag in ECR (deploy.yml and `lsctl image` add one). Pass "
                "--allow-non-descendant to deploy it anyway"
            )
    history.require_descendant(repo, stage, commits["running"], commits["new"])
    print(f"{commits['new'][:12]} contains {commits['running'][:12]}, which {stage} runs")


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
    stack = stacks.describe(cfn, name)
    if not args.allow_non_descendant:
        require_forward(stack, args.stage, image, args.git_repo, args.region)
    protect_image(image, args.stage, args.region)
    clear_failed_create(cfn, name, role_arn, stack)
    result = sam.run(command)
    if result == "unchanged":
        print(f"stack {name} already runs {image.uri}: no changes to deploy")
    else:
        print(f"deployed {image.uri} to stack {name}")
    outputs = stacks.require_outputs(cfn, name, "ApiUrl", "FunctionName")
    print_outputs(name, outputs)
    return 0
