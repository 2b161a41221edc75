"""One time budget per synchronous request, covering lowering, compile, encoding and gzip (issue
21: one /compile answered 200 after 31 s, past API Gateway's 29 s), and a timeout that says what
was predicted, what was spent, and that a job takes the circuit."""

from __future__ import annotations

import json
import time

import pytest

from compile_service import deadline, encoding, lowering
from compile_service.engines import lsqecc as compiler
from compile_service.errors import CompileTimeout
from tests.conftest import README_EXAMPLE, layered


def slowed(monkeypatch, module, name: str, seconds: float) -> None:
    """`module.name` sleeps `seconds` first (the budget's alarm interrupts the sleep)."""
    real = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def error_message(result: dict) -> str:
    return json.loads(result["body"])["error"]["message"]


@pytest.mark.compiler
def test_lowering_and_compile_share_one_budget(invoke, set_limits, monkeypatch):
    """Each stage alone fits in the budget; together they do not."""
    set_limits(compile_seconds=1.0)
    slowed(monkeypatch, lowering, "lower", 0.6)
    slowed(monkeypatch, compiler, "compile_qasm", 0.6)
    result = invoke("POST", "/v2/compile", {"circuit": README_EXAMPLE})
    assert result["statusCode"] == 504, result["body"][:300]
    assert "1 s budget" in error_message(result)


@pytest.mark.compiler
@pytest.mark.parametrize("route", ["/v2/compile", "/compile"])
def test_gzip_is_inside_the_budget(invoke, set_limits, monkeypatch, route):
    set_limits(compile_seconds=1.0)
    slowed(monkeypatch, encoding, "fit", 2.0)
    started = time.monotonic()
    result = invoke("POST", route, {"circuit": README_EXAMPLE}, headers={"Accept-Encoding": "gzip"})
    assert result["statusCode"] == 504, result["body"][:300]
    assert time.monotonic() - started < 2.0  # interrupted, not answered after the sleep


@pytest.fixture
def compile_overruns(set_limits, monkeypatch) -> None:
    """A 0.3 s budget, and an lsqecc compile that runs past it by construction, however fast
    the machine."""
    set_limits(compile_seconds=0.3)
    slowed(monkeypatch, compiler, "compile_qasm", 5.0)


@pytest.mark.compiler
def test_a_timeout_says_what_was_predicted_what_was_spent_and_that_a_job_takes_it(
    invoke, compile_overruns
):
    result = invoke("POST", "/v2/compile", {"circuit": layered(6).qasm})
    assert result["statusCode"] == 504
    message = error_message(result)
    assert "0.3 s budget after" in message  # spent
    assert "predicted to take" in message
    assert "POST /v2/jobs" in message
    assert "fewer qubits" not in message


@pytest.mark.compiler
@pytest.mark.liblsqecc
def test_a_timeout_names_the_other_engine_when_it_would_take_the_circuit(invoke, compile_overruns):
    result = invoke("POST", "/v2/compile", {"circuit": layered(6).qasm})
    assert result["statusCode"] == 504
    message = error_message(result)
    assert '; or compile it with "engine": "liblsqecc", predicted to take ' in message
    assert "POST /v2/jobs" in message
    # The web client cannot choose an engine: its timeout names none.
    legacy = invoke("POST", "/compile", {"circuit": layered(6).qasm})
    assert legacy["statusCode"] == 504 and "engine" not in legacy["body"]


def test_a_budget_inside_another_ends_with_the_outer_one():
    started = time.monotonic()
    expected = pytest.raises(CompileTimeout, match=r"0\.3 s budget after 0\.3 s")
    with expected, deadline.budget(0.3), deadline.budget(30):
        time.sleep(5)
    assert time.monotonic() - started < 2


def test_the_inner_budget_reports_the_timeout_so_its_caller_can_add_to_it():
    """service.py adds what it was doing to the timeout: it must see the CompileTimeout, not
    the budget's internal signal passing through to the outer budget."""
    seen = []
    with pytest.raises(CompileTimeout), deadline.budget(0.2):
        try:
            with deadline.budget(10):
                time.sleep(5)
        except CompileTimeout as exc:
            seen.append(exc.message)
            raise
    assert seen and "0.2 s budget" in seen[0]
