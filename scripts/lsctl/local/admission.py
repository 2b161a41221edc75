"""The local server's bounded queue: as many requests run as there are handler workers, up to
`queue` more wait for one, and any beyond are answered at once with 503 and Retry-After (as a
busy API would be), never left to pile up or be reset at the socket."""

from __future__ import annotations

import json
import math
import threading

from lsctl.local.proxy_event import HttpResult

# Requests waiting for a worker, unless `lsctl serve --queue` says otherwise: a page of the web
# client and a few API callers at once.
DEFAULT_QUEUE = 32
# Before any request has finished, a wait is guessed at this many seconds per request.
FIRST_GUESS_SECONDS = 1.0
# How much the latest request's time moves the running mean (an exponential moving average).
WEIGHT = 0.2


class Admission:
    """Admits `workers + queue` requests at once; `enter()` is False for one more."""

    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers
        self.queue = queue
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._lock = threading.Lock()
        self._inside = 0
        self._mean_seconds = FIRST_GUESS_SECONDS

    def enter(self) -> bool:
        if not self._slots.acquire(blocking=False):
            return False
        with self._lock:
            self._inside += 1
        return True

    def leave(self, seconds: float) -> None:
        with self._lock:
            self._inside -= 1
            self._mean_seconds += WEIGHT * (seconds - self._mean_seconds)
        self._slots.release()

    def retry_after(self) -> int:
        """Whole seconds until a place is likely free: the queue ahead, worked off by every
        worker at the recent mean time per request (at least 1)."""
        with self._lock:
            waves = self._inside / self.workers
            return max(1, math.ceil(waves * self._mean_seconds))

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
