"""Sessions of a live log: raw lines → (session, key, line) events, and bounded per-session state.

The online side of :class:`~hourglass.features.sessions.EventSessions`: :func:`line_events`
maps a micro-batch of raw lines to events with the fitted template tree and the session rule the
model was trained with (the same parser and id rule as batch scoring), and :class:`LiveSessions`
keeps, per live session, only what an online scorer needs: the last ``history`` keys, or every
key up to ``max_events`` for models that score whole sessions. The number of live sessions is
capped; the least recently seen are evicted (and handed back, so that they can be scored).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hourglass.errors import InputError
from hourglass.features.sessions.events import EventSessions
from hourglass.features.sessions.keys import int_keys
from hourglass.ingest.logs import LastMessages, read_lock

__all__ = ["ClosedSession", "LiveSessions", "line_events"]

_STAT_KEYS = ("lines", "parsed", "unmatched", "bad_encoding", "blank", "unknown_template")


def line_events(features: EventSessions, lines: list[str], first_line: int,
                stats: dict[str, Any], last: LastMessages | None = None) -> dict[str, list[Any]]:
    """Events of ``lines`` (numbered from ``first_line``) under a fitted log ``features``.

    Each parsed line gives one event per session id it names (``session_regex``: every distinct
    match, as batch grouping does; ``session_column``: the header field). Returns lists
    ``session``, ``key``, ``line`` and ``content`` in log order (and ``host``, each event's
    header host, with sessions by ``pid`` in a format that has one: a pid is one host's); the
    parse counts are added to ``stats`` (``lines``, ``parsed``, ``unmatched``,
    ``unknown_template``, ..., ``events_without_session``). ``last``, kept by the caller from
    one call to the next, holds each host's last message, which sysklogd's ``last message
    repeated N times`` repeats (:meth:`~hourglass.ingest.logs.LogParser.parse_fields`).

    Examples
    --------
    >>> pre = EventSessions(format="raw", session_regex=r"blk_\\d+")
    >>> pre = pre.fit(["open blk_1", "close blk_1", "copy blk_1 blk_2"])
    >>> stats = {}
    >>> ev = line_events(pre, ["open blk_7", "reboot", "copy blk_7 blk_8"], 10, stats)
    >>> ev["session"], ev["key"], ev["line"]
    (['blk_7', 'blk_7', 'blk_8'], [1, 3, 3], [10, 12, 12])
    >>> stats["unknown_template"], stats["events_without_session"]  # 'reboot'
    (1, 1)
    """
    rx, column = _session_rule(features)
    parser = features.parser_
    assert parser is not None
    out: dict[str, list[Any]] = {"session": [], "key": [], "line": [], "content": []}
    for k in (*_STAT_KEYS, "events_without_session"):
        stats.setdefault(k, 0)
    if not lines:
        return out
    with read_lock(parser):  # its counts this read's, not those of another thread's read
        nums, keys, contents, fields = parser.parse_fields(lines, last)
        counts = {k: getattr(parser.stats_, k) for k in (*_STAT_KEYS, "first_unmatched")}
    if rx is not None:  # an empty or blank id names no session, as batch grouping reads it
        found = [list(dict.fromkeys(i for i in rx.findall(c) if i.strip())) for c in contents]
    else:
        # (the spaces around a header field's id no part of it, as batch grouping reads it)
        found = [[v.strip() if isinstance(v, str) else v] if v and str(v).strip() else []
                 for v in fields[column]]  # type: ignore[index]
    offset = first_line - 1
    hosts = fields.get("host") if column == "pid" else None
    if hosts is not None:
        out["host"] = ["" if h is None else str(h).strip()
                       for h, ids in zip(hosts, found, strict=True) for _ in ids]
    for ids, key, num, content in zip(found, keys, nums, contents, strict=True):
        if not ids:
            stats["events_without_session"] += 1
        for sid in ids:
            out["session"].append(sid)
            out["key"].append(key)
            out["line"].append(num + offset)
            out["content"].append(content)
    for k in _STAT_KEYS:
        stats[k] += counts[k]
    # the first line that matched no header, as score's warning names it (stream's summary)
    first = counts["first_unmatched"]
    if first is not None and stats.get("first_unmatched") is None:
        stats["first_unmatched"] = first + offset
    return out


def _session_rule(features: EventSessions) -> tuple[re.Pattern[str] | None, str | None]:
    """The session rule of a raw-log model: a compiled id regex, or a header field."""
    if not hasattr(features, "parser_") or features.parser_ is None:
        raise InputError("line_events: needs an EventSessions fitted on a raw log (not keys or "
                         "an event table)")
    if features.session_regex is not None:  # (checked as score checks it: a saved model's)
        return features._grouper(saved=True).rx, None
    if features.session_column is not None:
        fields = features.parser_._compile().header.groupindex
        if features.session_column not in fields:
            raise InputError(f"session_column: no field {features.session_column!r} in the "
                             f"header format; it gives {', '.join(g for g in fields if g != 'content')}",
                             param="session_column")
        return None, features.session_column
    raise InputError("streaming needs sessions by an id (session_regex or session_column); this "
                     "model groups events into time windows",
                     param=("window", "session_regex", "session_column"))


@dataclass
class ClosedSession:
    """A session that left the live set: why (``end``, ``idle``, ``evicted``, ``full``), its
    last keys (``history``, padded with ``-1`` before its start), every key kept
    (``keys``/``lines``, whole-session mode only) and how many events it had."""

    id: str
    reason: str
    history: np.ndarray
    n_events: int
    last_line: int
    keys: np.ndarray | None = None
    lines: np.ndarray | None = None


@dataclass
class _State:
    history: np.ndarray
    n_events: int = 0
    last_line: int = 0
    seen: float = 0.0
    keys: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


class LiveSessions:
    """Bounded per-session state of a live log: the last ``history`` keys of each session.

    Parameters
    ----------
    history
        Keys kept per session for next-event models (DeepLog's window ``h``).
    max_sessions
        Most live sessions kept after each :meth:`add`; the least recently seen are evicted
        and returned by :meth:`add` (``evicted`` counts them).
    whole
        Also keep every key (and line number) of each session, for models that score whole
        sessions; a session reaching ``max_events`` is closed as ``"full"`` (counted in
        ``split``) and goes on as a new session.
    max_events
        Longest session kept whole.
    clock
        Time source for :meth:`close_idle` (seconds).

    Examples
    --------
    >>> live = LiveSessions(history=2, max_sessions=1)
    >>> windows, positions, closed = live.add(["a", "a", "b"], [5, 6, 7], [1, 2, 3])
    >>> windows.tolist(), positions.tolist()
    ([[-1, -1], [-1, 5], [-1, -1]], [0, 1, 0])
    >>> [(c.id, c.reason, c.history.tolist()) for c in closed]
    [('a', 'evicted', [5, 6])]
    >>> live.evicted, len(live)
    (1, 1)
    """

    def __init__(self, history: int, max_sessions: int = 100_000, *, whole: bool = False,
                 max_events: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        if int(history) < 1:
            raise ValueError(f"history must be >= 1, got {history}")
        if int(max_sessions) < 1:
            raise ValueError(f"max_sessions must be >= 1, got {max_sessions}")
        if int(max_events) < 1:
            raise ValueError(f"max_events must be >= 1, got {max_events}")
        self.history = int(history)
        self.max_sessions = int(max_sessions)
        self.whole = whole
        self.max_events = int(max_events)
        self.clock = clock
        self._live: OrderedDict[str, _State] = OrderedDict()
        self.evicted = 0
        self.split = 0
        self.sessions = 0

    def __len__(self) -> int:
        return len(self._live)

    def add(self, sessions: list[str], keys: list[int], lines: list[int]
            ) -> tuple[np.ndarray, np.ndarray, list[ClosedSession]]:
        """Take events in log order; return each event's history window (``(n, history)`` raw
        keys before it, ``-1`` before the session's start), its position in its session (from
        0) and the sessions closed meanwhile (``full`` ones, then the least recently seen
        beyond ``max_sessions``)."""
        h = self.history
        n = len(keys)
        windows = np.full((n, h), -1, dtype=np.int64)
        positions = np.zeros(n, dtype=np.int64)
        closed: list[ClosedSession] = []
        if n == 0:
            return windows, positions, closed
        now = self.clock()
        order: dict[str, list[int]] = {}
        for i, s in enumerate(sessions):
            order.setdefault(s, []).append(i)
        key_arr = int_keys(keys, "LiveSessions.add: keys")  # (1.5 was cut to key 1)
        # one step per session of the batch, not per event; in the order of their last events,
        # so that the live set ends most recently seen last (the first evicted are the least)
        for sid, idx in sorted(order.items(), key=lambda item: item[1][-1]):
            st = self._live.pop(sid, None)
            if st is None:
                st = _State(np.full(h, -1, dtype=np.int64))
                self.sessions += 1
            if self.whole and st.n_events + len(idx) > self.max_events:
                idx = self._fill(sid, st, idx, keys, lines, closed)
                st = _State(np.full(h, -1, dtype=np.int64))
                if not idx:
                    continue
            ctx = np.concatenate([st.history, key_arr[idx]])
            m = len(idx)
            windows[idx] = ctx[np.arange(m)[:, None] + np.arange(h)[None, :]]
            positions[idx] = st.n_events + np.arange(m)
            st.history = ctx[-h:]
            st.n_events += m
            st.last_line = int(lines[idx[-1]])
            st.seen = now
            if self.whole:
                st.keys.extend(int(keys[i]) for i in idx)
                st.lines.extend(int(lines[i]) for i in idx)
            self._live[sid] = st
        while len(self._live) > self.max_sessions:
            sid, st = self._live.popitem(last=False)
            self.evicted += 1
            closed.append(self._closed(sid, st, "evicted"))
        return windows, positions, closed

    def _fill(self, sid: str, st: _State, idx: list[int], keys: list[int], lines: list[int],
              closed: list[ClosedSession]) -> list[int]:
        """Close ``st`` as ``full`` once it holds ``max_events`` (more than once for a long
        batch); the events left over for the session's next part."""
        while st.n_events + len(idx) > self.max_events:
            take = self.max_events - st.n_events
            st.keys.extend(int(keys[i]) for i in idx[:take])
            st.lines.extend(int(lines[i]) for i in idx[:take])
            if take:
                ctx = np.concatenate([st.history, np.asarray([keys[i] for i in idx[:take]], np.int64)])
                st.history = ctx[-self.history:]
                st.last_line = int(lines[idx[take - 1]])
            st.n_events = self.max_events
            closed.append(self._closed(sid, st, "full"))
            self.split += 1
            idx = idx[take:]
            st = _State(np.full(self.history, -1, dtype=np.int64))
        return idx

    def _closed(self, sid: str, st: _State, reason: str) -> ClosedSession:
        return ClosedSession(sid, reason, st.history, st.n_events, st.last_line,
                             np.asarray(st.keys, np.int64) if self.whole else None,
                             np.asarray(st.lines, np.int64) if self.whole else None)

    def close_idle(self, seconds: float) -> list[ClosedSession]:
        """Close the sessions not seen for more than ``seconds`` (oldest first)."""
        limit = self.clock() - float(seconds)
        out = []
        while self._live:
            sid, st = next(iter(self._live.items()))
            if st.seen > limit:
                break
            del self._live[sid]
            out.append(self._closed(sid, st, "idle"))
        return out

    def close(self, ids: list[str]) -> list[ClosedSession]:
        """Close the live sessions ``ids`` (ended for sure: e.g. a key-sequence line)."""
        return [self._closed(sid, self._live.pop(sid), "end") for sid in dict.fromkeys(ids)
                if sid in self._live]

    def close_all(self) -> list[ClosedSession]:
        """Close every live session (end of input), in order of last activity."""
        out = [self._closed(sid, st, "end") for sid, st in self._live.items()]
        self._live.clear()
        return out
