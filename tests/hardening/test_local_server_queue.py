"""`lsctl serve`'s bounded queue, with real concurrent requests on loopback: as many requests as
there are workers run, `--queue` more wait, and any beyond are answered at once with 503 and
Retry-After, never with a reset connection (issue 21: 50 concurrent heavy requests got 23
resets)."""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlsplit

import pytest

from lsctl.local.admission import Admission
from lsctl.local.loopback import served
from lsctl.samples import layered
from tests.conftest import COMPILER_PRESENT, REPO

CLIENTS = 12
WORKERS = 1
QUEUE = 2


def heavy(index: int) -> bytes:
    """A circuit that takes seconds to compile; each one different, so none is a cache hit."""
    circuit = layered(6).qasm + "x q[0];\n" * (index + 1)
    return json.dumps({"circuit": circuit}).encode()


def post_all(base_url: str, bodies: list[bytes]) -> list[tuple[object, str | None, bytes]]:
    """POST every body at once, each on its own connection: (status or the exception's name,
    Retry-After, body) per request."""
    url = urlsplit(base_url)
    start = threading.Barrier(len(bodies))
    answers: list = [None] * len(bodies)

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=300)
        start.wait()
        try:
            connection.request("POST", "/v2/compile", bodies[index], {"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            answers[index] = (response.status, response.getheader("Retry-After"), response.read())
        except (OSError, http.client.HTTPException) as exc:
            answers[index] = (type(exc).__name__, None, b"")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.compiler
def test_a_burst_is_queued_then_refused_with_retry_after(tmp_path):
    data = str(tmp_path / "data")
    with served(WORKERS, REPO, "--queue", str(QUEUE), "--data-dir", data) as url:
        answers = post_all(url, [heavy(i) for i in range(CLIENTS)])
    statuses = [status for status, _, _ in answers]
    assert set(statuses) <= {200, 503}, statuses  # no reset, no other failure
    assert statuses.count(200) >= WORKERS + QUEUE, statuses
    assert statuses.count(503) >= 1, statuses
    for status, retry_after, body in answers:
        if status == 503:
            assert retry_after is not None and int(retry_after) >= 1
            error = json.loads(body)["error"]
            assert error["code"] == "busy" and "retry after" in error["message"]


@pytest.mark.skipif(COMPILER_PRESENT, reason="the compiler is here: the test above runs")
def test_without_the_compiler_a_burst_is_still_answered(tmp_path):
    """Without the compiler every compile is a quick 503 from the handler: still no reset."""
    with served(WORKERS, REPO, "--queue", "0", "--data-dir", str(tmp_path)) as url:
        answers = post_all(url, [heavy(i) for i in range(CLIENTS)])
    assert {status for status, _, _ in answers} <= {503}


def test_admission_counts_places_and_says_when_to_retry(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("lsctl.local.admission.time.monotonic", lambda: clock[0])
    admission = Admission(workers=2, queue=1)
    tickets = [admission.enter() for _ in range(4)]
    assert tickets[3] is None and None not in tickets[:3]
    busy = admission.busy("/compile")
    assert busy.status == 503 and busy.header("Retry-After") == "2"  # 3 inside, 2 workers, 1 s
    assert busy.header("Content-Type").startswith("text/plain")
    clock[0] += 10  # the requests inside have taken 10 s already
    assert admission.retry_after() == 15
    admission.leave(tickets[0])  # a slow request: the mean moves towards 10 s
    assert admission.enter() is not None
