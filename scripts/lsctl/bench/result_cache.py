"""The result cache of the compile routes, in-process and warm: the README example through
POST /compile (the web client's request) answered three ways, interleaved call by call:

- fresh: compiled every time (the cache switched off, LSC_RESULT_CACHE=off);
- store hit: a new container's cache each call (memory empty), the result read from the local
  result store (a directory; on AWS this is an S3 GET instead);
- memory hit: the warm container's in-memory LRU.

Also measured, in a fresh interpreter: what the first AWS call on the sync path costs a container
(importing boto3 and creating the S3 client), which the handler defers until a request needs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsctl.bench import stats
from lsctl.bench.circuits import README_EXAMPLE, Circuit
from lsctl.bench.latency import load_handler, request_body
from lsctl.bench.report import table
from lsctl.local import proxy_event

SECTION = "result_cache"
TITLE = "Result cache (README example via /compile, in-process, warm)"
TARGET_MEMORY_P50 = 0.020  # seconds
VARIANTS = ("fresh", "store_hit", "memory_hit")
_BOTO3_PROBE = (
    "import time; t = time.perf_counter(); import boto3; i = time.perf_counter(); "
    "boto3.client('s3', region_name='us-east-1', aws_access_key_id='x', "
    "aws_secret_access_key='y'); c = time.perf_counter(); print(i - t, c - i)"
)


class _Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    memory_limit_in_mb = 1769
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def _call(handler: Callable[..., dict[str, Any]], body: bytes) -> tuple[float, str, str]:
    event = proxy_event.to_event("POST", "/compile", {"content-type": "application/json"}, body)
    started = time.perf_counter()
    result = handler(event, _Context())
    seconds = time.perf_counter() - started
    if result["statusCode"] != 200:
        raise RuntimeError(f"/compile answered {result['statusCode']}: {result['body'][:200]}")
    headers = {k: ",".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()}
    headers.update(result.get("headers") or {})
    return seconds, headers.get("X-Cache", "?"), result["body"]


def _boto3_cost() -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _BOTO3_PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    return {"import_boto3_s": round(float(out[0]), 3), "s3_client_s": round(float(out[1]), 3)}


def measure(paths: list[str], repeats: int, progress: Callable[[str], None]) -> dict[str, Any]:
    handler = load_handler(paths)
    from compile_service.jobs import backends

    body = request_body(Circuit("readme_example", README_EXAMPLE, 2, 6)).encode()
    samples: dict[str, list[float]] = {v: [] for v in VARIANTS}
    saved = {k: os.environ.get(k) for k in ("LSC_RESULT_CACHE", "LSC_JOBS_BACKEND")}
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as data:
        os.environ.update(LSC_JOBS_BACKEND="local", LSC_LOCAL_DATA_DIR=data)
        backends.reset()
        try:
            bodies = set()
            for round_ in range(1 + repeats * 4):  # the first round warms up, untimed
                os.environ["LSC_RESULT_CACHE"] = "off"
                fresh = _call(handler, body)
                os.environ["LSC_RESULT_CACHE"] = "on"
                backends.reset()  # a new container: the store has it, the memory not
                store = _call(handler, body)
                memory = _call(handler, body)
                if round_ and (fresh[1], store[1], memory[1]) != ("miss", "hit", "hit"):
                    raise RuntimeError(f"unexpected X-Cache {fresh[1]}/{store[1]}/{memory[1]}")
                bodies |= {fresh[2], store[2], memory[2]}
                if round_:
                    for name, sample in zip(VARIANTS, (fresh, store, memory), strict=True):
                        samples[name].append(sample[0])
            identical = len(bodies) == 1
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            os.environ.pop("LSC_LOCAL_DATA_DIR", None)
            backends.reset()
    progress("result cache: boto3's cost to a container's first store request")
    summaries = {name: stats.summary(values) for name, values in samples.items()}
    memory_p50 = summaries["memory_hit"]["p50"]
    return {
        "status": "ok",
        "circuit": "readme_example",
        "route": "/compile",
        **summaries,
        "speedup_memory": stats.ratio(summaries["fresh"]["p50"], memory_p50),
        "speedup_store": stats.ratio(summaries["fresh"]["p50"], summaries["store_hit"]["p50"]),
        "bodies_identical": identical,
        "target_memory_p50_s": TARGET_MEMORY_P50,
        "meets_target": memory_p50 < TARGET_MEMORY_P50,
        "first_aws_request": _boto3_cost(),
    }


def render(section: dict[str, Any]) -> str:
    if section.get("status") != "ok":
        return f"Not measured: {section.get('reason', section.get('status'))}"
    rows = [
        [
            name.replace("_", " "),
            f"{section[name]['p50'] * 1000:.1f} ms",
            f"{section[name]['p95'] * 1000:.1f} ms",
            section[name]["n"],
        ]
        for name in VARIANTS
    ]
    aws = section["first_aws_request"]
    return "\n\n".join(
        [
            table(["answer", "p50", "p95", "n"], rows),
            f"Fresh ÷ memory hit: {section['speedup_memory']}x; fresh ÷ store hit: "
            f"{section['speedup_store']}x. Memory hit p50 target < "
            f"{section['target_memory_p50_s'] * 1000:.0f} ms: "
            f"{'met' if section['meets_target'] else 'NOT met'}. Bodies identical: "
            f"{section['bodies_identical']}.",
            f"A container's first request that reads the S3 result store also imports boto3 "
            f"({aws['import_boto3_s']:.3f} s here) and creates the S3 client "
            f"({aws['s3_client_s']:.3f} s); the handler's import (cold start) does neither.",
        ]
    )


def append(md_path: Path, section: dict[str, Any]) -> str:
    """This section's markdown, appended to bench.md (report.py renders the other sections)."""
    markdown = f"\n## {TITLE}\n\n{render(section)}\n"
    with md_path.open("a") as out:
        out.write(markdown)
    return markdown
