"""What a compile request does, independent of HTTP: prepare (check and lower), compile within the
time budget, encode; answered from the result cache when this build compiled the same request
before."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from aws_lambda_powertools import Logger

from compile_service import circuit_check, encoding, engines, legacy_text, lowering, resources
from compile_service.deadline import budget
from compile_service.engines import EngineOptions
from compile_service.errors import (
    CircuitTooLarge,
    CompileTimeout,
    ServiceError,
    UnsupportedCircuit,
)
from compile_service.settings import SERVICE, Limits

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
    """A request ready for the compiler: `source` is the lowered circuit (in the input of the
    engine `engine` names, with its options), `lowering` what the user is told was done,
    `assumptions` those of the physical estimate in /v2's `resources`, `counts` of what the
    compiler is given (t_count, measurements), derived from `source`. Every field is hashed into
    the result key and the job id (jobs/ids.py), so an option added here is part of the key: put
    here only what determines the result."""

    flavour: Flavour
    source: str
    litinski_transform: bool
    qubits: int
    gates: int
    lowering: dict[str, Any] = field(default_factory=dict)
    assumptions: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    engine: EngineOptions = field(default_factory=EngineOptions)


class Cache(Protocol):
    """Where compiled results are kept (cache.ResultCache, passed in by the caller)."""

    def get(self, prepared: Prepared) -> Outcome | None: ...

    def put(self, prepared: Prepared, outcome: Outcome) -> str: ...


# Makes the sink a compiled document is written into: JSON (an answer) or gzip (a job's result).
Writer = Callable[[], encoding.SliceSink]


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
    assumptions: resources.Assumptions | None = None,
    engine: EngineOptions | None = None,
) -> Prepared:
    """The one place a request becomes compiler input: validation and lowering happen here, so
    the synchronous routes, job submission and the result key all see the same thing. The limits
    (the engine's own on this route) apply to the lowered circuit. Bounded by
    `limits.compile_seconds` (rotation synthesis). `packed`: it will be compiled by
    compile_packed (a job), whose memory is the slices alone. `assumptions`: of the physical
    estimate; its error budget also bounds the approximations. `engine`: lsqecc by default."""
    assumptions = assumptions or resources.Assumptions()
    compiler = engines.get((engine or EngineOptions()).name)
    options = compiler.validate(engine or EngineOptions())
    route = limits
    limits = compiler.limits(route, packed)
    parsed = circuit_check.check(source, limits)
    try:
        with budget(limits.compile_seconds):
            lowered = lowering.lower(
                parsed.circuit, parsed.source, precision, limits.max_gates, assumptions.error_budget
            )
    except CompileTimeout as exc:
        raise CompileTimeout(f"{exc.message} {LOWERING_TIMEOUT}") from None
    if lowered.gates == 0:
        raise UnsupportedCircuit("the circuit has no gates or measurements to compile")
    try:
        predicted = _check_cost(compiler, options, lowered, litinski_transform, limits, packed)
    except CircuitTooLarge as exc:
        if flavour != "v2":  # the web client has no engine option
            raise
        other = _other_engine_taking(compiler, lowered, litinski_transform, route, packed)
        raise CircuitTooLarge(f"{exc.message}{other}") from None
    engine_source, dropped = compiler.front_end(lowered)
    report = lowered.report.as_dict()
    if dropped:
        report["dropped"] = dict(sorted({**report["dropped"], **dropped}.items()))
    if flavour == "web_client":
        clash = legacy_text.clashing_register(lowered.registers)
        if clash:
            raise UnsupportedCircuit(
                f"register name '{clash}' contains a word the web client uses to split the "
                f"compilation text ({', '.join(legacy_text.RESERVED_WORDS)}): rename the register"
            )
    return Prepared(
        flavour,
        engine_source,
        litinski_transform,
        lowered.qubits,
        lowered.gates,
        report,
        assumptions.as_dict(),
        {
            "t_count": predicted.magic_states,
            "measurements": sum(1 for op in lowered.operations if op[0] == "measure"),
        },
        options,
    )


def _check_cost(
    compiler: engines.Engine,
    options: EngineOptions,
    lowered: lowering.Lowered,
    litinski_transform: bool,
    limits: Limits,
    packed: bool,
) -> engines.Prediction:
    """The engine's prediction (its cost model: cost.py for lsqecc), or CircuitTooLarge for what
    it predicts to run over the limits, refused before compiling."""
    predicted = compiler.predict(lowered, litinski_transform, options, packed)
    if _within(predicted, limits):
        return predicted
    report = lowered.report
    done = f"; lowered to the compiler's gate set ({report.summary()})" if report.lowered else ""
    raise CircuitTooLarge(
        f"the circuit has {predicted.description} ({predicted.context}{done}); "
        f"this service compiles here what is predicted to take at most "
        f"{limits.max_predicted_seconds:g} s and {limits.max_predicted_megabytes} MB: "
        f"{report.advice()}"
    )


def _within(predicted: engines.Prediction, limits: Limits) -> bool:
    return (
        predicted.seconds <= limits.max_predicted_seconds
        and predicted.megabytes <= limits.max_predicted_megabytes
    )


def _other_engine_taking(
    refused: engines.Engine,
    lowered: lowering.Lowered,
    litinski_transform: bool,
    route: Limits,
    packed: bool,
) -> str:
    """A refusal's pointer to the first other engine of this build that would take `lowered` on
    this route (by its own limits and its own prediction, with its default options): '; or
    compile it with "engine": ...' with its prediction and what differs, else ''."""
    for engine in engines.ENGINES.values():
        if engine is refused or not engine.available():
            continue
        limits = engine.limits(route, packed)
        if lowered.qubits > limits.max_qubits or lowered.gates > limits.max_gates:
            continue
        options = engine.validate(EngineOptions(engine.name))
        predicted = engine.predict(lowered, litinski_transform, options, packed)
        if _within(predicted, limits):
            return (
                f'; or compile it with "engine": "{engine.name}", predicted to take '
                f"{predicted.seconds:g} s and {predicted.megabytes} MB: {engine.trade_off}"
            )
    return ""


# The web client has no precision setting: a circuit over the synchronous limit at the default
# precision is approximated at the finest of these that fits (the note in its text says so).
WEB_CLIENT_PRECISIONS = (lowering.DEFAULT_PRECISION, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1)
# In words, for someone on the web page: it cannot submit jobs, nor set a precision.
WEB_CLIENT_JOB_HINT = (
    "This service can still compile it as a job: a job compiles a circuit in the background, "
    "without the time limit of a web request, and keeps the result for you to download. This "
    "web page cannot submit jobs; the section 'Compile jobs' of the service's README shows how "
    "to submit one (POST /v2/jobs, with curl or `lsctl job`)."
)


def compile_for_web_client(
    source: str, litinski_transform: bool, limits: Limits, cache: Cache | None = None
) -> Outcome:
    """The legacy /compile result: compilation_text shaped for the web client's parser, with a
    note of what the lowering did. Rotations are approximated at the default precision, or at the
    finest of WEB_CLIENT_PRECISIONS that fits the limits."""
    return compile_prepared(
        _prepare_for_web_client(source, litinski_transform, limits), limits, cache
    )


def _prepare_for_web_client(source: str, litinski_transform: bool, limits: Limits) -> Prepared:
    for precision in WEB_CLIENT_PRECISIONS:
        try:
            return prepare(source, litinski_transform, limits, "web_client", precision)
        except CircuitTooLarge as exc:
            refusal = exc
            if lowering.COARSER_PRECISION_HELPS not in exc.message:
                break  # nothing was approximated, or not at a precision that can be coarser
    raise CircuitTooLarge(f"{_without_precision_advice(refusal.message)}. {WEB_CLIENT_JOB_HINT}")


def _without_precision_advice(message: str) -> str:
    """A refusal without its advice to send a coarser precision, which the client cannot."""
    head, _, _ = message.partition(": " + lowering.COARSER_PRECISION_HELPS)
    return head


def compile_circuit(
    source: str,
    litinski_transform: bool,
    limits: Limits,
    precision: float | None = lowering.DEFAULT_PRECISION,
    cache: Cache | None = None,
    assumptions: resources.Assumptions | None = None,
    engine: EngineOptions | None = None,
) -> Outcome:
    """The /v2 result: the engine's compilation_text exactly as it wrote it, compiler, stats,
    what the lowering did and the resources the compiled layout needs."""
    prepared = prepare(
        source,
        litinski_transform,
        limits,
        precision=precision,
        assumptions=assumptions,
        engine=engine,
    )
    return compile_prepared(prepared, limits, cache)


def compile_prepared(prepared: Prepared, limits: Limits, cache: Cache | None = None) -> Outcome:
    """The result of `prepared`, from `cache` when it holds it, else compiled (and stored)."""
    if cache is not None:
        hit = cache.get(prepared)
        if hit is not None:
            return dataclasses.replace(hit, lowering=prepared.lowering)
    try:
        document, slices, seconds = _compile(prepared, limits, encoding.JsonSink)
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
    document_gz, slices, seconds = _compile(prepared, limits, encoding.GzipSink)
    return Packed(document_gz, prepared.qubits, prepared.gates, slices, seconds)


def _compile(prepared: Prepared, limits: Limits, write: Writer) -> tuple[bytes, int, float]:
    """Compile and write the document within the time budget: (document, slices, seconds)."""
    shape_text: Callable[[str, encoding.SliceSink], str] | None = None
    if prepared.flavour == "web_client":
        transform = prepared.litinski_transform
        note = legacy_text.lowering_note(prepared.lowering, lowering.DEFAULT_PRECISION)

        def shape_text(text: str, sink: encoding.SliceSink) -> str:
            estimate = legacy_text.estimate_lines(_resources(prepared, sink))
            return legacy_text.for_web_client(text, transform, note, estimate)

    started = time.perf_counter()
    seconds = 0.0
    compiler = engines.get(prepared.engine.name)
    job = write is encoding.GzipSink

    def extra() -> dict[str, object]:
        """/v2's fields after the slices, timed to here (compile and encode)."""
        nonlocal seconds
        seconds = round(time.perf_counter() - started, 4)
        if prepared.flavour != "v2":
            return {}
        return _v2_extra(prepared, compiler, run, sink, seconds)

    try:
        with budget(limits.compile_seconds):
            sink = write()
            run = compiler.compile(
                prepared.source,
                prepared.litinski_transform,
                prepared.engine,
                sink,
                compiler.limits(limits, job),
                job,
            )
            compiled_at = time.perf_counter()
            text = shape_text(run.text, sink) if shape_text else run.text
            document = sink.finish(text, extra)
    except CompileTimeout as exc:
        if prepared.flavour == "web_client":  # it can set no precision, nor submit a job
            raise CompileTimeout(f"{exc.message}. {WEB_CLIENT_JOB_HINT}") from None
        raise CompileTimeout(exc.message + _timeout_note(prepared, limits, job)) from None
    logger.info(
        "compiled",
        extra={
            "qubits": prepared.qubits,
            "gates": prepared.gates,
            "lowered": prepared.lowering.get("lowered", False),
            "rotations_approximated": prepared.lowering.get("rotations_approximated", 0),
            "litinski_transform": prepared.litinski_transform,
            "engine": prepared.engine.name,
            "slices": run.slices,
            "compile_ms": round((compiled_at - started) * 1000, 1),
            "encode_ms": round((time.perf_counter() - compiled_at) * 1000, 1),
            "gzip_bytes" if job else "json_bytes": len(document),
        },
    )
    return document, run.slices, seconds


def _timeout_note(prepared: Prepared, limits: Limits, job: bool) -> str:
    """What was predicted, what the lowering added when it did, and the other engine when it
    would take the circuit."""
    compiler = engines.get(prepared.engine.name)
    lowered = _relowered(prepared, compiler.limits(limits, job))
    if lowered is None:
        return _coarser_precision_note(prepared)
    predicted = compiler.predict(lowered, prepared.litinski_transform, prepared.engine, job)
    return (
        f" (its compile was predicted to take {predicted.seconds:g} s: the machine was slower "
        "than predicted, or the prediction was off for this circuit)"
        + _coarser_precision_note(prepared)
        + _other_engine_taking(compiler, lowered, prepared.litinski_transform, limits, job)
    )


def _coarser_precision_note(prepared: Prepared) -> str:
    """What the lowering added, when it approximated rotations: a coarser precision makes the
    circuit smaller."""
    report = prepared.lowering
    if not report.get("rotations_approximated"):
        return ""
    return (
        f"; as lowered it has {prepared.gates} operations, "
        f"{report['rotations_approximated']} "
        f"rotations approximated at precision {report['precision']:g} "
        f"({report['t_gates_added']} T gates): a coarser precision (up to "
        f"{lowering.MAX_PRECISION:g}) makes it smaller"
    )


def _resources(prepared: Prepared, sink: encoding.SliceSink) -> dict[str, Any] | None:
    """The compiled layout's resources, read from its slices (none with output "stats")."""
    if prepared.engine.output == "stats":
        return None
    return resources.estimate_figures(
        sink.figures(),
        resources.CircuitCounts(**prepared.counts),
        resources.Assumptions(**prepared.assumptions),
        prepared.lowering.get("error_bound", 0.0),
    )


def _relowered(prepared: Prepared, limits: Limits) -> lowering.Lowered | None:
    """`prepared`'s lowered circuit, made again from its source (quick: it is in the engine's
    dialect), for the prediction it was admitted with. Not kept in Prepared, whose fields are
    all the result's key (jobs/ids.py): the prediction does not determine the result."""
    try:
        parsed = circuit_check.check(prepared.source, limits)
        return lowering.lower(parsed.circuit, parsed.source, None, limits.max_gates)
    except ServiceError:
        return None


def _v2_extra(
    prepared: Prepared,
    compiler: engines.Engine,
    run: engines.Run,
    sink: encoding.SliceSink,
    seconds: float,
) -> dict[str, object]:
    return {
        "compiler": compiler.document_fields(prepared.engine),
        "stats": {
            "qubits": prepared.qubits,
            "gates": prepared.gates,
            "slices": run.slices,
            "seconds": seconds,
            **run.stats,
        },
        "lowering": prepared.lowering,
        "resources": _resources(prepared, sink),
    }
