"""Logical figures of a compiled layout, read from its slices alone.

Every engine writes slices in one cell schema (lsqecc's VisualArrayCell; liblsqecc's
slices_to_json writes the same): a slice is a grid (rows of cells), a cell is null (an empty
tile) or an object whose `patch_type` is "Qubit" (a logical data qubit), "Ancilla" (routing
space in use by lattice surgery) or "DistillationQubit" (a magic state, or a tile of a
distillation region). Nothing here reads an engine's internals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

QUBIT = "Qubit"
ANCILLA = "Ancilla"
MAGIC = "DistillationQubit"
MEASUREMENT = "Measurement"


@dataclass(frozen=True)
class LayoutFigures:
    rows: int
    columns: int
    slices: int
    # Most Qubit cells in one slice: the circuit's qubits and any the engine adds for a while
    # (lsqecc adds one while it applies a pi/4 rotation).
    qubit_peak: int
    ancilla_peak: int  # most Ancilla cells in one slice
    occupied_tile_slices: int  # non-empty cells summed over the slices
    # A magic state is consumed when it is measured (lsqecc measures it after the multi-patch
    # measurement that uses it, and keeps its tile) or stops being one (it vanished, or became
    # a data qubit); one magic state is counted once.
    magic_states_consumed: int
    distillation_tiles: tuple[tuple[int, int], ...]  # (row, column) ever holding a magic state

    @property
    def tiles(self) -> int:
        return self.rows * self.columns

    @property
    def tile_slices(self) -> int:
        """The layout's whole space-time volume: every tile, every slice."""
        return self.tiles * self.slices

    def distillation_region(self) -> dict[str, Any] | None:
        """Where the magic states sit: their tiles' bounding box, or None without any."""
        if not self.distillation_tiles:
            return None
        rows = [r for r, _ in self.distillation_tiles]
        columns = [c for _, c in self.distillation_tiles]
        return {
            "tiles": len(self.distillation_tiles),
            "rows": [min(rows), max(rows)],
            "columns": [min(columns), max(columns)],
        }


def read_slices(slices: Iterable[Sequence[Sequence[Any]]]) -> LayoutFigures:
    """The figures of `slices` (as compiled: lists of rows of cells; a cell a dict or None)."""
    tally = LayoutTally()
    for grid in slices:
        tally.add(grid)
    return tally.figures()


class LayoutTally:
    """The figures of slices seen one at a time. (liblsqecc counts the same figures of the
    slices it writes itself: engines/liblsqecc.py, patches/liblsqecc/0005.)"""

    def __init__(self) -> None:
        self.rows = self.columns = self.slices = 0
        self.data_peak = self.ancilla_peak = self.occupied = self.consumed = 0
        self.magic_tiles: set[tuple[int, int]] = set()
        # Magic states alive in the slice before: position -> whether already counted as consumed.
        self.alive: dict[tuple[int, int], bool] = {}

    def add(self, grid: Sequence[Sequence[Any]]) -> None:
        self.slices += 1
        self.rows = max(self.rows, len(grid))
        data = ancillas = 0
        now: dict[tuple[int, int], bool] = {}
        for r, row in enumerate(grid):
            self.columns = max(self.columns, len(row))
            # Cells are dicts (patch 0007; liblsqecc's JSON): read them directly, the fast path
            # (this runs over every cell of every slice).
            kinds = [
                cell["patch_type"] if type(cell) is dict else _patch_type(cell)
                for cell in row
                if cell is not None
            ]
            self.occupied += len(kinds)
            data += kinds.count(QUBIT)
            ancillas += kinds.count(ANCILLA)
            if MAGIC not in kinds:
                continue
            for c, cell in enumerate(row):
                if cell is None or _patch_type(cell) != MAGIC:
                    continue
                counted = self.alive.get((r, c), False)
                if not counted and _activity(cell) == MEASUREMENT:
                    self.consumed += 1  # measured after its teleportation (lsqecc keeps the tile)
                    counted = True
                now[(r, c)] = counted
        # A magic state that turned into anything else was consumed, unless counted already.
        self.consumed += sum(
            1 for position, counted in self.alive.items() if position not in now and not counted
        )
        self.magic_tiles.update(now)
        self.alive = now
        self.data_peak = max(self.data_peak, data)
        self.ancilla_peak = max(self.ancilla_peak, ancillas)

    def figures(self) -> LayoutFigures:
        return LayoutFigures(
            rows=self.rows,
            columns=self.columns,
            slices=self.slices,
            qubit_peak=self.data_peak,
            ancilla_peak=self.ancilla_peak,
            occupied_tile_slices=self.occupied,
            magic_states_consumed=self.consumed,
            distillation_tiles=tuple(sorted(self.magic_tiles)),
        )


def _patch_type(cell: Any) -> str | None:
    """A cell's patch type: cells are dicts, or objects with attributes (a compiler built
    without patch 0007 renders VisualArrayCell objects with an enum patch_type)."""
    kind = cell.get("patch_type") if isinstance(cell, dict) else getattr(cell, "patch_type", None)
    return getattr(kind, "value", kind)


def _activity(cell: Any) -> str | None:
    activity = cell.get("activity") if isinstance(cell, dict) else getattr(cell, "activity", None)
    if activity is None:
        return None
    kind = (
        activity.get("activity_type")
        if isinstance(activity, dict)
        else getattr(activity, "activity_type", None)
    )
    return getattr(kind, "value", kind)
