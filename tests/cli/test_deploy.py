"""`lsctl deploy`: the sam command line it runs (a fake `sam` that records its arguments: a real
subprocess), its handling of an empty change set and of sam failures, and the deletion of a
stack stuck in ROLLBACK_COMPLETE.

moto never leaves a stack in ROLLBACK_COMPLETE, so that case runs on a CloudFormation client
driven by botocore's Stubber, which checks every request the command makes in order.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from lsctl.commands import deploy as deploy_command
from lsctl.deploy import sam, session
from lsctl.deploy.ecr import DEPLOYED_TAG_PREFIX

from .helpers import DIGEST_A, create_stack, fake_program, image_manifest

REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/lattice-surgery"
IMAGE = f"{REPO}@{DIGEST_A}"
OUTPUTS = {
    "ApiUrl": "https://abc.execute-api.us-east-1.amazonaws.com/dev",
    "FunctionName": "lattice-surgery-dev-Function",
    "AliasArn": "arn:aws:lambda:us-east-1:123456789012:function:lattice-surgery-dev-Function:live",
}
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/lattice-surgery-bootstrap-CfnExecution"
PROD_EXECUTION_ROLE = "arn:aws:iam::123456789012:role/lattice-surgery-bootstrap-CfnExecutionProd"
BOOTSTRAP_OUTPUTS = {  # each stage its own execution role (bootstrap.yml)
    "ArtifactsBucket": "artifacts-bucket",
    "DevStage": "dev",
    "ProdStage": "prod",
    "CloudFormationExecutionRoleArnDev": EXECUTION_ROLE,
    "CloudFormationExecutionRoleArnProd": PROD_EXECUTION_ROLE,
}
SAMCONFIG = """\
version = 0.1

[default.deploy.parameters]
capabilities = "CAPABILITY_IAM"
region = "us-east-1"

[dev.deploy.parameters]
stack_name = "lattice-surgery-dev"
parameter_overrides = "Stage=dev CorsOrigin=\\"https://latticesurgery.com\\""

[prod.deploy.parameters]
stack_name = "lattice-surgery-prod"
parameter_overrides = ["Stage=prod"]
s3_bucket = "prod-artifacts"
role_arn = "arn:aws:iam::123456789012:role/prod-cfn"
image_repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/lattice-surgery"
"""


@pytest.fixture(autouse=True)
def protected(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The deployed-* tag needs the image in ECR: these tests (most of which stub
    CloudFormation alone) record the call; the tests that ask for `real_ecr` run it on moto."""
    calls: list[str] = []
    if "real_ecr" not in request.fixturenames:
        monkeypatch.setattr(
            deploy_command,
            "protect_image",
            lambda image, stage, region: calls.append(f"{stage} {image.uri}"),
        )
    return calls


@pytest.fixture
def real_ecr() -> None:
    """Asked for by the tests that tag the image in moto's ECR for real."""


def pushed_image(ecr) -> str:
    """An image in moto's ECR as a build pushes it (one run tag); returns REPO@DIGEST."""
    ecr.create_repository(repositoryName="lattice-surgery", imageTagMutability="IMMUTABLE")
    digest = ecr.put_image(
        repositoryName="lattice-surgery", imageManifest=image_manifest(), imageTag="abc1234-run1.1"
    )["image"]["imageId"]["imageDigest"]
    return f"{REPO}@{digest}"


