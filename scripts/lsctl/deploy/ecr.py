"""ECR: the repository from the bootstrap stack, docker login, and what a tag points to."""

from __future__ import annotations

import base64
import subprocess
from datetime import UTC, datetime
from typing import Any

from lsctl.deploy import session, stacks
from lsctl.deploy.images import ImageRef, ecr_region
from lsctl.deploy.options import BOOTSTRAP_STACK
from lsctl.deploy.session import aws_errors, call, error_code
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
    except aws_errors() as exc:
        if error_code(exc) == "ImageNotFoundException":
            return None
        raise CliError(describe_aws_error(exc, "ecr.DescribeImages")) from None
    details = response.get("imageDetails", [])
    return details[0]["imageDigest"] if details else None


# The repository's lifecycle policy (bootstrap.yml) never expires an image with a tag of this
# prefix: `lsctl deploy` adds one to every image it deploys.
DEPLOYED_TAG_PREFIX = "deployed-"


def deployed_tag(stage: str, when: datetime) -> str:
    """deployed-STAGE-YYYYmmddTHHMMSSZ: unique per deploy (tags are immutable)."""
    return f"{DEPLOYED_TAG_PREFIX}{stage}-{when.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def tag_deployed(ecr: Any, repository_name: str, digest: str, stage: str) -> str | None:
    """Protect the image from expiry before a stage runs it: put its manifest again under a
    deployed-* tag (no layer is uploaded, so a role without push rights can do it). Returns the
    tag, or None when the image already carries one for this stage."""
    found = call(
        ecr.batch_get_image, repositoryName=repository_name, imageIds=[{"imageDigest": digest}]
    )
    images = found.get("images", [])
    if not images:
        raise CliError(f"image {digest} is not in the ECR repository {repository_name}")
    details = call(
        ecr.describe_images, repositoryName=repository_name, imageIds=[{"imageDigest": digest}]
    )["imageDetails"]
    tags = [t for d in details for t in d.get("imageTags", [])]
    if any(t.startswith(f"{DEPLOYED_TAG_PREFIX}{stage}-") for t in tags):
        return None
    tag = deployed_tag(stage, datetime.now(UTC))
    manifest = images[0]
    media_type = (
        {"imageManifestMediaType": m} if (m := manifest.get("imageManifestMediaType")) else {}
    )
    call(
        ecr.put_image,
        repositoryName=repository_name,
        imageManifest=manifest["imageManifest"],
        imageTag=tag,
        imageDigest=digest,
        **media_type,
    )
    return tag


def protect(image: ImageRef, stage: str, region: str | None) -> str:
    """Tag `image` deployed-STAGE-TIME in ECR before `stage` runs it, so that the lifecycle
    policy keeps it while the stage (or CodeDeploy's rollback) may run it; says what it did."""
    client = session.client("ecr", region or ecr_region(image.repository))
    tag = tag_deployed(client, image.name, image.digest, stage)
    if tag:
        return f"tagged {image.uri} {tag} (kept by the repository's lifecycle policy)"
    return f"{image.uri} already carries a deployed-{stage}-* tag"
