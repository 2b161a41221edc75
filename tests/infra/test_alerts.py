"""Someone is told (issue 20, item 7) and the canary sees what users see (item 6): every alarm
of each stage stack notifies the bootstrap stack's alerts topic; the worker and its queue have
alarms; a dashboard names the stage's functions and queues; the PreTraffic hook runs before
CodeDeploy moves any traffic, with a role that may invoke only the stage's versions."""

from __future__ import annotations

import json

from tests.infra.conftest import of_type, one, transformed

TOPIC = {"Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${AlertsTopicName}"}


def test_every_alarm_notifies_the_alerts_topic(stage: str) -> None:
    alarms = of_type(transformed(stage), "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 9
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [TOPIC], name


def test_the_worker_and_its_queue_are_watched(stage: str) -> None:
    alarms = of_type(transformed(stage), "AWS::CloudWatch::Alarm")
    watched = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values()
    }
    assert {
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("AWS/SQS", "NumberOfMessagesReceived"),
    } <= watched
    of_worker = {"Name": "FunctionName", "Value": {"Ref": "WorkerFunction"}}
    worker = [a for a in alarms.values() if of_worker in a["Properties"]["Dimensions"]]
    assert {a["Properties"]["MetricName"] for a in worker} == {"Errors", "Throttles"}


def test_the_dashboard_shows_the_stage() -> None:
    _, dashboard = one(transformed("prod"), "AWS::CloudWatch::Dashboard")
    body, names = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    assert names == {
        "Function": {"Ref": "CompileFunction"},
        "Worker": {"Ref": "WorkerFunction"},
        "Queue": {"Fn::GetAtt": ["JobsQueue", "QueueName"]},
        "DeadLetters": {"Fn::GetAtt": ["JobsDeadLetterQueue", "QueueName"]},
    }
    filled = body
    for key in ("AWS::Region", "Stage", "Function", "Worker", "Queue", "DeadLetters"):
        filled = filled.replace("${" + key + "}", "x")
    widgets = json.loads(filled)["widgets"]  # valid JSON once CloudFormation substitutes
    metrics = {m[1] for w in widgets for m in w["properties"]["metrics"] if m[0] != "."}
    assert {"Count", "Invocations", "ServerErrors", "Duration"} <= metrics


def test_the_pretraffic_hook_runs_before_traffic_moves(stage: str) -> None:
    template = transformed(stage)
    _, alias = one(template, "AWS::Lambda::Alias")
    update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert update["BeforeAllowTrafficHook"] == {"Ref": "PreTrafficHookFunction"}
    hook = template["Resources"]["PreTrafficHookFunction"]["Properties"]
    assert hook["ImageConfig"]["Command"] == ["pretraffic.lambda_handler"]
    (version_id, _) = one(template, "AWS::Lambda::Version")
    assert hook["Environment"]["Variables"]["LSC_NEW_VERSION"] == {"Ref": version_id}
    # CodeDeploy's managed policy invokes only CodeDeployHook_*: the stage's role names the hook
    role = load_role(template, "DeploymentRole")
    (statement,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"]["Fn::Sub"].endswith(
        ":function:lattice-surgery-${Stage}-pretraffic"
    )


def load_role(template: dict, name: str) -> dict:
    return template["Resources"][name]["Properties"]