def test_deploy_tags_the_image_so_the_lifecycle_keeps_it(lsctl, aws, fake_sam, samconfig, real_ecr):
    cfn, ecr = aws("cloudformation"), aws("ecr")
    create_stack(cfn, "lattice-surgery-bootstrap", BOOTSTRAP_OUTPUTS)
    create_stack(cfn, "lattice-surgery-dev", OUTPUTS)
    image = pushed_image(ecr)
    result = deploy(lsctl, fake_sam, samconfig, image=image)
    assert result.code == 0, result.text
    (details,) = ecr.describe_images(
        repositoryName="lattice-surgery", imageIds=[{"imageDigest": image.split("@")[1]}]
    )["imageDetails"]
    deployed = [t for t in details["imageTags"] if t.startswith(f"{DEPLOYED_TAG_PREFIX}dev-")]
    assert len(deployed) == 1 and "abc1234-run1.1" in details["imageTags"]
    assert result.out.index(f"tagged {image} {deployed[0]}") < result.out.index("$ ")  # first
    again = deploy(lsctl, fake_sam, samconfig, image=image)
    assert again.code == 0, again.text
    assert "already carries a deployed-dev-* tag" in again.out


def test_deploy_refuses_an_image_not_in_the_repository(lsctl, aws, fake_sam, samconfig, real_ecr):
    create_stack(aws("cloudformation"), "lattice-surgery-bootstrap", BOOTSTRAP_OUTPUTS)
    pushed_image(aws("ecr"))
    result = deploy(lsctl, fake_sam, samconfig)  # IMAGE's digest was never pushed
    assert result.code == 1
    assert "is not in the ECR repository lattice-surgery" in result.err
    with pytest.raises(FileNotFoundError):
        fake_sam.args()  # sam never ran


@pytest.fixture
def samconfig(tmp_path: Path) -> Path:
    path = tmp_path / "samconfig.toml"
    path.write_text(SAMCONFIG)
    return path


@pytest.fixture
def fake_sam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A `sam` that records its arguments and prints/exits as the test says."""
    record = tmp_path / "sam-args.json"
    monkeypatch.setenv("FAKE_SAM_RECORD", str(record))
    monkeypatch.setenv("FAKE_SAM_OUTPUT", "Successfully created/updated stack")
    monkeypatch.setenv("FAKE_SAM_EXIT", "0")
    program = fake_program(
        tmp_path / "sam",
        """
        import json, os, sys
        with open(os.environ["FAKE_SAM_RECORD"], "w") as f:
            json.dump(sys.argv[1:], f)
        print(os.environ["FAKE_SAM_OUTPUT"])
        sys.exit(int(os.environ["FAKE_SAM_EXIT"]))
        """,
    )

    class Fake:
        path = str(program)

        @staticmethod
        def args() -> list[str]:
            return json.loads(record.read_text())

        @staticmethod
        def answer(output: str, code: int) -> None:
            monkeypatch.setenv("FAKE_SAM_OUTPUT", output)
            monkeypatch.setenv("FAKE_SAM_EXIT", str(code))

    return Fake


def deploy(lsctl, fake_sam, samconfig, *extra: str, stage: str = "dev", image: str = IMAGE):
    """lsctl deploy with the fake sam and the test's samconfig."""
    return lsctl(
        "deploy",
        "--stage",
        stage,
        "--image",
        image,
        "--sam",
        fake_sam.path,
        "--config-file",
        str(samconfig),
        *extra,
    )


def test_deploy_runs_sam_with_the_stage_config_and_the_image(lsctl, aws, fake_sam, samconfig):
    cfn = aws("cloudformation")
    create_stack(cfn, "lattice-surgery-bootstrap", BOOTSTRAP_OUTPUTS)
    create_stack(cfn, "lattice-surgery-dev", OUTPUTS)
    result = deploy(lsctl, fake_sam, samconfig, "--region", "us-east-1")
    assert result.code == 0, result.text
    assert fake_sam.args() == [
        "deploy",
        "--config-env",
        "dev",
        "--config-file",
        str(samconfig),
        "--parameter-overrides",
        "Stage=dev",
        "CorsOrigin=https://latticesurgery.com",
        f"ImageUri={IMAGE}",
        "--image-repository",
        REPO,
        "--s3-bucket",
        "artifacts-bucket",
        "--role-arn",
        EXECUTION_ROLE,
        "--region",
        "us-east-1",
        "--no-fail-on-empty-changeset",
        "--no-confirm-changeset",
    ]
    assert f"deployed {IMAGE} to stack lattice-surgery-dev" in result.out
    for key, value in OUTPUTS.items():
        assert f"  {key}={value}" in result.out


