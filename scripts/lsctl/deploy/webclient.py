"""What the latticesurgery.com web client does with a /compile answer, ported line by line from
its submitCompileRequest.ts and parseCompilationText.ts, so tests and the smoke check can prove
the client would draw the result instead of blanking the page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class ClientWouldFail(Exception):
    """The web client would throw here (and show an error or a blank page)."""


@dataclass(frozen=True)
class Stage:
    name: str
    content: str


def _piece(pieces: list[str], index: int) -> str:
    if index >= len(pieces):  # JS: undefined.split(...) -> TypeError
        raise ClientWouldFail(f"compilation_text has no piece {index} after splitting on 'Circuit'")
    return pieces[index]


def _after_first(text: str, sep: str, start: int = 0, stop: int | None = None) -> str:
    parts = text.split(sep)
    if len(parts) < 2:  # JS: undefined.slice(...) -> TypeError
        raise ClientWouldFail(f"a compilation_text piece has no {sep!r}")
    return parts[1][start:stop]


def parse_compilation_text(text: str) -> list[Stage]:
    """parseCompilationText(compilation_text) of the web client."""
    if text == "":
        return [Stage("User Uploaded Json", "")]
    if "Emscripten Success" in text:
        return [Stage("Compiled in browser:", "Success")]
    pieces = text.split("Circuit")
    stages = [
        Stage("Input Circuit", _piece(pieces, 1)[2:]),
        Stage("Pauli Rotations", _after_first(_piece(pieces, 2), ":", 1, -1)),
    ]
    if "Litinski" in text:
        stages.append(Stage("Litinski Transform", _after_first(_piece(pieces, 3), ":", 1)))
    if "resource" in text:
        stages.append(Stage("Resource Estimation", _after_first(_piece(pieces, 4), ":\n")))
    return stages


def read_compile_response(body: bytes) -> dict[str, Any]:
    """axios parses the body as JSON, then the client runs JSON.parse on that (a string)."""
    first = json.loads(body)
    if isinstance(first, dict) and first.get("errorMessage"):
        raise ClientWouldFail(f"Compiler Error! {first.get('errorType')}: {first['errorMessage']}")
    if not isinstance(first, str):
        raise ClientWouldFail("the body is not a JSON string: JSON.parse(response.data) fails")
    document = json.loads(first)
    if not isinstance(document.get("slices"), list):
        raise ClientWouldFail("the document has no slices list")
    parse_compilation_text(document["compilation_text"])
    return document
