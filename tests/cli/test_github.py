"""`lsctl github`: the repository's GitHub settings as code, against a stand-in for the GitHub
REST API on 127.0.0.1 that validates every request against GitHub's published description
(tests/cli/github_standin.py) and keeps state, with the bootstrap stack's outputs in moto.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import yaml

from lsctl.github import desired, variables

from .github_standin import Server, StandIn, State, github_standin
from .helpers import create_stack

pytestmark = pytest.mark.slow

REPO = "octo-org/lattice-surgery"
WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
OUTPUTS = {
    "DeployRoleArnDev": "arn:aws:iam::111111111111:role/deploy-dev",
    "DeployRoleArnProd": "arn:aws:iam::111111111111:role/deploy-prod",
    "RollbackRoleArn": "arn:aws:iam::111111111111:role/rollback-prod",
    "RepositoryUri": "111111111111.dkr.ecr.us-east-1.amazonaws.com/lattice-surgery",
    "ArtifactsBucket": "artifacts",
}


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    with github_standin() as running:
        yield running


@pytest.fixture
def github(server: Server, aws, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """A fresh repository on the stand-in (users alice and bob, team octo-org/maintainers), the
    token the stand-in accepts, and the bootstrap stack in moto."""
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    create_stack(aws("cloudformation"), "lattice-surgery-bootstrap", OUTPUTS)
    return server.reset(
        State(REPO, users={"alice": 1001, "bob": 1002}, teams={"octo-org/maintainers": 2001})
    )


def run(lsctl, github: StandIn, *extra: str):
    return lsctl(
        "github",
        "--repo",
        REPO,
        "--reviewer",
        "alice",
        "--reviewer",
        "octo-org/maintainers",
        "--region",
        "us-east-1",
        "--api-url",
        github.url,
        *extra,
    )


def test_plan_changes_nothing_apply_configures_check_finds_no_drift(lsctl, github):
    planned = run(lsctl, github)
    assert planned.code == 0, planned.text
    assert github.writes == []  # the plan only reads
    for line in [
        "environment dev: create",
        "environment prod: create",
        "environment compiler-bump: create",
        "environment prod: deployment branch main",
        "environment dev: variable ECR_REPOSITORY",
        "environment prod: variable ROLLBACK_ROLE_ARN",
        f"ruleset {desired.RULESET_NAME!r} on refs/heads/main",
        "OIDC subject claim template",
        f"repo:{REPO}:environment:prod:ref:refs/heads/main",
        "run again with --apply",
    ]:
        assert line in planned.out, line
    assert run(lsctl, github, "--check").code == 3

    applied = run(lsctl, github, "--apply")
    assert applied.code == 0, applied.text
    assert "no drift left" in applied.out
    assert github.rejected == []  # every request conformed to GitHub's description
    assert github.bad_answers == []  # and so did every answer the client parsed

    state = github.state
    for name in ("prod", "compiler-bump"):
        env = state.environments[name]
        assert env["reviewers"] == [{"type": "Team", "id": 2001}, {"type": "User", "id": 1001}]
        assert env["prevent_self_review"] is True
    for name in ("dev", "prod", "compiler-bump"):
        env = state.environments[name]
        assert env["can_admins_bypass"] is False
        assert env["deployment_branch_policy"] == {
            "protected_branches": False,
            "custom_branch_policies": True,
        }
        assert [(p["name"], p["type"]) for p in state.policies[name]] == [("main", "branch")]
    assert state.environments["dev"]["reviewers"] == []
    assert state.variables["dev"] == {
        "AWS_REGION": "us-east-1",
        "AWS_ROLE_ARN": OUTPUTS["DeployRoleArnDev"],
        "ECR_REPOSITORY": OUTPUTS["RepositoryUri"],
    }
    assert state.variables["prod"] == {
        "AWS_REGION": "us-east-1",
        "AWS_ROLE_ARN": OUTPUTS["DeployRoleArnProd"],
        "ROLLBACK_ROLE_ARN": OUTPUTS["RollbackRoleArn"],
    }
    (ruleset,) = state.rulesets.values()
    assert ruleset["enforcement"] == "active" and ruleset["bypass_actors"] == []
    assert ruleset["conditions"]["ref_name"]["include"] == ["refs/heads/main"]
    rules = {r["type"]: r.get("parameters") for r in ruleset["rules"]}
    assert set(rules) == {"pull_request", "required_status_checks", "non_fast_forward", "deletion"}
    assert rules["required_status_checks"]["required_status_checks"] == [
        {"context": "make test", "integration_id": 15368}
    ]
    assert state.oidc == {"use_default": False, "include_claim_keys": ["repo", "context", "ref"]}

    writes = list(github.writes)
    checked = run(lsctl, github, "--check")
    assert checked.code == 0, checked.text
    assert "no drift" in checked.out
    again = run(lsctl, github, "--apply")
    assert (
        again.code == 0 and github.writes == writes
    )  # idempotent: the second apply writes nothing


def test_drift_is_reported_then_repaired(lsctl, github):
    assert run(lsctl, github, "--apply").code == 0
    state = github.state
    state.policies["prod"].append(
        {"id": 999, "node_id": "X", "name": "release/*", "type": "branch"}
    )
    state.environments["prod"]["prevent_self_review"] = False
    state.environments["dev"]["can_admins_bypass"] = True
    state.variables["dev"]["AWS_ROLE_ARN"] = "arn:aws:iam::222222222222:role/elsewhere"
    (ruleset,) = state.rulesets.values()
    ruleset["rules"] = [r for r in ruleset["rules"] if r["type"] != "non_fast_forward"]
    ruleset["bypass_actors"] = [
        {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}
    ]
    state.oidc = {"use_default": True}

    checked = run(lsctl, github, "--check")
    assert checked.code == 3
    for line in [
        "environment prod: deployment branch release/*",
        "environment prod: protection",
        "environment dev: protection",
        "environment dev: variable AWS_ROLE_ARN",
        "ruleset",
        "OIDC subject claim template",
        "6 setting(s) drifted",
    ]:
        assert line in checked.out, line
    assert run(lsctl, github, "--apply").code == 0
    assert run(lsctl, github, "--check").code == 0
    assert [p["name"] for p in state.policies["prod"]] == ["main"]
    assert github.rejected == [] and github.bad_answers == []


def test_the_stand_in_refuses_what_the_description_does_not_allow(github):
    """The validator is live: a PUT with a key the description forbids, and a ruleset rule of
    an unknown type, are answered 422 and recorded."""
    headers = {"Authorization": "token test-token"}
    bad_environment = httpx.put(
        f"{github.url}/repos/{REPO}/environments/prod",
        json={"wait_timer": 0, "required_reviewers": 1},
        headers=headers,
    )
    bad_ruleset = httpx.post(
        f"{github.url}/repos/{REPO}/rulesets",
        json={"name": "x", "enforcement": "active", "rules": [{"type": "no_such_rule"}]},
        headers=headers,
    )
    assert (bad_environment.status_code, bad_ruleset.status_code) == (422, 422)
    assert len(github.rejected) == 2 and github.writes == []


def test_an_unknown_reviewer_is_a_clear_error(lsctl, github):
    result = lsctl(
        "github",
        "--repo",
        REPO,
        "--reviewer",
        "nobody",
        "--region",
        "us-east-1",
        "--api-url",
        github.url,
    )
    assert result.code == 1
    assert "GitHub user nobody: 404 Not Found" in result.err


def test_no_reviewer_and_no_token_are_refused_before_any_request(lsctl, github, monkeypatch):
    no_reviewer = lsctl("github", "--repo", REPO, "--region", "us-east-1", "--api-url", github.url)
    assert no_reviewer.code == 1 and "--reviewer" in no_reviewer.err
    monkeypatch.delenv("GITHUB_TOKEN")
    no_token = run(lsctl, github)
    assert no_token.code == 1 and "GITHUB_TOKEN" in no_token.err
    assert github.requests == []


# --- the settings match the workflows -------------------------------------------------------


def workflow_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, name, job)
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for name, job in yaml.safe_load(path.read_text())["jobs"].items()
    ]


def test_every_variable_a_job_reads_is_set_in_its_environment():
    outputs = dict(OUTPUTS)
    read = 0
    for file, name, job in workflow_jobs():
        used = set(re.findall(r"vars\.([A-Z_]+)", json.dumps(job)))
        if not used:
            continue
        environment = job.get("environment")
        assert environment in ("dev", "prod"), f"{file}:{name} reads {used} outside dev/prod"
        provided, _ = variables.environment_variables(environment, outputs, "us-east-1")
        assert used <= set(provided), f"{file}:{name} reads {used - set(provided)}"
        read += 1
    assert read >= 3


def test_every_environment_a_job_uses_is_managed():
    managed = {desired.DEV, desired.PROD, desired.COMPILER_BUMP}
    used = {job["environment"] for _, _, job in workflow_jobs() if "environment" in job}
    assert used == managed


def test_the_required_check_is_the_name_of_ci_yml_s_job():
    (job,) = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())["jobs"].values()
    assert job["name"] == desired.CI_CHECK


def test_prod_s_oidc_subject_names_the_environment_and_the_ref():
    assert desired.oidc_subject(REPO, "prod") == (
        f"repo:{REPO}:environment:prod:ref:refs/heads/main"
    )
    assert desired.OIDC_CLAIM_KEYS == ("repo", "context", "ref")


def test_prod_s_variables_come_from_prod_s_own_bootstrap(lsctl, github, aws, tmp_path, monkeypatch):
    """Dev and prod in separate accounts (or regions): prod's role ARNs and region come from the
    bootstrap stack --prod-profile / --prod-region point at."""
    prod_outputs = {
        **OUTPUTS,
        "DeployRoleArnProd": "arn:aws:iam::222222222222:role/deploy-prod",
        "RollbackRoleArn": "arn:aws:iam::222222222222:role/rollback-prod",
    }
    west = boto3.client("cloudformation", region_name="us-west-2")
    create_stack(west, "lattice-surgery-bootstrap", prod_outputs)
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile prod]\nregion = us-west-2\naws_access_key_id = testing\n"
        "aws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    result = run(lsctl, github, "--prod-profile", "prod", "--prod-region", "us-west-2", "--apply")
    assert result.code == 0, result.text
    assert github.state.variables["prod"] == {
        "AWS_REGION": "us-west-2",
        "AWS_ROLE_ARN": prod_outputs["DeployRoleArnProd"],
        "ROLLBACK_ROLE_ARN": prod_outputs["RollbackRoleArn"],
    }
    assert github.state.variables["dev"]["AWS_ROLE_ARN"] == OUTPUTS["DeployRoleArnDev"]
    missing = run(lsctl, github, "--prod-profile", "no-such-profile")
    assert missing.code == 1 and "AWS profile no-such-profile" in missing.err
