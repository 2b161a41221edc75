"""Submit a job and look it up. Submission prepares (validates and lowers) the request at once,
so bad input is a 4xx here and never a failed job; the job id is the prepared request's result
key, so the same request twice is the same job and a stored result is a finished job."""

from __future__ import annotations

import hashlib
import os
import time

import msgspec

from compile_service import resources, service
from compile_service.engines import EngineOptions
from compile_service.errors import JobNotFinished, JobNotFound, TooManyJobs
from compile_service.jobs import ids
from compile_service.jobs.store import ACTIVE, Backend, JobRecord
from compile_service.settings import Limits

DAY = 86400
LINK_SECONDS = 3600
# A queued job whose message must be lost by now: longer than the queue's retention (1 day).
STRANDED_SECONDS = 86400 + 3600
HOUR = 3600
# New jobs one client (source IP) may submit per hour: each may hold a worker for 15 minutes, and
# the workers are shared (docs/infrastructure.md, "The worst case a stage can cost"). template.yml
# sets it per stage; unset (lsctl serve, tests), there is no limit. Repeating a request that is
# already a job costs nothing and is not counted.
CLIENT_JOBS_PER_HOUR = (
    int(os.environ["LSC_JOB_CLIENT_HOURLY"]) if os.environ.get("LSC_JOB_CLIENT_HOURLY") else None
)


def submit(
    source: str,
    litinski_transform: bool,
    precision: float | None,
    limits: Limits,
    backend: Backend,
    assumptions: resources.Assumptions | None = None,
    engine: EngineOptions | None = None,
    client: str | None = None,
) -> JobRecord:
    """The job for this request: an existing one when it is queued, running, succeeded with its
    result still stored, or failed for a reason a retry cannot change; else a new one, queued
    (or succeeded at once when the result store already holds the result)."""
    prepared = service.prepare(
        source,
        litinski_transform,
        limits,
        precision=precision,
        packed=True,
        assumptions=assumptions,
        engine=engine,
    )
    job_id = ids.result_key(prepared)
    for _ in range(5):  # another submitter may write between our read and our write
        existing = backend.jobs.get(job_id)
        if existing is not None and _still_good(existing, backend):
            if _stranded(existing):  # its message was lost: send another (runs are idempotent)
                backend.queue.send(job_id)
            return existing
        meta = backend.results.meta(job_id)
        now = time.time()
        record = JobRecord(
            id=job_id,
            status="succeeded" if meta else "queued",
            qubits=prepared.qubits,
            gates=prepared.gates,
            litinski_transform=prepared.litinski_transform,
            created_at=now,
            finished_at=now if meta else None,
            stats=meta,
            expires_at=int(now + backend.result_days * DAY),
        )
        if (
            record.status == "queued"
            and existing is None
            and client is not None
            and CLIENT_JOBS_PER_HOUR is not None
        ):
            _count_new_job(client, backend)
        if record.status == "queued":
            backend.results.put_request(job_id, msgspec.json.encode(prepared))
        if backend.jobs.put(record, existing.version if existing else None):
            if record.status == "queued":
                backend.queue.send(job_id)
            return backend.jobs.get(job_id) or record
    raise RuntimeError(f"job {job_id}: could not write its record after 5 attempts")


def _count_new_job(client: str, backend: Backend) -> None:
    """TooManyJobs when `client` has queued its hourly share of new jobs already."""
    assert CLIENT_JOBS_PER_HOUR is not None
    hour = int(time.time()) // HOUR
    name = hashlib.sha256(client.encode()).hexdigest()[:32]  # no address is stored
    count = backend.jobs.count(f"client-{name}-{hour}", expires_at=(hour + 2) * HOUR)
    if count > CLIENT_JOBS_PER_HOUR:
        minutes = (HOUR - int(time.time()) % HOUR) // 60 + 1
        raise TooManyJobs(
            f"this client has submitted {CLIENT_JOBS_PER_HOUR} new jobs this hour; submit more in "
            f"{minutes} minutes (polling or resubmitting an existing job is not limited)"
        )


def _stranded(job: JobRecord) -> bool:
    """Queued for longer than any delivery can take: the submitter that queued it died between
    writing the record and sending its message (or the message expired unconsumed)."""
    return job.status == "queued" and time.time() - job.created_at > STRANDED_SECONDS


def _still_good(job: JobRecord, backend: Backend) -> bool:
    if job.status in ACTIVE:
        return True
    if job.status == "failed":
        return not (job.error and job.error.retryable)
    return backend.results.meta(job.id) is not None  # succeeded: unless the result expired


def find(job_id: str, backend: Backend) -> JobRecord:
    """The job, or JobNotFound: never submitted, expired, or succeeded with an expired result."""
    job = backend.jobs.get(job_id) if ids.is_valid(job_id) else None
    if job is None:
        raise JobNotFound(f"no job {job_id} (job ids are 40 hex digits; jobs expire after days)")
    if job.status == "succeeded" and backend.results.meta(job_id) is None:
        raise JobNotFound(f"the result of job {job_id} has expired; submit the request again")
    return job


def result_link(job: JobRecord, backend: Backend) -> str:
    """A time-limited link to the result of a job `find` returned, or JobNotFinished."""
    if job.status != "succeeded":
        raise JobNotFinished(f"job {job.id} is {job.status}; its result exists once it succeeded")
    return backend.results.link(job.id, LINK_SECONDS)
