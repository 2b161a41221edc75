"""Every IAM request CloudFormation makes for a stack: for each resource, each permission its
create, read, update and delete handlers list (and its tagging permissions, since the stack's
tags reach every taggable resource), with the ARN it acts on and the request's context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import cfnlint

from tests.infra.iam import sar
from tests.infra.iam.cfn import Resource, Stack, tags_url

SCHEMAS = Path(cfnlint.__file__).parent / "data" / "schemas"
HANDLERS = ("create", "read", "update", "delete")
STAGE_TAG = "stage"  # samconfig.toml's stack tag naming the stage

# The service a role is passed to, by the resource type that passes it.
PASSED_TO = {
    "AWS::Lambda::Function": "lambda.amazonaws.com",
    "AWS::CodeDeploy::DeploymentGroup": "codedeploy.amazonaws.com",
    "AWS::ApiGateway::Account": "apigateway.amazonaws.com",
    "AWS::ApiGateway::RestApi": "apigateway.amazonaws.com",
    "AWS::ApiGateway::Stage": "apigateway.amazonaws.com",
}


@dataclass(frozen=True)
class Request:
    resource: str  # logical id
    type: str
    handler: str
    action: str
    arn: str
    context: tuple[tuple[str, Any], ...] = field(default=())

    def describe(self) -> str:
        context = {k: v for k, v in self.context}
        where = f"({self.type} {self.resource}, {self.handler})"
        return f"{self.action} on {self.arn} {where} {json.dumps(context)}"


@cache
def _schema(resource_type: str) -> dict[str, Any]:
    providers = json.loads((SCHEMAS / "providers" / "us-east-1.json").read_text())
    digest = providers.get(resource_type)
    if digest is None:
        raise KeyError(f"cfn-lint has no schema for {resource_type}")
    return json.loads((SCHEMAS / "resources" / f"{digest}.json").read_text())


# Permissions a handler needs that its schema leaves out: Lambda reads an image function's image
# with the caller's permissions on create and code update ("Amazon ECR permissions" in Lambda's
# container image guide), which the Lambda::Function schema does not list.
EXTRA = {
    "AWS::Lambda::Function": {
        "create": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        "update": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    }
}


def handler_permissions(resource: Resource) -> dict[str, list[str]]:
    """Handler -> permissions, the tagging permissions added to every handler of a taggable
    resource that carries tags (the stack's own tags reach every one)."""
    schema = _schema(resource.type)
    handlers = schema.get("handlers", {})
    tagging = schema.get("tagging", {})
    tag_actions = (
        tagging.get("permissions", []) if tagging.get("taggable") and resource.tags else []
    )
    extra = (
        EXTRA.get(resource.type, {}) if resource.properties.get("PackageType") == "Image" else {}
    )
    return {
        name: list(
            dict.fromkeys(handlers[name].get("permissions", []) + extra.get(name, []) + tag_actions)
        )
        for name in HANDLERS
        if name in handlers
    }


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for n in node for s in _strings(n)]
    if isinstance(node, dict):
        return [s for n in node.values() for s in _strings(n)]
    return []


def related_arns(stack: Stack, resource: Resource) -> list[str]:
    """ARNs of what the resource's properties name: ARNs given outright, other resources by name
    or reference, and the ECR repository of an image."""
    found: list[str] = []
    values = _strings(resource.properties)
    for value in values:
        if value.startswith("arn:"):
            found.append(value)
            if ":function:" in value:
                found.append(":".join(value.split(":")[:7]))
        if ".dkr.ecr." in value and "@sha256:" in value:
            registry, path = value.split("@")[0].split("/", 1)
            account, _, _, region = registry.split(".")[:4]
            found.append(f"arn:aws:ecr:{region}:{account}:repository/{path}")
    values += _strings(resource.update_policy)
    for other in stack.resources.values():
        if other is not resource and ({other.ref, other.name} & set(values)):
            found += other.arns
    for arn in list(found):
        if ":apigateway:" in arn and ("/restapis/" in arn or "/domainnames/" in arn):
            found.append(tags_url(arn))
    return list(dict.fromkeys(found))


