# ruff: noqa: F811 (the fixtures imported from test_deploy are parameters here)
"""Deploys only move forward, and a rollback goes back only to an image the stage ran.

`lsctl deploy` against a real git repository built in a temporary directory and moto's ECR and
CloudFormation: an image whose commit does not contain the commit the stage runs (older, or on
a diverged branch) is refused before anything is tagged or deployed. `lsctl rollback` moves the
stack's ImageUri back with a change set on its current template (moto runs it).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .helpers import create_stack, image_manifest
from .test_deploy import deploy as deploy_with_fake_sam
from .test_deploy import fake_sam, samconfig  # noqa: F401 (fixtures used by name below)

pytestmark = pytest.mark.slow

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
REPOSITORY = f"{REGISTRY}/lattice-surgery"
STACK_OUTPUTS = {"ApiUrl": "https://x.example/dev", "FunctionName": "f", "AliasArn": "a"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def history(tmp_path: Path) -> dict[str, str]:
    """main: A -> B -> C; a branch from A: D. Returns the commits by letter."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    commits = {}
    for letter in "ABC":
        (repo / "f").write_text(letter)
        git(repo, "add", "f")
        git(repo, "commit", "-qm", letter)
        commits[letter] = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "other", commits["A"])
    (repo / "g").write_text("D")
    git(repo, "add", "g")
    git(repo, "commit", "-qm", "D")
    commits["D"] = git(repo, "rev-parse", "HEAD")
    commits["repo"] = str(repo)
    return commits


def push(ecr, layer: str, *tags: str) -> str:
    """An image in moto's ECR under each tag; returns REPOSITORY@DIGEST."""
    digest = ""
    for tag in tags:
        digest = ecr.put_image(
            repositoryName="lattice-surgery", imageManifest=image_manifest(layer), imageTag=tag
        )["image"]["imageId"]["imageDigest"]
    return f"{REPOSITORY}@{digest}"


def stage_template() -> str:
    return json.dumps(
        {
            "Parameters": {"ImageUri": {"Type": "String"}, "Stage": {"Type": "String"}},
            "Resources": {
                "Logs": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {"LogGroupName": {"Fn::Sub": "/test/${Stage}"}},
                }
            },
            "Outputs": {k: {"Value": v} for k, v in STACK_OUTPUTS.items()},
        }
    )


def stack_running(cfn, stage: str, image: str) -> None:
    cfn.create_stack(
        StackName=f"lattice-surgery-{stage}",
        TemplateBody=stage_template(),
        Parameters=[
            {"ParameterKey": "ImageUri", "ParameterValue": image},
            {"ParameterKey": "Stage", "ParameterValue": stage},
        ],
    )


def running(cfn, stage: str) -> dict[str, str]:
    (stack,) = cfn.describe_stacks(StackName=f"lattice-surgery-{stage}")["Stacks"]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


@pytest.fixture
def images(aws, history) -> dict[str, str]:
    """Images built by deploy.yml from A, B, C and D, and one with no commit tag; dev runs B."""
    ecr, cfn = aws("ecr"), aws("cloudformation")
    ecr.create_repository(repositoryName="lattice-surgery")
    found = {
        letter: push(ecr, layer, f"{history[letter]}-run{n}.1")
        for n, (letter, layer) in enumerate(zip("ABCD", "1234", strict=True))
    }
    found["untagged"] = push(ecr, "5", "hand-built")
    create_stack(
        cfn,
        "lattice-surgery-bootstrap",
        {"ArtifactsBucket": "artifacts", "CloudFormationExecutionRoleArn": "arn:aws:iam::1:role/x"},
    )
    stack_running(cfn, "dev", found["B"])
    return found


def deploy(lsctl, fake_sam, samconfig, history, image: str, *extra: str):
    """test_deploy's deploy, in the test's git history."""
    return deploy_with_fake_sam(
        lsctl, fake_sam, samconfig, "--git-repo", history["repo"], *extra, image=image
    )


def test_a_descendant_of_the_running_commit_deploys(lsctl, fake_sam, samconfig, history, images):
    result = deploy(lsctl, fake_sam, samconfig, history, images["C"])
    assert result.code == 0, result.text
    assert f"{history['C'][:12]} contains {history['B'][:12]}, which dev runs" in result.out
    assert f"ImageUri={images['C']}" in fake_sam.args()


