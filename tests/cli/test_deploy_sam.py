"""`lsctl deploy` with the real `sam` CLI (.venv-sam) against a moto server on loopback: the
samconfig environment merged with the command line, the template uploaded, the change set
created, described and executed, the wait, and the error for a missing output (moto's
CloudFormation does not run the SAM transform's resources, so the stack has no ApiUrl).

Every AWS call both processes make is recorded (a sitecustomize hook on botocore) and must be
allowed by the dev deploy role in bootstrap.yml: the role a GitHub deploy job runs with. moto
enforces no IAM, so this is the check that the role is enough for what `sam deploy` really does.

The endpoint is http://localhost:PORT: moto reads `127` as a bucket name in CreateChangeSet's
TemplateURL when the endpoint is http://127.0.0.1:PORT."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.cli.helpers import image_manifest
from tests.conftest import moto_server
from tests.infra.conftest import BOOTSTRAP, REPO, load

SAM = REPO / ".venv-sam" / "bin" / "sam"
LSCTL = REPO / ".venv" / "bin" / "lsctl"
RECORDER = Path(__file__).with_name("aws_call_recorder")
REPOSITORY = "lattice-surgery"
BUCKET = "lattice-surgery-artifacts"
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/lattice-surgery-bootstrap-CfnExecution"
# API operations whose IAM action has another name.
IAM_ACTION = {
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
}
NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One `lsctl deploy --stage dev` with the real sam against a fresh moto server."""
    if not SAM.exists():
        pytest.skip("no .venv-sam: run `make tools`")
    tmp = tmp_path_factory.mktemp("sam-deploy")
    record = tmp / "calls.jsonl"
    with moto_server() as url:
        endpoint = "http://localhost:" + url.rsplit(":", 1)[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(proxy, None)
        env.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=str(tmp / "no-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            SAM_CLI_TELEMETRY="0",
            SAM_CLI_CONTACT_SERVER="0",
            SAM_CLI_POLL_DELAY="0.5",  # poll the stack twice a second, not every 5 s
            NO_PROXY="localhost,127.0.0.1",
            no_proxy="localhost,127.0.0.1",
            PYTHONPATH=str(RECORDER),
            LSC_RECORD_AWS_CALLS=str(record),
            HOME=str(tmp),  # sam's own config and cache
        )

        def client(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

        client("s3").create_bucket(Bucket=BUCKET)
        ecr = client("ecr")
        ecr.create_repository(repositoryName=REPOSITORY, imageTagMutability="IMMUTABLE")
        digest = ecr.put_image(
            repositoryName=REPOSITORY, imageManifest=image_manifest(), imageTag="abc1234-run1.1"
        )["image"]["imageId"]["imageDigest"]
        image = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}@{digest}"
        command = [str(LSCTL), "deploy", "--stage", "dev", "--image", image]
        command += ["--s3-bucket", BUCKET, "--role-arn", EXECUTION_ROLE, "--region", "us-east-1"]
        result = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )
        calls = [json.loads(line) for line in record.read_text().splitlines()]
        yield {"result": result, "calls": calls, "image": image, "client": client}


def test_sam_creates_and_executes_the_change_set_with_the_stage_config(
    deployed: dict[str, Any],
) -> None:
    result = deployed["result"]
    output = result.stdout + result.stderr
    assert "Changeset created successfully" in output, output[-3000:]
    assert "Successfully created/updated stack - lattice-surgery-dev" in output
    cfn = deployed["client"]("cloudformation")
    (stack,) = cfn.describe_stacks(StackName="lattice-surgery-dev")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["Stage"] == "dev"  # samconfig's override, repeated on the command line
    assert parameters["ImageUri"] == deployed["image"]
    tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
    assert tags == {"project": "lattice-surgery", "stage": "dev"}  # samconfig's tags
    uploaded = deployed["client"]("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])
    assert uploaded and all(o["Key"].startswith("lattice-surgery-dev/") for o in uploaded)
    operations = [c["operation"] for c in deployed["calls"] if c["service"] == "cloudformation"]
    for step in ("CreateChangeSet", "DescribeChangeSet", "ExecuteChangeSet"):
        assert step in operations
    assert operations.index("CreateChangeSet") < operations.index("ExecuteChangeSet")


def test_a_missing_output_is_a_clear_error(deployed: dict[str, Any]) -> None:
    result = deployed["result"]
    assert result.returncode == 1
    assert "stack lattice-surgery-dev (CREATE_COMPLETE) has no output ApiUrl" in result.stderr
    assert "Traceback" not in result.stderr


def deploy_role_actions() -> list[str]:
    role = load(BOOTSTRAP)["Resources"]["DeployRoleDev"]["Properties"]
    granted = []
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            action = statement["Action"]
            granted += [action] if isinstance(action, str) else action
    return granted


def test_every_aws_call_is_within_the_dev_deploy_role(deployed: dict[str, Any]) -> None:
    actions = sorted(
        {
            IAM_ACTION.get((c["service"], c["operation"]), f"{c['service']}:{c['operation']}")
            for c in deployed["calls"]
        }
    )
    granted = deploy_role_actions()
    denied = [
        a
        for a in actions
        if a not in NEEDS_NO_PERMISSION
        and not any(fnmatch.fnmatchcase(a.lower(), g.lower()) for g in granted)
    ]
    assert not denied, f"sam deploy / lsctl deploy call {denied}; the deploy role allows {granted}"
    assert {"cloudformation:CreateChangeSet", "s3:PutObject", "ecr:PutImage"} <= set(actions)
