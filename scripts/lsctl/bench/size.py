"""Bundle size: bytes on disk and gzip-compressed (a tar.gz of each top-level package).

Measures build/bundle as `lsctl build` leaves it; walks the tree itself, so it does not depend on
build/bundle-report.json.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

from lsctl.paths import BUILD_DIR, REPO_ROOT, files_under

BUNDLE_DIR = BUILD_DIR / "bundle"
LIMIT_BYTES = 200 * 1000 * 1000  # the target: bundle <= 200 MB on disk


def _package_name(entry: Path) -> str:
    """`numpy` for numpy/, a module's name for foo.py / foo.so; all *.dist-info together."""
    name = entry.name
    if entry.is_dir() and name.endswith((".dist-info", ".egg-info")):
        return "(package metadata: *.dist-info)"
    if entry.is_file():
        return name.split(".", 1)[0]
    return name


def _tree_bytes(path: Path) -> tuple[int, int]:
    """Bytes of regular files under `path` (not following links), and how many."""
    files = list(files_under(path))
    return sum(f.stat().st_size for f in files), len(files)


class _CountingSink(io.RawIOBase):
    def __init__(self) -> None:
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.count += len(data)
        return len(data)


def _targz_bytes(path: Path) -> int:
    """Size of a tar.gz of `path` (gzip level 6, as a registry layer roughly is), not kept."""
    sink = _CountingSink()
    with tarfile.open(fileobj=sink, mode="w:gz", compresslevel=6) as archive:
        archive.add(path, arcname=path.name)
    return sink.count


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _built_from(report: Path) -> str | None:
    """The git commit `lsctl build` recorded in build/bundle-report.json, if it did."""
    try:
        return str(json.loads(report.read_text()).get("git_commit")) or None
    except (OSError, ValueError, AttributeError):
        return None


def measure(bundle: Path = BUNDLE_DIR, compress: bool = True) -> dict[str, Any]:
    """Per top-level package: files, bytes, tar.gz bytes; largest first."""
    if not bundle.is_dir():
        return {
            "status": "skipped",
            "reason": f"no bundle at {bundle}: run `lsctl build` first",
        }
    packages: dict[str, dict[str, Any]] = {}
    for entry in sorted(bundle.iterdir()):
        size, files = _tree_bytes(entry)
        row = packages.setdefault(_package_name(entry), {"bytes": 0, "gzip_bytes": 0, "files": 0})
        row["bytes"] += size
        row["files"] += files
        if compress:
            row["gzip_bytes"] += _targz_bytes(entry)
    rows = [{"package": name, **row} for name, row in packages.items()]
    built_from = _built_from(bundle.parent / "bundle-report.json")
    rows.sort(key=lambda r: r["bytes"], reverse=True)
    total = sum(r["bytes"] for r in rows)
    return {
        "status": "ok",
        "bundle": _shown(bundle),
        "built_from_commit": built_from,
        "total_bytes": total,
        "total_gzip_bytes": sum(r["gzip_bytes"] for r in rows),
        "files": sum(r["files"] for r in rows),
        "limit_bytes": LIMIT_BYTES,
        "within_limit": total <= LIMIT_BYTES,
        "packages": rows,
    }
