"""template.yml through the SAM transform, per stage: what CloudFormation would be asked to build.

The transform is the aws-sam-translator library that CloudFormation itself runs, so these tests
see the real alias, deployment group, API body and stage rather than our own reading of SAM."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from tests.infra.conftest import (
    HANDLER_ENV,
    IMAGE,
    LOCAL_OR_DEFAULT_ENV,
    REPO,
    TEMPLATE,
    WORKER_ENV,
    _NoManagedPolicies,
    load,
    of_type,
    one,
    resolve,
    transformed,
)

API_GATEWAY_TIMEOUT_SECONDS = 29
ONE_VCPU_MB = 1769
LOG_RETENTION_VALUES = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653}
EXPECTED_DEPLOYMENT = {
    "dev": "CodeDeployDefault.LambdaAllAtOnce",
    "prod": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
}


def settings(stage: str) -> tuple[dict[str, Any], dict[str, str]]:
    return transformed(stage), {"Stage": stage, "ImageUri": IMAGE}


COMPILE_FUNCTION = "CompileFunction"  # the API's; WorkerFunction compiles jobs (test_jobs_stack)


def function(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"][COMPILE_FUNCTION]["Properties"]


def deploy_alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The alarms that roll a deployment back (not the worker's and the jobs' queues' alarms)."""
    alarms = of_type(template, "AWS::CloudWatch::Alarm")
    return {
        k: v
        for k, v in alarms.items()
        if v["Properties"].get("Namespace") != "AWS/SQS" and not k.startswith("Worker")
    }


def test_alias_live_is_shifted_by_codedeploy_per_stage(stage: str) -> None:
    template, _ = settings(stage)
    _alias_id, alias = one(template, "AWS::Lambda::Alias")
    group_id, group = one(template, "AWS::CodeDeploy::DeploymentGroup")
    version_id, _ = one(template, "AWS::Lambda::Version")

    assert alias["Properties"]["Name"] == "live"
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    policy = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert policy["DeploymentGroupName"] == {"Ref": group_id}
    config = group["Properties"]["DeploymentConfigName"]
    assert config == {"Fn::Sub": ["CodeDeployDefault.Lambda${ConfigName}", {"ConfigName": ANY}]}
    assert (
        "CodeDeployDefault.Lambda" + config["Fn::Sub"][1]["ConfigName"]
        == (EXPECTED_DEPLOYMENT[stage])
    )
    # First deploy of a stage: the alias is created straight on the first version (an update
    # policy only governs updates) and nothing waits on a CodeDeploy deployment to exist.
    assert "DependsOn" not in alias or group_id not in alias["DependsOn"]


class _Any:
    def __eq__(self, other: object) -> bool:
        return True


ANY = _Any()


def test_alarms_roll_a_deployment_back(stage: str) -> None:
    template, _ = settings(stage)
    _, group = one(template, "AWS::CodeDeploy::DeploymentGroup")
    alarms = deploy_alarms(template)
    wired = group["Properties"]["AlarmConfiguration"]
    rollback = group["Properties"]["AutoRollbackConfiguration"]

    assert wired["Enabled"] is True
    assert sorted(a["Name"]["Ref"] for a in wired["Alarms"]) == sorted(alarms)
    assert rollback["Enabled"] is True
    assert {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"} <= set(rollback["Events"])
    metrics = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values()
    }
    assert metrics == {
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "Duration"),
        ("AWS/ApiGateway", "5XXError"),
        ("LatticeSurgery", "ServerErrors"),  # the handler's own 500s (issue 20)
    }
    for alarm in alarms.values():
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"  # no traffic is no fault


