"""Property: whatever the body and whatever the circuit, the handler answers 2xx or a 4xx with a
message (plain text on /compile, JSON {"error": {"code", "message"}} on /v2/compile), never a 5xx.

Without the compiler, a request that passes validation answers 503 (and only then is a 5xx
accepted). Limits are lowered so that every compile the fuzzer reaches is small and fast.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import COMPILER_PRESENT, decoded
from tests.hardening.hardening_strategies import (
    HARDENING,
    MAX_GATES,
    MAX_QUBITS,
    circuits,
    json_values,
    mutated,
    qasm_programs,
)

ROUTES = ("/compile", "/v2/compile")


@pytest.fixture
def handler(invoke, monkeypatch):
    """`invoke` with this deployment's limits lowered (LSC_MAX_QUBITS=8, LSC_MAX_GATES=40)."""
    from compile_service import api

    small = dataclasses.replace(api.limits, max_qubits=MAX_QUBITS + 2, max_gates=MAX_GATES + 10)
    monkeypatch.setattr(api, "limits", small)
    return invoke


def body_text(result: dict) -> str:
    return decoded(result).text


def content_type(result: dict) -> str:
    return decoded(result).header("content-type") or ""


def assert_answered(route: str, result: dict) -> None:
    """A 2xx, or a 4xx (503 only without the compiler) carrying a readable message."""
    status = int(result["statusCode"])
    text = body_text(result)
    if 200 <= status < 300:
        return
    if status == 503:
        assert not COMPILER_PRESENT, f"503 with the compiler present: {text}"
    else:
        assert 400 <= status < 500, f"{route} answered {status}: {text}"
    if route == "/compile":
        assert content_type(result).startswith("text/plain"), content_type(result)
        assert text.strip(), "empty error message"
        assert not text.lstrip().startswith("{"), f"JSON error on the legacy route: {text}"
    else:
        assert content_type(result).startswith("application/json"), content_type(result)
        error = json.loads(text)["error"]
        assert error["code"] and isinstance(error["code"], str)
        assert error["message"] and isinstance(error["message"], str)


@settings(HARDENING, max_examples=100)
@given(route=st.sampled_from(ROUTES), value=json_values)
def test_any_json_value_is_answered(handler, route, value):
    assert_answered(route, handler("POST", route, json.dumps(value)))


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("body", [b"\xff", b'{"circuit": "\xff"}'], ids=["byte", "in-json"])
def test_a_body_that_is_not_utf8_is_answered(handler, route, body):
    assert_answered(route, handler("POST", route, body))


@settings(HARDENING, max_examples=100)
@given(route=st.sampled_from(ROUTES), body=st.binary(max_size=300))
@example(route="/compile", body=b"\x00")
@example(route="/v2/compile", body='{"circuit": "\u00e9"}'.encode())
def test_any_bytes_are_answered(handler, route, body):
    assert_answered(route, handler("POST", route, body))


request_fields = st.fixed_dictionaries(
    {},
    optional={
        "circuit": json_values | circuits,
        "circuit_source": st.sampled_from(["str", "file"]) | json_values,
        "apply_litinski_transform": st.booleans() | json_values,
        "litinski_transform": st.booleans() | json_values,
        "simulation_method": st.sampled_from(["StateVector", "LazyTensor"]) | json_values,
    },
)


@settings(HARDENING, max_examples=100)
@given(route=st.sampled_from(ROUTES), fields=request_fields)
@example(route="/compile", fields={"circuit": "x", "apply_litinski_transform": "false"})
def test_requests_with_the_real_fields_are_answered(handler, route, fields):
    assert_answered(route, handler("POST", route, json.dumps(fields)))


def compile_request(route: str, circuit: str, transform: bool) -> dict:
    key = "apply_litinski_transform" if route == "/compile" else "litinski_transform"
    return {"circuit": circuit, key: transform}


@settings(HARDENING, max_examples=60)
@given(route=st.sampled_from(ROUTES), circuit=qasm_programs(), transform=st.booleans())
def test_generated_circuits_are_answered(handler, route, circuit, transform):
    assert_answered(route, handler("POST", route, compile_request(route, circuit, transform)))


@settings(HARDENING, max_examples=100)
@given(route=st.sampled_from(ROUTES), circuit=mutated(qasm_programs()), transform=st.booleans())
def test_mutated_circuits_are_answered(handler, route, circuit, transform):
    assert_answered(route, handler("POST", route, compile_request(route, circuit, transform)))


@settings(HARDENING, max_examples=100)
@given(route=st.sampled_from(ROUTES), circuit=st.text(max_size=300))
@example(route="/compile", circuit="")
@example(route="/v2/compile", circuit="OPENQASM 2.0;")
def test_random_text_circuits_are_answered(handler, route, circuit):
    assert_answered(route, handler("POST", route, compile_request(route, circuit, True)))


def test_the_grammar_reaches_the_compiler():
    """Guard against a fuzzer that only ever exercises the validator: at least a quarter of the
    generated programs pass validation (and so are compiled in the tests above)."""
    from compile_service import circuit_check, errors
    from compile_service.settings import load_limits

    outcomes = []

    @settings(HARDENING, max_examples=100)
    @given(circuit=qasm_programs())
    def sample(circuit):
        try:
            circuit_check.check(circuit, load_limits())
            outcomes.append(True)
        except errors.ServiceError:
            outcomes.append(False)

    sample()
    assert sum(outcomes) >= len(outcomes) / 4, f"{sum(outcomes)} of {len(outcomes)} valid"
