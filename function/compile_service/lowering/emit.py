"""The lowered circuit as OpenQASM 2.0 in the compiler's dialect: one qreg, one operation on
explicit qubits per line."""

from __future__ import annotations

from collections.abc import Iterable

from qiskit.circuit import QuantumCircuit

from compile_service.lowering.rewrite import Gate

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
# Rotation angles in quarter turns, as the compiler reads them.
_QUARTERS = {1: "pi/4", -1: "-pi/4", 2: "pi/2", -2: "-pi/2"}


def qasm(circuit: QuantumCircuit, register: str, gates: Iterable[Gate]) -> str:
    lines = [HEADER + f"qreg {register}[{circuit.num_qubits}];\n"]
    lines += [f"creg {c.name}[{c.size}];\n" for c in circuit.cregs]
    for gate in gates:
        targets = ",".join(f"{register}[{q}]" for q in gate.qubits)
        if gate.name == "measure":
            ((creg, index),) = gate.clbits
            lines.append(f"measure {targets} -> {creg}[{index}];\n")
        elif gate.quarters is not None:
            lines.append(f"{gate.name}({_QUARTERS[gate.quarters]}) {targets};\n")
        else:
            lines.append(f"{gate.name} {targets};\n")
    return "".join(lines)
