"""The compiler's dialect: OpenQASM 2.0 with one qreg and these operations (measured by running
the pinned compiler on every gate of qelib1.inc; see README, "What the compiler accepts")."""

from __future__ import annotations

import math
import re

from qiskit.circuit import QuantumCircuit

# An operation in the dialect, as the cost prediction reads it: name, qubit indices, and the angle
# of a rotation in quarter turns (None for every other operation).
Operation = tuple[str, tuple[int, ...], int | None]

# Gates the compiler takes as they are.
NATIVE_GATES = frozenset({"x", "z", "h", "s", "sdg", "t", "tdg", "cx", "cz", "ccx"})
# Rotations it takes at the angles of ROTATION_ANGLES (in units of pi/4) only.
ROTATIONS = frozenset({"rz", "rx", "u1"})
ROTATION_ANGLES = frozenset({-2, -1, 1, 2, 4})
NON_GATES = frozenset({"measure", "barrier"})
# rz(k*pi/4), k modulo 8, as native gates (exact up to a global phase).
PHASE_GATES: dict[int, tuple[str, ...]] = {
    0: (),
    1: ("t",),
    2: ("s",),
    3: ("s", "t"),
    4: ("z",),
    5: ("z", "t"),
    6: ("sdg",),
    7: ("tdg",),
}
ANGLE_TOLERANCE = 1e-9
# Slices the pinned compiler takes for each operation without the Litinski transform, measured
# gate by gate (the count of a circuit is their sum plus SLICES_BASE, exactly): by name, and for a
# rotation by its angle in quarter turns modulo 4 (odd: a pi/8 rotation, 2: pi/4, 0: a Pauli).
SLICES_WITHOUT_TRANSFORM = {"x": 1, "z": 1, "measure": 1, "s": 4, "sdg": 4, "t": 8, "tdg": 8}
SLICES_WITHOUT_TRANSFORM |= {"h": 12, "cx": 13, "cz": 13, "ccx": 158}
ROTATION_SLICES_WITHOUT_TRANSFORM = {0: 1, 1: 8, 2: 4, 3: 8}
SLICES_BASE = 2
_REGISTER_MEASURE = re.compile(r"\bmeasure\s+[A-Za-z_]\w*\s*->")
_COMMENT = re.compile(r"//[^\n]*")


def quarter_turns(angle: float) -> int | None:
    """`angle` as a whole number of pi/4, or None when it is not one."""
    turns = angle / (math.pi / 4)
    nearest = round(turns)
    return nearest if abs(turns - nearest) * (math.pi / 4) <= ANGLE_TOLERANCE else None


def accepts_as_is(circuit: QuantumCircuit, source: str) -> bool:
    """True when the compiler takes `source` unchanged (then it is sent byte for byte, so circuits
    that compiled before lowering existed give exactly the same answer)."""
    if len(circuit.qregs) != 1 or _REGISTER_MEASURE.search(_COMMENT.sub("", source)):
        return False
    for item in circuit.data:
        name = item.operation.name
        if name in ROTATIONS:
            if quarter_turns(float(item.operation.params[-1])) not in ROTATION_ANGLES:
                return False
        elif name not in NATIVE_GATES and name not in NON_GATES:
            return False
    return True


def slices_without_transform(operation: Operation) -> int:
    """What one operation adds to the slices of a compile without the Litinski transform."""
    name, _, quarters = operation
    if quarters is not None:
        return ROTATION_SLICES_WITHOUT_TRANSFORM[quarters % 4]
    return SLICES_WITHOUT_TRANSFORM[name]
