"""Patch 0003 (fix): every Pauli rotation that is a multiple of pi/4 is expanded, so circuits whose
Litinski transform emits -pi/2 (the web client's Bell Pair demo, QASMBench hs4_n4, seca-like
error-correction circuits) compile, and the rotations lsqecc composes are the input circuit."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from fractions import Fraction

import numpy as np
import pytest
from qiskit.quantum_info import Operator, Pauli
from scipy.linalg import expm

from tests.conftest import REPO
from tests.service.lowering_checks import distance, parse, unitary

pytestmark = pytest.mark.compiler

CORPUS = REPO.parent / "shared" / "corpus" / "qasmbench-small"
HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
BELL_PAIR_DEMO = HEADER + "qreg q[2];\nh q[0];\ncx q[0],q[1];\nx q[0];\n"
# Like QASMBench seca_n11 (Shor's code: encode, an error, decode and correct), on 5 qubits.
SECA_LIKE = HEADER + (
    "qreg q[5];\ncreg c[5];\n"
    "h q[0];\ncx q[0],q[1];\ncx q[0],q[2];\nh q[0];\nh q[1];\nh q[2];\n"
    "z q[1];\nx q[2];\n"
    "h q[0];\nh q[1];\nh q[2];\ncx q[0],q[1];\ncx q[0],q[2];\nccx q[2],q[1],q[0];\nh q[0];\n"
    "cx q[0],q[3];\ncx q[1],q[4];\nx q[3];\nz q[4];\ns q[3];\nsdg q[4];\nt q[3];\ntdg q[4];\n"
)
SMALL = {
    "bell_pair_demo": BELL_PAIR_DEMO,
    "seca_like": SECA_LIKE,
    "x_then_z": HEADER + "qreg q[2];\nx q[0];\nz q[1];\ncz q[0],q[1];\nx q[1];\nh q[0];\n",
    "negative_quarter_turns": HEADER + "qreg q[2];\nh q[1];\nsdg q[0];\ntdg q[1];\ncx q[1],q[0];\n",
}


def hs4() -> str:
    path = CORPUS / "hs4_n4.qasm"
    if not path.exists():
        pytest.skip(f"no corpus at {CORPUS}")
    return path.read_text()


@pytest.mark.parametrize("litinski", [True, False])
@pytest.mark.parametrize("name", ["bell_pair_demo", "seca_like", "hs4_n4"])
def test_compiles_with_the_transform_on_and_off(invoke, name, litinski):
    circuit = hs4() if name == "hs4_n4" else SMALL[name]
    result = invoke("POST", "/v2/compile", {"circuit": circuit, "litinski_transform": litinski})
    assert result["statusCode"] == 200, result["body"]


def reduced(amount: Fraction) -> Fraction:
    """The patch's reduction of a rotation amount (in units of pi) into (-1/2, 1/2]."""
    amount = Fraction(amount) % 1
    return amount - 1 if amount > Fraction(1, 2) else amount


def rotations_unitary(source: str, litinski: bool) -> np.ndarray:
    """The Pauli rotations lsqecc composes (after the transform when on), multiplied out:
    P_(a pi) = exp(-i a pi P) with the amount as the patched composer reduces it."""
    from lsqecc.pauli_rotations import PauliRotation, segmented_qasm_parser

    with redirect_stdout(io.StringIO()):
        circuit = segmented_qasm_parser.parse_str(source).to_y_free_equivalent()
        if litinski:
            circuit.apply_transformation()
            circuit = circuit.to_y_free_equivalent()
    total = np.eye(2**circuit.qubit_num, dtype=complex)
    for block in circuit.ops:
        assert isinstance(block, PauliRotation), block  # no measurements in these circuits
        amount = reduced(block.rotation_amount)
        assert amount in {
            0,
            Fraction(1, 2),
            Fraction(1, 4),
            Fraction(-1, 4),
            Fraction(1, 8),
            Fraction(-1, 8),
        }, block
        label = "".join(op.value for op in reversed(block.ops_list))  # qiskit: qubit 0 last
        pauli = Operator(Pauli(label)).data
        total = expm(-1j * float(amount) * np.pi * pauli) @ total
    return total


@pytest.mark.parametrize("name", [*SMALL, "hs4_n4"])
def test_the_composed_rotations_equal_the_input_circuit(name):
    """Without the transform, the rotations lsqecc composes (amounts reduced as the patch does)
    multiply out to the input circuit's unitary, up to a global phase."""
    source = hs4().replace("measure", "// measure") if name == "hs4_n4" else SMALL[name]
    assert distance(rotations_unitary(source, False), unitary(parse(source))) < 1e-7


@pytest.mark.parametrize("name", [*SMALL, "hs4_n4"])
def test_with_the_transform_every_rotation_is_expandable_and_t_count_is_kept(name):
    """With the transform, every amount the composer meets is one it expands after the patch's
    reduction (asserted inside rotations_unitary), and the pi/8 rotations are as many as before."""
    from lsqecc.pauli_rotations import segmented_qasm_parser

    source = hs4().replace("measure", "// measure") if name == "hs4_n4" else SMALL[name]
    rotations_unitary(source, True)
    eighths = []
    for litinski in (False, True):
        with redirect_stdout(io.StringIO()):
            circuit = segmented_qasm_parser.parse_str(source).to_y_free_equivalent()
            if litinski:
                circuit.apply_transformation()
        eighths.append(sum(abs(b.rotation_amount) == Fraction(1, 8) for b in circuit.ops))
    assert eighths[0] == eighths[1]


@pytest.mark.xfail(
    strict=True,
    reason="upstream 1d9d9f3, not patch 0003: PauliRotation.to_y_free_equivalent conjugates in "
    "the wrong order (Y_a becomes Y_-a) and moving pi/4 rotations past pi/2 ones can flip signs, "
    "so with the transform the composed rotations differ from the input by rotation signs "
    "(same rotations and T count, so the same lattice-surgery layout and resources)",
)
@pytest.mark.parametrize("name", ["x_then_z"])
def test_with_the_transform_the_composed_rotations_equal_the_input_circuit(name):
    source = SMALL[name]
    assert distance(rotations_unitary(source, True), unitary(parse(source))) < 1e-7


def test_the_bell_pair_demo_emits_minus_pi_over_2_under_the_transform():
    """What upstream refused: the transform turns the demo's `x` into a -1/2 (times pi) rotation."""
    from lsqecc.pauli_rotations import segmented_qasm_parser

    with redirect_stdout(io.StringIO()):
        circuit = segmented_qasm_parser.parse_str(BELL_PAIR_DEMO).to_y_free_equivalent()
        circuit.apply_transformation()
    assert Fraction(-1, 2) in {block.rotation_amount for block in circuit.ops}
