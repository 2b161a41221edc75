"""CodeDeploy's PreTraffic hook (the image's third entry point, `pretraffic.lambda_handler`):
before any traffic moves to the new version, compile a few circuits on it through the handler's
own API Gateway events, and report Succeeded only if each answers 200 with a compiled document.
A failure stops the deployment: the alias never points at a version that answers 500."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(service="lattice-surgery-pretraffic")

EXAMPLE = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\n'
    "h q[0];\ncx q[0],q[1];\nh q[0];\nt q[1];\ns q[0];\nx q[0];\n"
)
# (method, path, body): the web client's contract (Litinski mode) and the /v2 API.
CHECKS: tuple[tuple[str, str, dict[str, Any] | None], ...] = (
    ("GET", "/health", None),
    ("POST", "/compile", {"circuit": EXAMPLE, "apply_litinski_transform": True}),
    ("POST", "/v2/compile", {"circuit": EXAMPLE}),
    ("POST", "/v2/compile", {"circuit": EXAMPLE.replace("t q[1];", "t q[1];\ncx q[1],q[0];")}),
)

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def proxy_event(method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
    """An API Gateway REST proxy event as the stage sends it."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": "application/json", "accept": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": {
            "requestId": "pretraffic",
            "stage": "pretraffic",
            "identity": {"sourceIp": "127.0.0.1"},
            "path": path,
            "httpMethod": method,
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def _document(response: dict[str, Any]) -> Any:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        import base64
        import gzip

        raw = base64.b64decode(body)
        body = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    document = json.loads(body)
    return json.loads(document) if isinstance(document, str) else document  # /compile: twice


def failures(invoke: Invoke) -> list[str]:
    """What went wrong, one line per failed check (empty: the version is fit for traffic)."""
    found = []
    for method, path, body in CHECKS:
        try:
            response = invoke(proxy_event(method, path, body))
            status = response.get("statusCode")
            if status != 200:
                found.append(f"{method} {path}: HTTP {status}: {str(response.get('body'))[:200]}")
                continue
            if path != "/health" and not _document(response).get("slices"):
                found.append(f"{method} {path}: no compiled slices in the answer")
        except Exception as exc:  # any failure of the new version fails the hook
            found.append(f"{method} {path}: {type(exc).__name__}: {exc}")
    return found


def lambda_invoker(function: str) -> Invoke:
    import boto3

    client = boto3.client("lambda")

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        answer = client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
        payload = json.loads(answer["Payload"].read())
        if answer.get("FunctionError"):
            raise RuntimeError(f"the function failed: {payload}")
        return payload

    return invoke


def report(deployment: str, execution: str, succeeded: bool) -> None:
    import boto3

    boto3.client("codedeploy").put_lifecycle_event_hook_execution_status(
        deploymentId=deployment,
        lifecycleEventHookExecutionId=execution,
        status="Succeeded" if succeeded else "Failed",
    )


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any, invoke: Invoke | None = None) -> str:
    version = os.environ["LSC_NEW_VERSION"]  # the version CodeDeploy is about to shift to
    found = failures(invoke or lambda_invoker(version))
    for line in found:
        logger.error("pre-traffic check failed", extra={"version": version, "check": line})
    if not found:
        logger.info("pre-traffic checks passed", extra={"version": version, "checks": len(CHECKS)})
    report(event["DeploymentId"], event["LifecycleEventHookExecutionId"], not found)
    return "Succeeded" if not found else "Failed"
