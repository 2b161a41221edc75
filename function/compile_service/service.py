"""What a compile request does, independent of HTTP: prepare (check and lower), compile within the
time budget, encode; answered from the result cache when this build compiled the same request
before."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools import Logger

from compile_service import circuit_check, compiler, cost, encoding, legacy_text, lowering
from compile_service.deadline import budget
from compile_service.errors import (
    CircuitTooLarge,
    CompileTimeout,
    ServiceError,
    UnsupportedCircuit,
)
from compile_service.settings import SERVICE, Limits

if TYPE_CHECKING:  # the cache is passed in by the caller; only its type is needed here
    from compile_service.cache import ResultCache

logger = Logger(service=SERVICE, child=True)

Flavour = Literal["v2", "web_client"]

# What a synchronous route's timeout adds: where the circuit can be compiled.
JOB_TAKES_IT = (
    "submit it as a job (POST /v2/jobs, the same body), which has minutes to compile it and "
    "stores the result"
)
LOWERING_TIMEOUT = (
    "while lowering the circuit to the compiler's gates (approximating its rotations): a coarser "
    "precision is faster"
)


@dataclass(frozen=True)
class Prepared:
    """A request ready for the compiler: `source` is the lowered circuit. `flavour`, `source`,
    `litinski_transform` and `lowering` (what the user is told was done) determine the result
    with the compiler build: they are what the result key and the job id hash."""

    flavour: Flavour
    source: str
    litinski_transform: bool
    qubits: int
    gates: int
    lowering: dict[str, Any] = field(default_factory=dict)


# Writes a compiled document: (slices, compilation text, the fields after them) -> bytes.
Writer = Callable[[list[Any], str, Callable[[], dict[str, Any]]], bytes]


@dataclass(frozen=True)
class Packed:
    """A compiled result as the result store keeps it: the document gzipped, and its stats."""

    document_gz: bytes
    qubits: int
    gates: int
    slices: int
    seconds: float


@dataclass(frozen=True)
class Outcome:
    """A compiled circuit, encoded: `document` is the JSON the route answers with before any
    route wrapping ({"slices", "compilation_text"}, plus "compiler", "stats" and "lowering" for
    /v2). `lowering` is the report of the request answered (also on a cache hit)."""

    document: bytes
    qubits: int
    gates: int
    slices: int
    seconds: float
    cached: bool = False
    lowering: dict[str, Any] = field(default_factory=dict)


def prepare(
    source: str,
    litinski_transform: bool,
    limits: Limits,
    flavour: Flavour = "v2",
    precision: float | None = lowering.DEFAULT_PRECISION,
    packed: bool = False,
) -> Prepared:
    """The one place a request becomes compiler input: validation and lowering happen here, so
    the synchronous routes, job submission and the result key all see the same thing. The limits
    apply to the lowered circuit. Bounded by `limits.compile_seconds` (rotation synthesis).
    `packed`: it will be compiled by compile_packed (a job), whose memory is the slices alone."""
    parsed = circuit_check.check(source, limits)
    try:
        with budget(limits.compile_seconds):
            lowered = lowering.lower(parsed.circuit, parsed.source, precision, limits.max_gates)
    except CompileTimeout as exc:
        raise CompileTimeout(f"{exc.message} {LOWERING_TIMEOUT}") from None
    if lowered.gates == 0:
        raise UnsupportedCircuit("the circuit has no gates or measurements to compile")
    _check_cost(lowered, litinski_transform, limits, packed)
    if flavour == "web_client":
        clash = legacy_text.clashing_register(lowered.registers)
        if clash:
            raise UnsupportedCircuit(
                f"register name '{clash}' contains a word the web client uses to split the "
                f"compilation text ({', '.join(legacy_text.RESERVED_WORDS)}): rename the register"
            )
    return Prepared(
        flavour,
        lowered.source,
        litinski_transform,
        lowered.qubits,
        lowered.gates,
        lowered.report.as_dict(),
    )


def _check_cost(
    lowered: lowering.Lowered, litinski_transform: bool, limits: Limits, packed: bool
) -> None:
    """Refuse, before compiling, what is predicted to run over the limits (cost.py)."""
    predicted = cost.predict(lowered.operations, lowered.qubits, litinski_transform, packed)
    if (
        predicted.seconds <= limits.max_predicted_seconds
        and predicted.megabytes <= limits.max_predicted_megabytes
    ):
        return
    report = lowered.report
    done = f"; lowered to the compiler's gate set ({report.summary()})" if report.lowered else ""
    transform = "with" if litinski_transform else "without"
    raise CircuitTooLarge(
        f"the circuit has {predicted.describe()} ({transform} the Litinski transform{done}); "
        f"this service compiles here what is predicted to take at most "
        f"{limits.max_predicted_seconds:g} s and {limits.max_predicted_megabytes} MB: "
        f"{report.advice()}"
    )


def compile_for_web_client(
    source: str, litinski_transform: bool, limits: Limits, cache: ResultCache | None = None
) -> Outcome:
    """The legacy /compile result: compilation_text shaped for the web client's parser. The client
    has no precision option: rotations are approximated at the default precision."""
    return compile_prepared(
        prepare(source, litinski_transform, limits, "web_client"), limits, cache
    )


def compile_circuit(
    source: str,
    litinski_transform: bool,
    limits: Limits,
    precision: float | None = lowering.DEFAULT_PRECISION,
    cache: ResultCache | None = None,
) -> Outcome:
    """The /v2 result: lsqecc's compilation_text exactly as it wrote it, compiler, stats and what
    the lowering did."""
    prepared = prepare(source, litinski_transform, limits, precision=precision)
    return compile_prepared(prepared, limits, cache)


def compile_prepared(
    prepared: Prepared, limits: Limits, cache: ResultCache | None = None
) -> Outcome:
    """The result of `prepared`, from `cache` when it holds it, else compiled (and stored)."""
    if cache is not None:
        hit = cache.get(prepared)
        if hit is not None:
            return dataclasses.replace(hit, lowering=prepared.lowering)
    try:
        document, slices, seconds = _compile(prepared, limits, encoding.json_document)
    except CompileTimeout as exc:
        raise CompileTimeout(f"{exc.message}; {JOB_TAKES_IT}") from None
    outcome = Outcome(
        document, prepared.qubits, prepared.gates, slices, seconds, lowering=prepared.lowering
    )
    if cache is not None:
        cache.put(prepared, outcome)
    return outcome


def compile_packed(prepared: Prepared, limits: Limits) -> Packed:
    """`prepared` compiled into what the result store keeps (a job's result): its JSON is written
    straight into gzip, a slice at a time, so it is never held whole uncompressed (it is about
    half the memory of a large compile otherwise; cost.py)."""
    document_gz, slices, seconds = _compile(prepared, limits, encoding.gzip_document)
    return Packed(document_gz, prepared.qubits, prepared.gates, slices, seconds)


def _compile(prepared: Prepared, limits: Limits, write: Writer) -> tuple[bytes, int, float]:
    """Compile and write the document within the time budget: (document, slices, seconds)."""
    shape_text: Callable[[str], str] | None = None
    if prepared.flavour == "web_client":
        transform = prepared.litinski_transform
        shape_text = lambda text: legacy_text.for_web_client(text, transform)  # noqa: E731
    started = time.perf_counter()
    seconds = 0.0

    def extra() -> dict[str, object]:
        """/v2's fields after the slices, timed to here (compile and encode)."""
        nonlocal seconds
        seconds = round(time.perf_counter() - started, 4)
        if prepared.flavour != "v2":
            return {}
        return _v2_extra(prepared, len(compiled.slices), seconds)

    try:
        with budget(limits.compile_seconds):
            compiled = compiler.compile_qasm(prepared.source, prepared.litinski_transform)
            compiled_at = time.perf_counter()
            text = shape_text(compiled.text) if shape_text else compiled.text
            document = write(compiled.slices, text, extra)
    except CompileTimeout as exc:
        raise CompileTimeout(exc.message + _timeout_note(prepared, limits)) from None
    logger.info(
        "compiled",
        extra={
            "qubits": prepared.qubits,
            "gates": prepared.gates,
            "lowered": prepared.lowering.get("lowered", False),
            "rotations_approximated": prepared.lowering.get("rotations_approximated", 0),
            "litinski_transform": prepared.litinski_transform,
            "slices": len(compiled.slices),
            "compile_ms": round((compiled_at - started) * 1000, 1),
            "encode_ms": round((time.perf_counter() - compiled_at) * 1000, 1),
            "json_bytes" if write is encoding.json_document else "gzip_bytes": len(document),
        },
    )
    return document, len(compiled.slices), seconds


def _timeout_note(prepared: Prepared, limits: Limits) -> str:
    """What was predicted, and what the lowering added, when it did: a coarser precision makes
    the circuit smaller."""
    seconds = _predicted_seconds(prepared, limits)
    predicted = ""
    if seconds is not None:
        predicted = (
            f" (its compile was predicted to take {seconds:g} s: the machine was slower than "
            "predicted, or the prediction was off for this circuit)"
        )
    report = prepared.lowering
    if not report.get("rotations_approximated"):
        return predicted
    return (
        f"{predicted}; as lowered it has {prepared.gates} operations, "
        f"{report['rotations_approximated']} "
        f"rotations approximated at precision {report['precision']:g} "
        f"({report['t_gates_added']} T gates): a coarser precision (up to "
        f"{lowering.MAX_PRECISION:g}) makes it smaller"
    )


def _predicted_seconds(prepared: Prepared, limits: Limits) -> float | None:
    """The prediction `prepared` was admitted with, made again from its lowered source (quick:
    it is in the compiler's dialect). Not kept in Prepared, whose fields are all the result's
    key (jobs/ids.py): the prediction does not determine the result."""
    try:
        parsed = circuit_check.check(prepared.source, limits)
        lowered = lowering.lower(parsed.circuit, parsed.source, None, limits.max_gates)
    except ServiceError:
        return None
    return cost.predict(lowered.operations, lowered.qubits, prepared.litinski_transform).seconds


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
        "lowering": prepared.lowering,
    }
