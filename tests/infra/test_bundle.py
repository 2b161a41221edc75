"""The Lambda bundle (`lsctl build`), built here from the local uv cache (no network once the
machine's .venv is installed: the same wheels), then run on its own as Lambda would run it.

A build takes about 20 s on 2 cores (install 1-2 s from the cache, bytecode 5-6 s, the request
corpus replayed twice 5-6 s each); the run builds it once, shared by pytest-xdist's workers,
plus once more for determinism (on another worker meanwhile), once without the compiler (where
it is present), and once that must fail (a pruned subpackage is needed)."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lsctl.build import (
    bundle,
    bundle_check,
    bundle_size,
    elf_strip,
    import_trace,
    service_corpus,
    subpackage_prune,
)
from lsctl.build.subpackage_prune import Pruned
from lsctl.compiler import compiler_source
from lsctl.errors import CliError
from lsctl.samples import README_EXAMPLE
from tests.conftest import COMPILER_PRESENT

PYC_UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked

pytestmark = pytest.mark.slow


def quiet(message: str) -> None:
    pass


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bundle.Report]:
    """One bundle for the whole run, shared by pytest-xdist's workers: the first to ask builds it
    (under a file lock in the directory the workers share), the others read its report."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    out = shared / "shared-bundle" / "bundle"
    out.parent.mkdir(exist_ok=True)
    with (out.parent / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if bundle.report_path(out).is_file():
            data = json.loads(bundle.report_path(out).read_text())
            data.pop("total_mb")
            return out, bundle.Report(**data)
        return out, bundle.build(out, log=quiet)


def tree(path: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(path).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in path.rglob("*")
        if p.is_file()
    }


def answers(path: Path) -> dict[str, dict[str, Any]]:
    """What the build's final corpus replay got from the bundle alone, as Lambda runs it
    (`python -I -S` with only the bundle on sys.path, semaphores failing: corpus_probe)."""
    return json.loads(bundle.trace_path(path).read_text())["answers"]


def test_handler_answers_health_from_the_bundle_alone(
    built: tuple[Path, bundle.Report], tmp_path: Path
) -> None:
    path, report = built
    health = answers(path)["health"]
    if COMPILER_PRESENT:
        assert health["status"] == report.verification["health"] == 200
    else:
        assert health["status"] == report.verification["health"] == 503
        assert "submodule update --init --recursive" in report.compiler["reason"]
    # Lambda's /var/task is read-only: a run from the bundle must not need to write.
    before = tree(path)
    corpus = [r for r in service_corpus.corpus(None) if r["name"] == "health"]
    env, _ = bundle.trace_runs(path, corpus)[bundle.LAMBDA_RUN]
    import_trace.replay(path, corpus, env)  # fails on a module loaded from outside the bundle
    assert tree(path) == before


@pytest.mark.compiler
def test_bundle_compiles_the_readme_example(built: tuple[Path, bundle.Report]) -> None:
    path, report = built
    found = answers(path)
    for name in bundle_check.COMPILES:  # both routes; the legacy body parsed twice, as the client
        assert found[name]["status"] == report.verification[name] == 200, found[name]
        assert found[name]["slices"] > 0
    assert found["legacy readme gzip"]["gzip"] is True


def cached(source: Path) -> Path:
    return source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc"


def test_bytecode_for_every_module_loaded_and_never_revalidated(
    built: tuple[Path, bundle.Report],
) -> None:
    path, _ = built
    trace = json.loads(bundle.trace_path(path).read_text())
    loaded = [path / f for f in trace["files_loaded"] if f.endswith(".py")]
    assert len(loaded) > 1000
    for source in loaded:
        assert cached(source).exists(), source
    for pyc in path.rglob("*.pyc"):
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        assert flags == PYC_UNCHECKED_HASH, pyc
    without = [p for p in path.rglob("*.py") if not cached(p).exists()]
    # With the compiler the trace saw every path, so only modules it never loaded lack bytecode
    # (their sources stay); without it, nothing was trimmed.
    assert bool(without) is COMPILER_PRESENT
    assert not {p.relative_to(path).as_posix() for p in without} & set(trace["files_loaded"])


def test_what_no_import_reads_is_pruned(built: tuple[Path, bundle.Report]) -> None:
    path, report = built
    leftovers = [
        p
        for p in path.rglob("*")
        if (p.is_dir() and p.name in bundle.PRUNE_DIR_NAMES and p.parent != path)
        or (p.is_file() and p.suffix in bundle.PRUNE_SUFFIXES)
    ]
    assert leftovers == []
    models = sorted(p.name for p in (path / "botocore" / "data").iterdir() if p.is_dir())
    assert models == ["dynamodb", "s3", "sqs", "xray"]
    assert report.pruned_bytes["test suites"] > 10_000_000
    assert report.stripped, "no library was stripped of debug symbols"
    for entry in report.stripped:
        sections = elf_strip.elf_section_names(path / entry["file"])
        assert sections and not any(s.startswith(".debug_") for s in sections), entry["file"]
        assert entry["bytes_after"] < entry["bytes_before"]


def test_reviewed_subpackages_are_pruned_and_every_answer_is_unchanged(
    built: tuple[Path, bundle.Report],
) -> None:
    path, report = built
    for entry in subpackage_prune.PRUNED:
        assert not (path / entry.path).exists(), entry.path
    assert not list(path.glob("sympy-*.dist-info"))
    assert list(path.glob("mpmath-*.dist-info")), "pygridsynth (the lowering) imports mpmath"
    assert set(report.pruned_subpackages) == set(subpackage_prune.pruned_paths())
    assert report.pruned_bytes["subpackages the service never loads"] > 50_000_000
    assert report.replay["changed"] == []
    trace = json.loads(bundle.trace_path(path).read_text())
    assert trace["requests"] == report.replay["requests"] > 100
    statuses = {answer["status"] for answer in trace["answers"].values()}
    expected = {200, 204, 400, 404, 413, 422} | ({504} if COMPILER_PRESENT else {503})
    assert expected <= statuses
    if COMPILER_PRESENT:  # every compile answered, and the trace cuts the bytecode too
        assert report.total_bytes < 270_000_000
        assert report.pruned_bytes["bytecode of modules the service never loads"] > 1_000_000
        compiled = [a for n, a in trace["answers"].items() if "refused" not in n and "slices" in a]
        assert len(compiled) > 60 and all(a["status"] == 200 for a in compiled)


def test_a_pruned_subpackage_that_is_needed_changes_an_answer(
    built: tuple[Path, bundle.Report], tmp_path: Path
) -> None:
    """What the second replay catches: here the OpenAPI document, read only by one route."""
    path, _ = built
    copy = tmp_path / "bundle"
    subprocess.run(["cp", "-a", str(path), str(copy)], check=True)
    (copy / "compile_service" / "openapi.json").unlink()
    trace = json.loads(bundle.trace_path(path).read_text())
    corpus = [r for r in service_corpus.corpus(None) if "compile" not in r["path"]]
    answers = {r["name"]: trace["answers"][r["name"]] for r in corpus}
    baseline = import_trace.Replay(answers, [], [], {}, 0.0)
    env, _ = bundle.trace_runs(copy, corpus)[bundle.LAMBDA_RUN]
    after = import_trace.replay(copy, corpus, env)
    changed = import_trace.differences(baseline, after)
    assert changed and all(line.startswith("openapi:") for line in changed), changed
    assert "status 200 -> 500" in changed[0]


def test_build_fails_when_the_service_loads_a_pruned_subpackage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "previous").write_text("the last good bundle")
    needed = Pruned("qiskit/qasm2", 1.0, "wrongly thought unused")
    monkeypatch.setattr(subpackage_prune, "PRUNED", (*subpackage_prune.PRUNED, needed))
    empty = tmp_path / "empty-compiler"  # quicker, and validation alone loads qiskit.qasm2
    empty.mkdir()
    with pytest.raises(CliError, match=r"loads files the bundle prunes: qiskit/qasm2 \(e\.g\."):
        bundle.build(out, compiler_root=empty, log=quiet)
    assert (out / "previous").read_text() == "the last good bundle"
    assert not (tmp_path / "bundle.tmp").exists()


