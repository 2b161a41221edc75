"""`lsctl bench`: measure bundle size, cold start, compile latency, response bytes and the local
server's throughput; write bench.json and bench.md (see docs/benchmarks.md).
`lsctl bench engines`: both engines side by side; write engines.json and engines.md (see
docs/engines.md)."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from lsctl.bench import machine, report, result_cache
from lsctl.compiler import compiler_source
from lsctl.errors import CliError
from lsctl.paths import BUILD_DIR, FUNCTION_DIR, LIBLSQECC_BIN_DIR, PATCHED_COMPILER_DIR, REPO_ROOT
from lsctl.paths import compiler_present as compiler_prepared

NEEDS_COMPILER = (
    f"needs the compiler: build/compiler/src/lsqecc is absent (run `{compiler_source.FIX_HINT}`)"
)
# What can be measured without the compiler.
WITHOUT_COMPILER = {"size"}
FULL_REPEATS, QUICK_REPEATS = 5, 3
FULL_REQUESTS, QUICK_REQUESTS = 100, 24
ALL_SECTIONS = (*report.SECTIONS, result_cache.SECTION)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure size, cold start, latency, response bytes and local throughput",
        description="Benchmark the compile service; writes bench.json and bench.md.",
    )
    parser.add_argument(
        "suite",
        nargs="?",
        choices=("service", "engines", "estimates"),
        default="service",
        help="service (default): the sections below; engines: lsqecc and liblsqecc side by side "
        "(layered up to n=256, the shared corpus, a 100-qubit QFT job); estimates: this "
        "service's resource estimates beside Microsoft's estimator (qdk) over the shared corpus "
        "(more options: python -m lsctl.bench.estimates --help)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="output directory")
    parser.add_argument(
        "--no-corpus", action="store_true", help="engines: leave out the shared corpus"
    )
    parser.add_argument("--no-qft", action="store_true", help="engines: leave out the QFT job")
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
    # Imported here, not at import: they load the local server (http.server, multiprocessing),
    # http.client and more, which `lsctl --help` does not need.
    from lsctl.bench import circuits, cold_start, latency, response_bytes, scaling, size, throughput
    from lsctl.local.local_server import handler_paths

    chosen = _sections(args.only)
    repeats = args.repeats or (QUICK_REPEATS if args.quick else FULL_REPEATS)
    if repeats < 1:
        raise CliError("--repeats must be at least 1")
    bundle = size.BUNDLE_DIR if (size.BUNDLE_DIR / "app.py").is_file() else None
    sections: dict[str, Any] = {}

    if "size" in chosen:
        _progress("bundle size")
        sections["size"] = size.measure(size.BUNDLE_DIR)
    if "cold_start" in chosen:
        _progress("cold start")
        sections["cold_start"] = cold_start.measure(
            handler_paths(), bundle, repeats, BUILD_DIR / "bench-pycache"
        )
    baseline = (
        compiler_source.prepare(BUILD_DIR / "compiler-baseline", kinds=("fix",))
        if {"latency", "response_bytes", "scaling"} & set(chosen)
        else None
    )
    if {"latency", "response_bytes"} & set(chosen):
        assert baseline is not None
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
    if "scaling" in chosen:
        assert baseline is not None
        sections["scaling"] = scaling.measure(
            PATCHED_COMPILER_DIR / "src", baseline, FUNCTION_DIR, repeats, args.quick, _progress
        )
    if "patch_steps" in chosen:
        sections["patch_steps"] = scaling.measure_patch_steps(
            BUILD_DIR / "bench-steps",
            FUNCTION_DIR,
            repeats,
            _progress,
            sizes=scaling.QUICK_STEP_SIZES if args.quick else scaling.STEP_SIZES,
        )
    if "throughput" in chosen:
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
    if result_cache.SECTION in chosen:
        _progress("result cache")
        sections[result_cache.SECTION] = result_cache.measure(handler_paths(), repeats, _progress)
    return {"repeats": repeats, "quick": args.quick, "sections": sections}


def run_engines(args: argparse.Namespace) -> int:
    if not (LIBLSQECC_BIN_DIR / "lsqecc_slicer").is_file():
        raise CliError(
            f"lsctl bench engines needs liblsqecc's lsqecc_slicer in {LIBLSQECC_BIN_DIR}: run "
            "`make compiler` with the liblsqecc/ submodule checked out (docs/engines.md)"
        )
    from lsctl.bench import engines  # here: it loads the service and the local server

    started = datetime.datetime.now(datetime.UTC)
    clock = time.perf_counter()
    measured = engines.measure(
        args.quick, _progress, corpus=not args.no_corpus, qft=not args.no_qft
    )
    document = {
        "command": shlex.join(["lsctl", *sys.argv[1:]]),
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - clock, 1),
        "machine": machine.describe(),
        **measured,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = args.out / "engines.json", args.out / "engines.md"
    json_path.write_text(json.dumps(document, indent=1) + "\n")
    markdown = engines.markdown(document)
    md_path.write_text(markdown)
    print(markdown)
    print(f"wrote {json_path} and {md_path}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.suite == "engines":
        return run_engines(args)
    if args.suite == "estimates":
        from lsctl.bench import estimates  # here: it loads the service and qdk

        args.out.mkdir(parents=True, exist_ok=True)
        return estimates.main(["--json", str(args.out / "estimates.json")])
    if not compiler_prepared() and set(_sections(args.only)) - WITHOUT_COMPILER:
        raise CliError(f"lsctl bench {NEEDS_COMPILER}; or measure the size alone: --only size")
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
