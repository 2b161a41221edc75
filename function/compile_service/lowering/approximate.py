"""z rotations as Clifford+T: exact for multiples of pi/4, gridsynth (pygridsynth) otherwise.

gridsynth returns a word over H, S, T, X and W (W = e^{i pi/4}, a global phase, dropped) whose
unitary lies within `precision` of rz(angle) in operator norm, up to a global phase. Words are
cached per (angle, precision): real circuits repeat their angles (qft, qpe, trotter steps).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from compile_service.errors import UnsupportedCircuit
from compile_service.lowering.dialect import PHASE_GATES, quarter_turns

# Operator-norm distance allowed per approximated rotation unless a request says otherwise, chosen
# by measurement (docs/lowering.md, "The default precision"): the compiler's time grows with the
# T count (about 9, 14, 21 and 33 T per rotation at 1e-1, 3e-2, 1e-2 and 1e-3). The corpus
# compiles 28, 26 and 25 of 36 circuits at 1e-1, 3e-2 and 1e-2; 1e-1 is too coarse to size a
# computation by (a third fewer T, 0.1 off per rotation), so 3e-2.
DEFAULT_PRECISION = 3e-2
MIN_PRECISION = 1e-6  # finer words get long (~170 gates at 1e-6) and slow to synthesise
MAX_PRECISION = 0.1
# Of a total error budget, the share the approximations may use, split evenly among the rotations
# (the rest is the fault-tolerant execution's: resources/estimate.py). Microsoft's estimator
# splits its budget in three the same way when a circuit has rotations to synthesise.
SYNTHESIS_SHARE = 1 / 3

_LETTERS = {"H": "h", "S": "s", "T": "t", "X": "x"}
PHASE_ONLY = "W"


def exact_phase(angle: float) -> tuple[str, ...] | None:
    """rz(angle) as native gates when angle is a multiple of pi/4, else None."""
    turns = quarter_turns(angle)
    return None if turns is None else PHASE_GATES[turns % 8]


def precision_for(
    precision: float | None, error_budget: float | None, rotations: int
) -> float | None:
    """The per-rotation precision: `precision`, or finer when a total `error_budget` is sent
    (its SYNTHESIS_SHARE over `rotations`), so the rotations together stay within that share.
    UnsupportedCircuit when that needs a precision finer than MIN_PRECISION."""
    if error_budget is None or precision is None or rotations == 0:
        return precision
    share = error_budget * SYNTHESIS_SHARE / rotations
    if share < MIN_PRECISION:
        raise UnsupportedCircuit(
            f"an error budget of {error_budget:g} leaves {share:.3g} for each of the {rotations} "
            f"rotations to approximate ({SYNTHESIS_SHARE:.3g} of it for all of them), finer than "
            f"the finest precision this service synthesises ({MIN_PRECISION:g}): send a larger "
            "error_budget"
        )
    return min(precision, share)


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


_MATRICES = {
    "h": np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2),
    "s": np.diag([1, 1j]),
    "t": np.diag([1, np.exp(1j * math.pi / 4)]),
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
}


@functools.lru_cache(maxsize=4096)
def distance(angle: float, word: tuple[str, ...]) -> float:
    """The operator-norm distance, up to a global phase, between `word` (circuit order) and
    rz(angle): what approximate_rz keeps within its precision. For unitaries U, V with V^dagger U
    of eigenphases a, b it is 2 sin(|a - b| / 4) (the phase halfway between them is the best)."""
    product = np.eye(2, dtype=complex)
    for letter in word:
        product = _MATRICES[letter] @ product
    target = np.diag([np.exp(-0.5j * angle), np.exp(0.5j * angle)])
    first, second = np.linalg.eigvals(target.conj().T @ product)
    gap = abs(np.angle(first / second))
    return 2 * math.sin(gap / 4)
