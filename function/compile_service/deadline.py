"""A wall-clock budget for one request, so a slow circuit gets a 504 with a message rather than a
Lambda timeout (which API Gateway turns into a bare 502/504 after 29 s).

One request has one budget: a budget opened inside another (the lowering's and the compile's,
inside the route's, which also covers encoding and gzip) ends no later than the outer one. When it
runs out, the innermost budget raises CompileTimeout saying how long was spent, so that the code
that knows what was being done (service.py) can say so.

It uses SIGALRM, so it interrupts only on the main thread: the Lambda runtime and the local
server's worker processes both call the handler there. Elsewhere the budget is checked after the
fact.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType

from compile_service.errors import CompileTimeout

RETRY = 0.05


class _Expired(BaseException):
    """Raised inside the compile; a BaseException so `except Exception` in lsqecc can't eat it."""


@dataclass(frozen=True)
class _Running:
    seconds: float
    started: float  # time.monotonic()


class _Local(threading.local):
    running: _Running | None = None  # the outermost budget open on this thread, if any


_local = _Local()


def spent() -> float:
    """Seconds since the running budget started (0 when none runs)."""
    running = _local.running
    return time.monotonic() - running.started if running else 0.0


def _timeout(running: _Running) -> CompileTimeout:
    return CompileTimeout(
        f"the request ran out of this service's {running.seconds:g} s budget after "
        f"{time.monotonic() - running.started:.1f} s"
    )


@contextlib.contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Run the block within `seconds`, or within the budget already running if there is one."""
    outer = _local.running
    if seconds <= 0:
        raise _timeout(_Running(seconds, time.monotonic()))
    if outer is not None:
        try:
            yield
        except _Expired:
            _disarm()
            raise _timeout(outer) from None
        return
    running = _local.running = _Running(seconds, time.monotonic())
    try:
        if threading.current_thread() is not threading.main_thread():
            yield
            if time.monotonic() - running.started > seconds:
                raise _timeout(running)
            return
        with _alarm(seconds):
            try:
                yield
            except _Expired:
                _disarm()
                raise _timeout(running) from None
    finally:
        _local.running = None


def within_budget[**P, R](
    seconds: Callable[[], float],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A route run within budget(seconds()), read at each call (the limits can change)."""

    def decorate(route: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(route)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with budget(seconds()):
                return route(*args, **kwargs)

        return run

    return decorate


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        if _in_a_callback(frame):
            return  # it would be dropped there: the next shot, RETRY later, lands
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    # After the deadline, fire again every RETRY seconds: an exception raised while the
    # interpreter runs a finalizer or a gc callback is reported as unraisable and dropped. A
    # shot that finds itself in a gc callback or a __del__ holds back; one landing in a callback
    # it cannot recognise (a weakref's, one called from C) is lost, and a later one lands in
    # ordinary code.
    try:
        # Inside the try: with a tiny budget the first shot can land while setitimer returns.
        signal.setitimer(signal.ITIMER_REAL, seconds, RETRY)
        yield
    finally:
        _disarm()
        signal.signal(signal.SIGALRM, previous)


def _in_a_callback(frame: FrameType | None) -> bool:
    """Whether `frame` runs a gc callback or a finalizer (`__del__`), or code they called: where
    an exception is dropped as unraisable instead of reaching the budget."""
    callbacks = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    while frame is not None:
        code = frame.f_code
        if code in callbacks or code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def _disarm() -> None:
    """No more shots: the request is over (a shot landing while its timeout is reported would
    replace the message with a bare one)."""
    signal.setitimer(signal.ITIMER_REAL, 0)
