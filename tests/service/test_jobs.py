"""Compile jobs, behaviour a user sees, on both implementations of the storage/queue interface:
AWS (S3, DynamoDB, SQS on a moto server; the worker handler consumes the real SQS messages) and
the local directory `make serve` uses. The compiler is the recorded one unless marked."""

from __future__ import annotations

import gzip
import itertools
import json
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import SHARED_CORPUS as CORPUS
from tests.conftest import layered, moto_server
from tests.service.jobs_harness import MAX_RECEIVES, AwsHarness, LocalHarness
from tests.service.recorded import circuit, load

_names = itertools.count()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(params=["aws", "local"])
def jobs(request, monkeypatch, tmp_path, invoke):
    if request.param == "aws":
        harness: AwsHarness | LocalHarness = AwsHarness(
            request.getfixturevalue("moto_url"), f"t{next(_names)}"
        )
    else:
        harness = LocalHarness(tmp_path / "local-data")
    harness.create()
    for name, value in harness.env.items():
        monkeypatch.setenv(name, value)
    from compile_service.jobs import aws_store, backends

    backends.reset()
    aws_store.client.cache_clear()
    yield harness
    backends.reset()
    aws_store.client.cache_clear()


def v2_body(name: str = "readme_example", litinski: bool = True) -> dict:
    return {"circuit": circuit(name), "litinski_transform": litinski}


def submit(invoke, body: dict) -> dict:
    result = invoke("POST", "/v2/jobs", body)
    assert result["statusCode"] in (200, 202), result["body"]
    return json.loads(result["body"])


def get_job(invoke, job_id: str) -> dict:
    result = invoke("GET", f"/v2/jobs/{job_id}")
    assert result["statusCode"] == 200, result["body"]
    return json.loads(result["body"])


def download(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(gzip.decompress(response.read()))


def test_a_job_compiles_on_the_worker_and_its_result_downloads(invoke, recorded_compiler, jobs):
    result = invoke("POST", "/v2/jobs", v2_body())
    assert result["statusCode"] == 202
    job = json.loads(result["body"])
    assert job["status"] == "queued" and len(job["id"]) == 40
    assert result["headers"]["Location"] == job["links"]["self"] == f"/v2/jobs/{job['id']}"
    assert job["circuit"] == {"qubits": 2, "gates": 6, "litinski_transform": True}
    assert get_job(invoke, job["id"])["result_url"] is None

    assert jobs.deliver() == 1

    done = get_job(invoke, job["id"])
    assert done["status"] == "succeeded", done
    assert done["stats"]["slices"] > 0 and done["error"] is None
    assert done["timings"]["started_at"] >= done["timings"]["created_at"]
    assert done["timings"]["finished_at"] >= done["timings"]["started_at"]
    document = download(done["result_url"])
    recorded = load("readme_example", True)
    assert document["slices"] == recorded["slices"]
    assert document["compilation_text"] == recorded["compilation_text"]
    assert document["stats"]["slices"] == len(recorded["slices"]) == done["stats"]["slices"]

    redirect = invoke("GET", f"/v2/jobs/{job['id']}/result")
    assert redirect["statusCode"] == 303
    assert download(redirect["headers"]["Location"]) == document

    # A finished job is a cache entry: /v2/compile answers the same document from it.
    compiled = invoke("POST", "/v2/compile", v2_body())
    assert compiled["headers"]["X-Cache"] == "hit"
    assert json.loads(compiled["body"]) == document
    assert len(recorded_compiler.calls) == 1


def test_the_same_request_twice_is_one_job(invoke, recorded_compiler, jobs):
    first = submit(invoke, v2_body())
    again = submit(invoke, v2_body())
    other = submit(invoke, v2_body(litinski=False))
    assert first["id"] == again["id"] != other["id"]
    assert jobs.queued() == 2

    assert jobs.deliver() == 2
    assert len(recorded_compiler.calls) == 2
    finished = invoke("POST", "/v2/jobs", v2_body())
    assert finished["statusCode"] == 200  # finished: nothing to wait for
    assert json.loads(finished["body"])["status"] == "succeeded"
    assert jobs.queued() == 0 and jobs.job_count() == 2


def test_a_dying_worker_is_retried_then_the_job_fails_with_the_reason(
    invoke, recorded_compiler, jobs, monkeypatch
):
    job = submit(invoke, v2_body())
    from compile_service.jobs import backends

    def unreachable(*args, **kwargs):
        raise ConnectionError("the result store is unreachable")

    # The worker compiles, then fails outside the compiler (as a killed one would, to the queue).
    results = backends.from_environment().results
    working_put = type(results).put
    monkeypatch.setattr(type(results), "put", unreachable)

    assert jobs.deliver() == MAX_RECEIVES  # delivered again after the first failure

    failed = get_job(invoke, job["id"])
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "worker_lost"
    assert f"({MAX_RECEIVES} attempt(s))" in failed["error"]["message"]
    assert failed["timings"]["attempts"] == MAX_RECEIVES
    assert invoke("GET", f"/v2/jobs/{job['id']}/result")["statusCode"] == 409

    # The worker's failure was not the circuit's: the same request again is retried.
    monkeypatch.setattr(type(results), "put", working_put)
    again = submit(invoke, v2_body())
    assert again["id"] == job["id"] and again["status"] == "queued"
    assert jobs.deliver() == 1
    assert get_job(invoke, job["id"])["status"] == "succeeded"


def test_a_circuit_the_compiler_rejects_fails_once_with_its_message(
    invoke, recorded_compiler, jobs
):
    # Valid and supported, but the recorded compiler knows no output for it: it fails the way
    # lsqecc fails, which is a property of the circuit, so the job is not retried.
    body = {"circuit": circuit("readme_example") + "x q[1];\n"}
    job = submit(invoke, body)
    assert jobs.deliver() == 1
    failed = get_job(invoke, job["id"])
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "compile_failed"
    assert "LookupError" in failed["error"]["message"]
    assert submit(invoke, body)["status"] == "failed"  # and stays failed
    assert jobs.deliver() == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"circuit": "h q[0];"}, 400, "invalid_circuit"),
        ({"circuit": "OPENQASM 2.0;", "litinsky_transform": True}, 400, "invalid_request"),
        (
            {"circuit": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nreset q[0];\n'},
            422,
            "unsupported_circuit",
        ),
        (
            {"circuit": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[49];\nh q[0];\n'},
            422,
            "circuit_too_large",
        ),
    ],
)
def test_bad_input_is_refused_at_once_and_never_becomes_a_job(
    invoke, recorded_compiler, jobs, body, status, code
):
    result = invoke("POST", "/v2/jobs", body)
    assert result["statusCode"] == status
    assert json.loads(result["body"])["error"]["code"] == code
    assert jobs.queued() == 0 and jobs.job_count() == 0


