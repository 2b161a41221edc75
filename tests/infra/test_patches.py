"""Every patch in patches/ applies to the compiler commit this repository pins (the submodule's
gitlink), and changes what it says it changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lsctl.compiler import compiler_source
from lsctl.paths import COMPILER_DIR
from tests.conftest import pinned_compiler_commit

pytestmark = pytest.mark.compiler


def pinned_commit() -> str:
    return pinned_compiler_commit()


def test_checkout_is_the_pinned_commit() -> None:
    assert compiler_source.locate().commit == pinned_commit()


def test_every_patch_applies_to_the_pinned_commit(tmp_path: Path) -> None:
    patches = compiler_source.patch_files()
    assert patches, "patches/ is empty"
    source = compiler_source.locate(COMPILER_DIR)
    # prepare() applies each patch to a copy and checks (by a reverse apply) that it landed.
    src = compiler_source.prepare(tmp_path / "compiler", source)
    assert (src / "lsqecc" / "__init__.py").exists()
    for patch in patches:
        header = patch.read_text().split("\ndiff --git", 1)[0]
        assert len(header.strip()) > 40, f"{patch.name} has no header saying what it fixes"


def test_performance_patches_say_what_they_change_and_what_it_measured() -> None:
    """A performance patch is only worth carrying with a measured gain (patches/README.md)."""
    patches = compiler_source.patch_files(kinds=("performance",))
    assert len(patches) >= 2
    for patch in patches:
        header = patch.read_text().split("\ndiff --git", 1)[0]
        assert header.startswith("Subject: "), patch.name
        assert "What:" in header, f"{patch.name} does not say what it changes"
        assert re.search(r"\d+(\.\d+)? s\b", header), f"{patch.name} states no measured time"
        assert "test_compiler_patches.py" in header, f"{patch.name} does not cite its proof"
