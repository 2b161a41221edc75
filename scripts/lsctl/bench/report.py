"""The benchmark report: bench.json (everything measured) and bench.md (tables)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SECTIONS = (
    "size",
    "cold_start",
    "latency",
    "response_bytes",
    "scaling",
    "patch_steps",
    "throughput",
)
TITLES = {
    "size": "Bundle size",
    "cold_start": "Cold start (import in a fresh process)",
    "latency": "Compile latency: handler vs upstream json_pipeline.handle",
    "response_bytes": "Response bytes",
    "scaling": "Compile time by circuit size: every patch vs the fixes only (same run)",
    "patch_steps": "Compile CPU seconds, performance patches added one at a time",
    "throughput": "Local server throughput",
}
TOP_PACKAGES = 15


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table; numbers right-aligned."""

    def cell(value: Any) -> str:
        text = "n/a" if value is None else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if i else "---" for i in range(len(headers))) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _mb(size: int | None) -> str | None:
    return None if size is None else f"{size / 1_000_000:.2f}"


def _kb(size: int | None) -> str | None:
    return None if size is None else f"{size / 1000:,.1f}"


def _s(summary: dict[str, Any] | None, key: str = "p50") -> str | None:
    return None if not summary else f"{summary[key]:.3f}"


def _ratio(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _size(section: dict[str, Any]) -> str:
    packages = section["packages"]
    shown, rest = packages[:TOP_PACKAGES], packages[TOP_PACKAGES:]
    rows = [[p["package"], p["files"], _mb(p["bytes"]), _mb(p["gzip_bytes"])] for p in shown]
    if rest:
        rows.append(
            [
                f"{len(rest)} others",
                sum(p["files"] for p in rest),
                _mb(sum(p["bytes"] for p in rest)),
                _mb(sum(p["gzip_bytes"] for p in rest)),
            ]
        )
    rows.append(
        [
            "**total**",
            section["files"],
            f"**{_mb(section['total_bytes'])}**",
            f"**{_mb(section['total_gzip_bytes'])}**",
        ]
    )
    built = section.get("built_from_commit")
    limit = (
        f"{section['bundle']}" + (f", built from commit {built[:12]}" if built else "") + ". "
        f"Target: at most {_mb(section['limit_bytes'])} MB on disk: "
        f"{_yes(section['within_limit'])}."
    )
    return table(["package", "files", "on disk (MB)", "tar.gz (MB)"], rows) + "\n\n" + limit


def _cold_start(section: dict[str, Any]) -> str:
    rows = [
        [
            r["label"],
            _s(r["import_s"]),
            _s(r["import_s"], "p95"),
            _s(r["wall_s"]),
            "yes" if r["xray_sdk_loaded"] else "no",
            r["modules"],
        ]
        for r in section["rows"]
    ]
    main = table(
        [
            "configuration",
            "import p50 (s)",
            "import p95 (s)",
            "process p50 (s)",
            "X-Ray SDK imported",
            "modules",
        ],
        rows,
    )
    ratios = table(
        ["handler / lsqecc alone", "import ratio", "process ratio", "≤ target"],
        [
            [
                r["label"],
                _ratio(r["import_ratio"]),
                _ratio(r["wall_ratio"]),
                _yes(r["meets_target"]),
            ]
            for r in section["ratios"]
        ],
    )
    note = (
        f"Median of {section['repeats']} fresh processes each; "
        f"target ratio ≤ {section['target_ratio']}."
    )
    errors = "".join(
        f"\n\nFailed: {label}: {message}" for label, message in section["errors"].items()
    )
    return f"{main}\n\n{ratios}\n\n{note}{errors}"


def _latency(section: dict[str, Any]) -> str:
    rows = []
    for r in section["rows"]:
        plain_status = r["status"]["handler_plain"]
        plain = (
            _s(r["handler_plain"])
            if plain_status == 200
            else f"{_s(r['handler_plain'])} ({plain_status})"
        )
        rows.append(
            [
                r["circuit"],
                r["qubits"],
                r["gates"],
                r["repeats"],
                f"{_s(r['upstream'])} / {_s(r['upstream'], 'p95')}",
                f"{plain} / {_s(r['handler_plain'], 'p95')}",
                f"{_s(r['handler_gzip'])} / {_s(r['handler_gzip'], 'p95')}",
                f"{_ratio(r['ratio_plain']['p50'])} / {_ratio(r['ratio_plain']['p95'])}",
                f"{_ratio(r['ratio_gzip']['p50'])} / {_ratio(r['ratio_gzip']['p95'])}",
                f"≤ {r['target_ratio']}: {_yes(r['meets_target'])}",
            ]
        )
    headers = [
        "circuit",
        "qubits",
        "gates",
        "n",
        "upstream p50 / p95 (s)",
        "handler plain p50 / p95 (s)",
        "handler gzip p50 / p95 (s)",
        "ratio plain p50 / p95",
        "ratio gzip p50 / p95",
        "target (gzip p50)",
    ]
    note = (
        f"{section['note']}. A status in brackets is the handler's answer when it was not 200 "
        "(413: the uncompressed result is over Lambda's response limit)."
    )
    return table(headers, rows) + "\n\n" + note


def _response_bytes(section: dict[str, Any]) -> str:
    rows = [
        [
            r["circuit"],
            _kb(r["upstream_bytes"]),
            _kb(r["raw_bytes"]),
            _kb(r["gzip_bytes"]),
            r["gzip_factor"],
            f"{_kb(r['lambda_payload_plain'])} ({r['plain_status']})",
            _kb(r["lambda_payload_gzip"]),
        ]
        for r in section["rows"]
    ]
    headers = [
        "circuit",
        "upstream JSON, indent=2 (kB)",
        "ours, raw (kB)",
        "ours, gzip (kB)",
        "gzip factor",
        "Lambda payload, plain (kB) (status)",
        "Lambda payload, gzip (kB)",
    ]
    note = (
        "Lambda payload = the proxy result as the runtime returns it (body base64-encoded when "
        f"binary); Lambda's limit is {_kb(section['lambda_limit_bytes'])} kB."
    )
    return table(headers, rows) + "\n\n" + note


def _scaling(section: dict[str, Any]) -> str:
    rows = []
    for r in section["rows"]:
        patched, fixes = r.get("patched"), r.get("fixes_only")
        rows.append(
            [
                r["qubits"],
                r["gates"],
                _secs(patched, "compile_cpu") or r.get("patched_skipped"),
                _secs(fixes, "compile_cpu") or r.get("fixes_only_skipped"),
                _ratio(r.get("speedup_cpu")),
                " / ".join(_secs(m, "compile_wall") or "n/a" for m in (patched, fixes)),
                _secs(patched, "encode"),
                _secs(patched, "gzip"),
                None if not patched else f"{patched['encode_share']:.0%}",
                None if not patched else _mb(patched["json_bytes"]),
                None if not patched else _kb(patched["gzip_bytes"]),
                None if not patched else patched.get("changed_cells"),
                None if not patched else patched.get("cpu_us_per_changed_cell"),
            ]
        )
    headers = [
        "n",
        "gates",
        "patched compile CPU (s)",
        "fixes only compile CPU (s)",
        "speedup",
        "compile wall patched / fixes only (s)",
        "encode (s)",
        "gzip (s)",
        "encode+gzip share",
        "JSON (MB)",
        "gzip (kB)",
        "cells changed between slices",
        "patched CPU per changed cell (µs)",
    ]
    exponents = section["exponents"]
    meets, targets = section["meets"], section["targets"]
    summary = table(
        ["measure", "value", "target", "met"],
        [
            [
                "growth exponent, patched compile CPU",
                exponents["patched_compile_cpu"],
                f"≤ {targets['exponent']}",
                _yes(meets["exponent"]),
            ],
            [
                "growth exponent, fixes-only compile CPU",
                exponents["fixes_only_compile_cpu"],
                "",
                "",
            ],
            ["growth exponent, JSON bytes", exponents["json_bytes"], "", ""],
            [
                "growth exponent, cells changed between slices (the output's own work)",
                exponents.get("changed_cells"),
                "",
                "",
            ],
            *[
                [
                    f"speedup at n={key[9:]}",
                    _ratio(section.get("speedups", {}).get(key)),
                    f"≥ {targets['speedup']}",
                    _yes(met),
                ]
                for key, met in meets.items()
                if key.startswith("speedup_n")
            ],
            *[
                [
                    f"{key.removeprefix('speedup_').replace('_vs_', ' vs main at ')}",
                    _ratio(
                        next(
                            r["speedup_vs_reference"]
                            for r in section["corpus"]["rows"]
                            if key == f"speedup_{r['circuit']}_vs_{section['corpus']['reference']}"
                        )
                    ),
                    f"≥ {targets['corpus_speedup']}",
                    _yes(met),
                ]
                for key, met in meets.items()
                if key.startswith("speedup_") and "_vs_" in key
            ],
            [
                "encode + gzip share of a request at n=16",
                section.get("encode_share_n16"),
                f"< {targets['encode_share']:.0%}",
                _yes(meets["encode_share_n16"]),
            ],
        ],
    )
    return (
        table(headers, rows)
        + "\n\n"
        + summary
        + _scaling_corpus(section.get("corpus") or {})
        + "\n\n"
        + section["note"]
        + "."
    )


def _scaling_corpus(corpus: dict[str, Any]) -> str:
    """Small real circuits: the service's compiler against main at the reference commit."""
    if corpus.get("status") != "ok":
        return f"\n\nCorpus circuits: {corpus['reason']}." if corpus.get("reason") else ""
    reference = corpus["reference"]
    rows = [
        [
            r["circuit"],
            _secs(r["patched"], "compile_cpu"),
            _secs(r["reference"], "compile_cpu"),
            _secs(r["fixes_only"], "compile_cpu"),
            _ratio(r["speedup_vs_reference"]),
            _ratio(r["speedup_vs_fixes_only"]),
        ]
        for r in corpus["rows"]
    ]
    headers = [
        "circuit",
        "patched compile CPU (s)",
        f"main at {reference} (s)",
        "fixes only (s)",
        f"speedup vs main at {reference}",
        "speedup vs fixes only",
    ]
    return "\n\n" + table(headers, rows)


def _secs(measured: dict[str, Any] | None, key: str) -> str | None:
    return None if not measured else f"{measured[key]:.3f}"


def _patch_steps(section: dict[str, Any]) -> str:
    sizes = section["sizes"]
    headers = ["patches", *[f"n={n} CPU (s) (x fixes only)" for n in sizes]]
    rows = [
        [r["patches"], *[f"{r[f'n{n}_cpu']:.3f} ({r[f'n{n}_speedup']:.2f}x)" for n in sizes]]
        for r in section["rows"]
    ]
    note = "Cumulative: each row adds one performance patch to the row above; compile CPU seconds."
    return table(headers, rows) + "\n\n" + note


def _throughput(section: dict[str, Any]) -> str:
    rows = [
        [
            r["concurrency"],
            r["requests"],
            r["requests_per_second"],
            _s(r["latency_s"]),
            _s(r["latency_s"], "p95"),
            r["errors"],
        ]
        for r in section["rows"]
    ]
    note = (
        f"{section['path']} with the {section['circuit']} circuit, `lsctl serve --workers "
        f"{section['workers']}`, {section['requests_per_level']} requests per level."
    )
    headers = ["concurrency", "requests", "req/s", "p50 (s)", "p95 (s)", "errors"]
    return table(headers, rows) + "\n\n" + note


RENDERERS = {
    "size": _size,
    "cold_start": _cold_start,
    "latency": _latency,
    "response_bytes": _response_bytes,
    "scaling": _scaling,
    "patch_steps": _patch_steps,
    "throughput": _throughput,
}


def render_markdown(report: dict[str, Any]) -> str:
    machine = report["machine"]
    parts = [
        "# lsctl bench",
        f"Command: `{report['command']}`  \n"
        f"Machine: {machine['cpu_model']}, {machine['cores']} cores "
        f"({machine['usable_cores']} usable), {machine['memory_gib']} GiB, "
        f"Python {machine['python']} ({machine['platform']})  \n"
        f"Started {report['started']}, took {report['seconds']:.0f} s.",
    ]
    for name in SECTIONS:
        section = report["sections"].get(name)
        if section is None:
            continue
        parts.append(f"## {TITLES[name]}")
        if section.get("status") == "ok":
            parts.append(RENDERERS[name](section))
        else:
            parts.append(f"Not measured: {section.get('reason', section.get('status'))}")
    return "\n\n".join(parts) + "\n"


def write(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path, str]:
    """bench.json and bench.md in `out_dir`; returns their paths and the markdown."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "bench.json", out_dir / "bench.md"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    markdown = render_markdown(report)
    md_path.write_text(markdown)
    return json_path, md_path, markdown
