"""The Lambda handler behind a local HTTP server (what `lsctl serve` runs).

Requests become API Gateway proxy events and are handled by a pool of worker processes, each of
which imports the handler once and calls it on its main thread, as the Lambda runtime does (so
the compile time budget works), and several requests run at once.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lsctl import proxy_event
from lsctl.local import result_files
from lsctl.paths import FUNCTION_DIR, PATCHED_COMPILER_DIR

MAX_REQUEST_BYTES = 16 * 1024 * 1024
LOCAL_ENV = {
    "POWERTOOLS_SERVICE_NAME": "lattice-surgery-compiler",
    "POWERTOOLS_METRICS_NAMESPACE": "LatticeSurgery",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "LSC_CORS_ORIGIN": "*",
}

_handler: Any = None


def handler_paths(compiler_dir: Path = PATCHED_COMPILER_DIR) -> list[str]:
    """sys.path entries for the handler: function/ and, if prepared, the patched compiler."""
    paths = [str(FUNCTION_DIR)]
    if (compiler_dir / "src" / "lsqecc").is_dir():
        paths.append(str(compiler_dir / "src"))
    return paths


def _init_worker(paths: list[str], env: dict[str, str]) -> None:
    global _handler
    os.environ.update(env)
    sys.path[:0] = [p for p in paths if p not in sys.path]
    import app  # the Lambda entry module, as the runtime imports it

    _handler = app.lambda_handler


def _invoke(event: dict[str, Any]) -> dict[str, Any]:
    context = SimpleNamespace(
        function_name="local",
        function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:local:000000000000:function:local",
        memory_limit_in_mb=1769,
        aws_request_id=event["requestContext"]["requestId"],
        log_group_name="local",
        log_stream_name="local",
        get_remaining_time_in_millis=lambda: 29_000,
    )
    return _handler(event, context)


def _warm() -> str:
    import compile_service.compiler as compiler

    return "ok" if compiler.available() else compiler.MISSING_HINT


class Workers:
    """A process pool that is rebuilt if a worker dies (e.g. killed for memory)."""

    def __init__(self, size: int, paths: list[str], env: dict[str, str]) -> None:
        self._size, self._paths, self._env = size, paths, env
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self._size,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=_init_worker,
            initargs=(self._paths, self._env),
        )

    def warm(self) -> str:
        return self._pool.submit(_warm).result()

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool
        try:
            return pool.submit(_invoke, event).result()
        except concurrent.futures.process.BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = self._start()
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

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def make_server(
    host: str, port: int, workers: Workers, results_dir: Path | None = None
) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "lsctl-local"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_REQUEST_BYTES:
                self._send(proxy_event.HttpResult(413, [], b"request body too large\n"))
                return
            body = self.rfile.read(length) if length else b""
            if results_dir is not None and result_files.handles(self.path):
                self._send(result_files.serve(results_dir, self.path))  # S3's part
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            event = proxy_event.to_event(self.command, self.path, headers, body)
            self._send(proxy_event.from_result(workers.invoke(event)))

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

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
