"""Slices to JSON, compactly and fast, and gzip when the client accepts it.

The JSON equals, after parsing, what lsqecc's json_pipeline produces (tests/test_encoding.py), but
without its indent=2 and its per-object Python encoder.
"""

from __future__ import annotations

import enum
import gzip
import io
from collections.abc import Callable
from typing import Any

import msgspec
from isal import igzip

from compile_service.errors import ResponseTooLarge
from compile_service.resources.layout import LayoutFigures, read_slices

GZIP_LEVEL = 5  # measured: within 10% of level 9's size at a third of its time on slice JSON
# A synchronous answer, gzipped whole (fit): ISA-L's level 1 first (python-isal), then zlib's
# level 6 when that is over the response limit. Measured on liblsqecc's slices, layered n=64
# (17.5 MB of JSON): ISA-L 1 305 kB in 0.013 s, zlib 5 255 kB in 0.066 s, zlib 6 182 kB in
# 0.073 s; n=256 (225 MB): ISA-L 1 4.98 MB in 0.05 s (over the limit as base64), zlib 5
# 4.57 MB in 0.70 s, zlib 6 4.13 MB in 0.75 s.
FAST_GZIP_LEVEL = 1
SMALL_GZIP_LEVEL = 6


def _cell(obj: Any) -> Any:
    """VisualArrayCell and the objects inside it, as lsqecc's _SliceArrayJSONEncoder shows them.

    With patch 0007 the compiler renders cells as plain data already, which msgspec encodes
    natively: this hook then never runs (it serves a compiler built without that patch)."""
    if isinstance(obj, enum.Enum):
        return obj.value
    fields = dict(obj.__dict__)
    edges = fields.get("edges")
    if isinstance(edges, dict):
        fields["edges"] = {key.value: value for key, value in edges.items()}
    return fields


_encoder = msgspec.json.Encoder(enc_hook=_cell)


def serialize(body: Any) -> bytes | str:
    """The resolver's serializer: bodies we already encoded (bytes) pass through untouched."""
    return body if isinstance(body, bytes | str) else _encoder.encode(body).decode()


def encode(document: Any) -> bytes:
    return _encoder.encode(document)


def as_json_string(payload: bytes) -> bytes:
    """`payload` (JSON) wrapped as one JSON string, as the legacy client expects to parse twice."""
    return _encoder.encode(payload.decode())


def gzip_for_store(document: bytes) -> bytes:
    """A synchronous result as the result store keeps it. It is gzipped on the request's path
    (before the answer goes out), so by ISA-L's fast level: layered n=16 (18 MB of JSON) in
    2.5 ms to 292 kB, where zlib's level 5 took 52 ms for 157 kB (0.82 s for n=64). The store
    hands results out by presigned URL, so Lambda's response limit does not apply to them."""
    return igzip.compress(document, compresslevel=FAST_GZIP_LEVEL, mtime=0)


def accepts_gzip(accept_encoding: str | None) -> bool:
    if not accept_encoding:
        return False
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0"):
            return True
    return False


def fit(body: bytes, *, gzip_ok: bool, limit: int) -> tuple[bytes, bool]:
    """The body to send and whether it is gzipped, or ResponseTooLarge with what to do about it.

    `limit` applies to what Lambda returns, the proxy result serialised as JSON: a text body is
    escaped once more there (a legacy body, itself a JSON string, grows by about a third), and a
    gzipped body travels base64-encoded (4/3 larger).
    """
    if not (gzip_ok and len(body) > 1024) and _fits_as_text(body, limit):
        return body, False
    if not gzip_ok:
        raise ResponseTooLarge(
            f"the compiled result is {_mb(len(body))} of JSON, over this service's "
            f"{_mb(limit)} response limit; send 'Accept-Encoding: gzip' (it usually shrinks "
            "50-150 times) or compile a smaller circuit"
        )
    packed = igzip.compress(body, compresslevel=FAST_GZIP_LEVEL, mtime=0)
    if _base64_size(packed) > limit:  # near the limit: worth the time a smaller gzip takes
        packed = gzip.compress(body, compresslevel=SMALL_GZIP_LEVEL, mtime=0)
    if _base64_size(packed) > limit:
        raise ResponseTooLarge(
            f"the compiled result is {_mb(len(body))} of JSON and still {_mb(len(packed))} "
            f"gzipped, over this service's {_mb(limit)} response limit; compile a smaller circuit"
        )
    return packed, True


def _base64_size(packed: bytes) -> int:
    return (len(packed) + 2) // 3 * 4


