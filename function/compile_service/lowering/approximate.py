"""z rotations as Clifford+T: exact for multiples of pi/4, gridsynth (pygridsynth) otherwise.

gridsynth returns a word over H, S, T, X and W (W = e^{i pi/4}, a global phase, dropped) whose
unitary lies within `precision` of rz(angle) in operator norm, up to a global phase. Words are
cached per (angle, precision): real circuits repeat their angles (qft, qpe, trotter steps).
"""

from __future__ import annotations

import functools
import math

from compile_service.lowering.dialect import PHASE_GATES, quarter_turns

# Operator-norm distance allowed per approximated rotation unless a request says otherwise, chosen
# by measurement (docs/lowering.md, "The default precision"): the compiler's time grows with the
# T count (about 9, 14, 21 and 33 T per rotation at 1e-1, 3e-2, 1e-2 and 1e-3). The corpus
# compiles 28, 26 and 25 of 36 circuits at 1e-1, 3e-2 and 1e-2; 1e-1 is too coarse to size a
# computation by (a third fewer T, 0.1 off per rotation), so 3e-2.
DEFAULT_PRECISION = 3e-2
MIN_PRECISION = 1e-6  # finer words get long (~170 gates at 1e-6) and slow to synthesise
MAX_PRECISION = 0.1

_LETTERS = {"H": "h", "S": "s", "T": "t", "X": "x"}
PHASE_ONLY = "W"


def exact_phase(angle: float) -> tuple[str, ...] | None:
    """rz(angle) as native gates when angle is a multiple of pi/4, else None."""
    turns = quarter_turns(angle)
    return None if turns is None else PHASE_GATES[turns % 8]


def approximate_rz(angle: float, precision: float) -> tuple[str, ...]:
    """Native single-qubit gates, in circuit order, within `precision` of rz(angle)."""
    reduced = math.remainder(angle, 2 * math.pi)  # rz has period 2pi up to a global phase
    return _gridsynth(reduced, precision)


@functools.lru_cache(maxsize=4096)
def _gridsynth(angle: float, precision: float) -> tuple[str, ...]:
    import mpmath
    from pygridsynth.gridsynth import gridsynth_gates

    word = gridsynth_gates(mpmath.mpf(repr(angle)), mpmath.mpf(repr(precision)))
    # The word is a matrix product (its last letter acts first): reverse it into circuit order.
    return tuple(_LETTERS[letter] for letter in reversed(word) if letter != PHASE_ONLY)