def test_jobs_take_circuits_over_the_synchronous_limits(
    invoke, recorded_compiler, jobs, set_limits
):
    set_limits(max_qubits=1)
    assert invoke("POST", "/v2/compile", v2_body())["statusCode"] == 422
    job = submit(invoke, v2_body())
    assert jobs.deliver() == 1
    assert get_job(invoke, job["id"])["status"] == "succeeded"


def test_an_expired_result_is_compiled_again(invoke, recorded_compiler, jobs):
    job = submit(invoke, v2_body())
    jobs.deliver()
    jobs.expire(job["id"])

    gone = invoke("GET", f"/v2/jobs/{job['id']}")
    assert gone["statusCode"] == 404
    assert "expired" in json.loads(gone["body"])["error"]["message"]

    again = submit(invoke, v2_body())
    assert again["id"] == job["id"] and again["status"] == "queued"
    assert jobs.deliver() == 1
    assert len(recorded_compiler.calls) == 2
    assert download(get_job(invoke, job["id"])["result_url"])["slices"]


def test_a_job_whose_message_was_lost_is_queued_again_on_the_next_submit(
    invoke, recorded_compiler, jobs, monkeypatch
):
    from compile_service.jobs import lifecycle

    job = submit(invoke, v2_body())
    jobs.lose_messages()  # the submitter died between writing the record and sending
    assert jobs.deliver() == 0
    assert submit(invoke, v2_body())["status"] == "queued"
    assert jobs.deliver() == 0  # not yet stranded: its message may still be on its way
    monkeypatch.setattr(lifecycle, "STRANDED_SECONDS", 0)
    submit(invoke, v2_body())
    assert jobs.deliver() == 1
    assert get_job(invoke, job["id"])["status"] == "succeeded"


