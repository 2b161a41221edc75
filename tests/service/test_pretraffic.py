"""CodeDeploy's PreTraffic hook (function/pretraffic.py) runs the handler's own API Gateway
events on the new version before traffic moves: a version that compiles passes, one that answers
500 fails the deployment; either way CodeDeploy is told (the request checked against botocore's
model by its Stubber). A 500 the handler answers is counted per version (ServerErrors), which the
canary's alarm watches."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tests.conftest import CONTEXT


@pytest.fixture
def hook(invoke, monkeypatch: pytest.MonkeyPatch):
    """The hook module, with CodeDeploy stubbed and the version invoked in-process."""
    import app
    import pretraffic

    monkeypatch.setenv("LSC_NEW_VERSION", "arn:aws:lambda:us-east-1:123456789012:function:f:7")
    codedeploy = boto3.client("codedeploy", region_name="us-east-1")
    stub = Stubber(codedeploy)
    monkeypatch.setattr(boto3, "client", lambda service, **_: codedeploy)

    def run(expected: str) -> str:
        stub.add_response(
            "put_lifecycle_event_hook_execution_status",
            {"lifecycleEventHookExecutionId": "e-1"},
            {"deploymentId": "d-ABC", "lifecycleEventHookExecutionId": "e-1", "status": expected},
        )
        with stub:
            event = {"DeploymentId": "d-ABC", "LifecycleEventHookExecutionId": "e-1"}
            result = pretraffic.lambda_handler(
                event, CONTEXT, invoke=lambda e: app.lambda_handler(e, CONTEXT)
            )
            stub.assert_no_pending_responses()
        return result

    return run


@pytest.mark.compiler
def test_a_version_that_compiles_passes_the_hook(hook) -> None:
    assert hook("Succeeded") == "Succeeded"


def test_a_version_that_answers_500_fails_the_hook(hook, monkeypatch: pytest.MonkeyPatch) -> None:
    from compile_service import service

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the new version")

    monkeypatch.setattr(service, "compile_for_web_client", broken)
    monkeypatch.setattr(service, "compile_circuit", broken)
    assert hook("Failed") == "Failed"


def test_the_checks_name_each_failure() -> None:
    import pretraffic

    answers = iter([{"statusCode": 200, "body": "{}"}] + [{"statusCode": 500, "body": "x"}] * 9)
    found = pretraffic.failures(lambda event: next(answers))
    assert len(found) == len(pretraffic.CHECKS) - 1
    assert found[0].startswith("POST /compile: HTTP 500")


def test_a_500_is_counted_for_its_version(
    invoke, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import app

    monkeypatch.setattr(app, "METRICS_DISABLED", False)
    app.count_server_error({"statusCode": 200}, CONTEXT)
    assert "ServerErrors" not in capsys.readouterr().out
    app.count_server_error({"statusCode": 500}, CONTEXT)
    (line,) = [x for x in capsys.readouterr().out.splitlines() if "ServerErrors" in x]
    emf = json.loads(line)
    assert emf["ServerErrors"] == [1.0]
    assert emf["FunctionVersion"] == CONTEXT.function_version
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "LatticeSurgery"
    assert sorted(directive["Dimensions"][0]) == ["FunctionVersion", "service"]
