"""lsctl.bench.estimates: qdk is given this service's assumptions and error model, and figures
more than 2x apart are flagged."""

from __future__ import annotations

import pytest

from lsctl.bench import estimates

qdk = pytest.importorskip("qdk", reason="qdk (a dev dependency) is not installed")


def test_qdk_runs_with_our_cycle_time_and_patch_size():
    params = estimates.qdk_params(1e-3, 2e-6, 1e-3)
    found = estimates.qdk_estimate(qubits=10, t_count=300, measurements=10, params=params)
    d = found["code_distance"]
    # A logical cycle is d code cycles of 2 us; a patch 2 d^2 physical qubits.
    assert found["run_time"] == pytest.approx(found["logical_depth"] * d * 2e-6)
    algorithm = found["physical_qubits"] - found["factory_qubits"]
    assert algorithm == found["logical_qubits"] * 2 * d * d


def test_qdk_uses_our_error_model():
    # p_L(d) = 0.1 (p / 0.01)^((d+1)/2): at p = 1e-4 one level of d is 100x, so the distance
    # qdk picks shrinks from the one at p = 1e-3 (same counts, same budget).
    counts = {"qubits": 10, "t_count": 300, "measurements": 10}
    at_1e3 = estimates.qdk_estimate(**counts, params=estimates.qdk_params(1e-3, 1e-6, 1e-3))
    at_1e4 = estimates.qdk_estimate(**counts, params=estimates.qdk_params(1e-4, 1e-6, 1e-3))
    assert at_1e4["code_distance"] < at_1e3["code_distance"]


def test_rows_flag_figures_more_than_twice_apart():
    document = {
        "stats": {"qubits": 2},
        "resources": {
            "logical": {
                "t_count": 1,
                "measurements": 0,
                "layout": {"tiles": 18},
                "slices": 82,
                "patches": {"magic_state": 1},
            },
            "physical": {"code_distance": 11, "physical_qubits": 4356, "run_time": 902e-6},
        },
    }
    row = estimates.row_for("readme", 200, document, estimates.qdk_params(1e-3, 1e-6, 1e-3))
    for key, ratio in row["ratios"].items():
        assert (key in row["over_2x"]) == (ratio > 2 or ratio < 0.5)
    assert row["ratios"]["code_distance"] == pytest.approx(11 / row["qdk"]["code_distance"], 1e-3)
    refused = estimates.row_for("big", 422, {"error": {"message": "too large"}}, {})
    assert refused == {"circuit": "big", "status": 422, "reason": "too large"}
