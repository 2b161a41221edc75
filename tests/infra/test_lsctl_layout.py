"""The shape of scripts/lsctl: grouped by job, imports one way.

Layers, from the bottom: the top-level helpers (errors, paths, git, streaming, samples); the
subpackages by job (build, local, deploy, compiler, bench, github), which may use the helpers and
one another; the commands, thin adapters that may use all of those; cli, which loads the commands.
"Upward" is any import against that order: a helper importing a subpackage, a subpackage importing
a command or cli, a command importing another command or cli.
"""

from __future__ import annotations

import ast
from pathlib import Path

from lsctl.paths import REPO_ROOT

LSCTL = REPO_ROOT / "scripts" / "lsctl"
HELPERS = {"errors", "paths", "git", "streaming", "samples"}
SUBPACKAGES = {"build", "local", "deploy", "compiler", "bench", "github"}
TOP_LEVEL = {"__init__", "cli", "commands", *HELPERS, *SUBPACKAGES}


def module_name(path: Path) -> str:
    parts = path.relative_to(LSCTL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (function-level and TYPE_CHECKING too); for
    `from a import b`, both a and a.b (b may be a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def imports(path: Path) -> set[str]:
    """The lsctl modules `path` imports."""
    return {name for name in all_imports(path) if name in MODULES}


MODULES = {module_name(p): p for p in LSCTL.rglob("*.py")}
GRAPH = {name: imports(path) - {name} for name, path in MODULES.items()}


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_top_level_holds_the_helpers_the_subpackages_and_the_commands() -> None:
    entries = {
        p.stem for p in LSCTL.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()
    }
    assert entries == TOP_LEVEL
    assert len(entries) <= 14


def upward(name: str, target: str) -> bool:
    here, there = layer(name), layer(target)
    if here in HELPERS:
        return there not in HELPERS
    if here in SUBPACKAGES:
        return there in {"commands", "cli"}
    if here == "commands" and name != "lsctl.commands":
        return there == "cli" or (there == "commands" and target != "lsctl.commands")
    return False


def test_no_import_goes_upward() -> None:
    found = [f"{n} imports {t}" for n, targets in GRAPH.items() for t in targets if upward(n, t)]
    assert found == []


def test_the_rule_catches_what_it_means_to() -> None:
    assert upward("lsctl.paths", "lsctl.build.bundle")
    assert upward("lsctl.build.bundle", "lsctl.commands.build")
    assert upward("lsctl.commands.update_image", "lsctl.commands.smoke")
    assert not upward("lsctl.commands.build", "lsctl.build.bundle")
    assert not upward("lsctl.bench.throughput", "lsctl.local.loopback")


def test_no_import_cycle() -> None:
    cycles = []
    for start in GRAPH:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, path = stack.pop()
            for target in GRAPH[node]:
                if target == start:
                    cycles.append(" -> ".join((*path, start)))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, (*path, target)))
    assert cycles == []


# They prove the compiler patches keep the output identical by preparing patched copies with the
# build tooling (lsctl.compiler), the same way the build does.
USES_THE_BUILD_TOOLING = {
    "compiler_copies.py",
    "test_compiler_patches.py",
    "test_standard_library_once.py",
    "test_segmented_parse.py",
    "test_lexer_from_template.py",
    "test_lattice_index.py",
}
# It drains the local job queue with the loop `lsctl serve`'s job pool runs (lsctl.local.job_pool),
# so the local implementation is tested as it is served.
USES_THE_LOCAL_JOB_POOL = {"jobs_harness.py"}


def test_service_tests_depend_on_the_service_and_tests_helpers_not_on_lsctl() -> None:
    found = {
        p.name: sorted(i for i in all_imports(p) if i.split(".")[0] == "lsctl")
        for p in (REPO_ROOT / "tests" / "service").glob("*.py")
        if p.name not in USES_THE_BUILD_TOOLING | USES_THE_LOCAL_JOB_POOL
    }
    assert {name: lsctl for name, lsctl in found.items() if lsctl} == {}


def test_the_shared_test_helpers_do_not_reach_the_cli() -> None:
    imported = all_imports(REPO_ROOT / "tests" / "conftest.py")
    assert not [i for i in imported if i.startswith(("lsctl.cli", "lsctl.commands"))]
