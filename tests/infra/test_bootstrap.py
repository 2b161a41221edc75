"""bootstrap.yml created on a moto server (127.0.0.1), then read back through the AWS APIs.

moto's CloudFormation creates what it knows and silently skips the rest (it logs "No Moto
CloudFormation support for ...", lists the resource with an empty id, and still reports
CREATE_COMPLETE). So: every resource of the template must be either created or in MOTO_SKIPS, and
each skipped type, and each property moto drops (ECR scan-on-push, lifecycle and repository
policies; S3 versioning, public access block, lifecycle), is asserted on the template itself."""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import warnings
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lsctl.deploy.ecr import DEPLOYED_TAG_PREFIX
from tests.infra.conftest import BOOTSTRAP, TEMPLATE, load

STACK = "lattice-surgery-bootstrap"
ORG, REPO_NAME = "latticesurgery-com", "lattice-surgery-service"
ACCOUNT = "123456789012"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
# Resource types moto's CloudFormation does not create (checked against its log of skips).
MOTO_SKIPS = {
    "AWS::IAM::OIDCProvider",
    "AWS::S3::BucketPolicy",
    "AWS::ApiGateway::Account",
    "AWS::Budgets::Budget",
    "AWS::SNS::TopicPolicy",
}
OUTPUTS = {
    "RepositoryUri",
    "RepositoryName",
    "ArtifactsBucket",
    "CloudFormationExecutionRoleArnDev",
    "CloudFormationExecutionRoleArnProd",
    "DevStage",
    "ProdStage",
    "DeployRoleArnDev",
    "DeployRoleArnProd",
    "RollbackRoleArnProd",
    "StagePermissionsBoundaryName",
    "AlertsTopicArn",
}


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    """moto's threaded server in this process, unlike the other tests' (tests/conftest.py's
    moto_server, one process each): the skipped resource types are known only from the warnings
    moto emits where it serves. moto's state is per process, so it is reset first; no other test
    serves moto from the tests' processes, so nothing resets it while this one runs."""
    import urllib.request

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    reset = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


class Account:
    """AWS clients pointed at the moto server (one account, 123456789012; each stack of these
    tests has its own name and repository, so they do not meet)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def create(endpoint: str, name: str, **parameters: str) -> tuple[Account, dict[str, Any]]:
    account = Account(endpoint)
    # Managed policy names are account-wide: each stack of these tests has its own boundary.
    values = {
        "GitHubOrg": ORG,
        "GitHubRepo": REPO_NAME,
        "StageBoundaryName": f"{name}-boundary",
        **parameters,
    }
    account.client("cloudformation").create_stack(
        StackName=name,
        TemplateBody=BOOTSTRAP.read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    return account, account.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]


def create_noting_skips(endpoint: str, name: str, **parameters: str) -> tuple[Account, set[str]]:
    """Create the stack; returns the resource types moto said it skipped (its only sign)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        account, stack = create(endpoint, name, **parameters)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    said = (re.search(r"Tried to parse (\S+) but", str(w.message)) for w in caught)
    return account, {m[1] for m in said if m}


@pytest.fixture(scope="session")
def created(endpoint: str) -> tuple[Account, dict[str, Any]]:
    """The stack for an account that already has GitHub's OIDC provider: its roles trust that
    provider by ARN (with a new provider, moto would resolve the skipped resource's Ref to
    nothing; that case is checked on the template)."""
    return create(endpoint, STACK, CreateGitHubOidcProvider="false")


def outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def expected_resources(create_oidc: bool) -> dict[str, str]:
    """Template resources whose condition holds, by logical id → type."""
    template = load(BOOTSTRAP)
    # Defaults: the API Gateway logs role is opt-in, no budget email.
    holds = {
        "CreateOidcProvider": create_oidc,
        "SetApiGatewayLogsRole": False,
        "HasBudgetEmail": False,
    }
    return {
        name: resource["Type"]
        for name, resource in template["Resources"].items()
        if holds.get(resource.get("Condition", ""), True)
    }


def policy_document(raw: Any) -> dict[str, Any]:
    """moto returns inline policies as the repr of a dict; AWS as (URL-decoded) JSON."""
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return ast.literal_eval(raw)


