"""Run the handler from the bundle alone, as Lambda would: only the bundle on sys.path,
multiprocessing semaphores failing (no /dev/shm), nothing written into the bundle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from lsctl.errors import CliError

SMOKE_CIRCUIT = (
    "OPENQASM 2.0;\n"
    'include "qelib1.inc";\n'
    "qreg q[2];\n"
    "h q[0];\ncx q[0],q[1];\nh q[0];\nt q[1];\ns q[0];\nx q[0];\n"
)


# Runs as `python -I -S`: no site-packages, no PYTHON* variables, only the bundle and the stdlib.
_PROBE = r"""
import json, sys, sysconfig, time
bundle, circuit, results_file = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, bundle)
import _multiprocessing
class _NoSemLock:  # Lambda has no /dev/shm: every semaphore fails like this
    SEM_VALUE_MAX = _multiprocessing.SemLock.SEM_VALUE_MAX
    def __init__(self, *args, **kwargs):
        raise OSError(38, "Function not implemented")
_multiprocessing.SemLock = _NoSemLock
try:
    __import__("multiprocessing").Lock()
    raise SystemExit("multiprocessing semaphores still work: the Lambda emulation failed")
except OSError:
    pass
started = time.perf_counter()
import app
import_seconds = time.perf_counter() - started

class Context:
    function_name = "lattice-surgery-bundle-check"
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + function_name
    memory_limit_in_mb = 1769
    aws_request_id = "bundle-check"
    log_group_name = "/aws/lambda/lattice-surgery-bundle-check"
    log_stream_name = "bundle-check"
    def get_remaining_time_in_millis(self):
        return 28000

def call(method, path, body=None):
    headers = {"content-type": "application/json"} if body else {}
    event = {
        "resource": path, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
        "body": json.dumps(body) if body else None,
        "requestContext": {
            "requestId": "bundle-check", "stage": "check", "httpMethod": method, "path": path,
            "resourcePath": path, "identity": {"sourceIp": "127.0.0.1"},
        },
    }
    return int(app.lambda_handler(event, Context())["statusCode"])

results = {"import_seconds": round(import_seconds, 3), "health": call("GET", "/health")}
if "lsqecc" in sys.modules or __import__("importlib.util").util.find_spec("lsqecc"):
    results["v2_compile"] = call("POST", "/v2/compile", {"circuit": circuit})
    results["legacy_compile"] = call("POST", "/compile", {"circuit": circuit})
stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
loaded = [getattr(m, "__file__", None) or "" for m in list(sys.modules.values())]
results["modules_from_bundle"] = sum(f.startswith(bundle) for f in loaded)
outside = [f for f in loaded if f and not f.startswith((bundle, *stdlib))]
results["modules_elsewhere"] = sorted(outside)
with open(results_file, "w") as f:
    json.dump(results, f)
"""

LAMBDA_LIKE_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "lattice-surgery-bundle-check",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "lattice-surgery-compiler",
    "POWERTOOLS_METRICS_NAMESPACE": "LatticeSurgery",
    # Tracing on (as on Lambda, where LAMBDA_TASK_ROOT is set) but this trace is not sampled,
    # so the X-Ray SDK patches libraries at import and sends nothing.
    "_X_AMZN_TRACE_ID": (
        "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"
    ),
    "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
}


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def verify(stage: Path, *, compile_expected: bool) -> dict[str, Any]:
    """Run the handler from the bundle alone, as Lambda would; CliError on any failure."""
    before = _snapshot(stage)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LAMBDA_TASK_ROOT": str(stage)}
    env.update(LAMBDA_LIKE_ENV)
    with tempfile.TemporaryDirectory(prefix="bundle-check-") as tmp:
        results_file = Path(tmp) / "results.json"
        command = [sys.executable, "-I", "-S", "-W", "ignore", "-c", _PROBE, str(stage)]
        result = subprocess.run(
            [*command, SMOKE_CIRCUIT, str(results_file)],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0 or not results_file.exists():
            tail = "\n".join(result.stderr.strip().splitlines()[-15:])
            raise CliError(f"the bundle does not run on its own:\n{tail}")
        results = json.loads(results_file.read_text())
    problems = []
    if results["health"] != (200 if compile_expected else 503):
        problems.append(f"GET /health answered {results['health']}")
    for route in ("v2_compile", "legacy_compile"):
        if compile_expected and results.get(route) != 200:
            problems.append(f"{route} of the README example answered {results.get(route)}")
    if results["modules_elsewhere"]:
        problems.append(f"modules loaded from outside the bundle: {results['modules_elsewhere']}")
    written = sorted(set(_snapshot(stage).items()) - set(before.items()))
    if written:
        problems.append(f"running it wrote into the bundle: {[name for name, _ in written[:5]]}")
    if problems:
        raise CliError("bundle verification failed: " + "; ".join(problems))
    return results
