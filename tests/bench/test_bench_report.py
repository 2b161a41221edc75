"""bench.json holds every field, and bench.md renders one table per section."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from lsctl.bench import report, scaling, size
from lsctl.bench.throughput import LoadResult


def timing(p50: float) -> dict:
    return {"p50": p50, "p95": p50 * 1.2, "min": p50 * 0.9, "max": p50 * 1.3, "n": 5}


def step(qubits: int, factor: float) -> dict:
    seconds = factor * qubits**2
    return {
        "runs": 1,
        "compile_wall": seconds,
        "compile_cpu": seconds,
        "encode": 0.01,
        "gzip": 0.01,
        "json_bytes": 1000 * qubits**2,
        "gzip_bytes": 10 * qubits**2,
        "slices": 10 * qubits,
        "encode_share": 0.1,
    }


@pytest.fixture
def sample(tmp_path) -> dict:
    bundle = tmp_path / "bundle"
    (bundle / "numpy").mkdir(parents=True)
    (bundle / "numpy" / "core.py").write_text("x = 1\n" * 1000)
    (bundle / "app.py").write_text("import compile_service\n")
    load = LoadResult(8, 4, 2.0, [0.1, 0.2, 0.3, 0.4], Counter({200: 4}))
    return {
        "command": "lsctl bench --quick",
        "started": "2026-01-01T00:00:00+00:00",
        "seconds": 12.0,
        "repeats": 3,
        "quick": True,
        "machine": {
            "cpu_model": "Test CPU",
            "cores": 2,
            "usable_cores": 2,
            "memory_gib": 24.0,
            "python": "3.12.1",
            "implementation": "CPython",
            "platform": "Linux",
        },
        "sections": {
            "size": size.measure(bundle),
            "cold_start": {
                "status": "ok",
                "repeats": 3,
                "target_ratio": 1.15,
                "rows": [
                    {
                        "label": "source: lsqecc alone",
                        "module": "lsqecc",
                        "paths": [],
                        "xray_sdk_loaded": False,
                        "import_s": timing(0.5),
                        "wall_s": timing(0.6),
                        "modules": 1700,
                    }
                ],
                "ratios": [
                    {
                        "label": "source: handler, tracer on",
                        "import_ratio": 1.2,
                        "wall_ratio": 1.3,
                        "meets_target": False,
                    }
                ],
                "errors": {},
            },
            "latency": {
                "status": "ok",
                "repeats": 3,
                "note": "upstream with NOOP",
                "rows": [
                    {
                        "circuit": "layered_n12",
                        "qubits": 12,
                        "gates": 87,
                        "repeats": 3,
                        "status": {"handler_plain": 413, "handler_gzip": 200, "upstream": 200},
                        "handler_plain": timing(5.0),
                        "handler_gzip": timing(5.5),
                        "upstream": timing(7.0),
                        "ratio_plain": {"p50": 0.71, "p95": 0.7},
                        "ratio_gzip": {"p50": 0.79, "p95": 0.8},
                        "target_ratio": 0.8,
                        "meets_target": True,
                    }
                ],
            },
            "response_bytes": {
                "status": "ok",
                "lambda_limit_bytes": 6291456,
                "rows": [
                    {
                        "circuit": "layered_n12",
                        "upstream_bytes": 21_000_000,
                        "raw_bytes": 9_000_000,
                        "gzip_bytes": 100_000,
                        "gzip_factor": 90.0,
                        "lambda_payload_plain": 200,
                        "lambda_payload_gzip": 140_000,
                        "plain_status": 413,
                        "plain_base64": False,
                    }
                ],
            },
            "scaling": scaling._section(
                [
                    scaling._with_speedup(
                        {"qubits": n, "gates": 10 * n, "patched": step(n, 0.01), "fixes_only": None}
                    )
                    for n in (4, 8)
                ],
                3,
            ),
            "patch_steps": {
                "status": "ok",
                "sizes": [8],
                "rows": [{"patches": "fixes only", "n8_cpu": 4.0, "n8_speedup": 1.0}],
            },
            "throughput": {
                "status": "ok",
                "circuit": "readme_example",
                "workers": 2,
                "path": "POST /compile",
                "requests_per_level": 4,
                "rows": [load.summary()],
            },
        },
    }


def test_markdown_has_the_machine_the_command_and_a_table_per_section(sample):
    markdown = report.render_markdown(sample)
    assert "`lsctl bench --quick`" in markdown
    assert "Test CPU, 2 cores" in markdown and "Python 3.12.1" in markdown
    for title in report.TITLES.values():
        assert f"## {title}" in markdown
    assert "| package | files | on disk (MB) | tar.gz (MB) |" in markdown
    assert "| numpy | 1 | 0.01 |" in markdown
    assert "| layered_n12 | 12 | 87 | 3 | 7.000 / 8.400 | 5.000 (413) / 6.000 |" in markdown
    assert "| source: handler, tracer on | 1.20 | 1.30 | **no** |" in markdown
    assert "| 8 | 4 | 2.0 | 0.250 | 0.385 | 0 |" in markdown


def test_every_table_row_has_as_many_cells_as_its_header(sample):
    for block in report.render_markdown(sample).split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if not lines:
            continue
        widths = {line.count(" | ") for line in lines if not line.startswith("|-")}
        assert len(widths) == 1, block


def test_a_skipped_section_says_why(sample, tmp_path):
    sample["sections"]["size"] = size.measure(tmp_path / "missing")
    sample["sections"]["latency"] = {"status": "skipped", "reason": "needs the compiler"}
    markdown = report.render_markdown(sample)
    assert "Not measured: no bundle at" in markdown
    assert "run `lsctl build` first" in markdown
    assert "Not measured: needs the compiler" in markdown


def test_write_produces_json_and_markdown(sample, tmp_path):
    json_path, md_path, markdown = report.write(sample, tmp_path / "out")
    assert json.loads(json_path.read_text()) == sample
    assert md_path.read_text() == markdown


def test_table_escapes_pipes_and_shows_missing_values():
    rendered = report.table(["a", "b"], [["x|y", None]])
    assert rendered.splitlines()[2] == "| x\\|y | n/a |"