def inline_statements(iam: Any, role_name: str) -> list[dict[str, Any]]:
    statements = []
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = policy_document(
            iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        )
        statements += document["Statement"]
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("create_oidc", [True, False], ids=["new-oidc", "existing-oidc"])
def test_stack_creates_every_resource_or_a_known_moto_skip(
    endpoint: str, create_oidc: bool
) -> None:
    name = f"{STACK}-{'new' if create_oidc else 'existing'}"
    oidc = str(create_oidc).lower()
    account, skipped = create_noting_skips(
        endpoint, name, CreateGitHubOidcProvider=oidc, RepositoryName=name
    )
    cloudformation = account.client("cloudformation")
    summaries = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    created = {s["LogicalResourceId"] for s in summaries if s["LogicalResourceId"]}
    expected = expected_resources(create_oidc)
    missing = {k: v for k, v in expected.items() if k not in created}
    # Whatever is missing, moto said it skipped, and it is a type whose test reads the template.
    assert set(missing.values()) == skipped
    assert skipped <= MOTO_SKIPS
    assert created == set(expected) - set(missing)
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    # moto drops outputs that refer to a skipped resource (the new OIDC provider's ARN).
    assert set(outputs(stack)) == OUTPUTS
    template_outputs = load(BOOTSTRAP)["Outputs"]
    assert set(template_outputs) == OUTPUTS | {"GitHubOidcProviderArn"}
    assert template_outputs["GitHubOidcProviderArn"]["Condition"] == "CreateOidcProvider"


def test_repository_is_immutable_and_matches_the_outputs(
    created: tuple[Account, dict[str, Any]],
) -> None:
    account, stack = created
    values = outputs(stack)
    (repository,) = account.client("ecr").describe_repositories(
        repositoryNames=[values["RepositoryName"]]
    )["repositories"]
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["repositoryUri"] == values["RepositoryUri"]
    assert repository["repositoryName"] == "lattice-surgery"


def lifecycle_rules(kept: int = 30) -> list[dict[str, Any]]:
    repository = load(BOOTSTRAP)["Resources"]["Repository"]["Properties"]
    text = repository["LifecyclePolicy"]["LifecyclePolicyText"]["Fn::Sub"]
    return json.loads(text.replace("${ImagesKept}", str(kept)))["rules"]


def expired_by_lifecycle(images: list[set[str]], rules: list[dict[str, Any]]) -> set[int]:
    """ECR's documented evaluation: rules in priority order; each selects images (by tag status
    and prefixes), newest first, and marks those past its count; an image whose tags meet a
    higher-priority rule's selection is never expired by a lower one. `images` are the tags of
    each image, oldest push first; returns the indexes expired."""

    def selects(rule: dict[str, Any], tags: set[str]) -> bool:
        selection = rule["selection"]
        if selection["tagStatus"] == "untagged":
            return not tags
        if selection["tagStatus"] == "any":
            return True
        prefixes = selection.get("tagPrefixList", [])
        return bool(tags) and all(any(t.startswith(p) for t in tags) for p in prefixes)

    expired: set[int] = set()
    ordered = sorted(rules, key=lambda r: r["rulePriority"])
    for position, rule in enumerate(ordered):
        assert rule["selection"]["countType"] == "imageCountMoreThan"
        newest_first = [i for i in reversed(range(len(images))) if selects(rule, images[i])]
        for index in newest_first[rule["selection"]["countNumber"] :]:
            if not any(selects(higher, images[index]) for higher in ordered[:position]):
                expired.add(index)
    return expired


def test_lifecycle_never_expires_an_image_a_stage_runs() -> None:
    """Every run pushes an image; prod may lag far behind dev, and CodeDeploy's rollback target
    is an older image still: whatever `lsctl deploy` tagged deployed-* survives any number of
    pushes, while never-deployed images beyond ImagesKept expire."""
    rules = lifecycle_rules(kept=30)
    images = [{f"commit{i}-run{i}.1"} for i in range(200)]
    prod = 3  # deployed to prod long ago, then many pushes that prod never took
    images[prod].add(f"{DEPLOYED_TAG_PREFIX}prod-20261201T120000Z")
    images[150].add(f"{DEPLOYED_TAG_PREFIX}dev-20261202T120000Z")
    expired = expired_by_lifecycle(images, rules)
    assert prod not in expired and 150 not in expired
    assert len(images) - len(expired) == 30 + 2  # the newest 30 others are kept
    assert set(range(170, 200)).isdisjoint(expired)


