"""The circuits the benchmark compiles.

- the upstream demos in compiler/assets/demo_circuits (bell_pair, nontrivial_state), read from
  the submodule checkout when it is there;
- the README example (the same text as tests/conftest.py's README_EXAMPLE);
- generated "layered" circuits: n qubits x 3 layers, see `layered`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lsctl.paths import COMPILER_DIR

DEMO_DIR = COMPILER_DIR / "assets" / "demo_circuits"
DEMOS = ("bell_pair", "nontrivial_state")
LAYERS = 3
SIZES = (2, 4, 8, 12, 16)
QUICK_SIZES = (2, 4, 8)

README_EXAMPLE = (
    "OPENQASM 2.0;\n"
    'include "qelib1.inc";\n'
    "qreg q[2];\n"
    "h q[0];\ncx q[0],q[1];\nh q[0];\nt q[1];\ns q[0];\nx q[0];\n"
)


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


def demo(name: str, demo_dir: Path = DEMO_DIR) -> Circuit | None:
    """An upstream demo circuit, or None when the submodule is not checked out."""
    path = demo_dir / f"{name}.qasm"
    if not path.is_file():
        return None
    text = path.read_text()
    return Circuit(name, text, qubits=_count_qubits(text), gates=_count_gates(text))


def benchmark_set(quick: bool = False, demo_dir: Path = DEMO_DIR) -> list[Circuit]:
    """Demos (those present), the README example, then layered circuits by size."""
    found = [c for c in (demo(name, demo_dir) for name in DEMOS) if c is not None]
    readme = Circuit("readme_example", README_EXAMPLE, 2, _count_gates(README_EXAMPLE))
    sizes = QUICK_SIZES if quick else SIZES
    return [*found, readme, *(layered(n) for n in sizes)]


def _statements(text: str) -> list[str]:
    code = "\n".join(line.split("//", 1)[0] for line in text.splitlines())
    return [s.strip() for s in code.split(";") if s.strip()]


def _count_qubits(text: str) -> int:
    total = 0
    for statement in _statements(text):
        if statement.startswith("qreg"):
            total += int(statement.split("[", 1)[1].split("]", 1)[0])
    return total


def _count_gates(text: str) -> int:
    skip = ("OPENQASM", "include", "qreg", "creg", "barrier")
    return sum(1 for s in _statements(text) if not s.startswith(skip))