def test_function_alarms_watch_the_version_being_deployed(stage: str) -> None:
    template, _ = settings(stage)
    version_id, _ = one(template, "AWS::Lambda::Version")
    function_id = COMPILE_FUNCTION
    for alarm in deploy_alarms(template).values():
        properties = alarm["Properties"]
        if properties["Namespace"] not in ("AWS/Lambda", "LatticeSurgery"):
            continue
        dimensions = {d["Name"]: d["Value"] for d in properties["Dimensions"]}
        if properties["Namespace"] == "LatticeSurgery":  # counted by the version itself
            assert dimensions["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
            continue
        assert dimensions["ExecutedVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
        assert dimensions["Resource"] == {"Fn::Sub": f"${{{function_id}}}:live"}


def test_duration_alarm_fires_before_the_timeout(stage: str) -> None:
    template, parameters = settings(stage)
    timeout_ms = resolve(function(template)["Timeout"], template, parameters) * 1000
    duration = next(
        a["Properties"]
        for a in of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "Duration"
    )
    assert duration["Statistic"] == "Maximum"
    assert duration["Threshold"] < timeout_ms


def test_api_5xx_alarm_watches_this_stages_api(stage: str) -> None:
    template, parameters = settings(stage)
    _, api = one(template, "AWS::ApiGateway::RestApi")
    alarm = next(
        a["Properties"]
        for a in of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == "AWS/ApiGateway"
    )
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert dimensions["ApiName"] == api["Properties"]["Name"]
    assert resolve(dimensions["Stage"], template, parameters) == stage


def test_time_budget_is_below_api_gateways_29_seconds(stage: str) -> None:
    template, parameters = settings(stage)
    properties = function(template)
    timeout = resolve(properties["Timeout"], template, parameters)
    compile_seconds = resolve(
        properties["Environment"]["Variables"]["LSC_COMPILE_SECONDS"], template, parameters
    )
    assert timeout < API_GATEWAY_TIMEOUT_SECONDS
    assert float(compile_seconds) < timeout
    assert resolve(properties["MemorySize"], template, parameters) >= ONE_VCPU_MB


def test_function_is_the_image_given_by_parameter(stage: str) -> None:
    template, _ = settings(stage)
    properties = function(template)
    assert properties["PackageType"] == "Image"
    assert properties["Code"] == {"ImageUri": IMAGE}  # the transform resolves the parameter
    assert properties["ImageConfig"]["Command"] == ["app.lambda_handler"]
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["Environment"]["Variables"]["LSC_IMAGE_URI"] == {"Ref": "ImageUri"}


def test_a_new_image_publishes_a_new_version(stage: str) -> None:
    """The version's logical id hashes the code: a new digest means a new version and so a
    CodeDeploy deployment; the same digest means no change at all."""
    other = IMAGE.replace("ab" * 32, "cd" * 32)
    before, _ = one(transformed(stage), "AWS::Lambda::Version")
    again, _ = one(transformed(stage, ImageUri=IMAGE), "AWS::Lambda::Version")
    after, _ = one(transformed(stage, ImageUri=other), "AWS::Lambda::Version")
    assert before == again
    assert before != after


@pytest.mark.parametrize(
    ("uri", "accepted"),
    [
        (IMAGE, True),
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/lattice-surgery@sha256:" + "0" * 64,
            True,
        ),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/lattice-surgery:latest", False),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/lattice-surgery:abc1234", False),
        ("public.ecr.aws/lambda/python@sha256:" + "0" * 64, False),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/lattice-surgery@sha256:abc", False),
    ],
)
def test_image_parameter_takes_only_a_digest(uri: str, accepted: bool) -> None:
    """A moving tag would make CloudFormation see no change and skip the update."""
    pattern = load(TEMPLATE)["Parameters"]["ImageUri"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, uri)) is accepted


def test_function_reads_every_setting_the_handler_reads(stage: str) -> None:
    template, _ = settings(stage)
    variables = function(template)["Environment"]["Variables"]
    assert set(variables) == HANDLER_ENV
    worker = template["Resources"]["WorkerFunction"]["Properties"]["Environment"]["Variables"]
    assert set(worker) == WORKER_ENV
    hook = template["Resources"]["PreTrafficHookFunction"]["Properties"]["Environment"]
    assert set(hook["Variables"]) == {"POWERTOOLS_SERVICE_NAME", "LSC_NEW_VERSION"}
    read_by_handler = set()
    for source in (REPO / "function").rglob("*.py"):
        # Whole names only: a prefix such as "LSC_JOB_" names optional overrides with defaults.
        read_by_handler |= set(re.findall(r"\"(LSC_[A-Z_]*[A-Z])\"", source.read_text()))
    assert read_by_handler - LOCAL_OR_DEFAULT_ENV <= set(variables) | set(worker) | {
        "LSC_NEW_VERSION"
    }


def test_cors_origin_comes_from_a_parameter(stage: str) -> None:
    template, _ = settings(stage)
    parameter = load(TEMPLATE)["Parameters"]["CorsOrigin"]
    assert parameter["Default"] == "https://latticesurgery.com"
    variables = function(template)["Environment"]["Variables"]
    assert variables["LSC_CORS_ORIGIN"] == {"Ref": "CorsOrigin"}
    assert variables["LSC_CORS_EXTRA_ORIGINS"] == {"Ref": "CorsExtraOrigins"}
    # API Gateway's own errors (throttling, unknown path, failed integration) carry it too.
    for header in gateway_response_origins(template):
        assert header == {"Fn::Sub": "'${CorsOrigin}'"}  # no extra origins by default


