"""The Pauli products a circuit's pi/8 rotations and measurements become under the Litinski
transform, without running it: what the cost prediction (cost.py) needs to know of them.

The transform moves every Clifford to the end of the circuit, so a T gate on qubit k after
Cliffords C becomes a pi/8 rotation about C^dagger Z_k C, and a measurement of qubit k a
measurement of that product. This tracks, for the Cliffords seen so far, the image of every X_j
and Z_j (Heisenberg picture) as bit masks, updated in O(1) per gate, so a circuit costs one pass.
Signs are not tracked: only which qubits a product touches, and with which Pauli, matter here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compile_service.lowering.dialect import Operation

# ccx as the compiler's front end expands it (the standard 7-T circuit).
_CCX = (
    ("h", 2), ("cx", 1, 2), ("tdg", 2), ("cx", 0, 2), ("t", 2), ("cx", 1, 2), ("tdg", 2),
    ("cx", 0, 2), ("t", 1), ("t", 2), ("h", 2), ("cx", 0, 1), ("t", 0), ("tdg", 1), ("cx", 0, 1),
)  # fmt: skip


@dataclass
class Products:
    """What the transform leaves to compile: one entry per pi/8 rotation and measurement."""

    rotation_weights: list[int]  # qubits each rotation's product touches
    rotation_ys: list[int]  # of which with Y
    measurement_weights: list[int]


class _Frame:
    def __init__(self, qubits: int) -> None:
        # images[j] = (x mask, z mask) of C^dagger X_j C; images[qubits + j] of Z_j.
        self.x = [1 << j for j in range(qubits)] + [0] * qubits
        self.z = [0] * qubits + [1 << j for j in range(qubits)]
        self.n = qubits

    def _mul(self, into: int, other: int) -> None:
        self.x[into] ^= self.x[other]
        self.z[into] ^= self.z[other]

    def apply(self, name: str, qubits: tuple[int, ...]) -> None:
        """Append Clifford `name`: X_j, Z_j map to the images of G^dagger X_j G, G^dagger Z_j G."""
        n = self.n
        if name == "h":
            (k,) = qubits
            self.x[k], self.x[n + k] = self.x[n + k], self.x[k]
            self.z[k], self.z[n + k] = self.z[n + k], self.z[k]
        elif name in ("s", "sdg"):
            (k,) = qubits
            self._mul(k, n + k)  # X -> +-Y = X Z up to phase
        elif name == "cx":
            control, target = qubits
            self._mul(control, target)  # X_c -> X_c X_t
            self._mul(n + target, n + control)  # Z_t -> Z_c Z_t
        elif name == "cz":
            a, b = qubits
            self._mul(a, n + b)  # X_a -> X_a Z_b
            self._mul(b, n + a)
        # x, z, measure's Pauli byproducts: only signs change.

    def z_image(self, k: int) -> tuple[int, int]:
        return self.x[self.n + k], self.z[self.n + k]


def products(operations: Iterable[Operation], qubits: int) -> Products:
    """The Pauli products, one pass over the circuit in the compiler's dialect."""
    frame = _Frame(qubits)
    found = Products([], [], [])
    for name, on, quarters in operations:
        if name == "ccx":
            for step_name, *where in _CCX:
                _step(frame, found, step_name, tuple(on[w] for w in where), None)
        else:
            _step(frame, found, name, on, quarters)
    return found


def _step(
    frame: _Frame, found: Products, name: str, on: tuple[int, ...], quarters: int | None
) -> None:
    if name in ("rz", "u1", "rx") and quarters is not None:
        (k,) = on
        if name == "rx":
            frame.apply("h", on)
        if quarters % 2:
            _rotation(frame, found, k)
        if quarters % 4 in (2, 3):
            frame.apply("s", on)
        if name == "rx":
            frame.apply("h", on)
    elif name in ("t", "tdg"):
        _rotation(frame, found, on[0])
    elif name == "measure":
        x, z = frame.z_image(on[0])
        found.measurement_weights.append((x | z).bit_count())
    else:
        frame.apply(name, on)


def _rotation(frame: _Frame, found: Products, k: int) -> None:
    x, z = frame.z_image(k)
    found.rotation_weights.append((x | z).bit_count())
    found.rotation_ys.append((x & z).bit_count())
