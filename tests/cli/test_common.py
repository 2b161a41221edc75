"""What every deploy command shares: --help, --region/--stage, AWS_PROFILE and AWS_ENDPOINT_URL
honoured, AWS failures as one line naming the call."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lsctl.paths import REPO_ROOT

from .helpers import create_stack, good_routes

COMMANDS = ["bootstrap", "image", "deploy", "update-image", "smoke", "invoke", "logs", "destroy"]
WITH_STAGE = ["deploy", "update-image", "smoke", "invoke", "logs", "destroy"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_region(lsctl, command):
    result = lsctl(command, "--help")
    assert result.code == 0
    assert f"usage: lsctl {command}" in result.out
    assert "--region" in result.out
    if command in WITH_STAGE:
        assert "--stage" in result.out


def test_the_installed_entry_point_talks_to_aws_endpoint_url(aws, fake_service):
    """A real `lsctl` process, configured only by the environment, reads the stack from moto."""
    service = fake_service(good_routes())
    create_stack(aws("cloudformation"), "lattice-surgery-dev", {"ApiUrl": service.url})
    result = subprocess.run(
        [sys.executable, "-m", "lsctl.cli", "smoke", "--stage", "dev", "--timeout", "0"],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"smoke test of {service.url}" in result.stdout


def test_aws_profile_selects_credentials_and_region(lsctl, aws, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile lsc-test]\nregion = eu-west-1\n")
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[lsc-test]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_PROFILE", "lsc-test")
    result = lsctl("destroy", "--stage", "dev", "--yes")
    assert result.code == 0, result.text
    assert "does not exist in eu-west-1" in result.out
    assert (
        "in us-west-2" in lsctl("destroy", "--stage", "dev", "--yes", "--region", "us-west-2").out
    )

    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    result = lsctl("destroy", "--stage", "dev", "--yes")
    assert result.code == 1
    assert result.err.startswith("error: AWS session: The config profile (no-such-profile)")


def test_no_region_is_one_clear_line(lsctl, aws, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    result = lsctl("destroy", "--stage", "dev", "--yes")
    assert result.code == 1
    assert result.err == "error: no AWS region: pass --region or set AWS_REGION\n"


def test_missing_credentials_name_the_call(lsctl, aws, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = lsctl("smoke", "--stage", "dev")
    assert result.code == 1
    assert result.err.startswith("error: cloudformation.DescribeStacks failed: NoCredentialsError")
    assert len(result.err.splitlines()) == 1
