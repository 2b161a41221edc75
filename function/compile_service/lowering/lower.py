"""The lowering: a parsed circuit in, OpenQASM 2.0 the compiler handles out, and a report."""

from __future__ import annotations

from dataclasses import dataclass

from qiskit.circuit import QuantumCircuit

from compile_service.errors import CircuitTooLarge, UnsupportedCircuit
from compile_service.lowering import approximate, emit, registers, rotation_form
from compile_service.lowering.dialect import Operation, accepts_as_is, quarter_turns
from compile_service.lowering.report import LoweringReport
from compile_service.lowering.rewrite import Gate, Rewriter, Rotation, Step


@dataclass(frozen=True)
class Lowered:
    source: str  # what the compiler receives
    qubits: int
    # The same, as (name, qubits, angle in quarter turns or None), barriers left out: its size
    # and the cost prediction read it.
    operations: tuple[Operation, ...]
    registers: tuple[str, ...]
    report: LoweringReport

    @property
    def gates(self) -> int:
        """Operations (gates and measurements), barriers not counted."""
        return len(self.operations)


def lower(
    circuit: QuantumCircuit,
    source: str,
    precision: float | None,
    max_operations: int,
    error_budget: float | None = None,
) -> Lowered:
    """`source` unchanged when the compiler takes it as it is, else its lowering.

    precision: operator-norm distance allowed per approximated rotation, or None to refuse
    rotations that are not multiples of pi/4. max_operations: refuse (CircuitTooLarge) as soon as
    the lowered circuit is known to exceed it, before approximating every rotation.
    error_budget: a total error allowed, a share of which sets a finer precision when needed
    (approximate.precision_for).
    """
    report = LoweringReport(precision=precision, error_budget=error_budget)
    if accepts_as_is(circuit, source):
        operations = tuple(
            (
                item.operation.name,
                tuple(circuit.find_bit(q).index for q in item.qubits),
                _quarters(item.operation.params),
            )
            for item in circuit.data
            if item.operation.name != "barrier"
        )
        _check_size(len(operations), max_operations, report)
        names = tuple(r.name for r in (*circuit.qregs, *circuit.cregs))
        return Lowered(source, circuit.num_qubits, operations, names, report)
    report.lowered = True
    register = registers.merged_name(circuit)
    if len(circuit.qregs) > 1:
        report.merged_register = register
        report.registers = registers.register_slices(circuit)
    steps = Rewriter(report, max_operations).add_circuit(circuit)
    gates = rotation_form.rewrite_runs(_resolve(steps, precision, max_operations, report))
    lowered = tuple(
        (gate.name, gate.qubits, gate.quarters) for gate in gates if gate.name != "barrier"
    )
    _check_size(len(lowered), max_operations, report)
    names = (register, *(c.name for c in circuit.cregs))
    return Lowered(emit.qasm(circuit, register, gates), circuit.num_qubits, lowered, names, report)


def _quarters(params: list) -> int | None:
    """The angle of a native rotation (its last parameter) in quarter turns, else None."""
    return quarter_turns(float(params[-1])) if params else None


def _resolve(
    steps: list[Step], precision: float | None, max_operations: int, report: LoweringReport
) -> list[Gate]:
    """Rotations as native gates: exact ones first (to know the size), then approximations."""
    exact: dict[int, tuple[str, ...]] = {}
    pending: list[int] = []
    for index, step in enumerate(steps):
        if isinstance(step, Rotation):
            gates = approximate.exact_phase(step.angle)
            if gates is None:
                pending.append(index)
            else:
                exact[index] = gates
    if pending and precision is None:
        rotations = [s for i in pending if isinstance(s := steps[i], Rotation)]
        raise UnsupportedCircuit(_needs_precision(rotations))
    precision = report.precision = approximate.precision_for(
        precision, report.error_budget, len(pending)
    )
    size = sum(1 for s in steps if isinstance(s, Gate) and s.name != "barrier")
    size += sum(len(g) for g in exact.values())
    approximated: dict[int, tuple[str, ...]] = {}
    for done, index in enumerate(pending):
        _check_size(size, max_operations, report, progress=(done, len(pending)))
        step = steps[index]
        assert isinstance(step, Rotation) and precision is not None
        approximated[index] = approximate.approximate_rz(step.angle, precision)
        size += len(rotation_form.rewrite_run(approximated[index]))  # as it will be written
    report.rotations_approximated = len(pending)
    report.t_gates_added = sum(word.count("t") for word in approximated.values())
    report.error_bound = sum(
        approximate.distance(step.angle, approximated[index])
        for index in pending
        if isinstance(step := steps[index], Rotation)
    )
    gates: list[Gate] = []
    for index, step in enumerate(steps):
        if isinstance(step, Gate):
            gates.append(step)
            continue
        names = exact.get(index) or approximated.get(index, ())
        gates.extend(Gate(name, (step.qubit,), lowered=True) for name in names)
    return gates


def _needs_precision(rotations: list[Rotation]) -> str:
    origins = sorted({r.origin for r in rotations})
    first = rotations[0]
    return (
        f"{len(rotations)} rotation(s) are not multiples of pi/4 (e.g. rz({first.angle:.6g}) "
        f"from '{first.origin}'; gates: {', '.join(origins)}) and approximation is off: send a "
        "precision (e.g. 1e-3) to approximate them over Clifford+T, or use angles that are "
        "multiples of pi/4"
    )


def _check_size(
    operations: int,
    max_operations: int,
    report: LoweringReport,
    progress: tuple[int, int] | None = None,
) -> None:
    if operations <= max_operations:
        return
    if not report.lowered:
        raise CircuitTooLarge(
            f"the circuit has {operations} operations; this service compiles at most "
            f"{max_operations}"
        )
    if progress is None:
        raise CircuitTooLarge(
            f"lowered to the compiler's gate set the circuit has {operations} operations "
            f"({report.summary()}); this service compiles at most {max_operations} at once: "
            f"{report.advice()}"
        )
    done, total = progress
    raise CircuitTooLarge(
        f"lowered to the compiler's gate set the circuit has more than {max_operations} "
        f"operations: {total} rotations need approximating at precision {report.precision:g}, "
        f"and after {done} of them it had {operations}; this service compiles at most "
        f"{max_operations} at once: {report.advice(approximating=True)}"
    )
