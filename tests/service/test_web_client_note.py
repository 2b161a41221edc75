"""What the web client shows of the lowering: a note at the top of the "Input Circuit" section,
the precision it falls back to over the synchronous limit, and a refusal it can act on."""

from __future__ import annotations

import dataclasses

import pytest

from compile_service import legacy_text, lowering, service
from compile_service.errors import CircuitTooLarge
from compile_service.settings import load_limits
from tests.conftest import parse_compilation_text

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
ROTATIONS = HEADER + "qreg q[2];\nrz(0.3) q[0];\nrx(0.7) q[1];\ncu1(0.2) q[0],q[1];\n"
LOWERED = {
    "lowered": True,
    "rewritten": {"cu1": 1, "rx": 1, "rz": 1},
    "dropped": {},
    "rotations_approximated": 5,
    "precision": 0.03,
    "t_gates_added": 92,
    "error_bound": 0.0593,
    "error_budget": None,
    "register_map": None,
}
LSQECC_TEXT = (
    "Input Circuit:\n<drawing>\nCircuit as Pauli rotations:\n q0--|Z|\npi*  1/8\n\n"
    "Circuit after the Litinski Transform:\n q0--|Z|\npi*  1/8\n\n"
    "Circuit. Estimated resources needed for computation:\n"
    "Estimated resources needed for computation:\ncode distance: 9\ntime secs: 0.00072"
)


def test_the_note_says_what_was_rewritten_approximated_and_the_error_bound():
    note = legacy_text.lowering_note(LOWERED, 0.03)
    assert note.splitlines() == [
        "Lowered to the compiler's gate set (drawn below as lowered):",
        "- rewritten: 1 cu1, 1 rx, 1 rz",
        "- 5 rotation(s) approximated over Clifford+T (gridsynth) at precision 0.03 each, "
        "adding 92 T gates",
        "- error bound 0.0593 (operator norm, summed over the approximated rotations)",
    ]
    assert legacy_text.lowering_note({**LOWERED, "lowered": False}, 0.03) == ""


def test_the_note_says_when_the_precision_was_coarser_than_the_default():
    note = legacy_text.lowering_note({**LOWERED, "precision": 0.05}, 0.03)
    assert note.splitlines()[-1] == (
        "- precision 0.05, not the default 0.03: at the default the compile was over this "
        "service's limit for a web request"
    )


@pytest.mark.parametrize("litinski", [True, False])
def test_the_note_sits_atop_the_input_section_and_keeps_every_section(litinski):
    litinski_section = "Circuit after the Litinski Transform:\n q0--|Z|\npi*  1/8\n\n"
    text = LSQECC_TEXT if litinski else LSQECC_TEXT.replace(litinski_section, "")
    # User-chosen gate names can carry the words the client splits on: never in the note.
    report = {**LOWERED, "rewritten": {"myCircuit": 1, "Litinski_gate": 1, "resources": 2}}
    shaped = legacy_text.for_web_client(text, litinski, legacy_text.lowering_note(report, 0.03))
    stages = parse_compilation_text(shaped)
    assert stages[0].name == "Input Circuit"
    assert stages[0].content.startswith("Lowered to the compiler's gate set")
    assert stages[0].content.endswith("<drawing>\n")
    assert "1 litinski_gate, 1 mycircuit, 2 Resources" in stages[0].content
    assert stages[-1].name == "Resource Estimation"
    assert stages[-1].content == "code distance: 9\ntime secs: 0.00072"


@pytest.mark.parametrize("litinski", [True, False])
def test_without_lsqeccs_estimate_the_box_shows_this_services(litinski):
    # lsqecc's estimator gives up on circuits with many T gates and writes no section.
    text = LSQECC_TEXT
    if not litinski:
        text = text.replace("Circuit after the Litinski Transform:\n q0--|Z|\npi*  1/8\n\n", "")
    text = text.partition("\nCircuit. Estimated")[0]
    shaped = legacy_text.for_web_client(text, litinski, "", "code distance: 11\nrun time secs: 1")
    stages = parse_compilation_text(shaped)
    assert stages[-1].name == "Resource Estimation"
    assert stages[-1].content == "code distance: 11\nrun time secs: 1"


def _operations(precision: float) -> int:
    return service.prepare(ROTATIONS, True, load_limits(), precision=precision).gates


def test_over_the_limit_at_the_default_the_finest_precision_that_fits_is_used():
    sizes = {p: _operations(p) for p in service.WEB_CLIENT_PRECISIONS}
    default = lowering.DEFAULT_PRECISION
    # A limit the default is over and 0.1 fits: the first precision, finest first, that fits.
    limit = (sizes[default] + sizes[0.1]) // 2
    fits = [p for p in service.WEB_CLIENT_PRECISIONS if sizes[p] <= limit]
    assert sizes[default] > limit and fits
    limits = dataclasses.replace(load_limits(), max_gates=limit)
    prepared = service._prepare_for_web_client(ROTATIONS, True, limits)
    assert prepared.lowering["precision"] == fits[0] > default
    note = legacy_text.lowering_note(prepared.lowering, default)
    assert f"precision {fits[0]:g}, not the default {default:g}" in note


def test_past_the_coarsest_precision_the_refusal_explains_jobs_in_words():
    limits = dataclasses.replace(load_limits(), max_gates=_operations(0.1) - 1)
    with pytest.raises(CircuitTooLarge) as refused:
        service._prepare_for_web_client(ROTATIONS, True, limits)
    message = refused.value.message
    assert "coarser precision" not in message  # the web client has no such setting
    assert "a job compiles a circuit in the background" in message
    assert "This web page cannot submit jobs" in message and "'Compile jobs'" in message


def test_the_legacy_route_refuses_in_plain_words(invoke, set_limits):
    set_limits(max_gates=_operations(0.1) - 1)
    result = invoke("POST", "/compile", {"circuit": ROTATIONS})
    assert result["statusCode"] == 422  # circuit_too_large
    assert result["headers"]["Content-Type"].startswith("text/plain")
    assert "a job compiles a circuit in the background" in result["body"]
    assert "POST /v2/jobs), which takes larger" not in result["body"]


def test_the_estimate_lines_never_end_in_a_colon_and_skip_an_unknown_count():
    from compile_service.resources import Assumptions, CircuitCounts, estimate

    cell = {"patch_type": "Qubit", "activity": None}
    region = {"patch_type": "DistillationQubit", "activity": None}
    resources = estimate([[[cell, region]]] * 3, CircuitCounts(1, 0), Assumptions(), 0.0)
    lines = legacy_text.estimate_lines(resources).splitlines()
    # The client shows the box up to the next ":\n": a line ending in ":" would cut it.
    assert not any(line.endswith(":") for line in lines)
    assert lines[1] == "layout: 2 tiles x 3 slices, 1 T gates"  # consumption unknown: left out
    assert lines[2].startswith("code distance: ")
