"""The single-qubit runs the lowering writes, as pi/8 rotations about X or Z and few Cliffords.

An approximated rotation comes from gridsynth as a word like `h t h t s h t ...`, and a rewritten
single-qubit gate as `rz h rz h rz`. The pinned compiler draws every `h` as three pi/4 rotations:
`h t h` takes 50 slices with the Litinski transform and 34 without, `rx(pi/4)` (the same up to
a global phase) 10 and 10. So each run of such gates on a qubit (nothing else on the qubit in
between) is written again, exactly up to a global phase and with the same T count:

- the Cliffords are moved to the end of the run: each T becomes a pi/8 rotation about the axis
  the Cliffords before it turn Z into;
- a rotation about Z is written `t`/`tdg`, about X `rx(+-pi/4)`; before a rotation about Y (which
  the compiler has no gate for), or wherever it makes the run cheaper, a Clifford is written that
  turns the axis into X or Z. Which Cliffords, is chosen for the fewest slices without the
  transform (x, z: 1; s, sdg, rx(+-pi/2): 4; h: 12), by dynamic programming over the 24
  single-qubit Cliffords;
- what remains is written at the end as the cheapest word for it.

Gates the user wrote are left as they are: only gates the lowering wrote (`Gate.lowered`) are.

A single-qubit Clifford D (up to phase) is represented by what it does to X and Z under
conjugation, P -> D^dagger P D (a `Conjugation`).
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from compile_service.lowering.dialect import slices_without_transform
from compile_service.lowering.rewrite import Gate

# A signed Pauli: (axis, sign), axis "X", "Y" or "Z", sign +1 or -1.
Pauli = tuple[str, int]
# (D^dagger X D, D^dagger Z D)
Conjugation = tuple[Pauli, Pauli]

IDENTITY: Conjugation = (("X", 1), ("Z", 1))
# G^dagger X G, G^dagger Z G for the Cliffords of the dialect; rx by quarter turns (rx2: pi/2).
_GATES: dict[str, Conjugation] = {
    "h": (("Z", 1), ("X", 1)),
    "s": (("Y", -1), ("Z", 1)),
    "sdg": (("Y", 1), ("Z", 1)),
    "x": (("X", 1), ("Z", -1)),
    "z": (("X", -1), ("Z", 1)),
    "rx2": (("X", 1), ("Y", 1)),  # e^{i pi/4 X} Z e^{-i pi/4 X} = Y
    "rx-2": (("X", 1), ("Y", -1)),
}
# T and its inverse: a pi/8 rotation about Z, turning one way or the other.
_TURNS = {"t": 1, "tdg": -1}
# i A B for two different axes A, B: the third axis, with its sign.
_TIMES_I = {
    ("X", "Z"): ("Y", 1),
    ("Z", "X"): ("Y", -1),
    ("Y", "X"): ("Z", 1),
    ("X", "Y"): ("Z", -1),
    ("Z", "Y"): ("X", 1),
    ("Y", "Z"): ("X", -1),
}


@dataclass(frozen=True)
class Written:
    """A gate of a rewritten run: "t", "tdg", "rx" (angle in quarter turns: +-1 is +-pi/4, +-2
    is +-pi/2) or a Clifford of the dialect."""

    name: str
    quarters: int | None = None


def _written(gate: str) -> Written:
    """A name of _GATES as the gate it writes ("rx2" is rx(pi/2))."""
    return Written("rx", int(gate[2:])) if gate.startswith("rx") else Written(gate)


def _slices(gate: str) -> int:
    """What a Clifford of _GATES takes without the transform (dialect.py): what the choice of
    Cliffords minimises."""
    written = _written(gate)
    return slices_without_transform((written.name, (0,), written.quarters))


_COSTS = {gate: _slices(gate) for gate in _GATES}


def image(conjugation: Conjugation, pauli: Pauli) -> Pauli:
    """D^dagger P D."""
    axis, sign = pauli
    x_image, z_image = conjugation
    if axis == "X":
        found = x_image
    elif axis == "Z":
        found = z_image
    else:  # Y = i X Z
        (a, sa), (b, sb) = x_image, z_image
        third, st = _TIMES_I[(a, b)]
        found = (third, sa * sb * st)
    return found[0], found[1] * sign


def product(first: Conjugation, second: Conjugation) -> Conjugation:
    """The conjugation of the operator product A B, from those of A and of B."""
    return image(second, first[0]), image(second, first[1])


def _cheapest() -> dict[Conjugation, tuple[int, tuple[str, ...]]]:
    """Each of the 24 single-qubit Cliffords: its cost and cheapest word (circuit order)."""
    best: dict[Conjugation, tuple[int, tuple[str, ...]]] = {}
    queue: list[tuple[int, int, tuple[str, ...], Conjugation]] = [(0, 0, (), IDENTITY)]
    while queue:
        cost, length, word, clifford = heapq.heappop(queue)
        if clifford in best:
            continue
        best[clifford] = (cost, word)
        for gate, gate_cost in _COSTS.items():
            following = product(_GATES[gate], clifford)  # the gate applied after the word
            if following not in best:
                heapq.heappush(queue, (cost + gate_cost, length + 1, (*word, gate), following))
    return best


CHEAPEST = _cheapest()
_INVERSE = {a: b for a in CHEAPEST for b in CHEAPEST if product(a, b) == IDENTITY}
# For each pending Clifford D: the Cliffords C worth writing before a rotation (those after which
# the rotation is about X or Z) and the pending Clifford D C^-1 they leave.
_BEFORE_ROTATION = {
    pending: [
        (clifford, left)
        for clifford in CHEAPEST
        if image(left := product(pending, _INVERSE[clifford]), ("Z", 1))[0] != "Y"
    ]
    for pending in CHEAPEST
}


def rewrite_runs(gates: Sequence[Gate]) -> list[Gate]:
    """`gates` with every run of lowered single-qubit gates on a qubit written again by
    rewrite_run, in the place of the run's first gate."""
    runs: dict[int, list[int]] = {}  # qubit -> indices of its open run
    replaced: dict[int, list[Gate]] = {}

    def close(qubit: int) -> None:
        run = runs.pop(qubit, [])
        if run:
            written = rewrite_run(tuple(gates[i].name for i in run))
            replaced[run[0]] = [
                Gate(w.name, (qubit,), quarters=w.quarters, lowered=True) for w in written
            ]
            replaced.update((i, []) for i in run[1:])

    for index, gate in enumerate(gates):
        if gate.lowered and len(gate.qubits) == 1 and gate.quarters is None:
            runs.setdefault(gate.qubits[0], []).append(index)
            continue
        for qubit in gate.qubits:
            close(qubit)
    for qubit in list(runs):
        close(qubit)
    out: list[Gate] = []
    for index, gate in enumerate(gates):
        out.extend(replaced.get(index, (gate,)))
    return out


