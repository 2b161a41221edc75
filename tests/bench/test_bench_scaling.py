"""`lsctl bench`'s scaling and patch_steps sections: the fit, the table, and the refusal to run
without the compiler."""

from __future__ import annotations

import json

import pytest

from lsctl import cli
from lsctl.bench import report, scaling
from lsctl.commands import bench
from lsctl.compiler import compiler_source
from lsctl.errors import CliError
from lsctl.paths import REPO_ROOT


def test_growth_exponent_of_a_power_law_is_its_power():
    points = [(n, 0.01 * n**2.3) for n in (4, 8, 12, 16, 24)]
    assert scaling.growth_exponent(points) == pytest.approx(2.3, abs=0.01)
    assert scaling.growth_exponent([(4, 1.0)]) is None
    assert scaling.growth_exponent([(4, 1.0), (4, 2.0)]) is None


def test_prediction_extends_the_fitted_power_law():
    points = [(8, 1.0), (16, 4.0), (24, 9.0)]
    assert scaling.predict(points, 32) == pytest.approx(16.0, rel=0.01)


def measured(cpu: float, wall: float, changed: int = 1000) -> dict:
    return {
        "runs": 1,
        "compile_wall": wall,
        "compile_cpu": cpu,
        "encode": 0.05,
        "gzip": 0.07,
        "json_bytes": 18_000_000,
        "gzip_bytes": 150_000,
        "slices": 400,
        "changed_cells": changed,
        "cpu_us_per_changed_cell": round(1e6 * cpu / changed, 2),
        "encode_share": round(0.12 / (wall + 0.12), 3),
    }


def test_section_checks_the_targets_from_the_rows():
    rows = [
        scaling._with_speedup(
            {
                "qubits": n,
                "gates": 10 * n,
                "patched": measured(0.01 * n**2, 0.012 * n**2, changed=int(5 * n**1.9)),
                "fixes_only": measured(0.15 * n**2.3, 0.2 * n**2.3),
            }
        )
        for n in (4, 8, 12, 16, 24, 32, 48)
    ]
    rows.append(
        {
            "qubits": 64,
            "gates": 640,
            "patched": None,
            "patched_skipped": "predicted 70 s, over 60 s",
            "fixes_only": None,
            "fixes_only_skipped": "predicted 900 s, over 60 s",
        }
    )
    corpus = {
        "status": "ok",
        "reference": scaling.REFERENCE_COMMIT,
        "rows": [
            {
                "circuit": name,
                "patched": measured(0.05, 0.06),
                "reference": measured(cpu, cpu),
                "fixes_only": measured(0.2, 0.2),
                "speedup_vs_reference": round(cpu / 0.05, 2),
                "speedup_vs_fixes_only": 4.0,
            }
            for name, cpu in (("toffoli_n3", 0.12), ("simon_n6", 0.08))
        ],
    }
    section = scaling._section(rows, 3, corpus)
    assert section["exponents"]["patched_compile_cpu"] == pytest.approx(2.0, abs=0.01)
    assert section["exponents"]["fixes_only_compile_cpu"] == pytest.approx(2.3, abs=0.01)
    assert section["exponents"]["changed_cells"] == pytest.approx(1.9, abs=0.01)
    reference = scaling.REFERENCE_COMMIT
    assert section["meets"] == {
        "speedup_n16": False,  # 0.15 * 16**0.3 / 0.01 = 34 < 40
        f"speedup_toffoli_n3_vs_{reference}": True,  # 2.4
        f"speedup_simon_n6_vs_{reference}": False,  # 1.6
        "exponent": False,  # 2.0 > 1.5
        "encode_share_n16": True,
    }
    markdown = report._scaling(section)
    assert "predicted 70 s, over 60 s" in markdown
    assert (
        "| growth exponent, cells changed between slices (the output's own work) | 1.9" in markdown
    )
    assert "| 150.0 | 970 | 2639.18 |" in markdown  # n=16: 5 * 16**1.9 changed, 2.56 s over them
    assert f"| toffoli_n3 vs main at {reference} | 2.4" in markdown
    assert "| simon_n6 | 0.050 | 0.080 | 0.200 |" in markdown
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    assert all(line.count("|") == lines[0].count("|") for line in lines[:10])


