"""Compile latency through the handler versus upstream's own `json_pipeline.handle`.

Warm (one untimed call of each first), interleaved call by call:
- handler, plain: `app.lambda_handler` with an API Gateway event for POST /compile (the web
  client's request body), no Accept-Encoding;
- handler, gzip: the same with `Accept-Encoding: gzip` (what browsers send);
- upstream: `lsqecc.pipeline.json_pipeline.handle` on the same request body. Upstream's handle
  compiles with the FULL_STATE_VECTOR simulator, which fails on every real circuit, so for a fair
  comparison its `compile_str` is wrapped with the NOOP simulator the service uses
  (functools.partial(compile_str, simulation_type=SimulatorType.NOOP)). Upstream runs on
  upstream's code plus only the `Kind: fix` patches (what it needs to run at all), in a worker
  process of its own (build/compiler-baseline), timed inside that process; the handler runs here
  on the service's build (build/compiler/src, every patch, performance ones included).

Powertools tracing and metrics are disabled and logs are at WARNING, so the figures are the
handler's own work; lsqecc's printing is captured for upstream as the handler captures it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lsctl.bench import stats
from lsctl.bench.circuits import Circuit
from lsctl.local import proxy_event
from lsctl.local.lambda_fakes import LambdaContext, lambda_environment

HANDLER_ENV = {
    **lambda_environment("lattice-surgery-bench", log_level="WARNING"),
    "LSC_RESULT_CACHE": "off",  # every call compiles: this measures the compile path
}
SMALL_SECONDS = 0.5  # circuits faster than this get SMALL_FACTOR x the repeats
SMALL_FACTOR = 4
TARGET_LARGE = 0.8  # handler / upstream on circuits of LARGE_QUBITS+ qubits
TARGET_SMALL = 1.05  # on the small demos
LARGE_QUBITS = 8
VARIANTS = ("handler_plain", "handler_gzip", "upstream")


def request_body(circuit: Circuit) -> str:
    """The body the latticesurgery.com web client POSTs to /compile."""
    return json.dumps(
        {
            "circuit_source": "str",
            "circuit": circuit.qasm,
            "apply_litinski_transform": True,
            "simulation_method": "StateVector",
        }
    )


def load_handler(paths: list[str]) -> Callable[..., dict[str, Any]]:
    """app.lambda_handler, imported from `paths` with the benchmark's Powertools settings."""
    os.environ.update(HANDLER_ENV)
    sys.path[:0] = [p for p in paths if p not in sys.path]
    import app  # the Lambda entry module

    return app.lambda_handler


_UPSTREAM_WORKER = r"""
import contextlib, functools, io, json, sys, time
sys.path.insert(0, sys.argv[1])
from lsqecc.pipeline import json_pipeline
from lsqecc.simulation.logical_patch_state_simulation import SimulatorType
json_pipeline.compile_str = functools.partial(
    json_pipeline.compile_str, simulation_type=SimulatorType.NOOP
)
for line in sys.stdin:
    body = json.loads(line)
    with contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        response = json_pipeline.handle(body)
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "status": response.status,
                      "body_bytes": len(response.body.encode())}), flush=True)
"""


class UpstreamWorker:
    """json_pipeline.handle of the baseline compiler copy, in its own process."""

    def __init__(self, baseline_src: Path) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-c", _UPSTREAM_WORKER, str(baseline_src)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __call__(self, body: str) -> tuple[float, SimpleNamespace]:
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write(json.dumps(body) + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline())
        return answer["seconds"], SimpleNamespace(
            status=answer["status"], body_bytes=answer["body_bytes"]
        )

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=30)


def _context() -> LambdaContext:
    return LambdaContext("lattice-surgery-bench", "bench")


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _calls(
    handler: Callable[..., dict[str, Any]], upstream: UpstreamWorker, body: str
) -> dict[str, Callable[[], tuple[float, Any]]]:
    def via_handler(headers: dict[str, str]) -> Callable[[], tuple[float, Any]]:
        def call() -> tuple[float, Any]:
            event = proxy_event.to_event("POST", "/compile", headers, body.encode())
            return _timed(lambda: handler(event, _context()))

        return call

    return {
        "handler_plain": via_handler({"content-type": "application/json"}),
        "handler_gzip": via_handler(
            {"content-type": "application/json", "accept-encoding": "gzip, deflate, br"}
        ),
        "upstream": lambda: upstream(body),
    }


def measure_circuit(
    circuit: Circuit,
    handler: Callable[..., dict[str, Any]],
    upstream: UpstreamWorker,
    repeats: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Timings of one circuit, and the last result of each variant (for response_bytes)."""
    calls = _calls(handler, upstream, request_body(circuit))
    warm = {name: call() for name, call in calls.items()}  # warm-up, untimed
    rounds = repeats * SMALL_FACTOR if warm["upstream"][0] < SMALL_SECONDS else repeats
    samples: dict[str, list[float]] = {name: [] for name in calls}
    last = {name: result for name, (_seconds, result) in warm.items()}
    for _ in range(rounds):
        for name, call in calls.items():
            seconds, last[name] = call()
            samples[name].append(seconds)
    row: dict[str, Any] = {
        "circuit": circuit.name,
        "qubits": circuit.qubits,
        "gates": circuit.gates,
        "repeats": rounds,
        "status": {
            "handler_plain": last["handler_plain"]["statusCode"],
            "handler_gzip": last["handler_gzip"]["statusCode"],
            "upstream": last["upstream"].status,
        },
    }
    for name in VARIANTS:
        row[name] = stats.summary(samples[name])
    for name in ("handler_plain", "handler_gzip"):
        row[f"ratio_{name.split('_')[1]}"] = {
            q: stats.ratio(row[name][q], row["upstream"][q]) for q in ("p50", "p95")
        }
    target = TARGET_LARGE if circuit.qubits >= LARGE_QUBITS else TARGET_SMALL
    row["target_ratio"] = target
    row["meets_target"] = (row["ratio_gzip"]["p50"] or 99) <= target
    return row, last


def measure(
    circuits: list[Circuit],
    paths: list[str],
    baseline_src: Path,
    repeats: int,
    progress: Callable[[str], None],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The latency section, and each circuit's last results (circuit name -> variant -> result).
    `baseline_src`: upstream plus its `Kind: fix` patches (compiler_source.prepare)."""
    handler = load_handler(paths)
    rows, results = [], {}
    upstream = UpstreamWorker(baseline_src)
    # Powertools prints EMF metrics every 100 values even with POWERTOOLS_METRICS_DISABLED.
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for circuit in circuits:
                progress(f"latency: {circuit.name}")
                row, last = measure_circuit(circuit, handler, upstream, repeats)
                rows.append(row)
                results[circuit.name] = last
    finally:
        upstream.close()
    section = {
        "status": "ok",
        "repeats": repeats,
        "note": (
            "upstream = lsqecc json_pipeline.handle with compile_str bound to the NOOP simulator "
            "(its default FULL_STATE_VECTOR fails), on upstream's code with only the fix patches; "
            "handler = app.lambda_handler, POST /compile, on the service's build (all patches), "
            "tracing and metrics disabled"
        ),
        "rows": rows,
    }
    return section, results
