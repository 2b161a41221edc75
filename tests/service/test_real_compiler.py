"""The real compiler (compiler/ submodule + patches/) through the handler. Skipped, with the reason,
where the submodule is empty; runs in GitHub Actions, which checks submodules out."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import (
    README_EXAMPLE,
    REPO,
    lambda_environment,
    parse_compilation_text,
    pinned_compiler_commit,
    read_compile_response,
)
from tests.conftest import SHARED_CORPUS as CORPUS
from tests.service.recorded import NAMES, circuit, load
from tests.service.test_legacy_contract import assert_slice_structure, body_bytes

pytestmark = pytest.mark.compiler

DEMOS = REPO / "compiler" / "assets" / "demo_circuits"
# Slice counts of upstream 1d9d9f3 + patches/ with the NOOP simulator: {name: (litinski, plain)}.
SLICES = {"bell_pair": (4, 29), "nontrivial_state": (63, 47), "readme_example": (82, 52)}


def demo(name: str) -> str:
    return README_EXAMPLE if name == "readme_example" else (DEMOS / f"{name}.qasm").read_text()


@pytest.mark.parametrize("litinski", [True, False])
@pytest.mark.parametrize("name", sorted(SLICES))
def test_demo_circuits_through_the_legacy_route(invoke, name, litinski):
    result = invoke(
        "POST",
        "/compile",
        {"circuit_source": "str", "circuit": demo(name), "apply_litinski_transform": litinski},
    )
    assert result["statusCode"] == 200, result["body"]
    document = read_compile_response(body_bytes(result))
    assert len(document["slices"]) == SLICES[name][0 if litinski else 1]
    assert_slice_structure(document["slices"])
    stages = [stage.name for stage in parse_compilation_text(document["compilation_text"])]
    assert ("Litinski Transform" in stages) is litinski


@pytest.mark.parametrize("litinski", [True, False])
@pytest.mark.parametrize("name", sorted(SLICES))
def test_demo_circuits_through_v2(invoke, name, litinski):
    result = invoke("POST", "/v2/compile", {"circuit": demo(name), "litinski_transform": litinski})
    assert result["statusCode"] == 200, result["body"]
    document = json.loads(result["body"])
    assert document["stats"]["slices"] == len(document["slices"]) == SLICES[name][not litinski]
    assert document["stats"]["qubits"] == 2
    assert document["compiler"] == {
        "commit": load("bell_pair", True)["compiler_commit"],
        "simulator": "NOOP",
    }
    assert ("Litinski" in document["compilation_text"]) is litinski


@pytest.mark.parametrize("litinski", [True, False])
@pytest.mark.parametrize("name", NAMES)
def test_recorded_outputs_are_current(name, litinski):
    """If this fails after moving the submodule, re-record: tests/data/README.md."""
    from compile_service.engines import lsqecc as compiler

    recorded = load(name, litinski)
    compiled = compiler.compile_qasm(circuit(name), litinski)
    from compile_service import encoding

    assert json.loads(encoding.encode(compiled.slices)) == recorded["slices"]
    assert compiled.text == recorded["compilation_text"]


def test_our_encoding_equals_upstreams_after_parsing():
    import io
    from contextlib import redirect_stdout

    from lsqecc.pipeline import json_pipeline
    from lsqecc.pipeline.lattice_surgery_compilation_pipeline import compile_str
    from lsqecc.simulation.logical_patch_state_simulation import SimulatorType

    from compile_service import encoding

    with redirect_stdout(io.StringIO()):
        slices, text = compile_str(README_EXAMPLE, True, simulation_type=SimulatorType.NOOP)
    ours = encoding.encode({"slices": slices, "compilation_text": text})
    upstream = json_pipeline._SliceArrayJSONEncoder().encode(
        {"slices": slices, "compilation_text": text}
    )
    assert json.loads(ours) == json.loads(upstream)
    assert len(ours) < len(upstream) / 2  # no indent=2


def test_compile_time_budget_answers_504(invoke, set_limits, monkeypatch):
    """The budget interrupts a compile that runs past it, by construction: the compile blocks
    until the deadline (the real compiler could finish 0.2 s on a fast machine)."""
    import time

    from compile_service.engines import lsqecc as compiler

    real_compile = compiler.compile_qasm
    monkeypatch.setattr(compiler, "compile_qasm", lambda source, transform: time.sleep(60))
    set_limits(compile_seconds=0.2)
    started = time.monotonic()
    result = invoke("POST", "/compile", {"circuit": README_EXAMPLE})
    assert result["statusCode"] == 504
    assert "0.2 s budget" in result["body"]
    assert time.monotonic() - started < 50  # interrupted, not waited out (60 s)
    # The worker is still usable afterwards.
    monkeypatch.setattr(compiler, "compile_qasm", real_compile)
    set_limits(compile_seconds=20)
    assert invoke("POST", "/compile", {"circuit": README_EXAMPLE})["statusCode"] == 200


def test_compiler_diagnostics_go_to_the_log_not_stdout(invoke, capfd, log_records):
    # opensurgery's resource estimate prints "PROBLEM!!! ... 3+ distillation levels" for this.
    source = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\nh q[0];\n'
    assert invoke("POST", "/v2/compile", {"circuit": source})["statusCode"] == 200
    assert "PROBLEM" not in capfd.readouterr().out
    printed = [r for r in log_records() if r["message"] == "compiler printed diagnostics"]
    assert printed and any("PROBLEM" in line for line in printed[0]["compiler_output"])


def test_imports_and_compiles_without_multiprocessing_semaphores():
    """Lambda has no /dev/shm, so multiprocessing semaphores fail there. The old deployment
    patched qiskit's BasicAer for that; with qiskit-terra 0.46 no pool is made at import, so
    no patch is needed: this proves it (see patches/README.md)."""
    script = textwrap.dedent(
        f"""
        import _multiprocessing, json, sys
        class NoSemLock:
            SEM_VALUE_MAX = 2**31 - 1
            def __init__(self, *a, **k):
                raise OSError(38, "Function not implemented (no /dev/shm)")
        _multiprocessing.SemLock = NoSemLock
        import multiprocessing.synchronize
        try:
            multiprocessing.Lock()
        except OSError:
            pass
        else:
            sys.exit("semaphores still work: the test would prove nothing")
        sys.path[:0] = {[str(REPO / "function"), str(REPO / "build" / "compiler" / "src")]!r}
        import app
        from compile_service.engines import lsqecc as compiler
        result = compiler.compile_qasm({README_EXAMPLE!r}, True)
        print(json.dumps({{"slices": len(result.slices)}}))
        """
    )
    env = {**lambda_environment("lattice-surgery-test"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"slices": 82}


def test_health_reports_the_pinned_compiler(invoke):
    result = invoke("GET", "/health")
    health = json.loads(result["body"])
    assert result["statusCode"] == 200 and health["status"] == "ok"
    assert health["compiler"]["compiler_commit"] == pinned_compiler_commit()
    assert health["compiler"]["patches"] == sorted(
        p.name for p in Path(REPO, "patches").glob("*.patch")
    )


WEB_CLIENT_BELL_PAIR = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\nx q[0];\n'
)


@pytest.mark.parametrize("litinski", [True, False])
def test_web_client_bell_pair_demo_compiles(invoke, litinski):
    """The web client's first demo: the transform turns its `x` into a -pi/2 rotation, which
    upstream refused (`Unsupported pauli rotation angle pi*-1/2`) until patch 0003."""
    result = invoke(
        "POST",
        "/compile",
        {"circuit": WEB_CLIENT_BELL_PAIR, "apply_litinski_transform": litinski},
        headers={"Accept-Encoding": "gzip"},
    )
    assert result["statusCode"] == 200, result["body"]
    document = read_compile_response(body_bytes(result))
    assert len(document["slices"]) > 1
    assert_slice_structure(document["slices"])


LOWERED = {
    "exact rewrites": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg a[2];\nqreg b[1];\ncreg c[3];\n'
    "gate g x,y { cy x,y; sx y; }\ny a[0];\nswap a[0],b[0];\nu3(pi/2,0,pi) a[1];\n"
    "ch a[0],a[1];\nid b[0];\nbarrier a,b;\ng a[1],b[0];\nmeasure a -> c[0:1];\n"
    "measure b[0] -> c[2];\n",
    "approximated": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\nry(0.3) q[1];\n'
    "cx q[0],q[1];\n",
}


@pytest.mark.parametrize("litinski", [True, False])
@pytest.mark.parametrize("name", sorted(LOWERED))
def test_lowered_circuits_compile(invoke, name, litinski):
    source = LOWERED[name].replace("measure a -> c[0:1];", "measure a[0] -> c[0];")
    body = {"circuit": source, "litinski_transform": litinski, "precision": 0.1}
    result = invoke("POST", "/v2/compile", body, headers={"Accept-Encoding": "gzip"})
    assert result["statusCode"] == 200, result["body"]
    document = json.loads(body_bytes(result))
    assert document["lowering"]["lowered"] is True
    assert document["lowering"]["rotations_approximated"] == (name == "approximated")


# What a corpus circuit may be refused for, besides its size: each names its construct.
CONSTRUCT_REFUSALS = ("'reset'", "'if'", "invalid OpenQASM")


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_every_corpus_circuit_compiles_or_is_refused_with_its_reason(invoke, set_limits):
    """Within a short budget (the full table is `python -m lsctl.bench.corpus_lowering`): never a
    500, and every refusal names its construct, the lowered size, or the time budget."""
    set_limits(compile_seconds=3)
    statuses = {}
    for path in sorted(CORPUS.glob("*.qasm")):
        result = invoke(
            "POST",
            "/v2/compile",
            {"circuit": path.read_text()},
            headers={"Accept-Encoding": "gzip"},
        )
        status = statuses[path.stem] = result["statusCode"]
        if status == 200:
            continue
        message = json.loads(body_bytes(result))["error"]["message"]
        if status == 504:
            assert "3 s budget" in message
        elif status == 413:
            assert "response limit" in message
        elif "predicted to take" in message or "lowered" in message:
            assert status == 422 and "operations" in message
        else:
            assert status in (400, 422) and any(r in message for r in CONSTRUCT_REFUSALS), message
    assert statuses["hs4_n4"] == statuses["adder_n4"] == 200


def test_a_timeout_of_a_lowered_circuit_says_what_the_lowering_added(invoke, monkeypatch):
    """The timeout happens by construction, not by racing the clock: the request is prepared
    (checked and lowered) with the handler's usual budget, and its compile gets a budget of 0,
    which expires before the compiler starts."""
    from compile_service import service

    def compile_with_no_time(prepared, limits, cache=None):
        no_time = dataclasses.replace(limits, compile_seconds=0)
        return real_compile_prepared(prepared, no_time, cache)

    real_compile_prepared = service.compile_prepared
    monkeypatch.setattr(service, "compile_prepared", compile_with_no_time)
    source = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\n' + "".join(
        f"ry(0.{i + 1}) q[{i % 3}];\ncx q[{i % 3}],q[{(i + 1) % 3}];\n" for i in range(6)
    )
    result = invoke("POST", "/v2/compile", {"circuit": source, "precision": 0.1})
    assert result["statusCode"] == 504
    message = json.loads(result["body"])["error"]["message"]
    assert "0 s budget" in message
    assert "6 rotations approximated at precision 0.1" in message and "coarser" in message
