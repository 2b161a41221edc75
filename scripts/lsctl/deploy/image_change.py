"""Change only a stage's image: a change set on the stack's current template with every
parameter kept but ImageUri. No template upload and no role to pass (CloudFormation uses the
role the stack has), so a role allowed little more than change sets on the stack can run it."""

from __future__ import annotations

import time
from typing import Any

from lsctl.deploy import stacks
from lsctl.deploy.history import IMAGE_PARAMETER
from lsctl.deploy.images import ImageRef
from lsctl.deploy.session import call, wait
from lsctl.errors import CliError


def parameters(stack: dict[str, Any], image: ImageRef) -> list[dict[str, Any]]:
    kept = [
        {"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
        for p in stack.get("Parameters", [])
        if p["ParameterKey"] != IMAGE_PARAMETER
    ]
    return [*kept, {"ParameterKey": IMAGE_PARAMETER, "ParameterValue": image.uri}]


def change_image(cfn: Any, name: str, image: ImageRef, log: stacks.Log) -> None:
    """Update stack `name` to run `image`, nothing else; waits until the update has finished."""
    stack = stacks.describe(cfn, name)
    if stack is None:
        raise CliError(f"stack {name} does not exist: there is nothing to roll back")
    change_set = f"image-{int(time.time())}"
    call(
        cfn.create_change_set,
        StackName=name,
        ChangeSetName=change_set,
        ChangeSetType="UPDATE",
        UsePreviousTemplate=True,
        Parameters=parameters(stack, image),
        Capabilities=stacks.CAPABILITIES,
        Description=f"image {image.uri}"[:1024],
    )
    wait(cfn, "change_set_create_complete", delay=2, StackName=name, ChangeSetName=change_set)
    call(cfn.execute_change_set, StackName=name, ChangeSetName=change_set)
    log(f"updating stack {name} to {image.uri} ...")
    try:
        wait(cfn, "stack_update_complete", StackName=name)
    except CliError as exc:
        reasons = "; ".join(stacks.failure_reasons(cfn, name)) or "no failed resource events"
        raise CliError(f"{exc} ({reasons})") from None
