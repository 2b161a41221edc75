"""The Lambda handler behind a local HTTP server (what `lsctl serve` runs).

Requests become API Gateway proxy events and are handled by a pool of worker processes, each of
which imports the handler once and calls it on its main thread, as the Lambda runtime does (so
the compile time budget works), and several requests run at once. A bounded queue (admission.py)
holds those waiting for a worker; beyond it a request is answered 503 with Retry-After.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
import sys
from concurrent.futures.process import BrokenProcessPool
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

from lsctl.errors import CliError
from lsctl.git import head_commit
from lsctl.local import proxy_event, result_files
from lsctl.local.admission import DEFAULT_QUEUE, Admission
from lsctl.local.lambda_fakes import LambdaContext, lambda_environment
from lsctl.local.process_pool import RestartingPool
from lsctl.paths import FUNCTION_DIR, PATCHED_COMPILER_DIR, compiler_present

MAX_REQUEST_BYTES = 16 * 1024 * 1024
# Connections the kernel holds until the server accepts them: more than the queue ever holds, so
# a burst is answered (a 503 at worst) rather than reset (http.server's default is 5).
LISTEN_BACKLOG = 1024
# Browsers may call the local service from the web client (latticesurgery.com with ?localapi=true)
# and from a local copy of it on the usual development ports.
LOCAL_CORS_ORIGINS = tuple(
    f"http://{host}:{port}" for port in (3000, 5173, 8080) for host in ("localhost", "127.0.0.1")
)
LOCAL_ENV = {
    **lambda_environment("lattice-surgery-local", log_level="WARNING"),
    "LSC_CORS_ORIGIN": "https://latticesurgery.com",
    "LSC_CORS_EXTRA_ORIGINS": ",".join(LOCAL_CORS_ORIGINS),
}


def local_environment(extra: dict[str, str]) -> dict[str, str]:
    """The handler's environment: LOCAL_ENV, this checkout's commit (what /health reports as
    build.git_commit; an image gets it from its build), then `extra`."""
    return {**LOCAL_ENV, "LSC_GIT_COMMIT": head_commit() or "unknown", **extra}


_handler: Any = None


def handler_paths(compiler_dir: Path = PATCHED_COMPILER_DIR) -> list[str]:
    """sys.path entries for the handler: function/ and, if prepared, the patched compiler."""
    paths = [str(FUNCTION_DIR)]
    if compiler_present(compiler_dir):
        paths.append(str(compiler_dir / "src"))
    return paths


def service_settings() -> ModuleType:
    """The service's settings module (standard library only; its constants, such as Lambda's
    response limit, have their one home there), loaded without putting function/ on sys.path."""
    for name in ("compile_service.settings", "_lsctl_service_settings"):
        if name in sys.modules:
            return sys.modules[name]
    path = FUNCTION_DIR / "compile_service" / "settings.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_settings(env: dict[str, str]) -> None:
    """CliError naming the variable when the service could not use a value of `env` (its
    workers would fail at start-up)."""
    settings = service_settings()
    with mock.patch.dict(os.environ, env):
        try:
            settings.load_limits()
            settings.load_cors()
        except ValueError as exc:
            raise CliError(f"--env: {exc}") from None


def check_port(host: str, port: int) -> None:
    """CliError with the fix when `host:port` cannot be listened on (before the workers start)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(port_problem(host, port, exc)) from None


def port_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        other = port + 1 if port < 65535 else port - 1
        return (
            f"port {port} on {host} is in use (another `lsctl serve`?): stop that, or choose "
            f"another port: lsctl serve --port {other} (make serve PORT={other})"
        )
    return f"cannot listen on {host}:{port}: {exc.strerror}"


def _import_handler() -> None:
    """In each worker process, once: the Lambda entry module, as the runtime imports it."""
    global _handler
    import app

    _handler = app.lambda_handler


def _invoke(event: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext("lattice-surgery-local", event["requestContext"]["requestId"])
    return _handler(event, context)


def _warm() -> str:
    import compile_service.engines.lsqecc as compiler

    return "ok" if compiler.available() else compiler.MISSING_HINT


class Workers:
    """The handler in a pool of processes, rebuilt if one dies (e.g. killed for memory)."""

    def __init__(self, size: int, paths: list[str], env: dict[str, str]) -> None:
        self.size = size
        self._pool = RestartingPool(size, paths, env, then=_import_handler)

    def warm(self) -> str:
        """Start every worker (each imports the handler) and wait for them, so no request pays
        an import: one task per worker at once makes the pool start them all."""
        tasks = [self._pool.submit(_warm) for _ in range(self._pool.size)]
        states = [task.result() for task in tasks]  # all of them: each worker started
        return states[0]

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._pool.submit(_invoke, event).result()
        except BrokenProcessPool:
            return {
                "statusCode": 502,
                "headers": {"Content-Type": "text/plain; charset=utf-8"},
                "body": "the compile worker died (out of memory?); it has been restarted\n",
            }
        except Exception as exc:  # the handler itself must never take the server down
            return {
                "statusCode": 502,
                "headers": {"Content-Type": "text/plain; charset=utf-8"},
                "body": f"the handler failed outside its error handling: {type(exc).__name__}\n",
            }

    def close(self, terminate: bool = False) -> None:
        self._pool.close(wait=True, terminate=terminate)


class LocalServer(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True


def make_server(
    host: str,
    port: int,
    workers: Workers,
    results_dir: Path | None = None,
    admission: Admission | None = None,
) -> ThreadingHTTPServer:
    """The HTTP server; `admission` bounds the requests running or waiting for a worker (by
    default DEFAULT_QUEUE wait)."""
    admitted = admission or Admission(workers.size, DEFAULT_QUEUE)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "lsctl-local"

        def _handle(self) -> None:
            declared = self.headers.get("Content-Length") or "0"
            length = int(declared) if declared.isascii() and declared.isdigit() else -1
            if length < 0:
                self.close_connection = True  # where the body ends is not known
                self._send(proxy_event.HttpResult(400, [], b"bad Content-Length\n"))
                return
            if length > MAX_REQUEST_BYTES:
                self._send(proxy_event.HttpResult(413, [], b"request body too large\n"))
                return
            body = self.rfile.read(length) if length else b""
            if results_dir is not None and result_files.handles(self.path):
                self._send(result_files.serve(results_dir, self.path))  # S3's part
                return
            ticket = admitted.enter()
            if ticket is None:  # the body is read: answering now does not reset the connection
                self._send(admitted.busy(self.path))
                return
            try:
                headers = {k.lower(): v for k, v in self.headers.items()}
                event = proxy_event.to_event(self.command, self.path, headers, body)
                result = proxy_event.from_result(workers.invoke(event))
            finally:
                admitted.leave(ticket)
            self._send(result)

        def _send(self, result: proxy_event.HttpResult) -> None:
            self.send_response(result.status)
            for name, value in result.headers:
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(result.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(result.body)

        # Every method goes to the handler, as API Gateway's ANY routes send it (the handler
        # answers 404/405 with a message for what it does not serve).
        do_GET = do_POST = do_OPTIONS = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle
        do_TRACE = do_CONNECT = do_QUERY = _handle

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return LocalServer((host, port), Handler)
