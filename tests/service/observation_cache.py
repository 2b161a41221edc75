"""Content-addressed store for what the patch proof observed of a compiler copy.

An observation (tests/service/test_compiler_patches.py's worker run on a list of sources) is a
function of its inputs alone: the compiler copy's files, the service's and lsctl's sources the
worker imports, the installed distributions and their versions, the interpreter, the worker's
code and the request. The key is a digest of all of them, so a stored observation is reused only
where a new run would compute the same one: any change to a patch, the pin, the encoder, a
dependency or the corpus is a new key, and that run compiles again. The fixes-only reference at
layered n = 6..16 is most of the suite's CPU (about 250 s on 2 cores), and it changes only when
one of those inputs does.

LSC_PROOF_CACHE=off recomputes every observation (nothing is read or written).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.metadata
import json
import os
import sys
import sysconfig
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
STORE = REPO_ROOT / "build" / "proof-cache"
# prune() deletes what no run has read for this long.
KEEP_DAYS = 14
# The trees the worker imports from besides the compiler copy: the service and lsctl.
IMPORTED_TREES = (REPO_ROOT / "function", REPO_ROOT / "scripts" / "lsctl")


def enabled() -> bool:
    return os.environ.get("LSC_PROOF_CACHE", "on").lower() not in ("off", "0", "false", "no")


def _add_tree(hasher: Any, root: Path) -> None:
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.relative_to(root).parts
    )
    for path in files:
        name = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        hasher.update(b"%d:%s%d:" % (len(name), name, len(data)))
        hasher.update(data)


@functools.cache
def _environment() -> str:
    # The interpreter's own site-packages (what the worker imports), whatever else is on sys.path.
    site = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    found = importlib.metadata.distributions(path=site)
    dists = sorted({f"{d.metadata['Name']}=={d.version}" for d in found})
    return json.dumps({"python": sys.version, "distributions": dists})


def key(trees: Iterable[Path], code: str, request: Any) -> str:
    """The digest of everything an observation depends on."""
    hasher = hashlib.sha256()
    for root in (*trees, *IMPORTED_TREES):
        hasher.update(b"tree:%s\0" % root.name.encode())
        _add_tree(hasher, root)
    hasher.update(_environment().encode())
    hasher.update(code.encode())
    hasher.update(json.dumps(request, sort_keys=True).encode())
    return hasher.hexdigest()


def observed(trees: Iterable[Path], code: str, request: Any, compute: Callable[[], Any]) -> Any:
    """compute(), or what an earlier run with the same key stored (gzipped JSON; its time is
    renewed on use, so that prune() keeps what the runs still read)."""
    if not enabled():
        return compute()
    path = STORE / f"{key(trees, code, request)}.json.gz"
    if path.is_file():
        os.utime(path)
        return json.loads(gzip.decompress(path.read_bytes()))
    result = compute()
    STORE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(gzip.compress(json.dumps(result).encode(), compresslevel=1, mtime=0))
    partial.replace(path)
    return result


def prune(unused_days: float = KEEP_DAYS) -> list[Path]:
    """Delete the observations no run has read for `unused_days` (a change to a patch, the pin
    or the encoder leaves the old ones unread for good); returns what it deleted."""
    if not STORE.is_dir():
        return []
    cutoff = time.time() - unused_days * 86400
    stale = [p for p in STORE.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
