"""Patches 0025 and 0026 (performance) change how lsqecc's segmented parser reaches its circuit
of Pauli rotations: 0025 parses without copying qelib1.inc's declarations (which the parser
drops), 0026 converts an empty segment (two measurements in a row) once per program and gives
every later one a new circuit like it. Proved here against the fixes-only build, each copy in a
process of its own: for every shared-corpus circuit, the benchmark's corpus circuits lowered as
the service lowers them, and programs made to have empty segments everywhere they can (at the
start, between and after measurements, around barriers, registers of 1 to 4 qubits) and to be
refused there, parse_str gives the same circuit (every block's class and values, in order) or
refuses the program with the same error, and prints the same.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lsctl.paths import REPO_ROOT
from lsctl.paths import SHARED_CORPUS as CORPUS
from tests.service import compiler_copies

pytestmark = pytest.mark.compiler

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def measurement_programs() -> list[str]:
    """Programs whose segments are empty in every place they can be."""
    programs = []
    for n in range(1, 5):
        regs = f"qreg q[{n}];\ncreg c[{n}];\n"
        measure_all = "".join(f"measure q[{i}] -> c[{i}];\n" for i in range(n))
        gates = "".join(f"h q[{i}];\n" for i in range(n)) + (
            f"cx q[0],q[{n - 1}];\n" if n > 1 else ""
        )
        programs += [
            HEADER + regs + measure_all,  # nothing but measurements: empty segments only
            HEADER + regs + gates + measure_all,  # the usual shape: gates, then every qubit
            HEADER + regs + measure_all + gates + measure_all + "t q[0];\n",
            HEADER + regs + f"measure q[{n - 1}] -> c[0];\n" + gates + measure_all,
            HEADER + regs + "barrier q;\n" + measure_all + "barrier q;\nbarrier q;\n" + gates,
            HEADER + regs + gates + "barrier q;\n" + measure_all + "s q[0];\n" + measure_all,
        ]
    named = "qreg data[3];\ncreg out[3];\n"
    programs.append(
        HEADER + named + "measure data[2] -> out[0];\nmeasure data[0] -> out[1];\nx data[1];\n"
    )
    return programs


# Refused: by the parser, by a segment's conversion (qiskit's own parser or pyzx), with empty
# segments before and after the one that fails.
INVALID = [
    HEADER + "qreg q[2];\ncreg c[2];\nmeasure q[0] -> c[0];\nmeasure q[1] -> c[1];\nfoo q[0];\n",
    HEADER + "qreg q[2];\ncreg c[2];\ngate g a { h a; }\nmeasure q[0] -> c[0];\n"
    "measure q[1] -> c[1];\ng q[0];\nmeasure q[0] -> c[0];\n",
    HEADER + "qreg q[1];\nqreg r[1];\ncreg c[1];\nmeasure q[0] -> c[0];\n",
    HEADER + "qreg q[2];\ncreg c[2];\nmeasure q -> c;\nh q[0];\n",  # a whole register
    HEADER + "qreg q[1];\ncreg c[1];\nmeasure q[0] -> c[0];\nif(c==1) x q[0];\n",
]
# Accepted, between empty segments: an angle pyzx turns into a phase, a statement the parser
# ignores with a printed notice.
OTHER = [
    HEADER + "qreg q[2];\ncreg c[2];\nmeasure q[0] -> c[0];\nmeasure q[1] -> c[1];\n"
    "rx(0.3) q[0];\nmeasure q[0] -> c[0];\n",
    HEADER + "qreg q[2];\ncreg c[2];\nreset q[0];\nmeasure q[0] -> c[0];\nmeasure q[1] -> c[1];\n",
]

# Runs in a fresh interpreter with one compiler copy first on sys.path: per program (a JSON
# string, or {"qasm", "precision"} to lower it as the service does first), what parse_str gave
# or raised and what it printed.
_WORKER = textwrap.dedent(
    r"""
    import contextlib, enum, io, json, sys
    sys.path[:0] = [sys.argv[1], sys.argv[2]]
    from lsqecc.pauli_rotations import segmented_qasm_parser as parser

    def value(obj):
        if isinstance(obj, enum.Enum):
            return [type(obj).__name__, obj.name]
        if hasattr(obj, "__dict__"):
            return [type(obj).__name__, {k: value(v) for k, v in vars(obj).items()}]
        if isinstance(obj, (list, tuple)):
            return [value(item) for item in obj]
        return [type(obj).__name__, repr(obj)]

    seen = []
    for source in json.load(sys.stdin):
        if isinstance(source, dict):
            from compile_service import circuit_check, lowering
            from compile_service.settings import load_limits
            parsed = circuit_check.check(source["qasm"], load_limits())
            lowered = lowering.lower(parsed.circuit, parsed.source, source["precision"], 10**7)
            source = lowered.source
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                entry = {"circuit": value(parser.parse_str(source))}
        except Exception as exc:
            entry = {"error": f"{type(exc).__name__}: {exc}"}
        entry["printed"] = printed.getvalue()
        seen.append(entry)
    print(json.dumps(seen))
    """
)


def run(src: Path, payload: object) -> object:
    return compiler_copies.observed(_WORKER, src, payload, REPO_ROOT / "function")


def test_parse_str_gives_the_fixes_only_circuits(copies):
    fixes_only, everything = copies
    corpus = sorted(CORPUS.glob("*.qasm")) if CORPUS.is_dir() else []
    programs: list[object] = measurement_programs() + INVALID + OTHER
    programs += [path.read_text() for path in corpus]
    # The benchmark's corpus circuits, lowered at the service's default precision.
    programs += [
        {"qasm": (CORPUS / f"{name}.qasm").read_text(), "precision": 0.03}
        for name in ("toffoli_n3", "simon_n6", "bb84_n8")
        if (CORPUS / f"{name}.qasm").is_file()
    ]
    expected = run(fixes_only, programs)
    got = run(everything, programs)
    assert isinstance(expected, list) and isinstance(got, list)
    for program, want, have in zip(programs, expected, got, strict=True):
        assert have == want, program
    made = expected[: len(measurement_programs())]
    assert all("circuit" in entry for entry in made), made
    refused = expected[len(made) : len(made) + len(INVALID)]
    assert all("error" in entry for entry in refused), refused
    other = expected[len(made) + len(INVALID) : len(made) + len(INVALID) + len(OTHER)]
    assert "circuit" in other[0] and other[1]["printed"].startswith("Ignoring"), other
