"""A job as the API shows it (the Job schema of openapi.py)."""

from __future__ import annotations

from compile_service import encoding
from compile_service.jobs import lifecycle
from compile_service.jobs.store import Backend, JobRecord


def job(record: JobRecord, backend: Backend, path: str) -> str:
    """The JSON of `record`; `path` is the job's own path as the client addresses the API. A
    succeeded job carries a fresh time-limited link to its result."""
    document: dict[str, object] = {
        "id": record.id,
        "status": record.status,
        "circuit": {
            "qubits": record.qubits,
            "gates": record.gates,
            "litinski_transform": record.litinski_transform,
        },
        "timings": {
            "created_at": record.created_at,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "attempts": record.attempts,
        },
        "stats": record.stats,
        "error": {"code": record.error.code, "message": record.error.message}
        if record.error
        else None,
        "expires_at": record.expires_at,
        "links": {"self": path, "result": f"{path}/result"},
        "result_url": lifecycle.result_link(record, backend)
        if record.status == "succeeded"
        else None,
    }
    return encoding.encode(document).decode()
