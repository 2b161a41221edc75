"""Limits set by environment variables answer 4xx/5xx with a message, never a Lambda error."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator

import pytest

from compile_service.deadline import RETRY, budget
from compile_service.errors import CompileTimeout
from compile_service.settings import LAMBDA_RESPONSE_LIMIT, load_limits
from tests.service.recorded import circuit


def error_of(result: dict) -> dict:
    return json.loads(result["body"])["error"]


def test_body_size(invoke, recorded_compiler, set_limits):
    set_limits(max_body_bytes=1000)
    result = invoke("POST", "/v2/compile", {"circuit": "x" * 2000})
    assert result["statusCode"] == 413
    assert "at most 1000" in error_of(result)["message"]


def test_qubit_limit(invoke, recorded_compiler, set_limits):
    set_limits(max_qubits=1)
    result = invoke("POST", "/v2/compile", {"circuit": circuit("bell_pair")})
    assert result["statusCode"] == 422
    assert error_of(result)["code"] == "circuit_too_large"
    assert "2 qubits" in error_of(result)["message"]


def test_gate_limit(invoke, recorded_compiler, set_limits):
    set_limits(max_gates=3)
    result = invoke("POST", "/compile", {"circuit": circuit("readme_example")})
    assert result["statusCode"] == 422
    assert "6 operations" in result["body"] and "at most 3" in result["body"]


def test_response_limit_without_gzip_says_to_send_accept_encoding(
    invoke, recorded_compiler, set_limits
):
    set_limits(max_response_bytes=10_000)
    result = invoke("POST", "/compile", {"circuit": circuit("readme_example")})
    assert result["statusCode"] == 413
    assert "Accept-Encoding: gzip" in result["body"]


def test_response_limit_is_met_by_gzip(invoke, recorded_compiler, set_limits):
    set_limits(max_response_bytes=10_000)
    result = invoke(
        "POST", "/compile", {"circuit": circuit("readme_example")}, {"Accept-Encoding": "gzip"}
    )
    assert result["statusCode"] == 200
    assert len(result["body"]) <= 10_000


def test_response_too_large_even_gzipped(invoke, recorded_compiler, set_limits):
    set_limits(max_response_bytes=500)
    result = invoke(
        "POST", "/v2/compile", {"circuit": circuit("readme_example")}, {"Accept-Encoding": "gzip"}
    )
    assert result["statusCode"] == 413
    assert "still" in error_of(result)["message"] and "gzipped" in error_of(result)["message"]


def test_time_budget_interrupts_a_running_compile():
    started = time.monotonic()
    with pytest.raises(CompileTimeout, match=r"0\.2 s budget"), budget(0.2):
        while True:  # a compile that never ends
            sum(range(1000))
    assert time.monotonic() - started < 1.5


def test_time_budget_cannot_be_swallowed_by_the_compilers_except_exception():
    with pytest.raises(CompileTimeout), budget(0.1):
        while True:
            with contextlib.suppress(Exception):  # lsqecc catches broadly in places
                sum(range(1000))


def test_time_budget_off_the_main_thread_is_checked_afterwards():
    import threading

    outcome: list[BaseException] = []

    def work() -> None:
        try:
            with budget(0.05):
                time.sleep(0.1)
        except CompileTimeout as exc:
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LSC_MAX_QUBITS", "7")
    monkeypatch.setenv("LSC_COMPILE_SECONDS", "3.5")
    limits = load_limits()
    assert limits.max_qubits == 7 and limits.compile_seconds == 3.5
    assert limits.max_response_bytes < LAMBDA_RESPONSE_LIMIT


@contextlib.contextmanager
def _first_gc_pass_outlasts_the_budget() -> Iterator[list[bool]]:
    """A gc callback whose first run sleeps past a 0.1 s budget, so the budget's first shot lands
    in it and is dropped as unraisable; yields [True] until that run happened."""
    import gc

    first = [True]

    def callback(phase, info):
        if phase == "start" and first[0]:
            first[0] = False
            time.sleep(0.3)  # the 0.1 s deadline passes in here: that shot is dropped

    gc.callbacks.append(callback)
    try:
        yield first
    finally:
        gc.callbacks.remove(callback)


def _collect_until_a_0_1_s_budget_fires() -> tuple[list[bool], float]:
    """Young-generation collections under a 0.1 s budget whose first shot the gc callback of
    _first_gc_pass_outlasts_the_budget swallows, until the budget fires again (for 3 s at most,
    so a lost budget fails the test); returns that callback's flag and the seconds it took."""
    import gc

    started = time.monotonic()
    with (
        _first_gc_pass_outlasts_the_budget() as first,
        pytest.raises(CompileTimeout),
        budget(0.1),
    ):
        while time.monotonic() - started < 3:
            gc.collect(0)
            sum(range(1000))
    return first, time.monotonic() - started


def test_time_budget_is_not_lost_when_it_fires_inside_a_finalizer(monkeypatch):
    """An exception raised in a gc callback (or __del__) is dropped as unraisable: the first
    shot of the budget is made to land there, and the budget must fire again.

    The dropped shot goes to a hook that only records it: pytest's own hook formats the
    traceback, reading source lines, and the budget's next shot could land in there instead of
    in the collections (it did once in a full run, and pytest then fails the test)."""
    dropped: list[type[BaseException] | None] = []
    monkeypatch.setattr(
        sys, "unraisablehook", lambda unraisable: dropped.append(unraisable.exc_type)
    )
    first, seconds = _collect_until_a_0_1_s_budget_fires()
    assert not first[0]  # the callback ran, and the shot it swallowed was reported as dropped
    assert dropped and dropped[0].__name__ == "_Expired", dropped
    assert seconds < 1


# pytest turns the dropped shot into a warning; it is the point here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_budget_never_interrupts_pytests_report_of_a_dropped_shot(monkeypatch):
    """tests/conftest.py keeps an exception dropped while a budget runs and gives it to pytest's
    hook once the test is over. Formatting is made to take four of the budget's retry intervals:
    were it done while the budget runs, a shot would land in there and pytest would fail this
    test ("Failed to process unraisable exception")."""
    import traceback

    format_exception = traceback.format_exception

    def slow(*args, **kwargs):
        time.sleep(4 * RETRY)
        return format_exception(*args, **kwargs)

    monkeypatch.setattr(traceback, "format_exception", slow)
    first, seconds = _collect_until_a_0_1_s_budget_fires()
    assert not first[0]
    assert seconds < 1
