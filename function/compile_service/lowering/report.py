"""What the lowering did, for the user: `lowering` in /v2 answers, a header on /compile."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compile_service.lowering.approximate import MAX_PRECISION

# The advice of a size refusal when approximating at a coarser precision makes the circuit
# smaller (the web client's route, which has no precision setting, tries coarser ones itself).
COARSER_PRECISION_HELPS = "try a coarser precision"


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
    # The sum over approximated rotations of each one's operator-norm distance from its target
    # (at most rotations x precision): a bound on the distance of the whole lowered circuit.
    error_bound: float = 0.0
    error_budget: float | None = None  # the total sent with the request, if any
    merged_register: str | None = None
    registers: list[RegisterSlice] = field(default_factory=list)

    def summary(self) -> str:
        """What was done, for a refusal: "rewritten: 2 u3; 3 rotations approximated at ..."."""
        rewritten = ", ".join(f"{n} {name}" for name, n in sorted(self.rewritten.items()))
        parts = [f"rewritten: {rewritten}" if rewritten else "no gate rewritten"]
        if self.rotations_approximated:
            parts.append(
                f"{self.rotations_approximated} rotations approximated at precision "
                f"{self.precision:g}, adding {self.t_gates_added} T gates, error bound "
                f"{self.error_bound:.2g}"
            )
        return "; ".join(parts)

    def advice(self, approximating: bool | None = None) -> str:
        """What makes the circuit smaller: a coarser precision helps only when rotations are
        approximated (`approximating`, by default whether any were) and it can be coarser."""
        if approximating is None:
            approximating = self.rotations_approximated > 0
        if approximating and self.precision is not None and self.precision < MAX_PRECISION:
            return f"{COARSER_PRECISION_HELPS} (up to {MAX_PRECISION:g}), or a smaller circuit"
        return "compile a smaller circuit"

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
            "error_bound": self.error_bound,
            "error_budget": self.error_budget,
            "register_map": self._register_map(),
        }

    def _register_map(self) -> dict[str, Any] | None:
        if self.merged_register is None:
            return None
        return {
            "register": self.merged_register,
            "from": [{"name": r.name, "size": r.size, "start": r.start} for r in self.registers],
        }
