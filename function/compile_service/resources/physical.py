"""A physical estimate of a compiled layout: code distance, physical qubits, run time.

The model (docs/resource-estimates.md has the derivation and references):
- Every tile of the layout is one surface-code patch of distance d: 2 d^2 physical qubits
  (d^2 data and d^2 - 1 measurement qubits, rounded up; Litinski 2019, Sec. 1).
- Every slice is one logical time step of d code cycles (a lattice-surgery merge takes d cycles
  to be fault-tolerant; Litinski 2019, Sec. 1).
- A patch fails in one code cycle with probability p_L(d) = 0.1 (100 p)^((d+1)/2) (Fowler and
  Gidney 2018, arXiv:1808.06709; used by Litinski 2019): every occupied tile of every slice is d
  such patch-cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

from compile_service.resources.assumptions import THRESHOLD

PREFACTOR = 0.1
MIN_DISTANCE = 3
MAX_DISTANCE = 999  # far beyond any device; an error budget needing more is refused


class BudgetUnreachable(ValueError):
    """No code distance up to MAX_DISTANCE meets the budget."""


@dataclass(frozen=True)
class PhysicalEstimate:
    code_distance: int
    logical_error_rate: float  # per patch per code cycle at that distance
    layout_error: float  # of all occupied tile-slices at that distance
    physical_qubits: int
    code_cycles: int
    run_time: float  # seconds


def logical_error_rate(physical_error_rate: float, distance: int) -> float:
    """p_L(d) = 0.1 (p / p_th)^((d+1)/2), p_th = 1e-2: per patch, per code cycle."""
    return PREFACTOR * (physical_error_rate / THRESHOLD) ** ((distance + 1) / 2)


def qubits_per_tile(distance: int) -> int:
    return 2 * distance * distance


def code_distance(occupied_tile_slices: int, physical_error_rate: float, budget: float) -> int:
    """The smallest odd distance at which `occupied_tile_slices` x d cycles fail with at most
    `budget` probability, or BudgetUnreachable."""
    for distance in range(MIN_DISTANCE, MAX_DISTANCE + 1, 2):
        error = occupied_tile_slices * distance * logical_error_rate(physical_error_rate, distance)
        if error <= budget:
            return distance
    raise BudgetUnreachable(
        f"no code distance up to {MAX_DISTANCE} keeps {occupied_tile_slices} occupied "
        f"tile-slices within an error of {budget:g} at physical error rate {physical_error_rate:g}"
    )


def estimate(
    tiles: int,
    slices: int,
    occupied_tile_slices: int,
    physical_error_rate: float,
    cycle_time: float,
    budget: float,
) -> PhysicalEstimate:
    """The layout (`tiles` x `slices`, `occupied_tile_slices` of them in use) run fault-tolerantly
    with failure probability at most `budget`."""
    distance = code_distance(occupied_tile_slices, physical_error_rate, budget)
    rate = logical_error_rate(physical_error_rate, distance)
    cycles = slices * distance
    return PhysicalEstimate(
        code_distance=distance,
        logical_error_rate=rate,
        layout_error=occupied_tile_slices * distance * rate,
        physical_qubits=tiles * qubits_per_tile(distance),
        code_cycles=cycles,
        run_time=cycles * cycle_time,
    )
