"""Limits set by environment variables answer 4xx/5xx with a message, never a Lambda error."""

from __future__ import annotations

import contextlib
import gc
import json
import sys
import time
import weakref
from collections.abc import Callable

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


OUTLASTS = 0.3  # seconds a slow callback sleeps: past a 0.1 s budget


def _first_run_outlasts_the_budget() -> tuple[list[bool], Callable[..., None]]:
    """A callback whose first run sleeps past a 0.1 s budget, so the budget's first shot falls
    due in it, and the flag that says [True] until that run happened."""
    first = [True]

    def callback(*args: object) -> None:
        if first[0]:
            first[0] = False
            time.sleep(OUTLASTS)

    return first, callback


def _until_a_0_1_s_budget_fires(step: Callable[[], object]) -> float:
    """`step` again and again under a 0.1 s budget until the budget fires (for 3 s at most, so a
    lost budget fails the test); the seconds it took."""
    started = time.monotonic()
    with pytest.raises(CompileTimeout), budget(0.1):
        while time.monotonic() - started < 3:
            step()
            sum(range(1000))
    return time.monotonic() - started


def _under_a_budget_in_a_gc_callback() -> tuple[list[bool], float]:
    """Young-generation collections, with a gc callback whose first run outlasts the budget."""
    first, callback = _first_run_outlasts_the_budget()

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            callback()

    gc.callbacks.append(on_gc)
    try:
        return first, _until_a_0_1_s_budget_fires(lambda: gc.collect(0))
    finally:
        gc.callbacks.remove(on_gc)


def _under_a_budget_in_a_weakref_callback() -> tuple[list[bool], float]:
    """Objects dropped one by one, each with a weak reference whose callback (a function the
    budget cannot tell from ordinary code) outlasts the budget on its first run."""
    first, callback = _first_run_outlasts_the_budget()
    refs = []

    def drop_one() -> None:
        thing = _Thing()
        refs.append(weakref.ref(thing, callback))
        del thing  # the callback runs here

    return first, _until_a_0_1_s_budget_fires(drop_one)


class _Thing:
    pass


def _recording_dropped(monkeypatch) -> list[type[BaseException] | None]:
    """Exceptions dropped as unraisable from here on, recorded and no more: pytest's own hook
    formats a traceback, reading source lines, and a later shot could land in there."""
    dropped: list[type[BaseException] | None] = []
    monkeypatch.setattr(
        sys, "unraisablehook", lambda unraisable: dropped.append(unraisable.exc_type)
    )
    return dropped


def test_a_shot_due_in_a_gc_callback_waits_for_ordinary_code(monkeypatch):
    """An exception raised in a gc callback is dropped as unraisable: the budget's shot that
    falls due in one holds back, and the next lands in the collections."""
    dropped = _recording_dropped(monkeypatch)
    first, seconds = _under_a_budget_in_a_gc_callback()
    assert not first[0]  # the callback ran past the deadline
    assert dropped == []  # no shot was spent where it would be lost
    assert seconds < 1


def test_a_shot_due_in_a_finalizer_waits_for_ordinary_code(monkeypatch):
    dropped = _recording_dropped(monkeypatch)
    first, callback = _first_run_outlasts_the_budget()

    class SlowToFinalize:
        def __del__(self) -> None:
            callback()

    seconds = _until_a_0_1_s_budget_fires(SlowToFinalize)  # each is finalized at once
    assert not first[0] and dropped == [] and seconds < 1


def test_time_budget_is_not_lost_when_a_shot_is_dropped_in_a_callback(monkeypatch):
    """A callback the budget cannot recognise (a weak reference's) drops the shot that lands in
    it: the budget fires again."""
    dropped = _recording_dropped(monkeypatch)
    first, seconds = _under_a_budget_in_a_weakref_callback()
    assert not first[0]
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
    first, seconds = _under_a_budget_in_a_weakref_callback()
    assert not first[0]
    assert seconds < 1
