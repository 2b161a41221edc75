"""compilation_text for the latticesurgery.com web client.

The client splits the text on the word "Circuit" and reads fixed pieces: [1] input circuit,
[2] Pauli rotations, [3] Litinski transform (if the text mentions "Litinski"), [4] resource
estimate (if it mentions "resource"), and of the last the part after its first ":\\n". We shape
lsqecc's text so that every piece shows:
- the transform off: lsqecc writes the resource section as the 4th piece, so the client indexes
  past the end and blanks the page; an empty "Circuit." piece goes before it;
- the resource section: lsqecc writes its heading twice, so the client showed the second heading
  and no numbers; the repeated heading is dropped;
- a lowered circuit: a note at the top of the input piece says what was rewritten and
  approximated (the drawing below it is of the lowered circuit). The client ignores headers
  (X-Lowering), so the page is the only place a web user can learn it. The note never contains
  the words the client splits on (RESERVED_WORDS, and a lowercase "resource").
"""

from __future__ import annotations

from typing import Any

INPUT_HEADER = "Input Circuit:\n"
RESOURCE_HEADER = "\nCircuit. Estimated resources needed for computation:\n"
# lsqecc's utils.dataclass_render_ascii starts the estimate with the same heading again.
REPEATED_HEADING = "Estimated resources needed for computation:\n"
EMPTY_PIECE = "\nCircuit."

# Words the client searches for: a register named with one would shift or fake a section.
RESERVED_WORDS = ("Circuit", "Litinski")
# Searched for in any case by the client's `includes("resource")`: lowercase only.
RESERVED_LOWERCASE = "resource"


def for_web_client(text: str, litinski_applied: bool, note: str = "", estimate: str = "") -> str:
    """lsqecc's `text` shaped for the client's parser; `note` (lowering_note) above the drawing,
    `estimate` (estimate_lines) at the end of the resource section (which it opens when lsqecc
    wrote none: its estimator gives up on circuits with many T gates)."""
    text = text.replace(RESOURCE_HEADER + REPEATED_HEADING, RESOURCE_HEADER, 1)
    if estimate:
        text += ("\n\n" if RESOURCE_HEADER in text else RESOURCE_HEADER) + estimate
    if not litinski_applied and RESOURCE_HEADER in text:
        text = text.replace(RESOURCE_HEADER, EMPTY_PIECE + RESOURCE_HEADER, 1)
    if note and text.startswith(INPUT_HEADER):
        text = INPUT_HEADER + note + "\n\n" + text[len(INPUT_HEADER) :]
    return text


def lowering_note(lowering: dict[str, Any], default_precision: float) -> str:
    """What the lowering did (service.Prepared.lowering), in a few short lines, or "" when the
    circuit was sent to the compiler as it is. `default_precision`: what the web client gets
    unless its circuit was over the synchronous limit at it."""
    if not lowering.get("lowered"):
        return ""
    lines = ["Lowered to the compiler's gate set (drawn below as lowered):"]
    rewritten = _counts(lowering.get("rewritten") or {})
    lines.append(f"- rewritten: {rewritten}" if rewritten else "- no gate rewritten")
    dropped = _counts(lowering.get("dropped") or {})
    if dropped:
        lines.append(f"- dropped (no effect): {dropped}")
    registers = lowering.get("register_map")
    if registers:
        merged = ", ".join(f"{r['name']}[{r['size']}]" for r in registers["from"])
        lines.append(f"- registers {merged} merged into {registers['register']}")
    rotations = lowering.get("rotations_approximated", 0)
    if rotations:
        precision = lowering["precision"]
        lines.append(
            f"- {rotations} rotation(s) approximated over Clifford+T (gridsynth) at precision "
            f"{precision:g} each, adding {lowering['t_gates_added']} T gates"
        )
        lines.append(
            f"- error bound {lowering['error_bound']:.3g} (operator norm, summed over the "
            "approximated rotations)"
        )
        if precision > default_precision:
            lines.append(
                f"- precision {precision:g}, not the default {default_precision:g}: at the "
                "default the compile was over this service's limit for a web request"
            )
    note = "\n".join(lines)
    return _without_reserved_words(note)


def estimate_lines(resources: dict[str, Any]) -> str:
    """This service's estimate (resources.estimate) as short lines for the Resource Estimation
    box. The box shows the text between the section's first and second ":\n", so no line ends
    with a colon."""
    logical, physical, assumed = (
        resources["logical"],
        resources["physical"],
        resources["assumptions"],
    )
    lines = [
        f"this service's estimate, at physical error rate {assumed['physical_error_rate']:g}, "
        f"{assumed['cycle_time'] * 1e6:g} us code cycles, error budget "
        f"{physical['error_budget']['total']:g} (docs/resource-estimates.md)",
        f"layout: {logical['layout']['tiles']} tiles x {logical['slices']} slices, "
        f"{logical['t_count']} T gates"
        + (
            f", {logical['magic_states_consumed']} magic states"
            if logical["magic_states_consumed"] is not None
            else ""
        ),
    ]
    if "code_distance" in physical:
        lines += [
            f"code distance: {physical['code_distance']}",
            f"physical qubits: {physical['physical_qubits']:,}",
            f"run time secs: {physical['run_time']:.3g}",
        ]
    else:
        lines.append(f"no physical estimate: {physical['unavailable']}")
    # It sits inside the resource section: a lowercase "resource" there changes nothing.
    return _without_reserved_words("\n".join(lines), resource_too=False)


def _counts(table: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in sorted(table.items()))


def _without_reserved_words(note: str, resource_too: bool = True) -> str:
    """The note as the client can show it: a reserved word (only ever inside a user's gate or
    register name) loses its first letter's case, so the client does not split on it."""
    for word in RESERVED_WORDS:
        note = note.replace(word, word.lower())
    if not resource_too:
        return note
    return note.replace(RESERVED_LOWERCASE, RESERVED_LOWERCASE.capitalize())


def clashing_register(registers: tuple[str, ...]) -> str | None:
    """The first register whose name the web client would mistake for a section marker."""
    for name in registers:
        if any(word in name for word in RESERVED_WORDS):
            return name
    return None
