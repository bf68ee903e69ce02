"""Log records and warnings one thread holds back while others log and warn as ever.

Some work logs notes that are not the caller's: a read whose result is thrown away, a threshold
fitted only as a placeholder, a federated site's warm start. :func:`held_records` keeps the
records that the calling thread logs under some loggers (and their children) out of the log,
for the caller to drop or replay; what other threads log meanwhile goes where it always went.
:func:`quiet_warnings` does the same for Python warnings (pandas' notes on time formats, scipy's
on a fit), where :class:`warnings.catch_warnings` changes the process' filters for every thread
and, entered by two threads at once, leaves one thread's filter in place for good.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import warnings
from collections.abc import Iterator
from typing import Any, cast

__all__ = ["held_records", "quiet_warnings"]


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


class _ThreadMatch:
    """The message test of a :mod:`warnings` filter that ignores a warning only in the threads
    that quiet it (:func:`quiet_warnings`): the filters call ``match(text)`` of the entry's
    message, so the entry matches nothing in any other thread, which its own filters decide for."""

    def __init__(self, message: str) -> None:
        self.pattern = re.compile(message, re.I)  # (as warnings.filterwarnings compiles it)
        self.threads: dict[int, int] = {}  # thread ident -> its holds

    def match(self, text: str) -> bool:
        return threading.get_ident() in self.threads and self.pattern.match(text) is not None


_QUIET: dict[tuple[type[Warning], str], tuple[str, _ThreadMatch, type[Warning], None, int]] = {}


def _filters() -> list[Any]:
    """The process' warning filters, the list itself (as :mod:`warnings` holds it now)."""
    return cast("list[Any]", warnings.filters)


def _filters_changed() -> None:
    """Tell :mod:`warnings` that its filters changed (the 'once' registries start again)."""
    changed = getattr(warnings, "_filters_mutated", None)
    if changed is not None:
        changed()


@contextlib.contextmanager
def quiet_warnings(category: type[Warning] = Warning, message: str = "") -> Iterator[None]:
    """Ignore the warnings of ``category`` whose text starts with ``message`` (a regular
    expression, case ignored, as :func:`warnings.filterwarnings` takes it) that this thread
    raises; other threads' warnings are shown, ignored or raised as their filters say.

    :class:`warnings.catch_warnings` with :func:`warnings.simplefilter` changes the filters of
    the whole process: the warnings of every other thread are ignored meanwhile, and two threads
    that enter and leave it interleaved (the service scoring requests side by side) restore each
    other's copies, leaving ``ignore`` in the filters for good. Holds may nest and overlap across
    threads.

    Parameters
    ----------
    category
        The warnings' class (its subclasses too).
    message
        What their text starts with (``""``: any text).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     with quiet_warnings(UserWarning, "Could not infer format"):
    ...         warnings.warn("Could not infer format, so each element will be parsed individually")
    ...         warnings.warn("another note")
    >>> [str(w.message) for w in seen]
    ['another note']
    """
    me, key = threading.get_ident(), (category, message)
    with _LOCK:
        entry = _QUIET.get(key)
        if entry is None:
            entry = _QUIET[key] = ("ignore", _ThreadMatch(message), category, None, 0)
        matcher = entry[1]
        matcher.threads[me] = matcher.threads.get(me, 0) + 1
        filters = _filters()
        if not any(f is entry for f in filters):  # (first, or reset by the caller)
            filters.insert(0, entry)
            _filters_changed()
    try:
        yield
    finally:
        with _LOCK:
            holds = matcher.threads.pop(me) - 1
            if holds:
                matcher.threads[me] = holds
            elif not matcher.threads:
                del _QUIET[key]
                filters = _filters()
                kept = [f for f in filters if f is not entry]
                if len(kept) != len(filters):
                    filters[:] = kept
                    _filters_changed()
