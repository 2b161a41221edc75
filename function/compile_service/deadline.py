"""A wall-clock budget for one compile, so a slow circuit gets a 504 with a message rather than a
Lambda timeout (which API Gateway turns into a bare 502/504 after 29 s).

It uses SIGALRM, so it interrupts only on the main thread: the Lambda runtime and the local
server's worker processes both call the handler there. Elsewhere the budget is checked after the
fact.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

from compile_service.errors import CompileTimeout

RETRY = 0.05


class _Expired(BaseException):
    """Raised inside the compile; a BaseException so `except Exception` in lsqecc can't eat it."""


def _message(seconds: float) -> str:
    return (
        f"compiling took longer than this service's {seconds:g} s budget; compile a smaller "
        "circuit (fewer qubits or layers)"
    )


@contextlib.contextmanager
def budget(seconds: float) -> Iterator[None]:
    if seconds <= 0:
        raise CompileTimeout(_message(seconds))
    if threading.current_thread() is not threading.main_thread():
        started = time.monotonic()
        yield
        if time.monotonic() - started > seconds:
            raise CompileTimeout(_message(seconds))
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    # After the deadline, fire again every RETRY seconds: an exception raised while the
    # interpreter runs a finalizer or a gc callback is reported as unraisable and dropped, so one
    # shot could be lost (seen in the test suite); a later one lands in ordinary code.
    try:
        # Inside the try: with a tiny budget the first shot can land while setitimer returns.
        signal.setitimer(signal.ITIMER_REAL, seconds, RETRY)
        yield
    except _Expired:
        raise CompileTimeout(_message(seconds)) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
