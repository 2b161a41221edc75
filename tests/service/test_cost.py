"""The cost prediction that sets the limits: the Pauli products it reads off a circuit, the
refusals it gives before compiling, and (with the compiler) that it matches what the compiler
does: the layout exactly, slices and time within the factors docs/benchmarks.md states."""

from __future__ import annotations

import json
import time

import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Pauli

from compile_service import circuit_check, cost, lowering, pauli_frame, service
from compile_service.errors import CircuitTooLarge
from compile_service.settings import load_job_limits, load_limits
from tests.conftest import SHARED_CORPUS as CORPUS
from tests.conftest import layered

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
CLIFFORDS = ("h", "s", "sdg", "x", "z")


def lowered(source: str) -> lowering.Lowered:
    parsed = circuit_check.check(source, load_job_limits())
    return lowering.lower(parsed.circuit, parsed.source, lowering.DEFAULT_PRECISION, 10**6)


def t_heavy(qubits: int, t_gates: int) -> str:
    """T gates with h and cx between them on `qubits`, measured: what the transform keeps."""
    lines = [f"qreg q[{qubits}];", f"creg c[{qubits}];"]
    for i in range(t_gates):
        k = i % qubits
        lines += [f"h q[{k}];", f"t q[{k}];", f"cx q[{k}],q[{(k + 1) % qubits}];"]
    lines += [f"measure q[{k}] -> c[{k}];" for k in range(qubits)]
    return HEADER + "\n".join(lines) + "\n"


def expected_product(circuit: QuantumCircuit, upto: int, qubit: int) -> Pauli:
    """Z on `qubit` conjugated by the Cliffords of circuit.data[:upto], computed by qiskit."""
    prefix = QuantumCircuit(circuit.num_qubits)
    for item in circuit.data[:upto]:
        if item.operation.name not in ("t", "tdg", "measure"):
            prefix.append(item.operation, item.qubits)
    z = Pauli("I" * (circuit.num_qubits - 1 - qubit) + "Z" + "I" * qubit)
    return z.evolve(prefix)  # Heisenberg: C^dagger Z C


@pytest.mark.parametrize("seed", range(5))
def test_the_products_are_the_cliffords_conjugating_each_t(seed: int) -> None:
    """pauli_frame against qiskit's own Pauli.evolve on random Clifford+T circuits."""
    import random

    rng = random.Random(seed)
    n = 5
    circuit = QuantumCircuit(n)
    for _ in range(60):
        kind = rng.choice(("1q", "1q", "cx", "cz", "t"))
        if kind == "1q":
            getattr(circuit, rng.choice(CLIFFORDS))(rng.randrange(n))
        elif kind == "t":
            circuit.t(rng.randrange(n))
        else:
            a, b = rng.sample(range(n), 2)
            getattr(circuit, kind)(a, b)
    operations = [
        (item.operation.name, tuple(circuit.find_bit(q).index for q in item.qubits), None)
        for item in circuit.data
    ]
    found = pauli_frame.products(operations, n)
    t_positions = [i for i, item in enumerate(circuit.data) if item.operation.name == "t"]
    assert len(found.rotation_weights) == len(t_positions)
    for index, weight, ys in zip(
        t_positions, found.rotation_weights, found.rotation_ys, strict=True
    ):
        qubit = circuit.find_bit(circuit.data[index].qubits[0]).index
        product = expected_product(circuit, index, qubit)
        assert weight == sum(1 for x, z in zip(product.x, product.z, strict=True) if x or z)
        assert ys == sum(1 for x, z in zip(product.x, product.z, strict=True) if x and z)


def test_magic_states_count_t_ccx_and_odd_quarter_rotations() -> None:
    source = HEADER + (
        "qreg q[3];\nt q[0];\ntdg q[1];\nccx q[0],q[1],q[2];\nrz(pi/4) q[2];\n"
        "rz(pi/2) q[2];\nu1(-pi/4) q[0];\nrx(pi/4) q[1];\ns q[1];\nh q[2];\n"
    )
    as_is = lowered(source)
    assert as_is.report.lowered is False  # sent byte for byte, counted from the parsed circuit
    assert cost.predict(as_is.operations, 3, True).magic_states == 1 + 1 + 7 + 1 + 1 + 1
    # The same circuit once lowered (y forces the lowering): the same count from its gates.
    rewritten = lowered(source + "y q[0];\n")
    assert rewritten.report.lowered is True
    assert cost.predict(rewritten.operations, 3, True).magic_states == 12


