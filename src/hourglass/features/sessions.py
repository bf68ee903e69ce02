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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hourglass.errors import InputError, NotFittedError
from hourglass.ingest.logs import LogParser, file_lines

__all__ = ["EventSessions", "Sessions", "count_vectors", "group_events", "read_key_sequences"]

logger = logging.getLogger(__name__)


@dataclass
class Sessions:
    """Sessions built from a log: ids, key sequences, the log lines of each event, counts."""

    ids: list[str]
    sequences: list[np.ndarray]
    lines: list[np.ndarray]
    stats: dict[str, Any] = field(default_factory=dict)
    events: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.sequences)


def _split_by_code(codes: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Group rows by integer ``codes`` (kept in row order inside a group): (group codes, parts)."""
    order = np.argsort(codes, kind="stable")
    sc = codes[order]
    cuts = np.flatnonzero(np.diff(sc)) + 1
    groups = sc[np.r_[0, cuts]] if len(sc) else sc
    return groups, [np.split(a[order], cuts) for a in arrays]


def group_events(events: pd.DataFrame, *, session_regex: str | None = None,
                 session_column: str | None = None, window: float | None = None,
                 step: float | None = None) -> tuple[list[str], list[np.ndarray], list[np.ndarray],
                                                     dict[str, int]]:
    """Group parsed events (columns ``key``, ``line``, ``content``/``time``/others) into sessions.

    Exactly one of ``session_regex`` (ids found in ``content``; a line naming several ids joins
    each of them), ``session_column`` or ``window`` (seconds, with ``step`` < ``window`` for
    sliding windows) is used. Returns ids, key sequences, line numbers and counts (events
    without a session, empty windows skipped).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"key": [1, 2, 1], "line": [1, 2, 3],
    ...                    "content": ["a blk_1", "b blk_2", "c blk_1"]})
    >>> ids, seqs, _, _ = group_events(ev, session_regex=r"blk_-?\\d+")
    >>> ids, [s.tolist() for s in seqs]
    (['blk_1', 'blk_2'], [[1, 1], [2]])
    """
    chosen = [o for o in (session_regex, session_column, window) if o is not None]
    if len(chosen) != 1:
        raise InputError("sessions: give exactly one of --session-regex, --session-col or --window "
                         f"(got {len(chosen)})")
    keys = events["key"].to_numpy(dtype=np.int64)
    lines = events["line"].to_numpy(dtype=np.int64)
    counts = {"events_without_session": 0, "empty_sessions_skipped": 0}
    if session_regex is not None:
        try:
            rx = re.compile(session_regex)
        except re.error as exc:
            raise InputError(f"--session-regex: invalid regular expression ({exc})") from None
        found = events["content"].astype(str).map(lambda s: list(dict.fromkeys(rx.findall(s))))
        n_ids = found.map(len).to_numpy()
        counts["events_without_session"] = int((n_ids == 0).sum())
        rows = np.repeat(np.arange(len(events)), n_ids)
        sid = pd.Series([i for ids in found for i in ids], dtype=object)
        if len(sid) and not isinstance(sid.iloc[0], str):
            raise InputError("--session-regex: use a non-capturing group (?:...) or none; the "
                             "whole match is the session id")
        codes, uniques = pd.factorize(sid)
    elif session_column is not None:
        if session_column not in events.columns:
            raise InputError(f"--session-col: no field {session_column!r}; the format gives "
                             f"{', '.join(c for c in events.columns if c not in ('key', 'line'))}")
        col = events[session_column]
        ok = col.notna().to_numpy() & (col.astype(str).str.len() > 0).to_numpy()
        counts["events_without_session"] = int((~ok).sum())
        rows = np.flatnonzero(ok)
        codes, uniques = pd.factorize(col.iloc[rows].astype(str))
    else:
        w = float(window)  # type: ignore[arg-type]
        s = w if step is None else float(step)
        if not (w > 0 and 0 < s <= w and math.isfinite(w)):
            raise InputError(f"--window/--step: need 0 < step <= window, got window={window}, "
                             f"step={step}")
        t = events["time"].to_numpy(dtype=np.float64) if "time" in events.columns else \
            np.full(len(events), np.nan)
        ok = np.isfinite(t)
        counts["events_without_session"] = int((~ok).sum())
        if not ok.any():
            raise InputError("--window: no event has a readable time stamp in this format")
        t0 = float(np.floor(t[ok].min() / s) * s)
        rel = t[ok] - t0
        last = np.floor(rel / s).astype(np.int64)               # last window holding the event
        first = np.maximum(np.floor((rel - w) / s).astype(np.int64) + 1, 0)
        n_win = last - first + 1
        base = np.flatnonzero(ok)
        rows = np.repeat(base, n_win)
        offs = np.arange(n_win.sum()) - np.repeat(np.cumsum(n_win) - n_win, n_win)
        codes = np.repeat(first, n_win) + offs
        n_total = int(last.max()) + 1
        counts["empty_sessions_skipped"] = n_total - len(np.unique(codes))
        uniques = None
        start = t0
    groups, (gk, gl) = _split_by_code(np.asarray(codes, dtype=np.int64), keys[rows], lines[rows])
    if uniques is None:
        ids = [pd.Timestamp(start + int(g) * s, unit="s").isoformat() for g in groups]
    else:
        ids = [str(uniques[g]) for g in groups]
    if counts["events_without_session"]:
        logger.info("%d event(s) belong to no session", counts["events_without_session"])
    if counts["empty_sessions_skipped"]:
        logger.info("%d empty window(s) skipped", counts["empty_sessions_skipped"])
    return ids, gk, gl, counts


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
    """Parse a log and group its events into sessions of integer template keys.

    Parameters
    ----------
    format
        Header format of the log (``hdfs``, ``bgl``, ``syslog``, ``raw`` or a regex with a
        ``content`` group, see :class:`~hourglass.ingest.logs.LogParser`), or ``keys`` for
        DeepLog key-sequence files (one session of integer keys per line).
    session_regex
        Session id found in the message, e.g. ``blk_-?\\d+`` for HDFS block ids.
    session_column
        Header field holding the session id (e.g. ``node`` for BGL, ``pid``).
    window, step
        Time windows in seconds (fixed when ``step`` is ``None``, sliding otherwise).
    masks, sim_th, depth
        Masking and Drain settings of the parser.
    strict
        Error on the first line that matches no header format (else count and skip).

    Examples
    --------
    >>> ops = ["open", "read", "close"]
    >>> lines = [f"{ops[i % 3]} blk_{i % 4} done {i}" for i in range(12)]
    >>> pre = EventSessions(format="raw", session_regex=r"blk_\\d+").fit(lines)
    >>> [s.tolist() for s in pre.transform(lines)][:2]
    [[1, 2, 3], [2, 3, 1]]
    """

    output = "events"  # the detector input kind this produces

    def __init__(self, format: str = "raw", session_regex: str | None = None,
                 session_column: str | None = None, window: float | None = None,
                 step: float | None = None, masks: tuple[tuple[str, str], ...] | None = None,
                 sim_th: float = 0.5, depth: int = 4, strict: bool = False) -> None:
        self.format = format
        self.session_regex = session_regex
        self.session_column = session_column
        self.window = window
        self.step = step
        self.masks = masks
        self.sim_th = sim_th
        self.depth = depth
        self.strict = strict

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (JSON-ready)."""
        return {"format": self.format, "session_regex": self.session_regex,
                "session_column": self.session_column, "window": self.window, "step": self.step,
                "masks": None if self.masks is None else [list(m) for m in self.masks],
                "sim_th": self.sim_th, "depth": self.depth, "strict": self.strict}

    def _parser(self) -> LogParser:
        masks = None if self.masks is None else tuple(tuple(m) for m in self.masks)
        return LogParser(self.format, masks=masks, sim_th=self.sim_th,  # type: ignore[arg-type]
                         depth=self.depth, strict=self.strict)

    @staticmethod
    def _lines(data: Any) -> tuple[Iterable[str], str]:
        if isinstance(data, (str, os.PathLike)):
            return file_lines(data), str(data)
        if isinstance(data, pd.DataFrame):
            raise InputError("EventSessions takes a log file path or a list of lines, "
                             "not a DataFrame")
        if isinstance(data, Iterable):
            return data, "input"
        raise InputError(f"expected a log file path or lines of text, got {type(data).__name__}")

    # -- fit / transform ---------------------------------------------------------------------
    def fit(self, data: Any) -> EventSessions:
        """Learn the templates from the training log ``data`` (path or lines)."""
        self._fit(data)
        return self

    def _fit(self, data: Any) -> pd.DataFrame | None:
        """Fit; return the training events (``None`` for key files)."""
        if self.format == "keys":
            self.parser_ = None
            self.columns_: list[str] = []
            self.feature_names_: list[str] = []
            return None
        if self.session_regex is None and self.session_column is None and self.window is None:
            raise InputError("sessions: give --session-regex, --session-col or --window to group "
                             "log lines into sessions")
        lines, _ = self._lines(data)
        parser = self._parser().fit(lines)
        self.fit_stats_ = parser.stats_.to_dict()
        events = parser.events_
        del parser.events_
        self.parser_ = parser
        self.columns_ = []
        self.feature_names_ = [f"{k}: {t}" for k, t in sorted(parser.templates().items())]
        return events

    def sessions(self, data: Any, *, keep_events: bool = False) -> Sessions:
        """Parse ``data`` with the fitted templates and group it; counts in ``Sessions.stats``."""
        if not hasattr(self, "parser_"):
            raise NotFittedError("EventSessions is not fitted; call fit(log) first")
        if self.format == "keys":
            lines, source = self._lines(data)
            ids, seqs, counts = read_key_sequences(lines, strict=self.strict, source=source)
            line_nos = [np.full(len(q), int(i), dtype=np.int64) for i, q in zip(ids, seqs, strict=True)]
            return Sessions(ids, seqs, line_nos, {**counts, "sessions": len(seqs)})
        lines, _ = self._lines(data)
        events = self.parser_.parse(lines)
        return self._group(events, self.parser_.stats_.to_dict(), keep_events)

    def _group(self, events: pd.DataFrame, stats: dict[str, Any], keep_events: bool) -> Sessions:
        ids, seqs, line_nos, counts = group_events(
            events, session_regex=self.session_regex, session_column=self.session_column,
            window=self.window, step=self.step)
        stats.update(counts)
        stats["sessions"] = len(seqs)
        return Sessions(ids, seqs, line_nos, stats, events if keep_events else None)

    def transform(self, data: Any) -> list[np.ndarray]:
        """Key sequences of ``data`` (one int64 array per session)."""
        out = self.sessions(data).sequences
        if not out:
            raise InputError("no sessions found in the log (every line was skipped or had no "
                             "session id)")
        return out

    def fit_transform(self, data: Any) -> list[np.ndarray]:
        """``fit(data)`` then the training sessions (the training log is parsed once)."""
        events = self._fit(data)
        if events is None:
            return self.transform(data)
        out = self._group(events, dict(self.fit_stats_), False).sequences
        if not out:
            raise InputError("no sessions found in the training log")
        return out

    def extra_columns(self, data: Any) -> list[str]:
        """Sessions have no columns to ignore."""
        return []

    def templates(self) -> dict[int, str]:
        """Template text per key (empty for ``format="keys"``)."""
        return {} if self.parser_ is None else self.parser_.templates()

    # -- state --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON fitted state (the parser's template tree included)."""
        if not hasattr(self, "parser_"):
            raise NotFittedError("EventSessions is not fitted")
        return {"class": "EventSessions", "params": self.get_params(),
                "parser": None if self.parser_ is None else self.parser_.to_dict(),
                "feature_names": self.feature_names_}

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
        except (KeyError, TypeError) as exc:
            raise InputError(f"session preprocessing state is malformed ({exc})") from None
        return self
