"""The cost prediction (function/compile_service/cost.py) against the compiler: for each circuit,
predicted and measured slices, layout cells, compile CPU seconds and peak memory, and their
ratios. The synchronous and job limits are set on the prediction, so this is how to check (or
re-fit, e.g. on Lambda's CPU) the constants it uses.

Each circuit is lowered and compiled (compile_str, NOOP simulator) then encoded as the service
does, in a process of its own, so its peak resident memory is its own.

    python -m lsctl.bench.cost_model [--transform on|off|both] [--max-seconds S] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsctl.bench.circuits import layered
from lsctl.paths import SHARED_CORPUS as CORPUS

REPO = Path(__file__).resolve().parents[3]
LAYERED = ((4, 3), (8, 3), (16, 3), (24, 3), (32, 3), (8, 12))

_WORKER = r"""
import json, resource, sys, time, warnings
sys.path[:0] = [sys.argv[1], sys.argv[2]]
warnings.simplefilter("ignore")
from compile_service import circuit_check, cost, encoding, lowering
from compile_service.engines import lsqecc as compiler
from compile_service.settings import load_job_limits
source, transform = sys.stdin.read(), sys.argv[3] == "on"
parsed = circuit_check.check(source, load_job_limits())
low = lowering.lower(parsed.circuit, parsed.source, lowering.DEFAULT_PRECISION, 10**6)
predicted = cost.predict(low.operations, low.qubits, transform)
if predicted.seconds > float(sys.argv[4]):
    print(json.dumps({"predicted": predicted.__dict__, "skipped": True}))
    sys.exit(0)
started = time.process_time()
compiled = compiler.compile_qasm(low.source, transform)
seconds = time.process_time() - started
slices, cells = len(compiled.slices), len(compiled.slices[0]) * len(compiled.slices[0][0])
document = encoding.encode({"slices": compiled.slices, "compilation_text": compiled.text})
document = encoding.extend_object(document, {"stats": {"slices": slices}})
print(json.dumps({
    "predicted": predicted.__dict__,
    "measured": {
        "slices": slices, "cells": cells, "seconds": round(seconds, 2),
        "megabytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    },
}))
"""


def circuits() -> dict[str, str]:
    found = {f"layered_n{n}x{k}": layered(n, k).qasm for n, k in LAYERED}
    if CORPUS.is_dir():
        found |= {path.stem: path.read_text() for path in sorted(CORPUS.glob("*.qasm"))}
    return found


def measure(source: str, transform: bool, max_seconds: float) -> dict[str, Any]:
    command = [
        sys.executable,
        "-c",
        _WORKER,
        str(REPO / "function"),
        str(REPO / "build" / "compiler" / "src"),
        "on" if transform else "off",
        str(max_seconds),
    ]
    done = subprocess.run(command, input=source, capture_output=True, text=True, check=False)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last}
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratios(row: dict[str, Any]) -> dict[str, float]:
    """Measured over predicted, per quantity (nan where the prediction rounds to 0)."""
    measured, predicted = row["measured"], row["predicted"]
    return {
        key: measured[key] / predicted[key] if predicted[key] else math.nan
        for key in ("slices", "cells", "seconds", "megabytes")
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transform", choices=("on", "off", "both"), default="both")
    parser.add_argument(
        "--max-seconds", type=float, default=60.0, help="skip circuits predicted to take longer"
    )
    parser.add_argument("--only", nargs="*", help="circuit names (default: all)")
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument(
        "--min-seconds",
        type=float,
        default=0.3,
        help="compiles shorter than this are left out of the summary ranges (timer noise)",
    )
    args = parser.parse_args(argv)
    settings = {"on": (True,), "off": (False,), "both": (True, False)}[args.transform]
    print("| circuit | transform | slices | /pred | cells | /pred | CPU s | /pred | MB | /pred |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for name, source in circuits().items():
        if args.only and name not in args.only:
            continue
        for transform in settings:
            row = {"circuit": name, "transform": transform} | measure(
                source, transform, args.max_seconds
            )
            rows.append(row)
            if "measured" not in row:
                continue
            m, r = row["measured"], ratios(row)
            print(
                f"| {name} | {'on' if transform else 'off'} | {m['slices']} | "
                f"{r['slices']:.2f} | {m['cells']} | {r['cells']:.2f} | {m['seconds']} | "
                f"{r['seconds']:.2f} | {m['megabytes']} | {r['megabytes']:.2f} |",
                flush=True,
            )
    measured = [
        ratios(row)
        for row in rows
        if "measured" in row and row["measured"]["seconds"] > args.min_seconds
    ]
    if measured:
        for key in ("slices", "seconds", "megabytes"):
            values = [r[key] for r in measured]
            print(f"{key}: measured/predicted {min(values):.2f}-{max(values):.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
