"""The example circuits every part of the tooling shares: the README's example (the smoke test,
the request corpus, the benchmark and the tests compile it) and the generated "layered" circuits
(n qubits x 3 layers of h/cx/t) the benchmark, the corpus and the tests scale with."""

from __future__ import annotations

from dataclasses import dataclass

# The first example of README.md (a test checks the README still shows exactly this circuit).
README_EXAMPLE = (
    "OPENQASM 2.0;\n"
    'include "qelib1.inc";\n'
    "qreg q[2];\n"
    "h q[0];\ncx q[0],q[1];\nh q[0];\nt q[1];\ns q[0];\nx q[0];\n"
)
LAYERS = 3


@dataclass(frozen=True)
class Circuit:
    name: str
    qasm: str
    qubits: int
    gates: int


def layered(qubits: int, layers: int = LAYERS) -> Circuit:
    """n qubits x `layers` layers of h/cx/t, a brick-wall pattern.

    Layer k (k = 0, 1, ...) is, in this order: `h` on every qubit; `cx q[i],q[i+1]` for
    i = k mod 2, k mod 2 + 2, ... while i + 1 < n; `t` on every qubit. So each layer has 2n
    single-qubit gates and floor(n/2) (k even) or floor((n-1)/2) (k odd) CNOTs.
    """
    if qubits < 1:
        raise ValueError("a layered circuit needs at least one qubit")
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{qubits}];"]
    gates = 0
    for layer in range(layers):
        step = [f"h q[{i}];" for i in range(qubits)]
        step += [f"cx q[{i}],q[{i + 1}];" for i in range(layer % 2, qubits - 1, 2)]
        step += [f"t q[{i}];" for i in range(qubits)]
        lines += step
        gates += len(step)
    return Circuit(f"layered_n{qubits}", "\n".join(lines) + "\n", qubits, gates)
