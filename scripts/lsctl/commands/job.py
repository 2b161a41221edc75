"""`lsctl job`: submit a circuit as a compile job (POST /v2/jobs), wait for it, save its result."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lsctl.deploy import jobs_client
from lsctl.deploy.http_client import network_errors
from lsctl.deploy.options import AWS_EPILOG, add_region, stage_type
from lsctl.deploy.stage_smoke import api_url
from lsctl.errors import CliError

DEFAULT_WAIT = 900.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "job",
        help="compile a circuit as a job (POST /v2/jobs), wait for it and save the result",
        description=(
            "Submit an OpenQASM 2.0 file as a compile job, poll GET /v2/jobs/{id} until it "
            "succeeds or fails, and write the result document (the /v2/compile JSON) to "
            "--output. For circuits over the synchronous limits; the same circuit twice is the "
            "same job, answered at once when it already finished."
        ),
        epilog=AWS_EPILOG,
    )
    parser.add_argument("circuit", type=Path, help="OpenQASM 2.0 file ('-' for standard input)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stage", type=stage_type, help="the stage whose ApiUrl to use")
    target.add_argument("--url", help="base URL of the service, e.g. http://127.0.0.1:9876")
    add_region(parser)
    parser.add_argument(
        "--no-litinski-transform", action="store_true", help="compile without the transform"
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT,
        metavar="SECONDS",
        help=f"how long to wait for the job (default {DEFAULT_WAIT:.0f}; 0: submit only)",
    )
    parser.add_argument("--output", "-o", type=Path, help="write the result document here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    base = args.url or api_url(args.stage, args.region)
    source = sys.stdin.read() if str(args.circuit) == "-" else _read(args.circuit)
    try:
        job, _ = jobs_client.submit(base, source, not args.no_litinski_transform)
        print(
            f"job {job['id']}: {job['status']} ({job['circuit']['qubits']} qubits, "
            f"{job['circuit']['gates']} operations)",
            flush=True,
        )
        if args.wait <= 0:
            return 0
        job = jobs_client.wait(base, job, args.wait, log=lambda line: print(line, flush=True))
        if job["status"] != "succeeded":
            error = job.get("error") or {}
            raise CliError(f"job {job['id']} failed: {error.get('code')}: {error.get('message')}")
        document = jobs_client.result(job)
    except jobs_client.JobError as exc:
        raise CliError(str(exc)) from None
    except network_errors() as exc:
        raise CliError(no_answer(base, exc)) from None
    stats = job.get("stats") or {}
    print(
        f"succeeded: {stats.get('slices')} slices, {stats.get('seconds')} s compiling", flush=True
    )
    if args.output:
        args.output.write_text(json.dumps(document))
        print(f"result written to {args.output}", flush=True)
    return 0


def no_answer(base: str, exc: Exception) -> str:
    """One line for a service that did not answer (refused, unknown host, timed out)."""
    reason = getattr(exc, "reason", None) or exc  # urllib's URLError wraps the socket error
    reason = getattr(reason, "strerror", None) or str(reason)
    hint = (
        " (is `lsctl serve` / `make serve` running?)"
        if "127.0.0.1" in base or "localhost" in base
        else ""
    )
    return f"no answer from {base}: {reason}{hint}"


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
