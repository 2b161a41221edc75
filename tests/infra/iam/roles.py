"""The roles of a stage stack and what each may do at run time: its own grants (inline policies,
RolePolicy resources, known AWS managed policies) intersected with its permissions boundary."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.infra.iam import sar
from tests.infra.iam.cfn import Stack

# AWS managed policies the stack attaches (their documents as AWS publishes them).
MANAGED_POLICIES: dict[str, dict[str, Any]] = {
    "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "cloudwatch:DescribeAlarms",
                    "lambda:UpdateAlias",
                    "lambda:GetAlias",
                    "lambda:GetProvisionedConcurrencyConfig",
                    "sns:Publish",
                ],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": "arn:aws:s3:::*/CodeDeploy/*",
            },
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": "*",
                "Condition": {"StringEquals": {"s3:ExistingObjectTag/UseWithCodeDeploy": "true"}},
            },
            {
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": "arn:aws:lambda:*:*:function:CodeDeployHook_*",
            },
        ],
    }
}


@dataclass
class StackRole:
    logical_id: str
    arn: str
    policies: list[dict[str, Any]]
    boundary_arn: str | None
    managed: list[dict[str, Any]]


def stack_roles(stack: Stack) -> list[StackRole]:
    roles = []
    for resource in stack.resources.values():
        if resource.type != "AWS::IAM::Role":
            continue
        p = resource.properties
        policies = [policy["PolicyDocument"] for policy in p.get("Policies", [])]
        for other in stack.resources.values():
            if (
                other.type == "AWS::IAM::RolePolicy"
                and other.properties["RoleName"] == resource.name
            ):
                policies.append(other.properties["PolicyDocument"])
        managed = [MANAGED_POLICIES[arn] for arn in p.get("ManagedPolicyArns", [])]
        roles.append(
            StackRole(
                resource.logical_id,
                resource.attributes["Arn"],
                policies + managed,
                p.get("PermissionsBoundary"),
                managed,
            )
        )
    return roles


def _sample(pattern: str) -> str:
    """A concrete name a wildcard pattern stands for."""
    return pattern.replace("*", "x").replace("?", "x")


def _context_for(condition: dict[str, Any]) -> dict[str, Any]:
    """A request context that satisfies `condition` (one value per key)."""
    context: dict[str, Any] = {}
    for operator, entries in condition.items():
        for key, values in entries.items():
            first = values[0] if isinstance(values, list) else values
            if operator.startswith(("String", "Arn")) and "Not" not in operator:
                context[key] = _sample(str(first))
            elif operator == "Bool":
                context[key] = str(first)
    return context


def grant_requests(stack: Stack, role: StackRole) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, ARN, context) for every Allow grant of the role's own policies: each resource
    pattern made concrete; a "*" grant, or any grant of an AWS managed policy (written for every
    account), taken on the stack's resources it covers."""
    out = []
    stack_arns = [a for r in stack.resources.values() for a in r.arns]
    for policy in role.policies:
        managed = any(policy is m for m in role.managed)
        for statement in policy["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            resources = (
                statement["Resource"]
                if isinstance(statement["Resource"], list)
                else [statement["Resource"]]
            )
            context = _context_for(statement.get("Condition", {}))
            for action in actions:
                for pattern in resources:
                    if pattern == "*":
                        arns = sar.requested_on(action, stack_arns) or []
                    elif managed:
                        arns = [a for a in stack_arns if _matches(pattern, a)]
                    else:
                        arns = [_sample(pattern)]
                    out += [(action, arn, context) for arn in arns]
    return out


def _matches(pattern: str, arn: str) -> bool:
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, arn) is not None
