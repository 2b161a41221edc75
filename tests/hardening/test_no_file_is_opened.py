"""While a request is served, no file is opened but the bundled qelib1.inc (which the compiler's
legacy parser reads from qiskit's package), whatever the request says: proven with an audit hook
(sys.addaudithook) that sees every open of the process, the handler called in process.

Each request is served once before it is watched: the first time, Python may import a module
lazily, and Powertools' Tracer logs every refusal with its traceback, which reads the lines of
our own source files once (linecache). Neither reads a path a request can choose; after that, the
same request opens nothing at all."""

from __future__ import annotations

import json

import pytest

from tests.conftest import README_EXAMPLE
from tests.hardening import inotify_watch
from tests.hardening.file_guard import BUNDLED_INCLUDE, opened_files, unexpected
from tests.hardening.hostile_inputs import TABLE, include

ROUTES = ("/v2/compile", "/compile")
# What a request could try to have read, besides the table's rows.
INCLUDES = (
    "/etc/passwd",
    "/dev/zero",
    "/proc/self/environ",
    "qelib1.inc/../../../etc/hostname",
    "file:///etc/passwd",
    "",
)
REQUESTS = [row.circuit for row in TABLE] + [include(path) for path in INCLUDES]


def serve_twice(invoke, route: str, circuit: str) -> tuple[dict, list[str]]:
    invoke("POST", route, {"circuit": circuit})
    with opened_files() as opened:
        result = invoke("POST", route, {"circuit": circuit})
    return result, opened


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("circuit", REQUESTS)
def test_a_hostile_request_opens_no_file(invoke, route, circuit):
    result, opened = serve_twice(invoke, route, circuit)
    assert 400 <= result["statusCode"] < 500
    assert opened == [], opened


@pytest.mark.compiler
@pytest.mark.parametrize("route", ROUTES)
def test_a_compile_opens_only_the_bundled_include(invoke, route):
    """The compiler (lsqecc) parses with qiskit's legacy parser, which reads qelib1.inc from
    qiskit's package and, unless told otherwise (compiler.py), writes ply's parser tables to a
    new temporary directory on every parse."""
    invoke("POST", route, {"circuit": README_EXAMPLE + "rz(0.2) q[1];\n"})
    circuit = README_EXAMPLE + "rz(0.3) q[1];\n"  # not cached; lowered: gridsynth, then lsqecc
    with opened_files() as opened:
        result = invoke("POST", route, {"circuit": circuit})
    assert result["statusCode"] == 200, result["body"][:300]
    assert unexpected(opened) == [], opened
    assert [p for p in opened if p == str(BUNDLED_INCLUDE)], "the legacy parser was not watched"


def test_the_guard_sees_what_the_legacy_parser_opens(tmp_path):
    """The audit hook is no test that cannot fail: it sees qiskit's legacy parser open a file."""
    from qiskit import qasm

    (tmp_path / "mine.qasm").write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\n')
    with opened_files() as opened:
        qasm.Qasm(filename=str(tmp_path / "mine.qasm")).parse()
    assert str(tmp_path / "mine.qasm") in opened
    assert unexpected(opened) != []


# The audit hook sees Python's opens only; qiskit's Rust parser reads includes itself. The kernel
# sees those (inotify): a file that exists and that a request names is never opened, with the
# scanner on, and with it off (then the parser, given no include path, finds nothing).
@pytest.mark.skipif(not inotify_watch.AVAILABLE, reason="inotify is Linux's")
@pytest.mark.parametrize("scanner", ["on", "off"])
@pytest.mark.parametrize("route", ROUTES)
def test_no_include_is_read_by_the_rust_parser(invoke, monkeypatch, tmp_path, route, scanner):
    canary = tmp_path / "canary.inc"
    canary.write_text("gate canary a { x a; }\n")
    if scanner == "off":
        from compile_service import qasm_scan

        monkeypatch.setattr(qasm_scan, "scan", lambda source, limits: None)
    for name in (str(canary), f"../../../..{canary}", canary.name):
        circuit = include(name) + "canary q[0];\n"
        with inotify_watch.watching(canary) as watch:
            result = invoke("POST", route, {"circuit": circuit})
        assert 400 <= result["statusCode"] < 500, result["body"][:300]
        assert not watch.touched(), f"{name} was opened"


@pytest.mark.skipif(not inotify_watch.AVAILABLE, reason="inotify is Linux's")
def test_the_kernel_sees_the_rust_parser_read_an_include(tmp_path):
    """The watch is no test that cannot fail: given an include path, the parser reads it."""
    from qiskit import qasm2

    canary = tmp_path / "canary.inc"
    canary.write_text("opaque canary a;\n")
    with inotify_watch.watching(canary) as watch:
        qasm2.loads('OPENQASM 2.0;\ninclude "canary.inc";\n', include_path=(tmp_path,))
    assert watch.touched()


def test_a_job_submission_opens_no_file(invoke, monkeypatch, tmp_path):
    """POST /v2/jobs prepares (scans, parses, lowers) the circuit in the API: a hostile one is
    refused there, before the result store (files, in the local backend) is touched."""
    monkeypatch.setenv("LSC_JOBS_BACKEND", "local")
    monkeypatch.setenv("LSC_LOCAL_DATA_DIR", str(tmp_path))
    from compile_service.jobs import backends

    backends.from_environment.cache_clear()
    backends.reset()
    try:
        for row in TABLE:
            invoke("POST", "/v2/jobs", {"circuit": row.circuit})
            with opened_files() as opened:
                result = invoke("POST", "/v2/jobs", {"circuit": row.circuit})
            assert 400 <= result["statusCode"] < 500, json.loads(result["body"])
            assert opened == [], (row.name, opened)
    finally:
        backends.from_environment.cache_clear()
        backends.reset()
