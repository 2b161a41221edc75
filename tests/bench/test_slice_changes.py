"""The benchmark's count of output cells that are new from one slice to the next."""

from __future__ import annotations

import enum

from compile_service.encoding import encode
from lsctl.bench.slice_changes import changed_cells as counted

A = {"patch_type": "Qubit", "text": "|0>", "edges": {}, "activity": None}
B = {"patch_type": "Ancilla", "text": None, "edges": {"Top": "AncillaJoin"}, "activity": None}


def changed_cells(slices: list) -> int:
    """The count as the benchmark's worker takes it: cells compared by the service's encoder."""
    return counted(slices, encode)


def test_the_first_slice_counts_every_cell_it_has():
    assert changed_cells([[[A, None, B], [None, None, None]]]) == 2


def test_a_cell_equal_to_the_one_before_is_not_new_even_as_another_object():
    first = [[A, None, B]]
    again = [[dict(A), None, {**B, "edges": dict(B["edges"])}]]
    assert changed_cells([first, again, again]) == 2


def test_cells_that_appear_change_or_disappear_each_count_once():
    first = [[A, None, None]]
    second = [[{**A, "text": "|1>"}, B, None]]  # one changed, one appeared
    third = [[{**A, "text": "|1>"}, None, None]]  # one disappeared
    assert changed_cells([first, second, third]) == 1 + 2 + 1


def test_a_slice_of_another_size_is_compared_position_by_position():
    assert changed_cells([[[A]], [[A, B], [B, None]]]) == 1 + 2
    assert changed_cells([[[A, B], [B, None]], [[A]]]) == 3  # the shrink loses nothing drawn
    assert changed_cells([]) == 0


def test_cells_as_objects_with_enums_count_as_their_json_would():
    """The fixes-only build draws cells as objects with enum fields: counted by their values."""

    class Kind(enum.Enum):
        QUBIT = "Qubit"

    class Cell:
        def __init__(self, text: str) -> None:
            self.patch_type = Kind.QUBIT
            self.edges = {Kind.QUBIT: Kind.QUBIT}
            self.text = text

    first, same, other = Cell("|0>"), Cell("|0>"), Cell("|1>")
    assert changed_cells([[[first]], [[same]], [[other]]]) == 1 + 0 + 1
