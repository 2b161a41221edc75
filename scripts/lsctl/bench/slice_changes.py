"""How much of a compile's output is new: the cells of each slice that differ from the cell at
the same position in the slice before (the first slice against an empty grid).

Every such cell is work a compiler producing these slices must do at least once (the rest of
each slice is the previous slice's cells again, which it can carry over without looking at
them). So compile time over this count, per size, says whether a compile's work is in
proportion to what its output changes, and at large sizes compile time cannot grow more slowly
than the count. Kept free of heavy imports: the benchmark's workers import it beside a compiler.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Slice = Sequence[Sequence[Any]]


def changed_cells(slices: Sequence[Slice], as_json: Callable[[Any], bytes]) -> int:
    """Positions, summed over the slices, whose cell differs from the previous slice's cell
    there as `as_json` writes them (the service's encoder: the fixes-only build's cell objects
    and the service's plain cells compare as their JSON does); a position a slice does not have
    counts as empty (None)."""
    total = 0
    previous: Slice = []
    for current in slices:
        for y, row in enumerate(current):
            before = previous[y] if y < len(previous) else ()
            for x, cell in enumerate(row):
                old = before[x] if x < len(before) else None
                if cell is not old and as_json(cell) != as_json(old):
                    total += 1
        previous = current
    return total
