"""The local stand-in for the SQS event source mapping and the worker function: a pool of
processes consuming the local job queue (compile_service.jobs.local_store.LocalQueue).

Each job runs on a worker process's main thread, as on Lambda, so the compile time budget
(SIGALRM) applies. A job whose run raises, or whose process dies, is released back to the queue;
after the queue's max receives it is dead-lettered and the dead-letter handler marks it failed.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.2

Run = Callable[[str, int], Any]
DeadLetter = Callable[[str], Any]


def drain(queue: Any, run: Run, dead_letter: DeadLetter) -> int:
    """Deliver messages in this thread until the queue and its dead letters are empty; returns
    how many deliveries were made (tests; the pool below does the same concurrently)."""
    deliveries = 0
    while True:
        message = queue.receive()
        if message is not None:
            deliveries += 1
            try:
                run(message.job_id, message.receives)
            except Exception:
                queue.release(message)
            else:
                queue.delete(message)
            continue
        dead = queue.receive_dead()
        if dead is None:
            return deliveries
        dead_letter(dead.job_id)
        queue.delete(dead)


# --- in the worker processes ---------------------------------------------------------------


def _init(paths: list[str], env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path[:0] = [p for p in paths if p not in sys.path]


def _run(job_id: str, receives: int) -> str | None:
    from compile_service.jobs import backends, worker
    from compile_service.settings import load_job_limits

    backend = backends.from_environment()
    assert backend is not None, "LSC_JOBS_BACKEND=local is set by lsctl serve"
    job = worker.run(job_id, receives, backend, load_job_limits())
    return job.status if job else None


def _dead_letter(job_id: str) -> None:
    from compile_service.jobs import backends, worker
    from compile_service.settings import load_job_limits

    backend = backends.from_environment()
    assert backend is not None
    worker.dead_letter(job_id, backend, load_job_limits().compile_seconds)


# --- in the serving process ------------------------------------------------------------------


class JobPool:
    """`size` worker processes fed by a thread that polls the local queue."""

    def __init__(self, size: int, paths: list[str], env: dict[str, str]) -> None:
        from compile_service.jobs.local_store import LocalQueue  # paths are on sys.path

        self._size, self._paths, self._env = size, paths, env
        root = env["LSC_LOCAL_DATA_DIR"]
        self.queue = LocalQueue(Path(root), int(env.get("LSC_JOB_MAX_RECEIVES", "3")))
        self.queue.requeue_stranded()  # left in flight by a server that was stopped
        self._pool = self._start()
        self._stop = threading.Event()
        self._busy = threading.Semaphore(size)
        self._thread = threading.Thread(target=self._loop, name="job-pool", daemon=True)
        self._thread.start()

    def _start(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self._size,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=_init,
            initargs=(self._paths, self._env),
        )

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self._busy.acquire(timeout=POLL_SECONDS):
                continue
            message = self.queue.receive()
            if message is not None:
                self._submit(_run, (message.job_id, message.receives), message)
                continue
            dead = self.queue.receive_dead()
            if dead is not None:
                self._submit(_dead_letter, (dead.job_id,), dead, dead_letter=True)
                continue
            self._busy.release()
            self._stop.wait(POLL_SECONDS)

    def _submit(self, function: Any, args: tuple[Any, ...], message: Any, **kw: bool) -> None:
        pool = self._pool
        try:
            future = pool.submit(function, *args)
        except RuntimeError:  # the pool broke (a worker died) or is shutting down
            self._restart(pool)
            self._settle(message, failed=True, **kw)
            return

        def done(f: concurrent.futures.Future[Any]) -> None:
            error = None if f.cancelled() else f.exception()
            if isinstance(error, BrokenProcessPool):  # the process died: start new ones
                self._restart(pool)
            self._settle(message, failed=f.cancelled() or error is not None, **kw)

        future.add_done_callback(done)

    def _settle(self, message: Any, failed: bool, dead_letter: bool = False) -> None:
        if failed and not dead_letter:
            self.queue.release(message)
        elif failed:
            self.queue.release(message)  # back to the dead letters, tried again later
        else:
            self.queue.delete(message)
        self._busy.release()

    def _restart(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        if self._pool is pool and not self._stop.is_set():
            self._pool = self._start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
