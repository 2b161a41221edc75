"""What a stage ran and runs: the image in its stack, the commit an image was built from (its
ECR tag), the images a stage ran before (their deployed-STAGE-TIME tags), and whether a commit
contains the one a stage runs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsctl.deploy import stacks
from lsctl.deploy.ecr import DEPLOYED_TAG_PREFIX
from lsctl.deploy.images import ImageRef, parse_pinned
from lsctl.deploy.session import call
from lsctl.errors import CliError
from lsctl.git import git_or_none

IMAGE_PARAMETER = "ImageUri"
# deploy.yml tags COMMIT-runRUN.ATTEMPT, `lsctl image` COMMIT or COMMIT-dirty-TIME.
_COMMIT_TAG = re.compile(r"^(?P<commit>[0-9a-f]{40})(?:-|$)")


def running_image(stack: dict[str, Any] | None) -> ImageRef | None:
    """The image a stage's stack was last deployed with (its ImageUri parameter)."""
    if stack is None or stack["StackStatus"] == "ROLLBACK_COMPLETE":
        return None
    for parameter in stack.get("Parameters", []):
        if parameter["ParameterKey"] == IMAGE_PARAMETER and parameter.get("ParameterValue"):
            return parse_pinned(parameter["ParameterValue"])
    return None


def image_tags(ecr: Any, image: ImageRef) -> list[str]:
    details = call(
        ecr.describe_images, repositoryName=image.name, imageIds=[{"imageDigest": image.digest}]
    )["imageDetails"]
    return [tag for d in details for tag in d.get("imageTags", [])]


def image_commit(ecr: Any, image: ImageRef) -> str | None:
    """The git commit the image was built from, as its build tagged it; None if no tag says."""
    commits = {m["commit"] for tag in image_tags(ecr, image) if (m := _COMMIT_TAG.match(tag))}
    return commits.pop() if len(commits) == 1 else None


@dataclass(frozen=True)
class Deployed:
    tag: str  # deployed-STAGE-YYYYmmddTHHMMSSZ
    image: ImageRef


def deployed_images(ecr: Any, repository: str, stage: str) -> list[Deployed]:
    """Every image `stage` ran (a deployed-STAGE-* tag), newest deploy first."""
    prefix = f"{DEPLOYED_TAG_PREFIX}{stage}-"
    found: list[Deployed] = []
    paginator = ecr.get_paginator("describe_images")
    name = ImageRef(repository, "").name
    pages = paginator.paginate(repositoryName=name, filter={"tagStatus": "TAGGED"})
    for page in pages:
        for detail in page["imageDetails"]:
            for tag in detail.get("imageTags", []):
                if tag.startswith(prefix):
                    found.append(Deployed(tag, ImageRef(repository, detail["imageDigest"])))
    return sorted(found, key=lambda d: d.tag, reverse=True)


def was_deployed(ecr: Any, image: ImageRef, stage: str) -> bool:
    return any(t.startswith(f"{DEPLOYED_TAG_PREFIX}{stage}-") for t in image_tags(ecr, image))


def require_descendant(repo: Path, stage: str, deployed: str, new: str) -> None:
    """CliError unless `new` is `deployed` or a descendant of it in the git repository `repo`."""
    for commit, what in ((deployed, f"{stage}'s running"), (new, "new")):
        if git_or_none(repo, "cat-file", "-e", f"{commit}^{{commit}}") is None:
            raise CliError(
                f"the {what} commit {commit} is not in {repo}: fetch the whole history "
                "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
            )
    if git_or_none(repo, "merge-base", "--is-ancestor", deployed, new) is None:
        raise CliError(
            f"refusing to deploy {new[:12]} to {stage}: it does not contain {deployed[:12]}, "
            f"the commit {stage} runs, so deploying it would undo changes already live. "
            "Deploy a newer commit of main; to go back on purpose use `lsctl rollback`"
        )


def stack_image(cfn: Any, name: str) -> ImageRef | None:
    return running_image(stacks.describe(cfn, name))
