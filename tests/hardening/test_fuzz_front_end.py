"""Grammar-based fuzzing of the QASM front end (scanner, parser, checks, lowering) and of both
compile routes with hostile OpenQASM (hostile_grammar.py). Invariants, for every input under the
body limit:

- never a 5xx: the front end raises only domain errors with a 4xx status, and the routes answer
  2xx or 4xx (a 503 only without the compiler);
- no file is opened (the audit hook, file_guard.py) but the bundled qelib1.inc and the code the
  interpreter loads (a module imported on a path first reached; a source file a traceback
  quotes): test_no_file_is_opened.py proves, for the table's requests warmed up, that not even
  those are opened;
- at most a second of CPU before a refusal (CPU time, not wall time: other processes on the
  machine do not count);
- memory bounded: the process's peak resident memory grows by less than MEMORY_GROWTH over the run.

The test suite runs a short, derandomized run; `make fuzz` a long random one (LSC_FUZZ_EXAMPLES).
Each test prints how many inputs it ran and how they were answered (pytest -s shows it).
"""

from __future__ import annotations

import dataclasses
import json
import resource
import time
from collections import Counter

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from compile_service import service
from compile_service.errors import ServiceError
from compile_service.settings import load_limits
from tests.conftest import COMPILER_PRESENT, README_EXAMPLE
from tests.hardening.file_guard import data_files, opened_files
from tests.hardening.hostile_grammar import fuzz_settings, hostile_circuits
from tests.hardening.hostile_inputs import TABLE

ROUTES = ("/compile", "/v2/compile")
REFUSAL_CPU_SECONDS = 1.0
MEMORY_GROWTH = 512 * 1024  # kB (ru_maxrss is in kB on Linux)
# Small, so that whatever passes the front end compiles quickly; the front end's limits keep the
# production ratio (operations unrolled: ten times the lowered limit).
SMALL = {"max_qubits": 8, "max_gates": 40, "max_expanded_operations": 400}


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@pytest.fixture(scope="module")
def tally():
    """What the fuzzer ran, printed at the end of the module."""
    counts: dict[str, Counter] = {}
    yield counts
    for name, counter in counts.items():
        print(f"\n{name}: {sum(counter.values())} inputs: {dict(counter.most_common())}")


def test_the_front_end_never_fails_otherwise_than_with_a_4xx(tally):
    limits = dataclasses.replace(load_limits(), **SMALL)
    outcomes = tally.setdefault("front end", Counter())
    # Imports first (gridsynth's are lazy).
    warm = TABLE[0].circuit.replace('include "/etc/passwd";\n', "") + "rz(0.3) q[0];\n"
    service.prepare(warm, True, limits)
    start = peak_kb()

    @fuzz_settings(150)
    @given(source=hostile_circuits, transform=st.booleans())
    @example(source=TABLE[-1].circuit, transform=True)
    def run(source, transform):
        started = time.process_time()
        with opened_files() as opened:
            try:
                service.prepare(source, transform, limits)
                outcome = "prepared"
            except ServiceError as exc:
                assert 400 <= exc.status < 500 or exc.status == 504, exc.message
                cpu = time.process_time() - started
                assert cpu < REFUSAL_CPU_SECONDS, f"{cpu:.2f} s of CPU before: {exc.message}"
                outcome = exc.code
        assert data_files(opened) == [], opened
        outcomes[outcome] += 1

    run()
    assert peak_kb() - start < MEMORY_GROWTH


def assert_answered(route: str, result: dict) -> int:
    status = int(result["statusCode"])
    if status == 503:
        assert not COMPILER_PRESENT, result["body"][:300]
    else:
        assert status < 500, f"{route} answered {status}: {result['body'][:300]}"
    if status >= 400 and route == "/v2/compile":
        assert json.loads(result["body"])["error"]["message"]
    elif status >= 400:
        assert result["body"].strip()
    return status


@pytest.fixture
def small_limits(monkeypatch):
    from compile_service import api

    monkeypatch.setattr(api, "limits", dataclasses.replace(api.limits, **SMALL))


def test_both_routes_answer_every_hostile_circuit_with_a_2xx_or_4xx(invoke, small_limits, tally):
    outcomes = tally.setdefault("routes", Counter())
    for route in ROUTES:  # warm: imports, and the source lines the Tracer's log reads
        invoke("POST", route, {"circuit": TABLE[0].circuit})
        invoke("POST", route, {"circuit": README_EXAMPLE + "rz(0.3) q[1];\n"})
    start = peak_kb()

    @fuzz_settings(30)
    @given(route=st.sampled_from(ROUTES), circuit=hostile_circuits, transform=st.booleans())
    def run(route, circuit, transform):
        key = "apply_litinski_transform" if route == "/compile" else "litinski_transform"
        started = time.process_time()
        with opened_files() as opened:
            result = invoke("POST", route, {"circuit": circuit, key: transform})
        status = assert_answered(route, result)
        if 400 <= status < 500:
            cpu = time.process_time() - started
            assert cpu < REFUSAL_CPU_SECONDS, f"{cpu:.2f} s of CPU before a {status}"
        assert data_files(opened) == [], opened
        outcomes[f"{route} {status}"] += 1

    run()
    assert peak_kb() - start < MEMORY_GROWTH
