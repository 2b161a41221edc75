"""`sam deploy` for one stage: where the binary is, what samconfig.toml already sets, and the
command line that adds the image to it."""

from __future__ import annotations

import os
import shlex
import shutil
import tomllib
from pathlib import Path
from typing import Any

from lsctl.errors import CliError
from lsctl.paths import REPO_ROOT
from lsctl.streaming import stream

SAMCONFIG = REPO_ROOT / "samconfig.toml"
VENV_SAM = REPO_ROOT / ".venv-sam" / "bin" / "sam"
EMPTY_CHANGESET = "No changes to deploy"
_IMAGE_REPO_KEYS = ("image_repository", "image_repositories", "resolve_image_repos")


def find_sam(explicit: str | None = None) -> str:
    """--sam, else $LSC_SAM, else .venv-sam/bin/sam (`make tools`), else sam on PATH."""
    for candidate in (explicit, os.environ.get("LSC_SAM")):
        if candidate:
            found = shutil.which(candidate)
            if not found:
                raise CliError(f"sam binary {candidate!r} not found or not executable")
            return found
    if VENV_SAM.exists():
        return str(VENV_SAM)
    found = shutil.which("sam")
    if not found:
        raise CliError("no sam binary: run `make tools` (.venv-sam) or pass --sam PATH")
    return found


def deploy_parameters(stage: str, config: Path = SAMCONFIG) -> dict[str, Any]:
    """[STAGE.deploy.parameters] of samconfig.toml, merged over [default.deploy.parameters]."""
    if not config.exists():
        raise CliError(f"{config} is missing: it defines one environment per stage")
    try:
        data = tomllib.loads(config.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise CliError(f"{config}: {exc}") from None
    if stage not in data:
        known = ", ".join(k for k in data if k != "version")
        raise CliError(f"{config} has no environment {stage!r} (it has: {known})")

    def section(env: str) -> dict[str, Any]:
        return data.get(env, {}).get("deploy", {}).get("parameters", {})

    return {**section("default"), **section(stage)}


def parameter_overrides(value: str | list[str] | None) -> dict[str, str]:
    """samconfig's parameter_overrides ("A=1 B=\"x y\"" or a list) as a dict."""
    if not value:
        return {}
    items = shlex.split(value) if isinstance(value, str) else [str(v) for v in value]
    pairs = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep:
            raise CliError(f"samconfig.toml parameter_overrides: {item!r} is not KEY=VALUE")
        pairs[key] = val
    return pairs


def deploy_command(
    sam: str,
    stage: str,
    image_uri: str,
    image_repository: str,
    *,
    region: str | None = None,
    s3_bucket: str | None = None,
    role_arn: str | None = None,
    confirm: bool = False,
    extra: list[str] | None = None,
    config: Path = SAMCONFIG,
) -> list[str]:
    """The sam deploy command line: the stage's samconfig environment plus the image and the
    account's values (artifacts bucket, CloudFormation execution role) samconfig leaves out.

    --parameter-overrides on the command line replaces samconfig's whole list, so the stage's
    own overrides are repeated here with ImageUri added."""
    settings = deploy_parameters(stage, config)
    overrides = {**parameter_overrides(settings.get("parameter_overrides")), "ImageUri": image_uri}
    command = [sam, "deploy", "--config-env", stage]
    if config != SAMCONFIG:
        command += ["--config-file", str(config)]
    command += ["--parameter-overrides", *(f"{k}={v}" for k, v in overrides.items())]
    if not any(settings.get(key) for key in _IMAGE_REPO_KEYS):
        # sam insists on one for image functions; it pushes nothing when ImageUri is in ECR.
        command += ["--image-repository", image_repository]
    if s3_bucket:
        command += ["--s3-bucket", s3_bucket]
    if role_arn:
        command += ["--role-arn", role_arn]
    if region:
        command += ["--region", region]
    command += ["--no-fail-on-empty-changeset"]
    command += ["--confirm-changeset"] if confirm else ["--no-confirm-changeset"]
    return command + list(extra or [])


def missing_account_settings(stage: str, config: Path = SAMCONFIG) -> list[str]:
    """Which of 's3_bucket' and 'role_arn' the stage's samconfig leaves to the command line."""
    settings = deploy_parameters(stage, config)
    missing = []
    if not (settings.get("s3_bucket") or settings.get("resolve_s3")):
        missing.append("s3_bucket")
    if not settings.get("role_arn"):
        missing.append("role_arn")
    return missing


def run(command: list[str]) -> str:
    """Run sam with its output shown as it comes; 'deployed' or 'unchanged', else CliError."""
    print("$ " + shlex.join(command), flush=True)
    try:
        ran = stream(command, cwd=REPO_ROOT)
    except OSError as exc:
        raise CliError(f"cannot run {command[0]}: {exc}") from None
    if EMPTY_CHANGESET in ran.output:
        return "unchanged"
    if ran.code != 0:
        raise CliError(f"sam deploy failed (exit {ran.code}): {ran.last_line()}")
    return "deployed"
