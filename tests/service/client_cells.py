"""The web client's cell schema (latticesurgery-com/web-ui, src/lib/slices.ts: Slices, Slice,
VisualArrayCell, Edges, QubitActivity) as JSON Schema, for tests that prove a result is something
the client draws (src/components/CellViewer.tsx).

slices.ts mirrors lsqecc's output exactly. liblsqecc, which the client also runs (in the browser,
its default), writes the same cells with two differences CellViewer draws all the same: an edge
may be "None" (no border: the style maps give undefined and the browser ignores the property),
and `activity` is {"activity_type": ...} without `op` (CellViewer reads only activity_type), its
activity_type null when the patch is idle. `strict=True` is the schema as slices.ts states it
and as lsqecc writes it (the client draws the edges a cell has, Object.keys(cell.edges), and its
text only when there is one: lsqecc writes ancilla cells with some edges and a null text); the
default admits liblsqecc's two differences and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jsonschema

ORIENTATIONS = ("Top", "Bottom", "Left", "Right")
EDGE_TYPES = ["Solid", "SolidStiched", "Dashed", "DashedStiched", "AncillaJoin"]
PATCH_TYPES = ["Qubit", "DistillationQubit", "Ancilla"]
PAULI = ["I", "X", "Y", "Z"]
ACTIVITY_TYPES = ["Unitary", "Measurement"]


def cell_schema(strict: bool) -> dict[str, Any]:
    edge = {"enum": EDGE_TYPES if strict else [*EDGE_TYPES, "None"]}
    activity_type = {"enum": ACTIVITY_TYPES if strict else [*ACTIVITY_TYPES, None]}
    activity = {
        "type": "object",
        "properties": {"op": {"enum": PAULI}, "activity_type": activity_type},
        "required": ["op", "activity_type"] if strict else ["activity_type"],
        "additionalProperties": False,
    }
    return {
        "oneOf": [
            {"type": "null"},
            {
                "type": "object",
                "properties": {
                    "edges": {
                        "type": "object",
                        "properties": {o: edge for o in ORIENTATIONS},
                        "additionalProperties": False,
                    },
                    "patch_type": {"enum": PATCH_TYPES},
                    "text": {"type": ["string", "null"]},
                    "activity": {"oneOf": [{"type": "null"}, activity]},
                },
                "required": ["edges", "patch_type", "text", "activity"],
                "additionalProperties": False,
            },
        ]
    }


def check_slices(slices: Iterable[Any], strict: bool = False) -> int:
    """Validate every slice (jsonschema.ValidationError on the first bad cell) and that each is
    a rectangle of one size (the client draws a grid); returns how many slices there were.

    The slice's own shape (a non-empty list of non-empty rows) is checked directly and each
    distinct cell against cell_schema once: a corpus answer has millions of cells but a few
    hundred distinct ones, and validating every one took 97 % of the corpus tests' time. Two
    cells with the same repr are the same JSON value (str, None, numbers, lists and dicts
    only), so the cell validated first stands for both."""
    validator = jsonschema.Draft202012Validator(cell_schema(strict))
    valid: set[str] = set()
    count = 0
    shape = None
    for index, piece in enumerate(slices):
        if not isinstance(piece, list) or not piece:
            raise jsonschema.ValidationError(f"slice {index} is not a non-empty list of rows")
        for row in piece:
            if not isinstance(row, list) or not row:
                raise jsonschema.ValidationError(
                    f"slice {index} has a row that is not a list of cells"
                )
            for cell in row:
                key = repr(cell)
                if key not in valid:
                    validator.validate(cell)
                    valid.add(key)
        this = (len(piece), {len(row) for row in piece})
        assert len(this[1]) == 1, f"slice {index}: rows of different lengths {this[1]}"
        shape = shape or this
        assert this == shape, f"slice {index} is {this}, the first was {shape}"
        count += 1
    return count
