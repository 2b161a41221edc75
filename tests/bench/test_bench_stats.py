"""Percentiles as numpy computes them (linear), so p95 over few samples is not just the max."""

from __future__ import annotations

import pytest

from lsctl.bench import stats


def test_percentiles_interpolate_linearly():
    samples = [4.0, 1.0, 3.0, 2.0]
    assert stats.percentile(samples, 50) == pytest.approx(2.5)
    assert stats.percentile(samples, 95) == pytest.approx(3.85)
    assert stats.percentile(samples, 0) == 1.0
    assert stats.percentile(samples, 100) == 4.0
    assert stats.percentile([5.0], 50) == 5.0


def test_summary_and_ratio():
    summary = stats.summary([0.1, 0.2, 0.3])
    assert summary == {"p50": 0.2, "p95": 0.29, "min": 0.1, "max": 0.3, "n": 3}
    assert stats.ratio(1.0, 4.0) == 0.25
    assert stats.ratio(None, 4.0) is None
    assert stats.ratio(1.0, 0.0) is None


def test_no_samples_is_an_error():
    with pytest.raises(ValueError, match="no samples"):
        stats.percentile([], 50)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        stats.percentile([1.0], 101)
