"""The lsqecc engine: the only module that imports lsqecc.

lsqecc is imported once, when this module loads (on Lambda: during init, which runs at full CPU).
If it is not installed (an empty compiler submodule at build time) the service still starts and
answers 503 on compile routes, saying how to fix it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from compile_service import cost
from compile_service.engines.base import Engine, EngineOptions, Prediction, Run
from compile_service.errors import CompileFailed, CompilerUnavailable, InvalidRequest, is_panic
from compile_service.settings import SERVICE

if TYPE_CHECKING:
    from compile_service.encoding import SliceSink
    from compile_service.lowering import Lowered
    from compile_service.settings import Limits

logger = Logger(service=SERVICE, child=True)

MISSING_HINT = (
    "the lattice-surgery compiler is not installed in this build: the compiler/ submodule was "
    "empty. Run `git submodule update --init --recursive && make compiler`, then restart"
)
INFO_FILE = "compiler_info.json"

try:  # pragma: no branch - which arm runs depends on the build
    with warnings.catch_warnings():  # lsqecc pins qiskit-terra, which asks to move to `qiskit`
        warnings.filterwarnings("ignore", "The `qiskit` package is not installed", FutureWarning)
        import lsqecc.simulation.logical_patch_state_simulation as _lssim
        from lsqecc.pipeline import lattice_surgery_compilation_pipeline as _pipeline

    _IMPORT_ERROR: str | None = None
except ImportError as exc:  # the submodule was empty when this build was made
    _pipeline = None
    _lssim = None
    _IMPORT_ERROR = str(exc)


def _legacy_parser_tables_in_memory() -> None:
    """lsqecc parses with qiskit's legacy OpenQASM parser, which makes a temporary directory on
    every parse, has ply write its parser tables (parsetab.py) there, and deletes it: a file
    written and a directory opened per request, for nothing (the tables are built anew each
    time). It is given a directory that does not exist and ply is told not to write, so that a
    compile opens no file but the bundled qelib1.inc (tests/hardening/test_no_file_is_opened.py)."""
    from ply import yacc
    from qiskit.qasm import qasmparser

    never_made = os.path.join(tempfile.gettempdir(), "lsqecc-tables-in-memory")
    qasmparser.tempfile = SimpleNamespace(mkdtemp=lambda prefix="": never_made)
    qasmparser.yacc = SimpleNamespace(yacc=functools.partial(yacc.yacc, write_tables=False))


# Upstream messages and what they mean to someone who wrote the circuit.
_KNOWN_MESSAGES = {
    "Standard library not included": "add 'include \"qelib1.inc\";' to the circuit",
    "Program must have exactly one quantum register": "use exactly one qreg",
    "Unsupported pauli rotation angle": "use rotation angles of ±pi/4, ±pi/2 or pi",
    "Could not allocate ancilla": "the layout has no free ancilla for an operation; "
    "try fewer simultaneous multi-qubit operations",
    "reduce() of empty iterable": "the circuit has no gates to compile",
    "Unknown gate name": "the gate is not supported by the compiler",
    "First directive must be": "start the circuit with 'OPENQASM 2.0;'",
}


@dataclass(frozen=True)
class Compiled:
    slices: list[Any]
    text: str


def available() -> bool:
    return _pipeline is not None


def info() -> dict[str, Any]:
    """What compiler this build carries: commits and patches, or status "missing"."""
    if not available():
        return {"status": "missing", "compiler_commit": "missing", "reason": MISSING_HINT}
    return dict(_recorded_info())


@functools.cache
def _recorded_info() -> dict[str, Any]:
    """compiler_info.json beside the lsqecc package, read once: it cannot change under us."""
    spec = importlib.util.find_spec("lsqecc")
    if spec is None or spec.origin is None:  # pragma: no cover - lsqecc imported above
        return {"status": "ok", "compiler_commit": "unknown"}
    info_path = Path(spec.origin).resolve().parents[1] / INFO_FILE
    try:
        recorded = json.loads(info_path.read_text())
    except (OSError, ValueError):
        recorded = {"compiler_commit": "unknown"}
    return {"status": "ok", **recorded}


if _pipeline is not None:  # at init, so that serving a request reads no file but qelib1.inc
    _legacy_parser_tables_in_memory()
    _recorded_info()


def compile_qasm(source: str, litinski_transform: bool) -> Compiled:
    """Run lsqecc with the NOOP simulator (docs/api.md) and map its failures to CompileFailed."""
    if _pipeline is None or _lssim is None:
        raise CompilerUnavailable(MISSING_HINT)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            slices, text = _pipeline.compile_str(
                source, litinski_transform, simulation_type=_lssim.SimulatorType.NOOP
            )
    except Exception as exc:
        raise CompileFailed(_explain(exc)) from exc
    except BaseException as exc:
        if not is_panic(exc):
            raise  # the time budget's expiry, KeyboardInterrupt, SystemExit
        raise CompileFailed(_explain(exc)) from None
    finally:
        _log_printed(printed.getvalue())
    return Compiled(slices=slices, text=text)


def _explain(exc: BaseException) -> str:
    message = " ".join(str(exc).split())[:300] or type(exc).__name__
    for needle, advice in _KNOWN_MESSAGES.items():
        if needle in message:
            return f"the compiler rejected the circuit: {message} ({advice})"
    return f"the compiler could not compile this circuit: {type(exc).__name__}: {message}"


def _log_printed(printed: str) -> None:
    """lsqecc and opensurgery print diagnostics ("PROBLEM!!! ..."); keep them as log lines."""
    lines = sorted({line.strip() for line in printed.splitlines() if line.strip()})
    if lines:
        logger.info("compiler printed diagnostics", extra={"compiler_output": lines[:20]})


class LsqeccEngine(Engine):
    """The Python lattice-surgery compiler (compiler/, patched): the Litinski transform, and the
    web client's /compile contract. In process: lsqecc is imported into the service."""

    name = "lsqecc"
    licence = "LGPL-2.1"
    trade_off = "the Python compiler's layout, with the Litinski transform when asked"

    def available(self) -> bool:
        return available()

    def info(self) -> dict[str, Any]:
        return info()

    def document_fields(self, options: EngineOptions) -> dict[str, Any]:
        return {"commit": info().get("compiler_commit", "missing"), "simulator": "NOOP"}

    def validate(self, options: EngineOptions) -> EngineOptions:
        sent = [
            f"{key}={value!r}"
            for key, value in (("layout", options.layout), ("schedule", options.schedule))
            if value is not None
        ]
        if options.output != "slices":
            sent.append(f"output={options.output!r}")
        if sent:
            raise InvalidRequest(
                f"{', '.join(sent)}: these options are only for engine 'liblsqecc'; the "
                "default engine 'lsqecc' has its own layout and schedule and writes slices: "
                'send "engine": "liblsqecc" to use them'
            )
        return options

    def predict(
        self, lowered: Lowered, litinski_transform: bool, options: EngineOptions, packed: bool
    ) -> Prediction:
        predicted = cost.predict(lowered.operations, lowered.qubits, litinski_transform, packed)
        transform = "with" if litinski_transform else "without"
        return Prediction(
            predicted.seconds,
            predicted.megabytes,
            predicted.describe(),
            f"{transform} the Litinski transform",
            predicted.magic_states,
        )

    def compile(
        self,
        source: str,
        litinski_transform: bool,
        options: EngineOptions,
        sink: SliceSink,
        limits: Limits,
        job: bool,
    ) -> Run:
        compiled = compile_qasm(source, litinski_transform)
        sink.add_slices(compiled.slices)
        return Run(len(compiled.slices), compiled.text)