def test_patch_steps_table_shows_each_step_against_the_fixes_only_row():
    section = {
        "status": "ok",
        "sizes": [8, 16],
        "rows": [
            {"patches": "fixes only", "n8_cpu": 4.0, "n16_cpu": 20.0},
            {"patches": "+ 0004-x.patch", "n8_cpu": 2.0, "n16_cpu": 5.0},
        ],
    }
    for row in section["rows"]:
        for n in (8, 16):
            row[f"n{n}_speedup"] = round(4.0 / row["n8_cpu"] if n == 8 else 20.0 / row["n16_cpu"])
    markdown = report._patch_steps(section)
    assert "| + 0004-x.patch | 2.000 (2.00x) | 5.000 (4.00x) |" in markdown


def test_bench_refuses_with_a_clear_message_when_the_compiler_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "compiler_prepared", lambda: False)
    args = cli.build_parser().parse_args(["bench", "--only", "size,scaling", "--out", "x"])
    with pytest.raises(CliError, match=r"needs the compiler.*--only size"):
        args.func(args)
    assert cli.main(["bench", "--only", "scaling", "--out", str(tmp_path / "out")]) != 0


@pytest.mark.compiler
def test_workers_measure_the_real_compilers(tmp_path):
    """Both copies compile the same small circuit in their own process; the fixes-only copy
    carries no performance patch."""
    baseline = compiler_source.prepare(tmp_path / "baseline", kinds=("fix",))
    patched = REPO_ROOT / "build" / "compiler" / "src"
    rows = []
    for src in (patched, baseline):
        worker = scaling.Worker(src, REPO_ROOT / "function")
        try:
            rows.append(scaling.measure_size(worker, 3, repeats=2))
        finally:
            worker.close()
    assert rows[0]["json_bytes"] == rows[1]["json_bytes"] > 0  # byte-identical output
    assert rows[0]["slices"] == rows[1]["slices"]
    assert rows[0]["changed_cells"] == rows[1]["changed_cells"] > rows[0]["slices"]
    assert all(r["compile_cpu"] > 0 and r["gzip_bytes"] < r["json_bytes"] for r in rows)


@pytest.mark.compiler
def test_the_reference_compiler_is_main_at_the_reference_commit(tmp_path):
    """The corpus rows compare with the compiler main built at REFERENCE_COMMIT: its patches/,
    not this checkout's (so none of the patches added since)."""
    src = scaling.prepare_reference(tmp_path / "reference")
    if src is None:
        pytest.skip(f"commit {scaling.REFERENCE_COMMIT} is not in this clone")
    info = json.loads((src / compiler_source.INFO_FILE).read_text())
    ours = [p.name for p in compiler_source.patch_files()]
    assert info["patches"] == ours[: len(info["patches"])]
    assert "0014-exact-litinski-transform-signs.patch" not in info["patches"]
    assert len(info["patches"]) == 13


class _Timed:
    """A stand-in worker: answers each run with the next of its CPU times, and logs the order."""

    def __init__(self, name: str, cpus: list[float], log: list[str]) -> None:
        self.name, self.cpus, self.log = name, list(cpus), log

    def run(self, qasm) -> dict:
        self.log.append(self.name)
        cpu = self.cpus.pop(0)
        return measured(cpu, cpu)


def test_variants_take_turns_and_the_target_speedup_is_the_median_of_the_rounds():
    """At n = 16 both compilers run in rounds with the first one alternating, so a load that
    rises mid-run weighs on both; the speedup is the median of the rounds' ratios."""
    log: list[str] = []
    # The load rose after round 1 and fell again during round 3, after patched's run.
    patched = _Timed("patched", [0.5, 0.5, 1.0], log)
    baseline = _Timed("fixes_only", [20.0, 40.0, 40.0], log)
    row = scaling._row(16, [], patched, baseline, repeats=3)
    assert log == ["patched", "fixes_only", "fixes_only", "patched", "patched", "fixes_only"]
    assert row["round_speedups_cpu"] == [40.0, 80.0, 40.0]
    assert row["speedup_cpu"] == 40.0  # (the ratio of the medians would say 40 / 0.5 = 80)
    assert row["patched"]["compile_cpu"] == 0.5 and row["fixes_only"]["runs"] == 3
