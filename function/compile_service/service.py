"""What a compile request does, independent of HTTP: check, compile within budget, encode."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from compile_service import circuit_check, compiler, encoding, legacy_text
from compile_service.deadline import budget
from compile_service.errors import UnsupportedCircuit
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


def compile_for_web_client(source: str, litinski_transform: bool, limits: Limits) -> Outcome:
    """The legacy /compile result: compilation_text shaped for the web client's parser."""
    checked = circuit_check.check(source, limits)
    clash = legacy_text.clashing_register(checked.registers)
    if clash:
        raise UnsupportedCircuit(
            f"register name '{clash}' contains a word the web client uses to split the "
            f"compilation text ({', '.join(legacy_text.RESERVED_WORDS)}): rename the register"
        )
    return _compile(
        checked,
        litinski_transform,
        limits,
        shape_text=lambda text: legacy_text.for_web_client(text, litinski_transform),
    )


def compile_circuit(source: str, litinski_transform: bool, limits: Limits) -> Outcome:
    """The /v2 result: lsqecc's compilation_text exactly as it wrote it."""
    return _compile(circuit_check.check(source, limits), litinski_transform, limits)


def _compile(
    checked: circuit_check.CheckedCircuit,
    litinski_transform: bool,
    limits: Limits,
    shape_text: Callable[[str], str] | None = None,
) -> Outcome:
    started = time.perf_counter()
    with budget(limits.compile_seconds):
        compiled = compiler.compile_qasm(checked.source, litinski_transform)
        compiled_at = time.perf_counter()
        text = shape_text(compiled.text) if shape_text else compiled.text
        document = encoding.encode({"slices": compiled.slices, "compilation_text": text})
    finished = time.perf_counter()
    logger.info(
        "compiled",
        extra={
            "qubits": checked.qubits,
            "gates": checked.gates,
            "litinski_transform": litinski_transform,
            "slices": len(compiled.slices),
            "compile_ms": round((compiled_at - started) * 1000, 1),
            "encode_ms": round((finished - compiled_at) * 1000, 1),
            "json_bytes": len(document),
        },
    )
    return Outcome(
        document=document,
        qubits=checked.qubits,
        gates=checked.gates,
        slices=len(compiled.slices),
        seconds=round(finished - started, 4),
    )
