"""The content hash that names a result: of everything that determines it (the prepared request
and the compiler build, commit and patch set). The same request twice has the same id, so a
finished job is a cache entry and the synchronous routes share results with jobs."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

import msgspec

from compile_service import engines

if TYPE_CHECKING:
    from compile_service.service import Prepared

# Bump when the stored document changes shape for the same compiler output.
RESULT_FORMAT = 1
ID_LENGTH = 40
_ID = re.compile(rf"[0-9a-f]{{{ID_LENGTH}}}")


def result_key(prepared: Prepared) -> str:
    """The id of `prepared`'s result under this compiler build (40 hex digits, 160 bits)."""
    material = {
        "format": RESULT_FORMAT,
        "flavour": prepared.flavour,
        "source": prepared.source,
        "litinski_transform": prepared.litinski_transform,
        "lowering": prepared.lowering,
        "engine": prepared.engine,
        "compiler": engines.get(prepared.engine.name).info(),
    }
    digest = hashlib.sha256(msgspec.json.encode(material, order="sorted"))
    return digest.hexdigest()[:ID_LENGTH]


def is_valid(job_id: str) -> bool:
    return _ID.fullmatch(job_id) is not None
