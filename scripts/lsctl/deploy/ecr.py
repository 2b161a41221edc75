"""ECR: the repository from the bootstrap stack, docker login, and what a tag points to."""

from __future__ import annotations

import base64
import subprocess
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lsctl.deploy import stacks
from lsctl.deploy.options import BOOTSTRAP_STACK
from lsctl.deploy.session import call, error_code
from lsctl.errors import CliError, describe_aws_error


def repository_from_bootstrap(cfn: Any) -> str:
    found = stacks.require_outputs(
        cfn, BOOTSTRAP_STACK, "RepositoryUri", hint="run `lsctl bootstrap` or pass --repository"
    )
    return found["RepositoryUri"]


def docker_login(ecr: Any, docker: str) -> str:
    """Log docker in to the account's registry with a 12-hour token; returns the registry."""
    data = call(ecr.get_authorization_token)["authorizationData"][0]
    user, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
    registry = data["proxyEndpoint"].removeprefix("https://").removeprefix("http://")
    result = subprocess.run(
        [docker, "login", "--username", user, "--password-stdin", registry],
        input=password,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CliError(f"docker login {registry} failed: {result.stderr.strip() or result.stdout}")
    return registry


def digest_of_tag(ecr: Any, repository_name: str, tag: str) -> str | None:
    """The digest the tag points to in ECR, or None if the tag is not there."""
    try:
        response = ecr.describe_images(repositoryName=repository_name, imageIds=[{"imageTag": tag}])
    except (ClientError, BotoCoreError) as exc:
        if error_code(exc) == "ImageNotFoundException":
            return None
        raise CliError(describe_aws_error(exc, "ecr.DescribeImages")) from None
    details = response.get("imageDetails", [])
    return details[0]["imageDigest"] if details else None
