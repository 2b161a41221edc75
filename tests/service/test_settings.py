"""The configuration is read from the environment in one place; a value the service cannot use
fails at start-up naming the variable (not a bare ValueError from int())."""

from __future__ import annotations

import pytest

from compile_service.settings import ConfigError, load_cors, load_limits


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("LSC_MAX_QUBITS", "many", "LSC_MAX_QUBITS='many' is not a whole number (default 32)"),
        ("LSC_MAX_GATES", "2.5", "LSC_MAX_GATES='2.5' is not a whole number"),
        ("LSC_COMPILE_SECONDS", "soon", "LSC_COMPILE_SECONDS='soon' is not a number"),
        ("LSC_MAX_BODY_BYTES", "0", "LSC_MAX_BODY_BYTES='0' must be above 0"),
    ],
)
def test_a_bad_value_is_named(monkeypatch, name, value, said):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_limits()
    assert str(error.value).startswith(said)


def test_an_empty_value_means_the_default(monkeypatch):
    monkeypatch.setenv("LSC_MAX_QUBITS", "")
    assert load_limits().max_qubits == 32


def test_cors_is_read_with_the_other_settings(monkeypatch):
    monkeypatch.delenv("LSC_CORS_ORIGIN", raising=False)
    monkeypatch.setenv("LSC_CORS_EXTRA_ORIGINS", " http://localhost:3000, ,https://a.example")
    cors = load_cors()
    assert cors.origin == "https://latticesurgery.com"
    assert cors.extra_origins == ("http://localhost:3000", "https://a.example")
