"""Run a program with CPU, memory, wall-clock and output-size limits, streaming what it writes to
one file descriptor into a callback (never held whole). Nothing here knows which program.

- CPU seconds: RLIMIT_CPU (the kernel sends SIGXCPU, then SIGKILL a second later);
- memory: RLIMIT_AS (allocations fail: a C++ program dies of std::bad_alloc);
  both set with prlimit(2) on the started process, not between fork and exec: so the service,
  a large process, starts it with vfork (no page tables copied: ~40 ms less per request at
  200 MB). The limits are in place within microseconds of its start and count from it;
- wall clock: checked between reads, the process group killed when it runs out;
- output: counted as it is read, the process group killed past the limit.
Any exception while reading (the service's own time budget among them) kills it too: a child
never outlives the request that started it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import resource
import select
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Literal

# Reading a program's bulk output (17.5 MB of slices at `layered` n=64) costs the service less
# CPU in fewer, larger reads: the pipe gets 1 MB of buffer (Linux's default
# /proc/sys/fs/pipe-max-size; 64 kB otherwise) and the reader pauses for PAUSE_SECONDS after a
# read that did not fill its buffer, so the program writes on meanwhile (a 1 MB pipe does not
# fill in 1 ms) and the next read takes more: about 1 ms more wall clock at the end, at most.
# Reads of 256 kB, not 1 MB: a 1 MB buffer per read stays above malloc's mmap threshold (which
# rises only to the size of the shrunk reads it frees), so each one is fresh memory the kernel
# must map. Measured in a fresh worker, `layered` n=64, medians of 8: the service's own CPU
# 0.064 s before any of this, 0.043-0.047 s with 1 MB reads, 0.032-0.035 s with 256 kB.
CHUNK = 256 << 10
PIPE_BYTES = 1 << 20
PAUSE_SECONDS = 0.001
POLL_SECONDS = 0.25
Exceeded = Literal["cpu", "memory", "time", "output"]


@dataclass(frozen=True)
class ProcessLimits:
    cpu_seconds: int
    memory_bytes: int
    wall_seconds: float
    output_bytes: int


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    output_bytes: int
    cpu_seconds: float


class LimitExceeded(Exception):
    def __init__(self, which: Exceeded, limits: ProcessLimits, stderr: str = "") -> None:
        super().__init__(which)
        self.which = which
        self.limits = limits
        self.stderr = stderr


def _set_limits(pid: int, limits: ProcessLimits) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have finished already
        resource.prlimit(pid, resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.prlimit(pid, resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))


def _memory_file(name: str, content: bytes = b"") -> BinaryIO:
    """An anonymous file in memory (memfd_create(2)): no directory to create and remove."""
    file = os.fdopen(os.memfd_create(name), "w+b")
    if content:
        file.write(content)
        file.seek(0)
    return file


def run(
    argv: Sequence[str],
    stdin: bytes,
    limits: ProcessLimits,
    on_output: Callable[[bytes], None],
    output_arg: Callable[[str], list[str]],
) -> Finished:
    """Run `argv` + output_arg(path) where `path` names the pipe its bulk output goes to; that
    output is passed to `on_output` as it arrives. stdin comes from a file, stdout and stderr go
    to files (they are small: a summary and errors), all three anonymous files in memory.
    LimitExceeded when a limit is reached."""
    read_end, write_end = os.pipe()
    large_pipe = _enlarge(read_end)
    with (
        _memory_file("stdin", stdin) as stdin_file,
        _memory_file("stdout") as stdout_file,
        _memory_file("stderr") as stderr_file,
    ):
        started = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            process = subprocess.Popen(
                [*argv, *output_arg(f"/dev/fd/{write_end}")],
                stdin=stdin_file,
                stdout=stdout_file,
                stderr=stderr_file,
                pass_fds=(write_end,),
                start_new_session=True,
                close_fds=True,
            )
        finally:
            os.close(write_end)
        try:
            _set_limits(process.pid, limits)
            written = _pump(read_end, process, limits, on_output, large_pipe)
            returncode = process.wait()
        except BaseException:
            _kill(process)
            raise
        finally:
            os.close(read_end)
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (used.ru_utime - started.ru_utime) + (used.ru_stime - started.ru_stime)
        stderr = _read(stderr_file)
        # SIGXCPU comes only from RLIMIT_CPU; SIGKILL from its hard limit a second later
        # (the kernel's accounting and ours differ by a tick: 0.987 s of a 1 s limit).
        if returncode == -signal.SIGXCPU or (
            returncode == -signal.SIGKILL and cpu >= 0.9 * limits.cpu_seconds
        ):
            raise LimitExceeded("cpu", limits, stderr)
        if "std::bad_alloc" in stderr:
            raise LimitExceeded("memory", limits, stderr)
        return Finished(returncode, _read(stdout_file), stderr, written, cpu)


def _enlarge(fd: int) -> bool:
    """Give the pipe PIPE_BYTES of buffer (the default is 64 kB), if the kernel allows it."""
    try:
        return fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES) >= PIPE_BYTES
    except OSError:
        return False


def _pump(
    fd: int,
    process: subprocess.Popen,
    limits: ProcessLimits,
    on_output: Callable[[bytes], None],
    large_pipe: bool = False,
) -> int:
    deadline = time.monotonic() + limits.wall_seconds
    written = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LimitExceeded("time", limits)
        ready, _, _ = select.select([fd], [], [], min(remaining, POLL_SECONDS))
        if not ready:
            continue
        chunk = os.read(fd, CHUNK)
        if not chunk:
            return written
        written += len(chunk)
        if written > limits.output_bytes:
            raise LimitExceeded("output", limits)
        on_output(chunk)
        if large_pipe and len(chunk) < CHUNK:
            time.sleep(PAUSE_SECONDS)


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _read(file: object) -> str:
    assert hasattr(file, "seek") and hasattr(file, "read")
    file.seek(0)
    return file.read().decode("utf-8", "replace")
