"""Helpers for tests that run the CLI as a real process."""

from __future__ import annotations

import array
import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator


def sigint_default() -> None:
    """``preexec_fn`` of a process a test will interrupt: Ctrl-C as a terminal delivers it, even
    when the test run itself was started in the background by a shell without job control, which
    leaves SIGINT ignored in every child (and Python then installs no KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def taken_in(proc: subprocess.Popen[bytes], timeout: float = 60) -> bool:
    """Wait until ``proc`` has read all that was written to its standard input (its pipe holds
    no byte), at most ``timeout`` seconds; whether it has. What a test wrote is then in the
    process, not on its way (a fixed sleep for that is a guess that a loaded machine can beat)."""
    import fcntl  # (POSIX only, as the tests that interrupt a process are)
    import termios

    assert proc.stdin is not None
    unread = array.array("i", [0])
    deadline = time.monotonic() + timeout
    while True:
        fcntl.ioctl(proc.stdin.fileno(), termios.FIONREAD, unread)  # (Linux: either end of a pipe)
        if unread[0] == 0:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def interrupt(proc: subprocess.Popen[bytes], timeout: float = 60) -> bytes:
    """Send Ctrl-C (SIGINT) and wait for ``proc`` to end with its stdin still open (closing it
    first, as ``communicate()`` does, could let a loaded machine read end of input before the
    signal and end normally); return what it wrote on stderr."""
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=timeout)
    return proc.stderr.read() if proc.stderr is not None else b""


@contextlib.contextmanager
def reaped(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """``proc`` killed if a test left it running, and its pipes closed, whatever happens (an
    unclosed pipe is a ResourceWarning under ``-X dev``)."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
