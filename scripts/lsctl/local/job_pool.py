"""The local stand-in for the SQS event source mapping and the worker function: a pool of
processes consuming the local job queue (compile_service.jobs.local_store.LocalQueue).

Each job runs on a worker process's main thread, as on Lambda, so the compile time budget
(SIGALRM) applies. A job whose run raises, or whose process dies, is released back to the queue;
after the queue's max receives it is dead-lettered and the dead-letter handler marks it failed.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsctl.local.process_pool import RestartingPool

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

        root = env["LSC_LOCAL_DATA_DIR"]
        self.queue = LocalQueue(Path(root), int(env.get("LSC_JOB_MAX_RECEIVES", "3")))
        self.queue.requeue_stranded()  # left in flight by a server that was stopped
        self._pool = RestartingPool(size, paths, env)
        self._stop = threading.Event()
        self._busy = threading.Semaphore(size)
        self._thread = threading.Thread(target=self._loop, name="job-pool", daemon=True)
        self._thread.start()

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
                self._submit(_dead_letter, (dead.job_id,), dead)
                continue
            self._busy.release()
            self._stop.wait(POLL_SECONDS)

    def _submit(self, function: Any, args: tuple[Any, ...], message: Any) -> None:
        """Run `function(*args)` for `message`: deleted when it returns, else released (back to
        its queue, the dead letters for a dead letter, to be tried again later)."""

        def done(future: concurrent.futures.Future[Any]) -> None:
            if future.cancelled() or future.exception() is not None:
                self.queue.release(message)
            else:
                self.queue.delete(message)
            self._busy.release()

        self._pool.submit(function, *args).add_done_callback(done)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._pool.close(wait=False)
