"""The local server's bounded queue: as many requests run as there are handler workers, up to
`queue` more wait for one, and any beyond are answered at once with 503 and Retry-After (as a
busy API would be), never left to pile up or be reset at the socket."""

from __future__ import annotations

import itertools
import json
import math
import threading
import time

from lsctl.local.proxy_event import HttpResult

# Requests waiting for a worker, unless `lsctl serve --queue` says otherwise: a page of the web
# client and a few API callers at once.
DEFAULT_QUEUE = 32
# Before any request has finished, a wait is guessed at this many seconds per request.
FIRST_GUESS_SECONDS = 1.0
# How much the latest request's time moves the running mean (an exponential moving average).
WEIGHT = 0.2


class Admission:
    """Admits `workers + queue` requests at once; `enter()` gives None for one more."""

    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers
        self.queue = queue
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._lock = threading.Lock()
        self._tickets = itertools.count()
        self._started: dict[int, float] = {}  # ticket -> when the request was admitted
        self._mean_seconds = FIRST_GUESS_SECONDS

    def enter(self) -> int | None:
        """A ticket to hand back to leave(), or None when every place is taken."""
        if not self._slots.acquire(blocking=False):
            return None
        with self._lock:
            ticket = next(self._tickets)
            self._started[ticket] = time.monotonic()
        return ticket

    def leave(self, ticket: int) -> None:
        with self._lock:
            seconds = time.monotonic() - self._started.pop(ticket)
            self._mean_seconds += WEIGHT * (seconds - self._mean_seconds)
        self._slots.release()

    def retry_after(self) -> int:
        """Whole seconds until a place is likely free: the requests inside, worked off by every
        worker, each taking the recent mean time per request, or as long as the oldest one
        inside has already taken if that is longer (quick answers in the recent past say little
        about a queue of slow ones). At least 1."""
        with self._lock:
            now = time.monotonic()
            waves = len(self._started) / self.workers
            oldest = now - min(self._started.values(), default=now)
            return max(1, math.ceil(waves * max(self._mean_seconds, oldest)))

    def busy(self, path: str) -> HttpResult:
        """503 with Retry-After, as /v2 answers errors (JSON) or as /compile does (text)."""
        seconds = self.retry_after()
        message = (
            f"the local service is busy: {self.workers} requests are running and {self.queue} "
            f"waiting, its most (lsctl serve --workers, --queue); retry after {seconds} s"
        )
        headers = [("Retry-After", str(seconds))]
        if path.startswith("/v2/"):
            body = {"error": {"code": "busy", "message": message, "request_id": "local"}}
            headers.append(("Content-Type", "application/json"))
            return HttpResult(503, headers, json.dumps(body).encode())
        headers.append(("Content-Type", "text/plain; charset=utf-8"))
        return HttpResult(503, headers, f"{message}\n".encode())
