"""Run a command with its output shown as it comes (sam, docker, a test suite) and kept."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True)
class Streamed:
    code: int
    lines: list[str]

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def last_line(self) -> str:
        return next((line.strip() for line in reversed(self.lines) if line.strip()), "")


def stream(command: list[str], *, cwd: Path | None = None, to: TextIO | None = None) -> Streamed:
    """Run `command` (stderr merged into stdout), copying each line to `to` (stdout by default)
    as it comes; OSError if it cannot start."""
    out = to or sys.stdout
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        out.write(line)
        out.flush()
        lines.append(line)
    return Streamed(process.wait(), lines)
