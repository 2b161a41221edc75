"""The configuration of this deployment, all of it read from the environment here, once (at
import of the API): limits, CORS, identity. A value the service cannot use is a ConfigError
naming the variable."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace

SERVICE = "lattice-surgery-compiler"

# Lambda's synchronous response payload limit, in bytes (API Gateway proxy, base64 included).
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024


class ConfigError(ValueError):
    """A variable of the environment holds a value this service cannot use."""


def _number[T: (int, float)](name: str, default: T, kind: type[T]) -> T:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name}={raw!r} is not {what} (default {default})") from None
    if not value > 0:
        raise ConfigError(f"{name}={raw!r} must be above 0 (default {default})")
    return value


def _int(name: str, default: int) -> int:
    return _number(name, default, int)


def _float(name: str, default: float) -> float:
    return _number(name, default, float)


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    max_qubits: int
    max_gates: int
    compile_seconds: float
    max_response_bytes: int
    # Refuse before compiling what the cost model (cost.py) predicts to take longer or more memory.
    max_predicted_seconds: float
    max_predicted_megabytes: int
    # What the front end (qasm_scan.py) refuses before qiskit parses anything, so that a small
    # body cannot ask for a lot of work (defaults and reasons: _input_limits below). The
    # operations a circuit expands to, gate definitions unrolled.
    max_expanded_operations: int
    max_gate_nesting: int
    max_gate_parameters: int
    max_expression_size: int
    max_classical_bits: int
    max_angle: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def load_limits() -> Limits:
    """Defaults fit a 1769 MB (one vCPU) function behind API Gateway's 29 s timeout: the stages'
    (template.yml: 28 s function timeout, 24 s compile budget)."""
    return Limits(
        max_body_bytes=_int("LSC_MAX_BODY_BYTES", 256 * 1024),
        max_qubits=_int("LSC_MAX_QUBITS", 32),
        # A bound on the lowering's work and the request; what a compile costs is predicted
        # (cost.py) and limited below.
        max_gates=_int("LSC_MAX_GATES", 2000),
        compile_seconds=_float("LSC_COMPILE_SECONDS", 24.0),
        # Headroom under the 6 MB limit for the proxy envelope and headers.
        max_response_bytes=_int("LSC_MAX_RESPONSE_BYTES", LAMBDA_RESPONSE_LIMIT - 64 * 1024),
        # A whole request (lowering, compile, encoding, gzip) took at most 1.64x the predicted
        # compile seconds over the corpus at three precisions (docs/lowering.md): 14 s predicted
        # ends within the 24 s budget (14 x 1.64 = 23). The 1769 MB function keeps 500 MB spare.
        max_predicted_seconds=_float("LSC_MAX_PREDICTED_SECONDS", 14.0),
        max_predicted_megabytes=_int("LSC_MAX_PREDICTED_MB", 1200),
        **_input_limits("LSC_", 20000),
    )


def load_job_limits() -> Limits:
    """Limits of POST /v2/jobs: the worker has 15 minutes and 10 GB, and results go to the
    result store, not a 6 MB response (docs/measurements.md, "Compile jobs": how these were
    measured)."""
    return Limits(
        max_body_bytes=_int("LSC_JOB_MAX_BODY_BYTES", 1024 * 1024),
        max_qubits=_int("LSC_JOB_MAX_QUBITS", 48),
        max_gates=_int("LSC_JOB_MAX_GATES", 20000),
        compile_seconds=_float("LSC_JOB_COMPILE_SECONDS", 840.0),
        # S3's limit for one PUT; the result is stored, never returned in a response.
        max_response_bytes=_int("LSC_JOB_MAX_RESULT_BYTES", 5 * 1024**3),
        # A job (compile, then JSON written into gzip) took up to 1.49x the predicted compile
        # seconds (docs/measurements.md, "Compile jobs"): 450 s predicted ends within the 840 s
        # budget with 25% to spare. Memory: the worker's (template parameter WorkerMemorySize)
        # less 10%.
        max_predicted_seconds=_float("LSC_JOB_MAX_PREDICTED_SECONDS", 450.0),
        max_predicted_megabytes=int(0.9 * _int("LSC_JOB_WORKER_MEMORY_MB", 3008)),
        **_input_limits("LSC_JOB_", 200000),
    )


def _input_limits(prefix: str, expanded: int) -> dict[str, int | float]:
    """The front end's limits (docs/hostile-input.md): far above what real circuits use, far
    below what costs a request time or memory. A job differs only in the operations it may
    expand to (ten times its max_gates, as for the synchronous routes)."""
    return {
        # Operations after unrolling gate definitions (a 1 KB body can define 2^40).
        "max_expanded_operations": _int(f"{prefix}MAX_EXPANDED_OPERATIONS", expanded),
        # Gates defined in terms of gates, this deep (qelib1.inc's deepest is 4; 3000 overflowed
        # Python's stack in the lowering).
        "max_gate_nesting": _int(f"{prefix}MAX_GATE_NESTING", 64),
        # Parameters of one gate definition (qelib1.inc's most is 3).
        "max_gate_parameters": _int(f"{prefix}MAX_GATE_PARAMETERS", 16),
        # Operators, function calls and parentheses in one parameter expression (qiskit
        # evaluates them recursively: 1000 overflowed Python's stack).
        "max_expression_size": _int(f"{prefix}MAX_EXPRESSION_SIZE", 64),
        # Bits of all classical registers: qiskit makes an object per bit (a million: 6.5 s of
        # CPU and 0.6 GB; ten million did not finish in a minute).
        "max_classical_bits": _int(f"{prefix}MAX_CLASSICAL_BITS", 1024),
        # The magnitude of a number in a parameter expression, an angle in radians (1e400 is
        # infinite as a float).
        "max_angle": _float(f"{prefix}MAX_ANGLE", 1e6),
    }


@dataclass(frozen=True)
class ProgramLimits:
    """What a compiler run as a separate program (liblsqecc's lsqecc_slicer) may use, besides
    the route's time budget: its address space and the bytes of JSON it writes."""

    memory_megabytes: int
    max_output_bytes: int


def liblsqecc_limits(route: Limits, job: bool) -> tuple[Limits, ProgramLimits]:
    """The limits of engine liblsqecc on a route whose lsqecc limits are `route`: its own, since
    it compiles far larger circuits in far less time and memory (docs/engines.md, "Measured").
    Synchronously: 256 qubits x 3 layers compiles (the issue's target) within the same 14 s
    predicted; as a job, a 100-qubit QFT lowered at precision 1e-3 (126k operations)."""
    prefix = "LSC_JOB_LIBLSQECC_" if job else "LSC_LIBLSQECC_"
    limits = replace(
        route,
        max_qubits=_int(prefix + "MAX_QUBITS", 4096 if job else 1024),
        max_gates=_int(prefix + "MAX_GATES", 1_000_000 if job else 100_000),
        max_predicted_seconds=_float(prefix + "MAX_PREDICTED_SECONDS", route.max_predicted_seconds),
    )
    program = ProgramLimits(
        # Its own peak is ~10 MB at 64 qubits; the rest of the function's memory is the JSON.
        memory_megabytes=_int(prefix + "MEMORY_MB", 1024),
        # Compact JSON: a synchronous answer holds it whole (then gzips it under 6 MB; slices
        # compress 50-150 times); a job streams it into gzip, holding only the compressed bytes.
        max_output_bytes=_int(prefix + "MAX_OUTPUT_BYTES", int((64 if job else 0.4) * 1024**3)),
    )
    return limits, program


@dataclass(frozen=True)
class Cors:
    """Who may call the API from a browser: the web client's origin, and any others."""

    origin: str
    extra_origins: tuple[str, ...]


def load_cors() -> Cors:
    extra = os.environ.get("LSC_CORS_EXTRA_ORIGINS", "")
    return Cors(
        origin=os.environ.get("LSC_CORS_ORIGIN", "").strip() or "https://latticesurgery.com",
        extra_origins=tuple(o.strip() for o in extra.split(",") if o.strip()),
    )


@dataclass(frozen=True)
class Identity:
    git_commit: str
    image: str
    function_version: str


def load_identity() -> Identity:
    return Identity(
        git_commit=os.environ.get("LSC_GIT_COMMIT", "unknown"),
        image=os.environ.get("LSC_IMAGE_URI", "local"),
        function_version=os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "local"),
    )
