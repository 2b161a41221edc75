"""Run the request corpus inside a staged bundle (corpus_probe, in `python -I -S` with only
the bundle on sys.path) and use what it saw: which files the service loads, whether every answer
stayed the same after pruning, and the bytecode of modules it never loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsctl.errors import CliError

PROBE = Path(__file__).with_name("corpus_probe.py")
UNTOUCHED_SHOWN_BYTES = 100_000  # the trace file lists untouched subpackages at least this big


@dataclass(frozen=True)
class Replay:
    answers: dict[str, dict[str, Any]]
    files: list[str]  # bundle-relative paths of every file the run loaded
    modules: list[str]
    milliseconds: dict[str, float]
    seconds: float


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def replay(
    stage: Path, corpus: list[dict[str, Any]], env: dict[str, str], *, write_bytecode: bool = True
) -> Replay:
    """Every request of `corpus` through the bundle's handler in a fresh interpreter. CliError if
    the run fails, loads a module from outside the bundle, or writes into the bundle (a module
    imported without its bytecode, which Lambda's read-only /var/task would refuse to cache).
    write_bytecode=False (`python -B`) for the run before pruning, where the subpackages about to
    be pruned have no bytecode: importing one is then reported by name, not as a write."""
    before = _snapshot(stage)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bundle-corpus-") as tmp:
        corpus_file, results_file = Path(tmp) / "corpus.json", Path(tmp) / "results.json"
        corpus_file.write_text(json.dumps(corpus))
        flags = ["-I", "-S", "-W", "ignore"] + ([] if write_bytecode else ["-B"])
        command = [sys.executable, *flags, str(PROBE), str(stage)]
        result = subprocess.run(
            [*command, str(corpus_file), str(results_file)],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0 or not results_file.exists():
            tail = "\n".join(result.stderr.strip().splitlines()[-15:])
            raise CliError(f"the request corpus does not run in the bundle:\n{tail}")
        data = json.loads(results_file.read_text())
    if data["outside"]:
        raise CliError(f"the corpus loaded modules from outside the bundle: {data['outside']}")
    written = sorted(set(_snapshot(stage).items()) - set(before.items()))
    if written:
        names = [name for name, _ in written[:5]]
        raise CliError(
            f"replaying the corpus wrote into the bundle (a module ran without bytecode): {names}"
        )
    return Replay(
        answers=data["answers"],
        files=data["files"],
        modules=data["modules"],
        milliseconds=data["milliseconds"],
        seconds=round(time.perf_counter() - started, 2),
    )


def replay_all(
    stage: Path,
    runs: dict[str, tuple[dict[str, str], list[dict[str, Any]]]],
    *,
    write_bytecode: bool = True,
) -> dict[str, Replay]:
    """`replay` for each (environment, corpus), two at a time (each one is single-threaded)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(replay, stage, c, env, write_bytecode=write_bytecode)
            for name, (env, c) in runs.items()
        }
        return {name: future.result() for name, future in futures.items()}


def differences(before: Replay, after: Replay) -> list[str]:
    """Requests whose answer changed (status, body, slices, message), one line each."""
    changed = []
    for name, answer in before.answers.items():
        other = after.answers.get(name)
        if other == answer:
            continue
        if other is None:
            changed.append(f"{name}: no answer after pruning")
            continue
        detail = f"status {answer['status']} -> {other['status']}"
        if other.get("message"):
            detail += f" ({other['message'][:200]})"
        elif answer.get("slices_sha256") != other.get("slices_sha256"):
            detail += " (different slices)"
        else:
            detail += " (different body)"
        changed.append(f"{name}: {detail}")
    return changed


def _source_of(pyc: str) -> str:
    """pkg/__pycache__/mod.cpython-312.pyc -> pkg/mod.py"""
    folder, _, name = f"/{pyc}".rpartition("/__pycache__/")
    module = name.split(".", 1)[0]
    return f"{folder.lstrip('/')}/{module}.py" if folder else f"{module}.py"


# Packages whose every module keeps its bytecode: what they load depends on timing, not on the
# request. Outside Lambda the X-Ray SDK's sampling poller thread creates a botocore client
# (botocore, urllib3) whenever it gets to run; the trace cannot promise to see it.
BYTECODE_KEPT = ("aws_xray_sdk", "botocore", "urllib3")


def drop_unused_bytecode(
    stage: Path, loaded_files: Iterable[str], keep: Iterable[str] = BYTECODE_KEPT
) -> int:
    """Delete the .pyc of every module the corpus never loaded (their sources stay, so an import
    we did not see still works, compiled in memory), except in the `keep` packages; returns
    bytes removed."""
    loaded = set(loaded_files)
    kept = tuple(f"{package}/" for package in keep)
    removed = 0
    for pyc in sorted(stage.rglob("__pycache__/*.pyc")):
        relative = pyc.relative_to(stage).as_posix()
        if relative in loaded or _source_of(relative) in loaded or relative.startswith(kept):
            continue
        removed += pyc.stat().st_size
        pyc.unlink()
    for cache in sorted(stage.rglob("__pycache__"), reverse=True):
        if cache.is_dir() and not any(cache.iterdir()):
            cache.rmdir()
    return removed


def untouched_subpackages(stage: Path, loaded_files: Iterable[str]) -> list[dict[str, Any]]:
    """The largest directories no loaded file is in, whose parent was loaded from: the
    candidates for subpackage_prune.PRUNED (review each before adding it)."""
    touched = set()
    for name in loaded_files:
        parts = name.split("/")
        touched.update("/".join(parts[:i]) for i in range(1, len(parts)))
    sizes: dict[str, int] = defaultdict(int)
    for path in stage.rglob("*"):
        if path.is_file():
            parts = path.relative_to(stage).parts
            for i in range(1, len(parts)):
                sizes["/".join(parts[:i])] += path.stat().st_size
    found = []
    for folder, size in sizes.items():
        parent = folder.rpartition("/")[0]
        if folder in touched or (parent and parent not in touched) or size < UNTOUCHED_SHOWN_BYTES:
            continue
        if folder.endswith(("__pycache__", ".dist-info")):
            continue
        found.append({"path": folder, "bytes": size, "mb": round(size / 1e6, 2)})
    return sorted(found, key=lambda item: (-item["bytes"], item["path"]))


def trace_document(stage: Path, baseline: Replay, loaded: list[str]) -> dict[str, Any]:
    """What build/bundle-trace.json holds: the evidence behind the pruning (`baseline`: the whole
    corpus's run; `loaded`: the files loaded in every environment it ran in)."""
    loaded_bytes = sum((stage / name).stat().st_size for name in loaded if (stage / name).is_file())
    return {
        "requests": len(baseline.answers),
        "answers": baseline.answers,
        "milliseconds": baseline.milliseconds,
        "seconds": baseline.seconds,
        "modules_loaded": baseline.modules,
        "files_loaded": loaded,
        "loaded_bytes_after_pruning": loaded_bytes,
        "untouched_subpackages_after_pruning": untouched_subpackages(stage, loaded),
    }


def environment(extra: dict[str, str]) -> dict[str, str]:
    """A bare environment (PATH only) plus `extra`: nothing of this machine's leaks in."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra}