def test_the_layout_is_two_cells_a_qubit_plus_one_per_magic_state() -> None:
    assert cost.predict(lowered(t_heavy(4, 10)).operations, 4, True).cells == 3 * (8 + 10 + 1)
    clifford = HEADER + "qreg q[4];\nh q[0];\ncx q[0],q[1];\n"
    assert cost.predict(lowered(clifford).operations, 4, True).cells == 3 * 8


def test_cost_grows_with_t_gates_not_with_cliffords() -> None:
    cliffords = HEADER + "qreg q[6];\ncreg c[6];\n" + "h q[0];\ncx q[0],q[1];\ns q[2];\n" * 600
    cliffords += "measure q[0] -> c[0];\n"
    cheap = cost.predict(lowered(cliffords).operations, 6, True)
    dear = cost.predict(lowered(t_heavy(6, 400)).operations, 6, True)
    assert cheap.operations > dear.operations
    assert cheap.seconds < 1 < 20 < dear.seconds


def test_a_clifford_heavy_circuit_the_old_operation_limit_refused_is_accepted() -> None:
    """1801 operations: the 250-operation limit refused it; the transform absorbs them all."""
    source = HEADER + "qreg q[6];\ncreg c[6];\n" + "h q[0];\ncx q[0],q[1];\ns q[2];\n" * 600
    source += "measure q[0] -> c[0];\n"
    prepared = service.prepare(source, True, load_limits())
    assert prepared.gates == 1801


def test_a_t_heavy_circuit_is_refused_before_compiling_with_its_cost_and_the_ways_on(
    invoke, no_compiler
) -> None:
    started = time.perf_counter()
    result = invoke("POST", "/v2/compile", {"circuit": t_heavy(4, 400)})
    assert time.perf_counter() - started < 5  # at once, not after the time budget
    assert result["statusCode"] == 422
    error = json.loads(result["body"])["error"]
    assert error["code"] == "circuit_too_large"
    message = error["message"]
    assert "400 pi/8 rotations (T gates) on 4 qubits" in message
    limit = load_limits().max_predicted_seconds
    assert "predicted to take" in message and f"at most {limit:g} s" in message
    assert "POST /v2/jobs" in message
    # The legacy route says the same in plain text.
    legacy = invoke("POST", "/compile", {"circuit": t_heavy(4, 400)})
    assert legacy["statusCode"] == 422 and "POST /v2/jobs" in legacy["body"]


@pytest.fixture
def no_liblsqecc(monkeypatch):
    """The service as in a build without liblsqecc's slicer."""
    from compile_service.engines import liblsqecc

    monkeypatch.setenv("LSC_LIBLSQECC_SLICER", "/nonexistent/lsqecc_slicer")
    liblsqecc.binary.cache_clear()
    yield
    liblsqecc.binary.cache_clear()  # (found again once monkeypatch restores the environment)


def test_a_refusal_names_no_engine_when_no_other_would_take_it(invoke, no_compiler, no_liblsqecc):
    result = invoke("POST", "/v2/compile", {"circuit": t_heavy(4, 400)})
    assert result["statusCode"] == 422
    message = json.loads(result["body"])["error"]["message"]
    assert "engine" not in message and "POST /v2/jobs" in message


def test_an_approximated_circuit_is_told_a_coarser_precision_helps(invoke, no_compiler):
    source = (
        HEADER
        + "qreg q[3];\n"
        + "".join(
            f"ry(0.{i + 1}3) q[{i % 3}];\ncx q[{i % 3}],q[{(i + 1) % 3}];\n" for i in range(9)
        )
    )
    result = invoke("POST", "/v2/compile", {"circuit": source * 1, "precision": 1e-6})
    message = json.loads(result["body"])["error"]["message"]
    assert result["statusCode"] == 422, message
    assert "lowered to the compiler's gate set" in message
    assert (
        "coarser precision (up to 0.1" in message and "approximated at precision 1e-06" in message
    )


