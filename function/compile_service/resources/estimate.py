"""The `resources` object of a /v2 answer: the compiled layout's logical figures, and a physical
estimate under the request's assumptions, with the assumptions echoed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from compile_service.resources import physical
from compile_service.resources.assumptions import Assumptions
from compile_service.resources.layout import LayoutFigures, read_slices

MODEL = (
    "each tile a distance-d surface-code patch of 2d^2 physical qubits, each slice d code "
    "cycles, p_L(d) = 0.1 (100 p)^((d+1)/2) per patch and cycle (Litinski, A Game of Surface "
    "Codes, 2019; Fowler and Gidney 2018); magic-state factories count only where the layout "
    "has distillation regions (lsqecc's holds its states pre-distilled: no factories counted; "
    "docs/resource-estimates.md)"
)


@dataclass(frozen=True)
class CircuitCounts:
    """What the compiler was given: T gates (pi/8 rotations, a ccx counting 7) and measurements.
    (Zero for a job queued by a build before these were counted.)"""

    t_count: int = 0
    measurements: int = 0


def estimate(
    slices: Sequence[Sequence[Sequence[Any]]],
    counts: CircuitCounts,
    assumptions: Assumptions,
    approximation_error: float,
) -> dict[str, Any]:
    """`resources` for a compile that produced `slices`. `approximation_error`: the lowering's
    error bound, part of the budget when the request sent one."""
    return estimate_figures(read_slices(slices), counts, assumptions, approximation_error)


def estimate_figures(
    figures: LayoutFigures,
    counts: CircuitCounts,
    assumptions: Assumptions,
    approximation_error: float,
) -> dict[str, Any]:
    """`resources` for a compiled layout's figures (read from its slices, or counted by the engine
    that wrote them)."""
    return {
        "logical": logical(figures, counts),
        "assumptions": assumptions.as_dict(),
        "physical": physical_part(figures, counts.t_count, assumptions, approximation_error),
        "model": MODEL,
    }


def logical(figures: LayoutFigures, counts: CircuitCounts) -> dict[str, Any]:
    return {
        "layout": {"rows": figures.rows, "columns": figures.columns, "tiles": figures.tiles},
        "slices": figures.slices,
        "patches": {
            "qubit_peak": figures.qubit_peak,
            "magic_state": len(figures.distillation_tiles),
            "ancilla_peak": figures.ancilla_peak,
        },
        "t_count": counts.t_count,
        "measurements": counts.measurements,
        # What the slices show: lsqecc measures each magic state on its tile; liblsqecc delivers
        # them as new qubit patches beside a distillation region, which the slices do not tell
        # apart from other qubits, so there it is unknown (null) rather than a wrong 0.
        "magic_states_consumed": figures.magic_states_consumed
        if figures.magic_states_consumed or not counts.t_count
        else None,
        "spacetime_volume": {
            "tile_slices": figures.tile_slices,
            "occupied_tile_slices": figures.occupied_tile_slices,
        },
        "distillation": figures.distillation_region(),
    }


def physical_part(
    figures: LayoutFigures, t_count: int, assumptions: Assumptions, approximation_error: float
) -> dict[str, Any]:
    """The budget less the approximations (when sent) is split: half to running the layout and
    half to the `t_count` magic states it consumes (all to the layout without T gates)."""
    budget = assumptions.budget
    approximation = approximation_error if assumptions.error_budget is not None else 0.0
    execution = budget - approximation
    magic_budget = execution / 2 if t_count else 0.0
    layout_budget = execution - magic_budget
    split = {
        "total": budget,
        "approximation": _significant(approximation),
        "layout": _significant(layout_budget),
        "magic_states": _significant(magic_budget),
        "per_magic_state": _significant(magic_budget / t_count) if t_count else None,
    }
    if execution <= 0 or figures.occupied_tile_slices == 0:
        return {"error_budget": split, "unavailable": "the approximations use the whole budget"}
    try:
        found = physical.estimate(
            figures.tiles,
            figures.slices,
            figures.occupied_tile_slices,
            assumptions.physical_error_rate,
            assumptions.cycle_time,
            layout_budget,
        )
    except physical.BudgetUnreachable as exc:
        return {"error_budget": split, "unavailable": str(exc)}
    return {
        "code_distance": found.code_distance,
        "physical_qubits": found.physical_qubits,
        "code_cycles": found.code_cycles,
        "run_time": _significant(found.run_time),
        "logical_error_rate": _significant(found.logical_error_rate),
        "layout_error": _significant(found.layout_error),
        "error_budget": split,
    }


def _significant(value: float, digits: int = 6) -> float:
    """`value` to `digits` significant digits (no binary noise such as 0.0009019999999999999)."""
    return float(f"{value:.{digits}g}")
