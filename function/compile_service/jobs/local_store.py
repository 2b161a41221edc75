"""The storage/queue interface on a local directory, for `make serve` and tests without AWS.

    <root>/results/<key>.json.gz   the gzipped document    (S3 results/<key>.json.gz)
    <root>/results/<key>.meta.json its ResultMeta          (S3 object metadata)
    <root>/requests/<key>.json     a job's prepared request (S3 requests/<key>.json)
    <root>/jobs/<id>.json          job records             (DynamoDB items)
    <root>/queue/{ready,inflight,dead}/<id>   messages      (SQS queue and dead-letter queue)

Writes are atomic (a temporary file renamed into place); job writes are conditional on the
record's version under an exclusive lock, as DynamoDB's conditional writes. Results older than
`result_days` count as expired, as S3's lifecycle rule deletes them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec

from compile_service.jobs.store import (
    Backend,
    JobRecord,
    ResultMeta,
    StoredResult,
    decode_record,
    encode_record,
    next_version,
)

DAY = 86400


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


class LocalResults:
    def __init__(self, root: Path, base_url: str | None, result_days: float) -> None:
        self.root, self.base_url, self.max_age = root, base_url, result_days * DAY

    def document_path(self, key: str) -> Path:
        return self.root / "results" / f"{key}.json.gz"

    def _meta_path(self, key: str) -> Path:
        return self.root / "results" / f"{key}.meta.json"

    def _fresh(self, path: Path) -> bool:
        try:
            return time.time() - path.stat().st_mtime < self.max_age
        except FileNotFoundError:
            return False

    def meta(self, key: str) -> ResultMeta | None:
        if not self._fresh(self.document_path(key)):
            return None
        data = _read(self._meta_path(key))
        return None if data is None else msgspec.json.decode(data, type=ResultMeta)

    def get(self, key: str) -> StoredResult | None:
        meta = self.meta(key)
        document = _read(self.document_path(key)) if meta else None
        return None if meta is None or document is None else StoredResult(document, meta)

    def put(self, key: str, result: StoredResult) -> None:
        _write(self._meta_path(key), msgspec.json.encode(result.meta))
        _write(self.document_path(key), result.document_gz)

    def link(self, key: str, seconds: int) -> str:
        # The local server serves <root>/results under base_url, as S3 serves a presigned URL.
        if self.base_url:
            return f"{self.base_url.rstrip('/')}/{key}.json.gz"
        return self.document_path(key).resolve().as_uri()

    def put_request(self, key: str, body: bytes) -> None:
        _write(self.root / "requests" / f"{key}.json", body)

    def get_request(self, key: str) -> bytes | None:
        return _read(self.root / "requests" / f"{key}.json")


class LocalJobs:
    def __init__(self, root: Path) -> None:
        self.dir = root / "jobs"
        self.dir.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.dir / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def get(self, job_id: str) -> JobRecord | None:
        data = _read(self.dir / f"{job_id}.json")
        record = None if data is None else decode_record(data)
        if record is not None and record.expires_at < time.time():  # DynamoDB's TTL
            return None
        return record

    def count(self, counter: str, expires_at: int) -> int:
        path = self.dir / f"{counter}.count"
        with self._locked():
            data = _read(path)
            current = (
                int(data.split(b" ")[0]) if data and int(data.split(b" ")[1]) > time.time() else 0
            )
            _write(path, f"{current + 1} {expires_at}".encode())
            return current + 1

    def put(self, record: JobRecord, expected_version: int | None) -> bool:
        with self._locked():
            current = self.get(record.id)
            if (current.version if current else None) != expected_version:
                return False
            _write(
                self.dir / f"{record.id}.json",
                encode_record(next_version(record, expected_version)),
            )
            return True


@dataclass(frozen=True)
class Message:
    job_id: str
    receives: int


class LocalQueue:
    """A queue with at-least-once delivery and a dead-letter queue, like SQS with a redrive
    policy: a message whose handling failed `max_receives` times moves to the dead letters."""

    def __init__(self, root: Path, max_receives: int) -> None:
        self.root, self.max_receives = root / "queue", max_receives
        for name in ("ready", "inflight", "dead"):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    def send(self, job_id: str) -> None:
        _write(self.root / "ready" / job_id, b"0")

    def _claim(self, box: str) -> Message | None:
        for path in sorted((self.root / box).iterdir(), key=lambda p: p.stat().st_mtime):
            if path.name.startswith("."):
                continue
            claimed = self.root / "inflight" / path.name
            try:
                os.rename(path, claimed)  # atomic: one consumer wins
            except FileNotFoundError:
                continue
            receives = int(claimed.read_text() or 0) + (box == "ready")
            claimed.write_text(str(receives))
            return Message(path.name, receives)
        return None

    def receive(self) -> Message | None:
        return self._claim("ready")

    def receive_dead(self) -> Message | None:
        return self._claim("dead")

    def delete(self, message: Message) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.root / "inflight" / message.job_id).unlink()

    def release(self, message: Message) -> None:
        """Handling failed: back to the queue, or to the dead letters after max_receives."""
        box = "dead" if message.receives >= self.max_receives else "ready"
        with contextlib.suppress(FileNotFoundError):
            os.rename(self.root / "inflight" / message.job_id, self.root / box / message.job_id)

    def requeue_stranded(self) -> int:
        """Messages left in flight by a consumer that died (at start-up): released again."""
        stranded = [p for p in (self.root / "inflight").iterdir() if not p.name.startswith(".")]
        for path in stranded:
            self.release(Message(path.name, int(path.read_text() or 0)))
        return len(stranded)


def backend(root: Path, base_url: str | None, result_days: int, max_receives: int) -> Backend:
    return Backend(
        results=LocalResults(root, base_url, result_days),
        jobs=LocalJobs(root),
        queue=LocalQueue(root, max_receives),
        result_days=result_days,
    )
