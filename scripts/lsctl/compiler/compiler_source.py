"""The compiler submodule: is it there, which commit, and a patched copy of it.

Patches in patches/ are applied to a copy (never to the submodule checkout), so the submodule
stays at exactly the pinned upstream commit and `git submodule status` stays clean.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from lsctl.errors import CliError
from lsctl.git import apply_patch, head_commit
from lsctl.paths import COMPILER_DIR, PATCHES_DIR, compiler_present

# The one fix for a missing compiler, wherever it is missing (the service says the same).
FIX_HINT = "git submodule update --init --recursive && make compiler"
OPENSURGERY = Path("src/lsqecc/external/opensurgery")
INFO_FILE = "compiler_info.json"


class CompilerMissing(CliError):
    """The compiler/ submodule (or its nested opensurgery submodule) is not checked out."""


@dataclass(frozen=True)
class CompilerSource:
    root: Path
    commit: str
    opensurgery_commit: str


def _git_head(path: Path) -> str:
    commit = head_commit(path)
    if commit is None:
        raise CompilerMissing(f"{path} is not a git checkout: run `{FIX_HINT}`")
    return commit


def locate(root: Path = COMPILER_DIR) -> CompilerSource:
    """The checked-out compiler, or CompilerMissing saying how to get it."""
    if not compiler_present(root):
        raise CompilerMissing(f"the compiler submodule {root} is empty: run `{FIX_HINT}`")
    if not (root / OPENSURGERY / "resanalysis").is_dir():
        raise CompilerMissing(
            f"the nested submodule {root / OPENSURGERY} is empty: run `{FIX_HINT}`"
        )
    return CompilerSource(root, _git_head(root), _git_head(root / OPENSURGERY))


PATCH_KINDS = ("fix", "performance")


def patch_kind(patch: Path) -> str:
    """A patch's `Kind:` header: `fix` (upstream cannot run without it) or `performance` (the same
    output, sooner)."""
    for line in patch.read_text().splitlines():
        if line.startswith("diff --git"):
            break
        if line.lower().startswith("kind:"):
            kind = line.split(":", 1)[1].strip()
            if kind in PATCH_KINDS:
                return kind
    raise CliError(f"patch {patch.name} has no `Kind: fix` or `Kind: performance` header line")


def patch_files(
    patches_dir: Path = PATCHES_DIR, kinds: tuple[str, ...] = PATCH_KINDS
) -> list[Path]:
    return [p for p in sorted(patches_dir.glob("*.patch")) if patch_kind(p) in kinds]


def apply_patches(tree: Path, patches: list[Path]) -> None:
    """Apply each patch to `tree` (a plain directory), failing with the patch's name.

    After applying, a reverse check proves every hunk landed (git apply exits 0 on a patch whose
    files it skipped).
    """
    for patch in patches:
        result = apply_patch(tree, patch)
        if result.returncode != 0:
            raise CliError(f"patch {patch.name} does not apply: {result.stderr.strip()}")
        if apply_patch(tree, patch, "--check", "--reverse").returncode != 0:
            raise CliError(f"patch {patch.name} did not change {tree}: check its paths")


def prepare(
    dest: Path,
    source: CompilerSource | None = None,
    kinds: tuple[str, ...] = PATCH_KINDS,
    patches_dir: Path = PATCHES_DIR,
) -> Path:
    """Copy the compiler's sources to `dest`, apply patches/ (of the given kinds), and record what
    went in. kinds=("fix",) gives upstream as released plus only what it needs to run: the
    baseline the benchmark compares with. patches_dir: another set (the benchmark's reference
    commit's patches/).

    Returns the directory to put on sys.path (it holds the `lsqecc` package and compiler_info.json).
    """
    source = source or locate()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(
        source.root / "src",
        dest / "src",
        ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc"),
    )
    shutil.copy2(source.root / "LICENSE", dest / "LICENSE")
    patches = patch_files(patches_dir, kinds=kinds)
    apply_patches(dest, patches)
    info = {
        "compiler_commit": source.commit,
        "opensurgery_commit": source.opensurgery_commit,
        "patches": [p.name for p in patches],
    }
    (dest / "src" / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")
    return dest / "src"
