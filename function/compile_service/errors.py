"""Domain errors. Each carries the HTTP status it maps to; api.py turns them into responses in one
place (plain text on the legacy route, JSON on /v2)."""

from __future__ import annotations


class ServiceError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(ServiceError):
    """The body is not JSON, or a field is missing or of the wrong type."""

    status = 400
    code = "invalid_request"


class InvalidCircuit(ServiceError):
    """The circuit is not valid OpenQASM 2.0."""

    status = 400
    code = "invalid_circuit"


class UnsupportedCircuit(ServiceError):
    """Valid OpenQASM 2.0 that the compiler cannot handle (gate, angle, register layout...)."""

    status = 422
    code = "unsupported_circuit"


class CompileFailed(ServiceError):
    """The compiler rejected a circuit that passed validation."""

    status = 422
    code = "compile_failed"


class BodyTooLarge(ServiceError):
    status = 413
    code = "body_too_large"


class CircuitTooLarge(ServiceError):
    """More qubits or gates than this deployment accepts."""

    status = 422
    code = "circuit_too_large"


class ResponseTooLarge(ServiceError):
    """The compiled result does not fit in a Lambda response, even compressed."""

    status = 413
    code = "response_too_large"


class CompileTimeout(ServiceError):
    status = 504
    code = "compile_timeout"


class CompilerUnavailable(ServiceError):
    """This deployment has no compiler (empty submodule at build time)."""

    status = 503
    code = "compiler_unavailable"


class JobsUnavailable(ServiceError):
    """This deployment has no job queue and result store configured."""

    status = 503
    code = "jobs_unavailable"


class JobNotFound(ServiceError):
    """No such job (never submitted, or expired)."""

    status = 404
    code = "job_not_found"


class TooManyJobs(ServiceError):
    """This client submitted its hourly share of new jobs (each may hold a worker 15 minutes)."""

    status = 429
    code = "too_many_jobs"


class JobNotFinished(ServiceError):
    """The job's result was asked for before the job succeeded."""

    status = 409
    code = "job_not_finished"


def is_panic(exc: BaseException) -> bool:
    """A Rust panic (in qiskit's OpenQASM parser): pyo3's PanicException, which derives from
    BaseException, so `except Exception` misses it, and cannot be imported by name."""
    return type(exc).__name__ == "PanicException"
