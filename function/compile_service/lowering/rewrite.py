"""Exact rewrites: every operation becomes native gates, measurements, barriers, or z rotations
(`Rotation`, an angle on one qubit) that approximate.py turns into Clifford+T afterwards.

- custom `gate` definitions and multi-qubit gates outside the dialect: unrolled with their
  definitions (qiskit's own decompositions: swap, cy, ch, cu1, crz, ...), recursively;
- single-qubit gates outside the dialect: qiskit's ZXZ Euler decomposition of their matrix
  (rz(a) rx(b) rz(c), with rx(b) = h rz(b) h): exact up to a global phase;
- consecutive z rotations on a qubit are added up, so rz(a) rz(-a) vanishes and cu1/crz
  decompositions need fewer approximations;
- `id` is dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qiskit.circuit import Instruction, QuantumCircuit
from qiskit.exceptions import QiskitError
from qiskit.qasm2.parse import _DefinedGate
from qiskit.quantum_info import Operator
from qiskit.synthesis import OneQubitEulerDecomposer

from compile_service.errors import CircuitTooLarge, UnsupportedCircuit
from compile_service.lowering.dialect import NATIVE_GATES, NON_GATES
from compile_service.lowering.report import LoweringReport

_EULER = OneQubitEulerDecomposer(basis="ZXZ")
DROPPED = frozenset({"id"})


@dataclass(frozen=True)
class Gate:
    """A native gate, measurement or barrier on qubits of the merged register. `quarters`: the
    angle of an rx in quarter turns. `lowered`: written by the lowering (rotation_form may write
    it again), not by the user."""

    name: str
    qubits: tuple[int, ...]
    clbits: tuple[tuple[str, int], ...] = ()
    quarters: int | None = None
    lowered: bool = False


@dataclass
class Rotation:
    """rz(angle) on one qubit: exact when a multiple of pi/4, approximated otherwise. `origin` is
    the source gate it comes from, for messages."""

    angle: float
    qubit: int
    origin: str


Step = Gate | Rotation


class Rewriter:
    """`max_kept`: refuse (CircuitTooLarge) as soon as more operations than this are certain:
    the gates written as they are (not `lowered`: rotation_form never rewrites them) each stay
    one operation, so unrolling a large circuit stops there rather than at the end."""

    def __init__(self, report: LoweringReport, max_kept: int | None = None) -> None:
        self.report = report
        self.steps: list[Step] = []
        self._last: dict[int, int] = {}  # qubit -> index in steps of the last step on it
        self._max_kept = max_kept
        self._kept = 0

    def add_circuit(self, circuit: QuantumCircuit) -> list[Step]:
        for number, item in enumerate(circuit.data, start=1):
            qubits = tuple(circuit.find_bit(q).index for q in item.qubits)
            clbits = tuple(_clbit(circuit, c) for c in item.clbits)
            try:
                self._add(item.operation, qubits, clbits, origin=None)
            except (ArithmeticError, ValueError, RecursionError) as exc:
                # A gate's definition evaluates its parameter expressions here: exp(1000)
                # overflows, sqrt(-1) has no real value.
                message = " ".join(str(exc).split())[:200] or type(exc).__name__
                raise UnsupportedCircuit(
                    f"operation {number} of the circuit ('{item.operation.name}') cannot be "
                    f"unrolled into the compiler's gates: {message}"
                ) from None
        return self.steps

    def _add(
        self,
        operation: Instruction,
        qubits: tuple[int, ...],
        clbits: tuple[tuple[str, int], ...],
        origin: str | None,
    ) -> None:
        name = operation.name
        _check_finite(operation)
        if name in NATIVE_GATES or name in NON_GATES:
            self._append(Gate(name, qubits, clbits))
            return
        if origin is None:  # a gate of the source, not of a definition
            self.report.count(
                self.report.dropped if name in DROPPED else self.report.rewritten, name
            )
        if name in DROPPED:
            return
        if len(qubits) == 1 and not isinstance(operation, _DefinedGate):
            self._add_single_qubit(operation, qubits[0], origin or name)
            return
        if operation.definition is None:
            raise UnsupportedCircuit(
                f"'{name}' has no definition (an opaque gate or a non-unitary instruction): "
                "the compiler cannot be told what it does"
            )
        definition = operation.definition
        for item in definition.data:
            inner = tuple(qubits[definition.find_bit(q).index] for q in item.qubits)
            self._add(item.operation, inner, (), origin or name)

    def _add_single_qubit(self, operation: Instruction, qubit: int, origin: str) -> None:
        for axis, angle in _euler(operation, origin):
            if axis == "rx":
                self._append(Gate("h", (qubit,), lowered=True))
                self._append(Rotation(angle, qubit, origin))
                self._append(Gate("h", (qubit,), lowered=True))
            else:
                self._append(Rotation(angle, qubit, origin))

    def _append(self, step: Step) -> None:
        if isinstance(step, Gate) and not step.lowered and step.name != "barrier":
            self._kept += 1
            if self._max_kept is not None and self._kept > self._max_kept:
                raise CircuitTooLarge(
                    f"lowered to the compiler's gate set the circuit has more than "
                    f"{self._max_kept} operations (found while unrolling its gates); this "
                    f"service compiles at most {self._max_kept} at once: compile a smaller "
                    "circuit"
                )
        if isinstance(step, Rotation):
            last = self._last.get(step.qubit)
            previous = self.steps[last] if last is not None else None
            if isinstance(previous, Rotation):
                previous.angle += step.angle
                return
        for qubit in _qubits(step):
            self._last[qubit] = len(self.steps)
        self.steps.append(step)


# Euler rotations of standard single-qubit gates by (name, parameters): a circuit repeats its gates,
# and a gate unrolled from a definition thousands of times costs one matrix, not thousands.
_EULER_CACHE: dict[tuple[str, tuple[float, ...]], tuple[tuple[str, float], ...]] = {}
_EULER_CACHE_SIZE = 4096


def _euler(operation: Instruction, origin: str) -> tuple[tuple[str, float], ...]:
    """("rz" or "rx", angle) in circuit order, exactly `operation` up to a global phase. Only
    standard gates come here (a gate the circuit defines is unrolled), so the name and the
    parameters say which matrix it is."""
    try:
        key = (operation.name, tuple(float(p) for p in operation.params))
    except (TypeError, ValueError):
        key = None
    if key is not None and key in _EULER_CACHE:
        return _EULER_CACHE[key]
    try:
        matrix = Operator(operation).data
    except QiskitError:
        raise UnsupportedCircuit(
            f"'{operation.name}' (in '{origin}') is an opaque gate: nothing says what it does"
        ) from None
    steps = tuple(
        (item.operation.name, float(item.operation.params[0])) for item in _EULER(matrix).data
    )
    if key is not None and len(_EULER_CACHE) < _EULER_CACHE_SIZE:
        _EULER_CACHE[key] = steps
    return steps


def _check_finite(operation: Instruction) -> None:
    """A definition's parameters are evaluated from small numbers, and can still overflow:
    a*1e6*1e6*... is infinite."""
    for param in operation.params:
        try:
            value = float(param)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(value):
            raise ValueError(f"'{operation.name}' has the angle {value}, not a finite number")


def _qubits(step: Step) -> tuple[int, ...]:
    return (step.qubit,) if isinstance(step, Rotation) else step.qubits


def _clbit(circuit: QuantumCircuit, clbit: object) -> tuple[str, int]:
    register, index = circuit.find_bit(clbit).registers[0]
    return register.name, index
