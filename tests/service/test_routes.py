"""Methods and preflights: a path served with another method answers 405 with Allow, and a CORS
preflight names only the methods of its own path."""

from __future__ import annotations

import json

import pytest

WEB_CLIENT = "https://latticesurgery.com"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/compile", "OPTIONS, POST"),
        ("PUT", "/v2/compile", "OPTIONS, POST"),
        ("POST", "/health", "GET, OPTIONS"),
    ],
)
def test_a_wrong_method_is_405_with_allow(invoke, method, path, allow):
    result = invoke(method, path)
    assert result["statusCode"] == 405
    assert result["headers"]["Allow"] == allow
    assert f"not {method}" in result["body"]


def test_the_v2_405_is_a_json_error_and_the_legacy_one_plain_text(invoke):
    v2 = invoke("GET", "/v2/compile")
    assert json.loads(v2["body"])["error"]["code"] == "method_not_allowed"
    legacy = invoke("GET", "/compile")
    assert legacy["headers"]["Content-Type"].startswith("text/plain")


def test_an_unknown_path_is_still_404(invoke):
    result = invoke("GET", "/nowhere")
    assert result["statusCode"] == 404 and "Allow" not in result["headers"]


@pytest.mark.parametrize(
    ("path", "methods"), [("/compile", "OPTIONS,POST"), ("/health", "GET,OPTIONS")]
)
def test_a_preflight_names_the_methods_of_its_path(invoke, path, methods):
    headers = {"Origin": WEB_CLIENT, "Access-Control-Request-Method": "POST"}
    result = invoke("OPTIONS", path, headers=headers)
    assert result["statusCode"] == 204
    assert result["headers"]["Access-Control-Allow-Methods"] == methods
    assert result["headers"]["Access-Control-Allow-Origin"] == WEB_CLIENT
