"""The README's first example, as a newcomer runs it: the shell pipeline's Python part reads the
/compile answer; an error answer (e.g. 503 without the compiler) is shown, not a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from lsctl.paths import REPO_ROOT
from lsctl.samples import README_EXAMPLE

README = (REPO_ROOT / "README.md").read_text()


def first_example() -> re.Match[str]:
    found = re.search(
        r"```sh\ncurl -s (\S+) .*?\"circuit\": \"(.*?)\",\n.*?python3 -c '(.*?)'\n```", README, re.S
    )
    assert found is not None, "the README's first example is no curl | python3 -c pipeline"
    return found


def reader(stdin: str) -> subprocess.CompletedProcess[str]:
    code = first_example().group(3)
    return subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, timeout=30
    )


def test_the_first_example_compiles_the_circuit_everything_else_uses():
    url, circuit, _ = first_example().groups()
    assert url == "http://127.0.0.1:9876/compile"
    assert circuit.encode().decode("unicode_escape") == README_EXAMPLE


def test_a_compiled_answer_prints_the_slice_count():
    document = json.dumps({"slices": [[None]] * 82, "compilation_text": "Circuit"})
    result = reader(json.dumps(document))
    assert (result.returncode, result.stdout) == (0, "82 slices\n")


def test_an_error_answer_is_shown_as_sent_without_a_traceback():
    message = "the lattice-surgery compiler is not installed in this build: ...\n"
    result = reader(message)
    assert result.returncode == 1
    assert result.stderr.strip() == message.strip() and "Traceback" not in result.stderr