def test_repository_settings_moto_drops_are_in_the_template() -> None:
    repository = load(BOOTSTRAP)["Resources"]["Repository"]["Properties"]
    assert repository["ImageScanningConfiguration"] == {"ScanOnPush": True}
    for rule in lifecycle_rules():
        assert rule["action"] == {"type": "expire"}
    statement, *other_accounts = repository["RepositoryPolicyText"]["Statement"]
    # the others: only with PullAccountIds (one account per stage)
    assert all(s["Fn::If"][0] == "HasPullAccounts" for s in other_accounts)
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert sorted(statement["Action"]) == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    source = statement["Condition"]["StringLike"]["aws:sourceArn"]["Fn::Sub"]
    assert source.endswith(":function:lattice-surgery-*")


def test_artifacts_bucket_is_encrypted(created: tuple[Account, dict[str, Any]]) -> None:
    account, stack = created
    s3 = account.client("s3")
    rules = s3.get_bucket_encryption(Bucket=outputs(stack)["ArtifactsBucket"])[
        "ServerSideEncryptionConfiguration"
    ]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")


def test_bucket_settings_moto_drops_are_in_the_template() -> None:
    resources = load(BOOTSTRAP)["Resources"]
    bucket = resources["ArtifactsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    policy = resources["ArtifactsBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "ArtifactsBucket"}
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_oidc_provider_and_api_gateway_logs_role_are_in_the_template() -> None:
    resources = load(BOOTSTRAP)["Resources"]
    provider = resources["GitHubOidcProvider"]
    assert provider["Condition"] == "CreateOidcProvider"
    assert provider["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    assert provider["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]
    for role in ("DeployRoleDev", "DeployRoleProd"):
        (trust,) = resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        condition, new, existing = trust["Principal"]["Federated"]["Fn::If"]
        assert (condition, new) == ("CreateOidcProvider", {"Ref": "GitHubOidcProvider"})
        assert existing["Fn::Sub"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    account = resources["ApiGatewayAccount"]["Properties"]
    assert account["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}


@pytest.mark.parametrize(
    ("stage", "output"), [("dev", "DeployRoleArnDev"), ("prod", "DeployRoleArnProd")]
)
def test_deploy_role_trusts_only_that_github_environment(
    created: tuple[Account, dict[str, Any]], stage: str, output: str
) -> None:
    account, stack = created
    iam = account.client("iam")
    role = iam.get_role(RoleName=outputs(stack)[output].split("/")[-1])["Role"]
    (statement,) = policy_document(role["AssumeRolePolicyDocument"])["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": OIDC_ARN}
    # GitHub's subject template ["repo", "context", "ref"]: this environment, on main only
    subject = f"repo:{ORG}/{REPO_NAME}:environment:{stage}:ref:refs/heads/main"
    assert statement["Condition"] == {  # exact match on both claims, no ForAllValues or wildcards
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": subject,
        }
    }


@pytest.mark.parametrize(
    ("stage", "output"), [("dev", "DeployRoleArnDev"), ("prod", "DeployRoleArnProd")]
)
def test_deploy_role_may_push_one_repository_change_one_stack_pass_one_role(
    created: tuple[Account, dict[str, Any]], stage: str, output: str
) -> None:
    account, stack = created
    values = outputs(stack)
    iam = account.client("iam")
    repository_arn = account.client("ecr").describe_repositories(
        repositoryNames=[values["RepositoryName"]]
    )["repositories"][0]["repositoryArn"]
    statements = inline_statements(iam, values[output].split("/")[-1])
    by_action: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert "*" not in action
            by_action.setdefault(action, set()).update(as_list(statement["Resource"]))
    assert by_action.pop("ecr:GetAuthorizationToken") == {"*"}  # no resource-level permission
    own = values[f"CloudFormationExecutionRoleArn{output.removeprefix('DeployRoleArn')}"]
    assert by_action.pop("iam:PassRole") == {own}  # its own stage's execution role only
    assert by_action["ecr:PutImage"] == {repository_arn}
    stack_arn = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/lattice-surgery-{stage}/*"
    assert by_action["cloudformation:ExecuteChangeSet"] == {stack_arn}
    assert by_action["cloudformation:DeleteStack"] == {stack_arn}  # ROLLBACK_COMPLETE recovery
    # `lsctl deploy` reads the bucket and execution role from the bootstrap stack's outputs.
    assert by_action.pop("cloudformation:DescribeStacks") == {stack_arn, stack["StackId"]}
    for action, resources in by_action.items():
        if action.startswith("ecr:"):
            assert resources == {repository_arn}, action
        elif action.startswith("cloudformation:") and action != "cloudformation:CreateChangeSet":
            assert resources == {stack_arn}, action
        elif action.startswith("s3:"):
            assert all(f"/lattice-surgery-{stage}/" in r for r in resources), action
    assert not any(
        a.startswith(("lambda:", "iam:Create", "iam:Put", "apigateway:")) for a in by_action
    )


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_execution_role_is_scoped_to_its_stage_stack(
    created: tuple[Account, dict[str, Any]], stage: str
) -> None:
    account, stack = created
    iam = account.client("iam")
    suffix = stage.capitalize()
    name = outputs(stack)[f"CloudFormationExecutionRoleArn{suffix}"].split("/")[-1]
    role = iam.get_role(RoleName=name)["Role"]
    (trust,) = policy_document(role["AssumeRolePolicyDocument"])["Statement"]
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    unscoped_ok = {  # actions without resource-level permissions
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "route53:ListHostedZones",
        "logs:DescribeIndexPolicies",
        "codedeploy:StopDeployment",
    }
    for statement in inline_statements(iam, name):
        assert "NotAction" not in statement and "NotResource" not in statement
        if statement["Effect"] == "Deny":
            continue
        for action in as_list(statement["Action"]):
            assert "*" not in action
            if as_list(statement["Resource"]) == ["*"]:
                # CreateEventSourceMapping has no resource type: scoped by its function instead.
                scoped = "lambda:FunctionArn" in statement.get("Condition", {}).get("ArnLike", {})
                assert action in unscoped_ok or scoped, action
        # moto leaves an AWS::NoValue list item as null (CloudFormation drops it): the hosted
        # zone of a stage that has none
        for resource in (r for r in as_list(statement["Resource"]) if r is not None):
            if resource.startswith("arn:aws:iam::"):
                assert f":role/lattice-surgery-{stage}-" in resource
            if resource.startswith("arn:aws:lambda:") and ":event-source-mapping:" in resource:
                # tag actions carry no lambda:FunctionArn (tests/infra/test_iam_evaluated.py)
                tags = {"lambda:TagResource", "lambda:UntagResource", "lambda:ListTags"}
                assert set(as_list(statement["Action"])) <= tags or (
                    "lambda:FunctionArn" in statement["Condition"]["ArnLike"]
                )
            elif resource.startswith("arn:aws:lambda:"):
                assert re.search(f":function:lattice-surgery-{stage}($|:|-)", resource), resource
            elif resource.startswith(("arn:aws:logs:", "arn:aws:sqs:", "arn:aws:dynamodb:")):
                assert f"lattice-surgery-{stage}" in resource, resource
            elif resource.startswith("arn:aws:apigateway:") and "/tags/" not in resource:
                # API Gateway names by id: scoped by the stage tag or the stage's name
                tagged = statement.get("Condition", {}).get("StringEquals", {})
                assert (
                    tagged.get("aws:ResourceTag/stage") == stage
                    or tagged.get("aws:RequestTag/stage") == stage
                    or resource.endswith(f"/stages/{stage}")
                ), resource


LAYER_UPLOAD = {
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
}


@pytest.mark.parametrize(
    ("output", "may_push"), [("DeployRoleArnDev", True), ("DeployRoleArnProd", False)]
)
def test_only_the_dev_deploy_role_can_push_an_image(
    created: tuple[Account, dict[str, Any]], output: str, may_push: bool
) -> None:
    """The build pushes with the dev role; prod only adds the deployed-* tag to an image that is
    there (PutImage of an existing manifest), which needs no layer upload."""
    account, stack = created
    statements = inline_statements(account.client("iam"), outputs(stack)[output].split("/")[-1])
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert {"ecr:BatchGetImage", "ecr:PutImage"} <= actions  # the deployed-* tag
    assert (actions >= LAYER_UPLOAD) is may_push
    assert actions.isdisjoint(LAYER_UPLOAD) is not may_push


ROLE_WRITES = (
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
)


def _execution_statements(suffix: str) -> list[dict[str, Any]]:
    role = load(BOOTSTRAP)["Resources"][f"CloudFormationExecutionRole{suffix}"]["Properties"]
    return [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]


def _grants(statement: dict[str, Any], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(statement["Action"]))


@pytest.mark.parametrize("suffix", ["Dev", "Prod"])
def test_execution_role_writes_roles_only_with_the_boundary(suffix: str) -> None:
    """Whoever can deploy a stage can make the execution role create a role for Lambda: without a
    boundary, that role could hold any policy (account admin). Every grant of a role-writing
    action requires the stage's own boundary, and removing a boundary is never granted."""
    statements = _execution_statements(suffix)
    for action in ROLE_WRITES:
        granting = [s for s in statements if _grants(s, action)]
        assert granting, action
        for statement in granting:
            condition = statement.get("Condition", {}).get("StringEquals", {})
            boundary = {"Ref": f"StageRolesBoundary{suffix}"}
            assert condition.get("iam:PermissionsBoundary") == boundary, (
                f"{statement.get('Sid')} grants {action} without the boundary"
            )
    for action in (
        "iam:DeleteRolePermissionsBoundary",
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicy",
        "iam:CreateUser",
        "sts:AssumeRole",
    ):
        assert not any(_grants(s, action) for s in statements), action


@pytest.mark.parametrize(("suffix", "stage"), [("Dev", "DevStage"), ("Prod", "ProdStage")])
def test_the_boundary_allows_no_iam_and_nothing_outside_the_stage(suffix: str, stage: str) -> None:
    resources = load(BOOTSTRAP)["Resources"]
    boundary = resources[f"StageRolesBoundary{suffix}"]
    assert boundary["Type"] == "AWS::IAM::ManagedPolicy"
    name = {"Fn::Sub": f"${{StageBoundaryName}}-${{{stage}}}"}
    assert boundary["Properties"]["ManagedPolicyName"] == name
    for statement in boundary["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        for action in as_list(statement["Action"]):
            assert "*" not in action, action
            assert not action.startswith(("iam:", "sts:", "organizations:", "ecr:")), action
        for resource in as_list(statement["Resource"]):
            if resource == "*":  # only X-Ray, whose actions have no resource-level scope
                assert {a.split(":")[0] for a in as_list(statement["Action"])} == {"xray"}
            else:
                assert f"lattice-surgery-${{{stage}}}" in resource["Fn::Sub"], resource


def test_the_boundary_name_is_the_one_template_yml_sets(
    created: tuple[Account, dict[str, Any]],
) -> None:
    parameters = load(BOOTSTRAP)["Parameters"]
    template_parameters = load(TEMPLATE)["Parameters"]
    assert (
        parameters["StageBoundaryName"]["Default"]
        == template_parameters["PermissionsBoundaryName"]["Default"]
    )
    account, stack = created
    prefix = outputs(stack)["StagePermissionsBoundaryName"]
    for stage in ("dev", "prod"):  # template.yml's boundary: <PermissionsBoundaryName>-<Stage>
        name = f"{prefix}-{stage}"
        arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}"
        assert account.client("iam").get_policy(PolicyArn=arn)["Policy"]["PolicyName"] == name
    assert "${PermissionsBoundaryName}-${Stage}" in TEMPLATE.read_text()


def test_the_api_gateway_logs_role_is_opt_in() -> None:
    """It is one setting per account and region: replacing it by default would break the
    access logs of other APIs in the account."""
    parameter = load(BOOTSTRAP)["Parameters"]["ManageApiGatewayLogsRole"]
    assert parameter["Default"] == "false"


def test_a_budget_alerts_on_the_monthly_bill() -> None:
    resources = load(BOOTSTRAP)["Resources"]
    budget = resources["MonthlyBudget"]["Properties"]
    assert "Condition" not in resources["MonthlyBudget"]  # always there
    assert budget["Budget"]["BudgetType"] == "COST"
    assert budget["Budget"]["TimeUnit"] == "MONTHLY"
    assert budget["Budget"]["BudgetLimit"]["Amount"] == {"Ref": "MonthlyBudgetUsd"}
    kinds = {n["Notification"]["NotificationType"] for n in budget["NotificationsWithSubscribers"]}
    assert kinds == {"ACTUAL", "FORECASTED"}
    for notification in budget["NotificationsWithSubscribers"]:
        assert notification["Subscribers"] == [
            {"SubscriptionType": "SNS", "Address": {"Ref": "AlertsTopic"}}
        ]
    (statement,) = resources["AlertsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    # Budgets and CloudWatch alarms both publish: so the topic has no AWS managed key (which
    # neither may use) and its policy admits both, from this account only.
    assert statement["Principal"] == {
        "Service": ["budgets.amazonaws.com", "cloudwatch.amazonaws.com"]
    }
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    topic = resources["AlertsTopic"]["Properties"]
    assert "KmsMasterKeyId" not in topic
    assert topic["TopicName"] == {"Ref": "AlertsTopicName"}
    assert (
        load(BOOTSTRAP)["Parameters"]["AlertsTopicName"]["Default"]
        == load(TEMPLATE)["Parameters"]["AlertsTopicName"]["Default"]
    )


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_an_account_holding_one_stage_has_only_its_roles(endpoint: str, stage: str) -> None:
    """One account per stage (docs/infrastructure.md): bootstrap each with AccountStages; the
    prod account's functions pull from the dev account's repository (ImageRepositoryArn)."""
    name = f"{STACK}-only-{stage}"
    other = "arn:aws:ecr:us-east-1:210987654321:repository/lattice-surgery"
    extra = {"ImageRepositoryArn": other} if stage == "prod" else {"PullAccountIds": "210987654321"}
    account, _ = create_noting_skips(
        endpoint, name, CreateGitHubOidcProvider="false", RepositoryName=name,
        AccountStages=stage, **extra,
    )  # fmt: skip
    stack = account.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    found = outputs(stack)
    mine, theirs = ("Dev", "Prod") if stage == "dev" else ("Prod", "Dev")
    assert f"DeployRoleArn{mine}" in found and f"CloudFormationExecutionRoleArn{mine}" in found
    assert f"DeployRoleArn{theirs}" not in found
    assert f"CloudFormationExecutionRoleArn{theirs}" not in found
    if stage == "prod":
        iam = account.client("iam")
        role = found["CloudFormationExecutionRoleArnProd"].split("/")[-1]
        pulls = [s for s in inline_statements(iam, role) if s.get("Sid") == "PullTheImageForLambda"]
        assert [s["Resource"] for s in pulls] == [other]


def test_the_two_stage_blocks_differ_only_in_the_stage() -> None:
    """CloudFormation has no loop this repository's tools all read: each stage's boundary and
    execution role are written out, and must stay the same but for the stage."""
    resources = load(BOOTSTRAP)["Resources"]
    for kind in ("StageRolesBoundary", "CloudFormationExecutionRole"):
        dev = json.dumps(resources[f"{kind}Dev"], sort_keys=True)
        as_prod = (
            dev.replace("DevStage", "ProdStage")
            .replace("StageRolesBoundaryDev", "StageRolesBoundaryProd")
            .replace("HasDevStage", "HasProdStage")
            .replace("HasDevHostedZone", "HasProdHostedZone")
            .replace("DevHostedZoneId", "ProdHostedZoneId")
        )
        assert json.loads(as_prod) == resources[f"{kind}Prod"], kind
