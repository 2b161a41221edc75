"""Where things live in a checkout of this repository, and what is there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTION_DIR = REPO_ROOT / "function"
COMPILER_DIR = REPO_ROOT / "compiler"
PATCHES_DIR = REPO_ROOT / "patches"
BUILD_DIR = REPO_ROOT / "build"
PATCHED_COMPILER_DIR = BUILD_DIR / "compiler"
# The second engine: its submodule, our patches to it, and where `make compiler` builds it (the
# statically linked lsqecc_slicer and liblsqecc_info.json in bin/).
LIBLSQECC_DIR = REPO_ROOT / "liblsqecc"
LIBLSQECC_PATCHES_DIR = PATCHES_DIR / "liblsqecc"
LIBLSQECC_BUILD_DIR = BUILD_DIR / "liblsqecc"
LIBLSQECC_BIN_DIR = LIBLSQECC_BUILD_DIR / "bin"
REQUIREMENTS_DIR = REPO_ROOT / "requirements"
# The shared corpus of real circuits (QASMBench's small suite), read in place, never copied in:
# ../shared/corpus beside the checkout, or LSC_SHARED_CORPUS (a worktree, another machine).
# Absent on GitHub: what reads it skips, saying so.
SHARED_CORPUS = Path(
    os.environ.get("LSC_SHARED_CORPUS")
    or REPO_ROOT.parent / "shared" / "corpus" / "qasmbench-small"
)


def compiler_present(root: Path = PATCHED_COMPILER_DIR) -> bool:
    """Whether `root` holds the compiler's package: the patched copy prepared (by default) or,
    for `COMPILER_DIR`, the submodule checked out."""
    return (root / "src" / "lsqecc").is_dir()


def files_under(path: Path) -> Iterator[Path]:
    """The regular files under `path` (or `path` itself), symbolic links not followed."""
    if path.is_symlink():
        return
    if path.is_file():
        yield path
        return
    for root, _dirs, names in os.walk(path):
        for name in names:
            file = Path(root, name)
            if file.is_file() and not file.is_symlink():
                yield file


def tree_bytes(path: Path) -> int:
    """Bytes of the regular files under `path` (or of `path` itself)."""
    return sum(file.stat().st_size for file in files_under(path))