def _fits_as_text(body: bytes, limit: int) -> bool:
    """Whether `body`, as a string inside the JSON the Lambda runtime sends back, is in `limit`.
    Our bodies hold no raw control characters, so escaping at most doubles them: measure only
    when that could matter."""
    if len(body) * 2 + 2 <= limit:
        return True
    return len(body) <= limit and len(_encoder.encode(body.decode())) <= limit


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def extend_object(document: bytes, extra: dict[str, Any]) -> bytes:
    """`document` (an encoded, non-empty JSON object) with `extra`'s fields appended."""
    if not extra:
        return document
    # One new buffer: slicing `document` first would copy it once more (slice JSON is large).
    return b"".join((memoryview(document)[:-1], b",", _encoder.encode(extra)[1:]))


def json_document(slices: list[Any], text: str, extra: Callable[[], dict[str, Any]]) -> bytes:
    """The compiled document as JSON: {"slices", "compilation_text"} then `extra()`'s fields."""
    return extend_object(encode({"slices": slices, "compilation_text": text}), extra())


def gzip_document(slices: list[Any], text: str, extra: Callable[[], dict[str, Any]]) -> bytes:
    """gzip of extend_object(encode({"slices": slices, "compilation_text": text}), extra()),
    written a slice at a time: the uncompressed JSON (about 49 bytes per cell of every slice) is
    never held whole, only the slices and the compressed result. `extra` is called once the
    slices are written (so it can time them)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as out:
        out.write(b'{"slices":[')
        for index, item in enumerate(slices):
            if index:
                out.write(b",")
            out.write(_encoder.encode(item))
        out.write(b'],"compilation_text":' + _encoder.encode(text))
        tail = extra()
        out.write(b"," + _encoder.encode(tail)[1:] if tail else b"}")
    return buffer.getvalue()


class SliceSink:
    """Where an engine puts its slices: Python objects (add_slices, lsqecc in process) or the
    compact JSON of the slices array as it streams from a program (add_json, in chunks, with the
    layout's figures the program counted: add_figures). finish() writes the document:
    {"slices", "compilation_text"} then `extra()`'s fields."""

    def __init__(self) -> None:
        self._slices: list[Any] | None = None
        self._figures: LayoutFigures | None = None
        self.json_bytes = 0

    def add_slices(self, slices: list[Any]) -> None:
        self._slices = slices

    def add_json(self, chunk: bytes) -> None:
        """`chunk`: compact JSON of the slices array, as written."""
        self.json_bytes += len(chunk)
        self._write(chunk)

    def add_figures(self, figures: LayoutFigures) -> None:
        """The figures of the slices written with add_json, as the engine counted them."""
        self._figures = figures

    def figures(self) -> LayoutFigures:
        """The compiled layout's figures (resources.layout), however the slices came."""
        if self._slices is not None:
            return read_slices(self._slices)
        return self._figures or read_slices([])

    def _write(self, chunk: bytes) -> None:
        raise NotImplementedError

    def finish(self, text: str, extra: Callable[[], dict[str, Any]]) -> bytes:
        raise NotImplementedError


class JsonSink(SliceSink):
    """The document as JSON bytes (a synchronous answer)."""

    def __init__(self) -> None:
        super().__init__()
        self._buffer = io.BytesIO()
        self._buffer.write(b'{"slices":')

    def _write(self, chunk: bytes) -> None:
        self._buffer.write(chunk)

    def finish(self, text: str, extra: Callable[[], dict[str, Any]]) -> bytes:
        if self._slices is not None:
            return json_document(self._slices, text, extra)
        if self.json_bytes == 0:
            self._buffer.write(b"[]")
        self._buffer.write(b',"compilation_text":' + _encoder.encode(text))
        tail = extra()
        self._buffer.write(b"," + _encoder.encode(tail)[1:] if tail else b"}")
        return self._buffer.getvalue()


class GzipSink(SliceSink):
    """The document gzipped as it is written (a job's result): the uncompressed JSON is never
    held whole."""

    def __init__(self) -> None:
        super().__init__()
        self._buffer = io.BytesIO()
        self._gzip: gzip.GzipFile | None = None

    def _write(self, chunk: bytes) -> None:
        if self._gzip is None:
            self._gzip = gzip.GzipFile(
                fileobj=self._buffer, mode="wb", compresslevel=GZIP_LEVEL, mtime=0
            )
            self._gzip.write(b'{"slices":')
        self._gzip.write(chunk)

    def finish(self, text: str, extra: Callable[[], dict[str, Any]]) -> bytes:
        if self._slices is not None:
            return gzip_document(self._slices, text, extra)
        if self._gzip is None:
            self._write(b"[]")
        assert self._gzip is not None
        with self._gzip as out:
            out.write(b',"compilation_text":' + _encoder.encode(text))
            tail = extra()
            out.write(b"," + _encoder.encode(tail)[1:] if tail else b"}")
        return self._buffer.getvalue()
