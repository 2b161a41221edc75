"""compilation_text for the latticesurgery.com web client.

The client splits the text on the word "Circuit" and reads fixed pieces: [1] input circuit,
[2] Pauli rotations, [3] Litinski transform (if the text mentions "Litinski"), [4] resource
estimate (if it mentions "resource"). lsqecc writes the resource section as the 4th piece when the
transform is off, so the client indexes past the end and blanks the page. For that case alone we
add an empty "Circuit." piece before the resource section; lsqecc's own sections are unchanged, and
no note of ours is added (notes go in headers and /v2).
"""

from __future__ import annotations

RESOURCE_HEADER = "\nCircuit. Estimated resources needed for computation:\n"
EMPTY_PIECE = "\nCircuit."


# Words the client searches for: a register named with one would shift or fake a section.
RESERVED_WORDS = ("Circuit", "Litinski")


def for_web_client(text: str, litinski_applied: bool) -> str:
    if litinski_applied or RESOURCE_HEADER not in text:
        return text
    return text.replace(RESOURCE_HEADER, EMPTY_PIECE + RESOURCE_HEADER, 1)


def clashing_register(registers: tuple[str, ...]) -> str | None:
    """The first register whose name the web client would mistake for a section marker."""
    for name in registers:
        if any(word in name for word in RESERVED_WORDS):
            return name
    return None
