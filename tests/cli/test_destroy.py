"""`lsctl destroy` (stack and log groups gone, the ECR repository kept, nothing deleted without
confirmation), on moto, with the real `sam delete` deleting the stack."""

from __future__ import annotations

import io

import pytest

from .helpers import create_stack

FUNCTION = "lattice-surgery-dev-Function"
ACCESS_LOGS = "/aws/apigateway/lattice-surgery-dev-access"


@pytest.fixture
def deployed(aws):
    """A dev stack (owning an access-log group), the function's log group Lambda made itself, a
    prod stack and the bootstrap's ECR repository."""
    cfn, logs = aws("cloudformation"), aws("logs")
    create_stack(cfn, "lattice-surgery-dev", {"FunctionName": FUNCTION}, log_group=ACCESS_LOGS)
    create_stack(cfn, "lattice-surgery-prod", {"FunctionName": "prod-fn"})
    logs.create_log_group(logGroupName=f"/aws/lambda/{FUNCTION}")
    logs.create_log_group(logGroupName="/aws/lambda/prod-fn")
    aws("ecr").create_repository(repositoryName="lattice-surgery")
    return aws


def stack_names(cfn) -> set[str]:
    return {
        s["StackName"]
        for s in cfn.describe_stacks()["Stacks"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    }


def group_names(logs) -> set[str]:
    return {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}


def test_destroy_deletes_the_stack_and_its_log_groups_and_keeps_the_repository(lsctl, deployed):
    result = lsctl("destroy", "--stage", "dev", "--yes")
    assert result.code == 0, result.text
    assert stack_names(deployed("cloudformation")) == {"lattice-surgery-prod"}
    assert group_names(deployed("logs")) == {
        "/aws/lambda/prod-fn",
        "/test/lattice-surgery-prod/access-logs",
    }
    repos = deployed("ecr").describe_repositories()["repositories"]
    assert [r["repositoryName"] for r in repos] == ["lattice-surgery"]
    assert "deleted stack lattice-surgery-dev" in result.out
    assert f"/aws/lambda/{FUNCTION}" in result.out
    assert "ECR repository and its images are kept" in result.out


def test_destroy_asks_and_does_nothing_unless_the_stack_name_is_typed(lsctl, deployed, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    result = lsctl("destroy", "--stage", "dev")
    assert result.code == 1
    assert "not confirmed: nothing deleted" in result.err
    assert "lattice-surgery-dev" in stack_names(deployed("cloudformation"))
    assert f"/aws/lambda/{FUNCTION}" in group_names(deployed("logs"))

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal, no --yes
    assert lsctl("destroy", "--stage", "dev").code == 1

    monkeypatch.setattr("sys.stdin", io.StringIO("lattice-surgery-dev\n"))
    result = lsctl("destroy", "--stage", "dev")
    assert result.code == 0, result.text
    assert "lattice-surgery-dev" not in stack_names(deployed("cloudformation"))


def test_destroy_of_a_missing_stage_changes_nothing(lsctl, deployed):
    result = lsctl("destroy", "--stage", "qa", "--yes")
    assert result.code == 0
    assert "does not exist" in result.out
    assert len(stack_names(deployed("cloudformation"))) == 2
