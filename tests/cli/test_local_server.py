"""`lsctl serve`: the real handler on loopback, as the web client's ?localapi=true reaches it."""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
import sys
import urllib.request

import pytest

from lsctl.deploy.webclient import read_compile_response
from lsctl.git import head_commit
from lsctl.local.loopback import free_port, wait_until_up
from tests.conftest import COMPILER_PRESENT, README_EXAMPLE, REPO


def post(url: str, body: dict, headers: dict[str, str] | None = None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def get(url: str, headers: dict[str, str] | None = None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


WEB_CLIENT_REQUEST = {
    "circuit_source": "str",
    "circuit": README_EXAMPLE,
    "apply_litinski_transform": True,
}
LOCAL_WEB_CLIENT = {"Origin": "http://localhost:3000"}


def test_answers_the_web_client_request_shape(local_server):
    status, headers, body = post(f"{local_server}/compile", WEB_CLIENT_REQUEST, LOCAL_WEB_CLIENT)
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    if COMPILER_PRESENT:
        assert status == 200
        document = read_compile_response(body)
        assert len(document["slices"]) == 82
    else:
        assert status == 503
        assert b"git submodule update --init --recursive" in body


def test_preflight_for_a_local_web_client(local_server):
    request = urllib.request.Request(
        f"{local_server}/compile",
        method="OPTIONS",
        headers={
            **LOCAL_WEB_CLIENT,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Methods"] == "OPTIONS,POST"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://latticesurgery.com", True),  # the web client with ?localapi=true
        ("http://127.0.0.1:5173", True),
        ("http://evil.example", False),
    ],
)
def test_cors_allows_the_web_client_and_local_origins(local_server, origin, allowed):
    _, headers, _ = get(f"{local_server}/health", {"Origin": origin})
    assert headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)


def test_health_names_the_commit_of_this_checkout(local_server):
    _, _, body = get(f"{local_server}/health")  # 200, or 503 without the compiler
    assert json.loads(body)["build"]["git_commit"] == head_commit(REPO)


def test_serves_requests_concurrently(local_server):
    bad = {"circuit": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nreset q[0];\n'}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: post(f"{local_server}/v2/compile", bad), range(16)))
    assert {status for status, _, _ in results} == {422}
    assert all(b"'reset'" in body for _, _, body in results)


def test_errors_reach_the_client_as_text(local_server):
    status, headers, body = post(f"{local_server}/compile", {"circuit": "h q[0];"})
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert b"OPENQASM 2.0" in body


def test_gzip_through_the_local_server(local_server):
    if not COMPILER_PRESENT:
        return
    status, headers, body = post(
        f"{local_server}/compile", WEB_CLIENT_REQUEST, {"Accept-Encoding": "gzip"}
    )
    import gzip

    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert read_compile_response(gzip.decompress(body))["slices"]


def test_start_up_says_clearly_when_the_compiler_is_missing(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lsctl.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            "--compiler-dir",
            str(tmp_path / "empty"),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", 60)
        status, _, body = post(f"http://127.0.0.1:{port}/v2/compile", {"circuit": README_EXAMPLE})
        assert status == 503
        assert b"git submodule update --init --recursive" in body
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "WARNING" in output and "git submodule update --init --recursive" in output
    assert "compiler MISSING" in output