def _for(action: str, arns: list[str]) -> list[str]:
    """API Gateway's tags are a resource of their own, reached only by the tag verbs."""
    if action in ("apigateway:GET", "apigateway:PUT", "apigateway:DELETE"):
        return arns
    return [a for a in arns if ":apigateway:" not in a or "::/tags/" not in a]


def _writes_tags(action: str, arn: str) -> bool:
    verb = action.split(":", 1)[1]
    if action.startswith("apigateway:"):
        return "::/tags/" in arn and verb in ("PUT", "DELETE")
    return verb.startswith(("Tag", "Untag"))


def _creates(handler: str, action: str) -> bool:
    verb = action.split(":", 1)[1]
    return handler == "create" and (verb.startswith("Create") or action == "apigateway:POST")


def _context(
    stack: Stack, resource: Resource, handler: str, action: str, arn: str
) -> dict[str, Any]:
    context: dict[str, Any] = {}
    sent = dict(resource.tags)
    if _writes_tags(action, arn):
        # After the create (which carries every tag), CloudFormation's handlers send only the
        # tags that change; the stage tag of a stack never does (samconfig.toml sets it).
        sent.pop(STAGE_TAG, None)
    if sent:
        for key, value in sent.items():
            context[f"aws:RequestTag/{key}"] = value
        context["aws:TagKeys"] = sorted(sent)
    existing = stack.inherited_tags(arn) if _creates(handler, action) else stack.tags_of(arn)
    for key, value in existing.items():
        context[f"aws:ResourceTag/{key}"] = value
    p = resource.properties
    boundary = p.get("PermissionsBoundary")
    if resource.type in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy"):
        role = stack.resource_at(arn)
        boundary = role.properties.get("PermissionsBoundary") if role else None
    if boundary:
        context["iam:PermissionsBoundary"] = boundary
    if resource.type in PASSED_TO:
        context["iam:PassedToService"] = PASSED_TO[resource.type]
    if resource.type == "AWS::Lambda::EventSourceMapping":
        context["lambda:FunctionArn"] = stack._function_arn(str(p["FunctionName"]))
    if resource.type == "AWS::Lambda::Permission":
        context["lambda:Principal"] = p.get("Principal", "")
    return context


def requests_for(stack: Stack, resource: Resource) -> tuple[list[Request], list[str]]:
    """(the requests, the permissions whose resource the stack names nowhere: each must be one a
    property the template leaves unset would need)."""
    out: list[Request] = []
    unresolved: list[str] = []
    related = related_arns(stack, resource)
    own = resource.arns + [tags_url(a) for a in resource.arns if ":apigateway:" in a]
    for handler, actions in handler_permissions(resource).items():
        for action in actions:
            if not sar.is_known(action):
                unresolved.append(action)
                continue
            candidates = (resource.create_arns or own) if _creates(handler, action) else own
            arns = sar.requested_on(action, _for(action, candidates)) or sar.requested_on(
                action, _for(action, related)
            )
            if arns is None:
                unresolved.append(action)
                continue
            for arn in arns:
                context = _context(stack, resource, handler, action, arn)
                variants = [context]
                if action in ("iam:AttachRolePolicy", "iam:DetachRolePolicy"):
                    variants = [
                        {**context, "iam:PolicyARN": policy}
                        for policy in resource.properties.get("ManagedPolicyArns", [])
                    ]
                for variant in variants:
                    kept = {k: v for k, v in variant.items() if sar.carries(action, arn, k)}
                    out.append(
                        Request(
                            resource.logical_id,
                            resource.type,
                            handler,
                            action,
                            arn,
                            tuple(
                                sorted(
                                    (k, tuple(v) if isinstance(v, list) else v)
                                    for k, v in kept.items()
                                )
                            ),
                        )
                    )
    return out, unresolved


def stack_requests(stack: Stack) -> tuple[list[Request], dict[str, set[str]]]:
    """Every request of every resource, and action -> resource types for the unresolved ones."""
    requests: list[Request] = []
    unresolved: dict[str, set[str]] = {}
    for resource in stack.resources.values():
        found, missing = requests_for(stack, resource)
        requests += found
        for action in missing:
            unresolved.setdefault(action, set()).add(resource.type)
    return list(dict.fromkeys(requests)), unresolved
