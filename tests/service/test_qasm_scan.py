"""The scanner (qasm_scan.py) that looks at a circuit before qiskit parses it: it counts what the
lowering would unroll exactly, reads tokens as qiskit's lexer does, and refuses no real circuit."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import qasm2

from compile_service import circuit_check, lowering, qasm_scan
from compile_service.errors import CircuitTooLarge, ServiceError, UnsupportedCircuit
from compile_service.lowering.dialect import NATIVE_GATES, NON_GATES, ROTATIONS
from compile_service.settings import load_limits
from tests.conftest import SHARED_CORPUS as CORPUS

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
LIMITS = load_limits()
SEVENTEEN = ",".join(f"p{i}" for i in range(17))


def unrolled(operation) -> int:
    """What the lowering unrolls a standard gate to (rewrite.py): natives and rotations as they
    are, other single-qubit gates as a 5-step Euler rotation, others by their definition."""
    if operation.name in NATIVE_GATES | NON_GATES | ROTATIONS or operation.name == "id":
        return 1
    if operation.num_qubits == 1:
        return 5
    return sum(unrolled(item.operation) for item in operation.definition.data)


def test_the_standard_weights_are_what_the_lowering_unrolls():
    computed = {}
    for custom in qasm2.LEGACY_CUSTOM_INSTRUCTIONS:
        if custom.name in ("u0", "delay"):  # integer durations, nothing to unroll
            continue
        weight = unrolled(custom.constructor(*[0.3] * custom.num_params))
        if weight > 1:
            computed[custom.name] = weight
    assert computed == qasm_scan.STANDARD_WEIGHTS


@st.composite
def nested_programs(draw) -> str:
    """Gates defined from natives and earlier gates, called on qubits and whole registers."""
    size = draw(st.integers(2, 4))
    lines = [HEADER, f"qreg q[{size}];\n", f"qreg r[{draw(st.integers(1, 3))}];\n"]
    gates: list[tuple[str, int]] = [("h", 1), ("x", 1), ("cx", 2), ("ccx", 3)]
    for index in range(draw(st.integers(0, 4))):
        arity = draw(st.integers(1, 3))
        args = [f"a{i}" for i in range(arity)]
        body = []
        for _ in range(draw(st.integers(1, 4))):
            name, n = draw(st.sampled_from([g for g in gates if g[1] <= arity]))
            chosen = draw(st.permutations(args))[:n]
            body.append(f"{name} {','.join(chosen)};")
        lines.append(f"gate g{index} {','.join(args)} {{ {' '.join(body)} }}\n")
        gates.append((f"g{index}", arity))
    for _ in range(draw(st.integers(1, 6))):
        name, n = draw(st.sampled_from([g for g in gates if g[1] <= size]))
        if n == 1 and draw(st.booleans()):
            lines.append(f"{name} {draw(st.sampled_from(['q', 'r']))};\n")  # broadcast
        else:
            chosen = draw(st.permutations(range(size)))[:n]
            lines.append(f"{name} {','.join(f'q[{i}]' for i in chosen)};\n")
    return "".join(lines)


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(source=nested_programs())
def test_the_count_is_what_the_lowering_unrolls(source):
    parsed = circuit_check.check(source, LIMITS)
    lowered = lowering.lower(parsed.circuit, source, None, 10**6)
    assert qasm_scan.scan(source, LIMITS).operations == lowered.gates


@pytest.mark.parametrize(
    ("source", "count"),
    [
        ("h q[0]; cx q[0],q[1];", 2),
        ("h q;", 2),  # a gate on a whole register, once per qubit
        ("gate d a { h a; h a; } gate e a { d a; d a; } e q;", 8),
        ("u3(0.1,0.2,0.3) q[0]; c4x q[0],q[1],q[2],q[3],q[4];", 5 + 137),
        ('// include "/etc/passwd";\nh q[0];', 1),  # a comment
        ("h q[0]; // gate g a { h a; }\n", 1),
    ],
)
def test_counts(source, count):
    scanned = qasm_scan.scan(HEADER + "qreg q[2];\nqreg r[3];\n" + source, LIMITS)
    assert scanned.operations == count


@pytest.mark.parametrize(
    ("source", "refusal", "says"),
    [
        ('include "qelib1.inc";\ninclude "x.inc";', UnsupportedCircuit, "line 4: 'include'"),
        ("include qelib1.inc;", UnsupportedCircuit, "'include' of qelib1"),
        ("qreg q[33];", CircuitTooLarge, "33 qubits"),
        ("qreg q[20];\nqreg r[20];", CircuitTooLarge, "40 qubits"),
        ("creg c[1025];", CircuitTooLarge, "1 025 classical bits"),
        ("qreg q[1];\nrz(1e7) q[0];", UnsupportedCircuit, "1e7"),
        ("qreg q[1];\nrz(pi/1e400) q[0];", UnsupportedCircuit, "1e400"),
        ("qreg q[1];\nrz(" + "(" * 65 + "1" + ")" * 65 + ") q[0];", UnsupportedCircuit, "64"),
        ("qreg q[1];\nrz(" + "+".join(["1"] * 66) + ") q[0];", UnsupportedCircuit, "64"),
        (
            "gate g(" + ",".join(f"p{i}" for i in range(17)) + ") a { h a; }",
            UnsupportedCircuit,
            "17",
        ),
        ("qreg q[1];\nh q[" + "9" * 25 + "];", ServiceError, "25 digits"),
        ("qreg q[²];", None, None),  # not ASCII digits: left to qiskit, which refuses it
    ],
)
def test_refusals_name_the_line_and_the_problem(source, refusal, says):
    text = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n' + source + "\n"
    if refusal is None:
        qasm_scan.scan(text, LIMITS)
        return
    with pytest.raises(refusal, match="line ") as refused:
        qasm_scan.scan(text, LIMITS)
    assert says in refused.value.message


def test_limits_are_the_settings(monkeypatch):
    small = dataclasses.replace(LIMITS, max_expanded_operations=3)
    source = HEADER + "qreg q[1];\nh q[0];\nh q[0];\nh q[0];\n"
    qasm_scan.scan(source, small)
    with pytest.raises(CircuitTooLarge, match="4 operations"):
        qasm_scan.scan(source + "h q[0];\n", small)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_no_real_circuit_is_refused_by_the_scanner():
    """The limits are far above what real circuits use: every QASMBench circuit within the
    qubit limit passes."""
    for path in sorted(CORPUS.glob("*.qasm")):
        source = path.read_text()
        try:
            qasm_scan.scan(source, LIMITS)
        except CircuitTooLarge as exc:
            assert "qubits" in exc.message, (path.name, exc.message)


def test_a_large_divisor_is_a_small_angle_and_a_small_one_is_checked_once_evaluated():
    """qiskit's QFT writes cp(pi/1099511627776) (a 100-qubit QFT: 2^40): the number divides,
    so it is no large angle; what a small divisor makes large is refused once evaluated."""
    from compile_service import circuit_check

    qft = HEADER + "qreg q[2];\ncp(pi/1099511627776) q[0],q[1];\nrz(-pi/1048576) q[0];\n"
    assert circuit_check.check(qft, LIMITS).circuit.num_qubits == 2
    with pytest.raises(UnsupportedCircuit, match=r"angle 3\.14159e"):
        circuit_check.check(HEADER + "qreg q[1];\nrz(pi/1e-7) q[0];\n", LIMITS)
    with pytest.raises(UnsupportedCircuit, match="1e7"):
        circuit_check.check(HEADER + "qreg q[1];\nrz(1e7*pi/1048576) q[0];\n", LIMITS)
