"""The benchmark's circuits are what docs/benchmarks.md says they are."""

from __future__ import annotations

import pytest
from qiskit import qasm2

from lsctl.bench import circuits


@pytest.mark.parametrize("qubits", [1, 2, 3, 8, 16])
def test_layered_circuit_is_n_qubits_by_three_layers_of_h_cx_t(qubits):
    circuit = circuits.layered(qubits)
    parsed = qasm2.loads(circuit.qasm)
    counts = parsed.count_ops()
    assert parsed.num_qubits == qubits == circuit.qubits
    assert counts["h"] == counts["t"] == 3 * qubits
    # brick wall: pairs from qubit 0 in layers 0 and 2, from qubit 1 in layer 1
    assert counts.get("cx", 0) == 2 * (qubits // 2) + (qubits - 1) // 2
    assert circuit.gates == len(parsed.data)


def test_layered_circuit_layer_order_is_h_then_cx_then_t():
    lines = circuits.layered(4).qasm.splitlines()[3:]
    first_layer = lines[:10]
    assert first_layer[:4] == [f"h q[{i}];" for i in range(4)]
    assert first_layer[4:6] == ["cx q[0],q[1];", "cx q[2],q[3];"]
    assert first_layer[6:10] == [f"t q[{i}];" for i in range(4)]
    assert lines[14] == "cx q[1],q[2];"  # layer 1 starts its pairs at qubit 1


def test_layered_circuit_needs_a_qubit():
    with pytest.raises(ValueError, match="at least one qubit"):
        circuits.layered(0)


def test_quick_set_stops_at_eight_qubits_and_full_set_reaches_sixteen(tmp_path):
    quick = circuits.benchmark_set(quick=True, demo_dir=tmp_path)
    full = circuits.benchmark_set(quick=False, demo_dir=tmp_path)
    assert [c.name for c in quick] == ["readme_example", "layered_n2", "layered_n4", "layered_n8"]
    assert max(c.qubits for c in full) == 16
    assert [c.qubits for c in full if c.name.startswith("layered")] == [2, 4, 8, 12, 16]


def test_demo_circuits_are_read_when_present_and_counted(tmp_path):
    (tmp_path / "bell_pair.qasm").write_text(
        'OPENQASM 2.0;\ninclude "qelib1.inc";\n// a comment; with a semicolon\n'
        "qreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q[0] -> c[0];\n"
    )
    bell = circuits.demo("bell_pair", tmp_path)
    assert (bell.qubits, bell.gates) == (2, 3)
    assert circuits.demo("nontrivial_state", tmp_path) is None
    names = [c.name for c in circuits.benchmark_set(quick=True, demo_dir=tmp_path)]
    assert names[:2] == ["bell_pair", "readme_example"]
