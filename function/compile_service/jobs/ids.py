"""The content hash that names a result: of everything that determines it (the prepared request
as a whole, and the compiler build: commit and patch set). The same request twice has the same id,
so a finished job is a cache entry and the synchronous routes share results with jobs.

The key covers every field of the prepared request (service.Prepared), not a list of them: an
option added to the request is part of the key without anyone remembering to add it here. So a
field of Prepared must be something that determines the result; a field msgspec cannot encode
fails loudly here rather than being left out."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Any

import msgspec

from compile_service import engines

# Bump when the stored document changes shape for the same compiler output.
RESULT_FORMAT = 2  # 2: /v2 documents carry `resources`
ID_LENGTH = 40
_ID = re.compile(rf"[0-9a-f]{{{ID_LENGTH}}}")


def result_key(prepared: Any) -> str:
    """The id of `prepared`'s result under this compiler build (40 hex digits, 160 bits).
    `prepared` is a service.Prepared (a dataclass; typed Any so that this module imports nothing
    above it): all its fields are hashed, by name."""
    if not dataclasses.is_dataclass(prepared) or isinstance(prepared, type):
        raise TypeError(f"a prepared request (a dataclass instance) is needed, not {prepared!r}")
    material = {
        "format": RESULT_FORMAT,
        "request": {f.name: getattr(prepared, f.name) for f in dataclasses.fields(prepared)},
        "compiler": engines.get(prepared.engine.name).info(),
    }
    digest = hashlib.sha256(msgspec.json.encode(material, order="sorted"))
    return digest.hexdigest()[:ID_LENGTH]


def is_valid(job_id: str) -> bool:
    return _ID.fullmatch(job_id) is not None
