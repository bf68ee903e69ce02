"""Event tables (CSV/TSV/Parquet/JSONL or a DataFrame) as sessions: the table input of
:class:`~hourglass.features.sessions.EventSessions`.

:class:`EventTables` is a mixin of ``EventSessions``: it reads a table chunk by chunk, turns each
chunk into events (a key column numbered at fit, or a message column mined by Drain, plus the
time and session columns) and groups them with a
:class:`~hourglass.features.sessions.SessionGrouper`.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import pandas as pd

from hourglass._columns import near_names
from hourglass._logs import quiet_warnings
from hourglass._numbers import pandas_numbers, to_numbers
from hourglass._times import (
    _MAX_EPOCH_S,
    _NUMERIC_DATE,
    _dates_among,
    _mixed_layouts,
    _to_datetime,
    cell_text,
    dated_today,
    epoch_seconds,
    past_range,
    stripped_text,
    text_to_datetime,
)
from hourglass.errors import InputError
from hourglass.features._unfitted import not_fitted
from hourglass.features.roles import NULL_TEXT
from hourglass.features.sessions.grouping import PID_HOST, SessionGrouper, Sessions, _whole_ids
from hourglass.features.validation import native_byte_order, signalling_nan_named
from hourglass.ingest.logs import UNKNOWN, LogParser, read_lock, unrepeated, year_first_warning, yymmdd_times
from hourglass.ingest.tables import SKIP_BAD_ROWS
from hourglass.ingest.tables import written_ids as _written_ids

if TYPE_CHECKING:
    from hourglass.ingest.tables import ReadStats

__all__ = ["SESSION_FIELD", "EventTables", "timeless_text"]

#: The field a table's session id travels under to the grouper: not the table's own column name,
#: which may be ``key``, ``line`` or ``time`` (a session column named ``key`` replaced every
#: event's key with its session id, and one named ``line`` every line number)
SESSION_FIELD = "session"

#: a table's process id column (normalised: ``pid``, ``ProcessId``, ``process.pid``) and the host
#: column beside it (``host``, ``hostname``, ``Computer``, ``MachineName``, ``host.name``)
_PID_NAMES = {"pid", "processid", "processpid"}
_HOST_NAMES = {"host", "hostname", "computer", "computername", "machinename"}


def _pid_host(session_column: str, columns: Iterable[object]) -> object | None:
    """The host column of a table whose sessions are by ``session_column``, a process id column;
    ``None`` for sessions by another column, or a table without one.

    Examples
    --------
    >>> _pid_host("pid", ["pid", "Host", "event"]), _pid_host("user", ["user", "host"])
    ('Host', None)
    """
    if re.sub(r"[^a-z0-9]", "", str(session_column).lower()) not in _PID_NAMES:
        return None
    return next((c for c in columns if re.sub(r"[^a-z0-9]", "", str(c).lower()) in _HOST_NAMES), None)


#: How the session builders' messages say a malformed or timeless row is skipped, or stops the
#: read, in a Python user's words (the CLI says its option, ``--strict``:
#: ``cli._options.cli_advice``).
NOT_STRICT = "with strict=False"
STRICT_STOPS = "strict=True stops at the first"


def timeless_text(stats: dict[str, Any], column: str | None) -> str:
    """The count of events without a readable time in ``column`` (``stats`` of
    :meth:`EventTables._timeless`): ``3 rows had no readable time in 'ts' (first: row 6,
    'garbage')``, or ``""``.

    Examples
    --------
    >>> timeless_text({"events_without_time": 2, "first_without_time": "row 6, 'x'"}, "ts")
    "2 rows had no readable time in 'ts' (first: row 6, 'x')"
    """
    n = stats.get("events_without_time")
    if not n:
        return ""
    first = stats.get("first_without_time")
    return (f"{n} {'row' if n == 1 else 'rows'} had no readable time in {column!r}"
            + (f" (first: {first})" if first else ""))


def _first_keyless(stats: dict[str, Any], offset: int, keyless: Any) -> None:
    """Record in ``stats`` (``first_without_key``, kept from the first chunk that has one) the
    row of the first event of a chunk whose first row is row ``offset + 1`` that ``keyless``
    (one truth value a row) marks as having an empty key or message, as ``first_without_time``
    names the first row without a time.

    Examples
    --------
    >>> stats = {}
    >>> _first_keyless(stats, 10, [False, True, True]); stats
    {'first_without_key': 'row 12'}
    """
    hits = np.flatnonzero(np.asarray(keyless, dtype=bool))
    if len(hits):
        stats.setdefault("first_without_key", f"row {offset + int(hits[0]) + 1}")


def _whole_in_mixed(vals: pd.Series) -> pd.Series:
    """``vals`` with each whole float of a column of mixed values (JSON lines whose field holds
    names and numbers) as an integer: ``7.0`` beside ``"x"`` named a session (or key) ``7.0``,
    another than the ``7`` of the same table (:func:`~hourglass.features.sessions.grouping._whole_ids`
    reads a column of numbers so, not one of objects).

    Examples
    --------
    >>> _whole_in_mixed(pd.Series([7.0, "x", 7, 7.5, None], dtype=object)).tolist()
    [7, 'x', 7, 7.5, None]
    """
    if not pd.api.types.is_object_dtype(vals.dtype) or pd.api.types.infer_dtype(
            vals, skipna=True) not in ("mixed", "mixed-integer", "mixed-integer-float", "floating"):
        return vals

    def whole(v: Any) -> Any:
        if isinstance(v, float) and math.isfinite(v) and v == round(v) and abs(v) < 2**53:
            return int(v)
        return v

    return vals.map(whole)


def _key_text(vals: pd.Series) -> pd.Series:
    """Key values as the text of their names: a whole number in a float column (a numeric column
    with an empty cell reads as floats) is written as an integer, ``4624``, as in a column
    without one (``4624.0`` named a key of its own, unknown to a model trained on ``4624``);
    the spaces around a name are no part of it (``login, read `` in a CSV: ``read``, as a
    category or a CSV's session id reads; `` read `` was a key of its own, unknown to a model
    trained on ``read``); a name is in Unicode's composed form (NFC: ``Giriş`` with ``ş`` written
    as ``s`` and a combining cedilla, as macOS tools may export it, is the ``Giriş`` of one code
    point, as a category reads it, not a key never seen).

    Examples
    --------
    >>> _key_text(pd.Series([4624.0, 1.5])).tolist(), _key_text(pd.Series([4624, 7])).tolist()
    (['4624', '1.5'], ['4624', '7'])
    >>> _key_text(pd.Series([" read ", "read", "Giris\\u0327", "Gir\\u0131\\u015f"])).tolist()
    ['read', 'read', 'Giriş', 'Girış']
    """
    text = _whole_ids(_whole_in_mixed(vals)).astype(str).str.strip()
    # (ASCII is its own NFC: the pass over every cell, a Python call each, made a million keys
    # cost 0.15 s where the rest takes 0.01 s; one look for any other text is cheap)
    return text if text.str.isascii().all() else text.str.normalize("NFC")


def _nested_as_text(vals: pd.Series) -> pd.Series:
    """``vals`` with each list, tuple, dict or array cell as its JSON text (keys sorted): a frame
    built in Python holds them as objects, which cannot name a key (``pd.factorize`` raised
    ``TypeError: unhashable type``). A list is named as the JSONL and Parquet readers name it; an
    object in a file is read as columns of its fields (``ev.id``), not as one cell.

    Examples
    --------
    >>> _nested_as_text(pd.Series([["a"], {"id": 2}, "x"], dtype=object)).tolist()
    ['["a"]', '{"id": 2}', 'x']
    """
    # (a column of text or of numbers is no 'mixed' one: no Python call per row for it)
    if not pd.api.types.is_object_dtype(vals.dtype) or pd.api.types.infer_dtype(
            vals, skipna=True) not in ("mixed", "mixed-integer"):
        return vals
    kinds = (list, tuple, dict, np.ndarray)
    nested = vals.map(lambda v: isinstance(v, kinds)).to_numpy(dtype=bool)
    if not nested.any():
        return vals

    def plain(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, np.ndarray):
            v = v.tolist()
        return [plain(x) for x in v] if isinstance(v, list | tuple) else v

    out = vals.copy()
    out[nested] = [json.dumps(plain(v), sort_keys=True, default=str) for v in vals[nested].tolist()]
    return out


def _no_column(source: str, missing: list[str], columns: list[str]) -> NoReturn:
    """The error naming the ``missing`` columns of a table and the first of its ``columns``."""
    near = near_names(missing, columns)  # User for user, as for a table model's column
    raise InputError(f"{source}: no column {', '.join(map(repr, missing))}; columns "
                     f"are {', '.join(columns[:8])}{' ...' if len(columns) > 8 else ''}"
                     + (f"; {near}" if near else ""))


def _numbers_win(text: pd.Series, num: pd.Series) -> bool:
    """Whether the given values ``text`` of a time column (``num``: as numbers) are epoch times:
    more than half are numbers, or half and the others are no dates (a ``"0"`` placeholder beside
    each date is no epoch time; an unreadable value beside each epoch time is no date).

    Examples
    --------
    >>> dates, epochs = pd.Series(["2024-02-05 10:00", "0"]), pd.Series(["1700000000", "bad"])
    >>> _numbers_win(dates, pd.Series([None, 0.0])), _numbers_win(epochs, pd.Series([1.7e9, None]))
    (False, True)
    """
    share = float(num.notna().mean())
    if share != 0.5:
        return share > 0.5
    return not _to_datetime(text[num.isna()].iloc[:100], False, "mixed").notna().any()


def _strict_hint(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """``frames``, whose reader's error for a malformed row (read with ``strict``) names the
    parameter that skips such rows here: not ``on_bad_rows``, which log models refuse."""
    try:
        yield from frames
    except InputError as exc:
        msg = str(exc)
        for what in ("rows", "lines", "records", "events"):
            msg = msg.replace(f"use {SKIP_BAD_ROWS} to skip such {what}",
                              f"{NOT_STRICT} such rows are skipped and counted")
        if msg == str(exc):
            raise
        raise InputError(msg) from None


class EventTables:
    """Event-table input of :class:`~hourglass.features.sessions.EventSessions` (a mixin)."""

    chunk_lines: int
    session_column: str | None
    key_column: str | None
    message_column: str | None
    time_column: str | None
    window: float | None
    strict: bool
    parser_: LogParser | None
    key_names_: list[str] | None
    _seen_names: dict[str, int]
    _all_integral: bool
    dayfirst_: bool | None

    if TYPE_CHECKING:  # provided by EventSessions
        def _parser(self) -> LogParser: ...

        def _grouper(self) -> SessionGrouper: ...

        def _finish(self, grouper: SessionGrouper, stats: dict[str, Any]) -> Sessions: ...

    def _table_frames(self, data: Any, read: ReadStats | None = None) -> Iterator[tuple[pd.DataFrame, str]]:
        """The table ``data`` in chunks of about :attr:`chunk_lines` rows (a file is read chunk
        by chunk, never whole). A malformed row of a file (a wrong field count, a line that is
        no JSON) is skipped and counted in ``read``, as a log's line that matches no header is;
        with :attr:`strict` it is an error naming its line."""
        step = max(int(self.chunk_lines), 1)
        self._last_stamp: tuple[str, float] | None = None  # the read's last time so far (year_first_warning)
        wanted = [c for c in (self.session_column, self.key_column, self.message_column,
                              self.time_column) if c is not None]
        jsonl = False  # JSON lines, .evtx: each reader batch has the fields its records have
        if isinstance(data, pd.DataFrame):
            source = "table"
            data = native_byte_order(data)  # pandas hashes no big-endian column
            # a Decimal('sNaN') cell, which pandas can neither test for a missing value nor
            # hash, is named now (as the table, series and entity features name it), not a
            # decimal.InvalidOperation from inside pandas; testing is the cheap way to find one
            cells = data[[c for c in dict.fromkeys(wanted) if c in data.columns]]
            with signalling_nan_named(cells):
                cells.isna()
            frames: Iterable[pd.DataFrame] = (data.iloc[lo:lo + step]
                                              for lo in range(0, len(data), step))
        elif isinstance(data, (str, os.PathLike)):
            import pyarrow as pa

            from hourglass.ingest.flows import ZEEK_CONN
            from hourglass.ingest.readers import check_path, table_format
            from hourglass.ingest.tables import iter_table, read_head

            source = str(data)
            path, fmt = check_path(data), table_format(data)  # JSON lines named .log read as such
            jsonl = fmt in ("jsonl", "evtx")
            # a Zeek TSV log (dns.log, http.log ...) is read as a table model reads it: its
            # '#fields' line names the columns ('-' unset, bools, sets as JSON text); a plain TSV
            # read took its '#separator' line for the header and found none of the columns
            zeek = fmt in ("csv", "tsv") and ZEEK_CONN.sniff(read_head(path))
            # a CSV's session ids as written: typed from the first block, '007' and '7' were one
            # session '7' (and '007' in a chunk that also held a name), and a name after a
            # first block of numbers stopped the read. A later value that does not fit its
            # column's first-block type turns the column to text from there on (used=()), which
            # every column here reads: a time that does not read is counted, as the README says
            # (it stopped the read, 'malformed value'), a key name after integer keys is a name
            text = {self.session_column: pa.string()} if fmt in ("csv", "tsv") and \
                self.session_column is not None and not zeek else None
            ids = self.session_column if text is not None else None
            bad_rows = "error" if self.strict else "skip"
            chunks = ZEEK_CONN.iter_chunks(path, on_bad_rows=bad_rows, stats=read) if zeek else \
                iter_table(path, fmt=fmt, column_types=text, used=(), stats=read, on_bad_rows=bad_rows)
            frames = (big.iloc[lo:lo + step]  # a reader chunk (~16 MB) in chunk_lines slices
                      for big in map(lambda chunk: _written_ids(chunk, ids), _strict_hint(chunks))
                      for lo in range(0, len(big), step))
        else:
            raise InputError(f"an event table is a DataFrame or a CSV/Parquet/JSONL path, got "
                             f"{type(data).__name__}")
        n = 0
        columns: dict[str, None] = {}  # JSON lines, .evtx: the fields of every batch, in order
        for df in frames:
            missing = [c for c in wanted if c not in df.columns]
            if jsonl:  # a field some batches' records lack (an optional user, a time in some
                # records) has no value there; one that no batch has is named after the last
                columns.update(dict.fromkeys(map(str, df.columns)))
                if missing:
                    df = df.assign(**{c: pd.Series(None, index=df.index, dtype=object) for c in missing})
            elif missing:
                _no_column(source, missing, [str(c) for c in df.columns])
            twice = [c for c in wanted if int((df.columns == c).sum()) > 1]
            if twice:  # df[c] would be a frame of them all, not the one column
                raise InputError(f"{source}: column {twice[0]!r} appears "
                                 f"{int((df.columns == twice[0]).sum())} times; name it once")
            n += len(df)
            yield df, source
        if not n:
            raise InputError(f"{source}: no rows")
        never = [c for c in wanted if c not in columns] if jsonl else []
        if never:  # a mistyped field name: no record has it
            _no_column(source, never, list(columns))

    def _late_order(self, col: pd.Series, missed: np.ndarray, learn: bool
                    ) -> tuple[bool | None, np.ndarray]:
        """The order of the numeric day/month dates among the unread rows ``missed`` of the time
        column ``col`` (``None`` where they show both, or there are none) and which rows of
        ``col`` hold such dates; kept for later chunks while fitting (``learn``) where the data
        decided it, as the first chunk's order is."""
        from hourglass._times import decided_dayfirst, infer_dayfirst

        none = np.zeros(len(col), dtype=bool)
        part = col[missed]
        if not stripped_text(part).str.match(_NUMERIC_DATE).fillna(False).any():
            return None, none
        try:
            dayfirst = infer_dayfirst(part, str(self.time_column))
        except InputError:  # both orders among them: each read as it reads
            return None, none
        if dayfirst is None:
            return None, none
        if learn and decided_dayfirst(part, str(self.time_column)) is not None:
            self.dayfirst_ = dayfirst
        return dayfirst, stripped_text(col).str.match(_NUMERIC_DATE).fillna(False).to_numpy(dtype=bool)

    def _table_times(self, df: pd.DataFrame, source: str, *, first: bool = True,
                     learn: bool = False) -> np.ndarray:
        """Each row's time (epoch seconds; NaN where it does not read: missing, empty, text no
        form reads, beyond the year 2262); a ``first`` chunk with times (the first that holds any
        time value) but not one readable is an error naming the column (a later one, such as a
        short last slice, counts its rows).
        Numeric day/month dates (``13/03/2024``) are read in the order of the training table
        (``dayfirst_``, found by :func:`~hourglass._times.infer_dayfirst` in the first chunk
        that tells; ``learn``: while fitting), else in the order this chunk's dates tell."""
        if self.time_column is None:
            return np.full(len(df), np.nan)
        col = df[self.time_column]
        if isinstance(col.dtype, pd.CategoricalDtype):  # (a Parquet dictionary column, astype)
            # its values, read as a column of their own dtype is: as text, integer compact dates
            # (20260328) were read as epoch nanoseconds of 1970, durations as no time at all
            kind = col.cat.categories.dtype
            col = col.astype(kind if not col.hasnans or kind.kind not in "iub" else
                             np.float64 if kind.kind in "iu" else object)
        if isinstance(col.dtype, pd.PeriodDtype):  # a period: the time it starts
            col = col.dt.to_timestamp()
        elif pd.api.types.is_timedelta64_dtype(col) or getattr(col.dtype, "kind", "") == "m":
            # durations (offsets from a capture's start; Parquet's duration): their seconds, as
            # pandas read them as no date, and the UTC epoch below could not be subtracted
            col = col.dt.total_seconds()
        num: pd.Series | None = None
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            from hourglass._times import _compact_dates, _compact_strays

            # 20260328 as a CSV number: that date, not 1970's seconds
            compact = _compact_dates(col, str(self.time_column))
            if compact is None:
                num = col
            else:  # a placeholder among them (0, -1) no time, not the year 0 or -1
                col = compact.mask(_compact_strays(col))
        elif not pd.api.types.is_bool_dtype(col):  # epoch times read as text (one bad value);
            text = col.astype("string").str.strip()  # compact dates (20260328) stay dates
            coerced = pd.to_numeric(text, errors="coerce")
            # half of the values given, not of the rows: a column of epoch times with most cells
            # empty (None among Python ints) went to the date reader, which took 1700000000 for
            # nanoseconds (1970-01-01) or read none
            given = text.fillna("").ne("").to_numpy(dtype=bool)
            if given.any() and _numbers_win(text[given], coerced[given]) and not _dates_among(text, coerced):
                num = coerced
        if pd.api.types.is_bool_dtype(col):  # True/False is no time (to_datetime made it naive
            secs = np.full(len(col), np.nan)  # NaT, which the UTC epoch below cannot subtract)
        elif num is not None:
            # epoch milliseconds (CEF's rt) read as seconds would cut windows 1000 times too short
            secs = epoch_seconds(num.to_numpy(dtype=np.float64, na_value=np.nan), self.time_column)
            with np.errstate(invalid="ignore"):
                secs = np.where(np.abs(secs) < _MAX_EPOCH_S, secs, np.nan)
        else:
            dayfirst = getattr(self, "dayfirst_", None)
            if dayfirst is None:
                from hourglass._times import decided_dayfirst, infer_dayfirst

                try:  # None: no numeric day/month dates (ISO 8601, names)
                    dayfirst = infer_dayfirst(col, self.time_column)
                except InputError:  # both orders in the column: rows of the other do not read
                    dayfirst = None
                if learn and dayfirst is not None and decided_dayfirst(col, self.time_column) is not None:
                    # kept for the later chunks and the model only when the data told it (a day
                    # or month above 12, or the span): a first chunk of 05/02/2024 rows, guessed
                    # month first, read the 05/02 rows of every later chunk (and of every table
                    # scored) as 2 May
                    self.dayfirst_ = dayfirst
            # pandas reads every row in the layout it guesses from the first one: month first,
            # unless told, and a day above 12 then reads as no time at all
            # the order for the numeric dates only: pandas' dayfirst also reads an ISO 2024-02-01
            # beside them as 1 February's day and month swapped (2 January)
            dated = np.zeros(len(col), dtype=bool)
            if dayfirst is not None and (col.dtype == object or pd.api.types.is_string_dtype(col)):
                dated = stripped_text(col).str.match(_NUMERIC_DATE).fillna(False).to_numpy(dtype=bool)
            split = dated if dayfirst else np.zeros(len(col), dtype=bool)
            # 'Could not infer format' for text that is no time: such rows are counted, not warned
            with quiet_warnings(UserWarning):
                t = text_to_datetime(col.where(~split) if split.any() else col, utc=True)
                if split.any():
                    t = t.dt.as_unit("us")
                    t[split] = text_to_datetime(col[split], utc=True, dayfirst=True).dt.as_unit("us")
            missed = (t.isna() & col.notna()).to_numpy()
            if missed.any():  # pandas reads every row in the first one's layout: ISO 8601 times
                # with and without fractions (Go's RFC3339Nano leaves trailing zeros out) differ
                later = text_to_datetime(col[missed], utc=True, format="ISO8601")
                try:  # in nanoseconds: the first row's layout may have read in seconds, and a
                    # later row's nanoseconds ('10:00:01.1234567Z') could not be put among them
                    # (a TypeError's traceback: Docker's and kubectl's times are RFC3339Nano)
                    t = t.dt.as_unit("ns")
                    t[missed] = later.dt.as_unit("ns")
                except pd.errors.OutOfBoundsDatetime:  # (3000-01-01: no time, said below)
                    t = t.dt.as_unit("us")
                    t[missed] = later.dt.as_unit("us")
                missed = (t.isna() & col.notna()).to_numpy()
                if missed.any() and dayfirst is None and (col.dtype == object
                                                          or pd.api.types.is_string_dtype(col)):
                    # numeric dates first met past the rows the order is looked for in (ISO rows,
                    # then another feed's 13/02/2024 and 01/02/2024): no time at all, where
                    # fewer ISO rows before them read them in the order they show
                    dayfirst, dated = self._late_order(col, missed, learn)
                if missed.any() and (~missed).any() and dated.any():  # other layouts, row by row
                    # (numeric dates with and without seconds), as the time-series reader does
                    ts, _ = _mixed_layouts(stripped_text(col).reset_index(drop=True),
                                           pd.DatetimeIndex(t.dt.tz_convert("UTC")), missed, bool(dayfirst))
                    t = pd.Series(ts, index=col.index)
            secs = (t - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy(
                dtype=np.float64, na_value=np.nan)
            six, at = yymmdd_times(col, first_only=True)  # '151104 11:22:33': pandas read it mmddyy
            if six.any():
                secs = secs.copy()
                secs[six] = at
            today = dated_today(col, secs)  # '06:55:46', '1:00 PM': pandas dated it today
            if today.any():
                secs = np.where(today, np.nan, secs)
            far = past_range(secs)  # '3000-01-01': no time, as epoch numbers past 2262 are none
            if far.any():
                secs = np.where(far, np.nan, secs)
            yearless = np.array((t.dt.year == 1).fillna(False), dtype=bool)
            if yearless.any():  # 'Mar 03 09:14:07' (BSD syslog): pandas dated it in the year 1,
                # which put a Dec->Jan crossing out of order; no time, as read_timestamps has it
                yearless[yearless] = ~col[yearless].astype(str).str.contains("0001", regex=False) \
                    .to_numpy(dtype=bool)
            if yearless.any():
                if first and np.isnan(secs[~yearless]).all():  # not one dated time: said as such
                    i = int(np.flatnonzero(yearless)[0])
                    raise InputError(f"{source}: column {self.time_column!r} (time_column) holds "
                                     f"times without a year (e.g. {str(col.iloc[i])[:40]!r}); give "
                                     "times with the year (pandas would date them in the year 1)",
                                     param="time_column")
                secs = np.where(yearless, np.nan, secs)
            if col.dtype == object or pd.api.types.is_string_dtype(col):  # (text only)
                # '17/06/09' then '17/06/10' (Spark's yy/MM/dd) read year last: a year apart, said
                # once (as a log's timestamp says it), across the read's chunks; times stay as read
                year_first_warning(self, col.astype(str), secs, f"{source}: column {self.time_column!r}")
        if first and len(secs) and np.isnan(secs).all() and (given := col.notna()).any():
            # (a chunk without a value, JSON records without the field, has rows lacking a time)
            raise InputError(f"{source}: column {self.time_column!r} (time_column) holds no "
                             f"readable time (e.g. {str(col[given].iloc[0])[:40]!r}); expected "
                             "epoch times (s, ms, us or ns) or date-time text", param="time_column")
        return secs

    def _timeless(self, df: pd.DataFrame, times: np.ndarray, rows: np.ndarray, source: str,
                  offset: int, stats: dict[str, Any]) -> np.ndarray:
        """Which of the events ``rows`` of a chunk have no readable time (``times`` NaN),
        their rows counted in ``stats`` (``events_without_time``, the first in ``first_without_time``);
        with :attr:`strict`, the first is an error naming its row."""
        if self.time_column is None:
            return np.zeros(len(rows), dtype=bool)
        bad = np.isnan(times[rows])
        if not bad.any():
            return bad
        i = int(rows[np.flatnonzero(bad)[0]])
        cell = df[self.time_column].iloc[i]
        # a missing cell (a JSON null or absent field, a CSV's empty cell) is said to be missing:
        # quoted, it read 'nan' or 'NaT', text the file does not hold (a CSV's typed time as written)
        value = "missing" if pd.api.types.is_scalar(cell) and pd.isna(cell) else repr(cell_text(cell)[:40])
        first = f"row {offset + i + 1}, {value}"
        if self.strict:
            raise InputError(f"{source}: row {offset + i + 1}: column {self.time_column!r} "
                             f"(time_column) holds no readable time ({value}); "
                             f"{NOT_STRICT} such rows are counted and {self._timeless_fate()}",
                             param="time_column")
        # counted by row, as said ('3 rows had no readable time'): a row that is several events (a
        # 'message repeated 3 times' message, rules 5) is one row
        stats["events_without_time"] = stats.get("events_without_time", 0) + len(np.unique(rows[bad]))
        stats.setdefault("first_without_time", first)
        return bad

    def _timeless_fate(self) -> str:
        """What becomes of an event without a readable time."""
        return ("left out (no time window to place them in)" if self.window is not None
                else "placed last in their session")

    def _table_events(self, df: pd.DataFrame, source: str, offset: int, stats: dict[str, Any],
                      *, learn: bool, first_times: bool = True) -> pd.DataFrame:
        """Events of one table chunk whose first row is row ``offset + 1``: ``line`` (row),
        ``key``, ``time`` and the session column; counts are added to ``stats``
        (``first_times``: no earlier chunk held a time value, see :meth:`_table_times`)."""
        stats["lines"] = stats.get("lines", 0) + len(df)
        for k in ("parsed", "unknown_template", "events_without_key"):
            stats.setdefault(k, 0)
        if self.message_column is not None:
            text = self._messages(df, scoring=not learn)
            if self.parser_ is None:  # a fit that failed (e.g. on an empty table) left none
                raise not_fitted("EventSessions is not fitted; call fit(log) first")
            parser = self.parser_
            with read_lock(parser):  # this chunk's counts, not another thread's read's
                if learn:  # templates learnt from the whole table first (see _learn_templates)
                    chunks = parser.key_chunks(text, len(text) + 1)
                else:
                    chunks = parser.parse_chunks(text, len(text) + 1)
                frames = list(chunks)  # none when every message of the chunk is empty
                ps = parser.stats_
            ev = pd.concat(frames, ignore_index=True)[["line", "key"]] if frames else \
                pd.DataFrame({"line": np.zeros(0, np.int64), "key": np.zeros(0, np.int64)})
            stats["parsed"] += ps.parsed
            stats["unknown_template"] += ps.unknown_template
            stats["events_without_key"] += ps.blank
            rows = ev["line"].to_numpy() - 1
            if ps.blank:  # (a message the parser reads as blank: nothing but white space)
                _first_keyless(stats, offset, [not t.strip() for t in text])
        else:
            # Arrow-backed keys (read_parquet(dtype_backend="pyarrow")) as pandas' own: their
            # checks against 2**63 raised OverflowError
            col = pandas_numbers(df[self.key_column])
            ok = col.notna().to_numpy()
            if not pd.api.types.is_numeric_dtype(col):  # a blank cell is empty, as a CSV reads it
                text = col.astype(str).str.strip()
                ok = ok & (text.str.len() > 0).to_numpy()
                if not learn:  # 'N/A', 'null' ... (JSON lines, the service, a stream): no key, as
                    # the same rows of a CSV read them, unless training named a key so
                    null = text.isin(NULL_TEXT).to_numpy(copy=True)
                    if null.any() and self.key_names_ is not None:
                        null &= ~text.isin(self.key_names_).to_numpy()
                    ok = ok & ~null
            stats["events_without_key"] += int((~ok).sum())
            _first_keyless(stats, offset, ~ok)
            rows = np.flatnonzero(ok)
            vals = _nested_as_text(col.iloc[rows])
            if learn:
                keys = self._learn_keys(vals, source, offset + rows)
            elif self.key_names_ is None:
                # true/false is no key: to_numeric read a JSON true as key 1, unsaid, and a column
                # of them stopped with an OverflowError traceback (training names such a column,
                # never integer keys)
                boolean = pd.api.types.is_bool_dtype(vals.dtype)
                num = to_numbers(vals.astype(np.int64) if boolean else vals)  # 400 digits: inf, refused
                bad = (num.isna() | (num != num.round()) | ~(num.abs() < 2**63)).to_numpy()
                if boolean:
                    bad = np.ones(len(vals), dtype=bool)
                elif pd.api.types.is_object_dtype(vals.dtype):
                    bad = bad | vals.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise InputError(f"{source}: row {offset + int(rows[i]) + 1}: column "
                                     f"{self.key_column!r} (key_column): the model was trained on "
                                     f"integer keys, found {str(vals.iloc[i])[:40]!r}",
                                     param="key_column")
                keys = num.to_numpy(dtype=np.int64)
                if (keys < 0).any():
                    i = offset + int(rows[np.flatnonzero(keys < 0)[0]])
                    raise InputError(f"{source}: row {i + 1}: column {self.key_column!r} (key_column) "
                                     f"must hold keys >= 0, found {int(keys[keys < 0][0])}",
                                     param="key_column")
            else:
                index = {name: i + 1 for i, name in enumerate(self.key_names_)}
                for name, code in list(index.items()):  # a model saved before names were read in
                    if not name.isascii():  # NFC ('Giris\u0327'): found by the NFC form too
                        index.setdefault(unicodedata.normalize("NFC", name), code)
                keys = np.fromiter((index.get(v, UNKNOWN) for v in _key_text(vals).tolist()),
                                   dtype=np.int64, count=len(vals))
                miss = np.flatnonzero(keys == UNKNOWN)
                if len(miss):  # a model saved when floats named keys '4624.0', or when the spaces
                    old = vals.iloc[miss].astype(str).tolist()  # around a name were kept: those too
                    keys[miss] = np.fromiter((index.get(o, UNKNOWN) for o in old), dtype=np.int64,
                                             count=len(miss))
                stats["unknown_template"] += int((keys == UNKNOWN).sum())
            ev = pd.DataFrame({"key": keys})
            stats["parsed"] += len(ev)
        times = self._table_times(df, source, first=first_times, learn=learn)
        timeless = self._timeless(df, times, rows, source, offset, stats)
        if self.window is not None and timeless.any():  # no window to place them in: left out
            ev, rows = ev.loc[~timeless].reset_index(drop=True), rows[~timeless]
        ev["line"] = offset + rows + 1
        ev["time"] = times[rows]
        if self.session_column is not None:
            # the column's own values (.array), not to_numpy(): a 64-bit integer id in a column
            # with a missing one (pandas' Int64) became a float64, which rounded neighbouring
            # ids past 2**53 into one session named '1.7000000001234568e+18'
            ids = _whole_in_mixed(df[self.session_column].iloc[rows])
            if not pd.api.types.is_numeric_dtype(ids):
                # 'N/A', 'null', '?' ...: no session id, as the same rows of a CSV read them (from
                # JSON lines or the service they came as text and named a session 'N/A')
                ids = ids.mask(ids.astype(str).str.strip().isin(NULL_TEXT).to_numpy())
            ev[SESSION_FIELD] = ids.array
            host = _pid_host(self.session_column, df.columns)
            if host is not None:  # a pid is one host's: the grouper warns of one on two hosts
                ev[PID_HOST] = df[host].iloc[rows].astype(str).where(df[host].iloc[rows].notna(), "").array
        return ev

    def _messages(self, df: pd.DataFrame, *, scoring: bool = False) -> list[str]:
        """The message column of one table chunk as text (a missing cell is empty; with
        ``scoring``, so is a missing spelling that no template learnt in training reads)."""
        text = df[self.message_column].astype("string").fillna("")
        if scoring and self.parser_ is not None:
            # 'N/A', 'null' ... (JSON lines, the service): no message, as the same rows of a CSV
            # read them, not a message of its own that scored as a template never seen
            bare = text.str.strip()
            null = bare.isin(NULL_TEXT)
            if null.any():
                null &= ~bare.isin(list(self.parser_.templates().values()))
                text = text.mask(null, "")
        return text.tolist()

    def _learn_templates(self, data: Any) -> None:
        """Learn the message column's templates from the whole table, chunk by chunk (only one
        chunk's text held at a time), before any row is keyed: a row keyed while Drain was still
        learning took the key of the template it fitted then, which a template learnt in a later
        chunk can change, and scoring keys it with the final templates."""
        parser = self._parser()
        offset = 0
        for df, _ in self._table_frames(data):
            try:
                parser.learn_lines(self._messages(df))
            except UnicodeDecodeError:
                self._refuse_bytes(df, offset)
                raise
            offset += len(df)
        self.parser_ = parser

    def _refuse_bytes(self, df: pd.DataFrame, offset: int) -> None:
        """After a ``UnicodeDecodeError`` in table chunk ``df`` (``offset``: the rows before it):
        :class:`InputError` naming the first cell of bytes that are no UTF-8 (a Parquet
        ``binary`` column) in a column the events are read from, its row and its bytes."""
        from hourglass.features.tabular import _refuse_undecodable

        read = {str(c) for c in (self.session_column, self.key_column, self.message_column,
                                 self.time_column) if c is not None}
        _refuse_undecodable(df, skip={str(c) for c in df.columns if str(c) not in read}, first_row=offset)

    def _learn_keys(self, vals: pd.Series, source: str, rows: np.ndarray) -> np.ndarray:
        """Provisional keys of one training chunk of the key column: every distinct value is
        numbered in order of first appearance; :meth:`_final_keys` maps them at the end."""
        integral = pd.api.types.is_integer_dtype(vals) or (
            pd.api.types.is_float_dtype(vals) and bool((vals == vals.round()).all()))
        if integral and len(vals):  # inf, 1e300 or 2**64 is no int64 key (int() overflowed): names
            integral = bool((vals.abs() < 2**63).all())
        # a chunk without a key (every cell empty: the field absent from a batch of JSON lines)
        # tells nothing: it made integer keys names ('4624') for the whole model
        self._all_integral = self._all_integral and (integral or not len(vals))
        if integral and len(vals) and (vals < 0).any():
            i = int(np.flatnonzero((vals < 0).to_numpy())[0])
            raise InputError(f"{source}: row {int(rows[i]) + 1}: column {self.key_column!r} "
                             f"(key_column) must hold keys >= 0, found {vals.iloc[i]}",
                             param="key_column")
        if pd.api.types.is_object_dtype(vals.dtype):  # 1, 1.0 and True: one value to factorize,
            vals = _key_text(vals)  # three names to scoring (which read 1.0 as a key unseen)
        codes, uniques = pd.factorize(vals)
        seen = self._seen_names  # names as scoring spells them (_key_text)
        names = _key_text(pd.Series(uniques, dtype=vals.dtype)).tolist()
        lut = np.array([seen.setdefault(n, len(seen)) for n in names], dtype=np.int64)
        return lut[codes] if len(codes) else np.zeros(0, np.int64)

    def _final_keys(self) -> np.ndarray:
        """Provisional key → final key, and ``key_names_``: integer keys as they are if every
        value was integral, else the names sorted and numbered from 1."""
        names = list(self._seen_names)
        if self._all_integral:
            self.key_names_ = None
            # '9223372036854775807' through float is 2**63, past int64
            return np.array([int(n) if n.lstrip("-").isdigit() else int(float(n)) for n in names],
                            dtype=np.int64)
        self.key_names_ = sorted(names)
        rank = {n: i + 1 for i, n in enumerate(self.key_names_)}
        return np.array([rank[n] for n in names], dtype=np.int64)

    def _table_sessions(self, data: Any, *, learn: bool) -> Sessions:
        """Group a table, chunk by chunk (in training, key names are numbered at the end)."""
        if isinstance(data, pd.DataFrame):  # its big-endian columns: pandas hashes none
            data = native_byte_order(data)
        grouper = self._grouper()
        stats: dict[str, Any] = {}
        offset = 0
        if learn:
            self._seen_names: dict[str, int] = {}
            self._all_integral = True
            self.dayfirst_ = None  # the order of numeric dates, once a chunk tells
            if self.message_column is not None:  # read twice: learnt, then keyed with the final templates
                self._learn_templates(data)
        timed = self.time_column is None  # a chunk held a time value (the first such is checked)
        from hourglass.ingest.tables import ReadStats

        read = ReadStats()
        for df, source in self._table_frames(data, read):
            try:
                grouper.add(self._table_events(df, source, offset, stats, learn=learn,
                                               first_times=not timed))
            except UnicodeDecodeError:
                self._refuse_bytes(df, offset)
                raise
            offset += len(df)
            timed = timed or bool(df[self.time_column].notna().any())
        if learn and self.key_column is not None:
            grouper.map_keys(self._final_keys())
            del self._seen_names
        if learn and self.message_column is not None and not stats.get("parsed"):
            raise InputError(f"{source}: column {self.message_column!r} (message_column) holds no "
                             "message text", param="message_column")
        if read.bad_rows:  # (said by _finish)
            stats["bad_rows"] = read.bad_rows
            if read.bad_lines:
                stats["first_bad_line"] = int(read.bad_lines[0])
        out = self._finish(grouper, stats)
        # an alert quotes its event's message, or its key's name (an unseen name is key 0: the
        # name says what it was)
        column = self.message_column if self.message_column is not None else \
            self.key_column if getattr(self, "key_names_", None) else None
        if column is not None:
            if isinstance(data, pd.DataFrame):
                messages = data[column]
                out.text_of = lambda wanted: self._cells_text(
                    messages, [int(r) for r in wanted], 0)
            else:
                out.text_of = lambda wanted: self._table_texts(data, wanted, column)
        return out

    def _table_texts(self, data: Any, wanted: set[int], column: str) -> dict[int, str]:
        """Text of ``column`` in the table rows numbered ``wanted``, read again chunk by chunk."""
        out: dict[int, str] = {}
        offset = 0
        for df, _ in self._table_frames(data):
            rows = [r for r in wanted if offset < r <= offset + len(df)]
            out.update(self._cells_text(df[column], rows, offset))
            offset += len(df)
            if offset >= max(wanted, default=0):
                break
        return out

    def _cells_text(self, cells: pd.Series, rows: list[int], offset: int) -> dict[int, str]:
        """Text of the ``cells`` of table rows numbered ``rows`` (``offset``: the row before
        the first cell); a key as :func:`_key_text` names it (``4624``, not ``4624.0`` in a column
        of numbers with an empty cell); a message rsyslog wrote as ``message repeated N times:
        [ ...]`` as the message it repeats, where the parser reads it so (rules 5)."""
        picked = cells.iloc[[r - offset - 1 for r in rows]]
        if self.message_column is None:  # the key column's names
            return dict(zip(rows, _key_text(_nested_as_text(picked)).tolist(), strict=True))
        if self.parser_ is not None and int(self.parser_.rules) >= 5:
            return {r: unrepeated(str(v))[0] for r, v in zip(rows, picked.tolist(), strict=True)}
        return {r: str(v) for r, v in zip(rows, picked.tolist(), strict=True)}
