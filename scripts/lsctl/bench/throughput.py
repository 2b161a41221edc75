"""The local server (`lsctl serve`) under concurrent clients: throughput and latency.

A bounded load: each concurrency level sends a fixed number of requests, spread over that many
client threads (one keep-alive connection each), to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lsctl.bench import stats
from lsctl.local.loopback import served

LEVELS = (1, 2, 8)


@dataclass
class LoadResult:
    concurrency: int
    requests: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def summary(self, expected_status: int = 200) -> dict[str, Any]:
        unexpected = sum(n for s, n in self.statuses.items() if s != expected_status)
        timings = stats.summary(self.latencies) if self.latencies else None
        return {
            "concurrency": self.concurrency,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.requests / self.seconds, 2) if self.seconds else None,
            "latency_s": timings,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": len(self.errors) + unexpected,
            "error_samples": self.errors[:3],
        }


def run_load(
    base_url: str,
    path: str,
    body: bytes,
    concurrency: int,
    requests: int,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> LoadResult:
    """POST `body` to `path` `requests` times from `concurrency` threads; never retries."""
    url = urlsplit(base_url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load tests target this machine only, not {url.hostname}")
    send = {"Content-Type": "application/json", **(headers or {})}
    result = LoadResult(concurrency, requests, 0.0)
    lock = threading.Lock()
    remaining = iter(range(requests))

    def client() -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        try:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                started = time.perf_counter()
                try:
                    connection.request("POST", path, body=body, headers=send)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    with lock:
                        result.errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    result.latencies.append(elapsed)
                    result.statuses[status] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def measure(
    body: bytes,
    circuit_name: str,
    requests_per_level: int,
    workers: int,
    cwd: Path,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """Throughput and latency at each concurrency level, after a warm-up of every worker."""
    rows = []
    # Every request compiles (the result cache would answer repeats): the compile's throughput.
    with served(workers, cwd, "--env", "LSC_RESULT_CACHE=off") as url:
        warm = run_load(url, "/compile", body, concurrency=workers, requests=2 * workers)
        if warm.statuses.get(200, 0) == 0:
            return {
                "status": "failed",
                "reason": f"warm-up got no 200 from the local server: {warm.summary()}",
            }
        for level in LEVELS:
            progress(f"throughput: concurrency {level}")
            rows.append(run_load(url, "/compile", body, level, requests_per_level).summary())
    return {
        "status": "ok",
        "circuit": circuit_name,
        "workers": workers,
        "path": "POST /compile",
        "requests_per_level": requests_per_level,
        "rows": rows,
    }
