"""`lsctl serve` refuses what it cannot serve with a usage error and the fix, before starting any
worker: a busy port, a port out of range, no workers, an --env that is no NAME=VALUE or holds a
value the service cannot use."""

from __future__ import annotations

import socket

import pytest


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--port", "70000"], "70000 is not a port: use 1-65535"),
        (["--port", "http"], "'http' is not a whole number"),
        (["--workers", "0"], "at least one worker is needed"),
        (["--env", "FOO"], "'FOO' is not NAME=VALUE, e.g. LSC_MAX_QUBITS=8"),
    ],
)
def test_usage_errors(lsctl, argv, said):
    result = lsctl("serve", *argv)
    assert result.code == 2
    assert said in result.err and "Traceback" not in result.err


def test_a_value_the_service_cannot_use_is_named(lsctl):
    result = lsctl("serve", "--env", "LSC_MAX_QUBITS=many")
    assert result.code == 1
    assert "LSC_MAX_QUBITS='many' is not a whole number" in result.err


def test_a_busy_port_says_how_to_choose_another(lsctl):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = lsctl("serve", "--port", str(port))
    assert result.code == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.err
    assert f"make serve PORT={port + 1}" in result.err
