"""Which files a block of code opens, from Python's audit hooks (sys.addaudithook): every
`open` (builtins.open, io.open_code, os.open) raises the "open" event, whoever calls it (qiskit's
parsers, ply, lsqecc, the service). A hook cannot be removed, so one is installed once per test
process and records only while `opened_files()` is active."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import qiskit

# The one file a request may read: the standard library qiskit's legacy parser (the compiler's)
# reads from its package. The service's own parser knows qelib1.inc without reading it.
BUNDLED_INCLUDE = (Path(qiskit.__file__).parent / "qasm" / "libs" / "qelib1.inc").resolve()

_recording: list[str] | None = None
_installed = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _recording is not None and event == "open":
        path = args[0]
        _recording.append(path if isinstance(path, str) else repr(path))


@contextlib.contextmanager
def opened_files() -> Iterator[list[str]]:
    """The paths opened inside the block, in order (file descriptors as their repr)."""
    global _recording, _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    found: list[str] = []
    _recording = found
    try:
        yield found
    finally:
        _recording = None


def unexpected(paths: list[str]) -> list[str]:
    """The opened paths other than the bundled include."""
    return [p for p in paths if not _is_bundled(p)]


# What the interpreter opens to run code: a module imported on first use, or source lines read
# for a traceback (linecache). Never a path a request names: only a fuzzer, which cannot warm up
# every code path first, needs to tell these apart (test_no_file_is_opened.py allows none).
CODE_SUFFIXES = (".py", ".pyc", ".so")


def data_files(paths: list[str]) -> list[str]:
    """The opened paths other than the bundled include and code under sys.path."""
    roots = [Path(entry).resolve() for entry in sys.path if entry]
    return [p for p in unexpected(paths) if not _is_code(p, roots)]


def _is_code(path: str, roots: list[Path]) -> bool:
    if path.startswith("<") and path.endswith(">"):
        return True  # the interpreter's name for code without a file ("<unknown>", "<string>")
    if not path.endswith(CODE_SUFFIXES):
        return False
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(root) for root in roots)


def _is_bundled(path: str) -> bool:
    try:
        return Path(path).resolve() == BUNDLED_INCLUDE
    except (OSError, ValueError):
        return False
