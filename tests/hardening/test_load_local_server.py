"""A bounded load on the real local server: 8 concurrent clients, a fixed number of requests,
zero errors, and no memory kept per request.

What a leak grows is the workers' private memory (USS: RSS also counts shared library pages a
worker happens to touch), and it grows with every request. So the same load runs twice after the
warm-up: the first brings the allocators to their high-water mark under 8 clients (RSS after a
first load grew 258 -> 297 MiB once, with no leak), the second must then add next to nothing.

Only 127.0.0.1 is ever targeted. Without the compiler every compile answers 503 with the fix
(documented), and that is the expected answer; with it, every answer is a 200.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import psutil

from lsctl.bench.throughput import run_load
from tests.conftest import COMPILER_PRESENT, README_EXAMPLE

CLIENTS = 8
REQUESTS = 200
WARM_UP = 32
WARM_UP_BATCHES = 20
# A leak of even 50 kB a request would add 10 MB over the second load.
USS_MARGIN_BYTES = 8 * 1024 * 1024

BODY = json.dumps(
    {"circuit_source": "str", "circuit": README_EXAMPLE, "apply_litinski_transform": True}
).encode()


def server_process(base_url: str) -> psutil.Process:
    """The `lsctl serve` process listening on base_url's port (a child of this test run)."""
    port = str(urlsplit(base_url).port)
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            command = child.cmdline()
        except psutil.Error:
            continue
        if "serve" in command and port in command:
            return child
    raise AssertionError(f"no `lsctl serve --port {port}` among this process's children")


def workers_rss(server: psutil.Process) -> int:
    """Resident memory of everything the server started (forkserver and handler workers)."""
    return _total(server, lambda p: p.memory_info().rss)


def workers_uss(server: psutil.Process) -> int:
    """Private memory of everything the server started: what a leak grows."""
    return _total(server, lambda p: p.memory_full_info().uss)


def _total(server: psutil.Process, measure: Callable[[psutil.Process], int]) -> int:
    total = 0
    for process in server.children(recursive=True):
        try:
            total += measure(process)
        except psutil.Error:
            continue
    return total


def warmed_up_rss(base_url: str, server: psutil.Process, expected: int) -> int:
    """Warm up until every worker has started and answered: the server's process tree and its
    memory stay the same over a whole batch (workers start lazily, a second one may still be
    importing after the first batch)."""
    previous: tuple[set[int], int] | None = None
    for _ in range(WARM_UP_BATCHES):
        warm = run_load(base_url, "/compile", BODY, concurrency=CLIENTS, requests=WARM_UP)
        assert warm.statuses == {expected: WARM_UP}, warm.summary(expected)
        current = ({p.pid for p in server.children(recursive=True)}, workers_rss(server))
        if previous and previous[0] == current[0] and current[1] <= previous[1] * 1.02:
            return current[1]
        previous = current
        time.sleep(0.5)
    raise AssertionError(f"the server's workers did not settle after {WARM_UP_BATCHES} batches")


def test_eight_clients_get_answers_and_memory_returns(local_server):
    expected = 200 if COMPILER_PRESENT else 503
    server = server_process(local_server)
    warmed_up_rss(local_server, server, expected)

    loads, uss = [], []
    for _ in range(2):
        loads.append(
            run_load(local_server, "/compile", BODY, concurrency=CLIENTS, requests=REQUESTS)
        )
        uss.append(workers_uss(server))
    for load in loads:
        summary = load.summary(expected)
        assert summary["errors"] == 0, summary
        assert load.statuses == {expected: REQUESTS}, summary
        assert len(load.latencies) == REQUESTS

    first, second = uss
    assert second <= first + USS_MARGIN_BYTES, (
        f"the workers' private memory grew from {first / 2**20:.0f} MiB to "
        f"{second / 2**20:.0f} MiB over {REQUESTS} more requests at the same load "
        f"(allowed {USS_MARGIN_BYTES / 2**20:.0f} MiB)"
    )
    assert server.is_running(), "the server died under load"
