"""How much of a compile's output is new: the cells of each slice that differ from the cell at
the same position in the slice before (the first slice against an empty grid).

Every such cell is work a compiler producing these slices must do at least once (the rest of
each slice is the previous slice's cells again, which it can carry over without looking at
them). So compile time over this count, per size, says whether a compile's work is in
proportion to what its output changes, and at large sizes compile time cannot grow more slowly
than the count. Kept free of heavy imports: the benchmark's workers import it beside a compiler.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

Slice = Sequence[Sequence[Any]]


def changed_cells(slices: Sequence[Slice]) -> int:
    """Positions, summed over the slices, whose cell differs (by value: as its JSON would be)
    from the previous slice's cell there; a position a slice does not have counts as empty."""
    total = 0
    previous: Slice = []
    for current in slices:
        for y, row in enumerate(current):
            before = previous[y] if y < len(previous) else ()
            for x, cell in enumerate(row):
                old = before[x] if x < len(before) else None
                if cell is not old and _plain(cell) != _plain(old):
                    total += 1
        previous = current
    return total


def _plain(value: Any) -> Any:
    """`value` as the data its JSON is made of: the service's cells already are (plain dicts);
    upstream's VisualArrayCell objects and their enums are converted (the fixes-only build)."""
    if type(value) is dict and all(type(k) is str for k in value):
        return value if _is_plain(value) else {k: _plain(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return _plain(vars(value))


def _is_plain(cell: dict[str, Any]) -> bool:
    return all(
        v is None or type(v) in (str, int, float, bool) or (type(v) is dict and _is_plain(v))
        for v in cell.values()
    )
