"""`lsctl serve`: the handler on http://127.0.0.1:9876, the port the web client's ?localapi=true
uses."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

from lsctl.local import local_server
from lsctl.paths import PATCHED_COMPILER_DIR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the compile service locally (API Gateway proxy events to the real handler)",
        description="Serve the Lambda handler over HTTP on 127.0.0.1 for local use.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9876, help="port (default 9876)")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="handler processes (default: cores)",
    )
    parser.add_argument(
        "--compiler-dir",
        type=Path,
        default=PATCHED_COMPILER_DIR,
        help="patched compiler copy to serve (default build/compiler, made by prepare-compiler)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the handler, e.g. LSC_MAX_QUBITS=8 (repeatable)",
    )
    parser.set_defaults(func=run)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _stop)  # stop cleanly, workers included, on `kill`
    env = {**local_server.LOCAL_ENV, **dict(item.split("=", 1) for item in args.env)}
    workers = local_server.Workers(args.workers, local_server.handler_paths(args.compiler_dir), env)
    state = workers.warm()
    server = local_server.make_server(args.host, args.port, workers)
    host, port = server.server_address[:2]
    if state != "ok":
        print(f"WARNING: {state}.\nCompile routes will answer 503 until then.", flush=True)
    print(
        f"lattice-surgery compile service on http://{host}:{port} "
        f"({args.workers} workers; compiler {'ready' if state == 'ok' else 'MISSING'})\n"
        f"  curl http://{host}:{port}/health\n"
        f"  web client: https://latticesurgery.com/?localapi=true  (Ctrl-C to stop)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        workers.close()
    return 0
