"""The first-deploy runbook (docs/github-actions.md) says what the code does: the commands it
shows parse with the flags they require, and the concurrency it asks AWS for is the template's."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

from lsctl.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
RUNBOOK = (REPO / "docs" / "github-actions.md").read_text()
STAGES = ("dev", "prod")
NEW_ACCOUNT_QUOTA = 10


def shell_commands() -> list[list[str]]:
    """Every `.venv/bin/lsctl ...` command in the runbook's sh blocks (continuations joined,
    comments dropped)."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", RUNBOOK, re.DOTALL):
        text = re.sub(r"\\\n\s*", " ", block)
        for line in text.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == [".venv/bin/lsctl"] and "..." not in words:
                found.append(words[1:])
    return found


def resolve(value: Any, mappings: dict[str, Any], stage: str) -> int:
    if isinstance(value, dict) and "Fn::FindInMap" in value:
        table, key, name = value["Fn::FindInMap"]
        key = stage if key == {"Ref": "Stage"} else key
        return int(mappings[table][key][name])
    return int(value)


def worker_concurrency_per_stage() -> dict[str, int]:
    """What the SQS event sources may run at once (ScalingConfig.MaximumConcurrency), summed per
    stage: the concurrency the workers can use without any API request."""
    template = cfn_yaml.load(str(REPO / "template.yml"))
    totals = dict.fromkeys(STAGES, 0)
    for resource in template["Resources"].values():
        events = (resource.get("Properties") or {}).get("Events") or {}
        for event in events.values():
            if event["Type"] == "SQS":
                limit = event["Properties"]["ScalingConfig"]["MaximumConcurrency"]
                for stage in STAGES:
                    totals[stage] += resolve(limit, template["Mappings"], stage)
    return totals


def test_every_lsctl_command_of_the_runbook_parses() -> None:
    commands = shell_commands()
    assert {c[0] for c in commands} >= {"bootstrap", "github"}
    parser = build_parser()
    for words in commands:
        parser.parse_args(words)  # SystemExit (a failed test) for a wrong flag


def test_bootstrap_is_shown_with_every_flag_it_requires() -> None:
    (bootstrap,) = [c for c in shell_commands() if c[0] == "bootstrap"]
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    required = [a.option_strings[0] for a in subparsers.choices["bootstrap"]._actions if a.required]
    assert required and all(flag in bootstrap for flag in required)
    assert "BudgetAlertEmail=you@example.com" in bootstrap


def test_the_concurrency_the_runbook_asks_for_is_the_templates() -> None:
    totals = worker_concurrency_per_stage()
    workers = sum(totals.values())
    assert workers > NEW_ACCOUNT_QUOTA  # why the quota request is a step at all
    assert f"the job workers alone can use {workers}" in " ".join(RUNBOOK.split())
    assert f"{totals['dev']} + {totals['prod']} = {workers}" in RUNBOOK
    assert "--quota-code L-B99A9384" in RUNBOOK


def test_no_console_step_is_left_but_the_two_a_person_must_take() -> None:
    steps = RUNBOOK[RUNBOOK.index("## First deploy") : RUNBOOK.index("### 3. Merge")]
    assert "Settings →" not in steps and "Console →" not in steps
    assert "**Confirm the alert e-mail.**" in steps
    assert "**Ask AWS for a Lambda concurrency quota above 10.**" in steps
