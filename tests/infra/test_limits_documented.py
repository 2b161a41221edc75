"""The size limits are one decision, written in three places: the service's defaults
(function/compile_service/settings.py), the SAM template and the limits table of docs/api.md."""

from __future__ import annotations

import re

import pytest

from compile_service import settings
from tests.infra.conftest import REPO, TEMPLATE

LIMITS = {
    "LSC_MAX_QUBITS": "max_qubits",
    "LSC_MAX_GATES": "max_gates",
    "LSC_MAX_PREDICTED_SECONDS": "max_predicted_seconds",
}


@pytest.fixture
def defaults(monkeypatch: pytest.MonkeyPatch) -> settings.Limits:
    for variable in LIMITS:
        monkeypatch.delenv(variable, raising=False)
    return settings.load_limits()


@pytest.mark.parametrize("variable", sorted(LIMITS))
def test_template_readme_and_defaults_agree(defaults, variable):
    default = getattr(defaults, LIMITS[variable])
    in_template = re.findall(rf'^\s+{variable}: "(\d+)"$', TEMPLATE.read_text(), re.MULTILINE)
    assert in_template == [f"{default:g}"]
    readme = (REPO / "docs" / "api.md").read_text()
    assert re.findall(rf"^\| `{variable}` \| (\d+) \|", readme, re.MULTILINE) == [f"{default:g}"]


def test_the_local_compile_budget_is_the_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """`make serve` and the stages give a compile the same time, so that a circuit refused or
    accepted locally is refused or accepted on the stages too."""
    monkeypatch.delenv("LSC_COMPILE_SECONDS", raising=False)
    in_template = re.findall(r"^\s+CompileSeconds: (\d+)$", TEMPLATE.read_text(), re.MULTILINE)
    assert in_template and set(in_template) == {f"{settings.load_limits().compile_seconds:g}"}
    readme = (REPO / "docs" / "api.md").read_text()
    assert (
        re.findall(r"^\| `LSC_COMPILE_SECONDS` \| (\d+) \|", readme, re.MULTILINE)
        == in_template[:1]
    )
