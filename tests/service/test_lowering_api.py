"""What the routes say about the lowering: the /v2 `lowering` object and `precision` option, the
legacy route's X-Lowering header (its body unchanged). Runs without the compiler: the circuit
below lowers to exactly the recorded bell_pair circuit, whose real output the adapter replays."""

from __future__ import annotations

import json

import pytest

from tests.conftest import parse_compilation_text, read_compile_response
from tests.service.recorded import circuit
from tests.service.test_legacy_contract import body_bytes

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
# Two registers and whole-register measurement: lowers to tests/data/circuits/bell_pair.qasm.
TWO_REGISTERS = HEADER + (
    "qreg a[1];\nqreg b[1];\ncreg c[2];\nh a[0];\ncx a[0],b[0];\n"
    "measure a[0] -> c[0];\nmeasure b[0] -> c[1];\n"
)
REGISTER_MAP = {
    "register": "q",
    "from": [{"name": "a", "size": 1, "start": 0}, {"name": "b", "size": 1, "start": 1}],
}


def test_v2_reports_the_lowering(invoke, recorded_compiler):
    result = invoke("POST", "/v2/compile", {"circuit": TWO_REGISTERS})
    assert result["statusCode"] == 200, result["body"]
    assert recorded_compiler.calls[-1][0] == circuit("bell_pair")
    document = json.loads(result["body"])
    assert document["lowering"] == {
        "lowered": True,
        "rewritten": {},
        "dropped": {},
        "rotations_approximated": 0,
        "precision": None,
        "t_gates_added": 0,
        "error_bound": 0.0,
        "error_budget": None,
        "register_map": REGISTER_MAP,
    }
    assert document["stats"]["qubits"] == 2 and document["stats"]["gates"] == 4


def test_v2_reports_no_lowering_for_a_circuit_sent_as_it_is(invoke, recorded_compiler):
    result = invoke("POST", "/v2/compile", {"circuit": circuit("bell_pair")})
    assert json.loads(result["body"])["lowering"]["lowered"] is False


def test_legacy_text_notes_the_lowering_above_the_drawing_and_in_a_header(
    invoke, recorded_compiler
):
    lowered = invoke("POST", "/compile", {"circuit": TWO_REGISTERS})
    direct = invoke("POST", "/compile", {"circuit": circuit("bell_pair")})
    assert lowered["statusCode"] == direct["statusCode"] == 200
    lowered_doc = read_compile_response(body_bytes(lowered))
    direct_doc = read_compile_response(body_bytes(direct))
    assert lowered_doc["slices"] == direct_doc["slices"]
    note = (
        "Lowered to the compiler's gate set (drawn below as lowered):\n"
        "- no gate rewritten\n- registers a[1], b[1] merged into q\n\n"
    )
    header = "Input Circuit:\n"
    assert lowered_doc["compilation_text"] == direct_doc["compilation_text"].replace(
        header, header + note, 1
    )
    stages = parse_compilation_text(lowered_doc["compilation_text"])
    assert stages[0].name == "Input Circuit" and stages[0].content.startswith("Lowered to")
    assert [s.name for s in stages] == [
        s.name for s in parse_compilation_text(direct_doc["compilation_text"])
    ]
    assert json.loads(lowered["headers"]["X-Lowering"])["register_map"] == REGISTER_MAP
    assert json.loads(direct["headers"]["X-Lowering"])["lowered"] is False


def test_precision_null_refuses_rotations_that_need_approximating(invoke, recorded_compiler):
    source = HEADER + "qreg q[1];\nrz(0.3) q[0];\n"
    result = invoke("POST", "/v2/compile", {"circuit": source, "precision": None})
    assert result["statusCode"] == 422
    error = json.loads(result["body"])["error"]
    assert error["code"] == "unsupported_circuit"
    assert "rz(0.3)" in error["message"] and "precision" in error["message"]
    assert recorded_compiler.calls == []


@pytest.mark.parametrize("precision", [0, 1e-9, 0.5, "1e-3", True])
def test_precision_out_of_range_or_mistyped_is_a_bad_request(invoke, precision):
    source = HEADER + "qreg q[1];\nrz(0.3) q[0];\n"
    result = invoke("POST", "/v2/compile", {"circuit": source, "precision": precision})
    assert result["statusCode"] == 400
    error = json.loads(result["body"])["error"]
    assert error["code"] == "invalid_request" and "precision" in error["message"]


def test_limits_apply_to_the_lowered_circuit(invoke, recorded_compiler, set_limits):
    set_limits(max_gates=60)
    body = "".join(f"rz(0.{i + 1}) q[0];\nh q[0];\n" for i in range(5))
    result = invoke("POST", "/v2/compile", {"circuit": HEADER + "qreg q[1];\n" + body})
    assert result["statusCode"] == 422
    error = json.loads(result["body"])["error"]
    assert error["code"] == "circuit_too_large"
    assert "lowered" in error["message"] and "at most 60" in error["message"]
    assert "coarser precision" in error["message"]
    assert recorded_compiler.calls == []


def test_the_web_client_may_read_the_lowering_header(invoke):
    result = invoke(
        "OPTIONS",
        "/compile",
        headers={"Origin": "https://latticesurgery.com", "Access-Control-Request-Method": "POST"},
    )
    exposed = result["headers"].get("Access-Control-Expose-Headers", "")
    assert "X-Lowering" in exposed
