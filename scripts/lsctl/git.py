"""git, run as a subprocess: every lsctl call to git goes through here."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from lsctl.errors import CliError
from lsctl.paths import REPO_ROOT


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return its stdout; a failure becomes a one-line CliError."""
    result = subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise CliError(f"git {' '.join(args)} failed in {cwd}: {detail[-1] if detail else ''}")
    return result.stdout.strip()


def git_or_none(cwd: Path, *args: str) -> str | None:
    """git's stdout, or None when it fails (for look-ups whose absence is an answer)."""
    try:
        return git(cwd, *args)
    except (CliError, OSError):
        return None


def git_raw(cwd: Path, *args: str) -> bytes | None:
    """git's stdout as it is (not stripped: e.g. a patch from `git show`), or None on failure."""
    result = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, check=False)
    return result.stdout if result.returncode == 0 else None


def head_commit(cwd: Path = REPO_ROOT) -> str | None:
    """The commit checked out in `cwd`, or None outside a git checkout."""
    return git_or_none(cwd, "rev-parse", "HEAD")


def apply_patch(tree: Path, patch: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """`git apply` a patch to `tree`, a plain directory (the result, not raised).

    Inside another git work tree (build/ is inside this repository) `git apply` silently skips
    paths outside the enclosing repository's cwd; the ceiling makes `tree` a plain directory.
    """
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tree.resolve().parent)}
    return subprocess.run(
        ["git", "apply", "--whitespace=nowarn", *flags, str(patch.resolve())],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