def gateway_response_origins(template: dict[str, Any], **parameters: str) -> list[Any]:
    """Access-Control-Allow-Origin of API Gateway's own 4xx and 5xx answers, with the template's
    conditions evaluated for `parameters` (defaults otherwise)."""
    _, api = one(template, "AWS::ApiGateway::RestApi")
    responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    values = {k: v["Default"] for k, v in load(TEMPLATE)["Parameters"].items() if "Default" in v}
    values.update(parameters)
    return [
        choose(
            responses[kind]["responseParameters"][
                "gatewayresponse.header.Access-Control-Allow-Origin"
            ],
            template,
            values,
        )
        for kind in ("DEFAULT_4XX", "DEFAULT_5XX")
    ]


def holds(condition: Any, template: dict[str, Any], values: dict[str, Any]) -> bool:
    """Evaluate a CloudFormation condition over parameter values."""
    ((name, arg),) = condition.items()
    if name == "Condition":
        return holds(template["Conditions"][arg], template, values)
    if name == "Fn::Not":
        return not holds(arg[0], template, values)
    if name == "Fn::And":
        return all(holds(a, template, values) for a in arg)
    if name == "Fn::Equals":
        left, right = (values[a["Ref"]] if isinstance(a, dict) else a for a in arg)
        return str(left) == str(right)
    raise ValueError(f"condition {name} not supported here")


