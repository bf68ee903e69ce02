"""Log events → sessions: integer key sequences, one per block id / column value / time window.

:class:`EventSessions` is the preprocessing of the ``events`` detectors (``output = "events"``):
it parses raw log lines with :class:`~hourglass.ingest.logs.LogParser` (or reads DeepLog
key-sequence files with ``format="keys"``) and groups the events into sessions. Its fitted state
(the template tree) is plain JSON inside the model artefact.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hourglass.errors import InputError, NotFittedError
from hourglass.ingest.logs import UNKNOWN, LogParser, file_lines

__all__ = ["EventSessions", "SessionGrouper", "Sessions", "count_vectors", "group_events",
           "read_key_sequences"]

logger = logging.getLogger(__name__)


@dataclass
class Sessions:
    """Sessions built from a log: ids, key sequences, the log lines of each event, counts."""

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
    order = np.argsort(codes, kind="stable") if within is None else np.lexsort((within, codes))
    sc = codes[order]
    cuts = np.flatnonzero(np.diff(sc)) + 1
    groups = sc[np.r_[0, cuts]] if len(sc) else sc
    return groups, [np.split(a[order], cuts) for a in arrays]


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
            raise InputError("sessions: give exactly one of --session-regex, --session-col or "
                             f"--window (got {len(chosen)})")
        self.rx: re.Pattern[str] | None = None
        if session_regex is not None:
            try:
                self.rx = re.compile(session_regex)
            except re.error as exc:
                raise InputError(f"--session-regex: invalid regular expression ({exc})") from None
            if self.rx.groups > 1:
                raise InputError("--session-regex: use at most one capturing group (its text is "
                                 "the session id; with none, the whole match is)")
        self.session_column = session_column
        self.window, self.step = window, step
        if window is not None:
            w = float(window)
            st = w if step is None else float(step)
            if not (w > 0 and 0 < st <= w and math.isfinite(w)):
                raise InputError(f"--window/--step: need 0 < step <= window, got window={window}, "
                                 f"step={step}")
            self._w, self._s = w, st
        self.order_by_time = order_by_time
        self.index: dict[str, int] = {}
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.counts = {"events_without_session": 0, "empty_sessions_skipped": 0}

    def add(self, events: pd.DataFrame) -> None:
        """Take one chunk of events (in log order)."""
        if not len(events):
            return
        keys = events["key"].to_numpy(dtype=np.int64)
        lines = events["line"].to_numpy(dtype=np.int64)
        if self.rx is not None:
            findall, index = self.rx.findall, self.index
            found = [list(dict.fromkeys(findall(c))) for c in events["content"].astype(str).tolist()]
            n_ids = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
            self.counts["events_without_session"] += int((n_ids == 0).sum())
            rows = np.repeat(np.arange(len(events)), n_ids)
            codes = np.fromiter((index.setdefault(i, len(index)) for f in found for i in f),
                                dtype=np.int64, count=int(n_ids.sum()))
        elif self.session_column is not None:
            if self.session_column not in events.columns:
                raise InputError(f"--session-col: no field {self.session_column!r}; the input "
                                 f"gives {', '.join(c for c in events.columns if c not in ('key', 'line'))}")
            col = events[self.session_column]
            text = col.astype(str)
            ok = col.notna().to_numpy() & (text.str.len() > 0).to_numpy()
            self.counts["events_without_session"] += int((~ok).sum())
            rows = np.flatnonzero(ok)
            index = self.index
            codes = np.fromiter((index.setdefault(v, len(index)) for v in text.iloc[rows].tolist()),
                                dtype=np.int64, count=len(rows))
        else:
            t = events["time"].to_numpy(dtype=np.float64) if "time" in events.columns else \
                np.full(len(events), np.nan)
            ok = np.isfinite(t)
            self.counts["events_without_session"] += int((~ok).sum())
            rows = np.flatnonzero(ok)
            codes = t[rows]  # time stamps; windows are cut in finish()
        part = (keys[rows], lines[rows], codes)
        if self.order_by_time:
            part += (events["time"].to_numpy(dtype=np.float64)[rows],)
        self.parts.append(part)

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
            if not len(codes):
                raise InputError("--window: no event has a readable time stamp in this input")
            w, s = self._w, self._s
            t0 = float(np.floor(codes.min() / s) * s)
            rel = codes - t0
            last = np.floor(rel / s).astype(np.int64)               # last window holding the event
            first = np.maximum(np.floor((rel - w) / s).astype(np.int64) + 1, 0)
            n_win = last - first + 1
            rows = np.repeat(np.arange(len(codes)), n_win)
            offs = np.arange(n_win.sum()) - np.repeat(np.cumsum(n_win) - n_win, n_win)
            win = np.repeat(first, n_win) + offs
            counts["empty_sessions_skipped"] = int(last.max()) + 1 - len(np.unique(win))
            groups, (gk, gl) = _split_by_code(win, keys[rows], lines[rows],
                                              within=None if times is None else times[rows])
            ids = [pd.Timestamp(t0 + int(g) * s, unit="s").isoformat() for g in groups]
        else:
            groups, (gk, gl) = _split_by_code(codes.astype(np.int64), keys, lines, within=times)
            names = list(self.index)
            ids = [names[g] for g in groups]
        if counts["events_without_session"]:
            logger.info("%d event(s) belong to no session", counts["events_without_session"])
        if counts["empty_sessions_skipped"]:
            logger.info("%d empty window(s) skipped", counts["empty_sessions_skipped"])
        return ids, gk, gl, dict(counts)


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


def read_key_sequences(lines: Iterable[str], *, strict: bool = False,
                       source: str = "input") -> tuple[list[str], list[np.ndarray], dict[str, int]]:
    """DeepLog key-sequence lines (space-separated non-negative integers, one session a line).

    Empty lines are skipped and counted; a line with anything but integers is counted and
    skipped (an error naming the line with ``strict``).

    Examples
    --------
    >>> ids, seqs, counts = read_key_sequences(["5 5 22", "", "7 x"])
    >>> [s.tolist() for s in seqs], counts["empty_sessions_skipped"], counts["unmatched"]
    ([[5, 5, 22]], 1, 1)
    """
    ids: list[str] = []
    seqs: list[np.ndarray] = []
    counts = {"lines": 0, "empty_sessions_skipped": 0, "unmatched": 0, "first_unmatched": None}
    for lineno, line in enumerate(lines, 1):
        counts["lines"] += 1
        text = line.strip()
        if not text:
            counts["empty_sessions_skipped"] += 1
            continue
        try:
            arr = np.array([int(tok) for tok in text.split()], dtype=np.int64)
        except ValueError:
            arr = None
        if arr is None or (arr < 0).any():
            if strict:
                raise InputError(f"{source}: line {lineno}: expected space-separated non-negative "
                                 f"integer keys, got {text[:60]!r}")
            counts["unmatched"] += 1
            counts["first_unmatched"] = counts["first_unmatched"] or lineno
            continue
        ids.append(str(lineno))
        seqs.append(arr)
    if counts["unmatched"]:
        logger.warning("%s: %d line(s) were not integer key sequences (first: line %s); skipped",
                       source, counts["unmatched"], counts["first_unmatched"])
    if counts["empty_sessions_skipped"]:
        logger.info("%s: %d empty session(s) skipped", source, counts["empty_sessions_skipped"])
    return ids, seqs, counts


def count_vectors(sequences: list[np.ndarray], n_keys: int) -> np.ndarray:
    """Event-count matrix (sessions × keys); keys ``>= n_keys`` go to the last column.

    Examples
    --------
    >>> import numpy as np
    >>> count_vectors([np.array([0, 2, 2]), np.array([5])], 3).tolist()
    [[1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    flat = np.concatenate(sequences) if sequences else np.zeros(0, np.int64)
    flat = np.where((flat >= n_keys) | (flat < 0), n_keys, flat)
    rows = np.repeat(np.arange(len(sequences)), lengths)
    out = np.zeros((len(sequences), n_keys + 1), dtype=np.float32)
    np.add.at(out, (rows, flat), 1.0)
    return out


class EventSessions:
    """Parse a log (or read an event table) and group its events into sessions of integer keys.

    Parameters
    ----------
    format
        Header format of the log (``hdfs``, ``bgl``, ``syslog``, ``raw`` or a regex with a
        ``content`` group, see :class:`~hourglass.ingest.logs.LogParser`), or ``keys`` for
        DeepLog key-sequence files (one session of integer keys per line). Ignored for tables
        (``key_column`` or ``message_column`` given).
    session_regex
        Session id found in the message, e.g. ``blk_-?\\d+`` for HDFS block ids.
    session_column
        Header field (or table column) holding the session id (e.g. ``node`` for BGL, ``pid``).
    window, step
        Time windows in seconds (fixed when ``step`` is ``None``, sliding otherwise).
    masks, sim_th, depth
        Masking and Drain settings of the parser.
    strict
        Error on the first line that matches no header format (else count and skip).
    key_column
        Table input: column holding each event's key. Integer keys are used as they are; any
        other values (e.g. ``E5``, ``login``) are numbered at fit, and a value unseen in
        training becomes key ``0`` (unknown, counted).
    message_column
        Table input: column holding each event's message text, mined into templates by Drain
        (like a ``raw`` log line).
    time_column
        Table input: time of each event (epoch seconds or date-time text). Events are ordered by
        it inside a session (stable: ties keep table order) and it defines ``window`` sessions.

    A table is a :class:`pandas.DataFrame` or a CSV/TSV/Parquet/JSONL path; a log is a path
    (``.gz`` read directly) or lines of text. A log is streamed in chunks: only each event's key,
    line number and session are kept, never the whole text. A table file is read chunk by
    chunk too, in training and in scoring.

    Examples
    --------
    >>> ops = ["open", "read", "close"]
    >>> lines = [f"{ops[i % 3]} blk_{i % 4} done {i}" for i in range(12)]
    >>> pre = EventSessions(format="raw", session_regex=r"blk_\\d+").fit(lines)
    >>> [s.tolist() for s in pre.transform(lines)][:2]
    [[1, 2, 3], [2, 3, 1]]

    An event table with a session column:

    >>> import pandas as pd
    >>> df = pd.DataFrame({"user": ["a", "b", "a", "a"], "event": ["login", "login", "read", "exit"]})
    >>> pre = EventSessions(session_column="user", key_column="event").fit(df)
    >>> [s.tolist() for s in pre.transform(df)], pre.templates()
    ([[2, 3, 1], [2]], {1: 'exit', 2: 'login', 3: 'read'})
    """

    output = "events"  # the detector input kind this produces
    chunk_lines = 65_536  # log lines parsed per chunk (bounds the memory of raw text)

    def __init__(self, format: str = "raw", session_regex: str | None = None,
                 session_column: str | None = None, window: float | None = None,
                 step: float | None = None, masks: tuple[tuple[str, str], ...] | None = None,
                 sim_th: float = 0.5, depth: int = 4, strict: bool = False,
                 key_column: str | None = None, message_column: str | None = None,
                 time_column: str | None = None) -> None:
        self.format = format
        self.session_regex = session_regex
        self.session_column = session_column
        self.window = window
        self.step = step
        self.masks = masks
        self.sim_th = sim_th
        self.depth = depth
        self.strict = strict
        self.key_column = key_column
        self.message_column = message_column
        self.time_column = time_column

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (JSON-ready)."""
        return {"format": self.format, "session_regex": self.session_regex,
                "session_column": self.session_column, "window": self.window, "step": self.step,
                "masks": None if self.masks is None else [list(m) for m in self.masks],
                "sim_th": self.sim_th, "depth": self.depth, "strict": self.strict,
                "key_column": self.key_column, "message_column": self.message_column,
                "time_column": self.time_column}

    @property
    def is_table(self) -> bool:
        """Whether the input is an event table (``key_column`` or ``message_column``)."""
        return self.key_column is not None or self.message_column is not None

    def _parser(self) -> LogParser:
        masks = None if self.masks is None else tuple(tuple(m) for m in self.masks)
        fmt = "raw" if self.is_table else self.format
        return LogParser(fmt, masks=masks, sim_th=self.sim_th,  # type: ignore[arg-type]
                         depth=self.depth, strict=self.strict)

    def _grouper(self) -> SessionGrouper:
        return SessionGrouper(session_regex=self.session_regex, session_column=self.session_column,
                              window=self.window, step=self.step,
                              order_by_time=self.is_table and self.time_column is not None)

    @staticmethod
    def _lines(data: Any) -> tuple[Iterable[str], str]:
        if isinstance(data, (str, os.PathLike)):
            return file_lines(data), str(data)
        if isinstance(data, pd.DataFrame):
            raise InputError("a DataFrame is an event table: give EventSessions key_column or "
                             "message_column (CLI: --key-col / --message-col) and session_column")
        if isinstance(data, Iterable):
            return data, "input"
        raise InputError(f"expected a log file path or lines of text, got {type(data).__name__}")

    def _check_options(self) -> None:
        if self.session_regex is None and self.session_column is None and self.window is None:
            raise InputError("sessions: give --session-regex, --session-col or --window to group "
                             "log lines into sessions")
        if self.is_table:
            if self.key_column is not None and self.message_column is not None:
                raise InputError("--key-col and --message-col: give one (keys, or messages to "
                                 "mine templates from)")
            if self.window is not None and self.time_column is None:
                raise InputError("--window on a table needs its time column (--timestamp-col)")

    # -- tables -------------------------------------------------------------------------------
    def _table_frames(self, data: Any) -> Iterator[tuple[pd.DataFrame, str]]:
        """The table ``data`` in chunks of about :attr:`chunk_lines` rows (a file is read chunk
        by chunk, never whole)."""
        step = max(int(self.chunk_lines), 1)
        if isinstance(data, pd.DataFrame):
            source = "table"
            frames: Iterable[pd.DataFrame] = (data.iloc[lo:lo + step]
                                              for lo in range(0, len(data), step))
        elif isinstance(data, (str, os.PathLike)):
            from hourglass.ingest.readers import check_path, detect_format
            from hourglass.ingest.tables import iter_table

            source = str(data)
            frames = (big.iloc[lo:lo + step]  # a reader chunk (~16 MB) in chunk_lines slices
                      for big in iter_table(check_path(data), fmt=detect_format(data))
                      for lo in range(0, len(big), step))
        else:
            raise InputError(f"an event table is a DataFrame or a CSV/Parquet/JSONL path, got "
                             f"{type(data).__name__}")
        wanted = [c for c in (self.session_column, self.key_column, self.message_column,
                              self.time_column) if c is not None]
        n = 0
        for df in frames:
            missing = [c for c in wanted if c not in df.columns]
            if missing:
                cols = [str(c) for c in df.columns]
                raise InputError(f"{source}: no column {', '.join(map(repr, missing))}; columns "
                                 f"are {', '.join(cols[:8])}{' ...' if len(cols) > 8 else ''}")
            n += len(df)
            yield df, source
        if not n:
            raise InputError(f"{source}: no rows")

    def _table_times(self, df: pd.DataFrame, source: str) -> np.ndarray:
        if self.time_column is None:
            return np.full(len(df), np.nan)
        col = df[self.time_column]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            return col.to_numpy(dtype=np.float64, na_value=np.nan)
        t = pd.to_datetime(col, errors="coerce", utc=True)
        if t.isna().all():
            raise InputError(f"{source}: column {self.time_column!r} (--timestamp-col) holds no "
                             f"readable time (e.g. {str(col.iloc[0])[:40]!r}); expected epoch "
                             "seconds or date-time text")
        secs = (t - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()
        return secs.to_numpy(dtype=np.float64, na_value=np.nan)

    def _table_events(self, df: pd.DataFrame, source: str, offset: int, stats: dict[str, Any],
                      *, learn: bool) -> pd.DataFrame:
        """Events of one table chunk whose first row is row ``offset + 1``: ``line`` (row),
        ``key``, ``time`` and the session column; counts are added to ``stats``."""
        stats["lines"] = stats.get("lines", 0) + len(df)
        for k in ("parsed", "unknown_template", "events_without_key"):
            stats.setdefault(k, 0)
        if self.message_column is not None:
            text = df[self.message_column].astype("string").fillna("").tolist()
            if learn and self.parser_ is None:  # the first chunk starts Drain, the next ones go on
                self.parser_ = self._parser()
                chunks = self.parser_.fit_chunks(text, len(text) + 1)
            elif learn:
                chunks = self.parser_.learn_chunks(text, len(text) + 1)
            else:
                chunks = self.parser_.parse_chunks(text, len(text) + 1)
            ev = pd.concat(list(chunks), ignore_index=True)[["line", "key"]]
            parser = self.parser_
            ps = parser.stats_
            stats["parsed"] += ps.parsed
            stats["unknown_template"] += ps.unknown_template
            stats["events_without_key"] += ps.blank
            rows = ev["line"].to_numpy() - 1
        else:
            col = df[self.key_column]
            ok = col.notna().to_numpy()
            stats["events_without_key"] += int((~ok).sum())
            rows = np.flatnonzero(ok)
            vals = col.iloc[rows]
            if learn:
                keys = self._learn_keys(vals, source, offset + rows)
            elif self.key_names_ is None:
                num = pd.to_numeric(vals, errors="coerce")
                bad = (num.isna() | (num != num.round())).to_numpy()
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise InputError(f"{source}: row {offset + int(rows[i]) + 1}: column "
                                     f"{self.key_column!r} (--key-col): the model was trained on "
                                     f"integer keys, found {str(vals.iloc[i])[:40]!r}")
                keys = num.to_numpy(dtype=np.int64)
                if (keys < 0).any():
                    i = offset + int(rows[np.flatnonzero(keys < 0)[0]])
                    raise InputError(f"{source}: row {i + 1}: column {self.key_column!r} (--key-col) "
                                     f"must hold keys >= 0, found {int(keys[keys < 0][0])}")
            else:
                index = {name: i + 1 for i, name in enumerate(self.key_names_)}
                keys = np.fromiter((index.get(v, UNKNOWN) for v in vals.astype(str).tolist()),
                                   dtype=np.int64, count=len(vals))
                stats["unknown_template"] += int((keys == UNKNOWN).sum())
            ev = pd.DataFrame({"key": keys})
            stats["parsed"] += len(ev)
        ev["line"] = offset + rows + 1
        ev["time"] = self._table_times(df, source)[rows]
        if self.session_column is not None:
            ev[self.session_column] = df[self.session_column].iloc[rows].to_numpy()
        return ev

    def _learn_keys(self, vals: pd.Series, source: str, rows: np.ndarray) -> np.ndarray:
        """Provisional keys of one training chunk of the key column: every distinct value is
        numbered in order of first appearance; :meth:`_final_keys` maps them at the end."""
        integral = pd.api.types.is_integer_dtype(vals) or (
            pd.api.types.is_float_dtype(vals) and bool((vals == vals.round()).all()))
        self._all_integral = self._all_integral and integral
        if integral and len(vals) and (vals < 0).any():
            i = int(np.flatnonzero((vals < 0).to_numpy())[0])
            raise InputError(f"{source}: row {int(rows[i]) + 1}: column {self.key_column!r} "
                             f"(--key-col) must hold keys >= 0, found {vals.iloc[i]}")
        codes, uniques = pd.factorize(vals)
        seen = self._seen_names  # names as scoring spells them (``astype(str)``)
        names = pd.Series(uniques, dtype=vals.dtype).astype(str).tolist()
        lut = np.array([seen.setdefault(n, len(seen)) for n in names], dtype=np.int64)
        return lut[codes] if len(codes) else np.zeros(0, np.int64)

    def _final_keys(self) -> np.ndarray:
        """Provisional key → final key, and ``key_names_``: integer keys as they are if every
        value was integral, else the names sorted and numbered from 1."""
        names = list(self._seen_names)
        if self._all_integral:
            self.key_names_ = None
            return np.array([int(float(n)) for n in names], dtype=np.int64)
        self.key_names_ = sorted(names)
        rank = {n: i + 1 for i, n in enumerate(self.key_names_)}
        return np.array([rank[n] for n in names], dtype=np.int64)

    def _table_sessions(self, data: Any, *, learn: bool) -> Sessions:
        """Group a table, chunk by chunk (in training, key names are numbered at the end)."""
        grouper = self._grouper()
        stats: dict[str, Any] = {}
        offset = 0
        if learn:
            self._seen_names: dict[str, int] = {}
            self._all_integral = True
        for df, source in self._table_frames(data):
            grouper.add(self._table_events(df, source, offset, stats, learn=learn))
            offset += len(df)
        if learn and self.key_column is not None:
            grouper.map_keys(self._final_keys())
            del self._seen_names
        if learn and self.message_column is not None and not stats.get("parsed"):
            raise InputError(f"{source}: column {self.message_column!r} (--message-col) holds no "
                             "message text")
        out = self._finish(grouper, stats)
        if self.message_column is not None:
            if isinstance(data, pd.DataFrame):
                messages = data[self.message_column]
                out.text_of = lambda wanted: {int(r): str(messages.iloc[int(r) - 1]) for r in wanted}
            else:
                out.text_of = lambda wanted: self._table_texts(data, wanted)
        return out

    def _table_texts(self, data: Any, wanted: set[int]) -> dict[int, str]:
        """Message text of the table rows numbered ``wanted``, read again chunk by chunk."""
        out: dict[int, str] = {}
        offset = 0
        for df, _ in self._table_frames(data):
            rows = [r for r in wanted if offset < r <= offset + len(df)]
            for r in rows:
                out[r] = str(df[self.message_column].iloc[r - offset - 1])
            offset += len(df)
            if offset >= max(wanted, default=0):
                break
        return out

    # -- fit / transform ---------------------------------------------------------------------
    def fit(self, data: Any) -> EventSessions:
        """Learn the templates from the training log ``data`` (path or lines) or the keys of
        an event table."""
        self._fit(data, group=False)
        return self

    def _fit(self, data: Any, *, group: bool) -> Sessions | None:
        """Fit; with ``group``, also return the training sessions (``None`` for key files)."""
        self.key_names_: list[str] | None = None
        self.columns_: list[str] = []
        if self.format == "keys" and not self.is_table:
            self.parser_ = None
            self.feature_names_: list[str] = []
            return None
        self._check_options()
        if self.is_table:
            self.parser_ = None
            sessions = self._table_sessions(data, learn=True)
            self.fit_stats_ = {k: v for k, v in sessions.stats.items() if k != "sessions"}
            self.feature_names_ = [f"{k}: {t}" for k, t in sorted(self.templates().items())]
            return sessions if group else None
        lines, _ = self._lines(data)
        parser = self._parser()
        grouper = self._grouper() if group else None
        for chunk in parser.fit_chunks(lines, self.chunk_lines):
            if grouper is not None:
                grouper.add(chunk)
        self.fit_stats_ = parser.stats_.to_dict()
        self.parser_ = parser
        self.feature_names_ = [f"{k}: {t}" for k, t in sorted(parser.templates().items())]
        return None if grouper is None else self._finish(grouper, dict(self.fit_stats_))

    def sessions(self, data: Any, *, keep_events: bool = False) -> Sessions:
        """Parse ``data`` with the fitted templates and group it; counts in ``Sessions.stats``.

        A log is streamed in chunks of :attr:`chunk_lines` lines. ``keep_events`` also keeps
        every parsed event (with its text) in ``Sessions.events``, which costs memory in
        proportion to the log; without it, ``Sessions.text_of`` reads the text of chosen lines
        again from a file or list when an alert needs it.
        """
        if not hasattr(self, "parser_"):
            raise NotFittedError("EventSessions is not fitted; call fit(log) first")
        if self.is_table:
            return self._table_sessions(data, learn=False)
        if self.format == "keys":
            lines, source = self._lines(data)
            ids, seqs, counts = read_key_sequences(lines, strict=self.strict, source=source)
            line_nos = [np.full(len(q), int(i), dtype=np.int64) for i, q in zip(ids, seqs, strict=True)]
            return Sessions(ids, seqs, line_nos, {**counts, "sessions": len(seqs)})
        lines, _ = self._lines(data)
        grouper = self._grouper()
        kept: list[pd.DataFrame] = []
        for chunk in self.parser_.parse_chunks(lines, self.chunk_lines):
            grouper.add(chunk)
            if keep_events:
                kept.append(chunk)
        out = self._finish(grouper, self.parser_.stats_.to_dict())
        if keep_events:
            out.events = self.parser_._frame(kept)
        elif isinstance(data, (str, os.PathLike, list, tuple)):
            out.text_of = lambda wanted: self._texts(data, wanted)
        return out

    def _texts(self, data: Any, wanted: set[int]) -> dict[int, str]:
        """Message text (``content``) of the lines numbered ``wanted``, read again from ``data``."""
        if not wanted:
            return {}
        header = self.parser_._compile().header
        last = max(wanted)
        lines, _ = self._lines(data)
        out: dict[int, str] = {}
        for lineno, line in enumerate(lines, 1):
            if lineno in wanted:
                m = header.match(line)
                if m is not None:
                    out[lineno] = m.group("content") or ""
            if lineno >= last:
                break
        return out

    def _finish(self, grouper: SessionGrouper, stats: dict[str, Any]) -> Sessions:
        ids, seqs, line_nos, counts = grouper.finish()
        stats.update(counts)
        stats["sessions"] = len(seqs)
        return Sessions(ids, seqs, line_nos, stats)

    def transform(self, data: Any) -> list[np.ndarray]:
        """Key sequences of ``data`` (one int64 array per session)."""
        out = self.sessions(data).sequences
        if not out:
            raise InputError("no sessions found in the log (every line was skipped or had no "
                             "session id)")
        return out

    def fit_transform(self, data: Any) -> list[np.ndarray]:
        """``fit(data)`` then the training sessions (the training log is parsed once)."""
        sessions = self._fit(data, group=True)
        if sessions is None:
            return self.transform(data)
        if not len(sessions):
            raise InputError("no sessions found in the training log")
        return sessions.sequences

    def extra_columns(self, data: Any) -> list[str]:
        """Sessions have no columns to ignore."""
        return []

    def templates(self) -> dict[int, str]:
        """Template text per key (the key names of a table; empty for integer keys)."""
        if getattr(self, "key_names_", None):
            return {i + 1: name for i, name in enumerate(self.key_names_)}  # type: ignore[arg-type]
        return {} if self.parser_ is None else self.parser_.templates()

    # -- state --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON fitted state (the parser's template tree included)."""
        if not hasattr(self, "parser_"):
            raise NotFittedError("EventSessions is not fitted")
        return {"class": "EventSessions", "params": self.get_params(),
                "parser": None if self.parser_ is None else self.parser_.to_dict(),
                "feature_names": self.feature_names_, "key_names": self.key_names_}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EventSessions:
        """Rebuild from :meth:`to_dict` output.

        Examples
        --------
        >>> pre = EventSessions(format="keys").fit(None)
        >>> EventSessions.from_dict(pre.to_dict()).format
        'keys'
        """
        try:
            params = dict(d["params"])
            if params.get("masks") is not None:
                params["masks"] = tuple(tuple(m) for m in params["masks"])
            self = cls(**params)
            self.parser_ = None if d["parser"] is None else LogParser.from_dict(d["parser"])
            self.columns_ = []
            self.feature_names_ = list(d["feature_names"])
            names = d.get("key_names")
            self.key_names_ = None if names is None else [str(n) for n in names]
        except (KeyError, TypeError) as exc:
            raise InputError(f"session preprocessing state is malformed ({exc})") from None
        return self
