"""The environments' variables, from the bootstrap stack's outputs: what the workflows read as
`vars.NAME` in each environment (tests/cli/test_github.py checks the workflows against it)."""

from __future__ import annotations

from typing import Any

from lsctl.deploy import session, stacks
from lsctl.deploy.options import BOOTSTRAP_STACK
from lsctl.errors import CliError

# environment -> variable -> the bootstrap output holding its value (first one present wins).
FROM_OUTPUTS = {
    "dev": {
        "AWS_ROLE_ARN": ("DeployRoleArnDev", "DeployRoleArn"),
        "ECR_REPOSITORY": ("RepositoryUri",),
    },
    "prod": {
        "AWS_ROLE_ARN": ("DeployRoleArnProd", "DeployRoleArn"),
        "ROLLBACK_ROLE_ARN": ("RollbackRoleArn", "RollbackRoleArnProd"),
    },
}
OPTIONAL = {("prod", "ROLLBACK_ROLE_ARN")}


def bootstrap_outputs(region: str | None, profile: str | None = None) -> dict[str, str]:
    if profile:
        import boto3  # here: `lsctl --help` loads no AWS SDK

        try:
            cfn: Any = boto3.Session(profile_name=profile, region_name=region).client(
                "cloudformation", config=session.config()
            )
        except Exception as exc:  # botocore's ProfileNotFound, NoRegionError, ...
            raise CliError(f"AWS profile {profile}: {exc}") from None
    else:
        cfn = session.client("cloudformation", region)
    return stacks.require_outputs(
        cfn, BOOTSTRAP_STACK, hint="run `lsctl bootstrap` in that account and region first"
    )


def environment_variables(
    environment: str, outputs: dict[str, str], region: str
) -> tuple[dict[str, str], list[str]]:
    """(variables, notes) of one environment: AWS_REGION and the FROM_OUTPUTS values."""
    found = {"AWS_REGION": region}
    notes = []
    for name, keys in FROM_OUTPUTS.get(environment, {}).items():
        value = next((outputs[k] for k in keys if k in outputs), None)
        if value is not None:
            found[name] = value
        elif (environment, name) in OPTIONAL:
            notes.append(
                f"{environment}: the bootstrap stack has no {' or '.join(keys)} output, so "
                f"{name} is not set (the rollback workflow needs it)"
            )
        else:
            raise CliError(
                f"the bootstrap stack has no output {' or '.join(keys)} (for {environment}'s "
                f"{name}): update it with `lsctl bootstrap`"
            )
    return found, notes
