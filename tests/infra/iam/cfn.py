"""A CloudFormation template resolved for one stack: conditions decided, intrinsic functions
evaluated, and every resource given the names and ARNs CloudFormation would give it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"

# Properties holding a resource's own name, per type (CloudFormation generates the rest).
_NAME_PROPERTY = {
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::WAFv2::WebACL": "Name",
    "AWS::ApiGateway::DomainName": "DomainName",
    "AWS::CodeDeploy::Application": "ApplicationName",
    "AWS::CodeDeploy::DeploymentGroup": "DeploymentGroupName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::Budgets::Budget": None,
}


@dataclass
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    name: str
    ref: str
    attributes: dict[str, str] = field(default_factory=dict)
    arns: list[str] = field(default_factory=list)  # what its handlers act on
    create_arns: list[str] = field(default_factory=list)  # a collection a create names
    tags: dict[str, str] = field(default_factory=dict)
    update_policy: dict[str, Any] = field(default_factory=dict)
    described: bool = False


class _NotYet(Exception):
    """A reference to a resource not described yet."""


def _generated_name(stack: str, logical_id: str, limit: int = 64) -> str:
    """<stack>-<logical id>-<random>, each part cut as CloudFormation cuts it."""
    suffix = "-" + hashlib.sha256(logical_id.encode()).hexdigest()[:12].upper()
    room = limit - len(suffix) - 1
    return f"{stack[: room // 2]}-{logical_id[: room - min(len(stack), room // 2)]}{suffix}"


class Stack:
    """`template` deployed as `stack_name` with `parameters` (defaults fill the rest)."""

    def __init__(
        self,
        template: dict[str, Any],
        stack_name: str,
        parameters: dict[str, str],
        stack_tags: dict[str, str] | None = None,
        account: str = ACCOUNT,
        neighbours: tuple[Stack, ...] = (),
    ) -> None:
        self.neighbours = neighbours  # other stacks in the account (their resources' tags)
        self.template = template
        self.stack_name = stack_name
        self.account = account
        self.stack_tags = dict(stack_tags or {})
        self.parameters: dict[str, Any] = {
            name: spec.get("Default", "") for name, spec in template.get("Parameters", {}).items()
        }
        self.parameters.update(parameters)
        for name, spec in template.get("Parameters", {}).items():
            if spec.get("Type") == "CommaDelimitedList" and isinstance(self.parameters[name], str):
                value = self.parameters[name]
                self.parameters[name] = [v.strip() for v in value.split(",")] if value else [""]
        self.pseudo = {
            "AWS::AccountId": account,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{account}:stack/{stack_name}/0000",
            "AWS::NoValue": None,
        }
        self._conditions: dict[str, bool] = {}
        self.resources: dict[str, Resource] = {}
        present = {
            k: v
            for k, v in template["Resources"].items()
            if "Condition" not in v or self.condition(v["Condition"])
        }
        for logical_id, body in present.items():  # names first: properties refer to them
            self.resources[logical_id] = self._named(logical_id, body)
        pending = dict(present)
        while pending:  # in dependency order: a resource whose references are described
            progress = False
            for logical_id, body in list(pending.items()):
                resource = self.resources[logical_id]
                try:
                    resource.properties = self.value(body.get("Properties", {}))
                    resource.update_policy = self.value(body.get("UpdatePolicy", {}))
                    self._describe(resource)
                except _NotYet:
                    continue
                del pending[logical_id]
                progress = True
            if not progress:
                raise KeyError(f"cannot resolve {sorted(pending)}")

    # -- intrinsics --------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self.value(self.template["Conditions"][name]))
        return self._conditions[name]

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.value(n) for n in node) if v is not None]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self._getatt(logical, attribute)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::If":
                name, yes, no = arg
                return self.value(yes if self.condition(name) else no)
            if key == "Fn::Equals":
                a, b = (self.value(x) for x in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.value(arg[0])
            if key == "Fn::And":
                return all(self.value(x) for x in arg)
            if key == "Fn::Or":
                return any(self.value(x) for x in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::FindInMap":
                table, top, second = (self.value(x) for x in arg)
                return self.template["Mappings"][table][top][second]
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(x) for x in self.value(items))
            if key == "Fn::Select":
                index, items = arg
                return self.value(items)[int(self.value(index))]
            if key == "Fn::Split":
                separator, text = arg
                return str(self.value(text)).split(separator)
            if key == "Fn::GetAZs":
                return [f"{REGION}a", f"{REGION}b"]
        return {k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not None}

    def _ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        resource = self.resources[name]
        if not resource.described:
            raise _NotYet(name)
        return resource.ref

    def _getatt(self, logical: str, attribute: str) -> str:
        resource = self.resources[logical]
        if not resource.described:
            raise _NotYet(logical)
        if attribute not in resource.attributes:
            raise KeyError(f"{logical}.{attribute} is not modelled in tests/infra/iam/cfn.py")
        return resource.attributes[attribute]

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else arg
        variables = {k: self.value(v) for k, v in variables.items()}

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                return str(self._getatt(*name.split(".", 1)))
            return str(self._ref(name))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    # -- names and ARNs ----------------------------------------------------------------------
    def _named(self, logical_id: str, body: dict[str, Any]) -> Resource:
        kind = body["Type"]
        properties = body.get("Properties", {})
        name_property = _NAME_PROPERTY.get(kind)
        name = None
        if name_property and name_property in properties:
            try:
                name = self.value(properties[name_property])
            except (KeyError, _NotYet):  # refers to another resource: generated below
                name = None
        if not isinstance(name, str) or not name:
            name = _generated_name(self.stack_name, logical_id)
        return Resource(logical_id, kind, {}, name, name)

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{PARTITION}:{service}:{REGION if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )

    def _describe(self, r: Resource) -> None:
        p = r.properties
        a = self.arn
        kind = r.type
        if kind == "AWS::Logs::LogGroup":
            r.attributes["Arn"] = a("logs", f"log-group:{r.name}:*")
            r.arns = [a("logs", f"log-group:{r.name}"), a("logs", f"log-group:{r.name}:*")]
        elif kind == "AWS::IAM::Role":
            r.attributes["Arn"] = a("iam", f"role/{r.name}", region=False)
            r.attributes["RoleId"] = "AROAEXAMPLE" + r.logical_id.upper()[:10]
            r.arns = [r.attributes["Arn"]]
        elif kind == "AWS::IAM::ManagedPolicy":
            r.ref = a("iam", f"policy/{r.name}", region=False)
            r.arns = [r.ref]
        elif kind in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy"):
            roles = [p["RoleName"]] if "RoleName" in p else p.get("Roles", [])
            r.arns = [a("iam", f"role/{n}", region=False) for n in roles]
        elif kind == "AWS::Lambda::Function":
            r.attributes["Arn"] = a("lambda", f"function:{r.name}")
            r.arns = [r.attributes["Arn"]]
        elif kind == "AWS::Lambda::Version":
            function = self._function_arn(p["FunctionName"])
            r.ref = f"{function}:1"
            r.attributes["Version"] = "1"
            r.arns = [function, r.ref]
        elif kind == "AWS::Lambda::Alias":
            function = self._function_arn(p["FunctionName"])
            r.ref = f"{function}:{p['Name']}"
            r.arns = [function, r.ref]
        elif kind == "AWS::Lambda::Permission":
            target = str(p["FunctionName"])
            r.arns = sorted(
                {
                    self._function_arn(target),
                    target if target.startswith("arn:") else self._function_arn(target),
                }
            )
        elif kind == "AWS::Lambda::EventSourceMapping":
            r.ref = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
            r.arns = [a("lambda", f"event-source-mapping:{r.ref}")]
        elif kind == "AWS::ApiGateway::RestApi":
            r.ref = (
                "a" + hashlib.sha256(f"{self.stack_name}/{r.logical_id}".encode()).hexdigest()[:9]
            )
            r.attributes["RootResourceId"] = "root0000"
            base = a("apigateway", f"/restapis/{r.ref}", account=False)
            r.create_arns = [a("apigateway", "/restapis", account=False)]
            r.arns = [base, f"{base}/resources/root0000"]
        elif kind == "AWS::ApiGateway::Deployment":
            r.ref = "dep0001"
            base = a("apigateway", f"/restapis/{p['RestApiId']}/deployments", account=False)
            r.create_arns = [base]
            r.arns = [f"{base}/{r.ref}"]
        elif kind == "AWS::ApiGateway::Stage":
            r.ref = p["StageName"]
            base = a("apigateway", f"/restapis/{p['RestApiId']}/stages", account=False)
            r.create_arns = [base]
            r.arns = [f"{base}/{r.ref}"]
        elif kind == "AWS::ApiGateway::DomainName":
            r.attributes["RegionalDomainName"] = "d-abc.execute-api.us-east-1.amazonaws.com"
            r.attributes["RegionalHostedZoneId"] = "Z1UJRXOUMOOFQ8"
            r.create_arns = [a("apigateway", "/domainnames", account=False)]
            r.arns = [a("apigateway", f"/domainnames/{r.name}", account=False)]
        elif kind == "AWS::ApiGateway::BasePathMapping":
            base = a(
                "apigateway", f"/domainnames/{p['DomainName']}/basepathmappings", account=False
            )
            r.create_arns = [base]
            r.arns = [f"{base}/(none)"]
        elif kind == "AWS::ApiGateway::Account":
            r.arns = [a("apigateway", "/account", account=False)]
        elif kind == "AWS::WAFv2::WebACL":
            r.attributes["Arn"] = a("wafv2", f"regional/webacl/{r.name}/0a1b2c3d")
            r.attributes["Id"] = "0a1b2c3d"
            r.ref = f"{r.name}|0a1b2c3d|REGIONAL"
            r.arns = [r.attributes["Arn"]]
        elif kind == "AWS::WAFv2::WebACLAssociation":
            r.arns = [p["WebACLArn"], p["ResourceArn"]]
        elif kind == "AWS::CloudWatch::Alarm":
            r.attributes["Arn"] = a("cloudwatch", f"alarm:{r.name}")
            r.arns = [r.attributes["Arn"]]
        elif kind == "AWS::CloudWatch::Dashboard":
            r.arns = [a("cloudwatch", f"dashboard/{r.name}", region=False)]
        elif kind == "AWS::CodeDeploy::Application":
            r.arns = [a("codedeploy", f"application:{r.name}")]
        elif kind == "AWS::CodeDeploy::DeploymentGroup":
            app = p["ApplicationName"]
            config = p.get("DeploymentConfigName", "CodeDeployDefault.LambdaAllAtOnce")
            r.arns = [
                a("codedeploy", f"deploymentgroup:{app}/{r.name}"),
                a("codedeploy", f"application:{app}"),
                a("codedeploy", f"deploymentconfig:{config}"),
            ]
        elif kind == "AWS::S3::Bucket":
            r.attributes["Arn"] = f"arn:{PARTITION}:s3:::{r.name}"
            r.attributes["DomainName"] = f"{r.name}.s3.amazonaws.com"
            r.arns = [r.attributes["Arn"]]
        elif kind == "AWS::S3::BucketPolicy":
            r.arns = [f"arn:{PARTITION}:s3:::{p['Bucket']}"]
        elif kind == "AWS::DynamoDB::Table":
            r.attributes["Arn"] = a("dynamodb", f"table/{r.name}")
            r.arns = [r.attributes["Arn"]]
        elif kind == "AWS::SQS::Queue":
            r.attributes["Arn"] = a("sqs", r.name)
            r.attributes["QueueName"] = r.name
            r.attributes["QueueUrl"] = f"https://sqs.{REGION}.amazonaws.com/{self.account}/{r.name}"
            r.ref = r.attributes["QueueUrl"]
            r.arns = [r.attributes["Arn"]]
        elif kind == "AWS::SNS::Topic":
            r.ref = a("sns", r.name)
            r.attributes["TopicArn"] = r.ref
            r.attributes["TopicName"] = r.name
            r.arns = [r.ref]
        elif kind == "AWS::SNS::TopicPolicy":
            r.arns = list(p["Topics"])
        elif kind == "AWS::SNS::Subscription":
            r.arns = [p["TopicArn"]]
        elif kind == "AWS::KMS::Key":
            r.ref = "0a1b2c3d-0000-0000-0000-key000000001"
            r.attributes["Arn"] = a("kms", f"key/{r.ref}")
            r.arns = [r.attributes["Arn"]]
        elif kind == "AWS::KMS::Alias":
            r.arns = [a("kms", str(p["AliasName"])), str(p["TargetKeyId"])]
        elif kind == "AWS::Route53::RecordSet":
            r.arns = [
                f"arn:{PARTITION}:route53:::hostedzone/{p['HostedZoneId']}",
                f"arn:{PARTITION}:route53:::change/C0000000000001",
            ]
        elif kind == "AWS::ECR::Repository":
            r.attributes["Arn"] = a("ecr", f"repository/{r.name}")
            r.arns = [r.attributes["Arn"]]
        elif kind == "AWS::IAM::OIDCProvider":
            r.ref = a("iam", "oidc-provider/token.actions.githubusercontent.com", region=False)
            r.arns = [r.ref]
        elif kind == "AWS::Budgets::Budget":
            r.arns = [f"arn:{PARTITION}:budgets::{self.account}:budget/{r.name}"]
        else:
            raise KeyError(f"{kind} ({r.logical_id}) is not modelled in tests/infra/iam/cfn.py")
        r.tags = self._tags(r)
        r.described = True

    def _function_arn(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            return ":".join(name_or_arn.split(":")[:7])
        return self.arn("lambda", f"function:{name_or_arn}")

    def _tags(self, r: Resource) -> dict[str, str]:
        tags = dict(self.stack_tags)
        own = r.properties.get("Tags", {})
        if isinstance(own, list):
            own = {t["Key"]: t["Value"] for t in own}
        tags.update(own)
        return tags

    def resource_at(self, arn: str) -> Resource | None:
        for stack in (self, *self.neighbours):
            for resource in stack.resources.values():
                if arn in resource.arns and resource.type not in _ACTS_ON_OTHERS:
                    return resource
        return None

    def tags_of(self, arn: str) -> dict[str, str]:
        """The tags a request on `arn` sees as aws:ResourceTag (API Gateway's children inherit
        their REST API's or domain name's tags)."""
        owner = self.resource_at(arn)
        if owner is not None:
            return owner.tags
        return self.inherited_tags(arn)

    def inherited_tags(self, arn: str) -> dict[str, str]:
        """The tags of the REST API or domain name `arn` lies under (a create of a child
        resource is authorized on the existing parent's tags)."""
        match = re.match(r"(arn:[^:]+:apigateway:[^:]+::/(?:restapis|domainnames)/[^/]+)", arn)
        if match:
            parent = self.resource_at(match.group(1))
            if parent is not None:
                return parent.tags
        return {}


# Types whose ARNs name other resources (their handlers act on those).
_ACTS_ON_OTHERS = {
    "AWS::IAM::RolePolicy",
    "AWS::IAM::Policy",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::KMS::Alias",
    "AWS::CodeDeploy::DeploymentGroup",
    "AWS::Route53::RecordSet",
}


def tags_url(arn: str) -> str:
    """The API Gateway ARN of the tags of `arn` (TagResource, UntagResource, GetTags)."""
    return f"arn:{PARTITION}:apigateway:{REGION}::/tags/{quote(arn, safe='')}"
