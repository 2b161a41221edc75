"""Container image references: only images pinned by digest are deployed.

A moving tag makes CloudFormation see an unchanged ImageUri and skip the update, and Lambda
resolves a tag once at deploy time anyway; a digest says exactly what runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lsctl.errors import CliError

_PINNED = re.compile(r"^(?P<repository>[a-z0-9][^@\s]*)@(?P<digest>sha256:[0-9a-f]{64})$")
_ECR_HOST = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?$"
)


@dataclass(frozen=True)
class ImageRef:
    repository: str  # registry/name, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/lsc
    digest: str  # sha256:<64 hex>

    @property
    def uri(self) -> str:
        return f"{self.repository}@{self.digest}"

    @property
    def registry(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.repository.split("/", 1)[1] if "/" in self.repository else self.repository


def parse_pinned(uri: str) -> ImageRef:
    """ImageRef for REPOSITORY@sha256:DIGEST; CliError for a tag or anything else."""
    match = _PINNED.match(uri.strip())
    if not match:
        raise CliError(
            f"image {uri!r} is not pinned by digest: pass REPOSITORY@sha256:<64 hex digits> "
            "(`lsctl image` prints it)"
        )
    repository = match["repository"]
    last = repository.rsplit("/", 1)[-1]
    if ":" in last:
        raise CliError(
            f"image {uri!r} has both a tag and a digest: drop the tag ({last.split(':', 1)[1]!r})"
        )
    return ImageRef(repository, match["digest"])


def ecr_region(repository: str) -> str | None:
    """The region in an ECR registry host name, if it is one."""
    match = _ECR_HOST.match(repository.split("/", 1)[0])
    return match["region"] if match else None
