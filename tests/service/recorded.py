"""Real compiler outputs recorded in tests/data/recorded, served through the compiler adapter
where the compiler itself is absent (see tests/data/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"


def load(name: str, litinski: bool) -> dict[str, Any]:
    path = DATA / "recorded" / f"{name}.{'litinski' if litinski else 'plain'}.json"
    return json.loads(path.read_text())


def circuit(name: str) -> str:
    return (DATA / "circuits" / f"{name}.qasm").read_text()


NAMES = sorted(p.stem for p in (DATA / "circuits").glob("*.qasm"))


class RecordedPipeline:
    """Stands in for lsqecc's lattice_surgery_compilation_pipeline: returns what the real compiler
    returned for the recorded circuits, and fails like an unknown input for anything else."""

    def __init__(self) -> None:
        self.by_input = {
            (circuit(name), litinski): load(name, litinski)
            for name in NAMES
            for litinski in (True, False)
        }
        self.calls: list[tuple[str, bool, Any]] = []

    def compile_str(self, source: str, litinski: bool, simulation_type: Any = None):
        self.calls.append((source, litinski, simulation_type))
        recorded = self.by_input.get((source, litinski))
        if recorded is None:
            raise LookupError("no recorded output for this circuit")
        return recorded["slices"], recorded["compilation_text"]


SIMULATOR = SimpleNamespace(SimulatorType=SimpleNamespace(NOOP="NOOP"))
