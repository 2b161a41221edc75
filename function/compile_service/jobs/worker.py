"""Run a queued job, and fail one the queue gave up on. Shared by the Lambda worker
(function/worker.py) and the local worker pool (lsctl serve).

Delivery is at least once: a job already finished is skipped; a domain error (the compiler
rejected the circuit, the time budget ran out) fails the job and is not retried; anything else
propagates so the queue delivers the message again, and after the last delivery the dead-letter
handler marks the job failed with the reason."""

from __future__ import annotations

import time

import msgspec
from aws_lambda_powertools import Logger

from compile_service import service
from compile_service.cache import stored_result
from compile_service.errors import ServiceError
from compile_service.jobs.store import ACTIVE, Backend, JobError, JobRecord, ResultMeta
from compile_service.settings import SERVICE, Limits

logger = Logger(service=SERVICE, child=True)


def run(job_id: str, receives: int, backend: Backend, limits: Limits) -> JobRecord | None:
    """Compile job `job_id` (delivered for the `receives`-th time); its final record."""
    job = backend.jobs.get(job_id)
    if job is None or job.status not in ACTIVE:
        logger.info("job skipped", extra={"job_id": job_id, "status": job and job.status})
        return job
    running = msgspec.structs.replace(
        job, status="running", started_at=time.time(), attempts=receives
    )
    if not backend.jobs.put(running, job.version):
        logger.info("job taken by another delivery", extra={"job_id": job_id})
        return backend.jobs.get(job_id)
    request = backend.results.get_request(job_id)
    if request is None:
        return _finish(job_id, backend, error=JobError("request_lost", "the request expired"))
    stored = backend.results.meta(job_id)  # a delivery before us may have stored it
    if stored is None:
        prepared = msgspec.json.decode(request, type=service.Prepared)
        try:
            packed = service.compile_packed(prepared, limits)
        except ServiceError as exc:
            return _finish(job_id, backend, error=JobError(exc.code, exc.message))
        result = stored_result(packed)
        backend.results.put(job_id, result)  # a failure here is retried by the queue
        stored = result.meta
    return _finish(job_id, backend, stats=stored)


def dead_letter(job_id: str, backend: Backend, timeout_seconds: float) -> None:
    """The queue gave up on `job_id`: mark it failed, saying why, unless it finished."""
    job = backend.jobs.get(job_id)
    attempts = job.attempts if job else 0
    message = (
        f"the worker stopped without finishing this job ({attempts} attempt(s)): it ran out of "
        f"its {timeout_seconds:g} s or its memory, or failed unexpectedly; submitting the same "
        "request again retries it"
    )
    _finish(job_id, backend, error=JobError("worker_lost", message, retryable=True))


def _finish(
    job_id: str,
    backend: Backend,
    stats: ResultMeta | None = None,
    error: JobError | None = None,
) -> JobRecord | None:
    for _ in range(5):
        job = backend.jobs.get(job_id)
        if job is None or job.status not in ACTIVE:
            return job
        done = msgspec.structs.replace(
            job,
            status="failed" if error else "succeeded",
            finished_at=time.time(),
            stats=stats,
            error=error,
        )
        if backend.jobs.put(done, job.version):
            logger.info("job finished", extra={"job_id": job_id, "status": done.status})
            return backend.jobs.get(job_id)
    raise RuntimeError(f"job {job_id}: could not record its end after 5 attempts")
