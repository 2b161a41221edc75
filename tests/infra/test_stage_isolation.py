"""A dev deploy cannot reach prod (issue 20, H1): each stage has its own execution role and
boundary, and its deploy role may pass only its own. A template deployed as lattice-surgery-dev
declaring each move the audit listed is evaluated as CloudFormation would run it with dev's
execution role: at least one request of each such resource is denied, so it cannot be created.
The roles dev may create are bounded by dev's boundary, which reaches nothing of prod."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.iam.cfn import Stack, tags_url
from tests.infra.iam.evaluate import allowed, decide, principal
from tests.infra.iam.requests import requests_for
from tests.infra.test_iam_evaluated import bootstrap, execution_role, stack_tags, stage_stack


@pytest.fixture(scope="session")
def prod() -> Stack:
    return stage_stack("prod")


def attack(prod: Stack, resources: dict[str, Any]) -> Stack:
    """`resources` deployed as the dev stack, in an account where prod runs."""
    template = {"Resources": resources}
    return Stack(template, "lattice-surgery-dev", {}, stack_tags("dev"), neighbours=(prod,))


def _prod(prod: Stack, logical_id: str) -> Any:
    return prod.resources[logical_id]


PROD_ZONE = "Z0123456789ABCDEFGHIJ"


def h1_moves(prod: Stack) -> dict[str, dict[str, Any]]:
    api = _prod(prod, "Api").ref
    function = _prod(prod, "CompileFunction").attributes["Arn"]
    boundary = "arn:aws:iam::123456789012:policy/lattice-surgery-stage-boundary-prod"
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    return {
        "invoke prod's function from anywhere": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": f"{function}:live",
                "Action": "lambda:InvokeFunction",
                "Principal": "*",
            },
        },
        "a policy on prod's function role": {
            "Type": "AWS::IAM::RolePolicy",
            "Properties": {
                "RoleName": _prod(prod, "FunctionRole").name,
                "PolicyName": "x",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                },
            },
        },
        "a new stage on prod's API": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {"RestApiId": api, "StageName": "evil", "DeploymentId": "dep0001"},
        },
        "a deployment of prod's API": {
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": {"RestApiId": api},
        },
        "a web ACL on prod's stage": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Properties": {
                "ResourceArn": f"arn:aws:apigateway:us-east-1::/restapis/{api}/stages/prod",
                "WebACLArn": _prod(prod, "ClientRateLimitAcl")
                .attributes["Arn"]
                .replace("lattice-surgery-prod", "lattice-surgery-dev"),
            },
        },
        "a function named as prod's": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": "lattice-surgery-prod-evil",
                "Role": "arn:aws:iam::123456789012:role/lattice-surgery-dev-x",
                "PackageType": "Image",
                "Code": {
                    "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x@sha256:" + "a" * 64
                },
            },
        },
        "DNS records in prod's hosted zone": {
            "Type": "AWS::Route53::RecordSet",
            "Properties": {
                "HostedZoneId": PROD_ZONE,
                "Name": "api.latticesurgery.com",
                "Type": "A",
                "AliasTarget": {"DNSName": "evil.example.com", "HostedZoneId": "Z1"},
            },
        },
        "a dev role bounded by prod's boundary": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": "lattice-surgery-dev-evil",
                "PermissionsBoundary": boundary,
                "AssumeRolePolicyDocument": trust,
            },
        },
    }


@pytest.mark.parametrize("move", list(h1_moves(stage_stack("prod"))))
def test_a_dev_deploy_cannot_make_the_move(prod: Stack, move: str) -> None:
    # an account where prod has a custom domain in its zone, and dev none
    _, dev_role = execution_role("dev", bootstrap(ProdHostedZoneId=PROD_ZONE))
    stack = attack(prod, {"Attack": h1_moves(prod)[move]})
    requests, _ = requests_for(stack, stack.resources["Attack"])
    assert requests
    denied = [r for r in requests if not decide(dev_role, r)]
    assert denied, f"dev's execution role allows every request of: {move}"


def _prod_data(prod: Stack) -> list[tuple[str, str]]:
    bucket = _prod(prod, "ResultsBucket").name
    table = _prod(prod, "JobsTable").attributes["Arn"]
    queue = _prod(prod, "JobsQueue").attributes["Arn"]
    function = _prod(prod, "CompileFunction").attributes["Arn"]
    return [
        ("s3:GetObject", f"arn:aws:s3:::{bucket}/results/x"),
        ("s3:PutObject", f"arn:aws:s3:::{bucket}/results/x"),
        ("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
        ("dynamodb:PutItem", table),
        ("dynamodb:GetItem", table),
        ("sqs:SendMessage", queue),
        ("sqs:ReceiveMessage", queue),
        ("lambda:UpdateAlias", f"{function}:live"),
        ("lambda:InvokeFunction", f"{function}:live"),
        (
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/lattice-surgery-prod:*",
        ),
        (
            "cloudwatch:DescribeAlarms",
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:lattice-surgery-prod-api-5xx",
        ),
    ]


def _boundary(stage: str) -> dict[str, Any]:
    boot = bootstrap()
    (policy,) = [
        r.properties["PolicyDocument"]
        for r in boot.resources.values()
        if r.type == "AWS::IAM::ManagedPolicy" and r.name.endswith(f"-{stage}")
    ]
    return policy


def test_any_role_a_dev_deploy_creates_reaches_nothing_of_prod(prod: Stack) -> None:
    """Whatever a dev template grants a lattice-surgery-dev-* role (here: everything), dev's
    boundary is its ceiling: prod's objects, table, queues, alias, logs and alarms stay out."""
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    role = principal(
        "arn:aws:iam::123456789012:role/lattice-surgery-dev-evil", [everything], _boundary("dev")
    )
    reached = [(a, arn) for a, arn in _prod_data(prod) if allowed(role, a, arn)]
    assert not reached
    same = principal(
        "arn:aws:iam::123456789012:role/lattice-surgery-prod-x", [everything], _boundary("prod")
    )
    assert all(allowed(same, a, arn) for a, arn in _prod_data(prod))  # the list is reachable


