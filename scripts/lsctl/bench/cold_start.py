"""Cold start: import the handler in a fresh interpreter, beside importing lsqecc alone.

Each sample is a new `python` process that times its own import with time.perf_counter (the
figure) while this process times the whole process (interpreter start-up, import, exit). Runs
are interleaved (one of each configuration per round) so drift hits all of them alike, after one
warm-up run of each that fills the bytecode cache (PYTHONPYCACHEPREFIX, a directory under build/:
a built image ships compiled bytecode, and the checkout's own files are left alone).

The handler is imported with the Powertools Tracer active as on Lambda
(AWS_LAMBDA_FUNCTION_NAME and LAMBDA_TASK_ROOT set as the Lambda runtime sets them,
POWERTOOLS_TRACE_DISABLED unset: aws_xray_sdk is imported) and with it disabled
(POWERTOOLS_TRACE_DISABLED=true). LAMBDA_TASK_ROOT matters: without it the X-Ray SDK believes it
runs outside Lambda and builds a sampling poller with two botocore clients (~100 ms) that Lambda
never uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsctl.bench import stats
from lsctl.local.lambda_fakes import lambda_environment

LSQECC_MODULE = "lsqecc.pipeline.lattice_surgery_compilation_pipeline"
HANDLER_MODULE = "app"
TARGET_RATIO = 1.15

_CHILD = (
    "import importlib, json, sys, time\n"
    "t0 = time.perf_counter()\n"
    "importlib.import_module(sys.argv[1])\n"
    "t1 = time.perf_counter()\n"
    "print(json.dumps({'import_s': t1 - t0, 'modules': len(sys.modules),\n"
    "                  'tracer_loaded': 'aws_xray_sdk.core' in sys.modules}))\n"
)
_DROPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE", "PYTHONSTARTUP")


@dataclass(frozen=True)
class Config:
    """One way of importing: which module, from which sys.path entries, with which env."""

    label: str
    module: str
    paths: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    isolated: bool = False  # python -S: no site-packages, only `paths` (a self-contained bundle)


def lambda_env(tracer: bool) -> dict[str, str]:
    """The environment variables that make Powertools behave as on Lambda."""
    return lambda_environment("lattice-surgery-bench", runtime=True, tracing=tracer, metrics=True)


def configs(source_paths: list[str], bundle: Path | None) -> list[Config]:
    """lsqecc alone, the handler with the Tracer on and off; from source and, if built, the
    bundle."""
    layouts: list[tuple[str, tuple[str, ...], bool]] = [("source", tuple(source_paths), False)]
    if bundle is not None:
        layouts.append(("bundle", (str(bundle),), True))
    result = []
    for where, paths, isolated in layouts:
        result += [
            Config(f"{where}: lsqecc alone", LSQECC_MODULE, paths, lambda_env(False), isolated),
            Config(
                f"{where}: handler, tracer on", HANDLER_MODULE, paths, lambda_env(True), isolated
            ),
            Config(
                f"{where}: handler, tracer off", HANDLER_MODULE, paths, lambda_env(False), isolated
            ),
        ]
    return result


def _child_env(config: Config, pycache: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _DROPPED_ENV and not k.startswith(("POWERTOOLS_", "AWS_", "LSC_"))
    }
    env.update(config.env)
    env["PYTHONPATH"] = os.pathsep.join(config.paths)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_once(config: Config, pycache: Path, python: str = sys.executable) -> dict[str, Any]:
    """One fresh process: its own import time, and the process's wall time."""
    command = [python, *(["-S"] if config.isolated else []), "-c", _CHILD, config.module]
    started = time.perf_counter()
    result = subprocess.run(
        command, env=_child_env(config, pycache), capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        tail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"{config.label}: import {config.module} failed: {tail}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    return {**measured, "wall_s": wall}


def measure(
    source_paths: list[str], bundle: Path | None, repeats: int, pycache: Path
) -> dict[str, Any]:
    """Median import and wall time of each configuration over `repeats` rounds, and the ratios
    handler / lsqecc alone."""
    pycache.mkdir(parents=True, exist_ok=True)
    chosen = configs(source_paths, bundle)
    samples: dict[str, list[dict[str, Any]]] = {c.label: [] for c in chosen}
    errors: dict[str, str] = {}
    for config in chosen:  # warm-up: bytecode cache and page cache
        try:
            run_once(config, pycache)
        except RuntimeError as exc:
            errors[config.label] = str(exc)
    live = [c for c in chosen if c.label not in errors]
    for round_number in range(repeats):
        shift = round_number % len(live) if live else 0
        for config in live[shift:] + live[:shift]:
            samples[config.label].append(run_once(config, pycache))
    rows = []
    for config in live:
        runs = samples[config.label]
        rows.append(
            {
                "label": config.label,
                "module": config.module,
                "paths": list(config.paths),
                "xray_sdk_loaded": runs[0]["tracer_loaded"],
                "import_s": stats.summary([r["import_s"] for r in runs]),
                "wall_s": stats.summary([r["wall_s"] for r in runs]),
                "modules": runs[0]["modules"],
            }
        )
    return {
        "status": "ok",
        "repeats": repeats,
        "target_ratio": TARGET_RATIO,
        "rows": rows,
        "ratios": _ratios(rows),
        "errors": errors,
    }


def _ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """handler / lsqecc alone, on median import time and on median process wall time."""
    by_label = {r["label"]: r for r in rows}
    result = []
    for row in rows:
        if row["module"] != HANDLER_MODULE:
            continue
        where = row["label"].split(":", 1)[0]
        base = by_label.get(f"{where}: lsqecc alone")
        if base is None:
            continue
        import_ratio = stats.ratio(row["import_s"]["p50"], base["import_s"]["p50"])
        result.append(
            {
                "label": row["label"],
                "import_ratio": import_ratio,
                "wall_ratio": stats.ratio(row["wall_s"]["p50"], base["wall_s"]["p50"]),
                "meets_target": import_ratio is not None and import_ratio <= TARGET_RATIO,
            }
        )
    return result
