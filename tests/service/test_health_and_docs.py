"""GET /health, the OpenAPI document, structured logs, and what happens without a compiler."""

from __future__ import annotations

import json
import platform

from compile_service.engines import lsqecc as compiler
from tests.conftest import REPO
from tests.service.recorded import circuit


def test_health_without_compiler_says_how_to_fix_it(invoke, no_compiler, monkeypatch):
    monkeypatch.setenv("LSC_GIT_COMMIT", "abc1234")
    result = invoke("GET", "/health")
    health = json.loads(result["body"])
    assert result["statusCode"] == 503
    assert health["status"] == "degraded"
    assert health["compiler"]["compiler_commit"] == "missing"
    assert "git submodule update --init --recursive" in health["compiler"]["reason"]
    assert health["python"] == platform.python_version()
    assert set(health["limits"]) == {
        "max_body_bytes",
        "max_qubits",
        "max_gates",
        "compile_seconds",
        "max_response_bytes",
        "max_predicted_seconds",
        "max_predicted_megabytes",
        "max_expanded_operations",
        "max_gate_nesting",
        "max_gate_parameters",
        "max_expression_size",
        "max_classical_bits",
        "max_angle",
    }


def test_compile_routes_answer_503_without_compiler(invoke, no_compiler):
    legacy = invoke("POST", "/compile", {"circuit": circuit("bell_pair")})
    assert legacy["statusCode"] == 503
    assert "git submodule update --init --recursive" in legacy["body"]
    v2 = invoke("POST", "/v2/compile", {"circuit": circuit("bell_pair")})
    assert v2["statusCode"] == 503
    assert json.loads(v2["body"])["error"]["code"] == "compiler_unavailable"


def test_bad_input_is_still_a_4xx_without_compiler(invoke, no_compiler):
    assert invoke("POST", "/v2/compile", {"circuit": "nope"})["statusCode"] == 400


def test_openapi_document_is_served_as_committed(invoke):
    served = invoke("GET", "/v2/openapi.json")
    document = json.loads(served["body"])
    assert served["statusCode"] == 200
    assert served["body"] == (REPO / "function" / "compile_service" / "openapi.json").read_text()
    assert set(document["paths"]) == {
        "/compile",
        "/v2/compile",
        "/v2/jobs",
        "/v2/jobs/{job_id}",
        "/v2/jobs/{job_id}/result",
        "/health",
        "/v2/openapi.json",
    }
    request = document["components"]["schemas"]["LegacyCompileRequest"]
    assert request["properties"]["apply_litinski_transform"]["type"] == "boolean"
    assert request["required"] == ["circuit"]


def test_logs_are_structured_and_never_carry_the_event_or_environment(
    invoke, recorded_compiler, log_records, monkeypatch
):
    monkeypatch.setenv("SECRET_LOOKING_VARIABLE", "s3cr3t-value")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    invoke("POST", "/v2/compile", {"circuit": circuit("readme_example")})
    records = log_records()
    compiled = next(r for r in records if r["message"] == "compiled")
    assert compiled["qubits"] == 2 and compiled["gates"] == 6
    assert compiled["compile_ms"] >= 0 and compiled["json_bytes"] > 0
    assert compiled["function_request_id"] == "test-request-id"
    assert compiled["correlation_id"]
    everything = json.dumps(records)
    assert "s3cr3t-value" not in everything
    assert "cx q[0],q[1]" not in everything  # no circuit text, no event bodies


def test_unknown_compiler_failures_are_422_with_the_compilers_words(
    invoke, recorded_compiler, monkeypatch
):
    def broken(*args, **kwargs):
        raise Exception("Could not allocate ancilla")

    monkeypatch.setattr(recorded_compiler, "compile_str", broken)
    result = invoke("POST", "/v2/compile", {"circuit": circuit("bell_pair")})
    error = json.loads(result["body"])["error"]
    assert result["statusCode"] == 422 and error["code"] == "compile_failed"
    assert "Could not allocate ancilla" in error["message"]
    assert "fewer simultaneous" in error["message"]


def test_a_bug_of_ours_is_a_500_with_a_request_id_and_no_traceback(invoke, monkeypatch):
    from compile_service import service

    def bug(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(service, "compile_circuit", bug)
    result = invoke("POST", "/v2/compile", {"circuit": circuit("bell_pair")})
    assert result["statusCode"] == 500
    message = json.loads(result["body"])["error"]["message"]
    assert "test-request-id" in message and "oops" not in message


def test_explain_maps_every_known_upstream_message():
    for needle in compiler._KNOWN_MESSAGES:
        assert compiler._explain(Exception(f"{needle} something")).startswith(
            "the compiler rejected the circuit"
        )
    assert "TypeError" in compiler._explain(TypeError("strange"))
