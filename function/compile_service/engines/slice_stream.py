"""lsqecc_slicer's slices, as it writes them with `--compactjson` (patches/liblsqecc/0004), passed
on as the compact JSON of the slices array, a chunk at a time.

With the flag the slicer writes `[`, a newline, then each slice's JSON on one line (no whitespace
inside), separated by `,` and a newline, then `]` and a newline: without the newlines that is the
array itself, and the newlines count the slices (JSON strings hold no raw newline). No slice is
decoded or re-encoded: the bytes are only copied (bytes.replace, C speed).

It also stops a slicer that does not terminate: past `max_slices` it raises Runaway (the
caller's process is killed on the way out). liblsqecc loops, writing slices for ever, with
layout compact from 8 qubits (its issue #134) and with layout edpc on some small circuits (a lone
`cx` on 2 qubits); the stream schedule takes 1-5 slices per gate.
"""

from __future__ import annotations

from compile_service.errors import CompileFailed


class Runaway(Exception):
    """More slices than any terminating compile of the circuit writes."""


class CompactSlices:
    """Feed the slicer's output in chunks; get the compact JSON of the slices array back."""

    def __init__(self, max_slices: int | None = None) -> None:
        self.max_slices = max_slices
        self._newlines = 0
        self._started = False  # the opening `[` was seen (no slices: the output is `]` alone)
        self._last = b""

    @property
    def slices(self) -> int:
        """Slices whose line is complete: the first newline follows `[`."""
        return max(self._newlines - 1, 0)

    def feed(self, chunk: bytes) -> bytes:
        if not chunk:
            return b""
        if not self._started and self._newlines == 0 and not self._last:
            self._started = chunk.startswith(b"[")
        joined = chunk.replace(b"\n", b"")
        self._newlines += len(chunk) - len(joined)  # one pass, not a count and a replace
        self._last = chunk[-1:]
        if self.max_slices is not None and self.slices > self.max_slices:
            raise Runaway(self.max_slices)
        return joined if self._started else b""

    def close(self) -> bytes:
        """What remains to write: nothing, or `[]` when there were no slices."""
        if not self._started:
            if self._newlines > 1:
                raise CompileFailed("liblsqecc wrote output this service cannot read")
            return b"[]"
        if self._last != b"\n" or self._newlines < 2:
            raise CompileFailed("liblsqecc's output ended in the middle of a slice")
        return b""
