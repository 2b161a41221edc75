"""Lowering: rewrite a parsed circuit into the OpenQASM 2.0 dialect the pinned compiler handles.

parse (circuit_check) -> lower (this package) -> compile (compiler.py). One module per job:

- dialect.py       what the compiler accepts, and whether a circuit already is in it
- registers.py     several quantum registers merged into one, in declaration order
- rewrite.py       gates outside the dialect rewritten exactly with qiskit's own decompositions
- approximate.py   remaining single-qubit rotations approximated over Clifford+T (gridsynth)
- emit.py          the lowered gates as OpenQASM 2.0 text
- report.py        what was done, for the user
"""

from __future__ import annotations

from compile_service.lowering.approximate import DEFAULT_PRECISION, MAX_PRECISION, MIN_PRECISION
from compile_service.lowering.lower import Lowered, lower
from compile_service.lowering.report import COARSER_PRECISION_HELPS, LoweringReport

__all__ = [
    "COARSER_PRECISION_HELPS",
    "DEFAULT_PRECISION",
    "MAX_PRECISION",
    "MIN_PRECISION",
    "Lowered",
    "LoweringReport",
    "lower",
]
