"""`lsctl serve`: the handler on http://127.0.0.1:9876, the port the web client's ?localapi=true
uses."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from lsctl.errors import CliError
from lsctl.local.admission import DEFAULT_QUEUE
from lsctl.paths import BUILD_DIR, PATCHED_COMPILER_DIR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the compile service locally (API Gateway proxy events to the real handler)",
        description="Serve the Lambda handler over HTTP on 127.0.0.1 for local use.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=port, default=9876, help="port (default 9876)")
    parser.add_argument(
        "--workers",
        type=positive,
        default=os.cpu_count() or 2,
        help="handler processes (default: cores)",
    )
    parser.add_argument(
        "--queue",
        type=waiting,
        default=DEFAULT_QUEUE,
        help="requests that wait for a worker; more are answered 503 with Retry-After "
        f"(default {DEFAULT_QUEUE})",
    )
    parser.add_argument(
        "--compiler-dir",
        type=Path,
        default=PATCHED_COMPILER_DIR,
        help="patched compiler copy to serve (default build/compiler, made by prepare-compiler)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=BUILD_DIR / "local-data",
        help="the local result store and job queue (default build/local-data)",
    )
    parser.add_argument(
        "--job-workers",
        type=positive,
        default=1,
        help="processes compiling jobs from POST /v2/jobs (default 1)",
    )
    parser.add_argument(
        "--env",
        type=assignment,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the handler, e.g. LSC_MAX_QUBITS=8 (repeatable)",
    )
    parser.set_defaults(func=run)


def port(value: str) -> int:
    number = _whole(value)
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: use 1-65535 (default 9876)")
    return number


def positive(value: str) -> int:
    number = _whole(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value}: at least one worker is needed")
    return number


def waiting(value: str) -> int:
    number = _whole(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value}: the queue holds 0 or more requests")
    return number


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None


def assignment(value: str) -> tuple[str, str]:
    name, sep, setting = value.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{value!r} is not NAME=VALUE, e.g. LSC_MAX_QUBITS=8")
    return name.strip(), setting


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    # Imported here, not at import (http.server, multiprocessing): `lsctl --help` loads this module.
    from lsctl.local import job_pool, local_server, result_files
    from lsctl.local.admission import Admission

    signal.signal(signal.SIGTERM, _stop)  # stop cleanly, workers included, on `kill`
    data_dir = args.data_dir.resolve()
    jobs_env = {
        "LSC_JOBS_BACKEND": "local",
        "LSC_LOCAL_DATA_DIR": str(data_dir),
        "LSC_LOCAL_RESULTS_URL": f"http://{args.host}:{args.port}{result_files.PREFIX}",
    }
    env = local_server.local_environment({**jobs_env, **dict(args.env)})
    local_server.check_settings(env)
    local_server.check_port(args.host, args.port)
    paths = local_server.handler_paths(args.compiler_dir)
    workers = local_server.Workers(args.workers, paths, env)
    server = jobs = None
    try:  # Ctrl-C from here on (warming up included) stops everything with one line
        state = workers.warm()
        try:
            admission = Admission(args.workers, args.queue)
            server = local_server.make_server(
                args.host, args.port, workers, data_dir / "results", admission
            )
        except OSError as exc:  # taken since check_port
            raise CliError(local_server.port_problem(args.host, args.port, exc)) from None
        host, port = server.server_address[:2]
        sys.path[:0] = [p for p in paths if p not in sys.path]  # the job pool reads the queue
        jobs = job_pool.JobPool(args.job_workers, paths, env)
        if state != "ok":
            print(f"WARNING: {state}.\nCompile routes will answer 503 until then.", flush=True)
        print(
            f"lattice-surgery compile service on http://{host}:{port} "
            f"({args.workers} workers, queue {args.queue}, {args.job_workers} job workers; "
            f"compiler {'ready' if state == 'ok' else 'MISSING'}; results in {data_dir})\n"
            f"  curl http://{host}:{port}/health\n"
            f"  web client: https://latticesurgery.com/?localapi=true  (Ctrl-C to stop)",
            flush=True,
        )
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        if server is not None:
            server.server_close()
        if jobs is not None:
            jobs.close()
        workers.close(terminate=server is None)  # still warming up: stop the imports
    return 0
