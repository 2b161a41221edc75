"""What compiling a lowered circuit with liblsqecc will cost, predicted before compiling: its own
model (cost.py is lsqecc's), fitted by `lsctl bench engines` (scripts/lsctl/bench/engines.py
prints the fit; docs/engines.md, "Cost model").

Why it has this shape (measured with the pinned liblsqecc, EDPC layout):
- the EDPC layout of n qubits is a square of side 2*ceil(sqrt(n)) + 3 cells (exact for every
  n measured); every slice is that whole grid;
- slices: with the stream schedule 1-3 per gate of its input (after the front end) for every
  corpus circuit and `layered` (least squares over the corpus: 2.5 per gate whatever the gate),
  4.3 for a 100-qubit QFT; SLICES_PER_GATE takes the largest, per layout. The wave schedule packs
  them into fewer, bounded here by the stream's count (a limit may only err high);
- CPU time follows slices x cells: writing the JSON of every cell (SECONDS_PER_CELL, `layered`
  n=32..256) costs ten times computing it (STATS_SECONDS_PER_CELL, output "stats": the QFT's
  320 million cells in 28 s);
- its own memory is ~10 MB whatever the size (it streams); the service holds the compact JSON of
  a synchronous answer whole (BYTES_PER_CELL), a job's only gzipped (PACKED_BYTES_PER_CELL).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compile_service.engines import liblsqecc_input

if TYPE_CHECKING:
    from compile_service.engines.base import EngineOptions
    from compile_service.lowering import Lowered

SLICES_PER_GATE = {"edpc": 4.5, "compact_no_clogging": 6.0}
SECONDS_PER_CELL = 1.2e-6  # slices x cells, JSON written and re-encoded (one EPYC core)
STATS_SECONDS_PER_CELL = 1.0e-7  # slices x cells, output "stats"
SECONDS_PER_GATE = 2e-5  # parsing, the lowering's last step, routing set-up
BYTES_PER_CELL = 46  # compact JSON
PACKED_BYTES_PER_CELL = 1  # gzipped (slices compress 50-150 times)
BASE_MEGABYTES = 160  # the service with qiskit loaded
LAYOUT_MARGIN = 3
T_GATES = frozenset({"t", "tdg"})


@dataclass(frozen=True)
class Cost:
    qubits: int
    gates: int  # of liblsqecc's input
    magic_states: int  # its T gates (t, tdg): pi/8 rotations, each consuming a magic state
    slices: int
    cells: int  # per slice
    seconds: float
    megabytes: int

    def describe(self) -> str:
        return (
            f"{self.gates} gates on {self.qubits} qubits in liblsqecc's input: about "
            f"{self.slices} slices of {self.cells} cells, predicted to take {self.seconds:.0f} s "
            f"and {self.megabytes} MB to compile"
        )


def layout_cells(qubits: int) -> int:
    side = 2 * math.isqrt(max(qubits - 1, 0)) + 2 + LAYOUT_MARGIN
    return side * side


def input_gates(lowered: Lowered) -> tuple[int, int]:
    """Gates of liblsqecc's input (measurements dropped, ccx and rotations expanded), and how
    many of them are T gates."""
    gates = t_gates = 0
    for op in lowered.operations:
        if op[0] in liblsqecc_input.DROPPED:
            continue
        for name, _ in liblsqecc_input.gates_of(op):
            gates += 1
            t_gates += name in T_GATES
    return gates, t_gates


def predict(lowered: Lowered, options: EngineOptions, packed: bool) -> Cost:
    gates, magic_states = input_gates(lowered)
    cells = layout_cells(lowered.qubits)
    slices = max(1, round(SLICES_PER_GATE[str(options.layout)] * gates))
    drawn = slices * cells
    per_cell = STATS_SECONDS_PER_CELL if options.output == "stats" else SECONDS_PER_CELL
    held = (
        0
        if options.output == "stats"
        else drawn * (PACKED_BYTES_PER_CELL if packed else BYTES_PER_CELL)
    )
    return Cost(
        qubits=lowered.qubits,
        gates=gates,
        magic_states=magic_states,
        slices=slices,
        cells=cells,
        seconds=round(gates * SECONDS_PER_GATE + drawn * per_cell, 2),
        megabytes=round(BASE_MEGABYTES + held / 1e6),
    )
