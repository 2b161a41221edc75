"""The lowering's single-qubit runs as pi/8 rotations about X or Z (lowering/rotation_form.py):
the same unitary up to a global phase, the same T count, fewer slices, the user's gates kept."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

from compile_service import cost
from compile_service.lowering import approximate, rotation_form
from compile_service.lowering.rewrite import Gate
from tests.service.lowering_checks import (
    assert_in_dialect,
    lower,
    lowering_error,
    pi_over_8_rotations,
)

RUN_GATES = ("h", "s", "sdg", "x", "z", "t", "tdg")
HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def as_circuit(gates: list[str] | tuple[rotation_form.Written, ...]) -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    for gate in gates:
        name, quarters = (gate, None) if isinstance(gate, str) else (gate.name, gate.quarters)
        if quarters is None:
            getattr(circuit, name)(0)
        else:
            circuit.rx(quarters * math.pi / 4, 0)
    return circuit


def slices_without_transform(gates: list[str] | tuple[rotation_form.Written, ...]) -> int:
    operations = [
        (g, (0,), None) if isinstance(g, str) else (g.name, (0,), g.quarters) for g in gates
    ]
    return cost.predict(operations, 1, False).slices


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(RUN_GATES), max_size=30))
def test_a_run_keeps_its_unitary_and_t_count_and_never_costs_more(names: list[str]) -> None:
    written = rotation_form.rewrite_run(tuple(names))
    assert Operator(as_circuit(written)).equiv(Operator(as_circuit(names)))
    t_count = sum(name in ("t", "tdg") for name in names)
    assert sum(w.name in ("t", "tdg") or w.quarters in (1, -1) for w in written) == t_count
    assert {w.name for w in written} <= {*RUN_GATES, "rx"}
    assert all(w.quarters in (None, 1, -1, 2, -2) for w in written)
    assert slices_without_transform(written) <= slices_without_transform(names)


def test_h_t_h_is_one_rotation_about_x() -> None:
    assert rotation_form.rewrite_run(("h", "t", "h")) == (rotation_form.Written("rx", 1),)
    assert rotation_form.rewrite_run(("h", "tdg", "h")) == (rotation_form.Written("rx", -1),)


PAULIS = {label: Operator.from_label(label).data for label in "XYZ"}


def test_each_of_the_24_cliffords_is_written_as_a_word_that_is_it() -> None:
    assert len(rotation_form.CHEAPEST) == 24  # the single-qubit Clifford group up to phase
    for conjugation, (_, word) in rotation_form.CHEAPEST.items():
        unitary = Operator(as_circuit(tuple(rotation_form._written(gate) for gate in word))).data
        for pauli, (axis, sign) in zip("XZ", conjugation, strict=True):
            conjugated = unitary.conj().T @ PAULIS[pauli] @ unitary  # D^dagger P D
            assert np.allclose(conjugated, sign * PAULIS[axis]), (word, pauli)


def test_an_approximated_rotation_costs_under_half_the_slices_it_took_as_gridsynth_wrote_it() -> (
    None
):
    word = approximate.approximate_rz(0.1277, approximate.DEFAULT_PRECISION)
    written = rotation_form.rewrite_run(word)
    assert slices_without_transform(written) < 0.5 * slices_without_transform(list(word))


def test_runs_on_different_qubits_are_written_in_place_around_other_gates() -> None:
    lowered = [Gate(name, (0,), lowered=True) for name in ("h", "t", "h")]
    gates = [
        *lowered[:2],
        Gate("h", (1,), lowered=True),
        Gate("cx", (1, 2)),  # ends qubit 1's run, not qubit 0's
        lowered[2],
        Gate("t", (1,), lowered=True),
        Gate("cx", (0, 1)),
        Gate("h", (0,)),  # the user's
    ]
    assert rotation_form.rewrite_runs(gates) == [
        Gate("rx", (0,), quarters=1, lowered=True),
        Gate("h", (1,), lowered=True),
        Gate("cx", (1, 2)),
        Gate("t", (1,), lowered=True),
        Gate("cx", (0, 1)),
        Gate("h", (0,)),
    ]


def test_the_gates_the_user_wrote_are_kept_as_written() -> None:
    source = (
        HEADER + "qreg q[2];\nh q[0];\nt q[0];\nh q[0];\nu3(0.3,0.2,0.1) q[0];\n"
        "h q[0];\ncx q[0],q[1];\nry(0.7) q[1];\n"
    )
    lowered = lower(source, 1e-3)
    body = lowered.source.split("qreg q[2];\n", 1)[1]
    assert body.startswith("h q[0];\nt q[0];\nh q[0];\n")
    assert "h q[0];\ncx q[0],q[1];\n" in body
    assert_in_dialect(lowered.source)
    assert lowering_error(source, lowered) <= 4 * 1e-3


@pytest.mark.parametrize("precision", [3e-2, 1e-3])
def test_a_rewritten_gate_needs_no_hadamard_and_keeps_its_t_count(precision: float) -> None:
    source = HEADER + "qreg q[1];\nu3(0.3,0.2,0.1) q[0];\n"
    lowered = lower(source, precision)
    assert "\nh " not in lowered.source
    assert pi_over_8_rotations(lowered.source) == lowered.report.t_gates_added
    assert lowering_error(source, lowered) <= 3 * precision
