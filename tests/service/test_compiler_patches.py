"""patches/: every patch says what kind it is, and the performance patches change no output.

The proof compiles a corpus with two copies of the compiler, upstream plus the `Kind: fix` patches
only (0014 among them, so outputs the fixes change are the baseline) and upstream plus every
patch, each in a process of its own, and compares, per circuit and transform setting: the JSON
lsqecc's own json_pipeline writes from compile_str's result (or the exception, type and message,
where the compiler refuses the circuit), the JSON the service's encoder writes from it, and for
the small circuits the bodies both routes (`/compile`, `/v2/compile`) answer through the real
handler. The corpus: the recorded circuits, a gate mix, the benchmark's `layered` circuits
n = 2..16 (n >= 6 marked slow) and every circuit of ../shared/corpus/qasmbench-small/ (skipped
where that folder is absent). Upstream's own test suite must also have the same pass/fail set on
both copies.

Each observation is stored under a digest of everything it depends on (observation_cache: the
copy's files, the service's and lsctl's sources, the installed distributions, the interpreter,
the worker and the request), so a run recompiles only what a change could affect; the first run
after a change to a patch, the pin or the encoder compiles everything again (about 250 CPU-s at
layered n = 6..16 with the fixes only). LSC_PROOF_CACHE=off observes everything afresh.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lsctl.bench.circuits import layered
from lsctl.compiler import compiler_source
from lsctl.paths import COMPILER_DIR, REPO_ROOT
from lsctl.paths import SHARED_CORPUS as QASMBENCH
from tests.service import compiler_copies, observation_cache
from tests.service.recorded import NAMES, circuit

GATE_MIX = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\n'
    "ccx q[0],q[1],q[2];\nmeasure q[0] -> c[0];\nh q[1];\nrz(pi/4) q[2];\nrx(-pi/2) q[0];\n"
    "barrier q;\ncz q[0],q[2];\nsdg q[1];\ntdg q[2];\nu1(pi) q[0];\nmeasure q[2] -> c[2];\n"
)
FAST_LAYERED = range(2, 6)
SLOW_LAYERED = range(6, 17)
# SLOW_LAYERED in four groups of about equal cost (a compile grows about as n^2 with the fixes
# only), so that xdist's workers share them: two halves by size made one test half the suite's time.
LARGE_GROUPS = [[16, 9, 6], [15, 10, 7], [14, 11, 8], [13, 12]]


def test_every_patch_declares_its_kind():
    kinds = {p.name: compiler_source.patch_kind(p) for p in compiler_source.patch_files()}
    assert kinds["0001-resource-estimate-takes-logical-computation.patch"] == "fix"
    # The Litinski transform's sign fix is in the baseline: the performance patches (0016 rewrites
    # the transform) are proven identical to upstream with every fix, not to upstream's signs.
    assert kinds["0014-exact-litinski-transform-signs.patch"] == "fix"
    assert set(kinds.values()) <= set(compiler_source.PATCH_KINDS)
    assert compiler_source.patch_files(kinds=("fix",)) == [
        p for p in compiler_source.patch_files() if kinds[p.name] == "fix"
    ]


def test_a_patch_without_a_kind_is_refused(tmp_path: Path):
    patch = tmp_path / "0009-x.patch"
    patch.write_text("Subject: something\n\ndiff --git a/x b/x\n")
    with pytest.raises(compiler_source.CliError, match="Kind"):
        compiler_source.patch_kind(patch)


# Runs in a fresh interpreter with one compiler copy first on sys.path (the two copies never
# share an import). Reads {"sources": [...], "routes": bool} on stdin, prints one JSON list:
# per source and transform setting, what each observer saw.
_WORKER = textwrap.dedent(
    r"""
    import base64, contextlib, gzip, hashlib, io, json, os, re, sys
    src, function_dir, scripts_dir = sys.argv[1:4]
    sys.path[:0] = [src, function_dir, scripts_dir]
    os.environ.update({
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR", "LSC_COMPILE_SECONDS": "3600",
        "LSC_MAX_QUBITS": "1000", "LSC_MAX_GATES": "1000000",
    })
    from lsqecc.pipeline import json_pipeline
    from lsqecc.pipeline.lattice_surgery_compilation_pipeline import compile_str
    from lsqecc.simulation.logical_patch_state_simulation import SimulatorType

    def digest(data):
        return hashlib.sha256(data).hexdigest()

    def body_of(result):
        raw = result["body"].encode() if isinstance(result["body"], str) else result["body"]
        if result.get("isBase64Encoded"):
            raw = gzip.decompress(base64.b64decode(raw))
        return raw

    request = json.load(sys.stdin)
    if request["routes"]:
        import app
        from lsctl.local.proxy_event import to_event
        from types import SimpleNamespace
        context = SimpleNamespace(
            function_name="f", function_version="1",
            invoked_function_arn="arn:aws:lambda:x:1:function:f",
            memory_limit_in_mb=1769, aws_request_id="r", log_group_name="g", log_stream_name="s",
            get_remaining_time_in_millis=lambda: 3_600_000,
        )
        headers = {"content-type": "application/json", "accept-encoding": "gzip"}

        def route(path, body):
            event = to_event("POST", path, headers, json.dumps(body).encode())
            with contextlib.redirect_stdout(io.StringIO()):
                result = app.lambda_handler(event, context)
            data = body_of(result)
            if path == "/v2/compile":  # the one field that differs run to run
                data = re.sub(rb'"seconds":[0-9.e+-]+', b'"seconds":0', data)
            return [result["statusCode"], digest(data)]

    from compile_service import encoding
    seen = []
    for source in request["sources"]:
        for litinski in (True, False):
            entry = {}
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    slices, text = compile_str(source, litinski, SimulatorType.NOOP)
            except Exception as exc:
                entry["refused"] = f"{type(exc).__name__}: {exc}"
            else:
                document = {"slices": slices, "compilation_text": text}
                entry["service_json"] = digest(encoding.encode(document))
                upstream = json_pipeline._SliceArrayJSONEncoder().encode([slices, text])
                entry["upstream_json"] = digest(upstream.encode())
            if request["routes"]:
                legacy = {"circuit_source": "str", "circuit": source,
                          "apply_litinski_transform": litinski}
                entry["/compile"] = route("/compile", legacy)
                entry["/v2/compile"] = route(
                    "/v2/compile", {"circuit": source, "litinski_transform": litinski})
            seen.append(entry)
    print(json.dumps(seen))
    """
)


def outputs(src: Path, sources: list[str], routes: bool) -> list[dict[str, object]]:
    """What each observer saw of every source, both transform settings, with the compiler at
    `src` (see _WORKER); from observation_cache where the same inputs were observed before."""
    request = {"sources": sources, "routes": routes}
    args = (REPO_ROOT / "function", REPO_ROOT / "scripts")
    return compiler_copies.observed(_WORKER, src, request, *args, timeout=3600)  # type: ignore[return-value]


def assert_same_outputs(
    copies: tuple[Path, Path], sources: list[str], routes: bool
) -> list[dict[str, object]]:
    """Both copies saw the same of every source; returns what they saw."""
    fixes_only, everything = copies
    expected = outputs(fixes_only, sources, routes)
    got = outputs(everything, sources, routes)
    assert len(got) == len(expected) == 2 * len(sources)
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        where = f"source {index // 2} ({sources[index // 2][:60]!r}...), litinski={index % 2 == 0}"
        assert have == want, where
    return got


def small_sources() -> list[str]:
    return [circuit(name) for name in NAMES] + [GATE_MIX] + [layered(2).qasm]


@pytest.mark.compiler
def test_small_circuits_give_identical_output_through_both_routes(copies):
    seen = assert_same_outputs(copies, small_sources(), routes=True)
    # A comparison is worth something only where the compiler produced slices.
    assert all("refused" not in entry for entry in seen), seen
    assert all(entry["/compile"][0] == entry["/v2/compile"][0] == 200 for entry in seen), seen


@pytest.mark.compiler
def test_layered_circuits_give_identical_output(copies):
    seen = assert_same_outputs(copies, [layered(n).qasm for n in FAST_LAYERED], routes=False)
    assert all("refused" not in entry for entry in seen), seen


def test_the_large_groups_hold_every_size_once():
    assert sorted(n for group in LARGE_GROUPS for n in group) == list(SLOW_LAYERED)


@pytest.mark.compiler
@pytest.mark.slow
@pytest.mark.parametrize("qubits", LARGE_GROUPS, ids=str)
def test_large_layered_circuits_give_identical_output(copies, qubits):
    seen = assert_same_outputs(copies, [layered(n).qasm for n in qubits], routes=False)
    assert all("refused" not in entry for entry in seen), seen


@pytest.mark.compiler
@pytest.mark.skipif(not QASMBENCH.is_dir(), reason=f"{QASMBENCH} is absent (the shared corpus)")
def test_qasmbench_circuits_give_identical_output(copies):
    files = sorted(QASMBENCH.glob("*.qasm"))
    assert files, f"no .qasm files in {QASMBENCH}"
    seen = assert_same_outputs(copies, [f.read_text() for f in files], routes=False)
    # Those the compiler refuses are refused alike; the others were compared byte for byte.
    compiled = [entry for entry in seen if "refused" not in entry]
    assert len(compiled) >= len(seen) // 3, f"only {len(compiled)} of {len(seen)} compiled"


def upstream_test_outcomes(src: Path, report: Path) -> dict[str, str]:
    """nodeid -> passed/failed/error/skipped of upstream's tests (compiler/tests) run against
    the compiler copy at `src`, from the compiler checkout (its tests read assets/ relatively);
    from observation_cache where the same tests ran on the same copy before."""
    trees = [src.parent, COMPILER_DIR / "tests", COMPILER_DIR / "assets"]
    return observation_cache.observed(
        trees, "upstream tests", {}, lambda: run_upstream_tests(src, report)
    )


def run_upstream_tests(src: Path, report: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore",
            f"--junitxml={report}",
            "tests",
        ],
        cwd=COMPILER_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[name] = kinds[0] if kinds else "passed"
    return outcomes


@pytest.mark.compiler
def test_upstream_tests_have_the_same_outcomes_with_every_patch(copies, tmp_path: Path):
    fixes_only, everything = copies
    before = upstream_test_outcomes(fixes_only, tmp_path / "fixes.xml")
    after = upstream_test_outcomes(everything, tmp_path / "all.xml")
    assert sum(o == "passed" for o in before.values()) > 100, before
    changed = {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys()}
    assert {k: v for k, v in changed.items() if v[0] != v[1]} == {}


@pytest.mark.compiler
def test_slices_reach_msgspec_as_plain_data():
    """Patch 0007: the compiler's slices are lists, dicts, strings and None, encoded natively,
    with no per-cell hook (an encoder without enc_hook refuses any other object)."""
    import msgspec

    from compile_service.engines import lsqecc as compiler
    from tests.conftest import README_EXAMPLE

    compiled = compiler.compile_qasm(README_EXAMPLE, litinski_transform=True)
    encoded = msgspec.json.Encoder().encode(compiled.slices)
    cells = [cell for grid in compiled.slices for row in grid for cell in row if cell]
    assert cells and all(type(cell) is dict for cell in cells)
    assert list(cells[0]) == ["edges", "patch_type", "text", "activity"]
    assert msgspec.json.decode(encoded) == compiled.slices