def test_no_stage_can_retag_another_stages_api(prod: Stack) -> None:
    """The stage tag is what scopes API Gateway; the tags resource carries no tag of what it
    tags, so writing the stage tag is denied outright (it is set once, on create)."""
    _, dev_role = execution_role("dev")
    api_arn = f"arn:aws:apigateway:us-east-1::/restapis/{_prod(prod, 'Api').ref}"
    for action in ("apigateway:PUT", "apigateway:DELETE"):
        context = {"aws:RequestTag/stage": "dev", "aws:TagKeys": ["stage"]}
        assert not allowed(dev_role, action, tags_url(api_arn), context)
    assert allowed(
        dev_role,
        "apigateway:PUT",
        tags_url(api_arn),
        {"aws:RequestTag/owner": "x", "aws:TagKeys": ["owner"]},
    )  # other tags: the tags resource cannot be scoped further
    assert not allowed(dev_role, "apigateway:PATCH", api_arn, {"aws:ResourceTag/stage": "prod"})
    assert allowed(
        dev_role,
        "apigateway:PATCH",
        api_arn.replace(_prod(prod, "Api").ref, "devapi"),
        {"aws:ResourceTag/stage": "dev"},
    )


@pytest.mark.parametrize(("stage", "other"), [("dev", "prod"), ("prod", "dev")])
def test_each_deploy_role_passes_only_its_own_execution_role(stage: str, other: str) -> None:
    boot = bootstrap()
    deploy = boot.resources["DeployRoleDev" if stage == "dev" else "DeployRoleProd"]
    node = principal(
        deploy.attributes["Arn"], [p["PolicyDocument"] for p in deploy.properties["Policies"]]
    )
    own, _ = execution_role(stage)
    theirs, _ = execution_role(other)
    context = {"iam:PassedToService": "cloudformation.amazonaws.com"}
    assert allowed(node, "iam:PassRole", boot.resources[own].attributes["Arn"], context)
    assert not allowed(node, "iam:PassRole", boot.resources[theirs].attributes["Arn"], context)
    assert own != theirs


STACKS = "arn:aws:cloudformation:us-east-1:123456789012:stack"
TRANSFORM = "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31"
REPOSITORY = "arn:aws:ecr:us-east-1:123456789012:repository/lattice-surgery"


def test_the_rollback_role_changes_prods_image_or_alias_and_nothing_else(prod: Stack) -> None:
    """Item 8: a least-privilege operator role. It may change prod's image by a change set run
    with the stack's own role (`lsctl rollback`), find the images prod ran, move prod's alias and
    stop a CodeDeploy shift; it may not push images, change code directly, pass roles, or touch
    the dev stage."""
    boot = bootstrap()
    role = boot.resources["RollbackRoleProd"]
    node = principal(
        role.attributes["Arn"], [p["PolicyDocument"] for p in role.properties["Policies"]]
    )
    function = _prod(prod, "CompileFunction").attributes["Arn"]
    group = _prod(prod, "CompileFunctionDeploymentGroup").arns[0]
    may = [
        ("lambda:UpdateAlias", f"{function}:live"),
        ("lambda:GetAlias", f"{function}:live"),
        ("lambda:ListVersionsByFunction", function),
        ("codedeploy:StopDeployment", "*"),
        ("codedeploy:ListDeployments", group),
        ("cloudformation:DescribeStacks", f"{STACKS}/lattice-surgery-prod/0"),
        ("cloudformation:CreateChangeSet", f"{STACKS}/lattice-surgery-prod/0"),
        ("cloudformation:ExecuteChangeSet", f"{STACKS}/lattice-surgery-prod/0"),
        ("cloudformation:CreateChangeSet", TRANSFORM),
        ("ecr:DescribeImages", REPOSITORY),
    ]
    for action, arn in may:
        assert allowed(node, action, arn), (action, arn)
    dev_function = function.replace("lattice-surgery-prod", "lattice-surgery-dev")
    may_not = [
        ("lambda:UpdateAlias", f"{dev_function}:live"),
        ("lambda:UpdateFunctionCode", function),
        ("lambda:PublishVersion", function),
        ("iam:PassRole", _prod(prod, "FunctionRole").attributes["Arn"]),
        ("iam:PassRole", boot.resources["CloudFormationExecutionRoleProd"].attributes["Arn"]),
        ("cloudformation:ExecuteChangeSet", f"{STACKS}/lattice-surgery-dev/0"),
        ("cloudformation:DeleteStack", f"{STACKS}/lattice-surgery-prod/0"),
        ("ecr:PutImage", REPOSITORY),
        ("ecr:InitiateLayerUpload", REPOSITORY),
    ]
    for action, arn in may_not:
        assert not allowed(node, action, arn), (action, arn)
    (trust, *_) = role.properties["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == (
        "repo:latticesurgery-com/lattice-surgery-service:environment:prod:ref:refs/heads/main"
    )
