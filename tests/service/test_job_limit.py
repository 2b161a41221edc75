"""One client (source IP) may queue a bounded number of new jobs per hour (issue 20: jobs were
unbounded per client, ~$30/day in prod each). Over it, POST /v2/jobs answers 429 with a clear
message; resubmitting or polling an existing job is never limited, and other clients are not
affected. On the AWS backend (DynamoDB on a moto server) and the local one."""

from __future__ import annotations

import json

import pytest

from tests.conftest import rest_event, with_flat_headers
from tests.service.test_jobs import jobs, moto_url  # noqa: F401 - fixtures

LIMIT = 3


def submit_from(ip: str, body: dict):
    import app

    from tests.conftest import CONTEXT

    event = rest_event("POST", "/v2/jobs", json.dumps(body))
    event["requestContext"]["identity"]["sourceIp"] = ip
    return with_flat_headers(app.lambda_handler(event, CONTEXT))


def circuit(n: int) -> dict:
    gates = "".join(f"h q[0];\nt q[{i % 2}];\n" for i in range(n + 1))
    return {"circuit": f'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\n{gates}'}


def test_a_client_over_its_hourly_jobs_gets_429(jobs, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from compile_service.jobs import lifecycle

    monkeypatch.setattr(lifecycle, "CLIENT_JOBS_PER_HOUR", LIMIT)
    for n in range(LIMIT):
        assert submit_from("203.0.113.7", circuit(n))["statusCode"] == 202
    refused = submit_from("203.0.113.7", circuit(LIMIT))
    assert refused["statusCode"] == 429
    error = json.loads(refused["body"])["error"]
    assert error["code"] == "too_many_jobs"
    assert f"submitted {LIMIT} new jobs this hour" in error["message"]
    assert jobs.queued() == LIMIT  # the refused one was never queued
    # an existing job is not a new one; another client has its own share
    assert submit_from("203.0.113.7", circuit(0))["statusCode"] == 202
    assert submit_from("198.51.100.2", circuit(LIMIT))["statusCode"] == 202
    assert jobs.job_count() == LIMIT + 1


def test_without_a_configured_limit_nothing_is_counted(jobs) -> None:  # noqa: F811
    """lsctl serve and the tests set no LSC_JOB_CLIENT_HOURLY: no limit, no counter records."""
    from compile_service.jobs import lifecycle

    assert lifecycle.CLIENT_JOBS_PER_HOUR is None
    for n in range(8):
        assert submit_from("203.0.113.7", circuit(n))["statusCode"] == 202
    assert jobs.job_count() == 8
