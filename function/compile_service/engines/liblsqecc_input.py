"""The lowered circuit in liblsqecc's OpenQASM subset: one register and one gate per line, named
gates only (`h x y z s sdg t tdg cx cz`; its parser reads nothing else we need).

The lowering (compile_service.lowering) already wrote the circuit in lsqecc's dialect, as
operations (name, qubits, angle in quarter turns); from there:
- `ccx` is expanded with qiskit's own definition (h, cx, t, tdg);
- a rotation by k quarter turns (rz, u1) is the phase gates of rz(k*pi/4); rx is h rz h;
- measurements are dropped (liblsqecc has no measurement in its input), and counted so the
  lowering report says so; barriers are not operations.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from compile_service.errors import UnsupportedCircuit
from compile_service.lowering.dialect import PHASE_GATES, Operation

REGISTER = "q"
HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
GATES = frozenset({"h", "x", "y", "z", "s", "sdg", "t", "tdg", "cx", "cz"})
DROPPED = frozenset({"measure"})


@functools.cache
def _ccx() -> tuple[tuple[str, tuple[int, ...]], ...]:
    """qiskit's definition of ccx: (gate, qubit positions of the ccx)."""
    from qiskit.circuit.library import CCXGate

    definition = CCXGate().definition
    return tuple(
        (item.operation.name, tuple(definition.find_bit(q).index for q in item.qubits))
        for item in definition.data
    )


def gates_of(operation: Operation) -> Iterator[tuple[str, tuple[int, ...]]]:
    name, qubits, quarters = operation
    if name in GATES:
        yield name, qubits
    elif name == "ccx":
        for inner, positions in _ccx():
            yield inner, tuple(qubits[p] for p in positions)
    elif name in ("rz", "u1") and quarters is not None:
        for phase in PHASE_GATES[quarters % 8]:
            yield phase, qubits
    elif name == "rx" and quarters is not None:
        phases = PHASE_GATES[quarters % 8]
        if phases:
            yield "h", qubits
            for phase in phases:
                yield phase, qubits
            yield "h", qubits
    else:
        raise UnsupportedCircuit(
            f"'{name}' cannot be written in liblsqecc's input (the lowering should have "
            "rewritten it): compile with engine 'lsqecc'"
        )


def qasm(qubits: int, operations: Iterable[Operation]) -> tuple[str, dict[str, int]]:
    """The circuit as liblsqecc reads it, and what was dropped (name: count)."""
    lines = [HEADER, f"qreg {REGISTER}[{qubits}];\n"]
    dropped: dict[str, int] = {}
    for operation in operations:
        if operation[0] in DROPPED:
            dropped[operation[0]] = dropped.get(operation[0], 0) + 1
            continue
        for name, targets in gates_of(operation):
            lines.append(f"{name} {','.join(f'{REGISTER}[{q}]' for q in targets)};\n")
    return "".join(lines), dropped
