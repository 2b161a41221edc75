"""cfn-lint, `sam validate --lint`, hadolint and checkov, all offline, on both templates and the
Dockerfile; every checkov skip carries a reason and is still needed."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import (
    BOOTSTRAP,
    DOCKERFILE,
    REPO,
    STAGES,
    TEMPLATE,
    load,
    offline_env,
    transformed,
)

VENV = REPO / ".venv" / "bin"
SAM = REPO / ".venv-sam" / "bin" / "sam"
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
TEMPLATES = [TEMPLATE, BOOTSTRAP]
MIN_REASON = 20  # characters: a reason, not a placeholder
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
TRANSFORMED = [f"template-{stage}.json" for stage in STAGES]
# Skips of template.yml that, after the transform, belong to another generated resource: SAM
# copies a resource's Metadata to the one of the same logical id (Api's to the RestApi), while
# the check (CKV_AWS_120, caching) applies to the stage it generates.
MOVED_SKIPS = {"Api": "ApiStage"}


def write_transformed(directory: Path) -> list[Path]:
    """template.yml per stage after the SAM transform (what CloudFormation is asked to build),
    with the skips of the resource each generated one comes from."""
    source = load(TEMPLATE)["Resources"]
    paths = []
    for stage, name in zip(STAGES, TRANSFORMED, strict=True):
        template = transformed(stage)
        for origin, generated in MOVED_SKIPS.items():
            template["Resources"][origin].pop("Metadata")
            template["Resources"][generated]["Metadata"] = source[origin]["Metadata"]
        path = directory / name
        path.write_text(json.dumps(template, indent=1))
        paths.append(path)
    return paths


def run(command: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command],
        cwd=REPO,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def test_cfn_lint_is_clean() -> None:
    result = run([VENV / "cfn-lint", *TEMPLATES])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_sam_validate_lint_is_clean_offline(template: Path) -> None:
    result = run([SAM, "validate", "--lint", "--template-file", template])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_hadolint_is_clean_down_to_info() -> None:
    result = run([VENV / "hadolint", "--failure-threshold", "info", DOCKERFILE])
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_pip_install(tmp_path: Path) -> None:
    """The check above is live: a Dockerfile that installs with pip at build time fails it."""
    bad = tmp_path / "Dockerfile"
    bad.write_text(DOCKERFILE.read_text() + "RUN pip install numpy\n")
    assert run([VENV / "hadolint", "--failure-threshold", "info", bad]).returncode != 0


@pytest.fixture(scope="session")
def transformed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("transformed")
    write_transformed(directory)
    return directory


@pytest.fixture(scope="session")
def checkov_results(transformed_dir: Path) -> dict[str, dict[str, Any]]:
    """checkov's JSON per file (one run: it takes a few seconds to start): the Dockerfile, both
    templates as written and per stage as transformed, and the workflows."""
    files = [DOCKERFILE, TEMPLATE, BOOTSTRAP, *WORKFLOWS]
    files += [transformed_dir / name for name in TRANSFORMED]
    command: list[str | Path] = [CHECKOV, "--skip-download", "-o", "json"]
    command += ["--framework", "cloudformation", "dockerfile", "github_actions"]
    for path in files:
        command += ["-f", path]
    result = run(command)
    assert result.returncode in (0, 1), result.stderr
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    by_file: dict[str, dict[str, Any]] = {}
    for report in reports:
        for kind in ("passed_checks", "failed_checks", "skipped_checks"):
            for check in report["results"][kind]:
                name = Path(check["file_path"]).name
                by_file.setdefault(name, {}).setdefault(kind, []).append(check)
    return by_file


def test_checkov_finds_nothing(checkov_results: dict[str, dict[str, Any]]) -> None:
    failed = [
        f"{name}: {c['check_id']} {c['resource']}"
        for name, kinds in checkov_results.items()
        for c in kinds.get("failed_checks", [])
    ]
    assert not failed
    for name in [p.name for p in (DOCKERFILE, TEMPLATE, BOOTSTRAP, *WORKFLOWS)] + TRANSFORMED:
        assert checkov_results.get(name, {}).get("passed_checks"), f"{name} not scanned"


def _template_skips(path: Path) -> dict[tuple[str, str], str]:
    skips = {}
    data = json.loads(path.read_text()) if path.suffix == ".json" else load(path)
    for name, resource in data["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            skips[(name, skip["id"])] = skip.get("comment", "")
    return skips


def _dockerfile_skips() -> dict[str, str]:
    pattern = re.compile(r"^#\s*checkov:skip=(CKV\w+):?(.*)$")
    return {
        m[1]: m[2].strip()
        for line in DOCKERFILE.read_text().splitlines()
        if (m := pattern.match(line))
    }


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_every_template_skip_is_justified_and_used(
    template: Path, checkov_results: dict[str, dict[str, Any]]
) -> None:
    skips = _template_skips(template)
    for (resource, check), reason in skips.items():
        assert len(reason) >= MIN_REASON, f"{resource}: {check} has no reason beside it"
    skipped = {
        (c["resource"].split(".")[-1], c["check_id"])
        for c in checkov_results.get(template.name, {}).get("skipped_checks", [])
    }
    assert set(skips) == skipped, "a skip checkov no longer needs, or one it ignored"


@pytest.mark.parametrize("name", TRANSFORMED)
def test_every_transformed_template_skip_is_justified_and_used(
    name: str, transformed_dir: Path, checkov_results: dict[str, dict[str, Any]]
) -> None:
    """What CloudFormation builds is checked too: SAM's generated stage, version, alias,
    deployment group and permissions, where a skip on template.yml does not reach."""
    skips = _template_skips(transformed_dir / name)
    for (resource, check), reason in skips.items():
        assert len(reason) >= MIN_REASON, f"{resource}: {check} has no reason beside it"
    skipped = {
        (c["resource"].split(".")[-1], c["check_id"])
        for c in checkov_results.get(name, {}).get("skipped_checks", [])
    }
    assert set(skips) == skipped, "a skip checkov no longer needs, or one it ignored"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_workflow_skip_is_justified_and_used(
    workflow: Path, checkov_results: dict[str, dict[str, Any]]
) -> None:
    pattern = re.compile(r"^\s*#\s*checkov:skip=(CKV\w+):?(.*)$")
    skips = {
        m[1]: m[2].strip()
        for line in workflow.read_text().splitlines()
        if (m := pattern.match(line))
    }
    for check, reason in skips.items():
        assert len(reason) >= MIN_REASON, f"{workflow.name}: {check} has no reason beside it"
    skipped = {
        c["check_id"] for c in checkov_results.get(workflow.name, {}).get("skipped_checks", [])
    }
    assert set(skips) == skipped


def test_every_dockerfile_skip_is_justified_and_used(
    checkov_results: dict[str, dict[str, Any]],
) -> None:
    skips = _dockerfile_skips()
    assert skips
    for check, reason in skips.items():
        assert len(reason) >= MIN_REASON, f"{check} has no reason beside it"
    skipped = {c["check_id"] for c in checkov_results[DOCKERFILE.name].get("skipped_checks", [])}
    assert set(skips) == skipped
