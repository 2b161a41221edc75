"""Resource estimates: the logical figures read from slices, the physical estimate, the error
budget, against values worked out by hand (the arithmetic is in each test's comment); then the
/v2 answers and job results that carry them (recorded real compiler output, no compiler needed)."""

from __future__ import annotations

import json
import math

import pytest

from compile_service.resources import Assumptions, CircuitCounts, estimate, physical, read_slices
from compile_service.resources.estimate import physical_part
from tests.service.recorded import circuit, load
from tests.service.test_jobs import download, get_job, jobs, moto_url, submit  # noqa: F401

Q = {"patch_type": "Qubit", "text": "|0>", "activity": None}
A = {"patch_type": "Ancilla", "text": "", "activity": {"activity_type": None}}
M = {"patch_type": "DistillationQubit", "text": "|m>", "activity": None}
MEASURED = {"patch_type": "DistillationQubit", "activity": {"activity_type": "Measurement"}}

# Two rows of three tiles, four slices. Occupied cells: 3 + 6 + 3 + 3 = 15.
SLICES = [
    [[Q, None, M], [None, None, M]],
    [[Q, A, M], [Q, A, M]],
    # (0,2) is measured: consumed (lsqecc keeps the tile); (1,2) vanished: consumed.
    [[Q, None, MEASURED], [Q, None, None]],
    # (0,2) is the same magic state, counted already.
    [[Q, None, M], [Q, None, None]],
]


def test_layout_figures_by_hand():
    figures = read_slices(SLICES)
    assert (figures.rows, figures.columns, figures.tiles, figures.slices) == (2, 3, 6, 4)
    assert figures.tile_slices == 24 and figures.occupied_tile_slices == 15
    assert figures.qubit_peak == 2 and figures.ancilla_peak == 2
    assert figures.magic_states_consumed == 2
    assert figures.distillation_region() == {"tiles": 2, "rows": [0, 1], "columns": [2, 2]}


def test_a_magic_state_that_becomes_a_data_qubit_was_consumed():
    # liblsqecc binds a teleported magic state as the qubit: its tile turns into a Qubit.
    assert read_slices([[[M, Q]], [[Q, Q]], [[Q, Q]]]).magic_states_consumed == 1
    # A state never used is not consumed; no magic states, no distillation region.
    assert read_slices([[[M]], [[M]]]).magic_states_consumed == 0
    assert read_slices([[[Q]]]).distillation_region() is None


def test_liblsqecc_style_slices_leave_consumption_unknown_not_zero():
    # liblsqecc: a distillation region's tiles stay DistillationQubit; the magic state it
    # delivers appears as a new Qubit patch next to the data, is measured, and is gone.
    region = {"patch_type": "DistillationQubit", "text": "", "activity": {"activity_type": None}}
    delivered = {"patch_type": "Qubit", "text": "Id: 2", "activity": None}
    slices = [[[Q, None, region]], [[Q, delivered, region]], [[Q, None, region]]]
    resources = estimate(slices, CircuitCounts(t_count=1, measurements=0), Assumptions(), 0.0)
    logical = resources["logical"]
    assert logical["magic_states_consumed"] is None and logical["t_count"] == 1
    assert logical["distillation"] == {"tiles": 1, "rows": [0, 0], "columns": [2, 2]}
    # The budget follows the T count: half of 1e-3 for the one magic state.
    assert resources["physical"]["error_budget"]["per_magic_state"] == 5e-4


def test_logical_error_rate_is_fowler_gidney():
    # 0.1 (100 p)^((d+1)/2): p = 1e-3, d = 9 -> 0.1 * 0.1^5 = 1e-6; p = 1e-4, d = 5 -> 1e-7.
    assert physical.logical_error_rate(1e-3, 9) == pytest.approx(1e-6)
    assert physical.logical_error_rate(1e-4, 5) == pytest.approx(1e-7)


