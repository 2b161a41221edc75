"""check_slices, the proof that an answer is something the web client draws, must reject what
the client cannot draw even where it validates each distinct cell only once."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from tests.service import client_cells

QUBIT = {
    "edges": {"Top": "Solid", "Bottom": "Solid", "Left": "Dashed", "Right": "Dashed"},
    "patch_type": "Qubit",
    "text": "q0",
    "activity": {"op": "Z", "activity_type": "Measurement"},
}
LIBLSQECC_IDLE = {
    "edges": {"Top": "None", "Bottom": "Solid"},
    "patch_type": "Ancilla",
    "text": None,
    "activity": {"activity_type": None},
}


def grid(cell: object, rows: int = 2, columns: int = 3) -> list[list[object]]:
    return [[copy.deepcopy(cell) if c == 0 else None for c in range(columns)] for _ in range(rows)]


def test_good_slices_are_counted() -> None:
    assert client_cells.check_slices([grid(QUBIT), grid(QUBIT), grid(LIBLSQECC_IDLE)]) == 3


def test_a_bad_cell_is_found_after_many_good_copies_of_a_similar_one() -> None:
    bad = copy.deepcopy(QUBIT)
    bad["edges"]["Top"] = "Wavy"
    slices = [grid(QUBIT) for _ in range(50)] + [grid(bad)]
    with pytest.raises(jsonschema.ValidationError):
        client_cells.check_slices(slices)


def test_strict_refuses_what_only_liblsqecc_writes() -> None:
    client_cells.check_slices([grid(LIBLSQECC_IDLE)])
    with pytest.raises(jsonschema.ValidationError):
        client_cells.check_slices([grid(LIBLSQECC_IDLE)], strict=True)


@pytest.mark.parametrize(
    "slices",
    [
        [[]],  # a slice without rows
        [[[]]],  # a row without cells
        [{"0": [None]}],  # not a list of rows
        [[[{"patch_type": "Qubit"}]]],  # a cell without its required fields
    ],
)
def test_what_the_client_cannot_draw_is_refused(slices: list[object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        client_cells.check_slices(slices)


def test_ragged_and_resized_slices_are_refused() -> None:
    with pytest.raises(AssertionError, match="rows of different lengths"):
        client_cells.check_slices([[[None, None], [None]]])
    with pytest.raises(AssertionError, match="the first was"):
        client_cells.check_slices([grid(QUBIT, 2, 3), grid(QUBIT, 3, 3)])
