"""`make test` starts the long tests first, so that both xdist workers finish together: the known
list, overridden by this machine's measured durations (pytest's cache); the rest keep
pytest-randomly's order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.conftest import _long_ones_first


@dataclass
class Item:
    nodeid: str


@dataclass
class Cache:
    measured: dict[str, float] = field(default_factory=dict)

    def get(self, key: str, default: Any) -> Any:
        return self.measured


@dataclass
class Config:
    cache: Cache


def ordered(nodeids: list[str], measured: dict[str, float]) -> list[str]:
    items: list[Any] = [Item(n) for n in nodeids]
    _long_ones_first(Config(Cache(measured)), items)  # type: ignore[arg-type]
    return [i.nodeid for i in items]


def test_long_tests_go_first_longest_first_and_the_rest_keep_their_order():
    nodeids = [
        "tests/service/test_a.py::test_quick_2",
        "tests/infra/test_linters.py::test_cfn_lint",
        "tests/service/test_a.py::test_quick_1",
        "tests/service/test_b.py::test_measured_long",
        "tests/service/test_compiler_patches.py::test_upstream_tests_have_the_same_outcomes",
    ]
    assert ordered(nodeids, {"tests/service/test_b.py::test_measured_long": 150.0}) == [
        "tests/service/test_compiler_patches.py::test_upstream_tests_have_the_same_outcomes",
        "tests/service/test_b.py::test_measured_long",
        "tests/infra/test_linters.py::test_cfn_lint",
        "tests/service/test_a.py::test_quick_2",
        "tests/service/test_a.py::test_quick_1",
    ]


def test_a_measured_duration_overrides_the_known_list():
    nodeids = ["tests/service/test_a.py::test_quick", "tests/infra/test_linters.py::test_cfn_lint"]
    measured = {"tests/infra/test_linters.py::test_cfn_lint": 0.8}
    assert ordered(nodeids, measured) == nodeids
