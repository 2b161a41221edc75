"""`lsctl` starts fast and stops quietly: `--help` (and every command's) loads no AWS SDK, no
compiler and no server; a service that is not there, and Ctrl-C on `lsctl serve`, are one line
each; the third-party warnings nobody here can act on are not printed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import warnings

import pytest

from tests.conftest import REPO

# What `--help` must not wait for: the AWS SDK, YAML, ELF parsing, the service and compiler (and
# qiskit under them), moto, the local server's HTTP and process pools.
HEAVY = (
    "boto3",
    "botocore",
    "yaml",
    "elftools",
    "compile_service",
    "lsqecc",
    "qiskit",
    "moto",
    "http.server",
    "concurrent.futures.process",
)
EVERY_HELP = """
import contextlib, io, sys
from lsctl import cli
commands = sorted(cli.build_parser()._subparsers._group_actions[0].choices)
assert len(commands) > 10, commands
for argv in [["--help"]] + [[name, "--help"] for name in commands]:
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            cli.main(argv)
        except SystemExit:
            pass
print(" ".join(m for m in sys.argv[1:] if m in sys.modules))
"""


def test_help_of_lsctl_and_of_every_command_loads_nothing_heavy():
    """Checked by what is imported, not by timing (which depends on the machine)."""
    result = subprocess.run(
        [sys.executable, "-c", EVERY_HELP, *HEAVY],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "scripts")},
    )
    assert result.stdout.split() == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_job_for_a_service_that_is_not_running_is_one_line(lsctl, tmp_path):
    circuit = tmp_path / "bell.qasm"
    circuit.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\n')
    url = f"http://127.0.0.1:{_free_port()}"
    result = lsctl("job", str(circuit), "--url", url)
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        f"error: no answer from {url}: Connection refused "
        "(is `lsctl serve` / `make serve` running?)"
    ]


def test_the_known_third_party_warnings_are_filtered_and_no_others():
    from lsctl.local import known_warnings

    source = 'x = "\\c"\n'  # an invalid escape sequence: a SyntaxWarning when compiled
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        known_warnings.ignore()
        compile(source, "/venv/lib/python3.12/site-packages/pyzx/rules.py", "exec")
        compile(source, str(REPO / "function" / "compile_service" / "ours.py"), "exec")
        warnings.warn_explicit(
            "The `qiskit` package is not installed, only `qiskit-terra` is installed.",
            FutureWarning,
            "qiskit/__init__.py",
            27,
            module="qiskit",
        )
        warnings.warn_explicit("something else", FutureWarning, "qiskit/x.py", 1, module="qiskit")
    assert sorted(str(w.message) for w in caught) == [
        "invalid escape sequence '\\c'",
        "something else",
    ]


@pytest.mark.slow
def test_ctrl_c_stops_serve_with_one_line(tmp_path):
    """Ctrl-C reaches the whole process group (server and workers), as in a terminal."""
    process = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "lsctl"),
            "serve",
            "--port",
            str(_free_port()),
            "--workers",
            "1",
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        start_new_session=True,
        # A shell without job control starts background commands with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    before = []
    for line in process.stdout:
        before.append(line)
        if "Ctrl-C to stop" in line:
            break
    os.killpg(process.pid, signal.SIGINT)
    try:
        after, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert "Warning" not in "".join(before), before
    assert after.splitlines() == ["stopped"]
    assert process.returncode == 0
