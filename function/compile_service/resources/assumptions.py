"""The physical assumptions of an estimate: what a request may set, its defaults and bounds.

Defaults follow Litinski, "A Game of Surface Codes" (Quantum 3, 128, 2019): physical error rate
1e-3 and a 1 us code cycle; the error budget 1e-3 is Microsoft's estimator's default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

DEFAULT_PHYSICAL_ERROR_RATE = 1e-3
DEFAULT_CYCLE_TIME = 1e-6  # seconds per surface-code cycle (one round of stabiliser measurement)
DEFAULT_ERROR_BUDGET = 1e-3  # probability that the computation fails
# The surface code's threshold in the error model (physical.py): at or above it no distance helps.
THRESHOLD = 1e-2
MIN_PHYSICAL_ERROR_RATE = 1e-9
MIN_CYCLE_TIME, MAX_CYCLE_TIME = 1e-9, 1.0
MIN_ERROR_BUDGET, MAX_ERROR_BUDGET = 1e-15, 0.5


@dataclass(frozen=True)
class Assumptions:
    physical_error_rate: float = DEFAULT_PHYSICAL_ERROR_RATE
    cycle_time: float = DEFAULT_CYCLE_TIME
    # None: not sent. The estimate then spends DEFAULT_ERROR_BUDGET on running the layout and
    # the lowering's approximations are not in it; sent, it is the total, approximations included.
    error_budget: float | None = None

    @property
    def budget(self) -> float:
        return DEFAULT_ERROR_BUDGET if self.error_budget is None else self.error_budget

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)
