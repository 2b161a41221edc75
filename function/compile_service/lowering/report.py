"""What the lowering did, for the user: `lowering` in /v2 answers, a header on /compile."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RegisterSlice:
    """Qubits `name[0..size-1]` of the source are `merged[start..start+size-1]`."""

    name: str
    size: int
    start: int


@dataclass
class LoweringReport:
    lowered: bool = False
    rewritten: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    rotations_approximated: int = 0
    precision: float | None = None
    t_gates_added: int = 0
    merged_register: str | None = None
    registers: list[RegisterSlice] = field(default_factory=list)

    def count(self, table: dict[str, int], name: str) -> None:
        table[name] = table.get(name, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; keys sorted so that the same circuit always reads the same."""
        return {
            "lowered": self.lowered,
            "rewritten": dict(sorted(self.rewritten.items())),
            "dropped": dict(sorted(self.dropped.items())),
            "rotations_approximated": self.rotations_approximated,
            "precision": self.precision if self.rotations_approximated else None,
            "t_gates_added": self.t_gates_added,
            "register_map": self._register_map(),
        }

    def _register_map(self) -> dict[str, Any] | None:
        if self.merged_register is None:
            return None
        return {
            "register": self.merged_register,
            "from": [{"name": r.name, "size": r.size, "start": r.start} for r in self.registers],
        }
