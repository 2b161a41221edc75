"""The result cache of the compile routes: a small in-memory LRU (a warm container answers a
repeated request without any I/O) in front of the result store (shared by every container and by
jobs). Keys are jobs.ids.result_key: the whole prepared request under the same compiler build.

The cache never fails a compile: a store that cannot be read or written is logged and skipped."""

from __future__ import annotations

import dataclasses
import gzip
import threading
from collections import OrderedDict

from aws_lambda_powertools import Logger

from compile_service.encoding import gzip_for_store
from compile_service.jobs import ids
from compile_service.jobs.store import ResultMeta, ResultStore, StoredResult
from compile_service.service import Outcome, Packed, Prepared
from compile_service.settings import SERVICE

logger = Logger(service=SERVICE, child=True)

MEMORY_ENTRIES = 32
MEMORY_BYTES = 64 * 1024 * 1024


def pack(outcome: Outcome) -> StoredResult:
    """`outcome` as the result store keeps it: the document gzipped, and its stats."""
    document_gz = gzip_for_store(outcome.document)
    return stored_result(
        Packed(document_gz, outcome.qubits, outcome.gates, outcome.slices, outcome.seconds)
    )


def stored_result(packed: Packed) -> StoredResult:
    meta = ResultMeta(packed.qubits, packed.gates, packed.slices, packed.seconds)
    return StoredResult(packed.document_gz, meta)


class ResultCache:
    def __init__(
        self,
        store: ResultStore | None,
        entries: int = MEMORY_ENTRIES,
        max_bytes: int = MEMORY_BYTES,
    ) -> None:
        self.store, self.entries, self.max_bytes = store, entries, max_bytes
        self._memory: OrderedDict[str, Outcome] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, prepared: Prepared) -> Outcome | None:
        key = ids.result_key(prepared)
        with self._lock:
            hit = self._memory.get(key)
            if hit is not None:
                self._memory.move_to_end(key)
                return hit
        stored = self._read(key)
        if stored is None:
            return None
        outcome = Outcome(
            document=gzip.decompress(stored.document_gz),
            qubits=stored.meta.qubits,
            gates=stored.meta.gates,
            slices=stored.meta.slices,
            seconds=stored.meta.seconds,
            cached=True,
        )
        self._remember(key, outcome)
        return outcome

    def put(self, prepared: Prepared, outcome: Outcome) -> str:
        """Remember `outcome` and store it; returns its key."""
        key = ids.result_key(prepared)
        self._remember(key, dataclasses.replace(outcome, cached=True))
        if self.store is not None:
            try:
                self.store.put(key, pack(outcome))
            except Exception:
                logger.exception("result store write failed", extra={"key": key})
        return key

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
            self._bytes = 0

    def _read(self, key: str) -> StoredResult | None:
        if self.store is None:
            return None
        try:
            return self.store.get(key)
        except Exception:
            logger.exception("result store read failed", extra={"key": key})
            return None

    def _remember(self, key: str, outcome: Outcome) -> None:
        size = len(outcome.document)
        if self.entries <= 0 or size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._memory.pop(key, None)
            self._bytes -= len(old.document) if old else 0
            self._memory[key] = outcome
            self._bytes += size
            while len(self._memory) > self.entries or self._bytes > self.max_bytes:
                _, dropped = self._memory.popitem(last=False)
                self._bytes -= len(dropped.document)
