"""The result key (and job id) is of the prepared request as a whole: an option someone adds to
the request cannot be left out of it, so the cache never answers with a result compiled without
it. And the modules around it import one way."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from compile_service.engines import EngineOptions
from compile_service.jobs import ids
from compile_service.service import Prepared
from tests.conftest import REPO

REQUEST = Prepared(
    "v2",
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n',
    True,
    2,
    2,
    {"lowered": False},
)
# A value different from REQUEST's for each field Prepared has today.
OTHER_VALUES = {
    "flavour": "web_client",
    "source": REQUEST.source + "h q[1];\n",
    "litinski_transform": False,
    "qubits": 3,
    "gates": 3,
    "lowering": {"lowered": True},
    "assumptions": {"physical_error_rate": 1e-4},
    "counts": {"t_count": 1},
    "engine": EngineOptions("liblsqecc"),
}


def test_the_same_request_has_the_same_key():
    assert ids.result_key(REQUEST) == ids.result_key(dataclasses.replace(REQUEST))
    assert ids.is_valid(ids.result_key(REQUEST))


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Prepared)])
def test_every_field_of_the_prepared_request_is_in_the_key(name):
    assert name in OTHER_VALUES, f"give the new field {name} a different value in OTHER_VALUES"
    changed = dataclasses.replace(REQUEST, **{name: OTHER_VALUES[name]})
    assert ids.result_key(changed) != ids.result_key(REQUEST)


def test_a_field_added_to_the_prepared_request_changes_the_key():
    """What happens when someone adds an option (say `noise`) to Prepared: no list to edit."""
    with_engine = dataclasses.make_dataclass(
        "Prepared",
        [("noise", str, dataclasses.field(default="lsqecc"))],
        bases=(Prepared,),
        frozen=True,
    )
    fields = {f.name: getattr(REQUEST, f.name) for f in dataclasses.fields(REQUEST)}
    lsqecc, liblsqecc = with_engine(**fields), with_engine(**fields, noise="liblsqecc")
    keys = {ids.result_key(REQUEST), ids.result_key(lsqecc), ids.result_key(liblsqecc)}
    assert len(keys) == 3


def test_the_key_changes_with_the_compiler_build(monkeypatch):
    from compile_service.engines import lsqecc as compiler

    before = ids.result_key(REQUEST)
    monkeypatch.setattr(compiler, "info", lambda: {"compiler_commit": "another", "patches": []})
    assert ids.result_key(REQUEST) != before


def test_a_field_the_key_cannot_encode_fails_loudly():
    """Rather than being left out of the key."""
    with_object = dataclasses.make_dataclass(
        "Prepared",
        [("clock", object, dataclasses.field(default=None))],
        bases=(Prepared,),
        frozen=True,
    )
    fields = {f.name: getattr(REQUEST, f.name) for f in dataclasses.fields(REQUEST)}
    with pytest.raises(TypeError):
        ids.result_key(with_object(**fields, clock=object()))


PACKAGE = REPO / "function" / "compile_service"


def _module(path: Path) -> str:
    parts = ("compile_service", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules `path` imports, anywhere in it (TYPE_CHECKING and functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        else:
            continue
        found |= names & modules
    return found - {_module(path)}


def test_the_service_package_has_no_import_cycles():
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module(p) for p in paths}
    graph = {_module(p): _imports(p, modules) for p in paths}
    # A package's __init__ importing its own modules is not a cycle of theirs.
    for name in graph:
        graph[name] -= {m for m in graph if m.startswith(name + ".")}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = (*path[path.index(name) :], name)
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for imported in sorted(graph[name]):
            visit(imported, (*path, name))
        done.add(name)

    for name in sorted(graph):
        visit(name, ())
