"""Several quantum registers become one, in declaration order (the compiler takes exactly one)."""

from __future__ import annotations

from qiskit.circuit import QuantumCircuit

from compile_service.lowering.report import RegisterSlice

MERGED_NAMES = ("q", "qubits", "merged_qubits")


def merged_name(circuit: QuantumCircuit) -> str:
    """The single register's own name, or a name no classical register uses."""
    if len(circuit.qregs) == 1:
        return circuit.qregs[0].name
    taken = {register.name for register in circuit.cregs}
    return next(name for name in MERGED_NAMES if name not in taken)


def register_slices(circuit: QuantumCircuit) -> list[RegisterSlice]:
    """Where each source register lands in the merged one (qiskit numbers qubits in this order)."""
    slices, start = [], 0
    for register in circuit.qregs:
        slices.append(RegisterSlice(name=register.name, size=register.size, start=start))
        start += register.size
    return slices
