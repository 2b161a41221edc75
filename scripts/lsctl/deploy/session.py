"""boto3 clients for the CLI, and AWS calls whose failures become one-line CliErrors.

The region comes from --region, else AWS_REGION / AWS_DEFAULT_REGION / the profile's config.
AWS_PROFILE selects credentials and AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) points every
client at another endpoint, such as a moto server: boto3 reads both itself.

boto3 and botocore are imported where they are used, not at import: every command module imports
this one, and `lsctl --help` must not wait a second for boto3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsctl.errors import CliError, describe_aws_error

if TYPE_CHECKING:
    import boto3

RETRIES = {"mode": "standard", "max_attempts": 5}


def aws_errors() -> tuple[type[Exception], ...]:
    """botocore's ClientError and BotoCoreError, for `except session.aws_errors() as exc:` (an
    except clause's expression is evaluated only when an exception is being matched)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


def session(region: str | None = None) -> boto3.Session:
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.Session(region_name=region)
    except BotoCoreError as exc:  # e.g. ProfileNotFound for a misspelt AWS_PROFILE
        raise CliError(f"AWS session: {exc}") from None


def config() -> Any:
    """lsctl's botocore Config (retries, user agent), for every client it makes."""
    from botocore.config import Config

    return Config(retries=RETRIES, user_agent_extra="lsctl")


def client(service: str, region: str | None = None) -> Any:
    """A boto3 client; tests replace this function to hand out stubbed clients."""
    from botocore.exceptions import BotoCoreError, NoRegionError

    try:
        return session(region).client(service, config=config())
    except NoRegionError:
        raise CliError("no AWS region: pass --region or set AWS_REGION") from None
    except BotoCoreError as exc:
        raise CliError(f"AWS {service} client: {exc}") from None


def operation_name(method: Callable[..., Any]) -> str:
    """'cloudformation.DescribeStacks' for cfn.describe_stacks."""
    owner = getattr(method, "__self__", None)
    if owner is None or not hasattr(owner, "meta"):
        return getattr(method, "__name__", "call")
    api = owner.meta.method_to_api_mapping.get(method.__name__, method.__name__)
    return f"{owner.meta.service_model.service_name}.{api}"


def call(method: Callable[..., Any], **kwargs: Any) -> Any:
    """method(**kwargs), with any AWS failure raised as CliError naming the call."""
    try:
        return method(**kwargs)
    except aws_errors() as exc:
        raise CliError(describe_aws_error(exc, operation_name(method))) from None


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def wait(
    aws_client: Any, waiter_name: str, *, delay: int = 5, max_attempts: int = 360, **kwargs: Any
) -> None:
    """Run a boto3 waiter; a failure or time-out becomes a CliError naming the waiter."""
    from botocore.exceptions import WaiterError

    waiter = aws_client.get_waiter(waiter_name)
    try:
        waiter.wait(WaiterConfig={"Delay": delay, "MaxAttempts": max_attempts}, **kwargs)
    except WaiterError as exc:
        service = aws_client.meta.service_model.service_name
        raise CliError(f"waiting for {service} {waiter_name}: {exc}") from None
    except aws_errors() as exc:
        service = aws_client.meta.service_model.service_name
        raise CliError(describe_aws_error(exc, f"{service} waiter {waiter_name}")) from None
