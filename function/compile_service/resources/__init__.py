"""Resource estimates of a compiled circuit: what it needs, logically and physically.

- layout.py      logical figures read from the compiled slices (the cell schema every engine emits)
- assumptions.py the physical assumptions a request may set, with their defaults
- physical.py    code distance, physical qubits and run time under those assumptions
- estimate.py    both together, as the `resources` object of /v2 answers

Formulas and references: docs/resource-estimates.md.
"""

from __future__ import annotations

from compile_service.resources.assumptions import Assumptions
from compile_service.resources.estimate import CircuitCounts, estimate, estimate_figures
from compile_service.resources.layout import LayoutFigures, LayoutTally, read_slices

__all__ = [
    "Assumptions",
    "CircuitCounts",
    "LayoutFigures",
    "LayoutTally",
    "estimate",
    "estimate_figures",
    "read_slices",
]