@functools.lru_cache(maxsize=4096)
def rewrite_run(names: tuple[str, ...]) -> tuple[Written, ...]:
    """A run of Clifford+T gates on one qubit (circuit order: h, s, sdg, x, z, t, tdg) as pi/8
    rotations about X or Z and the fewest slices of Cliffords."""
    # The cheapest way found to each pending Clifford D (what is read and not yet written, to be
    # applied after what is written): its cost, and how (a linked list of written steps).
    states: dict[Conjugation, tuple[int, tuple | None]] = {IDENTITY: (0, None)}
    for name in names:
        turn = _TURNS.get(name)
        if turn is None:  # read a Clifford G: pending G D
            states = {_after(pending, name): found for pending, found in states.items()}
            continue
        following: dict[Conjugation, tuple[int, tuple | None]] = {}
        for pending, (cost, steps) in states.items():
            for clifford, left in _BEFORE_ROTATION[pending]:
                total = cost + CHEAPEST[clifford][0]
                if left not in following or total < following[left][0]:
                    axis, sign = image(left, ("Z", 1))
                    following[left] = (total, (steps, clifford, axis, turn * sign))
        states = following
    pending, (_, steps) = min(states.items(), key=lambda item: _finished(*item))
    written: list[Written] = [_written(gate) for gate in CHEAPEST[pending][1]]
    while steps is not None:
        steps, clifford, axis, angle = steps
        rotation = Written("t" if angle > 0 else "tdg") if axis == "Z" else Written("rx", angle)
        written[:0] = [*(_written(gate) for gate in CHEAPEST[clifford][1]), rotation]
    return tuple(written)


def _finished(pending: Conjugation, found: tuple[int, tuple | None]) -> tuple[int, int]:
    """The cost of a run ending with `pending` written, then its final word's length."""
    cost, word = CHEAPEST[pending]
    return found[0] + cost, len(word)


def _after(pending: Conjugation, gate: str) -> Conjugation:
    """The pending Clifford G D once gate G is read."""
    return product(_GATES[gate], pending)
