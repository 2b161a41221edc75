"""Whether a file was opened, seen by the kernel (Linux inotify, through ctypes): unlike an
audit hook, it also sees code that does not go through Python's `open`, such as qiskit's Rust
OpenQASM parser reading an include."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

IN_ACCESS = 0x001
IN_OPEN = 0x020
IN_NONBLOCK = os.O_NONBLOCK

AVAILABLE = sys.platform.startswith("linux")


class Watch:
    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._seen = False

    def touched(self) -> bool:
        """True once anything opened or read a watched file since the watch began (also after
        the watch ended)."""
        if self._fd >= 0:
            with contextlib.suppress(BlockingIOError):
                self._seen |= bool(os.read(self._fd, 65536))
        return self._seen

    def close(self) -> None:
        self.touched()
        os.close(self._fd)
        self._fd = -1


@contextlib.contextmanager
def watching(*paths: Path) -> Iterator[Watch]:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(IN_NONBLOCK)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1")
    watch = Watch(fd)
    try:
        for path in paths:
            if libc.inotify_add_watch(fd, os.fsencode(path), IN_OPEN | IN_ACCESS) < 0:
                raise OSError(ctypes.get_errno(), f"inotify_add_watch {path}")
        yield watch
    finally:
        watch.close()
