"""`lsctl invoke`: the request it sends and how it shows the answer.

moto cannot run a container-image Lambda without Docker, so the Lambda client here is driven by
botocore's Stubber. The event the command builds is handed to the real handler
(function/app.py), and what the handler returned is what the stub answers with: the request
building and the output handling are both checked against the real service, not a made-up one.
"""

from __future__ import annotations

import base64
import gzip
import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from lsctl.deploy import session
from lsctl.local.lambda_fakes import LambdaContext, lambda_environment

from .helpers import create_stack


def streaming(payload: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(payload), len(payload))


@pytest.fixture
def lam(monkeypatch, aws):
    """A stubbed Lambda client handed to the command; records what invoke sent."""
    client = boto3.client("lambda", region_name="us-east-1")
    sent: list[dict] = []
    client.meta.events.register(
        "provide-client-params.lambda.Invoke", lambda params, **_: sent.append(dict(params))
    )
    real_client = session.client
    monkeypatch.setattr(
        session,
        "client",
        lambda service, region=None: (
            client if service == "lambda" else real_client(service, region)
        ),
    )
    stub = Stubber(client)
    stub.activate()
    yield stub, sent
    stub.deactivate()


def handler_answer(event: dict, monkeypatch) -> dict:
    """What function/app.py returns for the event (the real handler, in-process)."""
    for name, value in lambda_environment("lattice-surgery-test").items():
        monkeypatch.setenv(name, value)
    import app

    return app.lambda_handler(event, LambdaContext("lattice-surgery-test", "test-request-id"))


def test_a_request_built_from_the_path_reaches_the_handler(lsctl, lam, monkeypatch, aws):
    stub, sent = lam
    create_stack(aws("cloudformation"), "lattice-surgery-dev", {"FunctionName": "fn-dev"})
    # 1. The event the command builds for GET /health ...
    stub.add_response("invoke", {"StatusCode": 200, "Payload": streaming(b"{}")})
    assert lsctl("invoke", "--stage", "dev", "--path", "/health").code == 0
    assert sent[0]["FunctionName"] == "fn-dev"
    assert sent[0]["Qualifier"] == "live"
    assert "LogType" not in sent[0]
    event = json.loads(sent[0]["Payload"])
    assert event["httpMethod"] == "GET" and event["path"] == "/health"
    # 2. ... is one the real handler answers; that answer is what the command must show.
    health = handler_answer(event, monkeypatch)
    assert health["statusCode"] in (200, 503), health
    stub.add_response(
        "invoke",
        {
            "StatusCode": 200,
            "ExecutedVersion": "7",
            "Payload": streaming(json.dumps(health).encode()),
        },
    )
    result = lsctl("invoke", "--stage", "dev", "--path", "/health")
    stub.assert_no_pending_responses()
    assert "invoked fn-dev:live: status 200, version 7" in result.out
    assert f"HTTP {health['statusCode']}" in result.out
    assert '"limits":' in result.out  # the /health document, decoded
    assert result.code == (0 if health["statusCode"] < 500 else 1), result.text  # 503: no compiler


def test_a_post_body_and_headers_go_into_the_event(lsctl, lam, monkeypatch, tmp_path):
    stub, sent = lam
    stub.add_response("invoke", {"StatusCode": 200, "Payload": streaming(b"null")})
    body = tmp_path / "body.json"
    body.write_text('{"circuit": "OPENQASM 2.0;"}')
    result = lsctl(
        "invoke", "--function", "fn", "--qualifier", "3", "--method", "post",
        "--path", "/v2/compile", "--body", f"@{body}", "--header", "Accept-Encoding: gzip",
    )  # fmt: skip
    assert result.code == 0, result.text
    event = json.loads(sent[0]["Payload"])
    assert sent[0]["Qualifier"] == "3"
    assert event["httpMethod"] == "POST" and event["path"] == "/v2/compile"
    assert event["body"] == '{"circuit": "OPENQASM 2.0;"}'
    assert event["headers"]["accept-encoding"] == "gzip"
    assert event["headers"]["content-type"] == "application/json"
    # and the real handler takes it: a 400 naming the bad circuit, not a routing error
    answer = handler_answer(event, monkeypatch)
    assert answer["statusCode"] in (400, 422), answer


def test_an_event_file_is_sent_as_is(lsctl, lam, tmp_path):
    stub, sent = lam
    event = {"resource": "/health", "path": "/health", "httpMethod": "GET", "custom": [1, 2]}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    stub.add_response("invoke", {"StatusCode": 200, "Payload": streaming(b'{"plain": true}')})
    result = lsctl("invoke", "--function", "fn", "--event", str(path))
    assert result.code == 0, result.text
    assert json.loads(sent[0]["Payload"]) == event
    assert '"plain": true' in result.out


def test_a_gzipped_base64_body_is_shown_decoded(lsctl, lam):
    stub, _ = lam
    body = gzip.compress(json.dumps({"slices": [1, 2, 3]}).encode())
    result_payload = {
        "statusCode": 200,
        "multiValueHeaders": {"Content-Encoding": ["gzip"]},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }
    stub.add_response(
        "invoke", {"StatusCode": 200, "Payload": streaming(json.dumps(result_payload).encode())}
    )
    result = lsctl("invoke", "--function", "fn", "--path", "/v2/compile", "--method", "POST")
    assert result.code == 0, result.text
    assert '{"slices": [1, 2, 3]}' in result.out


def test_a_function_error_exits_1_with_the_error_and_log_tail(lsctl, lam):
    stub, sent = lam
    error = {"errorMessage": "Task timed out after 29.00 seconds", "errorType": "Sandbox.Timedout"}
    log = base64.b64encode(b"REPORT RequestId: 1 Duration: 29000.00 ms").decode()
    stub.add_response(
        "invoke",
        {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "LogResult": log,
            "Payload": streaming(json.dumps(error).encode()),
        },
    )
    result = lsctl("invoke", "--function", "fn", "--path", "/health", "--log-tail")
    assert result.code == 1
    assert "function error: Unhandled" in result.out
    assert "Task timed out after 29.00 seconds" in result.out
    assert "REPORT RequestId: 1 Duration: 29000.00 ms" in result.out
    assert sent[0]["LogType"] == "Tail"


def test_an_aws_error_is_one_line_naming_the_call(lsctl, lam):
    stub, _ = lam
    stub.add_client_error(
        "invoke", "ResourceNotFoundException", "Function not found: fn:live", http_status_code=404
    )
    result = lsctl("invoke", "--function", "fn", "--path", "/health")
    assert result.code == 1
    assert result.err == (
        "error: lambda.Invoke failed: ResourceNotFoundException: Function not found: fn:live\n"
    )


def test_a_bad_event_file_is_reported(lsctl, tmp_path):
    path = tmp_path / "event.json"
    path.write_text("{not json")
    result = lsctl("invoke", "--function", "fn", "--event", str(path))
    assert result.code == 1
    assert "is not JSON" in result.err
