"""Fixtures for the deploy CLI: a moto server on 127.0.0.1 standing in for AWS, the CLI run
in-process against it, tiny HTTP servers that answer what a test wants, and a guard that makes
any connection to an address other than loopback fail the test."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lsctl import cli
from tests.conftest import moto_server

from .helpers import Canned

REGION = "us-east-1"


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes | str) and str(host) in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection these tests make in-process goes to 127.0.0.1, or the test fails."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise AssertionError(f"test tried to reach {address!r}: only 127.0.0.1 is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Any]:
    """A clean moto account; the environment points boto3 (ours and the CLI's) at it.
    Returns client(service) for the test's own set-up and checks."""
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request).close()
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    import boto3  # here, not at import: collecting the tests needs no AWS SDK

    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    return client


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def lsctl(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `lsctl ARGS...` in-process; returns its exit code and output."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


# --- tiny HTTP servers ---------------------------------------------------------------------


@dataclass
class FakeService:
    url: str
    routes: dict[str, Canned | list[Canned]]
    hits: list[str]


@pytest.fixture
def fake_service() -> Iterator[Callable[[dict[str, Any]], FakeService]]:
    """Start an HTTP server on 127.0.0.1 answering 'METHOD /path' with canned responses (a list
    is played in order, its last entry repeating)."""
    servers: list[ThreadingHTTPServer] = []

    def start(routes: dict[str, Any]) -> FakeService:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                key = f"{self.command} {self.path}"
                hits.append(key)
                canned = routes.get(key, Canned(404, "no such route"))
                if isinstance(canned, list):
                    canned = canned[0] if len(canned) == 1 else canned.pop(0)
                body = canned.body.encode() if isinstance(canned.body, str) else canned.body
                self.send_response(canned.status)
                for name, value in canned.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # shutdown() waits for the loop to look up: every 0.5 s by default, 10 ms here.
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        servers.append(server)
        return FakeService(f"http://127.0.0.1:{server.server_address[1]}", routes, hits)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
