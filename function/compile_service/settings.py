"""Limits and identity of this deployment, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

SERVICE = "lattice-surgery-compiler"

# Lambda's synchronous response payload limit, in bytes (API Gateway proxy, base64 included).
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    max_qubits: int
    max_gates: int
    compile_seconds: float
    max_response_bytes: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def load_limits() -> Limits:
    """Defaults fit a 1769 MB (one vCPU) function behind API Gateway's 29 s timeout."""
    return Limits(
        max_body_bytes=_int("LSC_MAX_BODY_BYTES", 256 * 1024),
        max_qubits=_int("LSC_MAX_QUBITS", 24),
        max_gates=_int("LSC_MAX_GATES", 2000),
        compile_seconds=_float("LSC_COMPILE_SECONDS", 20.0),
        # Headroom under the 6 MB limit for the proxy envelope and headers.
        max_response_bytes=_int("LSC_MAX_RESPONSE_BYTES", LAMBDA_RESPONSE_LIMIT - 64 * 1024),
    )


def load_job_limits() -> Limits:
    """Limits of POST /v2/jobs: the worker has 15 minutes and 10 GB, and results go to the
    result store, not a 6 MB response (see README, "Jobs", for how these were measured)."""
    return Limits(
        max_body_bytes=_int("LSC_JOB_MAX_BODY_BYTES", 1024 * 1024),
        max_qubits=_int("LSC_JOB_MAX_QUBITS", 48),
        max_gates=_int("LSC_JOB_MAX_GATES", 20000),
        compile_seconds=_float("LSC_JOB_COMPILE_SECONDS", 840.0),
        # S3's limit for one PUT; the result is stored, never returned in a response.
        max_response_bytes=_int("LSC_JOB_MAX_RESULT_BYTES", 5 * 1024**3),
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
