"""The two ways a compiled document is written: whole JSON (the synchronous routes) and gzip a
slice at a time (jobs, whose results are stored gzipped): the same document either way."""

from __future__ import annotations

import gzip
import json

import pytest

from compile_service import encoding

CELL = {"edges": {"Top": "Solid"}, "patch_type": "Qubit", "text": "|0>", "activity": None}
SLICES = [[[CELL, None], [None, CELL]], [[None, None], [CELL, CELL]]]


@pytest.mark.parametrize("extra", [{}, {"stats": {"slices": 2, "seconds": 0.5}, "lowering": {}}])
def test_the_gzipped_document_is_the_json_document(extra: dict) -> None:
    whole = encoding.json_document([*SLICES], "text\n", lambda: extra)
    streamed = encoding.gzip_document([*SLICES], "text\n", lambda: extra)
    assert gzip.decompress(streamed) == whole
    assert json.loads(whole) == {"slices": SLICES, "compilation_text": "text\n", **extra}


def test_the_fields_after_the_slices_are_asked_for_once() -> None:
    written = []

    def extra() -> dict:
        written.append(True)
        return {"stats": {}}

    encoding.gzip_document([[[CELL]]] * 3, "", extra)
    assert written == [True]
    assert encoding.gzip_document([], "", dict)  # no slices is still a document
    assert json.loads(gzip.decompress(encoding.gzip_document([], "", dict))) == {
        "slices": [],
        "compilation_text": "",
    }


def test_an_answer_near_the_limit_gets_the_smaller_gzip() -> None:
    """A synchronous answer is gzipped fast (ISA-L level 1); one that is then over the response
    limit is gzipped again at zlib's smaller level rather than refused (layered n=256 with
    liblsqecc needs it)."""
    import random

    from isal import igzip

    rng = random.Random(7)
    grid = [[dict(CELL, text=f"Id: {rng.randrange(40)}") for _ in range(30)] for _ in range(30)]
    body = encoding.encode({"slices": [grid] * 3 + [[[None]]], "compilation_text": ""})
    fast = len(igzip.compress(body, compresslevel=encoding.FAST_GZIP_LEVEL, mtime=0))
    small = len(gzip.compress(body, compresslevel=encoding.SMALL_GZIP_LEVEL, mtime=0))
    assert small < fast
    limit = (small + 2) // 3 * 4
    sent, gzipped = encoding.fit(body, gzip_ok=True, limit=limit)
    assert gzipped and len(sent) == small and gzip.decompress(sent) == body
    sent, _ = encoding.fit(body, gzip_ok=True, limit=(fast + 2) // 3 * 4)
    assert len(sent) == fast and gzip.decompress(sent) == body
    with pytest.raises(encoding.ResponseTooLarge, match="still"):
        encoding.fit(body, gzip_ok=True, limit=limit - 4)


def test_a_synchronous_result_is_stored_as_gzip_of_the_document() -> None:
    """The result store's copy of a synchronous answer (cache.pack, on the request's path) is
    the document gzipped by the fast level (ISA-L): any gzip reader gets the document back, and
    the same document always gives the same bytes (mtime 0)."""
    from compile_service.cache import pack
    from compile_service.service import Outcome

    document = encoding.json_document([*SLICES] * 50, "text\n", dict)
    stored = pack(Outcome(document, 2, 3, 100, 0.5))
    assert gzip.decompress(stored.document_gz) == document
    assert (
        stored.document_gz
        == encoding.gzip_for_store(document)
        == pack(Outcome(document, 2, 3, 100, 0.5)).document_gz
    )
    assert (stored.meta.qubits, stored.meta.gates, stored.meta.slices) == (2, 3, 100)
