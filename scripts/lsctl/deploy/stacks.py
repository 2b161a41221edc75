"""CloudFormation stacks: look up, read outputs, create or update, delete; each step waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsctl.deploy.session import aws_errors, call, error_code, wait
from lsctl.errors import CliError, describe_aws_error

Log = Callable[[str], None]
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
FAILED_SUFFIXES = ("_FAILED",)


def describe(cfn: Any, name: str) -> dict[str, Any] | None:
    """The stack, or None when it does not exist (or was deleted)."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except aws_errors() as exc:
        if error_code(exc) == "ValidationError" and "does not exist" in str(exc):
            return None
        raise CliError(describe_aws_error(exc, "cloudformation.DescribeStacks")) from None
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    return stacks[0]


def outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def require_outputs(cfn: Any, name: str, *keys: str, hint: str = "") -> dict[str, str]:
    """The stack's outputs; CliError when the stack or one of `keys` is missing."""
    stack = describe(cfn, name)
    if stack is None:
        raise CliError(f"stack {name} does not exist{': ' + hint if hint else ''}")
    found = outputs(stack)
    missing = [key for key in keys if key not in found]
    if missing:
        raise CliError(
            f"stack {name} ({stack['StackStatus']}) has no output {', '.join(missing)}"
            f"{': ' + hint if hint else ''}"
        )
    return found


def failure_reasons(cfn: Any, name: str, limit: int = 5) -> list[str]:
    """The newest failed resource events of a stack, as 'LogicalId: STATUS: reason'."""
    try:
        events = cfn.describe_stack_events(StackName=name).get("StackEvents", [])
    except aws_errors():
        return []
    reasons = [
        f"{e['LogicalResourceId']}: {e['ResourceStatus']}: {e.get('ResourceStatusReason', '')}"
        for e in events
        if str(e.get("ResourceStatus", "")).endswith(FAILED_SUFFIXES)
    ]
    return reasons[:limit]


def _wait(cfn: Any, waiter: str, name: str) -> None:
    try:
        wait(cfn, waiter, StackName=name)
    except CliError as exc:
        reasons = failure_reasons(cfn, name)
        detail = "; ".join(reasons) if reasons else "no failed resource events"
        raise CliError(f"{exc} ({detail})") from None


def delete(cfn: Any, name: str, log: Log, role_arn: str | None = None) -> None:
    """Delete the stack (with the execution role, if given) and wait until it is gone."""
    call(cfn.delete_stack, StackName=name, **({"RoleARN": role_arn} if role_arn else {}))
    log(f"deleting stack {name} ...")
    _wait(cfn, "stack_delete_complete", name)
    log(f"deleted stack {name}")


def create_or_update(
    cfn: Any,
    name: str,
    template_body: str,
    parameters: dict[str, str],
    log: Log,
    *,
    tags: dict[str, str] | None = None,
) -> str:
    """Create the stack or update it in place; 'created', 'updated' or 'unchanged'."""
    request: dict[str, Any] = {
        "StackName": name,
        "TemplateBody": template_body,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        "Capabilities": CAPABILITIES,
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    stack = describe(cfn, name)
    if stack is not None and stack["StackStatus"] == "ROLLBACK_COMPLETE":
        log(f"stack {name} is in ROLLBACK_COMPLETE (a failed first create): deleting it first")
        delete(cfn, name, log)
        stack = None
    if stack is None:
        call(cfn.create_stack, **request)
        log(f"creating stack {name} ...")
        _wait(cfn, "stack_create_complete", name)
        return "created"
    try:
        cfn.update_stack(**request)
    except aws_errors() as exc:
        if "No updates are to be performed" in str(exc):
            return "unchanged"
        raise CliError(describe_aws_error(exc, "cloudformation.UpdateStack")) from None
    log(f"updating stack {name} ...")
    _wait(cfn, "stack_update_complete", name)
    return "updated"