def test_each_stage_deploys_with_its_own_execution_role(lsctl, aws, fake_sam, tmp_path):
    """A dev deploy must never pass prod's execution role (nor could its deploy role)."""
    config = tmp_path / "samconfig.toml"
    config.write_text(
        SAMCONFIG.replace(
            's3_bucket = "prod-artifacts"\nrole_arn = "arn:aws:iam::123456789012:role/prod-cfn"\n',
            "",
        )
    )
    cfn = aws("cloudformation")
    create_stack(cfn, "lattice-surgery-bootstrap", BOOTSTRAP_OUTPUTS)
    create_stack(cfn, "lattice-surgery-prod", OUTPUTS)
    result = deploy(lsctl, fake_sam, config, stage="prod")
    assert result.code == 0, result.text
    args = fake_sam.args()
    assert args[args.index("--role-arn") + 1] == PROD_EXECUTION_ROLE


def test_settings_in_samconfig_are_not_overridden(lsctl, aws, fake_sam, samconfig):
    create_stack(aws("cloudformation"), "lattice-surgery-prod", OUTPUTS)
    result = deploy(lsctl, fake_sam, samconfig, "--sam-arg=--debug", stage="prod")
    assert result.code == 0, result.text
    args = fake_sam.args()
    at = args.index("--parameter-overrides")
    assert args[at + 1 : at + 4] == [
        "Stage=prod",
        f"ImageUri={IMAGE}",
        "--no-fail-on-empty-changeset",
    ]
    assert "--image-repository" not in args  # samconfig's own image_repository applies
    assert "--s3-bucket" not in args and "--role-arn" not in args  # and its bucket and role
    assert args[-1] == "--debug"


def test_an_empty_change_set_is_success(lsctl, aws, fake_sam, samconfig):
    create_stack(aws("cloudformation"), "lattice-surgery-bootstrap", BOOTSTRAP_OUTPUTS)
    create_stack(aws("cloudformation"), "lattice-surgery-dev", OUTPUTS)
    fake_sam.answer("Error: No changes to deploy. Stack lattice-surgery-dev is up to date", 1)
    result = deploy(lsctl, fake_sam, samconfig)
    assert result.code == 0, result.text
    assert "no changes to deploy" in result.out
    assert f"ApiUrl={OUTPUTS['ApiUrl']}" in result.out


def test_a_sam_failure_fails_with_its_last_line(lsctl, aws, fake_sam, samconfig):
    create_stack(aws("cloudformation"), "lattice-surgery-bootstrap", BOOTSTRAP_OUTPUTS)
    fake_sam.answer("Error: Failed to create changeset for the stack: lattice-surgery-dev", 1)
    result = deploy(lsctl, fake_sam, samconfig)
    assert result.code == 1
    assert "sam deploy failed (exit 1): Error: Failed to create changeset" in result.err


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (f"{REPO}:latest", "is not pinned by digest"),
        (f"{REPO}:v1@{DIGEST_A}", "has both a tag and a digest"),
        (f"{REPO}@sha256:abc", "is not pinned by digest"),
    ],
)
def test_an_image_not_pinned_by_digest_is_refused(lsctl, fake_sam, samconfig, image, message):
    result = deploy(lsctl, fake_sam, samconfig, image=image)
    assert result.code == 1
    assert message in result.err
    with pytest.raises(FileNotFoundError):
        fake_sam.args()  # sam never ran


def test_an_unknown_stage_names_the_samconfig_environments(lsctl, aws, fake_sam, samconfig):
    result = deploy(lsctl, fake_sam, samconfig, stage="qa")
    assert result.code == 1
    assert "has no environment 'qa' (it has: default, dev, prod)" in result.err


