"""Issue 21's table, row by row, on both compile routes (the handler in process): each hostile
circuit is answered with a 4xx that names its line and problem, before qiskit parses it (so
before anything is unrolled or compiled), with no file opened, within a second of CPU."""

from __future__ import annotations

import json
import time

import pytest

from compile_service import circuit_check, lowering, qasm_scan
from compile_service.engines import lsqecc as compiler
from compile_service.errors import InvalidCircuit, ServiceError
from compile_service.settings import load_limits
from tests.hardening.file_guard import opened_files, unexpected
from tests.hardening.hostile_inputs import (
    TABLE,
    Hostile,
    doubling_bomb,
    huge_register,
    many_parameters,
)

ROUTES = ("/v2/compile", "/compile")
# The bound on the CPU a refusal may take; they take milliseconds (the 75 kB body of
# 3000 nested definitions the most: about 30 ms).
REFUSAL_CPU_SECONDS = 1.0


@pytest.fixture
def calls(monkeypatch):
    """The stages a request reached: "parse" (qiskit), "lower", "compile"."""
    reached: list[str] = []

    def spy(module, name, stage):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            reached.append(stage)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(circuit_check, "_parse", "parse")
    spy(lowering, "lower", "lower")
    spy(compiler, "compile_qasm", "compile")
    return reached


def message(route: str, result: dict) -> str:
    if route == "/compile":
        return result["body"]
    return json.loads(result["body"])["error"]["message"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_each_row_is_refused_before_parsing(invoke, calls, route: str, row: Hostile):
    # Once before measuring: lazy imports, and the source lines Powertools' Tracer reads to log
    # the refusal's traceback (test_no_file_is_opened.py says more).
    invoke("POST", route, {"circuit": row.circuit})
    calls.clear()
    started = time.process_time()
    with opened_files() as opened:
        result = invoke("POST", route, {"circuit": row.circuit})
    cpu = time.process_time() - started
    assert result["statusCode"] in (400, 422), result["body"][:300]
    text = message(route, result)
    assert row.says in text and "line " in text, text
    assert calls == [], f"reached {calls} before refusing"
    assert unexpected(opened) == []
    assert cpu < REFUSAL_CPU_SECONDS, f"{cpu:.2f} s of CPU before refusing"


def test_the_bombs_name_their_expanded_size(invoke):
    by_name = {row.name: row for row in TABLE}
    v2 = invoke("POST", "/v2/compile", {"circuit": by_name["bomb_2_20"].circuit})
    assert "1 048 576 operations" in message("/v2/compile", v2)
    legacy = invoke("POST", "/compile", {"circuit": by_name["bomb_2_40"].circuit})
    assert "1 099 511 627 776 operations" in message("/compile", legacy)


# Defence in depth: with the scanner out of the way, what it refuses is still a 4xx from the
# parser or the lowering, and still no file is read. (Not the bombs: unrolled, they take the
# time budget, which is what the scanner is for.)
UNSCANNED = [row for row in TABLE if not row.name.startswith("bomb")]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("row", UNSCANNED, ids=lambda row: row.name)
def test_without_the_scanner_each_row_is_still_a_4xx(invoke, monkeypatch, route, row):
    monkeypatch.setattr(qasm_scan, "scan", lambda source, limits: None)
    invoke("POST", route, {"circuit": row.circuit})  # warm, as above
    with opened_files() as opened:
        result = invoke("POST", route, {"circuit": row.circuit})
    assert 400 <= result["statusCode"] < 500, result["body"][:300]
    assert unexpected(opened) == []


def test_a_parser_panic_becomes_invalid_circuit():
    """qiskit's Rust parser panics on a register over 2^64; pyo3's PanicException is a
    BaseException that `except Exception` misses."""
    with pytest.raises(InvalidCircuit, match="parser gave up"):
        circuit_check._parse(huge_register())


def test_the_time_budget_still_passes_through_the_parser_boundary(monkeypatch):
    """The boundary converts panics, not every BaseException: the budget's expiry must reach
    the budget."""

    class Expired(BaseException):
        pass

    def expire(*args, **kwargs):
        raise Expired

    monkeypatch.setattr(circuit_check.qasm2, "loads", expire)
    with pytest.raises(Expired):
        circuit_check._parse("OPENQASM 2.0;")


@pytest.mark.parametrize(
    "body",
    [
        # Overflows only once evaluated: the numbers are small, the results are not.
        "rz(exp(1000)) q[0];",
        "rz(1000000^60) q[0];",
        "gate big(a) x { rz(exp(a)) x; }\nbig(1000) q[0];",
        "gate root(a) x { rz(sqrt(a)) x; }\nroot(-1) q[0];",
        # Infinite only inside a definition (found by reading, not by the fuzzer, which now
        # generates such products).
        f"gate g(a) x {{ rz(a*{'*'.join(['1000000'] * 54)}) x; }}\ng(1) q[0];",
        f"gate g(a) x {{ rz(a) x; }}\ng({'*'.join(['1000000'] * 54)}) q[0];",
        f"gate g(a) x {{ rz(a*{'*'.join(['1000000'] * 54)}) x; h x; }}\ng(1) q[0];",
    ],
)
@pytest.mark.parametrize("route", ROUTES)
def test_expressions_that_overflow_are_a_4xx(invoke, route, body):
    circuit = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\n' + body + "\n"
    result = invoke("POST", route, {"circuit": circuit})
    assert 400 <= result["statusCode"] < 500, result["body"][:300]


def test_the_lowering_refuses_what_it_cannot_evaluate():
    """1000 parameters summed, with the scanner's limits raised: the lowering's recursion is a
    4xx, not a 500."""
    import dataclasses

    limits = dataclasses.replace(load_limits(), max_gate_parameters=2000, max_expression_size=2000)
    from compile_service import service

    with pytest.raises(ServiceError) as refused:
        service.prepare(many_parameters(1000), True, limits)
    assert 400 <= refused.value.status < 500


# Just under the scanner's limit (20000 operations unrolled), the lowering does the unrolling; it
# stops as soon as the operations it keeps pass max_gates, and computes each distinct
# single-qubit matrix once.
NEAR_THE_LIMIT = {
    "doubling_h_2_14": doubling_bomb(14),
    "c4x_145": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[5];\n'
    + "c4x q[0],q[1],q[2],q[3],q[4];\n" * 145,
    "u3_3990": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\n'
    + "u3(0.1,0.2,0.3) q[0];\nu3(0.2,0.2,0.3) q[1];\n" * 1995,
}


@pytest.mark.parametrize("name", sorted(NEAR_THE_LIMIT))
def test_near_the_scanners_limit_the_lowering_refuses_within_a_second(name):
    from compile_service import service

    source = NEAR_THE_LIMIT[name]
    limits = load_limits()
    assert qasm_scan.scan(source, limits).operations <= limits.max_expanded_operations
    started = time.process_time()
    with pytest.raises(ServiceError) as refused:
        service.prepare(source, True, limits)
    cpu = time.process_time() - started
    assert refused.value.status == 422 and "more than 2000 operations" in refused.value.message
    assert cpu < REFUSAL_CPU_SECONDS, f"{cpu:.2f} s of CPU before refusing"
