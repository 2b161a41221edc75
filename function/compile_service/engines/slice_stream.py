"""lsqecc_slicer's slices, as it writes them, turned into compact JSON a slice at a time.

The slicer writes `[` then each slice as JSON indented by 3 (`nlohmann::json::dump(3)`),
separated by `,`, then `]`: about three times the bytes of the same JSON without indentation. A
slice ends where a line is a lone `]` at column 0 (everything inside is indented, and JSON
strings hold no raw newline), so each slice is cut out there and re-encoded by msgspec's
formatter (C code, strings untouched) without ever building Python objects for its cells.

It also stops a slicer that does not terminate: past `max_slices` it raises Runaway (the
caller's process is killed on the way out). liblsqecc loops, writing slices for ever, with
layout compact from 8 qubits (its issue #134) and with layout edpc on some small circuits (a lone
`cx` on 2 qubits); the stream schedule takes 1-3 slices per gate.
"""

from __future__ import annotations

import msgspec

from compile_service.errors import CompileFailed

_END = b"\n]"


class Runaway(Exception):
    """More slices than any terminating compile of the circuit writes."""


class CompactSlices:
    """Feed the slicer's output in chunks; get the compact JSON of the slices array back."""

    def __init__(self, max_slices: int | None = None) -> None:
        self._pending = bytearray()
        self.slices = 0
        self.max_slices = max_slices

    def feed(self, chunk: bytes) -> bytes:
        self._pending += chunk
        out = []
        start = 0
        while (end := self._pending.find(_END, start)) != -1:
            out.append(self._slice(bytes(self._pending[start : end + len(_END)])))
            start = end + len(_END)
        del self._pending[:start]
        return b"".join(out)

    def close(self) -> bytes:
        rest = bytes(self._pending).strip()
        if self.slices == 0:
            if rest not in (b"]", b"[]", b"[\n]", b""):
                raise CompileFailed("liblsqecc wrote output this service cannot read")
            return b"[]"
        if rest != b"]":
            raise CompileFailed("liblsqecc's output ended in the middle of a slice")
        return b"]"

    def _slice(self, text: bytes) -> bytes:
        text = text.lstrip()
        opener = b"[" if self.slices == 0 else b","
        if not text.startswith(opener):
            raise CompileFailed("liblsqecc wrote output this service cannot read")
        try:
            compact = msgspec.json.format(text[1:], indent=-1)
        except msgspec.DecodeError:
            raise CompileFailed("liblsqecc wrote a slice that is not JSON") from None
        self.slices += 1
        if self.max_slices is not None and self.slices > self.max_slices:
            raise Runaway(self.max_slices)
        return (b"[" if self.slices == 1 else b",") + compact
