"""The compiler copies the patch proofs compare, and how a proof runs code in one.

Every proof compares upstream plus the `Kind: fix` patches with upstream plus every patch, each
prepared by the build tooling (lsctl.compiler) as the build prepares it, and observes each copy
in a fresh interpreter of its own (the two never share an import). What a worker observed is
kept by observation_cache, so a run recompiles only what a change can affect."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lsctl.compiler import compiler_source
from tests.service import observation_cache


@pytest.fixture(scope="session")
def copies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(fixes only, every patch), prepared from the pinned compiler once per session (served to
    every test here by tests/service/conftest.py)."""
    source = compiler_source.locate()
    root = tmp_path_factory.mktemp("compilers")
    return (
        compiler_source.prepare(root / "fixes", source, kinds=("fix",)),
        compiler_source.prepare(root / "all", source),
    )


def observed(
    worker: str, src: Path, payload: object, *args: str | Path, timeout: float = 900
) -> object:
    """What `worker` printed for `payload` in the copy at `src` (see run); from
    observation_cache where the same worker saw the same payload with the same copy before."""
    return observation_cache.observed(
        [src.parent], worker, payload, lambda: run(worker, src, payload, *args, timeout=timeout)
    )


def run(worker: str, src: Path, payload: object, *args: str | Path, timeout: float = 900) -> object:
    """The last line `worker` (Python source) printed, as JSON, run in a fresh interpreter with
    argv [src, *args] and `payload` as JSON on its standard input."""
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", worker, str(src), *map(str, args)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
