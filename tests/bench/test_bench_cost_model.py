"""`python -m lsctl.bench.cost_model`: the prediction against the compiler, as a table."""

from __future__ import annotations

import pytest

from lsctl.bench import cost_model


@pytest.mark.compiler
def test_it_prints_measured_against_predicted(capsys: pytest.CaptureFixture[str]) -> None:
    # --min-seconds 0: the summary must not depend on how fast this machine compiles
    argv = ["--only", "layered_n8x3", "--transform", "on", "--min-seconds", "0"]
    assert cost_model.main(argv) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| layered_n8x3 | on |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[4] == "123" and cells[5] == "1.00"  # the layout: 3 x (16 + 24 + 1), exactly
    assert 0.75 <= float(cells[3]) <= 1.3  # slices
    assert "seconds: measured/predicted" in out


def test_a_circuit_that_fails_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cost_model, "REPO", cost_model.REPO / "nowhere")
    row = cost_model.measure("OPENQASM 2.0;", True, 60.0)
    assert "error" in row and "ModuleNotFoundError" in row["error"]
