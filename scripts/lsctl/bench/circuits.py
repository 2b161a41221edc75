"""The circuits the benchmark compiles.

- the upstream demos in compiler/assets/demo_circuits (bell_pair, nontrivial_state), read from
  the submodule checkout when it is there;
- the README example and generated "layered" circuits (n qubits x 3 layers), from lsctl.samples.
"""

from __future__ import annotations

from pathlib import Path

from lsctl.paths import COMPILER_DIR
from lsctl.samples import README_EXAMPLE, Circuit, layered

DEMO_DIR = COMPILER_DIR / "assets" / "demo_circuits"
DEMOS = ("bell_pair", "nontrivial_state")
__all__ = ["README_EXAMPLE", "Circuit", "benchmark_set", "demo", "layered"]
SIZES = (2, 4, 8, 12, 16)
QUICK_SIZES = (2, 4, 8)


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