def test_physical_estimate_by_hand():
    # 16 occupied tile-slices, budget 1e-3, p = 1e-3: 16 d p_L(d) is
    # d=3: 16*3*1e-3 = 0.048; d=5: 16*5*1e-4 = 8e-3; d=7: 16*7*1e-5 = 1.12e-3; d=9: 1.44e-4 <= 1e-3.
    found = physical.estimate(6, 4, 16, 1e-3, 1e-6, 1e-3)
    assert found.code_distance == 9
    assert found.physical_qubits == 6 * 2 * 81 == 972
    assert found.code_cycles == 4 * 9
    assert found.run_time == pytest.approx(36e-6)
    assert found.layout_error == pytest.approx(1.44e-4)
    # p = 1e-4, 1000 tile-slices: d=3: 1000*3*1e-5 = 0.03; d=5: 1000*5*1e-7 = 5e-4 <= 1e-3.
    assert physical.code_distance(1000, 1e-4, 1e-3) == 5


def test_a_budget_no_distance_reaches_is_said_not_looped():
    with pytest.raises(physical.BudgetUnreachable, match="no code distance up to 999"):
        physical.code_distance(10**6, 9.99e-3, 1e-15)


def test_the_budget_is_split_between_layout_and_magic_states():
    figures = read_slices(SLICES)  # 15 occupied tile-slices; 2 T gates
    # Not sent: 1e-3 for running the layout; the approximation is not in it; half each.
    default = physical_part(figures, 2, Assumptions(), approximation_error=0.02)["error_budget"]
    assert default == {
        "total": 1e-3,
        "approximation": 0.0,
        "layout": 5e-4,
        "magic_states": 5e-4,
        "per_magic_state": 2.5e-4,
    }
    # Sent 3e-3 with 6e-4 of approximations: 2.4e-3 left, 1.2e-3 each, 6e-4 per magic state.
    sent = physical_part(figures, 2, Assumptions(error_budget=3e-3), approximation_error=6e-4)
    assert sent["error_budget"] == {
        "total": 3e-3,
        "approximation": 6e-4,
        "layout": 1.2e-3,
        "magic_states": 1.2e-3,
        "per_magic_state": 6e-4,
    }
    # 15 d p_L(d) <= 1.2e-3: d=5 gives 15*5*1e-4 = 7.5e-3; d=7 gives 15*7*1e-5 = 1.05e-3.
    assert sent["code_distance"] == 7


def test_estimate_echoes_the_assumptions():
    assumptions = Assumptions(physical_error_rate=1e-4, cycle_time=2e-6, error_budget=1e-2)
    resources = estimate(SLICES, CircuitCounts(t_count=2, measurements=0), assumptions, 0.0)
    assert resources["assumptions"] == {
        "physical_error_rate": 1e-4,
        "cycle_time": 2e-6,
        "error_budget": 1e-2,
    }
    assert resources["logical"]["t_count"] == 2
    # Layout budget 5e-3; p = 1e-4: d=3: 15*3*1e-5 = 4.5e-4 <= 5e-3. 4 slices * 3 cycles.
    assert resources["physical"]["code_distance"] == 3
    assert resources["physical"]["run_time"] == pytest.approx(4 * 3 * 2e-6)


# The README's example (recorded real output): 3 x 6 tiles, 82 slices, 361 occupied tile-slices,
# one T gate. Budget 1e-3 without approximations: 5e-4 to the layout. 361 d p_L(d):
# d=9: 361*9*1e-6 = 3.25e-3; d=11: 361*11*1e-7 = 3.97e-4 <= 5e-4. Qubits 18 * 2 * 121 = 4356;
# 82 * 11 = 902 cycles of 1 us.
README_LOGICAL = {
    "layout": {"rows": 3, "columns": 6, "tiles": 18},
    "slices": 82,
    "t_count": 1,
    "magic_states_consumed": 1,
    "spacetime_volume": {"tile_slices": 18 * 82, "occupied_tile_slices": 361},
    "distillation": {"tiles": 1, "rows": [0, 0], "columns": [5, 5]},
}


def test_v2_answer_carries_resources(invoke, recorded_compiler):
    result = invoke("POST", "/v2/compile", {"circuit": circuit("readme_example")})
    assert result["statusCode"] == 200, result["body"]
    resources = json.loads(result["body"])["resources"]
    assert resources["logical"].items() >= README_LOGICAL.items()
    assert resources["assumptions"] == {
        "physical_error_rate": 1e-3,
        "cycle_time": 1e-6,
        "error_budget": None,
    }
    physical_figures = resources["physical"]
    assert physical_figures["code_distance"] == 11
    assert physical_figures["physical_qubits"] == 4356
    assert physical_figures["code_cycles"] == 902
    assert physical_figures["run_time"] == pytest.approx(902e-6)


