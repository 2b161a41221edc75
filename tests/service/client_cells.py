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


def slice_schema(strict: bool = False) -> dict[str, Any]:
    """A Slice: rows of cells, every row as long as the first."""
    return {
        "type": "array",
        "minItems": 1,
        "items": {"type": "array", "minItems": 1, "items": cell_schema(strict)},
    }


def check_slices(slices: Iterable[Any], strict: bool = False) -> int:
    """Validate every slice (jsonschema.ValidationError on the first bad cell) and that each is
    a rectangle of one size (the client draws a grid); returns how many slices there were."""
    validator = jsonschema.Draft202012Validator(slice_schema(strict))
    count = 0
    shape = None
    for index, piece in enumerate(slices):
        validator.validate(piece)
        this = (len(piece), {len(row) for row in piece})
        assert len(this[1]) == 1, f"slice {index}: rows of different lengths {this[1]}"
        shape = shape or this
        assert this == shape, f"slice {index} is {this}, the first was {shape}"
        count += 1
    return count
