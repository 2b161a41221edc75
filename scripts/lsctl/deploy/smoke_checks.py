"""The smoke test of a deployed (or local) compile service: /health, then the README example
through POST /compile (the web client's contract) and POST /v2/compile.

While a new stage warms up (a cold start of a large image, a gateway that has not propagated yet)
it answers with connection errors, 5xx, or 403/404 from the gateway: those are retried with
exponential backoff within a bounded total time. Any other wrong answer fails at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lsctl.deploy import jobs_client, webclient
from lsctl.deploy.http_client import HttpResponse, network_errors, request
from lsctl.samples import README_EXAMPLE

RETRY_STATUSES = {403, 404, 429, 500, 502, 503, 504}
BODY_SHOWN = 600
JOB_SECONDS = 120.0  # a queued job of the README example: a cold worker, then a second

Log = Callable[[str], None]


class SmokeFailure(Exception):
    """A check failed; `retry` says whether a warming-up stage could explain it."""

    def __init__(self, check: str, reason: str, response: HttpResponse | None = None) -> None:
        super().__init__(f"{check}: {reason}")
        self.check = check
        self.reason = reason
        self.response = response
        self.retry = response is None or response.status in RETRY_STATUSES

    def report(self) -> str:
        lines = [f"smoke test failed: {self.check}: {self.reason}"]
        if self.response is not None:
            lines.append(describe_response(self.response))
        return "\n".join(lines)


def describe_response(response: HttpResponse) -> str:
    headers = "\n".join(f"  {name}: {value}" for name, value in sorted(response.headers.items()))
    text = response.body[:BODY_SHOWN].decode("utf-8", errors="replace")
    more = f"\n  ... ({len(response.body)} bytes in all)" if len(response.body) > BODY_SHOWN else ""
    return f"HTTP {response.status}\n{headers}\n\n{text}{more}"


def _expect_json(check: str, response: HttpResponse) -> Any:
    if response.status != 200:
        raise SmokeFailure(check, f"expected HTTP 200, got {response.status}", response)
    try:
        return json.loads(response.body)
    except ValueError as exc:
        raise SmokeFailure(check, f"the body is not JSON ({exc})", response) from None


def _check_document(check: str, document: Any, response: HttpResponse) -> tuple[int, int]:
    if not isinstance(document, dict):
        raise SmokeFailure(check, "the document is not a JSON object", response)
    slices = document.get("slices")
    if not isinstance(slices, list) or not slices:
        raise SmokeFailure(check, "'slices' is missing or empty", response)
    text = document.get("compilation_text")
    if not isinstance(text, str):
        raise SmokeFailure(check, "'compilation_text' is missing", response)
    try:
        sections = len(webclient.parse_compilation_text(text))
    except webclient.ClientWouldFail as exc:
        raise SmokeFailure(check, f"compilation_text: {exc}", response) from None
    return len(slices), sections


def check_health(base: str) -> str:
    check = "GET /health"
    response = request("GET", f"{base}/health")
    document = _expect_json(check, response)
    if not isinstance(document, dict) or document.get("status") != "ok":
        status = document.get("status") if isinstance(document, dict) else document
        raise SmokeFailure(check, f"status is {status!r}, not 'ok'", response)
    commit = str(document.get("compiler", {}).get("compiler_commit", "?"))[:12]
    return f"ok, compiler {commit}, build {document.get('build', {}).get('git_commit', '?')}"


def check_legacy(base: str) -> str:
    check = "POST /compile"
    body = {"circuit": README_EXAMPLE, "apply_litinski_transform": True}
    response = request("POST", f"{base}/compile", body)
    first = _expect_json(check, response)
    if not isinstance(first, str):
        raise SmokeFailure(
            check, "the body is not a JSON string (the web client parses it twice)", response
        )
    try:
        document = json.loads(first)
    except ValueError as exc:
        raise SmokeFailure(check, f"the JSON string does not hold JSON ({exc})", response) from None
    slices, sections = _check_document(check, document, response)
    return f"{slices} slices, {sections} compilation-text sections readable by the web client"


def check_v2(base: str) -> str:
    check = "POST /v2/compile"
    response = request("POST", f"{base}/v2/compile", {"circuit": README_EXAMPLE})
    document = _expect_json(check, response)
    slices, _ = _check_document(check, document, response)
    commit = document.get("compiler", {}).get("commit") if isinstance(document, dict) else None
    if not commit:
        raise SmokeFailure(check, "'compiler.commit' is missing", response)
    stats = document.get("stats")
    if not isinstance(stats, dict) or stats.get("slices") != slices:
        raise SmokeFailure(check, "'stats.slices' is missing or disagrees with 'slices'", response)
    return f"{slices} slices, compiler {str(commit)[:12]}, {stats.get('seconds')} s compiling"


def check_job(base: str) -> str:
    """A small job end to end: submit, poll, download the result; skipped (saying so) where the
    service has no jobs (503 jobs_unavailable)."""
    check = "POST /v2/jobs"
    # A comment unique to this run makes it a new job, so a worker compiles it (the same
    # circuit would be answered from the result store once any run compiled it).
    circuit = f"{README_EXAMPLE}// lsctl smoke {time.time_ns()}\n"
    try:
        job, _ = jobs_client.submit(base, circuit)
    except jobs_client.JobError as exc:
        response = exc.response
        if response is not None and response.status == 503 and b"jobs_unavailable" in response.body:
            return "skipped: this service has no jobs (jobs_unavailable)"
        raise SmokeFailure(check, str(exc), response) from None
    started = time.monotonic()
    try:
        job = jobs_client.wait(base, job, timeout=JOB_SECONDS)
        document = jobs_client.result(job)
    except jobs_client.JobError as exc:
        raise SmokeFailure(check, str(exc), exc.response) from None
    if job["status"] != "succeeded":
        raise SmokeFailure(check, f"the job {job['status']}: {job.get('error')}")
    slices, _ = _check_document(check, document, HttpResponse(200, {}, b""))
    return (
        f"job {job['id'][:12]} succeeded after {time.monotonic() - started:.1f} s of polling, "
        f"{slices} slices downloaded from its result link"
    )


CHECKS: list[tuple[str, Callable[[str], str]]] = [
    ("GET /health", check_health),
    ("POST /compile", check_legacy),
    ("POST /v2/compile", check_v2),
    ("POST /v2/jobs", check_job),
]


@dataclass
class Backoff:
    """Exponential delays (first, doubling, at most `cap`) until `total` seconds have passed."""

    total: float
    first: float = 1.0
    cap: float = 16.0
    started: float = field(default_factory=lambda: time.monotonic())  # looked up when made
    _next: float = 0.0

    def delay(self) -> float | None:
        """Seconds to sleep before the next try, or None when the time is up."""
        self._next = self.first if self._next == 0 else min(self._next * 2, self.cap)
        left = self.total - (time.monotonic() - self.started)
        if left <= 0:
            return None
        return min(self._next, left)


def run(
    base_url: str,
    *,
    total_seconds: float = 180.0,
    log: Log = print,
    sleep: Callable[[float], None] | None = None,
) -> None:
    """Run every check, retrying warm-up failures; raises the last SmokeFailure."""
    sleep = sleep or time.sleep
    base = base_url.rstrip("/")
    backoff = Backoff(total_seconds)
    for label, check in CHECKS:
        while True:
            started = time.monotonic()
            try:
                summary = check(base)
            except network_errors() as exc:  # refused, reset, timed out
                failure = SmokeFailure(label, f"no answer from {base}: {exc}")
            except SmokeFailure as exc:
                failure = exc
            else:
                log(f"{label}: {summary} ({(time.monotonic() - started) * 1000:.0f} ms)")
                break
            pause = backoff.delay() if failure.retry else None
            if pause is None:
                raise failure
            log(f"{failure.check}: {failure.reason}; retrying in {pause:.1f} s")
            sleep(pause)
