"""What a compile request does, independent of HTTP: check, lower, compile within the time budget,
encode."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from compile_service import circuit_check, compiler, encoding, legacy_text, lowering
from compile_service.deadline import budget
from compile_service.errors import CompileTimeout, UnsupportedCircuit
from compile_service.settings import SERVICE, Limits

logger = Logger(service=SERVICE, child=True)


@dataclass(frozen=True)
class Outcome:
    """A compiled circuit, encoded: `document` is the JSON of {"slices", "compilation_text"}."""

    document: bytes
    qubits: int
    gates: int
    slices: int
    seconds: float
    lowering: lowering.LoweringReport


def compile_for_web_client(source: str, litinski_transform: bool, limits: Limits) -> Outcome:
    """The legacy /compile result: compilation_text shaped for the web client's parser. The client
    has no precision option: rotations are approximated at the default precision."""
    return _compile(
        circuit_check.check(source, limits),
        litinski_transform,
        limits,
        lowering.DEFAULT_PRECISION,
        vet=_refuse_clashing_registers,
        shape_text=lambda text: legacy_text.for_web_client(text, litinski_transform),
    )


def compile_circuit(
    source: str, litinski_transform: bool, limits: Limits, precision: float | None
) -> Outcome:
    """The /v2 result: lsqecc's compilation_text exactly as it wrote it."""
    return _compile(circuit_check.check(source, limits), litinski_transform, limits, precision)


def _refuse_clashing_registers(lowered: lowering.Lowered) -> None:
    clash = legacy_text.clashing_register(lowered.registers)
    if clash:
        raise UnsupportedCircuit(
            f"register name '{clash}' contains a word the web client uses to split the "
            f"compilation text ({', '.join(legacy_text.RESERVED_WORDS)}): rename the register"
        )


def _compile(
    parsed: circuit_check.ParsedCircuit,
    litinski_transform: bool,
    limits: Limits,
    precision: float | None,
    vet: Callable[[lowering.Lowered], None] | None = None,
    shape_text: Callable[[str], str] | None = None,
) -> Outcome:
    started = time.perf_counter()
    lowered: lowering.Lowered | None = None
    try:
        with budget(limits.compile_seconds):
            lowered = lowering.lower(parsed.circuit, parsed.source, precision, limits.max_gates)
            if lowered.gates == 0:
                raise UnsupportedCircuit("the circuit has no gates or measurements to compile")
            if vet:
                vet(lowered)
            lowered_at = time.perf_counter()
            compiled = compiler.compile_qasm(lowered.source, litinski_transform)
            compiled_at = time.perf_counter()
            text = shape_text(compiled.text) if shape_text else compiled.text
            document = encoding.encode({"slices": compiled.slices, "compilation_text": text})
    except CompileTimeout as exc:
        raise CompileTimeout(exc.message + _timeout_note(lowered)) from None
    finished = time.perf_counter()
    logger.info(
        "compiled",
        extra={
            "qubits": lowered.qubits,
            "gates": lowered.gates,
            "lowered": lowered.report.lowered,
            "rotations_approximated": lowered.report.rotations_approximated,
            "litinski_transform": litinski_transform,
            "slices": len(compiled.slices),
            "lower_ms": round((lowered_at - started) * 1000, 1),
            "compile_ms": round((compiled_at - lowered_at) * 1000, 1),
            "encode_ms": round((finished - compiled_at) * 1000, 1),
            "json_bytes": len(document),
        },
    )
    return Outcome(
        document=document,
        qubits=lowered.qubits,
        gates=lowered.gates,
        slices=len(compiled.slices),
        seconds=round(finished - started, 4),
        lowering=lowered.report,
    )


def _timeout_note(lowered: lowering.Lowered | None) -> str:
    """What the lowering added, when it did: a coarser precision makes the circuit smaller."""
    if lowered is None or not lowered.report.rotations_approximated:
        return ""
    report = lowered.report
    return (
        f"; as lowered it has {lowered.gates} operations, {report.rotations_approximated} "
        f"rotations approximated at precision {report.precision:g} ({report.t_gates_added} T "
        f"gates): a coarser precision (up to {lowering.MAX_PRECISION:g}) makes it smaller"
    )
