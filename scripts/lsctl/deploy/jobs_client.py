"""A client of the jobs API (POST /v2/jobs, GET /v2/jobs/{id}, the result link): submit, wait,
download. Used by `lsctl job` and by the smoke test."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from lsctl.deploy.http_client import HttpResponse, request

POLL_SECONDS = 1.0
FINISHED = ("succeeded", "failed")


class JobError(Exception):
    """The service refused the job, or the job did not succeed; `response` shows why."""

    def __init__(self, message: str, response: HttpResponse | None = None) -> None:
        super().__init__(message)
        self.response = response


def submit(base: str, circuit: str, litinski_transform: bool = True) -> tuple[dict, HttpResponse]:
    body = {"circuit": circuit, "litinski_transform": litinski_transform}
    response = request("POST", f"{base.rstrip('/')}/v2/jobs", body)
    if response.status not in (200, 202):
        raise JobError(f"POST /v2/jobs answered {response.status}: {_message(response)}", response)
    return json.loads(response.body), response


def wait(
    base: str,
    job: dict[str, Any],
    timeout: float,
    log: Callable[[str], None] = lambda line: None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll the job until it succeeded or failed (its last state); JobError after `timeout`."""
    started, last = time.monotonic(), job.get("status")
    url = f"{base.rstrip('/')}/v2/jobs/{job['id']}"
    while job.get("status") not in FINISHED:
        if time.monotonic() - started > timeout:
            raise JobError(f"job {job['id']} still {job.get('status')} after {timeout:g} s")
        sleep(POLL_SECONDS)
        response = request("GET", url)
        if response.status != 200:
            raise JobError(f"GET {url} answered {response.status}: {_message(response)}", response)
        job = json.loads(response.body)
        if job.get("status") != last:
            last = job.get("status")
            log(f"job {job['id'][:12]}: {last} ({time.monotonic() - started:.1f} s)")
    return job


def result(job: dict[str, Any]) -> dict[str, Any]:
    """The document of a succeeded job, downloaded from its (presigned) result link."""
    if job.get("status") != "succeeded" or not job.get("result_url"):
        error = job.get("error") or {}
        raise JobError(f"job {job['id']} {job.get('status')}: {error.get('message', 'no result')}")
    response = request("GET", job["result_url"])
    if response.status != 200:
        raise JobError(f"the result link answered {response.status}", response)
    return json.loads(response.body)


def _message(response: HttpResponse) -> str:
    try:
        return str(json.loads(response.body)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.body[:300].decode("utf-8", errors="replace")
