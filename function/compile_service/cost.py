"""What compiling a lowered circuit will cost, predicted before compiling: slices, layout cells,
seconds and memory. The limits are set on this prediction rather than on the operation count, a
poor proxy: with the Litinski transform a Clifford costs almost nothing, a T gate a lot.

Why it has this shape (measured on the pinned compiler; docs/benchmarks.md, "Predicted cost"):
- The layout is one row of data patches two cells apart, then one pre-distilled magic state per
  pi/8 rotation (M), over 3 rows: 3 x (2q + M + 1) cells (3 x 2q without any). This is exact.
- Every slice draws every cell: compile time, memory and the result's size follow
  slices x cells, so they grow as the square of the T count.
- Slices, with the transform: a number per pi/8 rotation, per qubit its Pauli product touches
  and per Y in it (pauli_frame.py works the products out), per measurement, and per Clifford when
  there is no measurement to absorb the Cliffords (the compiler keeps them then); least-squares
  fits. Without it: exactly 2 plus a number per gate (dialect.SLICES_WITHOUT_TRANSFORM), measured
  gate by gate and equal to the count of every QASMBench circuit.
`python -m lsctl.bench.cost_model` measures them against a build (e.g. on Lambda) to re-fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compile_service.lowering.dialect import SLICES_BASE, Operation, slices_without_transform
from compile_service.pauli_frame import products

# Slices with the transform: per pi/8 rotation, per qubit of its product, per Y in it, per
# measurement, per Clifford kept (circuits without measurements).
_ON = (6.46, 2.14, 6.94, 1.87, 18.6)
LAYOUT_ROWS = 3
# Compile CPU seconds per slice and per cell drawn (one core of an AMD EPYC, patches up to 0013):
# within 0.67-1.45x of the measured time for every circuit over 0.3 s.
SECONDS_PER_SLICE = 3.0e-4
SECONDS_PER_CELL = 1.94e-6
# Peak memory of a compile and its encoding: the interpreter with qiskit and the compiler, and
# per cell drawn (measured through the service, 101-103: the JSON, 49 bytes a cell, held twice
# while /v2's fields are appended; the slices share unchanged cells, patch 0011).
BASE_MEGABYTES = 140
BYTES_PER_CELL = 105
# Written gzipped a slice at a time (a job's result): the slices alone, whose unchanged cells are
# shared (measured 7-8.5).
PACKED_BYTES_PER_CELL = 10


@dataclass(frozen=True)
class Cost:
    qubits: int
    operations: int
    magic_states: int
    slices: int
    cells: int  # per slice
    seconds: float
    megabytes: int

    def describe(self) -> str:
        return (
            f"{self.operations} operations and {self.magic_states} pi/8 rotations (T gates) on "
            f"{self.qubits} qubits: about {self.slices} slices of {self.cells} cells, predicted "
            f"to take {self.seconds:.0f} s and {self.megabytes} MB to compile"
        )


def predict(
    operations: Sequence[Operation], qubits: int, litinski_transform: bool, packed: bool = False
) -> Cost:
    """The predicted cost of compiling `operations` (the compiler's dialect) on `qubits`;
    `packed` when the result is written gzipped a slice at a time (service.compile_packed)."""
    found = products(operations, qubits)
    magic = len(found.rotation_weights)
    measurements = len(found.measurement_weights)
    if litinski_transform:
        kept = 0 if measurements else len(operations) - magic
        per_rotation, per_qubit, per_y, per_measurement, per_kept = _ON
        slices = (
            per_rotation * magic
            + per_qubit * sum(found.rotation_weights)
            + per_y * sum(found.rotation_ys)
            + per_measurement * measurements
            + per_kept * kept
        )
    else:
        slices = SLICES_BASE + sum(slices_without_transform(op) for op in operations)
    whole = max(1, round(slices))
    cells = LAYOUT_ROWS * (2 * qubits + (magic + 1 if magic else 0))
    drawn = whole * cells
    per_cell = PACKED_BYTES_PER_CELL if packed else BYTES_PER_CELL
    return Cost(
        qubits=qubits,
        operations=len(operations),
        magic_states=magic,
        slices=whole,
        cells=cells,
        seconds=round(whole * SECONDS_PER_SLICE + drawn * SECONDS_PER_CELL, 2),
        megabytes=round(BASE_MEGABYTES + drawn * per_cell / 1e6),
    )
