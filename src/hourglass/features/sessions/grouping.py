"""Parsed log events → sessions: by an id found in the message, a session column, or time windows.

:class:`SessionGrouper` groups events chunk by chunk (keeping only each event's key, line number
and session), :func:`group_events` in one go; :class:`Sessions` holds the result.
"""

from __future__ import annotations

import importlib
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hourglass._times import zone_name_hint
from hourglass.errors import InputError

__all__ = ["SessionGrouper", "Sessions", "group_events"]

logger = logging.getLogger(__name__)

#: The most event copies overlapping time windows may make (``window / step`` copies of each
#: event): 100 million, about 5 GiB of index arrays. More stops with an error naming a step.
MAX_WINDOW_EVENTS = 100_000_000


@dataclass
class Sessions:
    """Sessions built from a log: ids, key sequences, the log lines of each event, counts.

    Examples
    --------
    >>> from hourglass.features import EventSessions
    >>> lines = ["open blk_1", "open blk_2", "close blk_1"]
    >>> found = EventSessions(session_regex=r"blk_\\d+").fit(lines).sessions(lines)
    >>> len(found), found.ids, [k.tolist() for k in found.sequences], [n.tolist() for n in found.lines]
    (2, ['blk_1', 'blk_2'], [[1, 2], [1]], [[1, 3], [2]])
    """

    ids: list[str]
    sequences: list[np.ndarray]
    lines: list[np.ndarray]
    stats: dict[str, Any] = field(default_factory=dict)
    events: pd.DataFrame | None = None
    text_of: Callable[[set[int]], dict[int, str]] | None = None

    def __len__(self) -> int:
        return len(self.sequences)


