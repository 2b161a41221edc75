"""The reviewed list of whole packages and subpackages the bundle leaves out, because a run of the
service over its whole request corpus (service_corpus) never loads a file from them.

Rules for this list (see docs/infrastructure.md, "What the bundle leaves out"):
- whole distributions or whole subpackages only, never single modules inside a package the
  service uses: a lazy import we did not see inside a used package is more likely than one into
  a subpackage nothing touches;
- each entry says why the service cannot need it and what it saved when measured (MB on disk,
  bytecode included, compiler 1d9d9f3, requirements/runtime.txt of 2026-11);
- every build re-checks it: the corpus runs in the staged bundle *before* pruning and the build
  fails if any file under an entry was loaded; after pruning the corpus runs again and every answer
  must be the same (import_trace).

To re-measure after a dependency changes: `lsctl build` writes build/bundle-trace.json beside the
bundle: the files the corpus loaded, and the subpackages it never touched, largest first.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lsctl.errors import CliError
from lsctl.paths import tree_bytes


@dataclass(frozen=True)
class Pruned:
    path: str  # relative to the bundle: a directory, or a top-level module file
    saves_mb: float  # measured
    why: str
    distribution: str | None = None  # a whole distribution: its .dist-info goes too


PRUNED: tuple[Pruned, ...] = (
    Pruned(
        "sympy",
        37.8,
        "qiskit-terra requires it, but parameter expressions use symengine (which is loaded) and "
        "the service never imports sympy",
        distribution="sympy",
    ),
    Pruned("isympy.py", 0.0, "sympy's console script", distribution=None),
    Pruned(
        "qiskit/providers/fake_provider",
        16.0,
        "snapshots of IBM devices for tests and tutorials; the service runs no backend",
    ),
    Pruned("qiskit/algorithms", 2.1, "deprecated algorithms; opflow and qasm2 do not import it"),
    Pruned("qiskit/qpy", 0.4, "binary circuit serialisation; the service never serialises one"),
    Pruned("qiskit/test", 0.2, "qiskit's own test helpers"),
    Pruned("scipy/stats", 10.0, "statistics; nothing on the compile path imports it"),
    Pruned("scipy/io", 5.2, "file formats (MATLAB, NetCDF, ...); the service reads no files"),
    Pruned("scipy/signal", 3.0, "signal processing; never imported"),
    Pruned("scipy/interpolate", 2.7, "interpolation; never imported"),
    Pruned("scipy/integrate", 2.7, "ODE solvers and quadrature; never imported"),
    Pruned("scipy/sparse/csgraph", 1.7, "sparse graph algorithms; never imported"),
    Pruned("scipy/ndimage", 1.2, "image processing; never imported"),
    Pruned("scipy/cluster", 0.9, "clustering; never imported"),
    Pruned("scipy/odr", 0.8, "orthogonal distance regression; never imported"),
    Pruned("scipy/_lib/cobyqa", 0.6, "backend of minimize(method='COBYQA'), never called"),
    Pruned("scipy/_lib/pyprima", 0.4, "backend of minimize(method='COBYLA'), never called"),
    Pruned("scipy/fftpack", 0.2, "legacy FFT interface (scipy.fft is the one loaded)"),
    Pruned("numpy/f2py", 1.0, "the Fortran wrapper generator: a build tool"),
    Pruned("numpy/array_api", 0.3, "experimental namespace, imported only by name"),
    Pruned(
        "aws_lambda_powertools/event_handler/openapi/swagger_ui",
        1.7,
        "Swagger UI assets, served only after enable_swagger(), which the service never calls",
    ),
    Pruned(
        "aws_lambda_powertools/utilities/parser",
        0.4,
        "event parsing with pydantic, which the bundle does not even install",
    ),
    Pruned(
        "aws_lambda_powertools/utilities/parameters",
        0.2,
        "SSM/Secrets Manager parameters through boto3, which the bundle does not install",
    ),
    Pruned("aws_xray_sdk/ext", 0.2, "library patchers; the Tracer runs with auto_patch=False"),
    Pruned("pyzx/js", 0.3, "JavaScript for drawing diagrams in notebooks"),
)


def pruned_paths() -> list[str]:
    return [entry.path for entry in PRUNED]


def needed(loaded_files: Iterable[str]) -> dict[str, list[str]]:
    """Entries of the list that the service loaded files from (path → some of those files)."""
    hits: dict[str, list[str]] = {}
    for name in sorted(loaded_files):
        for entry in PRUNED:
            if name == entry.path or name.startswith(entry.path.rstrip("/") + "/"):
                hits.setdefault(entry.path, []).append(name)
    return {path: files[:3] for path, files in hits.items()}


def check_unused(loaded_files: Iterable[str]) -> None:
    """CliError, naming what to change, if the service loaded anything the list prunes."""
    hits = needed(loaded_files)
    if hits:
        detail = "; ".join(f"{path} (e.g. {', '.join(files)})" for path, files in hits.items())
        raise CliError(
            "the service now loads files the bundle prunes: "
            f"{detail}. Remove these entries from PRUNED in "
            "scripts/lsctl/build/subpackage_prune.py "
            "(and the size section of docs/infrastructure.md), then rebuild"
        )


def _tree_bytes(path: Path) -> int:
    return tree_bytes(path)


def apply(stage: Path, warnings: list[str]) -> dict[str, int]:
    """Delete every entry from the bundle; bytes removed per entry. An entry that is not there
    (a dependency moved it) is a warning: the list needs re-measuring."""
    removed: dict[str, int] = {}
    for entry in PRUNED:
        target = stage / entry.path
        paths = [target] if target.exists() else []
        if entry.distribution:
            paths += sorted(stage.glob(f"{entry.distribution}-*.dist-info"))
        if not target.exists():
            warnings.append(f"prune list entry {entry.path} is not in the bundle: re-measure")
        removed[entry.path] = sum(_tree_bytes(p) for p in paths)
        for path in paths:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        if target.suffix == ".py":  # a top-level module's bytecode
            for cached in (stage / "__pycache__").glob(f"{target.stem}.*.pyc"):
                removed[entry.path] += cached.stat().st_size
                cached.unlink()
    return removed
