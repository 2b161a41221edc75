"""Shared fixtures: the handler with or without the compiler, API Gateway events, the local
server. Tests that need the real compiler are marked `compiler` and skip, with the reason, where
the compiler/ submodule is empty (machines without GitHub); GitHub Actions checks it out."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
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
from lsctl.paths import SHARED_CORPUS as SHARED_CORPUS  # the real circuits, where present
from lsctl.samples import README_EXAMPLE as README_EXAMPLE  # the README's example
from lsctl.samples import layered as layered  # the benchmark's circuit
from tests.service import observation_cache

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
    "tests/cli/test_deploy_sam.py",  # the real `sam deploy` against moto
    "tests/cli/test_process_pool.py",  # starts processes
)


# Unraisable exceptions raised while a compile budget runs, kept for pytest's hook until the
# test phase ends (see pytest_configure).
_held_unraisable: list[Any] = []


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """The compile budget fires SIGALRM, then again every 50 ms (deadline.RETRY): a shot landing
    in a callback the budget does not recognise (a weak reference's; it holds back in gc
    callbacks, hypothesis installs one, and in finalizers) is dropped as unraisable. pytest's
    hook for those formats a traceback, reading source files, and a later shot landing in there
    makes pytest fail the test ("Failed to process unraisable exception"; it did once). So while
    a budget runs on this thread the exception is only kept, in two steps a shot cannot break
    into pytest's hook, and pytest's hook gets it when the test phase ends."""
    from compile_service import deadline

    formats = sys.unraisablehook

    def hold_while_a_budget_runs(unraisable: Any) -> None:
        if deadline.spent():  # a budget is running
            _held_unraisable.append(
                SimpleNamespace(**{k: getattr(unraisable, k) for k in _UNRAISABLE_FIELDS})
            )
            return
        formats(unraisable)

    sys.unraisablehook = hold_while_a_budget_runs


_UNRAISABLE_FIELDS = ("exc_type", "exc_value", "exc_traceback", "err_msg", "object")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    finally:
        while _held_unraisable:
            sys.unraisablehook(_held_unraisable.pop(0))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """`-m 'not slow'` (make unit) does not even import the modules where every test is slow."""
    if config.getoption("markexpr") != "not slow":
        return None
    try:
        where = collection_path.relative_to(REPO).as_posix()
    except ValueError:
        return None
    return True if (where + "/").startswith(SLOW_PATHS) or where.startswith(SLOW_PATHS) else None


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
    _long_ones_first(config, items)


# The long tests, started first: xdist hands tests out in collection order, so a long test that
# comes late keeps one worker busy after the other has run out (the order is pytest-randomly's
# otherwise). Seconds are on the 2-core machine; this machine's own durations from the last run
# (pytest's cache, .pytest_cache) take precedence. Prefixes of node ids.
LONG_SECONDS = 4.0
# Seconds measured in one `make test` on the 2-core machine at load 12-17 (so relative weights;
# the qasmbench and corpus tests skip without the shared corpus and are estimates).
LONG_TESTS = {
    "tests/service/test_compiler_patches.py::test_large_layered_circuits": 620.0,
    "tests/infra/test_bundle.py::test_a_job_runs_from_the_bundle_alone": 240.0,  # builds it
    "tests/infra/test_bundle.py::test_same_inputs_give_the_same_bundle": 235.0,
    "tests/infra/test_bundle.py::test_without_the_compiler": 190.0,
    "tests/service/test_compiler_patches.py::test_upstream_tests_have": 185.0,
    "tests/infra/test_bundle.py::test_build_fails_when": 130.0,
    "tests/service/test_compiler_patches.py::test_layered_circuits": 120.0,
    "tests/service/test_compiler_patches.py::test_qasmbench_circuits": 120.0,
    "tests/infra/test_linters.py": 90.0,
    "tests/service/test_real_compiler.py::test_every_corpus_circuit": 60.0,
    "tests/service/test_compiler_patches.py::test_small_circuits": 47.0,
    "tests/hardening/": 30.0,
    "tests/cli/test_deploy_sam.py": 30.0,
    "tests/cli/test_sam_commands.py::test_the_real_sam_parses": 30.0,
    "tests/infra/test_bundle.py": 30.0,
    "tests/cli/test_destroy.py": 17.0,
    "tests/cli/test_results_bucket.py": 17.0,
    "tests/cli/test_image.py": 11.0,
}
DURATIONS = "lsc/durations"


def _long_ones_first(config: pytest.Config, items: list[pytest.Item]) -> None:
    measured = config.cache.get(DURATIONS, {}) if config.cache is not None else {}

    def seconds(item: pytest.Item) -> float:
        if item.nodeid in measured:
            return float(measured[item.nodeid])
        return max((s for p, s in LONG_TESTS.items() if item.nodeid.startswith(p)), default=0.0)

    long = sorted((i for i in items if seconds(i) >= LONG_SECONDS), key=seconds, reverse=True)
    items[:] = long + [i for i in items if seconds(i) < LONG_SECONDS]


_durations: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Keep this run's durations (in the controller, not in xdist's workers) for the next, and
    drop the patch proof's observations that no run has read for two weeks."""
    config = session.config
    if hasattr(config, "workerinput"):
        return
    observation_cache.prune()
    if config.cache is None or not _durations:
        return
    known = config.cache.get(DURATIONS, {})
    known.update({k: round(v, 2) for k, v in _durations.items() if v >= 0.5})
    config.cache.set(DURATIONS, known)


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


# A moto server in a process of its own: prints its port, serves until its stdin closes.
_MOTO_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free port of 127.0.0.1 (every AWS service), empty; yields its URL.

    Each server runs in a process of its own: moto keeps its state per process, not per server,
    so two servers in one process would share (and a reset of one would wipe) the other's
    repositories, stacks and buckets, and session-scoped fixtures keep servers alive while other
    tests start theirs."""
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", _MOTO_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"the moto server did not start (it printed {port!r})")
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
