"""Every bad input gets a 4xx naming the problem before the compiler sees it (real qiskit)."""

from __future__ import annotations

import json

import pytest

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def program(body: str, registers: str = "qreg q[3];\ncreg c[3];\n") -> str:
    return HEADER + registers + body


CASES = [
    # (id, circuit, status, code, words in the message)
    ("empty", "", 400, "invalid_circuit", "empty"),
    ("blank", "  \n ", 400, "invalid_circuit", "empty"),
    ("not qasm", "hello world", 400, "invalid_circuit", "OPENQASM 2.0;"),
    ("syntax", program("h q[0]\n"), 400, "invalid_circuit", "invalid OpenQASM"),
    ("undefined register", program("h r[0];\n"), 400, "invalid_circuit", "invalid OpenQASM"),
    ("index out of range", program("h q[7];\n"), 400, "invalid_circuit", "invalid OpenQASM"),
    ("no header", 'include "qelib1.inc";\nqreg q[1];\nh q[0];\n', 400, "", "OPENQASM 2.0;"),
    ("OPENQASM 3", 'OPENQASM 3.0;\ninclude "qelib1.inc";\nqreg q[1];\nh q[0];\n', 400, "", "2.0"),
    ("no include", "OPENQASM 2.0;\nqreg q[1];\nh q[0];\n", 422, "unsupported_circuit", "qelib1"),
    (
        "include in comment",
        'OPENQASM 2.0;\n// include "qelib1.inc";\nqreg q[1];\n',
        422,
        "",
        "qelib1",
    ),
    ("reset", program("reset q[0];\n"), 422, "unsupported_circuit", "'reset'"),
    ("if", program("if(c==1) x q[0];\n"), 422, "unsupported_circuit", "'if'"),
    ("opaque", program("opaque g a;\ng q[0];\n"), 422, "unsupported_circuit", "'g' is an opaque"),
    ("no gates", program(""), 422, "unsupported_circuit", "no gates"),
    ("barrier only", program("barrier q;\n"), 422, "unsupported_circuit", "no gates"),
    ("id only", program("id q[0];\n"), 422, "unsupported_circuit", "no gates"),
    ("no qreg", program("", "creg c[1];\n"), 422, "unsupported_circuit", "no quantum register"),
    ("division by zero", program("rz(1/0) q[0];\n"), 400, "invalid_circuit", "invalid OpenQASM"),
]


@pytest.mark.parametrize(
    ("circuit", "status", "code", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_v2_rejects_with_json_error(invoke, recorded_compiler, circuit, status, code, words):
    result = invoke("POST", "/v2/compile", {"circuit": circuit})

    assert result["statusCode"] == status, result["body"]
    error = json.loads(result["body"])["error"]
    assert error["message"] and words in error["message"]
    if code:
        assert error["code"] == code
    assert recorded_compiler.calls == []  # refused before the compiler ran


@pytest.mark.parametrize(
    ("circuit", "status", "words"), [(c[1], c[2], c[4]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_legacy_rejects_with_plain_text(invoke, recorded_compiler, circuit, status, words):
    result = invoke("POST", "/compile", {"circuit_source": "str", "circuit": circuit})

    assert result["statusCode"] == status
    assert result["headers"]["Content-Type"].startswith("text/plain")
    assert words in result["body"] and "Traceback" not in result["body"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"circuit": "x", "apply_litinski_transform": True}, "unknown field"),
        ({"circuit": "x", "litinski_transform": "yes"}, "Expected `bool`"),
        ({"litinski_transform": True}, "missing required field `circuit`"),
        ("{", "not valid JSON"),
    ],
)
def test_v2_request_errors(invoke, body, words):
    result = invoke("POST", "/v2/compile", body)
    assert result["statusCode"] == 400
    error = json.loads(result["body"])["error"]
    assert error["code"] == "invalid_request" and words in error["message"]


@pytest.mark.parametrize("name", ["Circuit", "myLitinski"])
def test_legacy_refuses_register_names_that_break_the_client(invoke, recorded_compiler, name):
    circuit = HEADER + f"qreg q[1];\ncreg c{name}[1];\nh q[0];\n"
    result = invoke("POST", "/compile", {"circuit": circuit})
    assert result["statusCode"] == 422 and "rename the register" in result["body"]


ACCEPTED = [
    # Refused before the lowering existed; now rewritten into the compiler's gate set.
    ("y", program("y q[0];\n")),
    ("swap", program("swap q[0],q[1];\n")),
    ("u3", program("u3(0,0,pi/4) q[0];\n")),
    ("id", program("h q[0];\nid q[0];\n")),
    ("rz 0.3", program("rz(0.3) q[0];\n")),
    ("rz 3pi/4", program("rz(3*pi/4) q[0];\n")),
    ("rz 2pi", program("h q[0];\nrz(2*pi) q[0];\n")),
    ("rx pi/8", program("rx(pi/8) q[0];\n")),
    ("custom gate", program("gate mygate a { h a; t a; }\nmygate q[0];\n")),
    ("two qregs", program("h q[0];\ncx q[0],r[0];\n", "qreg q[1];\nqreg r[1];\n")),
    ("register measure", program("h q[0];\nmeasure q -> c;\n")),
]


@pytest.mark.parametrize("circuit", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_v2_lowers_what_it_used_to_refuse(invoke, recorded_compiler, circuit):
    """The compiler receives the lowered circuit; the answer says what was done."""
    result = invoke("POST", "/v2/compile", {"circuit": circuit})
    assert recorded_compiler.calls, result["body"]
    lowered_source = recorded_compiler.calls[-1][0]
    assert lowered_source.startswith('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg ')
    assert lowered_source.count("qreg ") == 1


def test_supported_rotation_angles_pass_unchanged(invoke, recorded_compiler):
    from compile_service.circuit_check import check
    from compile_service.lowering import lower
    from compile_service.settings import load_limits

    body = "".join(
        f"rz({a}) q[0];\nrx({a}) q[1];\nu1({a}) q[2];\n"
        for a in ["pi/4", "-pi/4", "pi/2", "-pi/2", "pi", "0.7853981633974483"]
    )
    source = program(body + "measure q[0] -> c[0];\n")
    parsed = check(source, load_limits())
    lowered = lower(parsed.circuit, parsed.source, None, 2000)
    assert lowered.gates == 19 and lowered.qubits == 3
    assert lowered.source == source and not lowered.report.lowered
