"""The SAM CLI commands `lsctl logs`, `invoke` and `destroy` hand over to: the command lines
(built here, so tests can check them and that `sam` parses them), and running one with the
terminal attached (sam prints, prompts and handles Ctrl-C itself).

SAM does the work for a stack's resources: `sam logs` reads every function's (and the API's) log
group and tails them, `sam remote invoke` finds the function by its logical id and invokes it,
`sam delete` deletes the stack and the template it uploaded. What SAM cannot do stays in lsctl:
building an API Gateway proxy event from a method and path, emptying the results bucket
(CloudFormation cannot delete a bucket with objects) and deleting the log groups Lambda and API
Gateway create outside the stack."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from lsctl.deploy.options import ALIAS, stack_name
from lsctl.errors import CliError
from lsctl.paths import REPO_ROOT

COMPILE_FUNCTION = "CompileFunction"  # template.yml's logical ids
FUNCTIONS = (COMPILE_FUNCTION, "WorkerFunction")


def _common(stage: str, region: str | None) -> list[str]:
    return ["--stack-name", stack_name(stage), *(["--region", region] if region else [])]


def logs_command(
    sam: str,
    stage: str,
    *,
    region: str | None = None,
    function: str | None = None,
    since_minutes: int = 10,
    pattern: str = "",
    follow: bool = False,
) -> list[str]:
    """`sam logs` for the stage's stack: every function of it unless `function` (a logical id)."""
    command = [sam, "logs", *_common(stage, region), "--start-time", f"{since_minutes}mins ago"]
    if function:
        command += ["--name", function]
    if pattern:
        command += ["--filter", pattern]
    return command + (["--tail"] if follow else [])


def remote_invoke_command(
    sam: str,
    stage: str,
    event: dict[str, Any],
    *,
    region: str | None = None,
    function: str = COMPILE_FUNCTION,
    qualifier: str = ALIAS,
    log_tail: bool = False,
) -> list[str]:
    """`sam remote invoke` of the stage's function (by logical id) and alias with `event`;
    `log_tail`: the last 4 KB of the function's log too."""
    tail = ["--parameter", "LogType=Tail"] if log_tail else []
    return [
        sam,
        "remote",
        "invoke",
        function,
        *_common(stage, region),
        "--event",
        json.dumps(event, separators=(",", ":")),
        "--parameter",
        f"Qualifier={qualifier}",
        *tail,
    ]


def delete_command(sam: str, stage: str, *, region: str | None = None) -> list[str]:
    """`sam delete` of the stage's stack, without its own prompt (lsctl destroy asks first)."""
    return [sam, "delete", *_common(stage, region), "--no-prompts"]


def environment() -> dict[str, str]:
    """sam's environment: ours (credentials, region, AWS_ENDPOINT_URL), telemetry off."""
    return {**os.environ, "SAM_CLI_TELEMETRY": "0"}


def run(command: list[str]) -> int:
    """Run sam with the terminal attached; its exit code."""
    try:
        return subprocess.run(command, cwd=REPO_ROOT, env=environment(), check=False).returncode
    except OSError as exc:
        raise CliError(f"cannot run {command[0]}: {exc}") from None
