"""patches/: every patch says what kind it is, and performance patches change no output."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lsctl.bench.circuits import layered
from lsctl.compiler import compiler_source
from tests.service.recorded import NAMES, circuit

GATE_MIX = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\n'
    "ccx q[0],q[1],q[2];\nmeasure q[0] -> c[0];\nh q[1];\nrz(pi/4) q[2];\nrx(-pi/2) q[0];\n"
    "barrier q;\ncz q[0],q[2];\nsdg q[1];\ntdg q[2];\nu1(pi) q[0];\nmeasure q[2] -> c[2];\n"
)


def test_every_patch_declares_its_kind():
    kinds = {p.name: compiler_source.patch_kind(p) for p in compiler_source.patch_files()}
    assert kinds["0001-resource-estimate-takes-logical-computation.patch"] == "fix"
    assert set(kinds.values()) <= set(compiler_source.PATCH_KINDS)
    assert compiler_source.patch_files(kinds=("fix",)) == [
        p for p in compiler_source.patch_files() if kinds[p.name] == "fix"
    ]


def test_a_patch_without_a_kind_is_refused(tmp_path: Path):
    patch = tmp_path / "0009-x.patch"
    patch.write_text("Subject: something\n\ndiff --git a/x b/x\n")
    with pytest.raises(compiler_source.CliError, match="Kind"):
        compiler_source.patch_kind(patch)


def outputs(src: Path, corpus: list[str]) -> list[str]:
    """Compile every circuit both ways with the compiler copy at `src` (in a fresh process, so
    the two copies never share an import); the SHA-256 of each result's JSON."""
    script = textwrap.dedent(
        f"""
        import contextlib, hashlib, io, json, sys
        sys.path.insert(0, {str(src)!r})
        from lsqecc.pipeline import json_pipeline
        from lsqecc.pipeline.lattice_surgery_compilation_pipeline import compile_str
        from lsqecc.simulation.logical_patch_state_simulation import SimulatorType
        digests = []
        for source in json.load(sys.stdin):
            for litinski in (True, False):
                with contextlib.redirect_stdout(io.StringIO()):
                    slices, text = compile_str(source, litinski, SimulatorType.NOOP)
                document = json_pipeline._SliceArrayJSONEncoder().encode([slices, text])
                digests.append(hashlib.sha256(document.encode()).hexdigest())
        print(json.dumps(digests))
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        input=json.dumps(corpus),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.compiler
def test_performance_patches_change_no_output(tmp_path: Path):
    source = compiler_source.locate()
    corpus = [circuit(name) for name in NAMES] + [GATE_MIX] + [layered(n).qasm for n in (2, 4, 6)]
    fixes_only = compiler_source.prepare(tmp_path / "fixes", source, kinds=("fix",))
    everything = compiler_source.prepare(tmp_path / "all", source)
    assert outputs(everything, corpus) == outputs(fixes_only, corpus)
