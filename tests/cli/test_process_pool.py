"""The worker pool behind `lsctl serve` (handler and job workers): a process that dies fails its
own task, and the pool is replaced so the next task runs, as Lambda starts a new environment."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from lsctl.local.process_pool import RestartingPool

pytestmark = pytest.mark.slow  # starts processes


@pytest.fixture
def pool():
    made = RestartingPool(1, ["/nowhere-on-purpose"], {"LSC_POOL_TEST": "set"})
    yield made
    made.close()


def test_workers_start_with_the_function_environment(pool: RestartingPool) -> None:
    assert pool.submit(os.getenv, "LSC_POOL_TEST").result(timeout=60) == "set"


def test_a_dying_worker_fails_its_task_and_the_next_task_runs(pool: RestartingPool) -> None:
    before = pool.submit(os.getpid).result(timeout=60)
    with pytest.raises(BrokenProcessPool):
        pool.submit(os._exit, 1).result(timeout=60)
    after = pool.submit(os.getpid).result(timeout=60)
    assert after != before
    # Replaced once: further tasks keep running on the new pool.
    assert pool.submit(os.getpid).result(timeout=60) == after


def test_a_closed_pool_is_not_restarted(pool: RestartingPool) -> None:
    pool.close()
    with pytest.raises(BrokenProcessPool):
        pool.submit(os.getpid).result(timeout=5)
