"""The CloudFormation execution role (bootstrap.yml) allows every action the resource handlers
of each stage stack call, per the resource-provider schemas cfn-lint ships.

CloudFormation calls a resource type's create, read, update and delete handlers with the role
`sam deploy --role-arn` passes; a handler that lacks an action fails the deploy (often only on
the first real one, as a read after create does). The schemas list each handler's actions, so
every resource type a transformed stage template contains, now or added later, is checked. An
action the schemas list but the role leaves out must be in NOT_NEEDED with the property that
would need it, which no resource of template.yml sets (the test checks that too)."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from tests.infra.conftest import BOOTSTRAP, load, transformed
from tests.infra.resource_schemas import handler_permissions

# Stage stacks as CloudFormation receives them: each stage, and prod with every optional part.
STACKS: dict[str, tuple[str, dict[str, str]]] = {
    "dev": ("dev", {}),
    "prod": ("prod", {}),
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
    "kms:*": "KmsKeyArn / KmsKeyId: no customer-managed key anywhere",
    "ec2:*": "VpcConfig: the function runs outside any VPC",
    "elasticfilesystem:*": "FileSystemConfigs: no EFS",
    "s3files:*": "FileSystemConfigs: no S3 file system",
    "s3:GetObject*": "Code.S3Bucket / BodyS3Location: image code, inline API body",
    "s3:REST.PUT.OBJECT": "log group delivery to S3: none",
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
    "logs:*IndexPolicy": "FieldIndexPolicies: none",
    "logs:*ResourcePolicy": "ResourcePolicyDocument: none",
    "logs:CreateLogDelivery": "log delivery: none",
    "logs:PutBearerTokenAuthentication": "BearerTokenAuthenticationEnabled: not set",
    "logs:PutLogGroupDeletionProtection": "DeletionProtectionEnabled: not set",
    "apigateway:UpdateRestApiPolicy": "Policy (a resource policy): none",
    "codedeploy:RegisterOnPremisesInstance": "on-premises deployment groups: Lambda only",
    "iam:DeleteRolePermissionsBoundary": "withheld on purpose: a boundary is never removed",
    "payments:GetConnectedAccount": "paid (Marketplace) rule groups: none; not an IAM action",
    "wafv2:*PermissionPolicy": "sharing a rule group: none",
    # The association's handler calls the protected resource's service; ours is API Gateway.
    "elasticloadbalancing:*": "a web ACL on a load balancer: none",
    "appsync:*": "a web ACL on AppSync: none",
    "cognito-idp:*": "a web ACL on Cognito: none",
    "apprunner:*": "a web ACL on App Runner: none",
    "amplify:*": "a web ACL on Amplify: none",
    "bedrock-agentcore:*": "a web ACL on Bedrock AgentCore: none",
    # The job table and the results bucket (issue 13) set none of these.
    "kinesis:*": "KinesisStreamSpecification (table changes to Kinesis): none",
    "iam:CreateServiceLinkedRole": "Replicas (a global table): none",
    "logs:CreateLogStream": "ImportSourceSpecification (a table import's log): none",
    "logs:PutLogEvents": "ImportSourceSpecification (a table import's log): none",
    "logs:DescribeLogStreams": "ImportSourceSpecification (a table import's log): none",
    "s3tables:*": "MetadataTableConfiguration (S3 Tables): none",
    # S3's handlers name some API operations that are no IAM action (cfn-lint W3037 refuses them
    # in a policy): the Put*/Get* action of the same configuration, granted, covers each.
    "s3:DeleteBucket?*": "API names (e.g. DeleteBucketCors: s3:PutBucketCORS covers it)",
    "s3:PutBucketReplication": "API name of s3:PutReplicationConfiguration (granted)",
    "s3:PutObjectLockConfiguration": "API name of s3:PutBucketObjectLockConfiguration (granted)",
}


def _matches(action: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())  # IAM actions ignore case


def execution_role_actions() -> list[str]:
    role = load(BOOTSTRAP)["Resources"]["CloudFormationExecutionRole"]["Properties"]
    granted = []
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            action = statement["Action"]
            granted += [action] if isinstance(action, str) else action
    return granted


def needed_actions(template: dict[str, Any]) -> dict[str, set[str]]:
    """Action -> the resource types whose handlers call it."""
    needed: dict[str, set[str]] = {}
    for resource in template["Resources"].values():
        for actions in handler_permissions(resource["Type"]).values():
            for action in actions:
                needed.setdefault(action, set()).add(resource["Type"])
    return needed


@pytest.fixture(scope="module")
def needed() -> dict[str, dict[str, set[str]]]:
    return {
        name: needed_actions(transformed(stage, **extra)) for name, (stage, extra) in STACKS.items()
    }


@pytest.mark.parametrize("stack", STACKS)
def test_execution_role_allows_every_handler_action(
    stack: str, needed: dict[str, dict[str, set[str]]]
) -> None:
    granted = execution_role_actions()
    missing = {
        action: sorted(types)
        for action, types in needed[stack].items()
        if not any(_matches(action, g) for g in granted)
        and not any(_matches(action, p) for p in NOT_NEEDED)
    }
    assert not missing, f"bootstrap.yml's execution role lacks: {missing}"


def test_every_not_needed_entry_is_still_listed_and_not_granted(
    needed: dict[str, dict[str, set[str]]],
) -> None:
    """The allow-list stays short and honest: each entry matches some handler action of some
    stack that the role does not grant anyway."""
    every = set().union(*needed.values())
    granted = execution_role_actions()
    for pattern in NOT_NEEDED:
        matched = [a for a in every if _matches(a, pattern)]
        assert matched, f"NOT_NEEDED entry {pattern!r} matches no handler action"
        ungranted = [a for a in matched if not any(_matches(a, g) for g in granted)]
        assert ungranted, f"NOT_NEEDED entry {pattern!r}: the role grants all it matches"


def test_the_log_group_read_handler_is_allowed() -> None:
    """The case the first deploy would have hit: the log groups (among the first resources
    created) are read back with these actions right after create."""
    granted = execution_role_actions()
    reads = handler_permissions("AWS::Logs::LogGroup")["read"]
    assert {"logs:GetDataProtectionPolicy", "logs:DescribeIndexPolicies"} <= reads
    for action in reads:
        assert any(_matches(action, g) for g in granted), action