def choose(value: Any, template: dict[str, Any], values: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "Fn::If" in value:
        name, yes, no = value["Fn::If"]
        return yes if holds({"Condition": name}, template, values) else no
    return value


def test_api_gateway_errors_are_readable_by_the_extra_origins_too() -> None:
    """With CorsExtraOrigins the handler allows more origins; a throttled or WAF-blocked request
    (answered by API Gateway itself) must be readable by them as well: the header echoes the
    request's Origin (a gateway response cannot hold a list)."""
    template = transformed("prod", CorsExtraOrigins="https://preview.latticesurgery.com")
    extra = {"CorsExtraOrigins": "https://preview.latticesurgery.com"}
    for header in gateway_response_origins(template, **extra):
        assert header == "method.request.header.Origin"


def test_routes_proxy_to_the_alias(stage: str) -> None:
    template, _ = settings(stage)
    _, api = one(template, "AWS::ApiGateway::RestApi")
    alias_id, _ = one(template, "AWS::Lambda::Alias")
    paths = api["Properties"]["Body"]["paths"]
    assert set(paths) == {"/compile", "/v2/{proxy+}", "/health"}
    for path in paths.values():
        integration = path["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        assert f"${{{alias_id}}}" in integration["uri"]["Fn::Sub"]
    permissions = of_type(template, "AWS::Lambda::Permission")
    assert len(permissions) == len(paths)
    for permission in permissions.values():
        assert permission["Properties"]["FunctionName"] == {"Ref": alias_id}


def test_gzip_and_base64_bodies_pass_through(stage: str) -> None:
    """The handler returns base64 bodies (gzip or JSON) with isBase64Encoded; API Gateway decodes
    them only for binary media types, so all types are binary, and it adds no compression."""
    template, _ = settings(stage)
    _, api = one(template, "AWS::ApiGateway::RestApi")
    assert api["Properties"]["Body"]["x-amazon-apigateway-binary-media-types"] == ["*/*"]
    assert "MinimumCompressionSize" not in api["Properties"]


def test_stage_is_throttled_traced_and_access_logged(stage: str) -> None:
    template, parameters = settings(stage)
    _, api_stage = one(template, "AWS::ApiGateway::Stage")
    properties = api_stage["Properties"]
    assert resolve(properties["StageName"], template, parameters) == stage
    assert properties["TracingEnabled"] is True
    (method,) = properties["MethodSettings"]
    assert (method["ResourcePath"], method["HttpMethod"]) == ("/*", "*")
    rate = resolve(method["ThrottlingRateLimit"], template, parameters)
    burst = resolve(method["ThrottlingBurstLimit"], template, parameters)
    assert 0 < rate <= burst
    assert method["DataTraceEnabled"] is False  # never log request bodies
    destination = properties["AccessLogSetting"]["DestinationArn"]
    log_group = template["Resources"][destination["Fn::GetAtt"][0]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert "$context.requestId" in properties["AccessLogSetting"]["Format"]


def test_prod_is_throttled_no_lower_than_dev() -> None:
    limits = {}
    for stage in ("dev", "prod"):
        template, parameters = settings(stage)
        (method,) = one(template, "AWS::ApiGateway::Stage")[1]["Properties"]["MethodSettings"]
        limits[stage] = resolve(method["ThrottlingRateLimit"], template, parameters)
    assert limits["prod"] >= limits["dev"]


def test_every_log_group_has_retention(stage: str) -> None:
    template, parameters = settings(stage)
    groups = of_type(template, "AWS::Logs::LogGroup")
    assert len(groups) == 4  # the function's, the API's access logs, the worker's, the hook's
    for group in groups.values():
        retention = resolve(group["Properties"]["RetentionInDays"], template, parameters)
        assert retention in LOG_RETENTION_VALUES
    logging = function(template)["LoggingConfig"]["LogGroup"]
    assert template["Resources"][logging["Ref"]]["Type"] == "AWS::Logs::LogGroup"


def _statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, role in of_type(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found += [(name, s) for s in policy["PolicyDocument"]["Statement"]]
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else actions


def test_no_wildcard_iam_actions(stage: str) -> None:
    template, _ = settings(stage)
    statements = _statements(template)
    assert statements
    for role, statement in statements:
        for action in _actions(statement):
            assert "*" not in action, f"{role} allows {action}"
        assert "NotAction" not in statement


def test_function_role_is_least_privilege(stage: str) -> None:
    template, _ = settings(stage)
    role_id = function(template)["Role"]["Fn::GetAtt"][0]
    role = template["Resources"][role_id]["Properties"]
    assert "ManagedPolicyArns" not in role  # the old stack attached AWSLambda_ReadOnlyAccess
    granted = set()
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            granted |= set(_actions(statement))
            if statement["Resource"] == "*":  # only for actions without resource-level scope
                assert set(_actions(statement)) <= {
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                }
    assert granted == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }


def test_outputs_name_the_api_the_function_and_the_alias(stage: str) -> None:
    template, _ = settings(stage)
    outputs = template["Outputs"]
    api_id, _ = one(template, "AWS::ApiGateway::RestApi")
    alias_id, _ = one(template, "AWS::Lambda::Alias")
    function_id = COMPILE_FUNCTION
    url = outputs["ApiUrl"]["Value"]["Fn::Sub"]
    assert url.startswith(f"https://${{{api_id}}}.execute-api.")
    assert url.endswith("/${Stage}")  # the stage included, no trailing slash
    assert outputs["FunctionName"]["Value"] == {"Ref": function_id}
    assert outputs["AliasArn"]["Value"] == {"Ref": alias_id}


def test_custom_domain_is_absent_by_default_and_complete_when_given() -> None:
    template = transformed("prod")
    parameters = load(TEMPLATE)["Parameters"]
    assert parameters["DomainName"]["Default"] == ""
    conditions = template["Conditions"]
    assert conditions["HasDomain"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DomainName"}, ""]}]}
    domain_id, domain = one(template, "AWS::ApiGateway::DomainName")
    _, mapping = one(template, "AWS::ApiGateway::BasePathMapping")
    records = of_type(template, "AWS::Route53::RecordSet")
    assert domain["Condition"] == mapping["Condition"] == "HasDomain"
    assert {r["Condition"] for r in records.values()} == {"HasHostedZone"}
    assert {r["Properties"]["Type"] for r in records.values()} == {"A", "AAAA"}
    assert domain["Properties"]["SecurityPolicy"] == "TLS_1_2"
    assert mapping["Properties"]["DomainName"] == {"Ref": domain_id}
    _, api_stage = one(template, "AWS::ApiGateway::Stage")
    stage_id = next(k for k, v in template["Resources"].items() if v is api_stage)
    assert mapping["Properties"]["Stage"] == {"Ref": stage_id}
    assert template["Outputs"]["CustomDomainUrl"]["Condition"] == "HasDomain"


def test_one_api_stage_per_stack(stage: str) -> None:
    """SAM's implicit stage "Stage" (a Deployment with StageName) would serve /Stage/compile
    with no throttling, access logs, tracing or 5xx alarm."""
    template, parameters = settings(stage)
    _, api_stage = one(template, "AWS::ApiGateway::Stage")
    assert resolve(api_stage["Properties"]["StageName"], template, parameters) == stage
    for deployment in of_type(template, "AWS::ApiGateway::Deployment").values():
        assert "StageName" not in deployment["Properties"]


def test_any_property_change_publishes_a_new_version(stage: str) -> None:
    """A new tracing mode, limit or image command reaches `live` (through CodeDeploy) even with
    the same image: the version's logical id hashes every function property."""
    template = load(TEMPLATE)

    def version(source: dict[str, Any]) -> str:
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        values = {"Stage": stage, "ImageUri": IMAGE}
        result = transform(copy.deepcopy(source), values, _NoManagedPolicies())
        return one(result, "AWS::Lambda::Version")[0]

    before, _ = one(transformed(stage), "AWS::Lambda::Version")
    assert version(template) == before
    traced = copy.deepcopy(template)
    traced["Resources"]["CompileFunction"]["Properties"]["Tracing"] = "PassThrough"
    assert version(traced) != before
    limits = copy.deepcopy(template)
    limits["Resources"]["CompileFunction"]["Properties"]["Environment"]["Variables"][
        "LSC_MAX_QUBITS"
    ] = "30"
    assert version(limits) != before
    fingerprint = copy.deepcopy(template)
    fingerprint["Resources"]["CompileFunction"]["Properties"]["Tags"]["settings"] = "x"
    assert version(fingerprint) != before
    assert template["Resources"]["CompileFunction"]["Properties"]["AutoPublishAliasAllProperties"]


def settings_digest(template: dict[str, Any]) -> str:
    parameters = template["Parameters"]
    source = {
        "StageSettings": template["Mappings"]["StageSettings"],
        "CorsOrigin": parameters["CorsOrigin"]["Default"],
        "CorsExtraOrigins": parameters["CorsExtraOrigins"]["Default"],
    }
    return hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()[:12]


def test_the_version_hash_follows_stage_settings() -> None:
    """StageSettings (Timeout, time budget, ...) and the CORS defaults reach the function through
    !FindInMap and !Ref, which SAM hashes unresolved: the function's `settings` tag carries their
    digest, kept in step here."""
    template = load(TEMPLATE)
    digest = settings_digest(template)
    marker = template["Resources"]["CompileFunction"]["Properties"]["Tags"]["settings"]
    assert marker == digest, (
        f"StageSettings or a CORS default changed: set CompileFunction's settings tag to {digest}"
    )


BOUNDARY = {
    "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}"
    ":policy/${PermissionsBoundaryName}-${Stage}"
}


def test_every_role_carries_the_permissions_boundary(stage: str) -> None:
    """The execution role may create roles only with the bootstrap stack's boundary: every
    role of the stack, SAM-generated ones included, must carry it or the deploy is denied."""
    template, _ = settings(stage)
    roles = of_type(template, "AWS::IAM::Role")
    assert len(roles) >= 2  # the function's and CodeDeploy's
    for name, role in roles.items():
        assert role["Properties"].get("PermissionsBoundary") == BOUNDARY, name
    _, group = one(template, "AWS::CodeDeploy::DeploymentGroup")
    assert group["Properties"]["ServiceRoleArn"]["Fn::GetAtt"][0] in roles


def test_a_per_client_rate_limit_guards_the_stage_by_default(stage: str) -> None:
    template, _ = settings(stage)
    parameter = load(TEMPLATE)["Parameters"]["ClientRateLimit"]
    assert int(parameter["Default"]) > 0  # on unless a stage opts out with 0
    acl_id, acl = one(template, "AWS::WAFv2::WebACL")
    _, association = one(template, "AWS::WAFv2::WebACLAssociation")
    assert acl["Condition"] == association["Condition"] == "HasClientRateLimit"
    assert template["Conditions"]["HasClientRateLimit"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ClientRateLimit"}, 0]}]
    }
    (rule,) = acl["Properties"]["Rules"]
    assert rule["Action"] == {"Block": {}}
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == {"Ref": "ClientRateLimit"}
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    stage_id, _ = one(template, "AWS::ApiGateway::Stage")
    api_id, _ = one(template, "AWS::ApiGateway::RestApi")
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith(f"::/restapis/${{{api_id}}}/stages/${{{stage_id}}}")


def test_each_caller_gets_its_own_copy_of_the_transformed_template() -> None:
    """The transform runs once per stage (cached); a test that edits its template (the linter
    tests move skips between resources) must not change what the next test gets: found by
    `make flakecheck`, where the random order ran the linter tests twice in one worker."""
    first = transformed("dev")
    first["Resources"].clear()
    assert transformed("dev")["Resources"], "an edit reached the cached template"
