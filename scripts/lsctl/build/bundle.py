"""Assemble the Lambda task root (`lsctl build`): what the Dockerfile copies into /var/task.

    app.py, worker.py,
    compile_service/               the handlers (function/): the API's and the job worker's
    lsqecc/, compiler_info.json    the patched compiler (compiler_source.prepare), if present
    liblsqecc/lsqecc_slicer        liblsqecc's CLI, statically linked (liblsqecc_source.build),
                                   with liblsqecc_info.json and its licence, if present
    everything else                requirements/runtime.txt installed for Lambda's platform

Steps, each one measured in the report (build/bundle-report.json):
1. install the locked requirements for CPython 3.12 on manylinux_2_28 x86_64 (Lambda's python3.12
   image is Amazon Linux 2023, glibc 2.34) from wheels only, hash-checked, so any host produces the
   same files;
2. prune what is never imported at run time: test suites, benchmarks, type stubs, C headers and
   sources, static libraries, and botocore's service models except X-Ray's and the jobs' (S3,
   SQS, DynamoDB: the only clients the service creates, lazily; see aws_store);
3. `strip --strip-debug` (elf_strip) the shared libraries that carry debug sections (only
   those: stripping an auditwheel-patched library without them can corrupt it, as happened with
   scipy's OpenBLAS), and keep a stripped file only if it still loads;
4. precompile bytecode with the unchecked-hash invalidation mode (valid whatever the file times in
   the image), recorded as if compiled in /var/task; not for what step 5 prunes;
5. trace and prune what the service never loads: replay the request corpus (service_corpus)
   in the staged bundle (import_trace: a clean interpreter with only the bundle on sys.path
   and multiprocessing semaphores failing as on Lambda; nothing may be written into the bundle,
   since stale bytecode or a package writing next to itself would fail on Lambda's read-only
   /var/task), fail if it loaded anything subpackage_prune's reviewed list removes, remove
   those subpackages, and (with the compiler) the bytecode of modules the corpus never loaded;
6. replay the corpus again: every answer must be the same, and (bundle_check) /health must
   answer and, with the compiler, the README example compile through both routes.

Sizes by package (bundle_size) go to the report (report) and the printed table; the target platform
is in target.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lsctl.build import (
    bundle_check,
    bundle_size,
    elf_strip,
    import_trace,
    service_corpus,
    subpackage_prune,
)
from lsctl.build.report import Report, report_path, trace_path
from lsctl.build.target import LAMBDA_TASK_ROOT, PIP_PLATFORM, PYTHON_VERSION, UV_PLATFORM
from lsctl.compiler import compiler_source, liblsqecc_source
from lsctl.errors import CliError
from lsctl.git import git_or_none, head_commit
from lsctl.local.lambda_fakes import UNSAMPLED_TRACE, lambda_environment
from lsctl.paths import COMPILER_DIR, FUNCTION_DIR, REPO_ROOT, REQUIREMENTS_DIR, tree_bytes

RUNTIME_REQUIREMENTS = REQUIREMENTS_DIR / "runtime.txt"

# Directory names inside packages that nothing imports at run time.
PRUNE_DIR_NAMES = {"tests": "test suites", "benchmarks": "benchmarks"}
# File suffixes only compilers and type checkers read.
PRUNE_SUFFIXES = {
    ".pyi": "type stubs",
    ".pxd": "C/Cython sources and headers",
    ".pyx": "C/Cython sources and headers",
    ".pxi": "C/Cython sources and headers",
    ".h": "C/Cython sources and headers",
    ".hpp": "C/Cython sources and headers",
    ".c": "C/Cython sources and headers",
    ".cpp": "C/Cython sources and headers",
    ".a": "static libraries",
}
# botocore is needed (aws_xray_sdk imports it); the service's clients are X-Ray's and the jobs'
# (compile_service.jobs.aws_store: S3, SQS, DynamoDB), so only those models can ever be loaded.
BOTOCORE_MODELS_KEPT = {"xray", "s3", "sqs", "dynamodb"}


Log = Callable[[str], None]


def build(
    out: Path,
    *,
    require_compiler: bool = False,
    compiler_root: Path = COMPILER_DIR,
    log: Log = print,
) -> Report:
    """Build the bundle into `out` (replaced only once the new one is verified)."""
    if sys.version_info[:2] != (3, 12):
        raise CliError(f"build the bundle with Python {PYTHON_VERSION} (bytecode is per version)")
    try:
        source: compiler_source.CompilerSource | None = compiler_source.locate(compiler_root)
    except compiler_source.CompilerMissing as exc:
        if require_compiler:
            raise
        source, missing = None, str(exc)
    out = out.resolve()
    stage = out.with_name(f"{out.name}.tmp")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    report = Report(
        bundle=str(out),
        compiler={"status": "missing", "reason": missing} if source is None else {},
        git_commit=_git_commit(),
        inputs={"requirements_sha256": _sha256(RUNTIME_REQUIREMENTS.read_bytes())},
    )
    if source is None:
        report.warnings.append(
            f"the compiler is missing ({missing}): the bundle's compile routes will answer 503"
        )
    try:
        trace = _assemble(stage, source, report, log)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    shutil.rmtree(out, ignore_errors=True)
    stage.rename(out)
    bundle_size.measure(out, report)
    report_path(out).write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    trace_path(out).write_text(json.dumps(trace, indent=1) + "\n")
    return report


def _assemble(
    stage: Path, source: compiler_source.CompilerSource | None, report: Report, log: Log
) -> dict[str, Any]:
    with _timed(report, "install"):
        install_requirements(stage, log)
    with _timed(report, "copy"):
        copy_function(stage)
        if source is not None:
            report.compiler = add_compiler(stage, source)
        report.liblsqecc = add_liblsqecc(stage, report.warnings)
    with _timed(report, "prune"):
        report.pruned_bytes = prune(stage)
    with _timed(report, "strip"):
        report.stripped = elf_strip.strip_debug_symbols(stage, report.warnings)
    with _timed(report, "bytecode"):
        compile_bytecode(stage, skip=subpackage_prune.pruned_paths())
    corpus = service_corpus.corpus(source.root if source else None)
    runs = trace_runs(stage, corpus)
    with _timed(report, "trace"):
        baselines = import_trace.replay_all(stage, runs, write_bytecode=False)
        loaded = sorted({f for replay in baselines.values() for f in replay.files})
        subpackage_prune.check_unused(loaded)
    with _timed(report, "prune_unused"):
        prune_unused(stage, loaded, report, trace_complete=source is not None)
    normalise(stage, _source_date_epoch())
    with _timed(report, "replay"):
        replays = import_trace.replay_all(stage, runs)
        changed = [
            f"[{name}] {line}"
            for name, after in replays.items()
            for line in import_trace.differences(baselines[name], after)
        ]
    report.replay = {
        "environments": {name: len(requests) for name, (_, requests) in runs.items()},
        "requests": len(corpus),
        "changed": changed,
    }
    if changed:
        raise CliError(
            f"pruning changed {len(changed)} answer(s) of the request corpus: "
            + "; ".join(changed[:10])
            + ". A pruned subpackage is needed: remove it from "
            "scripts/lsctl/build/subpackage_prune.py"
        )
    report.verification = bundle_check.verify(
        replays[LAMBDA_RUN].answers, compile_expected=source is not None
    )
    return import_trace.trace_document(stage, baselines[LAMBDA_RUN], loaded)


LAMBDA_RUN = "lambda"


def trace_runs(
    stage: Path, corpus: list[dict[str, Any]]
) -> dict[str, tuple[dict[str, str], list[dict[str, Any]]]]:
    """Where the corpus runs: the whole of it as on Lambda (tracing on, request not sampled), and
    its framework requests (a few of each kind) where the libraries around the service take
    other paths: a sampled X-Ray trace, and outside Lambda (`lsctl serve`, the tests), where
    Powertools and the X-Ray SDK load other modules."""
    lambda_env = lambda_environment(
        "lattice-surgery-bundle-check",
        runtime=True,
        tracing=True,
        metrics=True,
        task_root=str(stage),
    )
    sampled = lambda_env | {"_X_AMZN_TRACE_ID": UNSAMPLED_TRACE.replace("Sampled=0", "Sampled=1")}
    framework = service_corpus.framework(corpus)
    return {
        LAMBDA_RUN: (import_trace.environment(lambda_env), corpus),
        "lambda, trace sampled": (import_trace.environment(sampled), framework),
        "outside lambda": (
            import_trace.environment({"POWERTOOLS_METRICS_DISABLED": "true"}),
            framework,
        ),
    }


@contextlib.contextmanager
def _timed(report: Report, step: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    report.seconds[step] = round(time.perf_counter() - started, 2)


# 1. install --------------------------------------------------------------------------------


def install_command(target: Path, offline: bool) -> list[str]:
    """uv (in the same venv as this CLI) when there is one, else pip: same platform, same hashes."""
    uv = Path(sys.executable).with_name("uv")
    if uv.exists():
        command = [str(uv), "pip", "install", "--quiet", "--target", str(target)]
        command += ["--python-platform", UV_PLATFORM, "--python-version", PYTHON_VERSION]
        # copy, not hard links into uv's cache: strip must never edit the cache's files.
        command += ["--only-binary", ":all:", "--link-mode", "copy", "--no-compile"]
        command += ["--offline"] if offline else []
    else:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target)]
        command += ["--platform", PIP_PLATFORM, "--python-version", PYTHON_VERSION]
        command += ["--implementation", "cp", "--only-binary=:all:", "--no-compile"]
        command += ["--disable-pip-version-check"]
    return [*command, "--require-hashes", "--no-deps", "-r", str(RUNTIME_REQUIREMENTS)]


def install_requirements(target: Path, log: Log) -> None:
    """Install from the local cache when it has every wheel (no network), else from the index."""
    cached = install_command(target, offline=True)
    if "--offline" not in cached or subprocess.run(cached, capture_output=True).returncode != 0:
        log("installing requirements/runtime.txt from the package index")
        online = subprocess.run(install_command(target, False), capture_output=True, text=True)
        if online.returncode != 0:
            raise CliError(f"installing requirements/runtime.txt failed: {online.stderr.strip()}")
    (target / ".lock").unlink(missing_ok=True)  # uv's lock file for --target


# 2. sources --------------------------------------------------------------------------------


def _ignore_caches(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or n.endswith(".pyc")}


ENTRY_POINTS = ("app.py", "worker.py", "pretraffic.py")  # API, job worker, CodeDeploy hook


def copy_function(stage: Path) -> None:
    for entry in ENTRY_POINTS:
        shutil.copy2(FUNCTION_DIR / entry, stage / entry)
    shutil.copytree(
        FUNCTION_DIR / "compile_service", stage / "compile_service", ignore=_ignore_caches
    )


def add_compiler(stage: Path, source: compiler_source.CompilerSource) -> dict[str, Any]:
    """The patched `lsqecc` and its compiler_info.json (compile_service.compiler.info reads it
    from the directory that holds the package)."""
    with tempfile.TemporaryDirectory(prefix="lsqecc-") as tmp:
        src = compiler_source.prepare(Path(tmp) / "compiler", source)
        shutil.copytree(src / "lsqecc", stage / "lsqecc", ignore=_ignore_caches)
        shutil.copy2(src / compiler_source.INFO_FILE, stage / compiler_source.INFO_FILE)
        shutil.copy2(src.parent / "LICENSE", stage / "lsqecc" / "LICENSE")
        info = json.loads((src / compiler_source.INFO_FILE).read_text())
    return {"status": "ok", **info}


def add_liblsqecc(stage: Path, warnings: list[str]) -> dict[str, Any]:
    """liblsqecc/lsqecc_slicer (built by `make compiler`, or here if its submodule is present,
    in a folder of its own: bin/ holds the wheels' scripts) with its
    liblsqecc_info.json and licence: a separate program the liblsqecc engine runs, so the image
    needs no RUN. A notice, not a failure, without the submodule."""
    try:
        built = liblsqecc_source.build()
    except liblsqecc_source.LiblsqeccMissing as exc:
        warnings.append(f"liblsqecc is missing ({exc}): engine 'liblsqecc' will answer 503")
        return {"status": "missing", "reason": str(exc)}
    target = stage / liblsqecc_source.BUNDLE_DIR
    target.mkdir()
    for name in (liblsqecc_source.BINARY, liblsqecc_source.INFO_FILE, "LICENSE.liblsqecc"):
        shutil.copy2(built / name, target / name)
    info = json.loads((target / liblsqecc_source.INFO_FILE).read_text())
    return {"status": "ok", **info}


# 3. prune ----------------------------------------------------------------------------------


def _size(path: Path) -> int:
    return tree_bytes(path)


def prune(stage: Path) -> dict[str, int]:
    """Delete what no import reads; returns bytes removed by reason."""
    removed: dict[str, int] = defaultdict(int)

    def drop(path: Path, reason: str) -> None:
        removed[reason] += _size(path)
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    for package in sorted(p for p in stage.iterdir() if p.is_dir()):
        if package.name.endswith(".dist-info"):
            continue  # licences and entry points (qiskit's plugins are found through them)
        for directory in sorted(package.rglob("*"), reverse=True):
            if directory.is_dir() and directory.name in PRUNE_DIR_NAMES:
                drop(directory, PRUNE_DIR_NAMES[directory.name])
    for path in sorted(stage.rglob("*")):
        reason = PRUNE_SUFFIXES.get(path.suffix)
        if reason and path.is_file() and ".dist-info" not in path.parent.name:
            drop(path, reason)
    models = stage / "botocore" / "data"
    if models.is_dir():
        for model in sorted(models.iterdir()):
            if model.is_dir() and model.name not in BOTOCORE_MODELS_KEPT:
                drop(model, "botocore service models the service has no client for")
    for directory in sorted(stage.rglob("*"), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
    return dict(sorted(removed.items()))


def prune_unused(stage: Path, loaded: list[str], report: Report, *, trace_complete: bool) -> None:
    """The reviewed subpackages (always), and the bytecode of modules the corpus never loaded
    (only when the trace saw the compile path: without the compiler it did not)."""
    report.pruned_subpackages = subpackage_prune.apply(stage, report.warnings)
    total = sum(report.pruned_subpackages.values())
    report.pruned_bytes["subpackages the service never loads"] = total
    if not trace_complete:
        report.warnings.append(
            "without the compiler the corpus cannot trace the compile path: kept the bytecode of "
            "every module (only the reviewed subpackage list was pruned)"
        )
        return
    dropped = import_trace.drop_unused_bytecode(stage, loaded)
    report.pruned_bytes["bytecode of modules the service never loads"] = dropped


# 5. bytecode and file metadata -------------------------------------------------------------


def compile_bytecode(stage: Path, skip: list[str] | None = None) -> None:
    """Unchecked-hash .pyc: never re-validated against the sources' times, so the image's file
    times cannot make it stale; file names inside are /var/task paths wherever this runs. `skip`:
    bundle-relative paths about to be pruned (compiling them would be wasted time)."""
    command = [sys.executable, "-I", "-W", "ignore", "-m", "compileall", "-q", "-q", "-j", "0"]
    if skip:
        names = "|".join(re.escape(path) for path in skip)
        command += ["-x", f"^{re.escape(str(stage))}/(?:{names})(?:/|$)"]
    command += ["--invalidation-mode", "unchecked-hash", "-d", LAMBDA_TASK_ROOT, str(stage)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise CliError(f"compiling bytecode failed: {(result.stdout + result.stderr).strip()}")


def _source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH if set, else the commit time of HEAD (so the tree does not depend on when
    it was built)."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    return int(git_or_none(REPO_ROOT, "log", "-1", "--format=%ct") or 0)


def normalise(stage: Path, epoch: int) -> None:
    """Readable by Lambda's unprivileged user; one fixed time on every file."""
    for path in [*sorted(stage.rglob("*"), reverse=True), stage]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & stat.S_IXUSR
        path.chmod(0o755 if executable else 0o644)
        os.utime(path, (epoch, epoch))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _git_commit() -> str:
    return head_commit() or "unknown"
