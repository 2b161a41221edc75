"""The pruning's parts, without building a bundle: the reviewed subpackage list, the bytecode
trim, the comparison of two replays, and the request corpus (tests/infra/test_bundle.py runs them
together in real builds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compile_service.lowering import dialect
from compile_service.settings import load_limits
from lsctl.build import import_trace, service_corpus, subpackage_prune
from lsctl.errors import CliError
from lsctl.samples import layered


def write(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 100)


def test_the_service_loading_a_pruned_subpackage_fails_naming_the_entry_to_remove() -> None:
    subpackage_prune.check_unused(["scipy/linalg/__init__.py", "scipy/iofoo.py", "sympyx/a.py"])
    with pytest.raises(CliError) as error:
        subpackage_prune.check_unused(["scipy/linalg/_x.so", "scipy/io/matlab/__init__.py"])
    assert "scipy/io (e.g. scipy/io/matlab/__init__.py)" in str(error.value)
    assert "scripts/lsctl/build/subpackage_prune.py" in str(error.value)


def test_every_entry_is_reviewed_and_measured() -> None:
    paths = subpackage_prune.pruned_paths()
    assert len(paths) == len(set(paths))
    for entry in subpackage_prune.PRUNED:
        assert entry.why and entry.saves_mb >= 0 and not entry.path.endswith("/")
        parent = entry.path.split("/")[0]
        assert entry.path == parent or parent not in paths, f"{entry.path} is inside {parent}"


def test_apply_removes_entries_their_distributions_and_warns_on_missing_ones(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        "sympy/__init__.py",
        "sympy/core/basic.py",
        "sympy-1.14.0.dist-info/RECORD",
        "isympy.py",
        "__pycache__/isympy.cpython-312.pyc",
        "scipy/io/__init__.py",
        "scipy/linalg/__init__.py",
    )
    warnings: list[str] = []
    removed = subpackage_prune.apply(tmp_path, warnings)
    assert removed["sympy"] == 300 and removed["isympy.py"] == 200 and removed["scipy/io"] == 100
    assert not (tmp_path / "sympy").exists() and not (tmp_path / "isympy.py").exists()
    assert not list(tmp_path.glob("sympy-*.dist-info"))
    assert not list((tmp_path / "__pycache__").iterdir())
    assert (tmp_path / "scipy" / "linalg" / "__init__.py").exists()
    assert "prune list entry qiskit/qpy is not in the bundle: re-measure" in warnings


def test_bytecode_is_dropped_only_for_modules_never_loaded(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pkg/__init__.py",
        "pkg/__pycache__/__init__.cpython-312.pyc",
        "pkg/used.py",
        "pkg/__pycache__/used.cpython-312.pyc",
        "pkg/unused.py",
        "pkg/__pycache__/unused.cpython-312.pyc",
        "other/__init__.py",
        "other/__pycache__/__init__.cpython-312.pyc",
        "top.py",
        "__pycache__/top.cpython-312.pyc",
    )
    write(tmp_path, "botocore/client.py", "botocore/__pycache__/client.cpython-312.pyc")
    loaded = ["pkg/__init__.py", "pkg/used.py", "top.py"]
    assert import_trace.drop_unused_bytecode(tmp_path, loaded) == 200
    assert (tmp_path / "botocore/__pycache__/client.cpython-312.pyc").exists()  # timing-dependent
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pyc"))
    assert left == [
        "__pycache__/top.cpython-312.pyc",
        "botocore/__pycache__/client.cpython-312.pyc",
        "pkg/__pycache__/__init__.cpython-312.pyc",
        "pkg/__pycache__/used.cpython-312.pyc",
    ]
    assert (tmp_path / "pkg" / "unused.py").exists()  # sources stay: an unseen import still works
    assert not (tmp_path / "other" / "__pycache__").exists()


def test_untouched_subpackages_are_listed_largest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_trace, "UNTOUCHED_SHOWN_BYTES", 150)
    write(tmp_path, "big/__init__.py", "big/a/x.py", "big/a/y.py", "big/b/z.py", "big/c/1.py")
    write(tmp_path, "big/c/2.py", "big/c/3.py", "unused/m.py", "unused/n.py")
    found = import_trace.untouched_subpackages(tmp_path, ["big/__init__.py", "big/b/z.py"])
    assert [f["path"] for f in found] == ["big/c", "big/a", "unused"]


def answer(status: int, **extra: object) -> dict[str, object]:
    return {"status": status, "content_type": "application/json", "gzip": False, **extra}


def test_differences_name_every_changed_answer() -> None:
    before = import_trace.Replay(
        {
            "same": answer(200, slices_sha256="a", body_sha256="1"),
            "slices": answer(200, slices_sha256="a", body_sha256="1"),
            "status": answer(200, slices_sha256="a", body_sha256="1"),
            "gone": answer(404, body_sha256="2"),
        },
        [],
        [],
        {},
        0.0,
    )
    after = import_trace.Replay(
        {
            "same": answer(200, slices_sha256="a", body_sha256="1"),
            "slices": answer(200, slices_sha256="b", body_sha256="3"),
            "status": answer(422, body_sha256="4", message="No module named 'scipy.io'"),
        },
        [],
        [],
        {},
        0.0,
    )
    assert import_trace.differences(before, after) == [
        "slices: status 200 -> 200 (different slices)",
        "status: status 200 -> 422 (No module named 'scipy.io')",
        "gone: no answer after pruning",
    ]


def test_corpus_covers_every_operation_both_routes_and_both_modes() -> None:
    requests = service_corpus.corpus(None)
    names = [r["name"] for r in requests]
    assert len(names) == len(set(names))
    for mode in ("litinski", "plain"):
        for gate in dialect.NATIVE_GATES | dialect.NON_GATES:
            assert f"v2 {gate} {mode}" in names
        for rotation in dialect.ROTATIONS:
            assert sum(n.startswith(f"v2 {rotation}_") and n.endswith(mode) for n in names) == 5
        assert f"legacy readme {mode}" in names
    angles = {a for a in service_corpus.ANGLES.values()}
    assert len(angles) == len(dialect.ROTATION_ANGLES)
    limits = set(load_limits().as_dict())
    for request in requests:
        assert set(request.get("limits") or {}) <= limits, request["name"]
    assert {"/health", "/v2/openapi.json", "/compile", "/v2/compile"} <= {
        r["path"] for r in requests
    }
    assert {"GET", "POST", "OPTIONS"} == {r["method"] for r in requests}


def test_corpus_reads_the_demo_circuits_from_the_submodule(tmp_path: Path) -> None:
    demos = tmp_path / "assets" / "demo_circuits"
    demos.mkdir(parents=True)
    (demos / "ghz.qasm").write_text(layered(3, 1).qasm)
    names = [r["name"] for r in service_corpus.corpus(tmp_path)]
    assert {"v2 demo_ghz litinski", "legacy demo_ghz plain"} <= set(names)
    assert not [n for n in service_corpus.corpus(None) if "demo_" in n]
    assert not [n for n in service_corpus.corpus(tmp_path / "empty") if "demo_" in n]


def test_framework_requests_are_all_in_the_corpus() -> None:
    requests = service_corpus.framework(service_corpus.corpus(None))
    assert sorted(r["name"] for r in requests) == sorted(service_corpus.FRAMEWORK_REQUESTS)
