"""An exclusive ``flock`` held on an open file or folder while a writer takes its turn.

Two processes writing one place (two ``train -o M`` saving to one folder, two ``stream -o F``
appending to one file) take turns through it. Where nothing can be locked (no :mod:`fcntl` on
Windows, a network file system without locks: ``ENOLCK``) the block runs unlocked, as it would
without the lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["turn_of"]


@contextlib.contextmanager
def turn_of(fd: int) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the open descriptor ``fd`` for the block (waiting for any
    other holder first), released when it ends; unlocked where ``fd`` cannot be locked.

    Examples
    --------
    >>> import os, tempfile
    >>> fd = os.open(tempfile.mkdtemp(), os.O_RDONLY)
    >>> with turn_of(fd):
    ...     pass
    >>> os.close(fd)
    """
    try:
        import fcntl
    except ImportError:  # (Windows)
        fcntl = None  # type: ignore[assignment]
    locked = False
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            locked = True
        except OSError:  # (ENOLCK: a network file system without locks)
            pass
    try:
        yield
    finally:
        if locked:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
