"""`lsctl bench`: measure bundle size, cold start, compile latency, response bytes and the local
server's throughput; write bench.json and bench.md (see docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from lsctl import compiler_source
from lsctl.benchmark import (
    circuits,
    cold_start,
    latency,
    machine,
    report,
    response_bytes,
    result_cache,
    size,
    throughput,
)
from lsctl.errors import CliError
from lsctl.local_server import handler_paths
from lsctl.paths import BUILD_DIR, PATCHED_COMPILER_DIR, REPO_ROOT

NEEDS_COMPILER = (
    "needs the compiler: build/compiler/src/lsqecc is absent (run `git submodule update --init "
    "--recursive`, then `lsctl prepare-compiler`)"
)
FULL_REPEATS, QUICK_REPEATS = 5, 3
FULL_REQUESTS, QUICK_REQUESTS = 100, 24
ALL_SECTIONS = (*report.SECTIONS, result_cache.SECTION)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure size, cold start, latency, response bytes and local throughput",
        description="Benchmark the compile service; writes bench.json and bench.md.",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="output directory")
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help=f"timed repeats per measurement (default {FULL_REPEATS}, {QUICK_REPEATS} with "
        "--quick; circuits under 0.5 s get 4x as many)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer repeats and requests, layered circuits up to n=8 (a CI smoke run)",
    )
    parser.add_argument(
        "--only",
        default=",".join(ALL_SECTIONS),
        help=f"comma-separated sections to run (default all: {','.join(ALL_SECTIONS)})",
    )
    parser.set_defaults(func=run)


def _progress(message: str) -> None:
    print(f"  ... {message}", file=sys.stderr, flush=True)


def _sections(only: str) -> list[str]:
    chosen = [s.strip() for s in only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(ALL_SECTIONS))
    if unknown:
        raise CliError(f"unknown section(s) {', '.join(unknown)}; choose from {ALL_SECTIONS}")
    return chosen


def collect(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen measurements; every part that cannot run says why instead of failing."""
    chosen = _sections(args.only)
    repeats = args.repeats or (QUICK_REPEATS if args.quick else FULL_REPEATS)
    if repeats < 1:
        raise CliError("--repeats must be at least 1")
    compiler_present = (PATCHED_COMPILER_DIR / "src" / "lsqecc").is_dir()
    bundle = size.BUNDLE_DIR if (size.BUNDLE_DIR / "app.py").is_file() else None
    sections: dict[str, Any] = {}
    skipped = {"status": "skipped", "reason": NEEDS_COMPILER}

    if "size" in chosen:
        _progress("bundle size")
        sections["size"] = size.measure(size.BUNDLE_DIR)
    if "cold_start" in chosen:
        if compiler_present:
            _progress("cold start")
            sections["cold_start"] = cold_start.measure(
                handler_paths(), bundle, repeats, BUILD_DIR / "bench-pycache"
            )
        else:
            sections["cold_start"] = skipped
    if {"latency", "response_bytes"} & set(chosen):
        if compiler_present:
            baseline = compiler_source.prepare(BUILD_DIR / "compiler-baseline", kinds=("fix",))
            measured, results = latency.measure(
                circuits.benchmark_set(quick=args.quick),
                handler_paths(),
                baseline,
                repeats,
                _progress,
            )
            if "latency" in chosen:
                sections["latency"] = measured
            if "response_bytes" in chosen:
                sections["response_bytes"] = response_bytes.measure(results)
        else:
            sections.update({s: skipped for s in ("latency", "response_bytes") if s in chosen})
    if "throughput" in chosen:
        if compiler_present:
            body = latency.request_body(
                circuits.Circuit("readme_example", circuits.README_EXAMPLE, 2, 6)
            ).encode()
            sections["throughput"] = throughput.measure(
                body,
                "readme_example",
                QUICK_REQUESTS if args.quick else FULL_REQUESTS,
                os.cpu_count() or 2,
                REPO_ROOT,
                _progress,
            )
        else:
            sections["throughput"] = skipped
    if result_cache.SECTION in chosen:
        if compiler_present:
            _progress("result cache")
            sections[result_cache.SECTION] = result_cache.measure(
                handler_paths(), repeats, _progress
            )
        else:
            sections[result_cache.SECTION] = skipped
    return {"repeats": repeats, "quick": args.quick, "sections": sections}


def run(args: argparse.Namespace) -> int:
    started = datetime.datetime.now(datetime.UTC)
    clock = time.perf_counter()
    collected = collect(args)
    document = {
        "command": shlex.join(["lsctl", *sys.argv[1:]]),
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - clock, 1),
        "machine": machine.describe(),
        **collected,
    }
    json_path, md_path, markdown = report.write(document, args.out)
    if result_cache.SECTION in document["sections"]:
        markdown += result_cache.append(md_path, document["sections"][result_cache.SECTION])
    print(markdown)
    print(f"wrote {json_path} and {md_path}")
    return 0