def _split_by_code(codes: np.ndarray, *arrays: np.ndarray, within: np.ndarray | None = None
                   ) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Group rows by integer ``codes`` (in row order inside a group, or by ``within`` — ties in
    row order, NaN last — when given): (group codes, parts)."""
    if not len(codes):  # np.split of an empty array gives one empty part: no groups at all
        return codes, [[] for _ in arrays]
    order = np.argsort(codes, kind="stable") if within is None else np.lexsort((within, codes))
    sc = codes[order]
    cuts = np.flatnonzero(np.diff(sc)) + 1
    groups = sc[np.r_[0, cuts]] if len(sc) else sc
    return groups, [np.split(a[order], cuts) for a in arrays]


def _whole_ids(col: pd.Series) -> pd.Series:
    """Session ids read as floats only because some are missing (an integer column with a gap
    becomes float64) as integers again: session 7 is ``"7"``, not ``"7.0"``, whether or not
    another row (or another chunk of the same file) lacks an id. Each value is read alone, so a
    fractional id elsewhere in the chunk does not make this one's 7 ``"7.0"`` (the same session
    then had two names, one per chunk).

    Examples
    --------
    >>> _whole_ids(pd.Series([7.0, None, 12.0])).dropna().astype(str).tolist()
    ['7', '12']
    >>> _whole_ids(pd.Series([7.0, 7.5])).astype(str).tolist()
    ['7', '7.5']
    """
    if not pd.api.types.is_float_dtype(col):
        return col
    v = col.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(v) & (v == np.round(v)) & (np.abs(v) < 2**53)
    if whole.sum() == np.count_nonzero(~np.isnan(v)):
        return col.astype("Int64")
    out = col.astype(object)
    out[whole] = v[whole].astype(np.int64).tolist()
    return out


def _window_ids(starts: np.ndarray, whole_us: bool) -> list[str]:
    """The ISO names of the time windows starting at ``starts`` (epoch seconds), rounded to the
    microsecond when ``whole_us`` (steps of whole microseconds start on one), as
    ``Timestamp.isoformat`` writes them: a fraction only where there is one.

    Examples
    --------
    >>> _window_ids(np.array([1117838570.2000000477, 1117838571.0]), True)
    ['2005-06-03T22:42:50.200000', '2005-06-03T22:42:51']
    >>> _window_ids(np.array([0.25, 1 / 3]), False)
    ['1970-01-01T00:00:00.250000', '1970-01-01T00:00:00.333333333']
    """
    if not whole_us:
        return [pd.Timestamp(float(t), unit="s").isoformat() for t in starts]
    # from whole microseconds, written at once (a Timestamp a window cost seconds per 200k)
    us = np.round(starts * 1e6).astype(np.int64)
    names: list[str] = np.datetime_as_string(us.astype("datetime64[us]"), unit="s").tolist()
    frac = us % 1_000_000
    for i in np.flatnonzero(frac):
        names[i] += f".{int(frac[i]):06d}"
    return names


def _repeated_group(pattern: str) -> bool:
    """Whether a capturing group of ``pattern`` sits inside a repeat that may match more than
    once (``(ab:){5}``, ``(x)+``): its text is then only its last repetition.

    Examples
    --------
    >>> _repeated_group(r"([0-9a-f]{2}:){5}[0-9a-f]{2}"), _repeated_group(r"user=(\\w+)")
    (True, False)
    >>> _repeated_group(r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}"), _repeated_group(r"(id=\\d+)?")
    (False, False)
    """
    parser: Any = importlib.import_module("re._parser")  # (the stdlib's parser, as re uses it)
    constants: Any = importlib.import_module("re._constants")
    # (by identity: a character range's (24, 57) is a pair of plain ints equal to opcodes)
    repeats = [constants.MAX_REPEAT, constants.MIN_REPEAT,
               getattr(constants, "POSSESSIVE_REPEAT", constants.MAX_REPEAT)]

    def walk(node: Any, repeated: bool) -> bool:
        if isinstance(node, parser.SubPattern):
            return any(walk(item, repeated) for item in node.data)
        if isinstance(node, list | tuple):
            op = node[0] if len(node) == 2 else None
            if any(op is r for r in repeats):
                _, most, sub = node[1]
                return walk(sub, repeated or most > 1)
            if op is constants.SUBPATTERN:
                group, *_, sub = node[1]
                return (group is not None and repeated) or walk(sub, repeated)
            return any(walk(item, repeated) for item in node)
        return False

    return walk(parser.parse(pattern), False)


#: The field a table's host column travels under to the grouper beside sessions by a process id
#: column (a log's is its header's ``host``), for :meth:`SessionGrouper.pids_across_hosts`
PID_HOST = "pid_host"

class SessionGrouper:
    """Group parsed events into sessions chunk by chunk, keeping only what sessions need.

    Feed event frames (columns ``key``, ``line`` and ``content``, the session column or
    ``time``) to :meth:`add`; :meth:`finish` returns ids, key sequences, line numbers and
    counts. Per event only the key, the line number and the session code (or the time stamp)
    are kept, so a log far larger than memory can be grouped as long as its sessions fit.
    Exactly one of ``session_regex`` (ids found in ``content``; a line naming several ids joins
    each of them), ``session_column`` or ``window`` (seconds, with ``step`` < ``window`` for
    sliding windows) is used. With ``order_by_time``, events are ordered by their ``time``
    inside a session (ties keep input order) rather than by input order.

    Examples
    --------
    >>> import pandas as pd
    >>> g = SessionGrouper(session_regex=r"blk_\\d+")
    >>> g.add(pd.DataFrame({"key": [1, 2], "line": [1, 2], "content": ["a blk_1", "b blk_2"]}))
    >>> g.add(pd.DataFrame({"key": [3], "line": [3], "content": ["c blk_1"]}))
    >>> ids, seqs, lines, _ = g.finish()
    >>> ids, [s.tolist() for s in seqs], [x.tolist() for x in lines]
    (['blk_1', 'blk_2'], [[1, 3], [2]], [[1, 3], [2]])
    """

    def __init__(self, *, session_regex: str | None = None, session_column: str | None = None,
                 window: float | None = None, step: float | None = None,
                 order_by_time: bool = False) -> None:
        chosen = [o for o in (session_regex, session_column, window) if o is not None]
        if len(chosen) != 1:
            raise InputError("sessions: give exactly one of session_regex, session_column or "
                             f"window (got {len(chosen)})",
                             param=("session_regex", "session_column", "window"))
        self.rx: re.Pattern[str] | None = None
        if session_regex is not None:
            try:
                self.rx = re.compile(session_regex)
            except re.error as exc:
                raise InputError(f"session_regex: invalid regular expression ({exc})",
                                 param="session_regex") from None
            if self.rx.groups > 1:
                raise InputError("session_regex: use at most one capturing group (its text is "
                                 "the session id; with none, the whole match is)",
                                 param="session_regex")
            if self.rx.groups and _repeated_group(session_regex):
                # a MAC's '([0-9a-f]{2}:){5}[0-9a-f]{2}' grouped 'aa:bb:cc:dd:ee:ff' as '44:'-like
                # ids, the group's last repetition, silently: no one means that as a session id
                raise InputError("session_regex: its capturing group repeats, so its text would be "
                                 "only the last repetition, not the session id; write the repeated "
                                 "part as a non-capturing group, (?:...), so the whole match is the "
                                 "id, or put one group around the whole id",
                                 param="session_regex")
        self.session_column = session_column
        self.window, self.step = window, step
        if window is not None:
            try:  # float('x') said only "could not convert string to float", naming neither
                w = float(window)
                st = w if step is None else float(step)
            except (TypeError, ValueError, OverflowError):  # (float(10**400): OverflowError)
                def said(v: Any) -> str:  # (repr of an int past 4,300 digits raises ValueError)
                    return "an integer past float range" if isinstance(v, int) else repr(v)

                shown = f"window={said(window)}" + (f", step={said(step)}" if step is not None else "")
                raise InputError(f"window/step: need numbers of seconds, got {shown}",
                                 param=("window", "step")) from None
            if not (w > 0 and 0 < st <= w and math.isfinite(w)):
                given = f"window={window}" + (f", step={step}" if step is not None else "")
                raise InputError(f"window/step: need 0 < step <= window, got {given}",
                                 param=("window", "step"))
            self._w, self._s = w, st
        self.order_by_time = order_by_time
        #: the first event whose time does not read, with its time stamp's text when the input
        #: gives one (``line 3, 'Mar 45 10:00:00'``): named by the warning and the error
        self.first_timeless: str | None = None
        self.index: dict[str, int] = {}
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.counts = {"events_without_session": 0, "empty_sessions_skipped": 0}
        #: sessions by process id: each one's first host, and those seen on a second host (the
        #: first two hosts), for :meth:`pids_across_hosts`
        self._host_of: dict[int, str] = {}
        self._across: dict[int, tuple[str, str]] = {}

    def add(self, events: pd.DataFrame) -> None:
        """Take one chunk of events (in log order)."""
        if not len(events):
            return
        keys = events["key"].to_numpy(dtype=np.int64)
        lines = events["line"].to_numpy(dtype=np.int64)
        if self.rx is not None:
            findall, index = self.rx.findall, self.index
            # an empty match ('user=(\w*)' on 'user=') names no session: the event has none
            found = [list(dict.fromkeys(i for i in findall(c) if i.strip()))
                     for c in events["content"].astype(str).tolist()]
            n_ids = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
            self.counts["events_without_session"] += int((n_ids == 0).sum())
            rows = np.repeat(np.arange(len(events)), n_ids)
            codes = np.fromiter((index.setdefault(i, len(index)) for f in found for i in f),
                                dtype=np.int64, count=int(n_ids.sum()))
        elif self.session_column is not None:
            if self.session_column not in events.columns:
                raise InputError(f"session_column: no field {self.session_column!r}; the input "
                                 f"gives {', '.join(c for c in events.columns if c not in ('key', 'line'))}",
                                 param="session_column")
            col = _whole_ids(events[self.session_column])
            # the spaces around an id are no part of it, whatever the input: a CSV's cell is read
            # stripped, and ' a ' from JSON lines, Parquet, a DataFrame or the service was a
            # session of its own beside 'a'
            text = col.astype(str).str.strip()
            ok = col.notna().to_numpy() & (text.str.len() > 0).to_numpy()  # blank: none
            self.counts["events_without_session"] += int((~ok).sum())
            rows = np.flatnonzero(ok)
            index = self.index
            codes = np.fromiter((index.setdefault(v, len(index)) for v in text.iloc[rows].tolist()),
                                dtype=np.int64, count=len(rows))
            if self.session_column == "pid" and "host" in events.columns:
                self._note_hosts(codes, events["host"].iloc[rows])
            elif PID_HOST in events.columns:  # a table's sessions by its process id column
                self._note_hosts(codes, events[PID_HOST].iloc[rows])
        else:
            t = events["time"].to_numpy(dtype=np.float64) if "time" in events.columns else \
                np.full(len(events), np.nan)
            ok = np.isfinite(t)
            self.counts["events_without_session"] += int((~ok).sum())
            if self.first_timeless is None and not ok.all():
                self.first_timeless = _timeless_event(events, int(np.flatnonzero(~ok)[0]))
            rows = np.flatnonzero(ok)
            codes = t[rows]  # time stamps; windows are cut in finish()
        part: tuple[np.ndarray, ...] = (keys[rows], lines[rows], codes)
        if self.order_by_time:
            part += (events["time"].to_numpy(dtype=np.float64)[rows],)
        self.parts.append(part)

    def _note_hosts(self, codes: np.ndarray, hosts: pd.Series) -> None:
        """Note the sessions (``codes``, by process id) whose events name another host than
        their first (``hosts``, the header's field; an empty one names none)."""
        pairs = pd.DataFrame({"code": codes, "host": hosts.astype(str).str.strip().to_numpy()})
        pairs = pairs[pairs["host"] != ""].drop_duplicates()
        first, across = self._host_of, self._across
        for code, host in zip(pairs["code"].tolist(), pairs["host"].tolist(), strict=True):
            was = first.setdefault(code, host)
            if was != host and code not in across:
                across[code] = (was, host)

    def pids_across_hosts(self) -> tuple[int, str] | None:
        """With sessions by ``pid``, how many of them hold events of more than one host (a
        process id is one host's: the same pid on two hosts is two processes, joined into one
        session), and the first one named (``812 on web1 and web2``); ``None`` when none does.

        Examples
        --------
        >>> g = SessionGrouper(session_column="pid")
        >>> g.add(pd.DataFrame({"key": [1, 2, 1], "line": [1, 2, 3], "pid": ["812", "812", "9"],
        ...                     "host": ["web1", "web2", "web1"]}))
        >>> g.pids_across_hosts()
        (1, "'812' on web1 and web2")
        """
        if not self._across:
            return None
        code, (a, b) = next(iter(self._across.items()))
        name = next(k for k, v in self.index.items() if v == code)
        return len(self._across), f"{name!r} on {a} and {b}"

    def _first_timeless(self) -> str:
        """`` (first: line 3, '...')`` for a message about events without a readable time, or
        ``""``."""
        return f" (first: {self.first_timeless})" if self.window is not None and self.first_timeless else ""

    def map_keys(self, mapping: np.ndarray) -> None:
        """Replace every key ``k`` added so far by ``mapping[k]`` (keys numbered provisionally
        while a table streams, renumbered once all are known)."""
        self.parts = [(mapping[p[0]], *p[1:]) for p in self.parts]

    def finish(self) -> tuple[list[str], list[np.ndarray], list[np.ndarray], dict[str, int]]:
        """(ids, key sequences, line numbers, counts) of every non-empty session."""
        def cat(i: int, dtype: type) -> np.ndarray:
            return np.concatenate([p[i] for p in self.parts]) if self.parts else np.zeros(0, dtype)

        keys, lines, codes = cat(0, np.int64), cat(1, np.int64), cat(2, np.int64)
        times = cat(3, np.float64) if self.order_by_time else None
        self.parts = []
        counts = self.counts
        if self.window is not None:
            if not len(codes) and not counts["events_without_session"]:  # no event at all (no line
                return [], [], [], dict(counts)  # matched the format): the caller's counted error
            if not len(codes):
                raise InputError("window: no event has a readable time stamp in this input"
                                 + self._first_timeless() + zone_name_hint(self.first_timeless or ""),
                                 param="window")
            w, s = self._w, self._s
            # window g holds the events at g*s <= rel < g*s + w. The quotients round (0.3 / 0.1
            # is 2.999...: the event at 0.3 went to the window before its own, and a window's
            # first event was left out of it), so a quotient within 1e-9 of a whole number is
            # that number: far below a time stamp's resolution (6e-8 s for a 60 s step). An epoch
            # time holds its fraction to 2.4e-7 s only (1117838570.3 is ...70.29999995): a few of
            # those steps of float64 more (0.5 us), or a 0.1 s window held the event at .3 s in
            # the window of .2 s
            eps = 1e-9 + min(2 * float(np.spacing(np.abs(codes).max())) / s, 0.01)
            t0 = float(np.floor(codes.min() / s + eps) * s)
            rel = codes - t0
            last = np.floor(rel / s + eps).astype(np.int64)         # last window holding the event
            first = np.maximum(np.floor((rel - w) / s + eps).astype(np.int64) + 1, 0)
            n_win = last - first + 1
            copies = int(n_win.sum())
            if copies > MAX_WINDOW_EVENTS:  # (each copy costs ~50 bytes in the arrays below)
                raise InputError(
                    f"window/step: each event falls in {math.ceil(w / s):,} overlapping windows "
                    f"(window={w:g} s, step={s:g} s), so {len(codes):,} events would be copied "
                    f"{copies:,} times (about {copies * 50 / 2**30:.0f} GiB); the most is "
                    f"{MAX_WINDOW_EVENTS:,}: give a larger step (e.g. step={w / 10:g})",
                    param=("window", "step"))
            rows = np.repeat(np.arange(len(codes)), n_win)
            offs = np.arange(n_win.sum()) - np.repeat(np.cumsum(n_win) - n_win, n_win)
            win = np.repeat(first, n_win) + offs
            counts["empty_sessions_skipped"] = int(last.max()) + 1 - len(np.unique(win))
            groups, (gk, gl) = _split_by_code(win, keys[rows], lines[rows],
                                              within=None if times is None else times[rows])
            # a start is a whole number of microseconds when the step is: named so, not with
            # the float's error in nanoseconds ('22:42:50.200000048' for the window of .2 s)
            us = s * 1e6 >= 1 and abs(s * 1e6 - round(s * 1e6)) < 1e-6
            ids = _window_ids(t0 + np.asarray(groups, dtype=np.int64) * s, us)
        else:
            groups, (gk, gl) = _split_by_code(codes.astype(np.int64), keys, lines, within=times)
            names = list(self.index)
            ids = [names[g] for g in groups]
        # (no session at all: the caller's error, with the counts, is the one line said)
        if counts["events_without_session"] and ids:  # in time windows: a time stamp that does not read
            logger.warning("%s event(s) had %s; left out%s", f"{counts['events_without_session']:,}",
                           "no session id" if self.window is None else "no readable time (no window)",
                           self._first_timeless())
        if counts["empty_sessions_skipped"]:
            logger.info("%s time window(s) had no line (no session)", f"{counts['empty_sessions_skipped']:,}")
        return ids, gk, gl, dict(counts)


def _timeless_event(events: pd.DataFrame, i: int) -> str:
    """Row ``i`` of ``events`` named for a message: its log line, and the text its time was read
    from where the input has a ``timestamp`` field (a header regex's group, BGL's, journald's).

    Examples
    --------
    >>> ev = pd.DataFrame({"line": [4, 9], "time": [1.0, float("nan")], "timestamp": ["", "03-17 16:13"]})
    >>> _timeless_event(ev, 1)
    "line 9, '03-17 16:13'"
    >>> _timeless_event(ev[["line", "time"]], 1)
    'line 9'
    >>> _timeless_event(ev.assign(month=["", "Dez"], day=["", "7"]), 1)
    "line 9, 'Dez 7 ...': 'Dez' is no English month name (syslog's are read in English, Jan to Dec)"
    """
    from hourglass.ingest.logs import english_month

    where = f"line {int(events['line'].iloc[i])}"
    month = events["month"].iloc[i] if "month" in events.columns else None
    if isinstance(month, str) and month.strip():
        # a BSD syslog header's date, whose month name did not read (a German 'Dez', 'Okt'): the
        # line has a time stamp, in another language
        day = events["day"].iloc[i] if "day" in events.columns else ""
        where += f", {f'{month} {day} ...'!r}"
        if english_month(month) is None:
            where += f": {month!r} is no English month name (syslog's are read in English, Jan to Dec)"
        return where
    if "timestamp" in events.columns:
        text = str(events["timestamp"].iloc[i])
        where += f", {text[:60]!r}" if text.strip() else ", no time stamp"
    return where


def group_events(events: pd.DataFrame, *, session_regex: str | None = None,
                 session_column: str | None = None, window: float | None = None,
                 step: float | None = None) -> tuple[list[str], list[np.ndarray], list[np.ndarray],
                                                     dict[str, int]]:
    """Group parsed events (columns ``key``, ``line``, ``content``/``time``/others) into sessions
    in one go (see :class:`SessionGrouper` for the options and a chunked version).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"key": [1, 2, 1], "line": [1, 2, 3],
    ...                    "content": ["a blk_1", "b blk_2", "c blk_1"]})
    >>> ids, seqs, _, _ = group_events(ev, session_regex=r"blk_-?\\d+")
    >>> ids, [s.tolist() for s in seqs]
    (['blk_1', 'blk_2'], [[1, 1], [2]])
    """
    grouper = SessionGrouper(session_regex=session_regex, session_column=session_column,
                             window=window, step=step)
    grouper.add(events)
    return grouper.finish()
