"""`lsctl destroy --stage S`: after confirmation, empty the stage's results bucket, delete its
stack with `sam delete`, then the log groups Lambda and API Gateway made outside the stack (what
sam cannot do). The ECR repository and its images belong to the bootstrap stack and stay."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from lsctl.deploy import results_bucket, sam_cli, session, stacks
from lsctl.deploy.options import AWS_EPILOG, add_region, add_stage, stack_name
from lsctl.deploy.sam import find_sam
from lsctl.deploy.session import aws_errors, error_code
from lsctl.errors import CliError, describe_aws_error


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "destroy",
        help="delete a stage's stack and its log groups (the ECR repository stays)",
        description=(
            "Empty the stage's results bucket, delete the stack lattice-surgery-STAGE with `sam "
            "delete`, then delete the log groups it leaves behind (/aws/lambda/FUNCTION, the "
            "API's execution logs). Asks you to type the stack name unless --yes is given."
        ),
        epilog=AWS_EPILOG,
    )
    add_stage(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask (for automation)")
    parser.add_argument("--sam", help="sam binary (default: .venv-sam/bin/sam, then PATH)")
    add_region(parser)
    parser.set_defaults(func=run)


def log_groups(cfn: Any, name: str, stack: dict[str, Any]) -> list[str]:
    """Log groups of the stack: its own AWS::Logs::LogGroup resources, the ones Lambda and API
    Gateway create on their own for its function and REST API."""
    groups: list[str] = []
    function = stacks.outputs(stack).get("FunctionName")
    if function:
        groups.append(f"/aws/lambda/{function}")
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=name)
    try:
        resources = [r for page in pages for r in page.get("StackResourceSummaries", [])]
    except aws_errors() as exc:
        raise CliError(describe_aws_error(exc, "cloudformation.ListStackResources")) from None
    stage = name.rsplit("-", 1)[-1]
    for resource in resources:
        physical = resource.get("PhysicalResourceId")
        if not physical:
            continue
        kind = resource["ResourceType"]
        if kind == "AWS::Logs::LogGroup":
            groups.append(physical)
        elif kind in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            groups.append(f"/aws/lambda/{physical}")
        elif kind == "AWS::ApiGateway::RestApi":
            groups.append(f"API-Gateway-Execution-Logs_{physical}/{stage}")
    return list(dict.fromkeys(groups))


def delete_log_group(logs: Any, group: str) -> bool:
    """Delete it; False when it was not there."""
    try:
        logs.delete_log_group(logGroupName=group)
    except aws_errors() as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return False
        raise CliError(describe_aws_error(exc, "logs.DeleteLogGroup")) from None
    return True


def confirmed(name: str, region: str) -> bool:
    print(f"This deletes stack {name} in {region} and its log groups.")
    print(f"Type {name} to confirm: ", end="", flush=True)
    answer = sys.stdin.readline()  # "" at end of input (no terminal, no --yes): not confirmed
    return answer.strip() == name


def run(args: argparse.Namespace) -> int:
    name = stack_name(args.stage)
    cfn = session.client("cloudformation", args.region)
    region = cfn.meta.region_name
    stack = stacks.describe(cfn, name)
    if stack is None:
        print(f"stack {name} does not exist in {region}: nothing to delete")
        return 0
    groups = log_groups(cfn, name, stack)
    if not args.yes and not confirmed(name, region):
        raise CliError("not confirmed: nothing deleted")
    bucket = stacks.outputs(stack).get(results_bucket.OUTPUT)
    if bucket:  # CloudFormation cannot delete a bucket that holds objects
        count = results_bucket.empty(session.client("s3", args.region), bucket)
        print(f"emptied the results bucket {bucket} ({count} objects)")
    if sam_cli.run(sam_cli.delete_command(find_sam(args.sam), args.stage, region=region)) != 0:
        raise CliError(f"sam delete of {name} failed (see above); the log groups are kept")
    print(f"deleted stack {name}", flush=True)
    logs = session.client("logs", args.region)
    for group in groups:
        if delete_log_group(logs, group):
            print(f"deleted log group {group}")
        else:
            print(f"log group {group} was already gone")
    print("the ECR repository and its images are kept (they belong to the bootstrap stack)")
    return 0
