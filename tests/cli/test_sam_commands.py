"""`lsctl logs`, `invoke` and `destroy` hand the work to the SAM CLI: the sam command lines they
build, that the real `sam` parses them, and that the event `invoke` builds is one the real handler
answers. (`destroy` end to end, sam included, is in test_destroy_logs.py.)"""

from __future__ import annotations

import json
import subprocess

import pytest

from lsctl.deploy import sam_cli
from lsctl.deploy.sam import find_sam
from lsctl.local.lambda_fakes import LambdaContext, lambda_environment

SAM = "/opt/sam"


@pytest.fixture
def ran(monkeypatch) -> list[list[str]]:
    """The sam command lines the commands run (sam itself not started)."""
    commands: list[list[str]] = []

    def record(command: list[str]) -> int:
        commands.append(command)
        return 0

    monkeypatch.setattr(sam_cli, "run", record)
    monkeypatch.setenv("LSC_SAM", "/bin/true")  # find_sam needs an executable
    return commands


def _event(command: list[str]) -> dict:
    return json.loads(command[command.index("--event") + 1])


def test_logs_is_sam_logs_of_the_stages_stack(lsctl, ran):
    assert lsctl("logs", "--stage", "dev").code == 0
    assert ran[-1][1:] == [
        "logs",
        "--stack-name",
        "lattice-surgery-dev",
        "--start-time",
        "10mins ago",
    ]
    result = lsctl(
        "logs", "--stage", "prod", "--function", "WorkerFunction", "--since", "60",
        "--filter", "ERROR", "--follow", "--region", "eu-west-1",
    )  # fmt: skip
    assert result.code == 0
    assert ran[-1][1:] == [
        "logs", "--stack-name", "lattice-surgery-prod", "--region", "eu-west-1",
        "--start-time", "60mins ago", "--name", "WorkerFunction", "--filter", "ERROR", "--tail",
    ]  # fmt: skip


def test_sams_exit_code_is_lsctls(lsctl, monkeypatch):
    monkeypatch.setenv("LSC_SAM", "/bin/false")
    assert lsctl("logs", "--stage", "dev").code == 1


def test_a_missing_sam_is_one_line(lsctl, monkeypatch):
    result = lsctl("logs", "--stage", "dev", "--sam", "/no/such/sam")
    assert result.code == 1
    assert result.err == "error: sam binary '/no/such/sam' not found or not executable\n"


def handler_answer(event: dict, monkeypatch) -> dict:
    """What function/app.py returns for the event (the real handler, in-process)."""
    for name, value in lambda_environment("lattice-surgery-test").items():
        monkeypatch.setenv(name, value)
    import app

    return app.lambda_handler(event, LambdaContext("lattice-surgery-test", "test-request-id"))


def test_invoke_builds_a_proxy_event_the_handler_answers(lsctl, ran, monkeypatch):
    assert lsctl("invoke", "--stage", "dev", "--path", "/health").code == 0
    command = ran[-1]
    assert command[1:6] == [
        "remote",
        "invoke",
        "CompileFunction",
        "--stack-name",
        "lattice-surgery-dev",
    ]
    assert command[-2:] == ["--parameter", "Qualifier=live"]
    event = _event(command)
    assert event["httpMethod"] == "GET" and event["path"] == "/health"
    health = handler_answer(event, monkeypatch)
    assert health["statusCode"] in (200, 503), health  # 503: built without the compiler
    assert '"limits"' in health["body"]


def test_invoke_puts_a_post_body_and_headers_into_the_event(lsctl, ran, monkeypatch, tmp_path):
    body = tmp_path / "body.json"
    body.write_text('{"circuit": "OPENQASM 2.0;"}')
    result = lsctl(
        "invoke", "--stage", "dev", "--qualifier", "3", "--method", "post",
        "--path", "/v2/compile", "--body", f"@{body}", "--header", "Accept-Encoding: gzip",
    )  # fmt: skip
    assert result.code == 0, result.text
    assert ran[-1][-1] == "Qualifier=3"
    event = _event(ran[-1])
    assert event["httpMethod"] == "POST" and event["path"] == "/v2/compile"
    assert event["body"] == '{"circuit": "OPENQASM 2.0;"}'
    assert event["headers"]["accept-encoding"] == "gzip"
    assert event["headers"]["content-type"] == "application/json"
    # and the real handler takes it: a 4xx naming the bad circuit, not a routing error
    answer = handler_answer(event, monkeypatch)
    assert answer["statusCode"] in (400, 422), answer


def test_invoke_sends_an_event_file_as_is(lsctl, ran, tmp_path):
    event = {"resource": "/health", "path": "/health", "httpMethod": "GET", "custom": [1, 2]}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    assert (
        lsctl("invoke", "--stage", "dev", "--function", "WorkerFunction", "--event", str(path)).code
        == 0
    )
    assert ran[-1][3] == "WorkerFunction"
    assert _event(ran[-1]) == event
    assert lsctl("invoke", "--stage", "dev", "--event", str(path), "--log-tail").code == 0
    assert ran[-1][-4:] == ["--parameter", "Qualifier=live", "--parameter", "LogType=Tail"]


def test_invoke_reports_a_bad_event_file(lsctl, ran, tmp_path):
    path = tmp_path / "event.json"
    path.write_text("{not json")
    result = lsctl("invoke", "--stage", "dev", "--event", str(path))
    assert result.code == 1
    assert "is not JSON" in result.err
    assert ran == []


def test_destroy_runs_sam_delete_without_its_prompt():
    assert sam_cli.delete_command("sam", "dev", region="us-east-1") == [
        "sam", "delete", "--stack-name", "lattice-surgery-dev",
        "--region", "us-east-1", "--no-prompts",
    ]  # fmt: skip


BUILT = [
    sam_cli.logs_command("sam", "dev"),
    sam_cli.logs_command(
        "sam", "dev", region="us-east-1", function="CompileFunction", pattern="ERROR", follow=True
    ),
    sam_cli.remote_invoke_command(
        "sam", "dev", {"path": "/health"}, region="us-east-1", log_tail=True
    ),
    sam_cli.delete_command("sam", "dev", region="us-east-1"),
]


@pytest.mark.slow
@pytest.mark.parametrize("command", BUILT, ids=lambda c: " ".join(c[1:3]))
def test_the_real_sam_parses_the_command_lines(command):
    """sam (click) rejects an unknown option or a missing value before acting on --help."""
    sam = find_sam()
    parsed = subprocess.run(
        [sam, *command[1:], "--help"], capture_output=True, text=True, env=sam_cli.environment()
    )
    assert parsed.returncode == 0, parsed.stderr
    wrong = subprocess.run(
        [sam, *command[1:], "--no-such-option", "--help"],
        capture_output=True,
        text=True,
        env=sam_cli.environment(),
    )
    assert wrong.returncode == 2 and "No such option" in wrong.stderr
