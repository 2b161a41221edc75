"""Pre-parse a circuit with qiskit and refuse, with a clear message, what the compiler cannot do.

The rules come from running the pinned compiler on every gate of qelib1.inc (see README,
"What the compiler accepts"): lsqecc's own errors for these cases are bare exceptions such as
"reduce() of empty iterable" or "'Id' object has no attribute 'index'".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from qiskit import qasm2
from qiskit.circuit import QuantumCircuit

from compile_service.errors import CircuitTooLarge, InvalidCircuit, UnsupportedCircuit
from compile_service.settings import Limits

SUPPORTED_GATES = frozenset({"x", "z", "h", "s", "sdg", "t", "tdg", "cx", "cz", "ccx"})
ROTATIONS = frozenset({"rz", "rx", "u1"})
NON_GATES = frozenset({"measure", "barrier"})
# lsqecc turns these angles into pi/8, pi/4 and pi/2 Pauli rotations; every other angle fails.
SUPPORTED_ANGLES = {
    -math.pi / 2: "-pi/2",
    -math.pi / 4: "-pi/4",
    math.pi / 4: "pi/4",
    math.pi / 2: "pi/2",
    math.pi: "pi",
}
_HEADER = re.compile(r"\s*OPENQASM\s+2\.0\s*;")
_INCLUDE = re.compile(r'include\s+"qelib1\.inc"\s*;')
_REGISTER_MEASURE = re.compile(r"\bmeasure\s+[A-Za-z_]\w*\s*->")
_COMMENT = re.compile(r"//[^\n]*")


@dataclass(frozen=True)
class CheckedCircuit:
    source: str
    qubits: int
    gates: int
    registers: tuple[str, ...]


def check(source: str, limits: Limits) -> CheckedCircuit:
    """The circuit's size, or the first reason the compiler would fail on it."""
    if not source.strip():
        raise InvalidCircuit("the circuit is empty: send an OpenQASM 2.0 program")
    code = _COMMENT.sub("", source)
    if not _HEADER.match(code):
        raise InvalidCircuit("the circuit must start with 'OPENQASM 2.0;' (OpenQASM 2.0 only)")
    if not _INCLUDE.search(code):
        raise UnsupportedCircuit(
            "the circuit must include the standard library: add 'include \"qelib1.inc\";'"
        )
    circuit = _parse(source)
    if len(circuit.qregs) != 1:
        raise UnsupportedCircuit(
            f"the circuit must have exactly one quantum register, it has {len(circuit.qregs)}"
        )
    if circuit.num_qubits > limits.max_qubits:
        raise CircuitTooLarge(
            f"the circuit has {circuit.num_qubits} qubits; this service compiles at most "
            f"{limits.max_qubits}"
        )
    if _REGISTER_MEASURE.search(code):
        raise UnsupportedCircuit(
            "measure one qubit at a time (measure q[0] -> c[0];), not a whole register"
        )
    gates = _check_instructions(circuit)
    if gates == 0:
        raise UnsupportedCircuit("the circuit has no gates or measurements to compile")
    if gates > limits.max_gates:
        raise CircuitTooLarge(
            f"the circuit has {gates} operations; this service compiles at most {limits.max_gates}"
        )
    registers = tuple(r.name for r in (*circuit.qregs, *circuit.cregs))
    return CheckedCircuit(source, qubits=circuit.num_qubits, gates=gates, registers=registers)


def _parse(source: str) -> QuantumCircuit:
    try:
        # The gate set lsqecc's own parser knows (qelib1.inc plus qiskit's legacy extras).
        return qasm2.loads(source, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    except qasm2.QASM2ParseError as exc:
        raise InvalidCircuit(f"invalid OpenQASM 2.0: {_one_line(exc)}") from None
    except (ValueError, OverflowError, ZeroDivisionError, RecursionError) as exc:
        # Parameter expressions are evaluated while parsing (e.g. "rz(1/0)").
        raise InvalidCircuit(f"invalid OpenQASM 2.0: {_one_line(exc)}") from None


def _check_instructions(circuit: QuantumCircuit) -> int:
    count = 0
    for item in circuit.data:
        operation = item.operation
        name = operation.name
        if getattr(operation, "condition", None) is not None:
            raise UnsupportedCircuit(
                f"classically controlled operations ('if') are not supported (on '{name}')"
            )
        if name == "barrier":
            continue
        if name in ROTATIONS:
            _check_angle(name, float(operation.params[-1]))
        elif name not in SUPPORTED_GATES and name not in NON_GATES:
            raise UnsupportedCircuit(_unsupported_gate(name))
        count += 1
    return count


def _check_angle(name: str, angle: float) -> None:
    for value in SUPPORTED_ANGLES:
        if math.isclose(angle, value, rel_tol=0.0, abs_tol=1e-9):
            return
    allowed = ", ".join(SUPPORTED_ANGLES.values())
    raise UnsupportedCircuit(
        f"{name}({angle:.6g}) is not supported: the compiler handles {name} angles {allowed} only"
    )


def _unsupported_gate(name: str) -> str:
    supported = ", ".join(sorted(SUPPORTED_GATES | ROTATIONS | NON_GATES))
    return (
        f"gate '{name}' is not supported (custom gate definitions are not either); "
        f"supported: {supported}"
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:500]
