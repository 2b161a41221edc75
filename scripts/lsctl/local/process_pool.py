"""A pool of worker processes that is rebuilt when one of them dies (e.g. killed for memory), as
Lambda starts a new execution environment: the local server's handler workers and the local job
workers both run on one.

Each process runs `prepare(paths, env)` first: the environment and import paths of the function,
then `then()` if given (e.g. importing the handler once, as the runtime does at init). Workers
ignore SIGINT: Ctrl-C reaches the whole process group, and the parent, which catches it, shuts the
pool down (otherwise every idle worker prints a KeyboardInterrupt traceback)."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from lsctl.local import known_warnings


def prepare(paths: list[str], env: dict[str, str], then: Callable[[], None] | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    known_warnings.ignore()
    os.environ.update(env)
    sys.path[:0] = [p for p in paths if p not in sys.path]
    if then is not None:
        then()


class RestartingPool:
    """`size` forkserver processes; a task whose process died fails with BrokenProcessPool, and
    the pool is replaced once (not once per task that saw it die)."""

    def __init__(
        self,
        size: int,
        paths: list[str],
        env: dict[str, str],
        then: Callable[[], None] | None = None,
    ) -> None:
        self.size = size
        self._initargs = (paths, env, then)
        self._lock = threading.Lock()
        self._closed = False
        self._pool = self._start()

    def _start(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=prepare,
            initargs=self._initargs,
        )

    def submit(self, function: Callable[..., Any], *args: Any) -> concurrent.futures.Future[Any]:
        """`function(*args)` in a worker. Only the tasks running when a worker dies fail
        (BrokenProcessPool); one submitted to a pool already broken, which it never reached, runs
        on the replacement. On a closed pool the future fails instead of this call raising."""
        pool = self._pool
        try:
            future = pool.submit(function, *args)
        except RuntimeError as exc:  # broken (a worker died) or shut down
            self._replace(pool)
            if self._closed:
                future = concurrent.futures.Future()
                future.set_exception(BrokenProcessPool(str(exc)))
                return future
            return self.submit(function, *args)

        def replace_if_broken(done: concurrent.futures.Future[Any]) -> None:
            if not done.cancelled() and isinstance(done.exception(), BrokenProcessPool):
                self._replace(pool)

        future.add_done_callback(replace_if_broken)
        return future

    def _replace(self, broken: concurrent.futures.ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken and not self._closed:
                self._pool = self._start()

    def close(self, wait: bool = True, terminate: bool = False) -> None:
        """Shut the pool down; `terminate`: stop the workers' running tasks too (SIGTERM), for a
        Ctrl-C while they are still starting."""
        with self._lock:
            self._closed = True
        if terminate:
            # Python 3.14 has ProcessPoolExecutor.terminate_workers(); before, its process table.
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.terminate()
        self._pool.shutdown(wait=wait, cancel_futures=True)
