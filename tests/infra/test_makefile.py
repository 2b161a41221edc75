"""`make help` lists every target a newcomer can run, and the ones the README names exist."""

from __future__ import annotations

import re
import subprocess

from lsctl.paths import REPO_ROOT

MAKEFILE = (REPO_ROOT / "Makefile").read_text()


def phony() -> set[str]:
    found = re.search(r"^\.PHONY:(.*)$", MAKEFILE, re.M)
    assert found is not None
    return set(found.group(1).split())


def test_help_lists_every_target() -> None:
    listed = subprocess.run(
        ["make", "-s", "help"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    shown = {line.split()[1] for line in listed.splitlines() if line.startswith("make ")}
    assert shown == phony()


def test_serve_takes_a_port() -> None:
    dry = subprocess.run(
        ["make", "-n", "serve", "PORT=8080"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout
    assert "lsctl serve --port 8080" in dry
