"""Which storage/queue implementation this process uses, from the environment:

    LSC_JOBS_BACKEND=aws     LSC_RESULTS_BUCKET, LSC_JOBS_TABLE, LSC_JOBS_QUEUE_URL (template.yml)
    LSC_JOBS_BACKEND=local   LSC_LOCAL_DATA_DIR, LSC_LOCAL_RESULTS_URL (lsctl serve)
    unset                    no result store and no jobs (the cache is in memory only)

LSC_RESULT_CACHE=off switches the compile routes' result cache off.
LSC_RESULT_DAYS (default 7) is how long results and job records live; LSC_JOB_MAX_RECEIVES
(default 3) how often the local queue delivers a message before dead-lettering it (on AWS the
queue's redrive policy says it).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from compile_service.cache import ResultCache
from compile_service.errors import JobsUnavailable
from compile_service.jobs.store import Backend

# Built on first use: the result store behind it (and boto3, on AWS) is not needed at import.
_cache: ResultCache | None = None


@functools.cache
def from_environment() -> Backend | None:
    kind = os.environ.get("LSC_JOBS_BACKEND", "").strip().lower()
    days = int(os.environ.get("LSC_RESULT_DAYS", "7"))
    if kind == "aws":
        from compile_service.jobs import aws_store

        return aws_store.backend(
            bucket=os.environ["LSC_RESULTS_BUCKET"],
            table=os.environ["LSC_JOBS_TABLE"],
            queue_url=os.environ["LSC_JOBS_QUEUE_URL"],
            result_days=days,
        )
    if kind == "local":
        from compile_service.jobs import local_store

        return local_store.backend(
            root=Path(os.environ["LSC_LOCAL_DATA_DIR"]),
            base_url=os.environ.get("LSC_LOCAL_RESULTS_URL") or None,
            result_days=days,
            max_receives=int(os.environ.get("LSC_JOB_MAX_RECEIVES", "3")),
        )
    return None


def require() -> Backend:
    """This process's backend, or JobsUnavailable (503) where none is configured."""
    backend = from_environment()
    if backend is None:
        raise JobsUnavailable(
            "this deployment has no job queue or result store (set LSC_JOBS_BACKEND); "
            "use POST /v2/compile"
        )
    return backend


def result_cache() -> ResultCache | None:
    """The compile routes' result cache on this backend's result store (memory only without
    one), or None where LSC_RESULT_CACHE=off (benchmarks of the compile itself)."""
    global _cache
    if os.environ.get("LSC_RESULT_CACHE", "on").lower() == "off":
        return None
    if _cache is None:
        backend = from_environment()
        _cache = ResultCache(backend.results if backend else None)
    return _cache


def reset() -> None:
    """Forget the backend and the cache, as a new container would (tests, benchmarks)."""
    global _cache
    from_environment.cache_clear()
    _cache = None
