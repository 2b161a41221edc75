"""`lsctl smoke`: against the real local compile service, against servers that answer wrongly
(the failure must show the response), and the warm-up retries."""

from __future__ import annotations

import gzip
import json

import pytest

from lsctl.deploy import smoke_checks

from .helpers import GOOD_DOCUMENT, Canned, create_stack, good_routes, root_conftest


@pytest.mark.compiler
def test_smoke_passes_against_the_real_local_service(lsctl, local_server):
    result = lsctl("smoke", "--url", local_server, "--timeout", "0")
    assert result.code == 0, result.text
    assert "GET /health: ok, compiler 1d9d9f3" in result.out
    assert "POST /compile:" in result.out and "readable by the web client" in result.out
    assert "POST /v2/compile:" in result.out
    assert "POST /v2/jobs: job " in result.out and "slices downloaded" in result.out
    assert "smoke test passed" in result.out


def test_smoke_reports_a_degraded_local_service(lsctl, local_server):
    """Without the compiler the real service answers /health with 503 'degraded': the smoke
    test must fail on it, showing the response; with the compiler it passes."""
    result = lsctl("smoke", "--url", local_server, "--timeout", "0")
    if root_conftest().COMPILER_PRESENT:
        assert result.code == 0, result.text
    else:
        assert result.code == 1
        assert "GET /health: expected HTTP 200, got 503" in result.err
        assert '"status":"degraded"' in result.err


def test_smoke_passes_against_a_service_answering_correctly(lsctl, fake_service):
    service = fake_service(good_routes())
    result = lsctl("smoke", "--url", service.url + "/", "--timeout", "0")
    assert result.code == 0, result.text
    assert service.hits == ["GET /health", "POST /compile", "POST /v2/compile", "POST /v2/jobs"]
    assert "POST /v2/jobs: skipped: this service has no jobs" in result.out


def test_a_server_error_fails_with_status_headers_and_body(lsctl, fake_service):
    routes = good_routes()
    routes["POST /compile"] = Canned(
        500, "internal error; quote request id abc-123", {"X-Request-Id": "abc-123"}
    )
    service = fake_service(routes)
    result = lsctl("smoke", "--url", service.url, "--timeout", "0")
    assert result.code == 1
    assert "smoke test failed: POST /compile: expected HTTP 200, got 500" in result.err
    assert "HTTP 500" in result.err
    assert "X-Request-Id: abc-123" in result.err
    assert "quote request id abc-123" in result.err
    assert "POST /v2/compile" not in service.hits


def test_an_object_where_the_web_client_wants_a_json_string_fails(lsctl, fake_service):
    routes = good_routes()
    routes["POST /compile"] = Canned(200, json.dumps(GOOD_DOCUMENT))
    result = lsctl("smoke", "--url", fake_service(routes).url, "--timeout", "30")
    assert result.code == 1
    assert "not a JSON string" in result.err
    assert "retrying" not in result.out  # a wrong answer is not a warm-up: no retry


def test_compilation_text_the_web_client_cannot_split_fails(lsctl, fake_service):
    broken = {**GOOD_DOCUMENT, "compilation_text": "Input Circuit:\nCircuit after Litinski:\n"}
    routes = good_routes()
    routes["POST /compile"] = Canned(200, json.dumps(json.dumps(broken)))
    result = lsctl("smoke", "--url", fake_service(routes).url, "--timeout", "0")
    assert result.code == 1
    assert "compilation_text has no piece 3 after splitting on 'Circuit'" in result.err


def test_empty_slices_and_missing_v2_fields_fail(lsctl, fake_service):
    routes = good_routes()
    routes["POST /compile"] = Canned(200, json.dumps(json.dumps({**GOOD_DOCUMENT, "slices": []})))
    result = lsctl("smoke", "--url", fake_service(routes).url, "--timeout", "0")
    assert "'slices' is missing or empty" in result.err

    routes = good_routes()
    routes["POST /v2/compile"] = Canned(200, json.dumps(GOOD_DOCUMENT))
    result = lsctl("smoke", "--url", fake_service(routes).url, "--timeout", "0")
    assert result.code == 1
    assert "POST /v2/compile: 'compiler.commit' is missing" in result.err


def test_a_gzipped_answer_is_read(fake_service):
    routes = good_routes()
    body = json.dumps(json.dumps(GOOD_DOCUMENT)).encode()
    routes["POST /compile"] = Canned(
        200, gzip.compress(body), {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    lines: list[str] = []
    smoke_checks.run(fake_service(routes).url, total_seconds=0, log=lines.append)
    assert lines[1].startswith("POST /compile: 2 slices")


def test_warm_up_answers_are_retried_with_growing_delays(fake_service):
    routes = good_routes()
    routes["GET /health"] = [
        Canned(502, '{"message": "Internal server error"}'),
        Canned(503, '{"status": "degraded"}'),
        Canned(504, '{"message": "Endpoint request timed out"}'),
        good_routes()["GET /health"],
    ]
    service = fake_service(routes)
    pauses: list[float] = []
    lines: list[str] = []
    smoke_checks.run(service.url, total_seconds=60, log=lines.append, sleep=pauses.append)
    assert pauses == [1.0, 2.0, 4.0]
    assert service.hits.count("GET /health") == 4
    assert "retrying" in lines[0] and lines[-1].startswith("POST /v2/jobs: skipped")


class FakeClock:
    """Monotonic time that only sleeping moves: retries counted by construction, not by speed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_retries_stop_when_the_time_is_up(lsctl, fake_service, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(smoke_checks, "time", clock)
    routes = {"GET /health": Canned(503, "warming")}
    service = fake_service(routes)
    result = lsctl("smoke", "--url", service.url, "--timeout", "1.5")
    assert result.code == 1
    assert "got 503" in result.err
    # Tries at 0 s, after 1 s (the first delay) and after 0.5 s more (what was left of 1.5 s).
    assert service.hits.count("GET /health") == 3
    assert clock.now == 1001.5


def test_nothing_listening_is_reported(lsctl, fake_service):
    service = fake_service({})
    url = service.url.rsplit(":", 1)[0] + ":9"  # discard port: nothing listens there
    result = lsctl("smoke", "--url", url, "--timeout", "0")
    assert result.code == 1
    assert "GET /health: no answer from" in result.err


def test_stage_uses_the_stacks_api_url(lsctl, aws, fake_service):
    service = fake_service(good_routes())
    create_stack(
        aws("cloudformation"), "lattice-surgery-dev", {"ApiUrl": service.url, "FunctionName": "f"}
    )
    result = lsctl("smoke", "--stage", "dev", "--timeout", "0")
    assert result.code == 0, result.text
    assert f"smoke test of {service.url}" in result.out


def test_stage_without_a_stack_says_so(lsctl, aws):
    result = lsctl("smoke", "--stage", "prod", "--timeout", "0")
    assert result.code == 1
    assert "stack lattice-surgery-prod does not exist" in result.err