def test_unknown_jobs_are_404(invoke, jobs):
    for job_id in ["0" * 40, "not-a-job-id"]:
        result = invoke("GET", f"/v2/jobs/{job_id}")
        assert result["statusCode"] == 404
        assert json.loads(result["body"])["error"]["code"] == "job_not_found"


def test_the_compile_routes_answer_a_repeated_request_from_the_result_store(
    invoke, recorded_compiler, jobs
):
    from compile_service.jobs import backends

    legacy = {"circuit": circuit("bell_pair"), "apply_litinski_transform": False}
    first_legacy = invoke("POST", "/compile", legacy)
    first_v2 = invoke("POST", "/v2/compile", v2_body("bell_pair"))
    backends.reset()  # a new container: an empty memory, the same result store
    again_legacy = invoke("POST", "/compile", legacy)
    again_v2 = invoke("POST", "/v2/compile", v2_body("bell_pair"))

    assert len(recorded_compiler.calls) == 2
    assert first_legacy["headers"]["X-Cache"] == "miss" and first_v2["headers"]["X-Cache"] == "miss"
    assert again_legacy["headers"]["X-Cache"] == "hit" and again_v2["headers"]["X-Cache"] == "hit"
    assert again_legacy["body"] == first_legacy["body"]  # the web client's bytes, exactly
    assert again_v2["body"] == first_v2["body"]


def test_without_a_backend_jobs_are_503_and_the_cache_is_in_memory(
    invoke, recorded_compiler, monkeypatch
):
    monkeypatch.delenv("LSC_JOBS_BACKEND", raising=False)
    result = invoke("POST", "/v2/jobs", v2_body())
    assert result["statusCode"] == 503
    assert json.loads(result["body"])["error"]["code"] == "jobs_unavailable"
    first = invoke("POST", "/v2/compile", v2_body())
    again = invoke("POST", "/v2/compile", v2_body())
    assert (first["headers"]["X-Cache"], again["headers"]["X-Cache"]) == ("miss", "hit")
    assert again["body"] == first["body"] and len(recorded_compiler.calls) == 1


@pytest.mark.compiler
@pytest.mark.parametrize("jobs", ["aws"], indirect=True)
def test_a_circuit_over_the_synchronous_limits_compiles_as_a_job_on_moto(invoke, jobs):
    big = layered(33, layers=1)  # one qubit over /v2/compile's 32
    body = {"circuit": big.qasm}
    refused = invoke("POST", "/v2/compile", body)
    assert refused["statusCode"] == 422
    assert json.loads(refused["body"])["error"]["code"] == "circuit_too_large"

    job = submit(invoke, body)
    assert jobs.deliver() == 1
    done = get_job(invoke, job["id"])
    assert done["status"] == "succeeded", done["error"]
    document = download(done["result_url"])
    assert len(document["slices"]) == done["stats"]["slices"] > 0
    assert document["stats"]["qubits"] == 33 and document["compiler"]["simulator"] == "NOOP"


@pytest.mark.compiler
@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["local"], indirect=True)
def test_corpus_circuits_refused_only_for_size_compile_as_jobs(invoke, jobs):
    """Every corpus circuit /v2/compile refuses only for its size is within the job limits, and
    the one with the fewest T gates (the cost grows as their square) compiles as a job end to
    end: each of the others (20 s to 3 min of CPU here) would prove the same path again."""
    if not CORPUS.is_dir():
        pytest.skip(f"the QASMBench corpus is not at {CORPUS}")
    from compile_service import api, service
    from compile_service.errors import CircuitTooLarge, ServiceError

    too_large = {}
    for path in sorted(CORPUS.glob("*.qasm")):
        source = path.read_text()
        try:  # what /v2/compile checks (and lowers) before compiling
            service.prepare(source, True, api.limits)
        except CircuitTooLarge:
            # As POST /v2/jobs prepares it (packed: a job holds the slices alone); raises if over.
            as_job = service.prepare(source, True, api.job_limits, packed=True)
            too_large[path.name] = (as_job.counts["t_count"], source)
        except ServiceError:
            continue
    if not too_large:
        pytest.skip("no corpus circuit is refused by /v2/compile only for its size")
    name = min(too_large, key=lambda n: too_large[n][0])
    job = submit(invoke, {"circuit": too_large[name][1]})
    jobs.deliver()
    done = get_job(invoke, job["id"])
    assert done["status"] == "succeeded", (name, done.get("error"))
    assert done["stats"]["slices"] > 0
