"""Every circuit of the shared corpus through POST /v2/compile (transform on and off): status,
reason, lowered size and seconds, as a table. Compares builds: `--function DIR` runs the handler of
another checkout's function/ (e.g. `git archive main function | tar -x -C /tmp/main`).

    python -m lsctl.bench.corpus_lowering [--function DIR] [--precision P] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from lsctl.paths import SHARED_CORPUS as CORPUS

REPO = Path(__file__).resolve().parents[3]


def _handler(function_dir: Path) -> Any:
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    sys.path[:0] = [str(function_dir), str(REPO / "build" / "compiler" / "src")]
    warnings.simplefilter("ignore")
    import app

    return app.lambda_handler


def run_one(handler: Any, circuit: str, litinski: bool, precision: float | None) -> dict:
    from lsctl.local.lambda_fakes import LambdaContext
    from lsctl.local.proxy_event import from_result, to_event

    body: dict[str, Any] = {"circuit": circuit, "litinski_transform": litinski}
    if precision is not None:
        body["precision"] = precision
    # As a client should from 8 qubits on: large slice JSON only fits Lambda's limit gzipped.
    headers = {"accept-encoding": "gzip"}
    event = to_event("POST", "/v2/compile", headers, json.dumps(body).encode())
    started = time.perf_counter()
    result = handler(event, LambdaContext(function_name="bench"))
    seconds = time.perf_counter() - started
    answer = from_result(result)
    document = json.loads(answer.content)
    row: dict[str, Any] = {"status": answer.status, "seconds": round(seconds, 2)}
    if answer.status == 200:
        row["gates"] = document["stats"]["gates"]
        lowering = document.get("lowering") or {}
        row["approximated"] = lowering.get("rotations_approximated", 0)
        row["t_added"] = lowering.get("t_gates_added", 0)
    else:
        row["reason"] = document["error"]["message"]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--function", type=Path, default=REPO / "function")
    parser.add_argument("--precision", type=float, default=None, help="default: the service's")
    parser.add_argument("--only", nargs="*", help="circuit names (default: all)")
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    handler = _handler(args.function)
    rows = []
    print("| circuit | transform | status | lowered gates | approximated | T added | s | reason |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for path in sorted(CORPUS.glob("*.qasm")):
        if args.only and path.stem not in args.only:
            continue
        for litinski in (True, False):
            row = {"circuit": path.stem, "litinski": litinski}
            row |= run_one(handler, path.read_text(), litinski, args.precision)
            rows.append(row)
            print(
                f"| {path.stem} | {'on' if litinski else 'off'} | {row['status']} "
                f"| {row.get('gates', '')} | {row.get('approximated', '')} "
                f"| {row.get('t_added', '')} | {row['seconds']} | {row.get('reason', '')[:120]} |",
                flush=True,
            )
    for litinski in (True, False):
        ok = sum(1 for r in rows if r["litinski"] is litinski and r["status"] == 200)
        total = sum(1 for r in rows if r["litinski"] is litinski)
        print(f"transform {'on' if litinski else 'off'}: {ok} of {total} compile")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
