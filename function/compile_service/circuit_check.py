"""Pre-parse a circuit with qiskit and refuse, with a clear message, what cannot be lowered into
the compiler's dialect honestly (see lowering/ for what can).

Refused: anything that is not OpenQASM 2.0 with qelib1.inc, a circuit with no quantum register,
more qubits than the limit, `reset` (the compiler ignores it and would draw a wrong picture),
classically controlled operations (`if`) and `opaque` gates (nothing says what they do).

Hostile input (docs/hostile-input.md): qasm_scan.py refuses, before anything is parsed, other
includes and what would cost more than the limits; qiskit then parses with no include path (it
knows qelib1.inc without reading a file), and whatever it raises, a Rust panic included (pyo3's
PanicException is a BaseException), becomes an InvalidCircuit naming the line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from qiskit import qasm2
from qiskit.circuit import Instruction, QuantumCircuit
from qiskit.circuit.exceptions import CircuitError

from compile_service import qasm_scan
from compile_service.errors import (
    CircuitTooLarge,
    InvalidCircuit,
    UnsupportedCircuit,
    is_panic,
)
from compile_service.settings import Limits

_HEADER = re.compile(r"\s*OPENQASM\s+2\.0\s*;")
_INCLUDE = re.compile(r'include\s+"qelib1\.inc"\s*;')
_COMMENT = re.compile(r"//[^\n]*")
_NON_GATES = frozenset({"measure", "barrier"})


@dataclass(frozen=True)
class ParsedCircuit:
    source: str
    circuit: QuantumCircuit


def check(source: str, limits: Limits) -> ParsedCircuit:
    """The parsed circuit, or the first reason it cannot be lowered and compiled."""
    if not source.strip():
        raise InvalidCircuit("the circuit is empty: send an OpenQASM 2.0 program")
    code = _COMMENT.sub("", source)
    if not _HEADER.match(code):
        raise InvalidCircuit("the circuit must start with 'OPENQASM 2.0;' (OpenQASM 2.0 only)")
    if not _INCLUDE.search(code):
        raise UnsupportedCircuit(
            "the circuit must include the standard library: add 'include \"qelib1.inc\";'"
        )
    qasm_scan.scan(source, limits)
    circuit = _parse(source)
    if not circuit.qregs:
        raise UnsupportedCircuit("the circuit has no quantum register (qreg): nothing to compile")
    if circuit.num_qubits > limits.max_qubits:
        raise CircuitTooLarge(
            f"the circuit has {circuit.num_qubits} qubits; this service compiles at most "
            f"{limits.max_qubits}"
        )
    _refuse_what_cannot_be_lowered(circuit, limits)
    return ParsedCircuit(source, circuit)


def _parse(source: str) -> QuantumCircuit:
    try:
        # The gate set lsqecc's own parser knows (qelib1.inc plus qiskit's legacy extras), and
        # no directory to include files from.
        return qasm2.loads(
            source, include_path=(), custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS
        )
    except qasm2.QASM2ParseError as exc:
        raise InvalidCircuit(f"invalid OpenQASM 2.0: {_one_line(exc)}") from None
    except Exception as exc:
        # Parameter expressions are evaluated while parsing (e.g. "rz(1/0)"): ValueError,
        # OverflowError, ZeroDivisionError, RecursionError; and whatever else the parser raises.
        raise InvalidCircuit(f"invalid OpenQASM 2.0: {_one_line(exc)}") from None
    except BaseException as exc:
        if not is_panic(exc):
            raise  # the time budget's expiry, KeyboardInterrupt, SystemExit
        raise InvalidCircuit(
            f"invalid OpenQASM 2.0: the parser gave up on it ({_one_line(exc)})"
        ) from None


def _refuse_what_cannot_be_lowered(circuit: QuantumCircuit, limits: Limits) -> None:
    for number, item in enumerate(circuit.data, start=1):
        try:
            _refuse_operation(item.operation, limits)
        except (ArithmeticError, ValueError, RecursionError) as exc:
            # A gate's definition, built on first use, evaluates its parameter expressions:
            # exp(1000) overflows, sqrt(-1) has no real value.
            raise UnsupportedCircuit(
                f"operation {number} of the circuit ('{item.operation.name}') cannot be "
                f"evaluated: {_one_line(exc) or type(exc).__name__}"
            ) from None


def _refuse_operation(operation: Instruction, limits: Limits) -> None:
    name = operation.name
    _check_angles(operation, limits)
    if getattr(operation, "condition", None) is not None:
        raise UnsupportedCircuit(
            f"classically controlled operations ('if') are not supported (on '{name}'): "
            "the compiler has no classical control"
        )
    if name == "reset":
        raise UnsupportedCircuit(
            "'reset' is not supported: the compiler would ignore it and draw a computation "
            "that is not the circuit's"
        )
    if _is_opaque(operation):
        raise UnsupportedCircuit(
            f"'{name}' is an opaque gate: nothing says what it does, so it cannot be compiled"
        )


def _check_angles(operation: Instruction, limits: Limits) -> None:
    """Expressions of small numbers can still overflow: rz(exp(1000)), rz(1e6^60)."""
    for param in operation.params:
        try:
            value = float(param)
        except (TypeError, ValueError):
            continue  # not a number (e.g. delay's duration): the checks below say what to do
        if not (math.isfinite(value) and abs(value) <= limits.max_angle):
            raise UnsupportedCircuit(
                f"'{operation.name}' has the angle {value:g}: this service takes angles of at "
                f"most {limits.max_angle:g} in magnitude"
            )


def _is_opaque(operation: Instruction) -> bool:
    """Neither a definition nor a matrix (cx, u and id have a matrix but no definition)."""
    if operation.name in _NON_GATES or operation.definition is not None:
        return False
    try:
        operation.to_matrix()
    except (CircuitError, TypeError, AttributeError):
        return True
    return False


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:500]
