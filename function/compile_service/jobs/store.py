"""The storage/queue interface jobs and the result cache use, with two implementations:
aws_store (S3, DynamoDB, SQS) and local_store (a directory). Everything else is written once
against these protocols."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import msgspec

Status = Literal["queued", "running", "succeeded", "failed"]
ACTIVE: tuple[Status, ...] = ("queued", "running")


class ResultMeta(msgspec.Struct, frozen=True):
    """What a stored result says about itself, without reading the document."""

    qubits: int
    gates: int
    slices: int
    seconds: float


@dataclass(frozen=True)
class StoredResult:
    document_gz: bytes  # the route's JSON document, gzipped
    meta: ResultMeta


class JobError(msgspec.Struct, frozen=True):
    code: str
    message: str
    retryable: bool = False  # whether submitting the same request again may succeed


class JobRecord(msgspec.Struct, frozen=True):
    """A job's state. `version` increases with every write; writes are conditional on it."""

    id: str
    status: Status
    qubits: int
    gates: int
    litinski_transform: bool
    created_at: float
    expires_at: int  # epoch seconds: DynamoDB's TTL attribute, the local store's too
    version: int = 0
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    stats: ResultMeta | None = None
    error: JobError | None = None


class ResultStore(Protocol):
    def get(self, key: str) -> StoredResult | None: ...

    def meta(self, key: str) -> ResultMeta | None:
        """The result's metadata if it is stored (and not expired), without its document."""
        ...

    def put(self, key: str, result: StoredResult) -> None: ...

    def link(self, key: str, seconds: int) -> str:
        """A URL that downloads the gzipped document for `seconds` (presigned on S3)."""
        ...

    def put_request(self, key: str, body: bytes) -> None: ...

    def get_request(self, key: str) -> bytes | None: ...


class JobTable(Protocol):
    def get(self, job_id: str) -> JobRecord | None: ...

    def count(self, counter: str, expires_at: int) -> int:
        """Add one to `counter` (kept until `expires_at`), atomically; returns the new count."""
        ...

    def put(self, record: JobRecord, expected_version: int | None) -> bool:
        """Write `record` with version expected_version + 1 if the stored job's version is
        `expected_version` (None: if there is no such job). False when that condition fails."""
        ...


class JobQueue(Protocol):
    def send(self, job_id: str) -> None: ...


@dataclass(frozen=True)
class Backend:
    results: ResultStore
    jobs: JobTable
    queue: JobQueue
    result_days: int  # results and job records expire after this many days


def next_version(record: JobRecord, expected_version: int | None) -> JobRecord:
    return msgspec.structs.replace(record, version=(expected_version or 0) + 1)


def encode_record(record: JobRecord) -> bytes:
    return msgspec.json.encode(record)


def decode_record(data: bytes | str) -> JobRecord:
    return msgspec.json.decode(data, type=JobRecord)