def test_assumptions_are_part_of_the_result_key(invoke, recorded_compiler):
    body = {"circuit": circuit("readme_example")}
    first = invoke("POST", "/v2/compile", body)
    other = invoke("POST", "/v2/compile", {**body, "physical_error_rate": 1e-4})
    assert first["headers"]["X-Cache"] == other["headers"]["X-Cache"] == "miss"
    resources = json.loads(other["body"])["resources"]
    assert resources["assumptions"]["physical_error_rate"] == 1e-4
    # 361 d p_L(d) <= 5e-4 at p = 1e-4: d=5: 361*5*1e-7 = 1.8e-4.
    assert resources["physical"]["code_distance"] == 5
    again = invoke("POST", "/v2/compile", {**body, "physical_error_rate": 1e-4})
    assert again["headers"]["X-Cache"] == "hit"


@pytest.mark.parametrize(
    ("field", "value"),
    [("physical_error_rate", 0.01), ("physical_error_rate", 0), ("cycle_time", 0),
     ("error_budget", 0.9), ("physical_error_rate", "1e-3")],
)  # fmt: skip
def test_bad_assumptions_are_400_naming_the_field(invoke, recorded_compiler, field, value):
    result = invoke("POST", "/v2/compile", {"circuit": circuit("readme_example"), field: value})
    assert result["statusCode"] == 400
    assert field in json.loads(result["body"])["error"]["message"]


def test_a_job_result_carries_the_same_resources(invoke, recorded_compiler, jobs):  # noqa: F811
    body = {"circuit": circuit("readme_example"), "cycle_time": 2e-6}
    job = submit(invoke, body)
    assert jobs.deliver() == 1
    document = download(get_job(invoke, job["id"])["result_url"])
    assert document["resources"]["logical"].items() >= README_LOGICAL.items()
    assert document["resources"]["physical"]["run_time"] == pytest.approx(902 * 2e-6)
    assert document["slices"] == load("readme_example", True)["slices"]


# Lowering: the error bound and the error budget (qiskit and gridsynth, no compiler).
ROTATIONS = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nrz(0.3) q[0];\nrx(0.7) q[0];\n'


def _lower(precision, error_budget=None):
    from compile_service import circuit_check, lowering
    from compile_service.settings import load_limits

    limits = load_limits()
    parsed = circuit_check.check(ROTATIONS, limits)
    return lowering.lower(parsed.circuit, parsed.source, precision, 2000, error_budget).report


def test_distance_by_hand():
    from compile_service.lowering.approximate import distance

    # Nothing for rz(0.1): V^dagger U has eigenphases -+0.05, a gap 0.1: 2 sin(0.1 / 4).
    assert distance(0.1, ()) == pytest.approx(2 * math.sin(0.025))
    assert distance(math.pi / 4, ("t",)) == pytest.approx(0, abs=1e-12)
    assert distance(math.pi / 2, ("t",)) == pytest.approx(2 * math.sin(math.pi / 16))


def test_error_bound_is_the_sum_of_each_rotations_distance():
    report = _lower(0.03)
    assert report.rotations_approximated == 2
    assert 0 < report.error_bound <= 2 * 0.03
    assert report.as_dict()["error_bound"] == report.error_bound


def test_an_error_budget_makes_the_precision_finer():
    # A third of 3e-3 over 2 rotations: 5e-4 each, finer than the default 0.03.
    report = _lower(0.03, error_budget=3e-3)
    assert report.precision == pytest.approx(5e-4)
    assert report.error_bound <= 1e-3
    assert report.as_dict()["error_budget"] == 3e-3
    # A generous budget leaves the precision as it was.
    assert _lower(0.03, error_budget=0.5).precision == 0.03


def test_a_budget_too_small_to_synthesise_is_422(invoke, recorded_compiler):
    result = invoke("POST", "/v2/compile", {"circuit": ROTATIONS, "error_budget": 1e-6})
    assert result["statusCode"] == 422
    message = json.loads(result["body"])["error"]["message"]
    assert "error budget of 1e-06" in message and "larger error_budget" in message
