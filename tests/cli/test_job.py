"""`lsctl job`: submit, wait, download, against canned services and the real local one."""

from __future__ import annotations

import gzip
import json

import pytest

from lsctl.deploy import jobs_client

from .helpers import GOOD_DOCUMENT, Canned

JOB_ID = "ab" * 20


def job(status: str, **extra: object) -> str:
    body = {
        "id": JOB_ID,
        "status": status,
        "circuit": {"qubits": 2, "gates": 6, "litinski_transform": True},
        "stats": {"slices": 3, "seconds": 0.5} if status == "succeeded" else None,
        "error": None,
        "result_url": None,
        **extra,
    }
    return json.dumps(body)


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    """The canned services answer at once: poll every 10 ms instead of every second."""
    monkeypatch.setattr(jobs_client, "POLL_SECONDS", 0.01)


@pytest.fixture
def circuit_file(tmp_path):
    path = tmp_path / "circuit.qasm"
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\n')
    return path


def test_submits_waits_and_writes_the_result(lsctl, fake_service, circuit_file, tmp_path):
    routes: dict = {"POST /v2/jobs": Canned(202, job("queued"))}
    service = fake_service(routes)
    routes[f"GET /v2/jobs/{JOB_ID}"] = [
        Canned(200, job("running")),
        Canned(200, job("succeeded", result_url=f"{service.url}/results/{JOB_ID}.json.gz")),
    ]
    routes[f"GET /results/{JOB_ID}.json.gz"] = Canned(
        200,
        gzip.compress(json.dumps(GOOD_DOCUMENT).encode()),
        {"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    out = tmp_path / "result.json"
    result = lsctl("job", str(circuit_file), "--url", service.url, "-o", str(out))
    assert result.code == 0, result.text
    assert f"job {JOB_ID}: queued (2 qubits, 6 operations)" in result.out
    assert "succeeded: 3 slices" in result.out
    assert json.loads(out.read_text()) == GOOD_DOCUMENT


def test_a_failed_job_exits_1_with_its_reason(lsctl, fake_service, circuit_file):
    error = {"code": "compile_timeout", "message": "compiling took longer than 840 s"}
    service = fake_service(
        {
            "POST /v2/jobs": Canned(202, job("queued")),
            f"GET /v2/jobs/{JOB_ID}": Canned(200, job("failed", error=error)),
        }
    )
    result = lsctl("job", str(circuit_file), "--url", service.url)
    assert result.code == 1
    assert "compile_timeout: compiling took longer than 840 s" in result.err


def test_a_refused_circuit_exits_1_with_the_services_message(lsctl, fake_service, circuit_file):
    refused = {"error": {"code": "circuit_too_large", "message": "the circuit has 99 qubits"}}
    service = fake_service({"POST /v2/jobs": Canned(422, json.dumps(refused))})
    result = lsctl("job", str(circuit_file), "--url", service.url)
    assert result.code == 1
    assert "POST /v2/jobs answered 422: the circuit has 99 qubits" in result.err


@pytest.mark.compiler
def test_a_job_on_the_real_local_service(lsctl, local_server, circuit_file, tmp_path):
    out = tmp_path / "result.json"
    result = lsctl("job", str(circuit_file), "--url", local_server, "-o", str(out))
    assert result.code == 0, result.text
    document = json.loads(out.read_text())
    assert document["slices"] and document["stats"]["qubits"] == 2
