"""What a compile request does, independent of HTTP: prepare (check), compile within budget,
encode; answered from the result cache when this build compiled the same request before."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from aws_lambda_powertools import Logger

from compile_service import circuit_check, compiler, encoding, legacy_text
from compile_service.deadline import budget
from compile_service.errors import UnsupportedCircuit
from compile_service.settings import SERVICE, Limits

if TYPE_CHECKING:  # the cache is passed in by the caller; only its type is needed here
    from compile_service.cache import ResultCache

logger = Logger(service=SERVICE, child=True)

Flavour = Literal["v2", "web_client"]


@dataclass(frozen=True)
class Prepared:
    """A request ready for the compiler. `flavour`, `source` and `litinski_transform` determine
    the result (with the compiler build): they are what the result key and the job id hash."""

    flavour: Flavour
    source: str
    litinski_transform: bool
    qubits: int
    gates: int


@dataclass(frozen=True)
class Outcome:
    """A compiled circuit, encoded: `document` is the JSON the route answers with before any
    route wrapping ({"slices", "compilation_text"}, plus "compiler" and "stats" for /v2)."""

    document: bytes
    qubits: int
    gates: int
    slices: int
    seconds: float
    cached: bool = False


def prepare(
    source: str, litinski_transform: bool, limits: Limits, flavour: Flavour = "v2"
) -> Prepared:
    """The one place a request becomes compiler input: validation (and any lowering) happens
    here, so the synchronous routes, job submission and the result key all see the same thing."""
    checked = circuit_check.check(source, limits)
    if flavour == "web_client":
        clash = legacy_text.clashing_register(checked.registers)
        if clash:
            raise UnsupportedCircuit(
                f"register name '{clash}' contains a word the web client uses to split the "
                f"compilation text ({', '.join(legacy_text.RESERVED_WORDS)}): rename the register"
            )
    return Prepared(flavour, checked.source, litinski_transform, checked.qubits, checked.gates)


def compile_for_web_client(
    source: str, litinski_transform: bool, limits: Limits, cache: ResultCache | None = None
) -> Outcome:
    """The legacy /compile result: compilation_text shaped for the web client's parser."""
    return compile_prepared(
        prepare(source, litinski_transform, limits, "web_client"), limits, cache
    )


def compile_circuit(
    source: str, litinski_transform: bool, limits: Limits, cache: ResultCache | None = None
) -> Outcome:
    """The /v2 result: lsqecc's compilation_text exactly as it wrote it, compiler and stats."""
    return compile_prepared(prepare(source, litinski_transform, limits), limits, cache)


def compile_prepared(
    prepared: Prepared, limits: Limits, cache: ResultCache | None = None
) -> Outcome:
    """The result of `prepared`, from `cache` when it holds it, else compiled (and stored)."""
    if cache is not None:
        hit = cache.get(prepared)
        if hit is not None:
            return hit
    outcome = _compile(prepared, limits)
    if cache is not None:
        cache.put(prepared, outcome)
    return outcome


def _compile(prepared: Prepared, limits: Limits) -> Outcome:
    shape_text: Callable[[str], str] | None = None
    if prepared.flavour == "web_client":
        transform = prepared.litinski_transform
        shape_text = lambda text: legacy_text.for_web_client(text, transform)  # noqa: E731
    started = time.perf_counter()
    with budget(limits.compile_seconds):
        compiled = compiler.compile_qasm(prepared.source, prepared.litinski_transform)
        compiled_at = time.perf_counter()
        text = shape_text(compiled.text) if shape_text else compiled.text
        document = encoding.encode({"slices": compiled.slices, "compilation_text": text})
    finished = time.perf_counter()
    seconds = round(finished - started, 4)
    if prepared.flavour == "v2":
        document = encoding.extend_object(
            document, _v2_extra(prepared, len(compiled.slices), seconds)
        )
    logger.info(
        "compiled",
        extra={
            "qubits": prepared.qubits,
            "gates": prepared.gates,
            "litinski_transform": prepared.litinski_transform,
            "slices": len(compiled.slices),
            "compile_ms": round((compiled_at - started) * 1000, 1),
            "encode_ms": round((finished - compiled_at) * 1000, 1),
            "json_bytes": len(document),
        },
    )
    return Outcome(
        document=document,
        qubits=prepared.qubits,
        gates=prepared.gates,
        slices=len(compiled.slices),
        seconds=seconds,
    )


def _v2_extra(prepared: Prepared, slices: int, seconds: float) -> dict[str, object]:
    return {
        "compiler": {
            "commit": compiler.info().get("compiler_commit", "missing"),
            "simulator": "NOOP",
        },
        "stats": {
            "qubits": prepared.qubits,
            "gates": prepared.gates,
            "slices": slices,
            "seconds": seconds,
        },
    }
