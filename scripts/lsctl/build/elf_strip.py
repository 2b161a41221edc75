"""Strip debug symbols from the bundle's shared libraries, keeping only what still loads."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def elf_section_names(path: Path) -> list[str]:
    """Section names of an ELF file (pyelftools), or [] for anything else."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    with path.open("rb") as f:
        try:
            return [section.name for section in ELFFile(f).iter_sections()]
        except ELFError:
            return []


def shared_libraries(stage: Path) -> Iterator[Path]:
    for path in sorted(stage.rglob("*.so*")):
        if path.is_file() and (path.suffix == ".so" or ".so." in path.name):
            yield path


def strip_debug_symbols(stage: Path, warnings: list[str]) -> list[dict[str, Any]]:
    """`strip --strip-debug` each library that has debug sections; keep it only if it loads."""
    strip = shutil.which("strip")
    candidates = [
        p
        for p in shared_libraries(stage)
        if any(n.startswith(".debug_") for n in elf_section_names(p))
    ]
    if not candidates:
        return []
    if strip is None:
        warnings.append("`strip` (binutils) not found: shared libraries keep their debug symbols")
        return []
    stripped = []
    with tempfile.TemporaryDirectory(prefix="unstripped-") as tmp:
        for path in candidates:
            original = Path(tmp) / path.relative_to(stage).as_posix().replace("/", "__")
            shutil.copy2(path, original)
            subprocess.run([strip, "--strip-debug", str(path)], check=True)
            stripped.append((path, original))
        failures = _unloadable(stage, [p for p, _ in stripped])
        result = []
        for path, original in stripped:
            relative = path.relative_to(stage).as_posix()
            if relative in failures:
                shutil.copy2(original, path)
                warnings.append(f"{relative} did not load once stripped; kept it as installed")
                continue
            before, after = original.stat().st_size, path.stat().st_size
            result.append({"file": relative, "bytes_before": before, "bytes_after": after})
    return result


_LOAD_CHECK = """
import ctypes, json, sys
failed = []
for path in sys.argv[2:]:
    try:
        ctypes.CDLL(path)
    except OSError:
        failed.append(path)
print(json.dumps(failed))
"""


def _unloadable(stage: Path, paths: list[Path]) -> set[str]:
    """Which of these libraries the dynamic loader refuses (each in the bundle's own layout)."""
    command = [sys.executable, "-I", "-S", "-c", _LOAD_CHECK, str(stage), *map(str, paths)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return {Path(p).relative_to(stage).as_posix() for p in json.loads(result.stdout)}