def test_the_running_commit_itself_redeploys(lsctl, fake_sam, samconfig, history, images):
    result = deploy(lsctl, fake_sam, samconfig, history, images["B"])
    assert result.code == 0, result.text
    assert f"ImageUri={images['B']}" in fake_sam.args()


@pytest.mark.parametrize("letter", ["A", "D"], ids=["older", "diverged"])
def test_an_older_or_diverged_commit_is_refused_before_anything_runs(
    lsctl,
    fake_sam,
    samconfig,
    history,
    images,
    letter,
):
    result = deploy(lsctl, fake_sam, samconfig, history, images[letter])
    assert result.code == 1
    assert f"refusing to deploy {history[letter][:12]} to dev" in result.err
    assert f"does not contain {history['B'][:12]}" in result.err
    with pytest.raises(FileNotFoundError):
        fake_sam.args()  # sam never ran


def test_an_image_of_unknown_commit_needs_the_override(lsctl, fake_sam, samconfig, history, images):
    refused = deploy(lsctl, fake_sam, samconfig, history, images["untagged"])
    assert refused.code == 1
    assert "cannot tell which commit" in refused.err and "--allow-non-descendant" in refused.err
    allowed = deploy(
        lsctl, fake_sam, samconfig, history, images["untagged"], "--allow-non-descendant"
    )
    assert allowed.code == 0, allowed.text


def test_a_commit_missing_from_a_shallow_checkout_says_fetch_the_history(
    lsctl,
    fake_sam,
    samconfig,
    history,
    images,
    tmp_path,
):
    shallow = tmp_path / "shallow"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "main",
            f"file://{history['repo']}",
            str(shallow),
        ],
        check=True,
    )
    result = lsctl(
        "deploy",
        "--stage",
        "dev",
        "--image",
        images["C"],
        "--sam",
        fake_sam.path,
        "--config-file",
        str(samconfig),
        "--git-repo",
        str(shallow),
    )
    assert result.code == 1
    assert f"commit {history['B']} is not in" in result.err and "fetch-depth: 0" in result.err


# --- rollback -------------------------------------------------------------------------------


def tag(ecr, image: str, name: str) -> None:
    digest = image.split("@")[1]
    (found,) = ecr.batch_get_image(
        repositoryName="lattice-surgery", imageIds=[{"imageDigest": digest}]
    )["images"]
    ecr.put_image(
        repositoryName="lattice-surgery", imageManifest=found["imageManifest"], imageTag=name
    )


@pytest.fixture
def prod(aws, images) -> dict[str, str]:
    """prod ran A, then B (now); C was tried later and its deploy failed (stack still on B)."""
    ecr = aws("ecr")
    tag(ecr, images["A"], "deployed-prod-20261101T100000Z")
    tag(ecr, images["B"], "deployed-prod-20261102T100000Z")
    tag(ecr, images["C"], "deployed-prod-20261103T100000Z")
    stack_running(aws("cloudformation"), "prod", images["B"])
    return images


def test_rollback_goes_to_the_image_before_the_running_one(lsctl, aws, prod):
    result = lsctl("rollback", "--stage", "prod")
    assert result.code == 0, result.text
    assert f"rolled back lattice-surgery-prod to {prod['A']}" in result.out
    parameters = running(aws("cloudformation"), "prod")
    assert parameters == {"ImageUri": prod["A"], "Stage": "prod"}  # nothing else changed


def test_rollback_with_an_empty_image_as_the_dispatch_passes_it_goes_to_the_previous(
    lsctl, aws, prod
):
    result = lsctl("rollback", "--stage", "prod", "--image", "")
    assert result.code == 0, result.text
    assert running(aws("cloudformation"), "prod")["ImageUri"] == prod["A"]


def test_rollback_to_a_named_image_the_stage_ran(lsctl, aws, prod):
    result = lsctl("rollback", "--stage", "prod", "--image", prod["C"])
    assert result.code == 0, result.text
    assert running(aws("cloudformation"), "prod")["ImageUri"] == prod["C"]


def test_rollback_refuses_an_image_the_stage_never_ran(lsctl, aws, prod):
    result = lsctl("rollback", "--stage", "prod", "--image", prod["D"])
    assert result.code == 1
    assert "never ran in prod" in result.err
    assert running(aws("cloudformation"), "prod")["ImageUri"] == prod["B"]


def test_rollback_with_no_earlier_image_says_so(lsctl, aws, images):
    result = lsctl("rollback", "--stage", "dev")  # dev runs B and has no deployed-dev tags
    assert result.code == 1
    assert "nothing to roll back to" in result.err
