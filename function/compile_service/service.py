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

from compile_service import circuit_check, encoding, engines, legacy_text, lowering
from compile_service.deadline import budget
from compile_service.engines import EngineOptions
from compile_service.errors import CircuitTooLarge, CompileTimeout, UnsupportedCircuit
from compile_service.settings import SERVICE, Limits

if TYPE_CHECKING:  # the cache is passed in by the caller; only its type is needed here
    from compile_service.cache import ResultCache

logger = Logger(service=SERVICE, child=True)

Flavour = Literal["v2", "web_client"]


@dataclass(frozen=True)
class Prepared:
    """A request ready for the compiler: `source` is the lowered circuit (in the input of the
    engine `engine` names). `flavour`, `source`, `litinski_transform`, `engine` (which compiler,
    with which options) and `lowering` (what the user is told was done) determine the result
    with the compiler build: they are what the result key and the job id hash."""

    flavour: Flavour
    source: str
    litinski_transform: bool
    qubits: int
    gates: int
    lowering: dict[str, Any] = field(default_factory=dict)
    engine: EngineOptions = field(default_factory=EngineOptions)


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
    engine: EngineOptions | None = None,
) -> Prepared:
    """The one place a request becomes compiler input: validation and lowering happen here, so
    the synchronous routes, job submission and the result key all see the same thing. The limits
    (the engine's own on this route) apply to the lowered circuit. Bounded by
    `limits.compile_seconds` (rotation synthesis). `packed`: it will be compiled by
    compile_packed (a job), whose memory is the slices alone. `engine`: lsqecc by default."""
    compiler = engines.get((engine or EngineOptions()).name)
    options = compiler.validate(engine or EngineOptions())
    limits = compiler.limits(limits, packed)
    parsed = circuit_check.check(source, limits)
    with budget(limits.compile_seconds):
        lowered = lowering.lower(parsed.circuit, parsed.source, precision, limits.max_gates)
    if lowered.gates == 0:
        raise UnsupportedCircuit("the circuit has no gates or measurements to compile")
    _check_cost(compiler, options, lowered, litinski_transform, limits, packed)
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
        options,
    )


def _check_cost(
    compiler: engines.Engine,
    options: EngineOptions,
    lowered: lowering.Lowered,
    litinski_transform: bool,
    limits: Limits,
    packed: bool,
) -> None:
    """Refuse, before compiling, what the engine predicts to run over the limits (its cost
    model: cost.py for lsqecc)."""
    predicted = compiler.predict(lowered, litinski_transform, options, packed)
    if (
        predicted.seconds <= limits.max_predicted_seconds
        and predicted.megabytes <= limits.max_predicted_megabytes
    ):
        return
    report = lowered.report
    done = f"; lowered to the compiler's gate set ({report.summary()})" if report.lowered else ""
    raise CircuitTooLarge(
        f"the circuit has {predicted.description} ({predicted.context}{done}); "
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
    engine: EngineOptions | None = None,
) -> Outcome:
    """The /v2 result: the engine's compilation_text exactly as it wrote it, compiler, stats and
    what the lowering did."""
    prepared = prepare(source, litinski_transform, limits, precision=precision, engine=engine)
    return compile_prepared(prepared, limits, cache)


def compile_prepared(
    prepared: Prepared, limits: Limits, cache: ResultCache | None = None
) -> Outcome:
    """The result of `prepared`, from `cache` when it holds it, else compiled (and stored)."""
    if cache is not None:
        hit = cache.get(prepared)
        if hit is not None:
            return dataclasses.replace(hit, lowering=prepared.lowering)
    document, slices, seconds = _compile(prepared, limits, encoding.JsonSink)
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
    shape_text: Callable[[str], str] | None = None
    if prepared.flavour == "web_client":
        transform = prepared.litinski_transform
        shape_text = lambda text: legacy_text.for_web_client(text, transform)  # noqa: E731
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
        return _v2_extra(prepared, compiler, run, seconds)

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
            text = shape_text(run.text) if shape_text else run.text
            document = sink.finish(text, extra)
    except CompileTimeout as exc:
        raise CompileTimeout(exc.message + _timeout_note(prepared)) from None
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


def _timeout_note(prepared: Prepared) -> str:
    """What the lowering added, when it did: a coarser precision makes the circuit smaller."""
    report = prepared.lowering
    if not report.get("rotations_approximated"):
        return ""
    return (
        f"; as lowered it has {prepared.gates} operations, {report['rotations_approximated']} "
        f"rotations approximated at precision {report['precision']:g} "
        f"({report['t_gates_added']} T gates): a coarser precision (up to "
        f"{lowering.MAX_PRECISION:g}) makes it smaller"
    )


def _v2_extra(
    prepared: Prepared, compiler: engines.Engine, run: engines.Run, seconds: float
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
    }
