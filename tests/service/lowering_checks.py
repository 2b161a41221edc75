"""Helpers for the lowering tests: the compiler's dialect, and unitaries up to a global phase."""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit, qasm2
from qiskit.quantum_info import Operator

from compile_service import circuit_check, lowering
from compile_service.lowering.dialect import (
    NATIVE_GATES,
    NON_GATES,
    ROTATION_ANGLES,
    ROTATIONS,
    quarter_turns,
)
from compile_service.settings import load_limits

LIMITS = load_limits()
UNLIMITED = 10**7


def lower(source: str, precision: float | None = 1e-3) -> lowering.Lowered:
    parsed = circuit_check.check(source, LIMITS)
    return lowering.lower(parsed.circuit, parsed.source, precision, UNLIMITED)


def parse(source: str) -> QuantumCircuit:
    return qasm2.loads(source, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)


def assert_in_dialect(source: str) -> None:
    """What the compiler takes: one qreg, native gates, and rz/rx/u1 only at the angles it knows
    (a circuit already in the dialect is sent as it is)."""
    circuit = parse(source)
    assert len(circuit.qregs) == 1
    for item in circuit.data:
        name = item.operation.name
        if name in ROTATIONS:
            assert quarter_turns(float(item.operation.params[0])) in ROTATION_ANGLES, name
        else:
            assert name in NATIVE_GATES | NON_GATES, name


def unitary(circuit: QuantumCircuit) -> np.ndarray:
    """The circuit's gates (measurements and barriers left out) as a matrix."""
    gates = QuantumCircuit(circuit.num_qubits)
    for item in circuit.data:
        if item.operation.name not in NON_GATES:
            gates.append(item.operation, [circuit.find_bit(q).index for q in item.qubits])
    return Operator(gates).data


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Operator-norm distance of a and b, up to a global phase (the phase that aligns traces)."""
    overlap = np.trace(b.conj().T @ a)
    phase = overlap / abs(overlap) if abs(overlap) > 1e-12 else 1.0
    return float(np.linalg.norm(a - phase * b, 2))


def lowering_error(original: str, lowered: lowering.Lowered) -> float:
    return distance(unitary(parse(original)), unitary(parse(lowered.source)))


def pi_over_8_rotations(source: str) -> int:
    """The T count of a circuit in the dialect: t, tdg and rz/rx/u1 at odd quarter turns."""
    count = 0
    for item in parse(source).data:
        name = item.operation.name
        if name in ("t", "tdg"):
            count += 1
        elif name in ROTATIONS:
            count += quarter_turns(float(item.operation.params[0])) % 2
    return count
