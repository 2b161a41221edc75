"""Shared fixtures: the handler with or without the compiler, API Gateway events, the local
server. Tests that need the real compiler are marked `compiler` and skip, with the reason, where
the compiler/ submodule is empty (machines without GitHub); GitHub Actions checks it out."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lsctl.compiler.bump import pinned_commit
from lsctl.compiler.compiler_source import FIX_HINT
from lsctl.compiler.liblsqecc_source import FIX_HINT as LIBLSQECC_FIX_HINT
from lsctl.deploy.webclient import ClientWouldFail as ClientWouldFail  # the web client's parser
from lsctl.deploy.webclient import parse_compilation_text as parse_compilation_text
from lsctl.deploy.webclient import read_compile_response as read_compile_response
from lsctl.local.lambda_fakes import LambdaContext, lambda_environment
from lsctl.local.loopback import free_port as free_port
from lsctl.local.loopback import served
from lsctl.local.proxy_event import HttpResult, from_result, to_event
from lsctl.paths import LIBLSQECC_BIN_DIR, PATCHED_COMPILER_DIR, compiler_present
from lsctl.samples import README_EXAMPLE as README_EXAMPLE  # the README's example
from lsctl.samples import layered as layered  # the benchmark's circuit

REPO = Path(__file__).resolve().parents[1]
PATCHED_SRC = PATCHED_COMPILER_DIR / "src"
DATA = Path(__file__).resolve().parent / "data"
COMPILER_PRESENT = compiler_present()
SKIP_REASON = f"needs the compiler: compiler/ submodule is empty here (run `{FIX_HINT}`)"
LIBLSQECC_PRESENT = (LIBLSQECC_BIN_DIR / "lsqecc_slicer").is_file()
LIBLSQECC_SKIP_REASON = (
    f"needs liblsqecc's lsqecc_slicer: {LIBLSQECC_BIN_DIR} has none here (the liblsqecc/ "
    f"submodule is empty or not built: run `{LIBLSQECC_FIX_HINT}`)"
)

if COMPILER_PRESENT and str(PATCHED_SRC) not in sys.path:
    sys.path.append(str(PATCHED_SRC))


# What `make unit` leaves out, marked `slow` here in one place: tests that start a server
# (moto's, the real `lsctl serve`), run the real compiler (`compiler`), or live where every test
# is slow (below).
SERVER_FIXTURES = {"moto_url", "aws", "local_server"}
SLOW_PATHS = (
    "tests/hardening/",  # fuzzing and load
    "tests/infra/test_linters.py",  # cfn-lint, sam validate, hadolint, checkov
    "tests/infra/test_bootstrap.py",  # the bootstrap stack on a moto server
    "tests/infra/test_bundle.py",  # bundle builds
    "tests/cli/test_local_server.py",  # the real `lsctl serve`
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason=SKIP_REASON)
    skip_liblsqecc = pytest.mark.skip(reason=LIBLSQECC_SKIP_REASON)
    for item in items:
        where = Path(item.path).relative_to(REPO).as_posix()
        if (
            SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))
            or "compiler" in item.keywords
            or item.get_closest_marker("liblsqecc")
            or where.startswith(SLOW_PATHS)
        ):
            item.add_marker(pytest.mark.slow)
        if "compiler" in item.keywords and not COMPILER_PRESENT:
            item.add_marker(skip)
        if item.get_closest_marker("liblsqecc") and not LIBLSQECC_PRESENT:
            item.add_marker(skip_liblsqecc)


def pinned_compiler_commit() -> str:
    """The commit this checkout pins the compiler/ submodule at."""
    return pinned_commit(REPO, "compiler")


def rest_event(
    method: str,
    path: str,
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API proxy event, built by the same code as the local server's."""
    raw = body.encode() if isinstance(body, str) else (body or b"")
    return to_event(method, path, {k.lower(): v for k, v in (headers or {}).items()}, raw)


CONTEXT = LambdaContext("lattice-surgery-test", "test-request-id")


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch):
    """Call the Lambda handler with an event; returns the proxy result."""
    for name, value in lambda_environment("lattice-surgery-test").items():
        monkeypatch.setenv(name, value)
    import app

    from compile_service.jobs import backends

    backends.reset()  # each test starts with an empty result cache, on its environment's backend

    def call(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None):
        if body is not None and not isinstance(body, str | bytes):
            body = json.dumps(body)
        result = app.lambda_handler(rest_event(method, path, body, headers), CONTEXT)
        return with_flat_headers(result)

    return call


def decoded(result: dict[str, Any]) -> HttpResult:
    """A proxy result as the client receives it (status, headers, body gunzipped: `.content`)."""
    return from_result(result)


def with_flat_headers(result: dict[str, Any]) -> dict[str, Any]:
    """REST API results carry multiValueHeaders; add a flat `headers` view for assertions."""
    flat = dict(result.get("headers") or {})
    for name, values in (result.get("multiValueHeaders") or {}).items():
        flat[name] = ",".join(values)
    return {**result, "headers": flat}


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory):
    """The real `lsctl serve` on a free loopback port (its own result store); yields its URL."""
    with served(2, REPO, "--data-dir", str(tmp_path_factory.mktemp("local-data"))) as url:
        yield url


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free port of 127.0.0.1 (every AWS service), empty; yields its URL.

    moto keeps its state per process, not per server: an earlier server's repositories, stacks
    and buckets would show through, so the state is reset first (moto's /moto-api/reset)."""
    import urllib.request

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    reset = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
