"""Log records one thread holds back while others log as ever.

Some work logs notes that are not the caller's: a read whose result is thrown away, a threshold
fitted only as a placeholder, a federated site's warm start. :func:`held_records` keeps the
records that the calling thread logs under some loggers (and their children) out of the log,
for the caller to drop or replay; what other threads log meanwhile goes where it always went.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

__all__ = ["held_records"]


class _Holder(logging.Handler):
    """The handler on a logger whose records :func:`held_records` holds: a record logged by a
    thread that holds them goes to that thread's list; any other thread's is passed on up the
    logger's parents as its propagation (turned off while a thread holds) would have passed it."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__()
        self.logger, self.propagate = logger, logger.propagate
        self.held: dict[int, list[logging.LogRecord]] = {}  # thread ident -> its records

    def emit(self, record: logging.LogRecord) -> None:
        held = self.held.get(threading.get_ident())  # (emit runs in the thread that logs)
        if held is not None:
            held.append(record)
            return
        found = 0  # as Logger.callHandlers walks on from the logger
        parent = self.logger.parent if self.propagate else None
        while parent is not None:
            for handler in parent.handlers:
                found += 1
                if record.levelno >= handler.level:
                    handler.handle(record)
            parent = parent.parent if parent.propagate else None
        last = logging.lastResort
        if not found and len(self.logger.handlers) == 1 and last is not None \
                and record.levelno >= last.level:
            last.handle(record)  # (no handler anywhere: Python's own last resort, as ever)


_HOLDERS: dict[str, _Holder] = {}
_LOCK = threading.Lock()


@contextlib.contextmanager
def held_records(*names: str) -> Iterator[list[logging.LogRecord]]:
    """Hold the records that this thread logs under the loggers ``names`` (and their children).

    The records are put in the list yielded instead of being logged; the caller drops them or
    replays those it wants (``logging.getLogger(r.name).handle(r)``). Records other threads log
    under those loggers meanwhile are logged as ever. Holds may nest and overlap across threads.

    Parameters
    ----------
    *names
        Logger names, e.g. ``"hourglass.thresholds"``.

    Yields
    ------
    list of logging.LogRecord
        The records held, in the order they were logged.

    Examples
    --------
    >>> import logging
    >>> with held_records("hourglass.example") as said:
    ...     logging.getLogger("hourglass.example.part").warning("not the caller's note")
    >>> [r.getMessage() for r in said]
    ["not the caller's note"]
    """
    held: list[logging.LogRecord] = []
    me = threading.get_ident()
    taken: list[tuple[_Holder, list[logging.LogRecord] | None]] = []
    with _LOCK:  # one holder per logger, whichever threads hold its records at once
        for name in dict.fromkeys(names):
            holder = _HOLDERS.get(name)
            if holder is None:
                logger = logging.getLogger(name)
                holder = _HOLDERS[name] = _Holder(logger)
                logger.addHandler(holder)
                logger.propagate = False
            taken.append((holder, holder.held.get(me)))  # (a hold of this thread's, nested)
            holder.held[me] = held
    try:
        yield held
    finally:
        with _LOCK:
            for holder, before in taken:
                if before is not None:
                    holder.held[me] = before
                    continue
                del holder.held[me]
                if not holder.held:
                    del _HOLDERS[holder.logger.name]
                    holder.logger.removeHandler(holder)
                    holder.logger.propagate = holder.propagate
