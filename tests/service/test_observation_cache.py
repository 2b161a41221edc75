"""The patch proof reuses an observation only where every input it depends on is the same."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.service import observation_cache


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(observation_cache, "STORE", tmp_path / "store")
    monkeypatch.delenv("LSC_PROOF_CACHE", raising=False)
    root = tmp_path / "fixes"
    (root / "src" / "lsqecc").mkdir(parents=True)
    (root / "src" / "lsqecc" / "a.py").write_text("x = 1\n")
    return root


def counting() -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> list[dict[str, str]]:
        calls.append(1)
        return [{"service_json": f"digest {len(calls)}"}]

    return calls, compute


def test_the_same_inputs_are_observed_once(tree: Path) -> None:
    calls, compute = counting()
    first = observation_cache.observed([tree], "worker", {"sources": ["a"]}, compute)
    again = observation_cache.observed([tree], "worker", {"sources": ["a"]}, compute)
    assert first == again == [{"service_json": "digest 1"}] and len(calls) == 1


@pytest.mark.parametrize(
    "change",
    ["edit a compiler file", "add a compiler file", "another request", "another worker"],
)
def test_any_changed_input_is_observed_again(tree: Path, change: str) -> None:
    calls, compute = counting()
    code, request = "worker", {"sources": ["a"]}
    observation_cache.observed([tree], code, request, compute)
    if change == "edit a compiler file":
        (tree / "src" / "lsqecc" / "a.py").write_text("x = 2\n")
    elif change == "add a compiler file":
        (tree / "src" / "lsqecc" / "b.py").write_text("")
    elif change == "another request":
        request = {"sources": ["b"]}
    else:
        code = "worker, changed"
    result = observation_cache.observed([tree], code, request, compute)
    assert len(calls) == 2 and result == [{"service_json": "digest 2"}]


def test_the_service_s_sources_are_part_of_the_key(tree: Path, monkeypatch) -> None:
    before = observation_cache.key([tree], "worker", {})
    service = tree.parent / "function"
    (service / "compile_service").mkdir(parents=True)
    (service / "compile_service" / "encoding.py").write_text("# one encoder\n")
    monkeypatch.setattr(observation_cache, "IMPORTED_TREES", (service,))
    one = observation_cache.key([tree], "worker", {})
    (service / "compile_service" / "encoding.py").write_text("# another encoder\n")
    assert len({before, one, observation_cache.key([tree], "worker", {})}) == 3


def test_off_recomputes_and_stores_nothing(tree: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSC_PROOF_CACHE", "off")
    calls, compute = counting()
    observation_cache.observed([tree], "worker", {}, compute)
    observation_cache.observed([tree], "worker", {}, compute)
    assert len(calls) == 2 and not observation_cache.STORE.exists()


def test_observations_are_stored_compressed_and_read_back(tree: Path) -> None:
    big = [{"ast": "x" * 100_000}]
    observation_cache.observed([tree], "worker", {}, lambda: big)
    (stored,) = observation_cache.STORE.iterdir()
    assert stored.stat().st_size < 10_000
    assert observation_cache.observed([tree], "worker", {}, lambda: []) == big


def test_prune_drops_what_no_run_read_for_two_weeks(tree: Path) -> None:
    calls, compute = counting()
    observation_cache.observed([tree], "old", {}, compute)
    observation_cache.observed([tree], "read again", {}, compute)
    weeks_ago = time.time() - 15 * 86400
    for path in observation_cache.STORE.iterdir():
        os.utime(path, (weeks_ago, weeks_ago))
    observation_cache.observed([tree], "read again", {}, compute)  # a hit renews it
    assert len(observation_cache.prune()) == 1
    observation_cache.observed([tree], "read again", {}, compute)
    observation_cache.observed([tree], "old", {}, compute)
    assert len(calls) == 3  # "old" was observed again; "read again" was kept
