"""Order statistics of timing samples (no numpy: the CLI stays light)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(samples: Sequence[float], q: int) -> float:
    """The q-th percentile (a whole number, 0-100), linear between closest ranks (numpy's
    default method, which is statistics.quantiles' "inclusive" one)."""
    if not samples:
        raise ValueError("no samples")
    if not 0 <= q <= 100:
        raise ValueError("q must be within 0..100")
    if len(samples) == 1 or q in (0, 100):
        return min(samples) if q == 0 else max(samples)
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def summary(samples: Sequence[float]) -> dict[str, float]:
    """p50, p95, min, max and count of `samples` (seconds), rounded to 0.1 ms."""
    return {
        "p50": round(percentile(samples, 50), 4),
        "p95": round(percentile(samples, 95), 4),
        "min": round(min(samples), 4),
        "max": round(max(samples), 4),
        "n": len(samples),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)