def test_rollback_complete_stack_is_deleted_before_deploying(
    lsctl, fake_sam, samconfig, monkeypatch, aws
):
    """Stubber (moto cannot produce ROLLBACK_COMPLETE): describe -> delete -> wait -> sam ->
    outputs, in that order."""
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    stub = Stubber(cfn)
    name = "lattice-surgery-dev"
    stack = {"StackName": name, "CreationTime": "2026-01-01T00:00:00Z"}
    stub.add_response(
        "describe_stacks",
        {"Stacks": [{**stack, "StackStatus": "ROLLBACK_COMPLETE"}]},
        {"StackName": name},
    )
    stub.add_response("delete_stack", {}, {"StackName": name, "RoleARN": EXECUTION_ROLE})
    stub.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message=f"Stack with id {name} does not exist",
        expected_params={"StackName": name},
    )
    outputs = [{"OutputKey": k, "OutputValue": v} for k, v in OUTPUTS.items()]
    stub.add_response(
        "describe_stacks",
        {"Stacks": [{**stack, "StackStatus": "CREATE_COMPLETE", "Outputs": outputs}]},
        {"StackName": name},
    )
    monkeypatch.setattr(session, "client", lambda service, region=None: cfn)
    with stub:
        result = deploy(
            lsctl, fake_sam, samconfig, "--s3-bucket", "given-bucket", "--role-arn", EXECUTION_ROLE
        )
        stub.assert_no_pending_responses()
    assert result.code == 0, result.text
    assert f"stack {name} is in ROLLBACK_COMPLETE" in result.out
    assert f"deleted stack {name}" in result.out
    assert result.out.index(f"deleted stack {name}") < result.out.index("$ ")  # before sam
    assert "given-bucket" in fake_sam.args()


def test_without_the_bootstrap_stack_it_asks_for_bucket_and_role(lsctl, aws, fake_sam, samconfig):
    result = deploy(lsctl, fake_sam, samconfig)
    assert result.code == 1
    assert "stack lattice-surgery-bootstrap does not exist" in result.err
    assert "pass --s3-bucket and --role-arn" in result.err
    result = deploy(lsctl, fake_sam, samconfig, "--s3-bucket", "b", "--role-arn", EXECUTION_ROLE)
    assert result.code == 1  # sam ran; the stack it should have made is not in moto
    assert fake_sam.args()[11:15] == ["--s3-bucket", "b", "--role-arn", EXECUTION_ROLE]


def test_a_role_that_cannot_read_the_bootstrap_stack_gets_told_what_to_pass(
    lsctl, fake_sam, samconfig, monkeypatch, aws
):
    """Stubber: the AccessDenied a GitHub deploy role gets on the bootstrap stack."""
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    stub = Stubber(cfn)
    stub.add_client_error(
        "describe_stacks",
        "AccessDenied",
        "not authorized to perform: cloudformation:DescribeStacks",
        http_status_code=403,
    )
    monkeypatch.setattr(session, "client", lambda service, region=None: cfn)
    with stub:
        result = deploy(lsctl, fake_sam, samconfig)
    assert result.code == 1
    assert result.err.startswith("error: cloudformation.DescribeStacks failed: AccessDenied")
    assert "pass --s3-bucket and --role-arn instead" in result.err


def test_the_sam_binary_is_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("LSC_SAM", "/nonexistent/sam")
    with pytest.raises(Exception, match="sam binary '/nonexistent/sam' not found"):
        sam.find_sam()
    program = fake_program(tmp_path / "my-sam", "print('hi')\n")
    assert sam.find_sam(str(program)) == str(program)


def test_the_repository_samconfig_deploys_each_stage():
    """With the real samconfig.toml (issue 3's), the command line still names the stage and
    the image; skipped until that file exists."""
    if not sam.SAMCONFIG.exists():
        pytest.skip("samconfig.toml is not in the repository yet")
    for stage in ("dev", "prod"):
        command = sam.deploy_command("sam", stage, IMAGE, REPO)
        assert command[:4] == ["sam", "deploy", "--config-env", stage]
        assert f"ImageUri={IMAGE}" in command