def test_jobs_take_what_the_synchronous_routes_refuse_and_refuse_past_their_own_limits() -> None:
    circuit = t_heavy(4, 400)
    with pytest.raises(CircuitTooLarge):
        service.prepare(circuit, True, load_limits())
    assert service.prepare(circuit, True, load_job_limits(), packed=True).gates == 1204
    with pytest.raises(CircuitTooLarge) as refused:
        service.prepare(t_heavy(4, 3000), True, load_job_limits(), packed=True)
    assert "MB" in refused.value.message and "POST /v2/jobs" not in refused.value.message


def test_a_result_written_gzipped_slice_by_slice_needs_the_slices_memory_alone() -> None:
    operations = lowered(t_heavy(4, 300)).operations
    whole = cost.predict(operations, 4, True)
    packed = cost.predict(operations, 4, True, packed=True)
    assert packed.seconds == whole.seconds
    assert packed.megabytes - cost.BASE_MEGABYTES < (whole.megabytes - cost.BASE_MEGABYTES) / 5


def test_the_job_memory_limit_follows_the_worker_memory(monkeypatch) -> None:
    monkeypatch.setenv("LSC_JOB_WORKER_MEMORY_MB", "10240")
    assert load_job_limits().max_predicted_megabytes == 9216
    monkeypatch.delenv("LSC_JOB_WORKER_MEMORY_MB")
    assert load_job_limits().max_predicted_megabytes == 2707


# Circuits the compiler is measured on here (each a few seconds at most).
MEASURED = {
    "t_heavy_3x60": t_heavy(3, 60),
    "layered_6x3": layered(6, 3).qasm,
    "layered_4x6": layered(4, 6).qasm,
    "cliffords_measured": HEADER
    + "qreg q[4];\ncreg c[4];\n"
    + "h q[1];\ncx q[1],q[2];\n" * 40
    + "measure q[2] -> c[2];\n",
}


@pytest.mark.compiler
@pytest.mark.parametrize("transform", [True, False], ids=["transform", "no-transform"])
@pytest.mark.parametrize("name", sorted(MEASURED))
def test_the_prediction_matches_the_compiler(name: str, transform: bool) -> None:
    from compile_service.engines import lsqecc as compiler

    low = lowered(MEASURED[name])
    predicted = cost.predict(low.operations, low.qubits, transform)
    compiled = compiler.compile_qasm(low.source, transform)
    rows, columns = len(compiled.slices[0]), len(compiled.slices[0][0])
    assert rows * columns == predicted.cells  # the layout is exact
    if transform:
        assert 0.6 <= len(compiled.slices) / predicted.slices <= 1.6, (
            len(compiled.slices),
            predicted.slices,
        )
    else:  # without the transform every gate takes a fixed number of slices
        assert len(compiled.slices) == predicted.slices


@pytest.mark.compiler
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_the_layout_prediction_is_exact_on_the_corpus() -> None:
    """Every corpus circuit that compiles here quickly: the predicted layout is the compiler's,
    and so are the slices without the transform."""
    from compile_service.engines import lsqecc as compiler
    from compile_service.errors import ServiceError

    checked = 0
    for path in sorted(CORPUS.glob("*.qasm")):
        try:
            low = lowered(path.read_text())
        except ServiceError:
            continue  # refused for a construct
        predicted = cost.predict(low.operations, low.qubits, True)
        if predicted.seconds > 3:
            continue
        compiled = compiler.compile_qasm(low.source, True)
        assert len(compiled.slices[0]) * len(compiled.slices[0][0]) == predicted.cells, path.stem
        assert 0.5 <= len(compiled.slices) / predicted.slices <= 2.2, path.stem
        without = cost.predict(low.operations, low.qubits, False)
        assert len(compiler.compile_qasm(low.source, False).slices) == without.slices, path.stem
        checked += 1
    assert checked >= 20