def test_report_gives_size_by_package(built: tuple[Path, bundle.Report]) -> None:
    path, report = built
    written = json.loads(bundle.report_path(path).read_text())
    assert written["digest"] == report.digest
    sizes = [p["bytes"] for p in written["packages"]]
    assert sizes == sorted(sizes, reverse=True)
    on_disk = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    assert written["total_bytes"] == sum(sizes) == on_disk
    names = {p["name"] for p in written["packages"]}
    assert {"scipy", "numpy", "symengine", "qiskit-terra", "function (this repo)"} <= names
    assert ("lsqecc (compiler)" in names) is COMPILER_PRESENT
    assert written["compiler"]["status"] == ("ok" if COMPILER_PRESENT else "missing")
    table = bundle_size.size_table(report)
    assert table.splitlines()[1].split()[0] == written["packages"][0]["name"]
    assert "total" in table.splitlines()[-1]


def test_same_inputs_give_the_same_bundle(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    again = bundle.build(tmp_path / "elsewhere", log=quiet)  # meanwhile another worker builds
    _, report = request.getfixturevalue("built")
    assert again.digest == report.digest


def test_without_the_compiler_it_builds_the_rest_and_says_so(
    built: tuple[Path, bundle.Report], tmp_path: Path
) -> None:
    if COMPILER_PRESENT:  # build one without it; where it is absent, the module's bundle is one
        empty = tmp_path / "empty-compiler"
        empty.mkdir()
        path = tmp_path / "bundle"
        report = bundle.build(path, compiler_root=empty, log=quiet)
    else:
        path, report = built
    assert report.compiler["status"] == "missing"
    assert "submodule update --init --recursive" in report.compiler["reason"]
    assert any("compiler is missing" in w for w in report.warnings)
    assert report.verification["health"] == 503
    # The trace cannot see the compile path: only the reviewed list is pruned, bytecode stays.
    assert any("kept the bytecode of every module" in w for w in report.warnings)
    assert "bytecode of modules the service never loads" not in report.pruned_bytes
    assert not (path / "sympy").exists() and not (path / "scipy" / "io").exists()
    assert report.replay["changed"] == []
    assert all(cached(p).exists() for p in path.rglob("*.py"))
    assert not (path / "lsqecc").exists()
    assert (path / "app.py").exists()


def test_require_compiler_fails_before_building(tmp_path: Path) -> None:
    empty = tmp_path / "empty-compiler"
    empty.mkdir()
    with pytest.raises(compiler_source.CompilerMissing, match="submodule update"):
        bundle.build(tmp_path / "bundle", require_compiler=True, compiler_root=empty, log=quiet)
    assert not (tmp_path / "bundle").exists()
    assert not (tmp_path / "bundle.tmp").exists()


@pytest.mark.compiler
def test_a_job_runs_from_the_bundle_alone_on_moto(
    built: tuple[Path, bundle.Report], tmp_path: Path
) -> None:
    """The worker's entry point, boto3 and the S3/SQS/DynamoDB models are in the bundle: a job
    goes API handler -> SQS -> worker handler -> S3 -> result link, importing nothing else."""
    from tests.conftest import moto_server
    from tests.service.jobs_harness import AwsHarness

    path, _ = built
    results = tmp_path / "jobs-probe.json"
    with moto_server() as url:
        harness = AwsHarness(url, "bundle")
        harness.create()
        env = {"PATH": "/usr/bin:/bin", "POWERTOOLS_METRICS_DISABLED": "true", **harness.env}
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
        subprocess.run(
            [
                sys.executable,
                "-I",
                "-S",
                "-B",  # writes no bytecode into the shared bundle (read-only on Lambda)
                "-W",
                "ignore",
                Path(__file__).with_name("bundle_jobs_probe.py"),
                path,
                README_EXAMPLE,
                results,
            ],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    found = json.loads(results.read_text())
    assert found["submit_status"] == 202 and found["status"] == "succeeded"
    assert found["slices"] > 0
    assert found["boto3"].startswith(str(path))
