""":class:`EventSessions`: a log (or an event table) → sessions of integer keys.

The preprocessing of the ``events`` detectors (``output = "events"``): it parses raw log lines
with :class:`~hourglass.ingest.logs.LogParser` (or reads DeepLog key-sequence files with
``format="keys"``) and groups the events into sessions. Its fitted state (the template tree) is
plain JSON inside the model artefact.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import counted, counted_as
from hourglass._labels import normal_names
from hourglass._params import ParamsClone
from hourglass.errors import InputError
from hourglass.features._unfitted import not_fitted
from hourglass.features.sessions.grouping import SessionGrouper, Sessions
from hourglass.features.sessions.keys import (
    KeyCounts,
    add_key_counts,
    key_sequence_blocks,
    read_key_sequences,
)
from hourglass.features.sessions.tables import SESSION_FIELD, STRICT_STOPS, EventTables, timeless_text
from hourglass.features.validation import saved_settings
from hourglass.ingest.logs import LOG_FORMATS, RULES, LogParser, file_lines, read_lock, unrepeated

__all__ = ["EventSessions"]

logger = logging.getLogger(__name__)

#: What the warning of event rows with an empty key cell names, in a Python user's words (the
#: CLI says its option, ``--key-col``: ``cli._options.cli_advice``).
EMPTY_KEY = "key (key_column)"


def _key_sessions(ids: list[str], seqs: list[np.ndarray], counts: KeyCounts) -> Sessions:
    """The sessions read from key-file lines (each event's line: its session's)."""
    line_nos = [np.full(len(q), int(i), dtype=np.int64) for i, q in zip(ids, seqs, strict=True)]
    return Sessions(ids, seqs, line_nos, {**counts, "sessions": len(seqs)})


def _no_key_lines(source: str, counts: KeyCounts) -> InputError:
    """The error of a key file none of whose lines is a key sequence."""
    return InputError(f"{source}: no line is a key sequence (space-separated integers >= 0); "
                      f"{counts['unmatched']} of {counts['lines']} lines are not, the first is "
                      f"line {counts['first_unmatched']}")


def _session_fields(parser: LogParser) -> list[str]:
    """The header fields of ``parser``'s format that can name a session: all but the message
    (``content``) and the time stamp (``time``, read as each line's event time)."""
    return [g for g in parser._compile().header.groupindex if g not in ("content", "time")]


class EventSessions(EventTables, ParamsClone):
    """Parse a log (or read an event table) and group its events into sessions of integer keys.

    Parameters
    ----------
    format
        Header format of the log (``hdfs``, ``bgl``, ``syslog``, ``journald``, ``raw`` or a regex with a
        ``content`` group, see :class:`~hourglass.ingest.logs.LogParser`), or ``keys`` for
        DeepLog key-sequence files (one session of integer keys per line). Ignored for tables
        (``key_column`` or ``message_column`` given).
    session_regex
        Session id found in the message, e.g. ``blk_-?\\d+`` for HDFS block ids: the whole
        match, or the text of its one capturing group (more groups, or a group that repeats,
        ``(ab:){5}``, are refused: write such a part ``(?:...)``).
    session_column
        Header field (or table column) holding the session id (e.g. ``node`` for BGL, ``pid``).
    window, step
        Time windows in seconds (fixed when ``step`` is ``None``, sliding otherwise); a
        window's events are in time order (ties in line order), whatever the lines' order
        (with ``rules`` 3 or later; a model saved with ``rules`` 1 or 2 keeps the lines' order it
        was trained on, so it scores as it did).
    masks, sim_th, depth, rules
        Masking and Drain settings of the parser (:class:`~hourglass.ingest.logs.LogParser`;
        ``rules=1`` and similarity 0.5, depth 4 parse as models saved before ``rules`` existed,
        which load so).
    strict
        Error on the first line that matches no header format, or with ``keys`` is no key
        sequence (else count and skip).
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

    Notes
    -----
    A table is a :class:`pandas.DataFrame` or a CSV/TSV/Parquet/JSONL path; a log is a path
    (``.gz`` read directly) or lines of text. A log is streamed in chunks: only each event's key,
    line number and session are kept, never the whole text. A table file is read chunk by
    chunk too, in training and in scoring (twice in training with ``message_column``: the
    templates learnt from every chunk, then the rows keyed with the final ones, as a log is).

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
                 sim_th: float = 0.7, depth: int = 5, strict: bool = False,
                 key_column: str | None = None, message_column: str | None = None,
                 time_column: str | None = None, rules: int = RULES) -> None:
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
        self.rules = rules

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments (JSON-ready).

        Parameters
        ----------
        deep
            Ignored (no nested estimators); accepted for scikit-learn (``clone``, pipelines).

        Examples
        --------
        >>> params = EventSessions(format="raw", session_regex=r"blk_\\d+").get_params()
        >>> params["format"], params["session_regex"], params["window"]
        ('raw', 'blk_\\\\d+', None)
        """
        return {"format": self.format, "session_regex": self.session_regex,
                "session_column": self.session_column, "window": self.window, "step": self.step,
                "masks": None if self.masks is None else [list(m) for m in self.masks],
                "sim_th": self.sim_th, "depth": self.depth, "strict": self.strict,
                "key_column": self.key_column, "message_column": self.message_column,
                "time_column": self.time_column, "rules": self.rules}

    @property
    def is_table(self) -> bool:
        """Whether the input is an event table (``key_column`` or ``message_column``)."""
        return self.key_column is not None or self.message_column is not None

    @property
    def data_word(self) -> str:
        """The placeholder of this input in a command line: ``EVENTS`` for an event table,
        ``KEYS`` for a key-sequence file (``format="keys"``), ``LOG`` for a log.

        Examples
        --------
        >>> EventSessions(format="keys").data_word, EventSessions(format="hdfs").data_word
        ('KEYS', 'LOG')
        >>> EventSessions(key_column="event", session_column="user").data_word
        'EVENTS'
        """
        return "EVENTS" if self.is_table else "KEYS" if self.format == "keys" else "LOG"

    @property
    def keys_as_given(self) -> bool:
        """Whether the events' keys are the input's own integers (a key file, ``format="keys"``,
        or a key column of integers), not keys this preprocessing gives: which of them are
        unknown only the detector's vocabulary tells (:func:`~hourglass.features.sessions.keys.unseen_keys`),
        so :meth:`sessions` cannot count them as it counts unseen templates and key names."""
        if self.is_table:
            return self.key_column is not None and getattr(self, "key_names_", None) is None
        return self.format == "keys"

    def _parser(self) -> LogParser:
        masks = None if self.masks is None else tuple(tuple(m) for m in self.masks)
        fmt = "raw" if self.is_table else self.format
        return LogParser(fmt, masks=masks, sim_th=self.sim_th,  # type: ignore[arg-type]
                         depth=self.depth, strict=self.strict, rules=self.rules)

    def _grouper(self, saved: bool = False) -> SessionGrouper:
        # a table's session id travels under its own name (its column may be called 'key')
        column = SESSION_FIELD if self.is_table and self.session_column is not None \
            else self.session_column
        # events in time order inside a session: a table's by its time column; a log's time
        # windows by the lines' time too (cut by time, they held the events in line order: a log
        # whose lines go back in time gave other sequences than the same events as a table)
        # (rules 3: a model saved before learnt its windows' sequences in line order, and scores
        # them so)
        by_time = self.time_column is not None if self.is_table \
            else self.window is not None and int(self.rules) >= 3
        try:
            return SessionGrouper(session_regex=self.session_regex, session_column=column,
                                  window=self.window, step=self.step, order_by_time=by_time)
        except InputError as exc:
            if not saved or exc.param != "session_regex":
                raise
            # a fitted model's regex (one a later release refuses, a repeated capturing group):
            # no option of the command that scores it, and nothing to rewrite but by training
            reason = str(exc).removeprefix("session_regex: ")
            raise InputError(f"this model's session regex {self.session_regex!r} (saved by an "
                             f"earlier release) is refused now: {reason}; train the model again "
                             "with the regex so written") from None

    @staticmethod
    def _lines(data: Any, nul: str = "") -> tuple[Iterable[str], str]:
        if isinstance(data, (str, os.PathLike)):
            return file_lines(data, nul=nul), str(data)
        if isinstance(data, pd.DataFrame):
            raise InputError("a DataFrame is an event table: give EventSessions key_column or "
                             "message_column and session_column")
        if isinstance(data, Iterable):
            return data, "input"
        raise InputError(f"expected a log file path or lines of text, got {type(data).__name__}")

    def _check_options(self) -> None:
        # a column or regex of another kind than text: re's or pandas' own words ("first argument
        # must be string or compiled pattern", "unhashable type: 'list'")
        for name in ("session_regex", "session_column", "key_column", "message_column", "time_column"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                what = "a regular expression" if name == "session_regex" else "a column name"
                raise InputError(f"{name} must be {what} (text), got {value!r}", param=name)
        for name in ("window", "step"):  # True is 1 to Python: window=True made 1-second sessions
            if isinstance(getattr(self, name), bool | np.bool_):
                raise InputError(f"{name} must be a number of seconds, got {getattr(self, name)!r}",
                                 param=name)
        if self.step is not None and self.window is None:
            raise InputError("step: slides time windows; give window too (or leave step out)",
                             param=("step", "window"))
        if self.session_regex is None and self.session_column is None and self.window is None:
            raise InputError("sessions: give session_regex, session_column or window to group "
                             "log lines into sessions", param=("session_regex", "session_column", "window"))
        if self.is_table:
            if self.session_regex is not None:  # a table's events have no 'content' to search
                raise InputError("session_regex: an event table groups by session_column (or "
                                 "window with time_column)",
                                 param=("session_regex", "session_column", "window", "time_column"))
            if self.key_column is not None and self.message_column is not None:
                raise InputError("key_column and message_column: give one (keys, or messages to "
                                 "mine templates from)", param=("key_column", "message_column"))
            if self.window is not None and self.time_column is None:
                raise InputError("window on a table needs its time column (time_column)",
                                 param=("window", "time_column"))
            roles = [(n, c) for n, c in (("session_column", self.session_column),
                                         ("key_column", self.key_column),
                                         ("message_column", self.message_column),
                                         ("time_column", self.time_column)) if c is not None]
            for i, (name, col) in enumerate(roles):
                other = next((n for n, c in roles[i + 1:] if c == col), None)
                if other is not None:
                    raise InputError(f"{name} and {other}: both are column {col!r}; a session is "
                                     "named by another column than its events' keys and times",
                                     param=(name, other))

    def _check_session_field(self, parser: LogParser) -> None:
        """Refuse a log's ``session_column`` that is no header field of its format: the
        parser's own columns (``line``, ``key``, ``content``; ``time``, the event time, which
        a header's ``time`` field is dropped for) grouped each line, template, message or time
        stamp into a session of its own, and a live log (``hourglass stream``) grouped ``time``
        by the header's text, or failed on ``content``."""
        if self.session_column is None:
            return
        fields = _session_fields(parser)
        if self.session_column not in fields:
            col = self.session_column
            if col in parser._compile().header.groupindex:  # the header's time or message
                raise InputError(f"session_column: {col!r} cannot group sessions: "
                                 + ("it is each line's event time (group by time with window)"
                                    if col == "time" else "it is each line's message (use "
                                    "session_regex for an id in it)")
                                 + f"; the {self.format!r} header's other fields are "
                                 f"{', '.join(fields) if fields else 'none'}",
                                 param=("session_column", "window", "session_regex"))
            why = {"time": " ('time' is each line's event time: group by time with window)",
                   "line": " ('line' is a column the log parser makes)",
                   "key": " ('key' is a column the log parser makes)"}.get(col, "")
            raise InputError(f"session_column: no field {col!r} in the {self.format!r} header{why}; "
                             f"its fields are {', '.join(fields) if fields else 'none'}",
                             param=("session_column", "window"))

    # -- fit / transform ---------------------------------------------------------------------
    def fit(self, data: Any) -> EventSessions:
        """Learn the templates from the training log ``data`` (path or lines) or the keys of
        an event table.

        Parameters
        ----------
        data
            A log file's path, its lines, or an event table (a DataFrame, with ``key_column``
            or ``message_column``); ``None`` with ``format="keys"`` (nothing to learn).

        Returns
        -------
        EventSessions
            ``self``, fitted (``parser_``, ``feature_names_`` ...).

        Raises
        ------
        hourglass.errors.InputError
            A setting that does not fit the input, a file that cannot be read, or (``strict``)
            a line that matches no header format.

        Examples
        --------
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} blk_{i % 4} done {i}" for i in range(12)]
        >>> pre = EventSessions(format="raw", session_regex=r"blk_\\d+").fit(lines)
        >>> pre.templates()
        {1: 'open <BLK> done <NUM>', 2: 'read <BLK> done <NUM>', 3: 'close <BLK> done <NUM>'}
        """
        self._fit(data, group=False)
        return self

    def _fit(self, data: Any, *, group: bool) -> Sessions | None:
        """Fit; with ``group``, also return the training sessions (``None`` for key files)."""
        self.__dict__.pop("_year_first_said", None)  # a refit reads a table of its own: said anew
        self.key_names_: list[str] | None = None
        self.columns_: list[str] = []
        if self.format == "keys" and not self.is_table:
            # (not strict: a line that is no key sequence is then an error naming it, as in scoring)
            given = [name for name in ("session_regex", "session_column", "window", "step")
                     if getattr(self, name) not in (None, False)]
            if given:  # a key file is one session per line: these would be silently ignored
                raise InputError(f"{given[0]}: not for format 'keys' (each line of a key file is "
                                 "one session of integer keys)", param=given[0])
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
        self._check_session_field(parser)
        # built by fit() too: it checks the grouping values (a bad window or step, a regex)
        # before a format without times is refused for window
        grouper: SessionGrouper | None = self._grouper()
        if self.window is not None and not parser.has_times():
            what = (f"the {self.format!r} format has no time stamp" if self.format in LOG_FORMATS else
                    "the header regex has no (?P<timestamp>...) group (a group named otherwise, "
                    "such as 'time' or 'date', is not read as the event time)")
            raise InputError(f"window: {what}, so its lines have no time to cut windows from; "
                             "group by session_regex or session_column, or read the time with a "
                             "header regex whose (?P<timestamp>...) group holds it",
                             param=("window", "session_regex", "session_column"))
        if not group:
            grouper = None
        parser.defer_warnings = grouper is not None  # said once sessions are found (see _said)
        try:
            for chunk in parser.fit_chunks(lines, self.chunk_lines):
                if grouper is not None:
                    grouper.add(chunk)
        finally:
            parser.defer_warnings = False
        self.fit_stats_ = parser.stats_.to_dict()
        self.parser_ = parser
        self.feature_names_ = [f"{k}: {t}" for k, t in sorted(parser.templates().items())]
        if grouper is None:
            return None
        sessions = self._finish(grouper, dict(self.fit_stats_))
        # the grouping's counts too (events without a session id, empty windows), as an event
        # table's fit and every later reading of a log count them
        self.fit_stats_ = {k: v for k, v in sessions.stats.items() if k != "sessions"}
        return self._said(sessions)

    def _said(self, sessions: Sessions) -> Sessions:
        """``sessions``, after the parser's warnings about the lines it skipped when there are
        sessions: without any, the caller's error ('no sessions found', with the counts) is the
        one line said."""
        if len(sessions) and self.parser_ is not None:
            self.parser_.warn_counts()
        return sessions

    def sessions(self, data: Any, *, keep_events: bool = False) -> Sessions:
        """Parse ``data`` with the fitted templates and group it; counts in ``Sessions.stats``.

        A log is streamed in chunks of :attr:`chunk_lines` lines. ``keep_events`` also keeps
        every parsed event (with its text) in ``Sessions.events``, which costs memory in
        proportion to the log; without it, ``Sessions.text_of`` reads the text of chosen lines
        again from a file or list when an alert needs it.

        Examples
        --------
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} blk_{i % 4} done {i}" for i in range(12)]
        >>> pre = EventSessions(format="raw", session_regex=r"blk_\\d+").fit(lines)
        >>> found = pre.sessions(lines)
        >>> found.ids, [keys.tolist() for keys in found.sequences][:2], found.stats["sessions"]
        (['blk_0', 'blk_1', 'blk_2', 'blk_3'], [[1, 2, 3], [2, 3, 1]], 4)
        >>> pre.sessions(lines[:2], keep_events=True).events["template"].tolist()
        ['open <BLK> done <NUM>', 'read <BLK> done <NUM>']
        """
        if not hasattr(self, "parser_"):
            raise not_fitted("EventSessions is not fitted; call fit(log) first")
        if self.is_table:
            return self._table_sessions(data, learn=False)
        if self.format == "keys":
            lines, source = self._lines(data, nul=" ")  # a NUL between two keys parts them
            ids, seqs, counts = read_key_sequences(lines, strict=self.strict, source=source)
            if not seqs and counts["unmatched"]:  # e.g. comma-separated keys, or another log format
                raise _no_key_lines(source, counts)
            return _key_sessions(ids, seqs, counts)
        lines, _ = self._lines(data)
        grouper = self._grouper(saved=True)
        kept: list[pd.DataFrame] = []
        parser = self.parser_
        assert parser is not None  # fit on a log (not a key file or a table) always sets it
        with read_lock(parser):  # the counts taken and said are this read's, not another thread's
            parser.defer_warnings = True  # said once sessions are found (see _said)
            try:
                for chunk in parser.parse_chunks(lines, self.chunk_lines):
                    grouper.add(chunk)
                    if keep_events:
                        kept.append(chunk)
            finally:
                parser.defer_warnings = False
            out = self._said(self._finish(grouper, parser.stats_.to_dict()))
        if keep_events:
            out.events = parser._frame(kept)
        elif isinstance(data, (str, os.PathLike, list, tuple)):
            out.text_of = lambda wanted: self._texts(data, wanted)
        return out

    def session_blocks(self, data: Any, block_bytes: int) -> Iterator[Sessions]:
        """The sessions of ``data``, a block at a time: of a key file (``format="keys"``), those
        of about ``block_bytes`` characters of its lines a block, so that scoring holds one
        block's sessions (each line is a session of its own, scored alone); of any other input,
        :meth:`sessions` in one block (a log's session may gather lines from anywhere in it).
        Each block's ``stats`` count its own lines; the lines skipped are logged once, after the
        last block, and a file of no key sequence at all is the error :meth:`sessions` gives.

        Examples
        --------
        >>> keys = ["1 2 3", "2 3 4", "1 1 2"]
        >>> pre = EventSessions(format="keys").fit(keys)
        >>> [block.ids for block in pre.session_blocks(keys, block_bytes=6)]
        [['1', '2'], ['3']]
        """
        if not hasattr(self, "parser_"):
            raise not_fitted("EventSessions is not fitted; call fit(log) first")
        if self.is_table or self.format != "keys":
            yield self.sessions(data)
            return
        lines, source = self._lines(data, nul=" ")
        found = False
        total: KeyCounts = {"lines": 0, "empty_sessions_skipped": 0, "unmatched": 0,
                            "first_unmatched": None}
        for ids, seqs, counts in key_sequence_blocks(lines, block_bytes=block_bytes,
                                                     strict=self.strict, source=source):
            found = found or bool(seqs)
            add_key_counts(total, counts)
            yield _key_sessions(ids, seqs, counts)
            del ids, seqs  # not held while the next block is read
        if not found and total["unmatched"]:
            raise _no_key_lines(source, total)

    def line_labels(self, data: Any, field: str, normal: str | Iterable[str]) -> dict[int, str]:
        """The header ``field`` of each line of the log ``data`` whose value is not one of
        ``normal`` (line number → value; one normal value given alone, ``"-"``, is that value):
        labels a log carries itself, such as BGL's first field (``-`` on a normal line, the
        alert category otherwise). A blank value labels nothing: the line is normal (a log
        that marks only its anomalous lines).

        Only those lines are kept, so the memory grows with the labelled lines, not the log.

        Examples
        --------
        >>> lines = ["- 1117838570 2005.06.03 R02 2005-06-03-15.42.50.675872 R02 RAS KERNEL INFO ok",
        ...          "KERNDTLB 1117838573 2005.06.03 R02 2005-06-03-15.42.53.276129 R02 RAS KERNEL "
        ...          "FATAL data TLB error interrupt"]
        >>> pre = EventSessions(format="bgl", window=60).fit(lines)
        >>> pre.line_labels(lines, "label", ["-"])
        {2: 'KERNDTLB'}
        """
        if not hasattr(self, "parser_"):
            raise not_fitted("EventSessions is not fitted; call fit(log) first")
        if self.is_table or self.format == "keys":
            raise InputError("label_field: only a log read with a header format has fields "
                             "(not a key file or an event table)", param="label_field")
        assert self.parser_ is not None  # fit on a log (not a key file or a table) always sets it
        header = self.parser_._compile().header
        if field not in header.groupindex:
            raise InputError(f"label_field: no field {field!r} in the {self.format!r} header; its "
                             f"fields are {', '.join(header.groupindex)}", param="label_field")
        skip = set(normal_names(normal))  # one label as a str: that label, not its letters
        lines, _ = self._lines(data)
        out: dict[int, str] = {}
        for lineno, line in enumerate(lines, 1):
            m = header.match(line)
            value = None if m is None else m.group(field)
            # a blank value labels nothing (a log that marks only its anomalous lines): read
            # as a label, every session of such a log was an anomaly of the class ''
            if value is not None and (value := value.strip()) and value not in skip:
                out[lineno] = value
        return out

    def _texts(self, data: Any, wanted: set[int]) -> dict[int, str]:
        """Message text (``content``) of the lines numbered ``wanted``, read again from ``data``."""
        if not wanted:
            return {}
        assert self.parser_ is not None  # only sessions() of a log (fitted on a log) reads texts
        header = self.parser_._compile().header
        repeats = int(self.parser_.rules) >= 5  # (the message a 'message repeated' line stands for)
        last = max(wanted)
        lines, _ = self._lines(data)
        out: dict[int, str] = {}
        for lineno, line in enumerate(lines, 1):
            if lineno in wanted:
                m = header.match(line)
                if m is not None:
                    content = m.group("content") or ""
                    out[lineno] = unrepeated(content)[0] if repeats else content
            if lineno >= last:
                break
        return out

    def _finish(self, grouper: SessionGrouper, stats: dict[str, Any]) -> Sessions:
        ids, seqs, line_nos, counts = grouper.finish()
        # (no session at all: the caller's error, with these counts, is the one line said)
        if seqs and stats.get("events_without_key"):  # an empty key or message cell: not an event
            keyed = self.key_column is not None
            first = stats.get("first_without_key")  # (named as the first row without a time is)
            logger.warning("%d row(s) had an empty %s%s; left out", stats["events_without_key"],
                           EMPTY_KEY if keyed else "message", f" (first: {first})" if first else "",
                           extra={"advice": EMPTY_KEY} if keyed else None)
        if seqs and stats.get("bad_rows"):  # an event table's malformed rows (wrong field count, bad JSON)
            logger.warning("%d malformed row(s) skipped%s; the rows after one are numbered (an "
                           "alert's line) among the rows kept; %s", stats["bad_rows"],
                           f" (first: line {stats['first_bad_line']})" if stats.get("first_bad_line")
                           else "", STRICT_STOPS, extra={"advice": STRICT_STOPS})
        if seqs and stats.get("events_without_time"):  # a time that does not read: no window for it
            logger.warning("%s; %s; %s", timeless_text(stats, self.time_column), self._timeless_fate(),
                           STRICT_STOPS, extra={"advice": STRICT_STOPS})
        across = grouper.pids_across_hosts()
        if seqs and across is not None:
            logger.warning("%d session(s) by pid hold events of more than one host (first: pid %s): "
                           "a pid is one host's, and the same pid on two hosts was read as one session; "
                           "split the log by host", *across)
        stats.update(counts)
        stats["sessions"] = len(seqs)
        return Sessions(ids, seqs, line_nos, stats)

    def transform(self, data: Any) -> list[np.ndarray]:
        """Key sequences of ``data`` (one int64 array per session).

        Parameters
        ----------
        data
            A log file's path, its lines, or an event table, as :meth:`fit` took them.

        Returns
        -------
        list of numpy.ndarray
            One int64 array of keys per session, in session order.

        Raises
        ------
        hourglass.errors.InputError
            When no session is found (an empty log, or every line skipped).

        Examples
        --------
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} blk_{i % 4} done {i}" for i in range(12)]
        >>> pre = EventSessions(format="raw", session_regex=r"blk_\\d+").fit(lines)
        >>> [s.tolist() for s in pre.transform(lines)]
        [[1, 2, 3], [2, 3, 1], [3, 1, 2], [1, 2, 3]]
        """
        sessions = self.sessions(data)
        if not sessions.sequences:
            where = f"{data}: " if isinstance(data, (str, os.PathLike)) else ""  # a file: named
            what, unit = self._input_words()
            if not sessions.stats.get("lines"):
                raise InputError(f"{where}no sessions found: the {what} is empty (no {unit}s)")
            raise InputError(f"{where}no sessions found in the {what} (every {unit} was skipped or had "
                             f"no session id: {self._counts(sessions.stats)})")
        return sessions.sequences

    def fit_transform(self, data: Any) -> list[np.ndarray]:
        """``fit(data)`` then the training sessions, grouped while the log is keyed (a file, or
        an event table's message column, is read twice: templates learnt, then every line keyed
        with the final ones; not a third time for ``transform``).

        Parameters
        ----------
        data
            The training log or event table, as :meth:`fit` takes it.

        Returns
        -------
        list of numpy.ndarray
            The training sessions' key sequences, as :meth:`transform` gives them.

        Examples
        --------
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} blk_{i % 4} done {i}" for i in range(12)]
        >>> seqs = EventSessions(format="raw", session_regex=r"blk_\\d+").fit_transform(lines)
        >>> len(seqs), seqs[0].tolist()
        (4, [1, 2, 3])
        """
        sessions = self._fit(data, group=True)
        if sessions is None:
            return self.transform(data)
        if not len(sessions):
            where = f"{data}: " if isinstance(data, (str, os.PathLike)) else ""  # a file: named
            hint = self._no_session_hint()  # (names session_regex, session_column: the CLI its options)
            raise InputError(f"{where}no sessions found in the training {self._input_words()[0]} "
                             f"({self._counts(sessions.stats)})"
                             + hint, param=("session_regex", "session_column") if hint else None)
        return sessions.sequences

    def _input_words(self) -> tuple[str, str]:
        """What the input is and what it is made of, for a message: ``("table", "row")`` for an
        event table (a DataFrame or a CSV of events, which "the log ... every line" misnamed),
        ``("log", "line")`` for a log or a key file."""
        return ("table", "row") if self.is_table else ("log", "line")

    def _counts(self, stats: dict[str, Any]) -> str:
        """What became of the lines (or rows) of an input without a session: ``10 rows, 10
        events had no session id``, as scoring says it (no warning said them before)."""
        parts = [counted(stats.get("lines", 0), "row" if self.is_table else "line")]
        for key, label in (("unmatched", "matched no header format"), ("blank", ("was blank", "were blank")),
                           ("events_without_key", ("row had an empty key or message",
                                                   "rows had an empty key or message")),
                           ("events_without_session", "had no session id"
                            if self.window is None else "had no readable time (no window)"),
                           ("bad_rows", ("row was malformed (skipped)", "rows were malformed (skipped)")),
                           ("empty_sessions_skipped", ("empty session skipped", "empty sessions skipped"))):
            if stats.get(key):
                noun = "event" if key == "events_without_session" else ""
                parts.append(counted_as(stats[key], label, noun))
        if stats.get("events_without_time"):
            parts.append(timeless_text(stats, self.time_column))
        return ", ".join(parts)

    def _no_session_hint(self) -> str:
        """Where ``session_regex`` looked, when it found no id: a syslog process id, say, is in
        the header, which the regex never sees."""
        parser = getattr(self, "parser_", None)
        if self.session_regex is None or parser is None or self.is_table:
            return ""
        fields = _session_fields(parser)
        if not fields:
            return ""
        return (f" (session_regex is searched in each line's message, after the {self.format!r} "
                f"header; to group by a header field use session_column: {', '.join(fields)})")

    def extra_columns(self, data: Any) -> list[str]:
        """Sessions have no columns to ignore.

        Examples
        --------
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} blk_{i % 4} done {i}" for i in range(12)]
        >>> pre = EventSessions(format="raw", session_regex=r"blk_\\d+").fit(lines)
        >>> pre.extra_columns(lines)
        []
        """
        return []

    def templates(self) -> dict[int, str]:
        """Template text per key (the key names of a table; empty for integer keys).

        Examples
        --------
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} blk_{i % 4} done {i}" for i in range(12)]
        >>> pre = EventSessions(format="raw", session_regex=r"blk_\\d+").fit(lines)
        >>> pre.templates()
        {1: 'open <BLK> done <NUM>', 2: 'read <BLK> done <NUM>', 3: 'close <BLK> done <NUM>'}
        """
        if not hasattr(self, "parser_"):  # (not 'no attribute parser_')
            raise not_fitted("EventSessions is not fitted; call fit(log) first")
        if getattr(self, "key_names_", None):
            return {i + 1: name for i, name in enumerate(self.key_names_)}  # type: ignore[arg-type]
        return {} if self.parser_ is None else self.parser_.templates()

    # -- state --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON fitted state (the parser's template tree included).

        Examples
        --------
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} blk_{i % 4} done {i}" for i in range(12)]
        >>> pre = EventSessions(format="raw", session_regex=r"blk_\\d+").fit(lines)
        >>> state = pre.to_dict()
        >>> sorted(state), EventSessions.from_dict(state).templates() == pre.templates()
        (['class', 'feature_names', 'key_names', 'params', 'parser'], True)
        """
        if not hasattr(self, "parser_"):
            raise not_fitted("EventSessions is not fitted")
        return {"class": "EventSessions", "params": self.get_params(),
                "parser": None if self.parser_ is None else self.parser_.to_dict(),
                "feature_names": self.feature_names_, "key_names": self.key_names_,
                **({} if getattr(self, "dayfirst_", None) is None else {"dayfirst": self.dayfirst_})}

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
            # (every fit saved these, of these kinds: a config edited by hand is named here, at
            # load, not by scoring's refusal of the user's options)
            params = saved_settings(d["params"], text=["format"], maybe_text=["session_regex"],
                                    names=["session_column", "key_column", "message_column",
                                           "time_column"])
            if params.get("masks") is not None:
                params["masks"] = tuple(tuple(m) for m in params["masks"])
            params.setdefault("rules", 1)  # saved before the setting existed: the old rules
            self = cls(**params)
            self.parser_ = None if d["parser"] is None else LogParser.from_dict(d["parser"])
            self.columns_ = []
            self.feature_names_ = list(d["feature_names"])
            names = d.get("key_names")
            self.key_names_ = None if names is None else list(names)
            self.dayfirst_ = None if d.get("dayfirst") is None else bool(d["dayfirst"])
        except (KeyError, TypeError) as exc:
            raise InputError(f"session preprocessing state is malformed ({exc})") from None
        # as fit writes them: the key column's values as text, sorted, each once, and numbered
        # from 1 in the feature names (a name edited, dropped or repeated read the log's values
        # as other keys, or as unknown ones: other scores)
        if names is not None and not (
                isinstance(names, list) and all(isinstance(n, str) for n in names)
                and names == sorted(set(names))
                and self.feature_names_ == [f"{i + 1}: {n}" for i, n in enumerate(names)]):
            raise InputError("session preprocessing state is malformed (the key names and feature "
                             "names do not match)")
        return self
