"""The Dockerfile ships the bundle onto a digest-pinned Lambda base and installs nothing itself.
(No Docker engine here: this reads the file; hadolint and checkov run in test_linters.)"""

from __future__ import annotations

import fnmatch
import re

from tests.infra.conftest import DOCKERFILE, REPO

DIGEST_BASE = re.compile(r"^public\.ecr\.aws/lambda/python:3\.12@sha256:[0-9a-f]{64}$")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped and continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_base_is_the_lambda_python_312_image_pinned_by_digest_on_one_line() -> None:
    """One FROM line names the digest (where Dependabot's docker updates look); the image is
    built on it through ARG BASE_IMAGE, which a build may override (e.g. with a mirror)."""
    steps = instructions()
    froms = [a for k, a in steps if k == "FROM"]
    assert len(froms) == 2
    image, _, stage = froms[0].partition(" AS ")
    assert DIGEST_BASE.match(image), image
    assert steps[0] == ("ARG", f"BASE_IMAGE={stage}")  # global ARG, before the first FROM
    assert froms[1] == "${BASE_IMAGE}"


def test_only_the_bundle_is_copied_and_nothing_is_installed() -> None:
    steps = instructions()
    assert [k for k, _ in steps if k in ("RUN", "ADD")] == []
    assert [a for k, a in steps if k == "COPY"] == ["build/bundle/ ${LAMBDA_TASK_ROOT}/"]


def test_handler_labels_and_commit() -> None:
    steps = instructions()
    assert ("CMD", '["app.lambda_handler"]') in steps
    labels = " ".join(a for k, a in steps if k == "LABEL")
    assert '"${GIT_COMMIT}"' in labels
    assert '"${COMPILER_COMMIT}"' in labels
    assert ("ENV", "LSC_GIT_COMMIT=${GIT_COMMIT}") in steps
    declared = {a.split("=")[0] for k, a in steps if k == "ARG"}
    assert {"GIT_COMMIT", "COMPILER_COMMIT"} <= declared


def _in_context(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last matching pattern wins; '!' re-includes."""
    included = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        bare = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, bare) or path.startswith(bare + "/"):
            included = negated
    return included


def test_dockerignore_sends_only_the_bundle() -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [p.strip() for p in lines if p.strip() and not p.startswith("#")]
    for path in ("build/bundle/app.py", "build/bundle/scipy/__init__.py"):
        assert _in_context(path, patterns), path
    for path in (".venv", "compiler", ".git", "function/app.py", "build/compiler", "tests"):
        assert not _in_context(path, patterns), path
