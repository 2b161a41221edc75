"""`lsctl bump-compiler --path liblsqecc`: the second engine is bumped the same way, in a pull
request of its own, checked against its own patches (patches/liblsqecc/) and not the compiler's.
Real git repositories in tmp, file:// only (the fixtures of test_bump_compiler)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsctl.cli import main
from lsctl.git import git
from tests.workflows.test_bump_compiler import commit, isolated_git  # noqa: F401 - fixture

LIBLSQECC_PATCH = """\
--- a/CMakeLists.txt
+++ b/CMakeLists.txt
@@ -1,2 +1,2 @@
 project(lsqecc)
-find_package(PostgreSQL REQUIRED)
+option(LSQECC_PANDORA "" ON)
"""
# The compiler's patch touches a file liblsqecc does not have: applying it there would fail.
COMPILER_PATCH = """\
--- a/src/lsqecc/feature.py
+++ b/src/lsqecc/feature.py
@@ -1 +1 @@
-A = 1
+A = 2
"""


@pytest.fixture
def superproject(tmp_path: Path) -> tuple[Path, Path, str]:
    upstream = tmp_path / "liblsqecc-upstream"
    git(tmp_path, "init", "-q", "-b", "main", str(upstream))
    old = commit(
        upstream, {"CMakeLists.txt": "project(lsqecc)\nfind_package(PostgreSQL REQUIRED)\n"}, "one"
    )
    root = tmp_path / "super"
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    commit(
        root,
        {
            "patches/0001-compiler.patch": COMPILER_PATCH,
            "patches/liblsqecc/0001-optional-pandora-reader.patch": LIBLSQECC_PATCH,
        },
        "patches",
    )
    git(root, "submodule", "add", "-q", "--depth", "1", upstream.as_uri(), "liblsqecc")
    commit(root, {}, "pin liblsqecc")
    return root, upstream, old


def run(root: Path, *args: str) -> int:
    return main(["bump-compiler", "--superproject", str(root), "--path", "liblsqecc", *args])


def test_liblsqecc_moves_and_is_checked_against_its_own_patches(superproject) -> None:
    root, upstream, old = superproject
    new = commit(upstream, {"README.md": "liblsqecc\n"}, "upstream work")
    assert run(root, "--no-tests") == 0
    assert git(root, "ls-files", "--stage", "liblsqecc").split()[1] == new
    body = (root / "build/bump-liblsqecc/body.md").read_text()
    assert f"Moves `liblsqecc/` from `{old[:7]}` to `{new[:7]}`" in body
    assert "patch 0001-optional-pandora-reader.patch: **passed**" in body
    assert "0001-compiler.patch" not in body


def test_a_liblsqecc_patch_that_no_longer_applies_fails_the_bump(superproject) -> None:
    root, upstream, _ = superproject
    commit(upstream, {"CMakeLists.txt": "project(lsqecc)\nfind_package(PostgreSQL 16)\n"}, "pg")
    assert run(root, "--no-tests") == 3
    body = (root / "build/bump-liblsqecc/body.md").read_text()
    assert "patch 0001-optional-pandora-reader.patch: **FAILED** (does not apply)" in body
