"""What went into the bundle and what it weighs (build/bundle-report.json), and where the trace
of what the corpus loaded goes (build/bundle-trace.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsctl.build.target import PYTHON_VERSION, UV_PLATFORM


@dataclass
class Report:
    """What went into the bundle and what it weighs; written as JSON beside it."""

    bundle: str
    compiler: dict[str, Any]
    git_commit: str
    inputs: dict[str, str]
    platform: str = UV_PLATFORM
    python_version: str = PYTHON_VERSION
    pruned_bytes: dict[str, int] = field(default_factory=dict)
    pruned_subpackages: dict[str, int] = field(default_factory=dict)
    replay: dict[str, Any] = field(default_factory=dict)
    stripped: list[dict[str, Any]] = field(default_factory=list)
    packages: list[dict[str, Any]] = field(default_factory=list)
    total_bytes: int = 0
    bytecode_bytes: int = 0
    files: int = 0
    digest: str = ""
    verification: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # The second engine: bin/lsqecc_slicer's liblsqecc_info.json, or status "missing".
    liblsqecc: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["total_mb"] = round(self.total_bytes / 1e6, 1)
        return data


def report_path(out: Path) -> Path:
    """build/bundle → build/bundle-report.json."""
    return out.with_name(f"{out.name}-report.json")


def trace_path(out: Path) -> Path:
    """build/bundle → build/bundle-trace.json (what the corpus loaded: the pruning's evidence)."""
    return out.with_name(f"{out.name}-trace.json")
