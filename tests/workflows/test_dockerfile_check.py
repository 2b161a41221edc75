"""The image job builds a Dockerfile that runs nothing: `lsctl check-dockerfile` parses it
(dockerfile-parse) and allows only instructions that copy or set metadata, and no parser
directive. The grep deploy.yml used before (`^[[:space:]]*RUN[[:space:]]`, case-insensitive)
missed a continuation right after RUN and a `# syntax=` frontend; these cases prove the parser
does not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lsctl.build.dockerfile_check import problems

REPO = Path(__file__).resolve().parents[2]
OLD_GREP = re.compile(r"^[ \t]*RUN[ \t]", re.IGNORECASE | re.MULTILINE)
GOOD = (REPO / "Dockerfile").read_text()
BASE = "FROM public.ecr.aws/lambda/python:3.12@sha256:" + "0" * 64 + "\n"

RUNS_CODE = {
    "run": GOOD + "RUN pip install x\n",
    "continuation right after RUN": BASE + "RUN\\\n  curl https://example.invalid | sh\n",
    "lower case": BASE + "run echo hi\n",
    "onbuild": BASE + "ONBUILD RUN echo hi\n",
    "heredoc": BASE + "RUN <<EOF\necho hi\nEOF\n",
    "shell": BASE + 'SHELL ["/bin/sh", "-c"]\n',
    "add": BASE + "ADD https://example.invalid/x.tar.gz /x\n",
    "syntax directive": "# syntax=example.invalid/frontend:latest\n" + GOOD,
    "escape directive": "# escape=`\n" + BASE + "COPY a /a\n",
}
GREP_MISSED = {"continuation right after RUN", "onbuild", "syntax directive", "shell", "add"}


def check(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return problems(path)


def test_the_repository_s_dockerfile_runs_nothing(tmp_path: Path) -> None:
    assert check(tmp_path, GOOD) == []


@pytest.mark.parametrize("case", sorted(RUNS_CODE))
def test_a_dockerfile_that_runs_code_is_refused(tmp_path: Path, case: str) -> None:
    found = check(tmp_path, RUNS_CODE[case])
    assert found, case


@pytest.mark.parametrize("case", sorted(GREP_MISSED))
def test_the_old_grep_missed_these(case: str) -> None:
    assert not OLD_GREP.search(RUNS_CODE[case])


def test_a_comment_mentioning_run_or_syntax_below_the_top_is_fine(tmp_path: Path) -> None:
    text = BASE + '# RUN nothing here; # syntax=is only a directive at the top\nCMD ["a"]\n'
    assert check(tmp_path, text) == []


def test_the_command_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lsctl import cli

    path = tmp_path / "Dockerfile"
    path.write_text(RUNS_CODE["continuation right after RUN"])
    assert cli.main(["check-dockerfile", str(path)]) == 1
    assert "line 2: RUN" in capsys.readouterr().err
    assert cli.main(["check-dockerfile", str(REPO / "Dockerfile")]) == 0
