"""Reading a timestamp column one way everywhere (time series, event tables, alert budgets).

The one policy every command (train, score, stream, serve, explain; tables, entity buckets,
time series, log events) follows:

- text with a UTC offset (``...Z``, ``+02:00``) is converted to UTC, so rows with different
  offsets (``+01:00`` and ``+02:00`` across a daylight-saving change) are ordered and bucketed
  by the instant they name;
- text without an offset is read as UTC (never as the machine's local time): a model trained on
  times with offsets scores times without them, and the reverse, on the same buckets, as long
  as the times without an offset are UTC;
- numbers are epoch times, each read in the unit its size gives (pandas alone would read them
  as nanoseconds after 1970, silently): below 1e11 seconds, then milliseconds, microseconds
  and nanoseconds (CEF's ``rt`` is milliseconds, Zeek's ``ts`` seconds; 1e11 of each unit is
  the year 5138 of the one before), so train and score files may use different units;
- a column that mixes times with and without an offset, or holds an unreadable value, is an
  :class:`InputError` naming the row.

Outputs write UTC: ECS ``@timestamp`` always as ISO-8601 with ``Z``; tables as ISO-8601, with
``Z`` when the input times carried an offset.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import locale
import logging
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from hourglass._logs import quiet_warnings
from hourglass._numbers import wide_ints_as_inf
from hourglass.errors import InputError

__all__ = ["FUTURE_LIMIT", "DateOrderError", "TimeRangeError", "c_time_locale", "cell_text", "chunk_dayfirst",
           "cut_cell", "epoch_seconds", "frequency",
           "future_problem", "holds_numeric_dates", "infer_dayfirst", "mixed_units", "not_a_timestamp",
           "parse_timestamps", "past_range", "quoted_cell", "read_timestamps", "steps_per_day", "time_length",
           "unreadable_times", "yymmdd_times"]

logger = logging.getLogger(__name__)
_WARNED: set[str] = set()  # date orders (per column, separator and order) or epoch units said, once a run

#: how far ahead of the machine's clock a streamed row's time may be (clock skew; a local time
#: zone mislabelled as UTC is at most 14 hours) before the row is refused: a device clock saying
#: 2100 would otherwise become a stream's newest time, and every row after it late
FUTURE_LIMIT = pd.Timedelta("1D")


def future_problem(ns: int, value: object, field: str, now: float | None = None) -> str | None:
    """Why a streamed row's time ``ns`` (UTC nanoseconds; ``value`` as given) is refused: more
    than :data:`FUTURE_LIMIT` ahead of ``now`` (epoch seconds; default this machine's clock),
    else ``None``.

    Examples
    --------
    >>> future_problem(4_102_444_800 * 10**9, "2100-01-01", "ts", now=1.7e9)[:50]
    "field 'ts' ('2100-01-01') is more than 1 day ahead"
    >>> future_problem(1_700_000_000 * 10**9, 1_700_000_000, "ts", now=1.7e9) is None
    True
    """
    now = time.time() if now is None else now
    if ns <= int(now * 1e9) + int(FUTURE_LIMIT.value):
        return None
    return (f"field {field!r} ({value!r}) is more than {FUTURE_LIMIT.days} day ahead of this "
            "machine's clock (a device clock gone wrong would make every later row late)")


# a time's UTC offset: Z, +01:00, +0100, or the zone named GMT or UTC (what pandas reads as +00:00);
# not the year of a date that ends the text (16-01-2024, 16-Jan-2024: '-2024' is no offset)
_OFFSET = re.compile(r"(?:Z|(?<=\d)z|(?<!-\d)(?<!-\d\d)(?<!-[A-Za-z]{3})[+-]\d{2}:?\d{2}(?:\s[A-Z]{2,5})?"
                     r"|\s(?:GMT|UTC))$")
# a date that ends in its year after a month's name (16-March-2024, 16-December-2024): no offset
_NAMED_DAY = re.compile(r"\d{1,2}-[A-Za-z]{3,9}-\d{4}$")
_MAX_EPOCH_S = 9.2e9  # pandas' Timestamp range ends in 2262
# 06:55:46, a time of day alone; also on a 12-hour clock (1:00 PM) or with an offset (06:55:46Z)
_CLOCK = (r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d*)?)?(?:\s?[AaPp]\.?[Mm]\.?)?"
          r"(?:\s?(?:[Zz]|[+-]\d{2}(?::?\d{2})?|(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?))?")
# 01/02/2026, 1.2.26, 01-02-2026: day and month in an order the text does not say
_NUMERIC_DATE = r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?:\d{4}|\d{2})(?!\d)"


class TimeRangeError(InputError):
    """A time that reads past pandas' nanosecond range (``detail``: why, without the column and
    row, for one-value callers such as a stream's row)."""

    detail = "read as a time outside 1677-2262, the range times are held in"


class DateOrderError(InputError):
    """A numeric date in the other day/month order than the one it is read in (``detail``: what
    is wrong with the value, without the column and row, for one-value callers)."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail

    def stream_detail(self, own_order: bool) -> str:
        """``detail`` as a stream says it: where a model keeps no date order (``own_order``), the
        order is that of the stream's first such dates, not of the model's training data."""
        if own_order:
            return self.detail.replace("the order of the model's training data",
                                       "the order of the stream's first such dates")
        return self.detail


def _no_missing(s: pd.Series, column: str) -> None:
    """:class:`InputError` naming the first row of ``s`` without a time (null, NaN, empty text)."""
    absent = np.array(s.isna(), dtype=bool)
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        absent = absent | (s.astype("string").str.strip() == "").fillna(True).to_numpy(dtype=bool)
    if absent.any():
        i = int(np.flatnonzero(absent)[0])
        what = "missing" if pd.isna(s.iloc[i]) else "empty"
        raise InputError(f"column {column!r}: row {i + 1} has no time ({what}); every row needs one "
                         f"({int(absent.sum())} row(s) lack it)")


def stripped_text(s: pd.Series) -> pd.Series:
    """``s`` as stripped text (``string`` dtype, missing cells ``<NA>``, its index kept). A cell
    of bytes that are no UTF-8 (a Parquet ``binary`` column) reads with U+FFFD where a byte does
    not decode: no number, no placeholder, no time (``astype("string")`` raised a bare
    ``UnicodeDecodeError`` that named no column); the readers that need its value name the cell.

    Examples
    --------
    >>> stripped_text(pd.Series([b" 1", b"\\xff", None], dtype=object)).str.isdigit().tolist()
    [True, False, <NA>]
    """
    try:
        return s.astype("string").str.strip()
    except UnicodeDecodeError:
        return pd.Series([v.decode("utf-8", "replace") if isinstance(v, bytes | bytearray) else v
                          for v in s.to_numpy(dtype=object)], index=s.index,
                         dtype=object).astype("string").str.strip()


def _text(values: object) -> pd.Series:
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    return stripped_text(s.reset_index(drop=True))


def refuse_undecodable(s: pd.Series, column: str, first_row: int = 0, more: str = "") -> None:
    """:class:`InputError` naming the first cell of ``s`` that holds bytes which are no UTF-8 text
    (a Parquet ``binary`` column), its row (after ``first_row`` rows before ``s``: a chunk of a
    file) and its bytes; ``more``: other advice, after the message's.

    Examples
    --------
    >>> try:
    ...     refuse_undecodable(pd.Series([b"a", b"\\xff"]), "user")
    ... except InputError as exc:
    ...     print(str(exc)[:65])
    column 'user': a cell holds bytes that are no UTF-8 text (b'\\xff'
    """
    for i, v in enumerate(s.to_numpy(dtype=object)):
        if isinstance(v, bytes | bytearray):
            try:
                v.decode()
            except UnicodeDecodeError:
                raise InputError(f"column {column!r}: a cell holds bytes that are no UTF-8 text "
                                 f"({bytes(v[:40])!r}, row {first_row + i + 1}); decode the column "
                                 f"first (e.g. df[{column!r}].str.decode('latin-1')){more}") from None


class _Dates:
    """The numeric dates of a text column, read once per distinct date (a long series repeats
    each day many times; a regular expression over every row would cost seconds a million rows).

    ``day_rows`` / ``month_rows``: the rows whose first / second number is above 12; ``dates``:
    the distinct date texts; ``first_row``, ``sep``: the first row with a date and its separator.
    """

    def __init__(self, text: pd.Series) -> None:
        codes, uniq = pd.factorize(text.str.slice(0, 10))  # a date is at most 10 characters
        parts = pd.Series(uniq, dtype="string").str.extract(f"^(?P<date>{_NUMERIC_DATE})")
        first = pd.to_numeric(parts["a"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        second = pd.to_numeric(parts["b"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)

        def rows(which: np.ndarray) -> np.ndarray:
            return np.flatnonzero(np.isin(codes, np.flatnonzero(which))) if which.any() else which[:0]

        self.day_rows, self.month_rows = rows(first > 12), rows(second > 12)
        dated = rows(~np.isnan(first))
        self.first_row = int(dated[0]) if len(dated) else -1
        self.sep = str(parts["sep"].iloc[codes[self.first_row]]) if len(dated) else ""
        self.dates = pd.Series(parts["date"].dropna().unique(), dtype="string")

    def span(self, dayfirst: bool) -> pd.Timedelta | None:
        """From the first to the last date read in that order (``None``: unreadable)."""
        with quiet_warnings(UserWarning):
            ts = pd.to_datetime(self.dates, errors="coerce", dayfirst=dayfirst)
        lo, hi = ts.min(), ts.max()
        return None if pd.isna(lo) or pd.isna(hi) else pd.Timedelta(hi - lo)


def infer_dayfirst(values: object, column: str) -> bool | None:
    """Whether the dates in ``values`` put the day first (``01/02/2026`` = 1 February), from the
    data: ``None`` when they are not numeric day/month dates (ISO 8601, epoch seconds, names).

    A day above 12 in the first place means day first, in the second month first; a column with
    both is an :class:`InputError` naming one row of each. When no value tells (every day and
    month is 12 or less), the order under which the times span at most half as long as the other
    way wins (data is collected over one stretch: hourly rows from 1 to 8 February read month
    first would spread over 7 months); failing that, dotted dates (``01.02.2026``) are read day
    first, as that form is written, and ``/`` or ``-`` dates month first. Either way a warning
    (once per column and reading: another order, or another separator, is said again)
    says which and why.

    Examples
    --------
    >>> infer_dayfirst(pd.Series(["01/02/2026 10:00", "13/02/2026 10:00"]), "ts")
    True
    >>> infer_dayfirst(pd.Series(["02/01/2026", "02/13/2026"]), "ts")
    False
    >>> infer_dayfirst(pd.Series(["2026-02-13 10:00"]), "ts") is None
    True
    >>> try:
    ...     infer_dayfirst(pd.Series(["13/02/2026", "02/13/2026"]), "ts")
    ... except InputError as exc:
    ...     print(str(exc)[:62])
    column 'ts': row 1 ('13/02/2026') puts the day first but row 2
    """
    text = _date_text(values)
    return None if text is None else _infer_order(text, column)


def decided_dayfirst(values: object, column: str) -> bool | None:
    """The order the data in ``values`` decides, as :func:`infer_dayfirst` finds it (a day or
    month above 12, else the order under which the times span at most half as long), but
    ``None`` where only the written convention would choose (no value and no span tells) or
    they are no numeric dates; an :class:`InputError` naming a row of each where they show both.
    What the data decided is worth keeping for later data; a convention's guess is not.

    Examples
    --------
    >>> hours = [f"{d:02d}/02/2024 {h:02d}:00" for d in (1, 2) for h in range(24)]
    >>> decided_dayfirst(pd.Series(hours), "ts")  # a day either way, a month the other
    True
    >>> decided_dayfirst(pd.Series(["01/02/2026", "13/02/2026"]), "ts")
    True
    >>> decided_dayfirst(pd.Series(["05/02/2024 10:00", "05/02/2024 11:00"]), "ts") is None
    True
    """
    text = _date_text(values)
    if text is None:
        return None
    dates = _Dates(text)
    _refuse_both_orders(dates, text, column)
    if len(dates.day_rows) or len(dates.month_rows):
        return bool(len(dates.day_rows))
    d, m = dates.span(True), dates.span(False)
    return bool(d < m) if d is not None and m is not None and _spans_tell(d, m) else None


def _spans_tell(d: pd.Timedelta, m: pd.Timedelta) -> bool:
    """Whether the spans of the dates read day first (``d``) and month first (``m``) tell the
    order: one at most half the other (one date spans 0 either way)."""
    return bool(d != m and (d * 2 <= m or m * 2 <= d))


def shown_dayfirst(values: object, column: str) -> bool | None:
    """The order the numeric dates in ``values`` plainly show: day first where a day is above 12,
    month first where a month is; ``None`` where none tells (or they are no numeric dates); an
    :class:`InputError` naming a row of each where they show both, as :func:`infer_dayfirst`.

    Examples
    --------
    >>> shown_dayfirst(pd.Series(["01/02/2026", "13/02/2026"]), "ts")
    True
    >>> shown_dayfirst(pd.Series(["01/02/2026"]), "ts") is None
    True
    """
    text = _date_text(values)
    if text is None:
        return None
    dates = _Dates(text)
    _refuse_both_orders(dates, text, column)
    return True if len(dates.day_rows) else False if len(dates.month_rows) else None


def batch_dayfirst(values: object, column: str) -> bool | None:
    """The order to read one batch's numeric dates in, row by row, where the batch as a whole did
    not read (a stream's bad row): :func:`infer_dayfirst`'s, leaving out dates valid in no order
    (``31/13/2026``: both numbers above 12 tell nothing); where the rest show both orders, the
    order more of them show (at a tie, the first row's that shows one), not the written
    convention's guess on a row that shows none. ``None`` where they are no numeric dates.

    Examples
    --------
    >>> batch_dayfirst(pd.Series(["01/02/2026", "31/13/2026", "13/02/2026"]), "ts")
    True
    >>> batch_dayfirst(pd.Series(["01/02/2026", "02/13/2026", "13/02/2026", "14/02/2026"]), "ts")
    True
    >>> batch_dayfirst(pd.Series(["2026-02-13"]), "ts") is None
    True
    """
    told = _told(values)
    if told is None:
        return None
    text, dates, _ = told
    day, month = len(dates.day_rows), len(dates.month_rows)
    if day and month:
        return day > month if day != month else bool(dates.day_rows[0] < dates.month_rows[0])
    if not (len(dates.day_rows) or len(dates.month_rows) or _numeric_dates(text)):
        return None
    return _infer_order(text, column)


def holds_numeric_dates(values: object) -> bool:
    """Whether ``values`` (a column) hold numeric day/month dates (``06/12/2026``) whose order
    matters, as :func:`infer_dayfirst` judges them (its first 100 values): not numbers (epoch
    times), times already, nor ISO 8601 text, which read alike in either order.

    Examples
    --------
    >>> holds_numeric_dates(pd.Series(["06/12/2026 02:10"])), holds_numeric_dates(pd.Series(["2026-12-06"]))
    (True, False)
    """
    return _date_text(values) is not None


def chunk_dayfirst(values: object, column: str) -> bool | None:
    """The one order a chunk's, batch's or request's numeric dates are read in where no model
    keeps one: that of :func:`infer_dayfirst`, leaving out dates valid in no order
    (``31/31/2026``: a bad row, which tells nothing); ``None`` where they are no numeric dates, or
    where the rest show both orders (each time is then read as it reads). What a
    ``--suppress between`` rule and the alerts' times read the flagged rows' dates in.

    Examples
    --------
    >>> chunk_dayfirst(pd.Series(["06/12/2026", "31/31/2026", "13/12/2026"]), "ts")
    True
    >>> chunk_dayfirst(pd.Series(["13/02/2026", "02/13/2026"]), "ts") is None
    True
    >>> chunk_dayfirst(pd.Series(["2026-12-06T02:00:00Z"]), "ts") is None
    True
    """
    told = _told(values, late=True)
    if told is None:
        return None
    text, dates, dropped = told
    if dropped and not text.str.match(_NUMERIC_DATE).fillna(False).any():
        return None
    if len(dates.day_rows) and len(dates.month_rows):
        return None
    return _infer_order(text, column)


def _told(values: object, late: bool = False) -> tuple[pd.Series, _Dates, bool] | None:
    """The numeric day/month dates of ``values`` (a column, as text) that tell an order: those
    valid in no order (``31/13/2026``: both numbers above 12, a bad row) left out; their
    :class:`_Dates`; whether any was left out. ``None`` where the column holds no such dates, or
    none is left. ``late``: dates first met past its first 100 values count too
    (:func:`_late_date_text`)."""
    text = _date_text(values)
    if text is None and late:
        text = _late_date_text(values)
    if text is None:
        return None
    dates = _Dates(text)
    nowhere = np.intersect1d(dates.day_rows, dates.month_rows)
    if not len(nowhere):
        return text, dates, False
    text = text.drop(index=nowhere).reset_index(drop=True)
    return None if text.empty else (text, _Dates(text), True)


def _date_text(values: object) -> pd.Series | None:
    """``values`` as stripped text where they hold numeric day/month dates, else ``None``
    (numbers, epoch seconds, times already, ISO 8601 text)."""
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
        return None  # numbers (epoch seconds) or times already
    if not _numeric_dates(_text(s.iloc[:100])):
        return None
    return _text(s)


def _late_date_text(values: object) -> pd.Series | None:
    """``values`` as stripped text where numeric day/month dates first come past its first 100
    values (ISO times, then another feed's ``13/02/2026`` and ``01/02/2026``), as the time
    columns read them in one order (:func:`read_timestamps`), else ``None``.

    Examples
    --------
    >>> _late_date_text(pd.Series(["2026-02-01T10:00:00"] * 100 + ["13/02/2026 10:00"])).iloc[-1]
    '13/02/2026 10:00'
    >>> _late_date_text(pd.Series(["2026-02-01T10:00:00"] * 101)) is None
    True
    """
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    if len(s) <= 100 or not (s.dtype == object or pd.api.types.is_string_dtype(s)):
        return None
    text = _text(s)
    rest = text.iloc[100:]
    # (a numeric date has its first separator second or third: the pattern only there)
    rest = rest[rest.str.slice(1, 3).str.contains(r"[/.-]").fillna(False).to_numpy(dtype=bool)]
    return text if rest.str.match(_NUMERIC_DATE).fillna(False).any() else None


def _refuse_both_orders(dates: _Dates, text: pd.Series, column: str) -> None:
    """An :class:`InputError` naming a row of each order where the dates show both."""
    day_first, month_first = dates.day_rows, dates.month_rows
    if len(day_first) and len(month_first):
        i, j = int(day_first[0]), int(month_first[0])
        raise InputError(f"column {column!r}: row {i + 1} ({text.iloc[i]!r}) puts the day first but "
                         f"row {j + 1} ({text.iloc[j]!r}) the month; give one date order (ISO 8601, "
                         "YYYY-MM-DD, says it plainly)")


def _numeric_dates(text: pd.Series) -> bool:
    """Whether the first values of ``text`` hold numeric day/month dates."""
    return bool(text.iloc[:100].str.match(_NUMERIC_DATE).fillna(False).any())


def _infer_order(text: pd.Series, column: str) -> bool:
    """:func:`infer_dayfirst` of a column of numeric dates, already text and stripped."""
    dates = _Dates(text)
    _refuse_both_orders(dates, text, column)
    day_first, month_first = dates.day_rows, dates.month_rows
    if len(day_first) or len(month_first):
        return bool(len(day_first))
    k = dates.first_row
    spans = {order: dates.span(order) for order in (True, False)}
    d, m = spans[True], spans[False]
    if d is not None and m is not None and _spans_tell(d, m):
        choice, why = d < m, (f"the times then span {_human(min(d, m))}, the other way "
                              f"{_human(max(d, m))}")
    else:  # the written convention: dotted dates are day first, 01/02/2026 month first in pandas
        choice, why = dates.sep == ".", "as such dates are usually written"
    # said once a column and reading: a chunk, batch or request of the same dates reads them
    # alike, but another file's column of that name may read the other way (a notebook's
    # second data set), which a key of the column alone left unsaid
    said = f"{column}\0{dates.sep}\0{choice}"
    if said not in _WARNED:
        _WARNED.add(said)
        logger.warning("column %r: no day above 12 tells whether %r is day or month first; read %s "
                       "(%s). Write the times as ISO 8601 (YYYY-MM-DD) to be sure", column,
                       text.iloc[k], "day first (DD/MM/YYYY)" if choice else "month first "
                       "(MM/DD/YYYY)", why)
    return bool(choice)


def _human(span: pd.Timedelta) -> str:
    """``span`` in the largest whole unit: 8 days, 5 hours, 30 minutes."""
    for unit, name in (("1D", "day"), ("1h", "hour"), ("1min", "minute")):
        n = int(span // pd.Timedelta(unit))
        if n >= 1:
            return f"{n} {name}{'s' if n > 1 else ''}"
    return f"{span.total_seconds():g} seconds"


def parse_timestamps(values: object, column: str, dayfirst: bool | None = None
                     ) -> pd.DatetimeIndex:
    """The times in ``values`` (a column), or :class:`InputError` naming the first bad row
    (:func:`read_timestamps` without the order).

    Numeric day/month dates (``01/02/2026``) are read in the order ``dayfirst`` gives (a model
    passes the order of its training data), or else in the order :func:`infer_dayfirst` finds.

    Examples
    --------
    >>> parse_timestamps(pd.Series([1_600_000_000, 1_600_000_060]), "ts")[1]
    Timestamp('2020-09-13 12:27:40')
    >>> parse_timestamps(pd.Series(["2020-01-01 00:00:00+01:00", "2020-01-01 00:00:00Z"]), "ts")[0]
    Timestamp('2019-12-31 23:00:00+0000', tz='UTC')
    >>> try:
    ...     parse_timestamps(pd.Series(["2020-01-01 00:00:00+01:00", "2020-01-01 00:00:01"]), "ts")
    ... except InputError as exc:
    ...     print(str(exc)[:60])
    column 'ts': row 2 ('2020-01-01 00:00:01') has no UTC offset
    >>> try:
    ...     parse_timestamps(pd.Series(["2020-01-01 00:00:00", None]), "ts")
    ... except InputError as exc:
    ...     print(exc)
    column 'ts': row 2 has no time (missing); every row needs one (1 row(s) lack it)
    >>> try:
    ...     parse_timestamps(pd.Series(pd.to_datetime(["2020-01-01", None])), "ts")
    ... except InputError as exc:
    ...     print(exc)
    column 'ts': row 2 has no time (missing); every row needs one (1 row(s) lack it)
    >>> parse_timestamps(pd.Series([1_714_521_600_000, 1_714_521_660]), "ts")[0]
    Timestamp('2024-05-01 00:00:00')
    >>> try:
    ...     parse_timestamps(pd.Series(["06:55:46", "06:55:47"]), "Time")
    ... except InputError as exc:
    ...     print(str(exc)[:65])
    column 'Time': row 1 ('06:55:46') is a time of day without a date
    >>> parse_timestamps(pd.Series(["01/02/2026", "13/02/2026"]), "ts")[0]
    Timestamp('2026-02-01 00:00:00')
    >>> try:
    ...     parse_timestamps(pd.Series(["02/13/2026"]), "ts", dayfirst=True)
    ... except InputError as exc:
    ...     print(str(exc).split("; ")[-1])
    dates are read day first (DD/MM/YYYY), the order of the model's training data
    """
    return read_timestamps(values, column, dayfirst)[0]


def read_timestamps(values: object, column: str, dayfirst: bool | None = None
                    ) -> tuple[pd.DatetimeIndex, bool | None]:
    """:func:`parse_timestamps`, and the day/month order its numeric dates were read in
    (``None``: the column holds none): what a model fitted on the column keeps, found in the
    same pass.

    Examples
    --------
    >>> ts, dayfirst = read_timestamps(pd.Series(["01/02/2026", "13/02/2026"]), "ts")
    >>> ts[0], dayfirst
    (Timestamp('2026-02-01 00:00:00'), True)
    >>> read_timestamps(pd.Series(["2026-02-01"]), "ts")[1] is None
    True
    """
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    s = s.reset_index(drop=True)
    try:
        return _read_timestamps(s, column, dayfirst)
    except UnicodeDecodeError:  # a Parquet binary column: pandas decodes its bytes as UTF-8
        refuse_undecodable(s, column)
        raise


def _read_timestamps(s: pd.Series, column: str, dayfirst: bool | None
                     ) -> tuple[pd.DatetimeIndex, bool | None]:
    """:func:`read_timestamps` of the column ``s`` (a fresh index)."""
    _no_missing(s, column)  # also a NaT in a column a reader already typed as times (CSV, Parquet)
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
        ts = pd.DatetimeIndex(s)
        past = _out_of_range(ts)  # a CSV's or Parquet's '3000-05-01T01:40:00', typed as a time
        if past.any():  # (every later step failed with pandas' 'Out of bounds nanosecond timestamp')
            i = int(np.flatnonzero(past)[0])
            raise TimeRangeError(f"column {column!r}: row {i + 1} is not a timestamp "
                                 f"({quoted_cell(ts[i])}: {TimeRangeError.detail})")
        return (ts.tz_convert("UTC") if ts.tz is not None else ts), None
    if pd.api.types.is_complex_dtype(s):  # float64 would drop the imaginary parts unsaid
        raise InputError(f"column {column!r}: holds complex numbers, not times")
    cells = s  # as given, for the errors to quote
    kind = pd.api.types.infer_dtype(s, skipna=True) if s.dtype == object else ""
    if kind in ("integer", "floating", "mixed-integer-float"):  # JSON numbers gathered row by row
        try:  # whole numbers exact (nanoseconds past float64's 2**53)
            s = s.astype(np.int64 if kind == "integer" else np.float64)
        except OverflowError:  # past int64: refused as out of range
            # (a JSON integer of 400 digits: inf, as its text in a CSV file, quoted as such)
            s = cells = wide_ints_as_inf(s)
            s = s.astype(np.float64)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        compact = _compact_dates(s, column)
        if compact is None:
            return _epoch_times(s, cells, column), None
        stray = _compact_strays(s)
        if stray.any():  # (text would read -1 as the year -1, 2026 as its first day)
            i = int(np.flatnonzero(stray)[0])  # (quoted as the text path quotes a typo)
            raise InputError(f"column {column!r}: row {i + 1} is not a timestamp "
                             f"({quoted_cell(compact.iloc[i])})")
        s = compact  # 20260328 as a CSV or JSON number: the date its text is, not 1970's seconds
    text = s.astype("string").str.strip()
    if len(text) and _DOTNET_START.match(str(text.iloc[0])):  # (one look at the first cell: no cost per row)
        return _dotnet_times(text, cells, column), None
    clock = text.iloc[:100].str.fullmatch(_CLOCK).fillna(False).to_numpy(dtype=bool)
    if clock.any():  # pandas would date it today: other days' data would fall on the same one
        _refuse_clock(text, int(np.flatnonzero(clock)[0]), column)
    numeric = _numeric_dates(text)
    head = pd.to_numeric(text.iloc[:100].astype(object), errors="coerce")
    if not numeric and head.notna().any() and not _dates_among(text.iloc[:100], head):
        # epoch times read as text (a CSV column with a '-', JSON strings), before the dates are
        # read row by row; numbers pandas reads as dates (20260328) stay dates, a typo an error
        num = pd.to_numeric(text.astype(object), errors="coerce")
        given = num.notna().to_numpy(dtype=bool)
        if given.mean() >= 0.5:
            if not given.all():
                i = int(np.flatnonzero(~given)[0])
                raise InputError(f"column {column!r}: row {i + 1} is not a timestamp "
                                 f"({quoted_cell(s.iloc[i])}; the column holds epoch times)")
            return _epoch_times(pd.Series(num.to_numpy()), s, column), None  # int64 exact
    while True:
        if numeric and dayfirst is None:
            dayfirst = _infer_order(text, column)
        elif numeric:  # the model's order: pandas would quietly swap a date that does not fit it
            dates = _Dates(text)
            against = dates.month_rows if dayfirst else dates.day_rows
            if len(against):
                i = int(against[0])
                detail = (f"puts the {'month' if dayfirst else 'day'} first; dates are read "
                          f"{'day first (DD/MM/YYYY)' if dayfirst else 'month first (MM/DD/YYYY)'}, "
                          "the order of the model's training data")
                raise DateOrderError(f"column {column!r}: row {i + 1} ({text.iloc[i]!r}) {detail}",
                                     detail)
        order = bool(dayfirst) and numeric  # pandas' dayfirst would also read 2026-02-01 as 2 Jan
        ts = _to_datetime(text, order)
        if numeric or not ts.isna().any():
            break
        # (a numeric date has its first separator second or third: the pattern only there)
        unread = np.flatnonzero(np.asarray(ts.isna()))
        unread = unread[text.iloc[unread].str.slice(1, 3).str.contains(r"[/.-]").fillna(False)
                        .to_numpy(dtype=bool)]
        if not len(unread) or not text.iloc[unread].str.match(_NUMERIC_DATE).fillna(False).any():
            break
        # numeric dates first met past the rows looked at (ISO rows, then another feed's
        # 13/02/2024 and 01/02/2024): read in one order as such a column is, not each row's own
        numeric = True
    if not numeric:
        ts = _year_first_dates(text, ts)
    bad = np.asarray(ts.isna())
    if bad.any() and not numeric and _one_offset_kind(text):
        # pandas reads every row in the first row's layout: ISO 8601 times with and without
        # fractions (Go's RFC3339Nano leaves trailing zeros out: 09:14:07.1234Z, 09:14:08Z) differ
        iso = _to_datetime(text, order, "ISO8601")
        if int(iso.isna().sum()) < int(bad.sum()):
            ts, bad = iso, np.asarray(iso.isna())
        if bad.any():  # other layouts with and without fractions ('... 00:00:51.123 UTC'), row by row
            ts, bad = _mixed_layouts(text, ts, bad)
    elif bad.any() and numeric and _one_offset_kind(text):
        # numeric dates beside ISO 8601 ones (two feeds appended): pandas reads every row in the
        # first row's layout, with the order a numeric date's (2026-02-01 as 2 January); the
        # numeric dates in the column's order, the others without it, each in its own layout
        # (numeric dates with and without seconds: '13/02/2026 00:00:01', '14/02/2026 10:00')
        dated = text.str.match(_NUMERIC_DATE).fillna(False).to_numpy(dtype=bool)
        if not dated.all():
            ts = _to_datetime(text, False)
            bad = np.asarray(ts.isna()) | dated
        ts, bad = _mixed_layouts(text, ts, bad, order)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        good = np.flatnonzero(~bad)
        if len(good) and not pd.isna(text.iloc[i]):
            j = int(good[0])
            has, had = (bool(_OFFSET.search(t) and not _NAMED_DAY.search(t))
                        for t in (str(text.iloc[i]), str(text.iloc[j])))
            one = _to_datetime(text.iloc[i:i + 1], order)  # '--' is no time at all, nor is '-5'
            alone = not one.isna().all() and not _out_of_range(one).any()  # (the year -5 to pandas)
            if has != had and alone:
                raise InputError(
                    f"column {column!r}: row {i + 1} ({text.iloc[i]!r}) has {'a' if has else 'no'} "
                    f"UTC offset but row {j + 1} ({text.iloc[j]!r}) {'has one' if had else 'none'}; "
                    "give every time an offset, or none")
        zone = zone_name_hint(text.iloc[i])
        none = zone if len(good) or len(text) < 2 or zone else \
            f"; no row of the {len(text)} is (is {column!r} the time column?)"
        held = ""
        if len(good):  # a number among times written as text (not among dates written as numbers,
            # 20260228): as 'the column holds epoch times' says text among numbers; read alone
            # (stream, the service), it would be an epoch time
            number = pd.to_numeric(pd.Series([text.iloc[i], text.iloc[good[0]]], dtype=object),
                                   errors="coerce")
            held = "; the column holds date/time text" if number.notna().tolist() == [True, False] else ""
        raise InputError(f"column {column!r}: row {i + 1} is not a timestamp "
                         f"({quoted_cell(s.iloc[i])}{held}){none}")
    naive = ts.tz_convert("UTC").tz_localize(None) if ts.tz is not None else ts
    today = dated_today(text, np.asarray(naive.asi8, dtype=np.float64) / _PER_SECOND[naive.unit])
    if today.any():  # (past the first 100 rows, which are looked at before the read)
        _refuse_clock(text, int(np.flatnonzero(today)[0]), column)
    yearless = np.asarray(ts.year == 1)
    if yearless.any():
        yearless &= ~text.str.contains("0001", regex=False).fillna(False).to_numpy(dtype=bool)
    if yearless.any():  # 'Mar 03 09:14:07' (BSD syslog, CEF's rt): pandas dates it in the year 1
        i = int(np.flatnonzero(yearless)[0])
        raise InputError(f"column {column!r}: row {i + 1} ({text.iloc[i]!r}) has no year; give times "
                         "with the year (pandas would date them in the year 1)")
    if ts.unit != "ns":  # a text read past pandas' nanosecond range ('-1' as the year -1): every
        # later step (windows, buckets, 'as_unit("ns")') failed with a traceback
        past = _out_of_range(ts)
        if past.any():
            i = int(np.flatnonzero(past)[0])
            raise TimeRangeError(f"column {column!r}: row {i + 1} is not a timestamp "
                                 f"({text.iloc[i]!r}: {TimeRangeError.detail})")
    return (ts.tz_convert("UTC") if ts.tz is not None else ts), (bool(dayfirst) if numeric else None)


_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}

#: a .NET date as Windows PowerShell 5.1's ``ConvertTo-Json`` writes a ``[DateTime]``
#: (``Get-WinEvent``'s ``TimeCreated``: ``"\/Date(1796112001317)\/"``, JSON for
#: ``/Date(1796112001317)/``): milliseconds since 1970 UTC; a ``[DateTimeOffset]`` (and WCF's
#: JSON) adds its offset, ``/Date(1796112001317+0100)/``, which the milliseconds already hold
_DOTNET_DATE = r"\\?/Date\((-?\d{1,16})(?:[+-]\d{4})?\)\\?/"
_DOTNET_START = re.compile(r"\\?/Date\(")


def _dotnet_times(text: pd.Series, cells: pd.Series, column: str) -> pd.DatetimeIndex:
    """The .NET dates ``text`` (:data:`_DOTNET_DATE`, no missing one) as times (UTC, naive as
    epoch times are), or :class:`InputError` naming the first row that is none.

    Examples
    --------
    >>> _dotnet_times(pd.Series(["/Date(1796112001317)/", "/Date(1796112001317+0100)/"]),
    ...               pd.Series([]), "TimeCreated").tolist()
    [Timestamp('2026-12-01 08:00:01.317000'), Timestamp('2026-12-01 08:00:01.317000')]
    """
    ms = pd.to_numeric(text.str.extract(f"^{_DOTNET_DATE}$", expand=False), errors="coerce"
                       ).to_numpy(dtype=np.float64, na_value=np.nan)  # (exact: below 2**53)
    bad = ~(np.abs(ms) < _MAX_EPOCH_S * 1000)  # (NaN: no such date)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"column {column!r}: row {i + 1} is not a timestamp "
                         f"({quoted_cell(text.iloc[i])}; the column holds .NET dates, "
                         "/Date(milliseconds)/, as Windows PowerShell's ConvertTo-Json writes them)")
    ns = ms.astype(np.int64) * np.int64(1_000_000)
    return pd.DatetimeIndex(ns.view("datetime64[ns]"))


def _refuse_clock(text: pd.Series, i: int, column: str) -> NoReturn:
    """:class:`InputError` naming row ``i`` of ``text``, a time of day without a date."""
    raise InputError(f"column {column!r}: row {i + 1} ({text.iloc[i]!r}) is a time of day without "
                     "a date; give a column with the date and the time (e.g. join a log's date "
                     "and time fields into one)")


def dated_today(text: pd.Series, secs: np.ndarray) -> np.ndarray:
    """Which rows of ``text`` (read as epoch seconds ``secs``, NaN where unread) are a time of
    day without a date (``06:55:46``, ``1:00 PM``, ``06:55:46Z``), which pandas dates on the day
    of the run: only the rows read within two days of now are looked at (a cheap screen).

    Examples
    --------
    >>> now = time.time()
    >>> dated_today(pd.Series(["06:55:46", "2026-01-01 06:55", "x"]), np.array([now, now, np.nan])).tolist()
    [True, False, False]
    """
    with np.errstate(invalid="ignore"):
        near = np.abs(np.asarray(secs, dtype=np.float64) - time.time()) < 2 * 86400.0
    out = np.zeros(len(text), dtype=bool)
    if near.any():  # (live data is all near: then the text must begin 'H:' or 'HH:' to be looked at)
        rows = np.flatnonzero(near)
        part = stripped_text(text.iloc[rows])
        first = part.str.slice(1, 3).str.contains(":", regex=False).fillna(False).to_numpy(dtype=bool)
        if first.any():
            rows, part = rows[first], part[first]
            out[rows] = part.str.fullmatch(_CLOCK).fillna(False).to_numpy(dtype=bool)
    return out


def _out_of_range(ts: pd.DatetimeIndex) -> np.ndarray:
    """Which times of ``ts`` lie outside pandas' nanosecond range (1677-2262): text such as
    ``3000-01-01`` reads in a coarser unit, but no later step (windows, buckets) can hold it."""
    if ts.unit == "ns":
        return np.zeros(len(ts), dtype=bool)
    naive = ts.tz_convert("UTC").tz_localize(None) if ts.tz is not None else ts
    return np.asarray((naive < pd.Timestamp.min) | (naive > pd.Timestamp.max), dtype=bool)


def past_range(secs: np.ndarray) -> np.ndarray:
    """Which epoch seconds ``secs`` (read from date-time text) lie outside pandas' nanosecond
    range (1677-2262), as :func:`_out_of_range` finds of times: ``3000-01-01`` is no time that
    windows or buckets can hold, however the text reads (NaN is not past it).

    Examples
    --------
    >>> past_range(np.array([1.7e9, 3.25e10, -1.17e10, np.nan])).tolist()
    [False, True, True, False]
    """
    with np.errstate(invalid="ignore"):
        return np.asarray((secs < pd.Timestamp.min.value / 1e9) | (secs > pd.Timestamp.max.value / 1e9),
                          dtype=bool)


_UNIT_NAMES = ("seconds", "milliseconds", "microseconds", "nanoseconds")


# a time of day with a zone's name alone after it, no offset ('2024-03-01 08:00:01.123 CET', as
# PostgreSQL's %m writes log_timezone's abbreviation), at the value's end (in quotes perhaps); UTC
# and GMT read, and AM or PM is no zone
_ZONE_NAME_ONLY = re.compile(r"\d:\d\d(?::\d\d(?:[.,]\d+)?)? ?(?!(?:UTC|GMT|AM|PM)\b)([A-Z]{2,5})"
                             r"(?=['\"]?\)?\s*$)")


def zone_name_hint(value: object) -> str:
    """Why a time such as ``2024-03-01 08:00:01.123 CET`` reads as no time, for the error that
    quotes it: a zone's name alone names no UTC offset (``CST`` is three); ``""`` for another.

    Examples
    --------
    >>> zone_name_hint("2024-03-01 08:00:01.123 CET")[:56]
    "; 'CET' is a time zone's name, which names no UTC offset"
    >>> zone_name_hint("2024-03-01 08:00:01.123 UTC"), zone_name_hint("soon")
    ('', '')
    """
    m = _ZONE_NAME_ONLY.search(str(value))
    if m is None:
        return ""
    return (f"; {m.group(1)!r} is a time zone's name, which names no UTC offset: write the times "
            "in UTC or with their offset, such as +01:00 (PostgreSQL: log_timezone = 'UTC')")


def not_a_timestamp(column: str, place: str | None, x: Any) -> str:
    """Why a row's value ``x`` of the time column ``column`` is refused: one wording for
    ``score`` (as :func:`parse_timestamps` words it), ``stream`` and the service (an ECS alert's
    event time: ``place`` names the row, ``None`` where no row is known); a value past 80
    characters cut short.

    Examples
    --------
    >>> not_a_timestamp("ts", "line 2", "soon")
    "column 'ts': line 2 is not a timestamp ('soon')"
    >>> not_a_timestamp("ts", None, True)
    "column 'ts': true is not a timestamp"
    """
    shown = cut_cell(x, quoted_cell)
    return f"column {column!r}: {shown} is not a timestamp" if place is None else \
        f"column {column!r}: {place} is not a timestamp ({shown})"


def cut_cell(x: Any, shown: Callable[[Any], str] = repr, longest: int = 80) -> str:
    """A cell as an error quotes it (``shown``: ``repr``, or :func:`quoted_cell`), cut short
    when it runs past 80 characters: a text to its first 60, its quote closed, then ``...``,
    so that a 5,000-character cell does not make a 5 KB message (a NumPy number is shown as
    the number).

    Parameters
    ----------
    x
        The cell's value.
    shown
        How a value is quoted.
    longest
        The longest quoted value kept whole (a Spark error's kept ids: 62, a text of 60).

    Returns
    -------
    str
        The quoted value, at most 80 characters (plus ``...`` for a cut one).

    Examples
    --------
    >>> cut_cell("abc"), cut_cell(np.int64(8)), cut_cell("x" * 5000)[-6:], len(cut_cell("x" * 5000))
    ("'abc'", '8', "xx'...", 65)
    """
    x = x.item() if isinstance(x, np.generic) else x
    text = shown(x)
    if len(text) <= longest:
        return text
    if isinstance(x, str):  # (cut only where it is cut: a short text of many escapes is whole)
        return text if len(x) <= 60 else f"{shown(x[:60])}..."
    return f"{text[:60]}..."


def quoted_cell(x: Any) -> str:
    """A cell as an error quotes it: as the user wrote it, a boolean as JSON's ``true``/``false``
    (not ``np.True_``), a number plain (not ``np.int64(...)``), text quoted.

    Examples
    --------
    >>> quoted_cell(np.True_), quoted_cell(False), quoted_cell(np.int64(7)), quoted_cell("x")
    ('true', 'false', '7', "'x'")
    """
    x = x.item() if isinstance(x, np.generic) else x
    if isinstance(x, dt.datetime):  # a time a reader typed: as the file writes it
        return repr(cell_text(x))
    return ("true" if x else "false") if isinstance(x, bool) else repr(x)


def cell_text(x: Any) -> str:
    """A cell's text as the file has it: a time a reader typed (a CSV's or a Parquet's) in ISO
    8601, the form such readers read (``9999-12-31T23:59:59``, not pandas' ``9999-12-31
    23:59:59``), anything else as ``str`` gives it.

    Examples
    --------
    >>> cell_text(pd.Timestamp("9999-12-31T23:59:59")), cell_text(pd.Timestamp("2026-03-29", tz="UTC"))
    ('9999-12-31T23:59:59', '2026-03-29T00:00:00+00:00')
    >>> cell_text(5), cell_text(pd.NaT)
    ('5', 'NaT')
    """
    return x.isoformat() if isinstance(x, dt.datetime) else str(x)


def _epoch_times(s: pd.Series, cells: pd.Series, column: str) -> pd.DatetimeIndex:
    """The epoch times ``s`` (numbers, no missing one), or :class:`InputError` quoting the cell
    of ``cells`` (the column as given: ``'99999999999999999999'``, not ``1e+20``) out of range.
    Julian dates (:func:`_julian_dates`) are read as the days they are."""
    if (days := _julian_dates(s)) is not None:
        return days
    v = epoch_seconds(s.to_numpy(dtype=np.float64, na_value=np.nan), column)
    bad = ~(np.abs(v) < _MAX_EPOCH_S)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        x = quoted_cell(cells.iloc[i])  # 1714521600000, not np.int64(...)
        raise InputError(f"column {column!r}: row {i + 1} is not a timestamp ({x}; numbers "
                         "are read as epoch seconds, milliseconds, microseconds or nanoseconds "
                         "by their size, up to the year 2262)")
    return pd.DatetimeIndex(_epoch_ns(s).view("datetime64[ns]"))


def _julian_dates(s: pd.Series) -> pd.DatetimeIndex | None:
    """The numbers ``s`` (no missing one) as the days they name where every one is a julian date
    as z/OS writes one, the year and the day of the year (``2024061``, 1 March 2024: SMF records'
    dates, RACF's and IBM i's unloads), seven digits from the year 1900 to 2099; else ``None``.
    Read as epoch seconds, a month of such dates fell within one hour of 24 January 1970, a
    second a day. Epoch seconds of seven digits (the first 115 days of 1970, a relative clock)
    whose last three digits all lie within a year's days stay ambiguous and are read as dates.

    Examples
    --------
    >>> _julian_dates(pd.Series([2024061, 2024366])).strftime("%Y-%m-%d").tolist()
    ['2024-03-01', '2024-12-31']
    >>> _julian_dates(pd.Series([2023365, 2023366])) is None  # 2023 had 365 days
    True
    >>> _julian_dates(pd.Series([2024061, 2024061.5])) is None  # no whole number: seconds
    True
    """
    if not len(s) or not 1_900_001 <= float(s.iloc[0]) <= 2_099_366:  # (epoch times: one look)
        return None
    v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    if not ((v >= 1_900_001) & (v <= 2_099_366)).all() or not (v == np.round(v)).all():
        return None
    whole = v.astype(np.int64)
    year, day = whole // 1000, whole % 1000
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    if not ((day >= 1) & (day <= 365 + leap)).all():
        return None
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return pd.DatetimeIndex((start + (day - 1)).astype("datetime64[ns]"))


def _unit_level(size: np.ndarray) -> np.ndarray:
    """Each epoch time's unit, by its size (``abs``): 0 seconds (below 1e11), 1 milliseconds
    (below 1e14), 2 microseconds (below 1e17), 3 nanoseconds; exact for integers and floats."""
    return (size >= 10**11).astype(np.int64) + (size >= 10**14) + (size >= 10**17)


def _epoch_ns(s: pd.Series) -> np.ndarray:
    """Nanoseconds since 1970 of the epoch times ``s`` (numbers, each in the unit its size
    gives, all in pandas' range): whole numbers exactly, others to the
    microsecond, the most a float64 epoch time holds. Going through float seconds made the
    milliseconds 1714521600123 ``.122999907``, an ECS ``@timestamp`` of ``.122Z``.

    Examples
    --------
    >>> _epoch_ns(pd.Series([1714521600123])).tolist()
    [1714521600123000000]
    >>> _epoch_ns(pd.Series([1714521600.123])).tolist()
    [1714521600123000000]
    """
    if pd.api.types.is_integer_dtype(s.dtype):  # exact: int64 holds every in-range nanosecond
        raw = s.to_numpy(dtype=np.int64)
        return raw * np.power(np.int64(1000), 3 - _unit_level(np.abs(raw)))
    raw = s.to_numpy(dtype=np.float64, na_value=np.nan)
    level = _unit_level(np.abs(raw))
    micro = np.where(level < 3, raw * np.power(1000.0, 2 - np.minimum(level, 2)), raw / 1000.0)
    return np.round(micro).astype(np.int64) * 1000


def epoch_seconds(values: np.ndarray, column: str, *, warn: bool = True) -> np.ndarray:
    """Epoch times written in seconds, milliseconds, microseconds or nanoseconds, as seconds:
    each value in the unit its size gives (below 1e11 seconds, below 1e14 milliseconds, below
    1e17 microseconds, else nanoseconds; 1e11 of each unit is the year 5138 of the one before).

    A column that mixes units is read value by value, with a warning (once per column and mix
    of units; none with ``warn`` false, where the caller says it: see :func:`mixed_units`)
    naming a row of each unit: one feed's milliseconds appended to another's seconds.

    Examples
    --------
    >>> epoch_seconds(np.array([1.7e9, 1.7e12, 1.7e15, 1.7e18]), "ts").tolist()
    [1700000000.0, 1700000000.0, 1700000000.0, 1700000000.0]
    """
    v = np.asarray(values, dtype=np.float64)
    size = np.abs(v)
    level = _unit_level(size)
    if not level.any():
        return v
    out = v / np.power(1000.0, level)
    used = np.unique(level[np.isfinite(v)])
    readable = bool((np.abs(out) < _MAX_EPOCH_S).all())  # else the caller's error says it all
    said = f"{column}\0units\0{used.tolist()}"  # once a column and mix: another file's other mix too
    if warn and len(used) > 1 and readable and said not in _WARNED:
        _WARNED.add(said)
        first = sorted((int(np.flatnonzero(level == k)[0]), int(k)) for k in used)
        rows = ", ".join(f"row {i + 1} in {_UNIT_NAMES[k]}" for i, k in first)
        logger.warning("column %r mixes epoch units (%s); each value is read in the unit its "
                       "size gives", column, rows)
    return out


def mixed_units(values: np.ndarray) -> list[tuple[int, str]]:
    """Where epoch times ``values`` mix units (as :func:`epoch_seconds` reads them): the first
    index of each unit used, with its name; empty where one unit is used. Values that are no
    time (NaN, past pandas' range in their unit) are left aside.

    Examples
    --------
    >>> mixed_units(np.array([np.nan, 1.7e9, 1.7e12, 1.7e9])), mixed_units(np.array([1.7e12]))
    ([(1, 'seconds'), (2, 'milliseconds')], [])
    """
    v = np.asarray(values, dtype=np.float64)
    size = np.abs(v)
    level = _unit_level(size)
    if np.count_nonzero(np.bincount(level[~np.isnan(v)], minlength=4)) < 2:  # (fast: most logs)
        return []
    with np.errstate(invalid="ignore"):
        timed = size / np.power(1000.0, level) < _MAX_EPOCH_S
    used = np.unique(level[timed])
    if len(used) < 2:
        return []
    first = sorted((int(np.flatnonzero(timed & (level == k))[0]), int(k)) for k in used)
    return [(i, _UNIT_NAMES[k]) for i, k in first]


def unreadable_times(values: object, column: str, dayfirst: bool | None = None) -> np.ndarray:
    """Which rows of ``values`` (a column) hold no readable time: missing or empty, text no
    form reads or reads outside pandas' range (1677-2262: ``3000-01-01``, which
    :func:`read_timestamps` refuses; not a date without a year, which it refuses as such), a
    number past that range in every epoch unit. What
    ``--on-bad-rows skip`` leaves out; the rest is read by :func:`read_timestamps`, whose
    column-wide checks (times with and without an offset, dates without a year) still apply.

    Examples
    --------
    >>> unreadable_times(pd.Series(["2026-03-29T01:00:00Z", "soon", None]), "ts").tolist()
    [False, True, True]
    >>> unreadable_times(pd.Series(["1774656051", "x", "1774656051000"]), "ts").tolist()
    [False, True, False]
    """
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    s = s.reset_index(drop=True)
    absent = np.array(s.isna(), dtype=bool)
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
        return absent | _out_of_range(pd.DatetimeIndex(s))  # (a typed '3000-01-01': no time)
    compact = _compact_dates(s, column) if pd.api.types.is_numeric_dtype(s) else None
    if compact is not None:
        absent |= _compact_strays(s)  # (0, -1 as text: the years 0 and -1)
    if compact is None and pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        num = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        text = _text(s if compact is None else compact)  # (bytes that are no UTF-8: unreadable)
        absent |= (text == "").fillna(True).to_numpy(dtype=bool)
        coerced = pd.to_numeric(text, errors="coerce")
        given = coerced.notna().to_numpy(dtype=bool)
        # date-time text, compact dates (20260328) among it, as read_timestamps reads them; else
        # epoch times read as text
        if given.mean() < 0.5 or _dates_among(text, coerced):
            order = bool(dayfirst) and _numeric_dates(text)
            ts = _to_datetime(text, order)
            bad = np.asarray(ts.isna())
            if bad.any():
                iso = _to_datetime(text, order, "ISO8601")
                if int(iso.isna().sum()) < int(bad.sum()):
                    ts, bad = iso, np.asarray(iso.isna())
            if bad.any() and (~bad).any():
                ts, bad = _mixed_layouts(text, ts, bad, order)
            far = _out_of_range(ts)
            if far.any():  # a date without a year ('Mar 03 09:14:07', read in the year 1) is kept:
                # read_timestamps refuses it as such ('has no year'), not as no time at all
                far &= ~(np.asarray(ts.year == 1) & ~text.str.contains("0001", regex=False)
                         .fillna(False).to_numpy(dtype=bool))
            return absent | bad | far
        num = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return absent | ~(np.abs(epoch_seconds(num, column)) < _MAX_EPOCH_S)


_COMPACT = r"\d{8}(?:\d{4}(?:\d{2})?)?"  # 20260328, 202603281200, 20260328120000


def _compact_dates(s: pd.Series, column: str | None = None) -> pd.Series | None:
    """The numbers ``s`` as text where they are compact dates (``20260328``, ``202603281200``,
    ``20260328120000``: of the values from ``1e7`` up among the first 100, most of those present,
    nine in ten whole numbers of 8, 12 or 14 digits that pandas reads as dates, each at its own
    length; or no more than half of those present, then every one such a date and every other
    value a placeholder, ``0`` or ``-1``: a file of two rows, ``20260329`` and ``0``), else
    ``None`` (epoch times).
    A CSV reader types such a column as numbers: read as epoch seconds, 60 days of
    ``20260101`` ... became 200 seconds of 1970, where the same dates written as JSON strings were
    read as dates. A value that is no date, wherever it is, is an error naming its row (or a row
    skipped): a mistyped ``20260230`` the text path's, a placeholder (``0``, ``-1``) one that
    :func:`_compact_strays` finds; a missing one stays missing. Given the ``column``'s name,
    a column read as epoch times where a compact date beside them would lie decades away is an
    error (:func:`_dates_beside_epoch`).

    Examples
    --------
    >>> _compact_dates(pd.Series([20260328, 20260329])).tolist()
    ['20260328', '20260329']
    >>> _compact_dates(pd.Series([20260328.0] * 100 + [20260329.5])).tolist()[99:]
    ['20260328', '20260329.5']
    >>> _compact_dates(pd.Series([0.0, np.nan] + [20260328.0] * 20)).tolist()[:3]  # a placeholder
    ['0', 'nan', '20260328']
    >>> _compact_dates(pd.Series([20260328] * 8 + [0])) is None  # a short column, one placeholder
    False
    >>> _compact_dates(pd.Series([20260328, 0])).tolist()  # as many placeholders as dates
    ['20260328', '0']
    >>> _compact_dates(pd.Series([20260328, 60])) is None  # 60: no placeholder
    True
    >>> _compact_dates(pd.Series([1_700_000_000, 1_700_000_060])) is None  # epoch seconds
    True
    >>> _compact_dates(pd.Series([20260101, 20260132])) is None  # a counter, 20260132 no date
    True
    """
    if pd.api.types.is_bool_dtype(s) or not len(s):
        return None
    # (no work on the rest yet: epoch times, every batch of a stream, stop at the sizes)
    head = np.asarray((s.to_numpy() if isinstance(s.dtype, np.dtype) else
                       s.iloc[:100].to_numpy(dtype=np.float64, na_value=np.nan))[:100], dtype=np.float64)
    present = head[~np.isnan(head)]
    head = head[head >= 1e7]  # (placeholders, 0 or -1, are neither dates nor such epoch times)
    sized = _compact_sized(head)
    # no majority of dates (a file of two rows, 20260329 and 0): dates only if every other value
    # is a placeholder and every date reads (relative seconds, 0 and 60, stay epoch times)
    few = 2 * len(head) <= len(present)
    need = len(head) if few else 0.9 * len(head)
    if not len(head) or np.count_nonzero(sized) < need:
        if column is not None and sized.any() and not sized.all():
            _dates_beside_epoch(s, column)
        return None
    if few and not np.isin(present[present < 1e7], (0, -1)).all():
        return None
    words = pd.Series(head[sized].astype(np.int64).astype(str), dtype="string")
    if np.count_nonzero(_read_in_range(words)) < need:
        return None  # (a date mistyped among them, 20260230, is named by the text path's error;
        # epoch milliseconds before 2001-09-09 have 12 digits, 978307200000 no date of the year 9783)
    v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(v) & (v == np.round(v)) & (np.abs(v) < 2**53)
    text = np.where(whole, np.where(whole, v, 0).astype(np.int64).astype(str), v.astype(str))
    seconds = (v >= 1e13) & (v < 1e14)
    if (seconds & ~whole).any():  # Salesforce's 20240301080000.123, as near as its float holds
        # it: to the millisecond it writes (the float's shortest text, .12, lost 3 ms of .123)
        text[seconds] = np.char.mod("%.3f", v[seconds])
    return pd.Series(text, dtype=object)


def _dates_beside_epoch(s: pd.Series, column: str) -> None:
    """Refuse the numbers ``s`` (a column :func:`_compact_dates` reads as epoch times) where
    one of its first 100 is a compact date (``20260329``) beside an epoch time
    (``1774656051``) that it would lie decades from if read as an epoch time too (in the unit
    its size gives), and near if read as the date: one feed's dates appended to another's
    times. Read as epoch seconds, ``20260329`` landed in 1970 beside a 2026 time without a word.

    Examples
    --------
    >>> _dates_beside_epoch(pd.Series([20260329] * 3 + [1774656051]), "ts")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: column 'ts': row 1 (20260329) reads as the date 2026-03-29 but \
row 4 (1774656051) as an epoch time (2026-03-28 00:00:51); read as an epoch time too, row 1 would \
be 1970-08-23 11:52:09, decades away; give every time in one form
    >>> _dates_beside_epoch(pd.Series([20000000, 150000000]), "ts")  # a clock from 0: years apart
    """
    first = s.iloc[:100].to_numpy(dtype=np.float64, na_value=np.nan)
    big = np.flatnonzero(first >= 1e7)
    sized = _compact_sized(first[big])
    dates, others = big[sized], big[~sized]
    if not len(dates) or not len(others):
        return
    words = pd.Series(first[dates].astype(np.int64).astype(str), dtype="string")
    ok = _read_in_range(words)
    if not ok.any():
        return
    k = int(np.flatnonzero(ok)[0])
    i, j = int(dates[k]), int(others[0])
    date = _to_datetime(words.iloc[k:k + 1], False)[0]
    if date.tz is not None:
        date = date.tz_convert("UTC").tz_localize(None)
    other, mine = epoch_seconds(first[[j, i]], column, warn=False).tolist()
    if not (abs(other) < _MAX_EPOCH_S and abs(mine) < _MAX_EPOCH_S):  # (no time: said as such later)
        return
    as_epoch = abs(mine - other)
    as_date = abs((date - pd.Timestamp(0)).total_seconds() - other)
    if as_epoch >= 20 * 365.25 * 86400 and as_date < as_epoch / 10:
        there = pd.Timestamp(other, unit="s")
        raise InputError(
            f"column {column!r}: row {i + 1} ({words.iloc[k]}) reads as the date {date:%Y-%m-%d} "
            f"but row {j + 1} ({quoted_cell(s.iloc[j])}) as an epoch time ({there}); read as an "
            f"epoch time too, row {i + 1} would be {pd.Timestamp(mine, unit='s')}, decades away; "
            "give every time in one form")


def _compact_sized(v: np.ndarray) -> np.ndarray:
    """Whether each number of ``v`` is a whole number of 8, 12 or 14 digits (``20260328``), or
    one of 14 digits and a fraction of a second (Salesforce's ``20240301080000.123``, its
    milliseconds as near as a float holds them, within 2 ms)."""
    with np.errstate(invalid="ignore"):
        return ((((v >= 1e7) & (v < 1e8)) | ((v >= 1e11) & (v < 1e12))) & (v == np.round(v))
                | ((v >= 1e13) & (v < 1e14)))


def _compact_strays(s: pd.Series) -> np.ndarray:
    """Whether each value of ``s``, numbers :func:`_compact_dates` takes for compact dates, is
    present but no 8-, 12- or 14-digit whole number: a placeholder (``0``, ``-1``, ``2026``) that
    the text path would read as the year 0, -1 or 2026, not an error or a row skipped.

    Examples
    --------
    >>> _compact_strays(pd.Series([20260328, -1, 2026, np.nan, 202603281200])).tolist()
    [False, True, True, False, False]
    """
    v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    return ~np.isnan(v) & ~_compact_sized(v)


def _dates_among(text: pd.Series, num: pd.Series) -> bool:
    """Whether the first 100 numbers ``num`` of ``text`` (its cells as numbers) are dates, not
    epoch times: pandas reads every one as a date (years, 2024), or one of the compact dates
    among them (``20260328``, ``202603281200``). Not one that merely reads (pandas takes ``1020``,
    relative seconds, for a year); negative ones are left out (``-1``: the year -1 to pandas, an
    epoch time before 1970 here).

    Examples
    --------
    >>> t = pd.Series(["0", "60", "1020", "1080"])
    >>> _dates_among(t, pd.to_numeric(t)), _dates_among(pd.Series(["20260328"]), pd.Series([20260328]))
    (False, True)
    """
    ahead = (num >= 0).fillna(False).to_numpy(dtype=bool)
    head = text[ahead].iloc[:100]
    if not len(head):
        return False
    read = _read_in_range(head)
    compact = head.str.fullmatch(_COMPACT).fillna(False).to_numpy(dtype=bool)
    return bool(read.all() or (read & compact).any())


def _read_in_range(text: pd.Series) -> np.ndarray:
    """Which cells of ``text`` pandas reads as a date within its nanosecond range (1677-2262):
    ``978307200000``, epoch milliseconds of 2001, reads as the year 9783, no date it could hold.

    Examples
    --------
    >>> _read_in_range(pd.Series(["20260328", "978307200000", "x"], dtype="string")).tolist()
    [True, False, False]
    """
    ts = _to_datetime(text, False)
    return np.asarray(ts.notna(), dtype=bool) & ~_out_of_range(ts)


def _mixed_layouts(text: pd.Series, ts: pd.DatetimeIndex, bad: np.ndarray, dayfirst: bool = False
                   ) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """``ts`` with its unread rows (``bad``) read each in its own layout (pandas' ``mixed``, only
    for those rows: it parses value by value), when they come out alike aware or naive; numeric
    day/month dates among them (``01/02/2026``) in the order ``dayfirst``, the others without it
    (pandas' ``dayfirst`` would also read an ISO ``2026-02-01`` as 2 January)."""
    rows = np.flatnonzero(bad)
    part = text.iloc[rows]
    numeric = part.str.match(_NUMERIC_DATE).fillna(False).to_numpy(dtype=bool) if dayfirst \
        else np.zeros(len(rows), dtype=bool)
    utc = ts.tz is not None
    with quiet_warnings(UserWarning):
        try:
            read = pd.Series(pd.NaT, index=part.index, dtype="datetime64[us, UTC]" if utc
                             else "datetime64[us]")
            for which, order in ((~numeric, False), (numeric, True)):
                if which.any():
                    got = text_to_datetime(part[which], format="mixed", utc=utc, dayfirst=order)
                    if (getattr(got.dt, "tz", None) is None) == utc and got.notna().any():
                        return ts, bad  # aware beside naive: the caller names the offsets
                    read[which] = got.dt.as_unit("us")
            rest = pd.DatetimeIndex(read)
        except (ValueError, TypeError, AttributeError):
            return ts, bad
    if (rest.tz is None) != (ts.tz is None) or rest.isna().all():
        return ts, bad
    try:
        out = pd.Series(ts.as_unit("ns"))
        out.iloc[rows] = rest.as_unit("ns")
    except pd.errors.OutOfBoundsDatetime:  # (3000-01-01: the caller names the row past the range)
        out = pd.Series(ts.as_unit("us"))
        out.iloc[rows] = rest.as_unit("us")
    merged = pd.DatetimeIndex(out)
    return merged, np.asarray(merged.isna())


def _one_offset_kind(text: pd.Series) -> bool:
    """Whether every time of ``text`` has a UTC offset, or none has."""
    has = (text.str.contains(_OFFSET) & ~text.str.contains(_NAMED_DAY)).fillna(False)
    return bool(has.all() or not has.any())


# a leap second's clock (23:59:60, 00:59:60+01:00): the seconds field 60 after hours and minutes
_LEAP = re.compile(r"(?<=\d:[0-5]\d):60(?=$|[.,]\d|[\sZz+-])")


# a zone's name after a numeric offset, as Go's time.String() writes it ('+0200 CEST', '+0000 UTC'),
# with the monotonic clock's reading after it where the time came from time.Now() ('m=+0.000123'):
# the offset names the instant, the name and the reading (which pandas does not read) say nothing more
# (_NAMED_OFFSET: the same, to look for)
_NAME_AFTER_OFFSET = re.compile(r"(?<=\d)(\s?[+-]\d{2}:?\d{2})\s+[A-Z]{2,5}(?:\s+m=[+-]\d+(?:\.\d+)?)?$")
_NAMED_OFFSET = re.compile(r"(?<=\d)\s?[+-]\d{2}:?\d{2}\s+[A-Z]{2,5}(?:\s+m=[+-]\d+(?:\.\d+)?)?$")
# a zone's IANA name in brackets after the offset, as Java's ZonedDateTime.toString() and RFC 9557
# write it ('2024-03-31T03:30+02:00[Europe/Berlin]', '...Z[UTC]'; a fixed zone's ID is its offset
# after GMT or UTC: '...+02:00[GMT+02:00]', '...+01:00[Etc/GMT-1]'): the offset names the instant
_BRACKETED_ZONE = re.compile(r"(?<=\d)([+-]\d{2}:?\d{2}|[zZ])\[[A-Za-z][\w+/:-]*\]$")
_BRACKETED = re.compile(r"(?<=\d)(?:[+-]\d{2}:?\d{2}|[zZ])\[[A-Za-z][\w+/:-]*\]$")  # (to look for)
#: the ``@`` between a date and its time in Kibana's date format (``dateFormat``, ``MMM D, YYYY @
#: HH:mm:ss.SSS``), as its CSV reports (Discover's "Generate CSV") write every date field
_KIBANA_AT = re.compile(r"^([A-Za-z]{3,9}\.? \d{1,2}, \d{4}) @ (?=\d)")
_KIBANA = re.compile(r"^[A-Za-z]{3,9}\.? \d{1,2}, \d{4} @ \d")  # (to look for)


# Oracle's default timestamp layout (NLS_TIMESTAMP_FORMAT 'DD-MON-RR HH.MI.SSXFF AM'), as SQL*Plus,
# SQL Developer and a CSV export of the unified audit trail write EVENT_TIMESTAMP ('01-MAR-24
# 08.00.04.475912 AM'; a TIMESTAMP WITH TIME ZONE's offset after it, '... AM +01:00'): its clock
# parted by full stops, which pandas reads as no time (read with colons, the same text is)
_ORACLE_CLOCK = re.compile(r"^(\s*\d{1,2}-[A-Za-z]{3}-\d{2}(?:\d{2})? \d{1,2})\.(\d\d)\.(\d\d)"
                           r"(?=[.,]\d|\s|$)")
# (the same, to look for: no groups)
_ORACLE = re.compile(r"^\s*\d{1,2}-[A-Za-z]{3}-\d{2}(?:\d{2})? \d{1,2}\.\d\d\.\d\d(?=[.,]\d|\s|$)")
# IBM Db2's and IBM i's timestamp, '2024-03-01-08.00.00.123456' (the date, a hyphen, its clock
# parted by full stops), as IBM i's audit journal's JOTSTP (DSPJRN OUTPUT(*OUTFILE)) and a Db2
# for z/OS or IBM i table's TIMESTAMP column exported to CSV write it: read with a space and colons
_DB2_CLOCK = re.compile(r"^(\s*\d{4}-\d{2}-\d{2})-(\d{2})\.(\d{2})\.(\d{2})(?=[.,]\d|\s|$)")
_DB2 = re.compile(r"^\s*\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2}(?=[.,]\d|\s|$)")  # (to look for: no groups)
# the common log format's layout with the month as a number, '26/09/2023:10:15:42 +0200', as
# Proxmox VE's pveproxy and pvedaemon write their access log (strftime '%d/%m/%Y:%H:%M:%S %z'):
# its date, read in the caller's day/month order, and the colon after it
_NUMERIC_CLF_DATE = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4}):(?=\d\d?:\d\d)")
_NUMERIC_CLF = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}:\d\d?:\d\d")  # (to look for: no groups)

# a compact date and time with a fraction of a second, Salesforce's event log files' TIMESTAMP
# ('20240301080000.123'): the date and the time it writes (pandas read no time in it); one of
# them without its fraction ('20240301080000', as a CSV reader's float writes '.000') too
_COMPACT_FRACTION = re.compile(r"^\s*(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\.\d{1,9})?\s*$")


def _upper_offset(match: re.Match[str]) -> str:
    """The offset of a :data:`_BRACKETED_ZONE` match without its bracketed name, a lowercase
    ``z`` (RFC 3339 allows it) as ``Z``, which pandas reads as UTC."""
    return match.group(1).upper()

# an offset after the zone name GMT or UTC: 'GMT+02:00', 'UTC+2', 'GMT-0530' (not a bracketed
# zone's ID, which the offset before it tells, nor POSIX's 'Etc/GMT-1', an hour ahead of UTC)
_ZONE_OFFSET = re.compile(r"(?<![A-Za-z\[/])(?:GMT|UTC)\s?(?P<sign>[+-])(?P<h>\d{1,2})"
                          r"(?::?(?P<m>\d{2}))?(?!\d)")

_ZONE_SIGN = re.compile(r"(?<![A-Za-z\[/])(?:GMT|UTC)\s?[+-]\d")  # (the same, to look for: no groups)


def _plain_offset(match: re.Match[str]) -> str:
    """A :data:`_ZONE_OFFSET` match as the plain offset it names (``GMT+2``: ``+02:00``)."""
    return f"{match['sign']}{int(match['h']):02d}:{match['m'] or '00'}"


# the date of web servers' and proxies' common log format (10/Oct/2000:13:55:36 -0700: nginx's
# $time_local, Apache's %t) and the colon after it, which pandas reads as no time at all
CLF_DATE = re.compile(r"(\d{1,2}/[A-Za-z]{3}/\d{4}):(?=\d)")
#: such a time at a value's start, in the brackets Apache's %t writes around it
#: ([10/Oct/2000:13:55:36 -0700]) or not
_CLF_START = re.compile(r"\[?\d{1,2}/[A-Za-z]{3}/\d{4}:\d")
#: the brackets around a whole such time: Apache's %t in a JSON LogFormat ("time": "%t")
_CLF_BRACKETS = re.compile(r"^\[(\d{1,2}/[A-Za-z]{3}/\d{4}:\d[^\]]*)\]$")


def text_to_datetime(values: pd.Series, **kwargs: object) -> pd.Series:
    """:func:`pandas.to_datetime` of ``values`` (``errors="coerce"``; ``kwargs`` passed on), with
    two of its readings of text made the one a log means:

    - a leap second (``2016-12-31T23:59:60Z``) is the second after ``23:59:59``, as POSIX time
      counts it (pandas read ``23:59:60`` as no time when it was the first row, which fixes the
      layout, or had an offset, else as the next second: refused or read by its place);
    - an offset after ``GMT`` or ``UTC`` (``GMT+02:00``, ``UTC+2``, Java's ``Date.toString()``
      ``Mon Jun 01 00:00:00 GMT+02:00 2026``) is the offset it reads as, two hours ahead of
      UTC (pandas took ``UTC+2`` and a ``GMT+02:00`` before the year for two hours behind, POSIX
      zone names' sign: the time four hours off, where ``GMT+02:00`` at the end was right);
    - RFC 3339's lowercase ``z`` (``2026-01-01t00:00:00z``) is UTC, as ``Z`` is (pandas read it
      as no offset: a column of both was refused as mixing times with and without one);
    - web servers' common log format, ``10/Oct/2000:13:55:36 -0700`` (nginx's ``$time_local``;
      Apache's ``%t``, ``[10/Oct/2000:13:55:36 -0700]``, in brackets), is the time it writes
      (pandas read no time at all in it: a table column of them was refused as holding no
      timestamp, where a log's header read them);
    - Kibana's date format, ``Mar 1, 2024 @ 08:00:00.000`` (its CSV reports), is that date and
      time (pandas read none);
    - Oracle's default timestamp layout, ``01-MAR-24 08.00.04.475912 AM`` (the unified audit
      trail's ``EVENT_TIMESTAMP`` as SQL*Plus and SQL Developer export it), is the time it
      writes, its clock parted by full stops read as one parted by colons (pandas read no time).
    - the common log format with the month as a number, ``26/09/2023:10:15:42 +0200`` (Proxmox
      VE's pveproxy access log), is that date, in the day/month order the caller reads, and time
      (pandas read no time at all in it).
    - a compact date and time with a fraction of a second, ``20240301080000.123`` (Salesforce's
      event log files' ``TIMESTAMP``), is that date and time (pandas read no time at all in it).

    Examples
    --------
    >>> text_to_datetime(pd.Series(["2016-12-31T23:59:60Z"]), utc=True).tolist()
    [Timestamp('2017-01-01 00:00:00+0000', tz='UTC')]
    >>> text_to_datetime(pd.Series(["2016-12-31 23:59:60.5"])).tolist()
    [Timestamp('2017-01-01 00:00:00.500000')]
    >>> text_to_datetime(pd.Series(["Mon Jun 01 00:00:00 GMT+02:00 2026"]), utc=True).tolist()
    [Timestamp('2026-05-31 22:00:00+0000', tz='UTC')]
    >>> text_to_datetime(pd.Series(["10/Oct/2000:13:55:36 -0700"]), utc=True).tolist()
    [Timestamp('2000-10-10 20:55:36+0000', tz='UTC')]
    >>> text_to_datetime(pd.Series(["[10/Oct/2000:13:55:36 -0700]"]), utc=True).tolist()
    [Timestamp('2000-10-10 20:55:36+0000', tz='UTC')]
    >>> text_to_datetime(pd.Series(["Mar 1, 2024 @ 20:00:00.123"])).tolist()
    [Timestamp('2024-03-01 20:00:00.123000')]
    >>> text_to_datetime(pd.Series(["01-MAR-24 08.00.04.475912 PM"]), utc=True).tolist()
    [Timestamp('2024-03-01 20:00:04.475912+0000', tz='UTC')]
    >>> text_to_datetime(pd.Series(["26/09/2023:10:15:42 +0200"]), utc=True, dayfirst=True).tolist()
    [Timestamp('2023-09-26 08:15:42+0000', tz='UTC')]
    >>> text_to_datetime(pd.Series(["20240301080000.123"])).tolist()
    [Timestamp('2024-03-01 08:00:00.123000')]
    """
    text = None
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        try:
            text = values.astype("string")
        except UnicodeDecodeError:  # (a Parquet binary column: the caller's error names it)
            text = None
    if text is not None:
        # (plain substrings first: the pattern over every row cost more than the read itself;
        # and those only where the column's bytes hold them at all)
        named = (text.str.contains("GMT", regex=False) | text.str.contains("UTC", regex=False)
                 ).fillna(False).to_numpy(dtype=bool) if _may_hold(text, b"GU") else None
        if named is not None and named.any():
            hit = named.copy()
            hit[named] = text[named].str.contains(_ZONE_SIGN).fillna(False).to_numpy(dtype=bool)
            if hit.any():
                text = text.where(~hit, text.str.replace(_ZONE_OFFSET, _plain_offset, regex=True))
                values = values.where(~hit, text)
        low = text.str.endswith("z").fillna(False).to_numpy(dtype=bool) if _may_hold(text, b"z") \
            else None
        if low is not None and low.any():  # RFC 3339's lowercase 'z' (UTC): pandas read no offset
            low[low] = text[low].str.contains(r"\dz$").fillna(False).to_numpy(dtype=bool)
            if low.any():
                upper = text.str.slice(0, -1).str.replace(r"^(\d{4}-\d{2}-\d{2})t", r"\1T", regex=True)
                text = text.where(~low, upper + "Z")  # (and its lowercase 't', 2026-01-01t00:00z)
                values = values.where(~low, text)
        # (before the read: pandas, finding no layout in it, parsed every value one by one)
        clf = text.str.match(_CLF_START).fillna(False).to_numpy(dtype=bool) if _may_hold(text, b"/") \
            else None
        if clf is not None and clf.any():
            plain = text.str.replace(_CLF_BRACKETS, r"\1", n=1, regex=True) if _may_hold(text, b"[") \
                else text  # (Apache's %t: in brackets, which pandas reads as no time)
            text = text.where(~clf, plain.str.replace(CLF_DATE, r"\1 ", n=1, regex=True))
            values = values.where(~clf, text)
    out = _coerced(values, kwargs)
    if text is None or not (missed := (out.isna() & text.notna()).to_numpy(dtype=bool)).any():
        return out  # (a leap second, a zone's name after an offset, looked for only where a row failed)
    named = np.zeros(len(text), dtype=bool)
    # (a zone's name ends in two letters: the pattern only there, it costs a read's time per row)
    named[missed] = (text[missed].str.slice(-2).str.isalpha()
                     | text[missed].str.contains(" m=", regex=False)).fillna(False).to_numpy(dtype=bool)
    if named.any():
        named[named] = text[named].str.contains(_NAMED_OFFSET).fillna(False).to_numpy(dtype=bool)
    if named.any():  # Go's time.String(): '2024-01-01 10:00:00.5 +0200 CEST m=+0.01': the offset tells
        text, values, out, missed = _reread(named, text.str.replace(_NAME_AFTER_OFFSET, r"\1", regex=True),
                                            text, values, kwargs)
    bracketed = np.zeros(len(text), dtype=bool)
    bracketed[missed] = text[missed].str.endswith("]").fillna(False).to_numpy(dtype=bool)
    if bracketed.any():
        bracketed[bracketed] = text[bracketed].str.contains(_BRACKETED).fillna(False).to_numpy(dtype=bool)
    if bracketed.any():  # Java's ZonedDateTime: '2024-03-31T03:30+02:00[Europe/Berlin]': the offset tells
        # (a lowercase 'z' as 'Z': pandas reads '...z' as no offset, a naive time where '...Z' is UTC)
        text, values, out, missed = _reread(
            bracketed, text.str.replace(_BRACKETED_ZONE, _upper_offset, regex=True), text, values, kwargs)
    kibana = np.zeros(len(text), dtype=bool)
    kibana[missed] = text[missed].str.contains(" @ ", regex=False).fillna(False).to_numpy(dtype=bool)
    if kibana.any():
        kibana[kibana] = text[kibana].str.contains(_KIBANA).fillna(False).to_numpy(dtype=bool)
    if kibana.any():  # Kibana's CSV report: 'Mar 1, 2024 @ 08:00:00.000', the date and its time
        text, values, out, missed = _reread(kibana, text.str.replace(_KIBANA_AT, r"\1 ", n=1, regex=True),
                                            text, values, kwargs)
    oracle = np.zeros(len(text), dtype=bool)
    oracle[missed] = text[missed].str.contains(_ORACLE).fillna(False).to_numpy(dtype=bool)
    if oracle.any():  # Oracle's '01-MAR-24 08.00.04.475912 AM': its clock read with colons
        text, values, out, missed = _reread(
            oracle, text.str.replace(_ORACLE_CLOCK, r"\1:\2:\3", n=1, regex=True), text, values, kwargs)
    db2 = np.zeros(len(text), dtype=bool)
    db2[missed] = text[missed].str.contains(_DB2).fillna(False).to_numpy(dtype=bool)
    if db2.any():  # Db2's '2024-03-01-08.00.00.123456': its date and clock as ISO 8601's
        text, values, out, missed = _reread(
            db2, text.str.replace(_DB2_CLOCK, r"\1 \2:\3:\4", n=1, regex=True), text, values, kwargs)
    numeric_clf = np.zeros(len(text), dtype=bool)
    numeric_clf[missed] = text[missed].str.match(_NUMERIC_CLF).fillna(False).to_numpy(dtype=bool)
    if numeric_clf.any():  # pveproxy's '26/09/2023:10:15:42 +0200': the date, then its time
        text, values, out, missed = _reread(
            numeric_clf, text.str.replace(_NUMERIC_CLF_DATE, r"\1 ", n=1, regex=True), text, values,
            kwargs)
    fraction = np.zeros(len(text), dtype=bool)
    fraction[missed] = text[missed].str.match(_COMPACT_FRACTION).fillna(False).to_numpy(dtype=bool)
    if fraction.any():  # Salesforce's '20240301080000.123': the date, its time and the fraction
        # (every such row, those pandas read too: a whole second it read beside one rewritten
        # would be read as none)
        fraction = text.str.match(_COMPACT_FRACTION).fillna(False).to_numpy(dtype=bool)
        text, values, out, missed = _reread(
            fraction, text.str.replace(_COMPACT_FRACTION, _fraction_time, n=1, regex=True),
            text, values, kwargs)
    if not text[missed].str.contains(":60", regex=False).fillna(False).any():
        return out
    leap = text.str.contains(_LEAP).fillna(False).to_numpy(dtype=bool)
    if leap.any():
        values = values.where(~leap, text.str.replace(_LEAP, ":59", regex=True))
    out = _coerced(values, kwargs)
    return out.where(~leap, out + pd.Timedelta(seconds=1)) if leap.any() else out


def _fraction_time(m: re.Match[str]) -> str:
    """A :data:`_COMPACT_FRACTION` date and time in the layout pandas reads, every one with a
    fraction (pandas read a time without one as none after the first with one)."""
    return f"{m[1]}-{m[2]}-{m[3]} {m[4]}:{m[5]}:{m[6]}{m[7] or '.0'}"


def _reread(hit: np.ndarray, rewritten: pd.Series, text: pd.Series, values: pd.Series,
            kwargs: dict[str, object]) -> tuple[pd.Series, pd.Series, pd.Series, np.ndarray]:
    """``text`` and ``values`` with the rows ``hit`` taken from ``rewritten`` (a form pandas
    reads), those values read again, and which rows still read as no time: (text, values, out,
    missed), as :func:`text_to_datetime`'s passes over the rows that failed go on with them."""
    text = text.where(~hit, rewritten)
    values = values.where(~hit, text)
    out = _coerced(values, kwargs)
    return text, values, out, (out.isna() & text.notna()).to_numpy(dtype=bool)


def _may_hold(text: pd.Series, chars: bytes) -> bool:
    """Whether a cell of ``text`` (``string`` dtype) may hold one of the characters ``chars``
    (``b"GU"``: where ``GMT`` or ``UTC`` may stand): a search of the bytes of its Arrow buffers,
    a byte at a time (a millisecond per million ISO rows, where a search for a word cell by cell
    costs tens); ``True`` where the bytes may hold more than its cells, or are no Arrow's.

    Examples
    --------
    >>> _may_hold(pd.Series(["2026-01-01T00:00:00Z"], dtype="string"), b"GU")
    False
    >>> _may_hold(pd.Series(["Mon Jun 01 00:00:00 GMT+02:00 2026"], dtype="string"), b"GU")
    True
    """
    if getattr(text.dtype, "storage", None) != "pyarrow":  # (a conversion would cost as much)
        return True
    import pyarrow as pa

    try:
        got = text.array.__arrow_array__()  # (the column's own buffers: no copy)
        for chunk in getattr(got, "chunks", [got]):
            if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
                return True  # (views keep short strings outside the data buffer)
            data = chunk.buffers()[2]
            raw = b"" if data is None else data.to_pybytes()
            if any(raw.find(bytes([c])) >= 0 for c in chars):  # (memchr: a byte is fast to find)
                return True
    except (TypeError, ValueError, AttributeError, NotImplementedError, pa.ArrowException):
        return True
    return False


@contextlib.contextmanager
def c_time_locale() -> Iterator[None]:
    """Run the block with ``LC_TIME`` set to ``"C"``, restoring the caller's after it: times are
    read the same whatever locale the calling program set with :func:`locale.setlocale`.

    Month and day names (``Dec``, ``Mon``) and ``AM``/``PM`` are read by pandas' and Python's
    ``strptime`` in the names of the process' ``LC_TIME``, and pandas guesses a column's layout
    from the first value by writing its date back in those names: under ``de_DE`` or ``tr_TR``
    ``Jun 14 15:16:01`` read as no time (a syslog read found no readable time stamp) and
    ``09 Dec 2024 00:12:59`` as ``00:00:59`` (its minutes ``12`` taken for December's number).
    A process that never called :func:`locale.setlocale` for ``LC_TIME`` (the command line)
    is in ``"C"`` already, and nothing is changed. (:func:`locale.setlocale` is process-wide: a
    thread of the caller that formats a time in its own locale meanwhile writes it in ``C``.)

    Examples
    --------
    >>> with c_time_locale():
    ...     locale.setlocale(locale.LC_TIME)
    'C'
    """
    try:
        current = locale.setlocale(locale.LC_TIME)
    except locale.Error:  # (a locale the C library cannot say: nothing to restore)
        current = "C"
    if current in ("C", "POSIX"):
        yield
        return
    try:
        locale.setlocale(locale.LC_TIME, "C")
    except locale.Error:
        yield
        return
    try:
        yield
    finally:
        locale.setlocale(locale.LC_TIME, current)


def _coerced(values: pd.Series, kwargs: dict[str, object]) -> pd.Series:
    """:func:`pandas.to_datetime` of ``values`` (``errors="coerce"``), quiet, as a Series, month
    and day names read in English whatever the caller's locale (:func:`c_time_locale`); compact
    dates of several lengths each read at its own (:func:`_compact_lengths`)."""
    # (pandas' notes on formats: the caller's errors say what counts)
    with quiet_warnings(UserWarning), c_time_locale():
        out = pd.Series(pd.to_datetime(values, errors="coerce", **kwargs))
    return _compact_lengths(values, out, kwargs)


#: the layout of a compact date (``YYYYMMDD[HHMM[SS]]``) of each length
_COMPACT_LAYOUTS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}


def _compact_lengths(values: pd.Series, out: pd.Series, kwargs: dict[str, object]) -> pd.Series:
    """``out``, pandas' read of ``values`` in the layout it found in the first value, with the
    compact dates of another length than that first value's read at their own length: pandas
    read ``202603291530`` after ``20260329153000`` as 15:03, and ``20260329153000`` after
    ``202603291530`` as no time (a column of 12- and 14-digit dates refused). Looked at only
    when the first value is a compact date and no layout was given.

    Examples
    --------
    >>> _coerced(pd.Series(["20260329153000", "202603291530", "20260329"]), {}).tolist()
    [Timestamp('2026-03-29 15:30:00'), Timestamp('2026-03-29 15:30:00'), Timestamp('2026-03-29 00:00:00')]
    """
    if kwargs.get("format") is not None or not pd.api.types.is_datetime64_any_dtype(out):
        return out
    first = values.iloc[0] if len(values) else None
    if not isinstance(first, str):  # (a missing first value: pandas took the first given's layout)
        given = np.flatnonzero(values.notna().to_numpy(dtype=bool))
        first = values.iloc[int(given[0])] if len(given) else None
    if not isinstance(first, str) or not re.fullmatch(_COMPACT, first):
        return out
    text = values.astype("string")  # (the first value is text: the column is, or object cells)
    size = text.str.len().to_numpy(dtype=np.float64, na_value=np.nan)
    other = np.isin(size, list(_COMPACT_LAYOUTS)) & (size != len(first))
    if other.any():
        other[other] = text[other].str.fullmatch(_COMPACT).fillna(False).to_numpy(dtype=bool)
    if not other.any():
        return out
    out = out.copy()
    rest = {k: v for k, v in kwargs.items() if k != "dayfirst"}  # (a layout has its own order)
    for length, layout in _COMPACT_LAYOUTS.items():
        rows = np.flatnonzero(other & (size == length))
        if len(rows):
            read = _coerced(text.iloc[rows], {**rest, "format": layout})
            out.iloc[rows] = read.dt.as_unit(out.dt.unit).to_numpy()
    return out


#: a value that opens with six digits and a time (``151104 11:22:33``): see :func:`_year_first_dates`
_SIX_DIGIT_DATE = re.compile(r"^\s*\d{6}[ T]+\d")


# a date of six digits, year first, with a time of day: MySQL's log stamp before 5.7 ('151104
# 11:22:33', ' 9:02:03' for an hour of one digit) and HDFS's ('081109 203615'); pandas read it
# month first and year last (081109: 11 August 2009), so each next day fell a year later
_YYMMDD = re.compile(r"^\s*(?P<date>\d{6})(?:[ T]+(?P<h>\d{1,2}):(?P<m>\d\d):(?P<s>\d\d)|"
                     r"[ T](?P<h2>\d\d)(?P<m2>\d\d)(?P<s2>\d\d))(?P<frac>[.,]\d{1,9})?\s*$")


def yymmdd_times(text: pd.Series, *, first_only: bool) -> tuple[np.ndarray, np.ndarray]:
    """The values of ``text`` that are a date of six digits, year first, with a time of day
    (``151104 11:22:33``, MySQL's log before 5.7; ``081109 203615``, HDFS's), which pandas reads
    month first and year last, and their seconds since the epoch (UTC; NaN for a month or day
    that does not exist). ``first_only``: look at every value only when the first one is such
    a date (the layout pandas reads the rest in), at no cost for other columns.

    Examples
    --------
    >>> yymmdd_times(pd.Series(["081109 203615", "2008-11-09 20:36:15"]), first_only=True)
    (array([ True, False]), array([1.22626298e+09]))
    """
    none = np.zeros(len(text), dtype=bool), np.zeros(0)
    if not (text.dtype == object or pd.api.types.is_string_dtype(text)) or not len(text):
        return none
    if first_only:
        head = text.iloc[0]
        if head is None or (pd.api.types.is_scalar(head) and pd.isna(head)):  # (missing: the first present)
            head = next(iter(text.dropna()), None)
        if head is None or not _YYMMDD.match(str(head)):
            return none
    values = text.astype(str)
    six = values.str.match(_YYMMDD).to_numpy(dtype=bool)
    if not six.any():
        return none
    return six, _yymmdd_layouts(values[six])


# the layouts of _YYMMDD that pandas reads with a fixed format (in C; the regex's groups, taken
# value by value, cost 22 us a stamp: 1.4 s a 65,536-line chunk, ten times the read of the rest)
_YYMMDD_FORMATS = ("%y%m%d %H%M%S", "%y%m%d %H:%M:%S", "%y%m%d %H%M%S.%f", "%y%m%d %H:%M:%S.%f")


def _yymmdd_layouts(text: pd.Series) -> np.ndarray:
    """:func:`_yymmdd_seconds` of values that match ``_YYMMDD``: the first value's layout read
    with a fixed format first, the others (a 'T' between date and time, a decimal comma, a month
    or day that does not exist) by the regex's groups.

    Examples
    --------
    >>> _yymmdd_layouts(pd.Series(["081109 203615", "081109T203616", "151104  9:02:03.5"])).tolist()
    [1226262975.0, 1226262976.0, 1446627723.5]
    """
    clean = text.str.strip()
    first = clean.iloc[0]
    formats = sorted(_YYMMDD_FORMATS, key=lambda f: ((":" in f) != (":" in first),
                                                    (".%f" in f) != ("." in first)))
    secs = np.full(len(clean), np.nan)
    left = np.ones(len(clean), dtype=bool)
    for fmt in formats:
        at = np.flatnonzero(left)
        t = pd.to_datetime(clean.iloc[at], format=fmt, errors="coerce")
        read = t.notna().to_numpy()
        secs[at[read]] = (t[read] - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy(np.float64)
        left[at[read]] = False
        if not left.any():
            return secs
    secs[left] = _yymmdd_seconds(clean[left].str.extract(_YYMMDD))
    return secs


def _yymmdd_seconds(parts: pd.DataFrame) -> np.ndarray:
    """Seconds since the epoch (UTC) of dates of six digits, year first, and their time of day
    (the groups of ``_YYMMDD``); NaN for a month or day that does not exist.

    Examples
    --------
    >>> t = pd.Series(["151104 11:22:33", "081109 203615", "151104  9:02:03.5", "151340 00:00:00"])
    >>> _yymmdd_seconds(t.str.extract(_YYMMDD)).tolist()  # 2015-11-04 11:22:33, 2008-11-09 20:36:15, ...
    [1446636153.0, 1226262975.0, 1446627723.5, nan]
    """
    date = pd.to_datetime(parts["date"].to_numpy(dtype=str), format="%y%m%d", errors="coerce")
    h = parts["h"].fillna(parts["h2"]).to_numpy(dtype=str)
    m = parts["m"].fillna(parts["m2"]).to_numpy(dtype=str)
    s = parts["s"].fillna(parts["s2"]).to_numpy(dtype=str)
    frac = parts["frac"].fillna("").str.replace(",", ".", regex=False).to_numpy(dtype=str)
    clock = pd.to_timedelta(np.char.add(np.char.add(np.char.add(np.char.add(
        np.char.add(h, ":"), m), ":"), s), frac), errors="coerce")
    secs = ((date - pd.Timestamp("1970-01-01")) + clock).total_seconds()
    bad = np.asarray(parts["h"].fillna(parts["h2"]).astype(int) > 23) | \
        np.asarray(parts["m"].fillna(parts["m2"]).astype(int) > 59)
    return np.where(bad, np.nan, np.asarray(secs, dtype=np.float64))


def _year_first_dates(text: pd.Series, ts: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``ts`` with the dates of six digits, year first, and their time of day (``151104
    11:22:33``, MySQL's log before 5.7; ``081109 203615``, HDFS's) read so, as a log header's
    and an event table's are (:func:`yymmdd_times`, to the microsecond):
    pandas reads them month first and year last (2004-11-15 for 2015-11-04, a year between two
    days). Looked at only when the first value is such a date."""
    head = text.iloc[0] if len(text) else None
    if head is None or pd.isna(head) or not _SIX_DIGIT_DATE.match(str(head)):
        return ts
    six, secs = yymmdd_times(text, first_only=False)
    if not six.any():
        return ts
    read = pd.DatetimeIndex(pd.to_datetime(np.round(secs * 1e6), unit="us"))  # (a month 13: NaT)
    if six.all():
        return read
    if ts.tz is not None:
        read = read.tz_localize("UTC")
    out = ts.to_series(index=range(len(ts)))
    out.iloc[np.flatnonzero(six)] = read.as_unit(ts.unit).to_numpy()
    return pd.DatetimeIndex(out)


def _to_datetime(text: pd.Series, dayfirst: bool, fmt: str | None = None) -> pd.DatetimeIndex:
    """``text`` as times (unreadable ones ``NaT``); different UTC offsets as UTC instants; a
    leap second as the next second (:func:`text_to_datetime`)."""
    try:
        return pd.DatetimeIndex(text_to_datetime(text, dayfirst=dayfirst, format=fmt))
    except (ValueError, TypeError):  # different UTC offsets: the instants are still defined
        return pd.DatetimeIndex(text_to_datetime(text, utc=True, dayfirst=dayfirst, format=fmt))


#: pandas' spellings of the time units whose other case it deprecates (``1d``, ``24H``, ``30S``:
#: a warning now, an error or another reading in pandas 4), lower-cased: the one it keeps
_UNIT_CASES = {"d": "D", "w": "W", "h": "h", "min": "min", "s": "s", "ms": "ms", "us": "us", "ns": "ns"}
_UNIT_WORD = re.compile(r"(?<=[\d.\s])[A-Za-z]+")  # a unit after its number


def time_length(text: str) -> pd.Timedelta:
    """``pd.Timedelta`` of a time length a user typed, its units' case as pandas keeps it: a
    day spelled ``1d`` or ``1D``, an hour ``1h`` or ``1H`` mean what they say without pandas'
    deprecation warning (``M``, a month or a minute, stays refused; an ISO 8601 duration,
    ``P1D``, is read as it is).

    Raises
    ------
    ValueError
        ``text`` is no time length (pandas' own error).

    Examples
    --------
    >>> time_length("1d") == time_length("1D") == time_length("24H") == time_length("24h")
    True
    >>> time_length("1h30min"), time_length("P1D")
    (Timedelta('0 days 01:30:00'), Timedelta('1 days 00:00:00'))
    """
    if not text.lstrip("+-").startswith(("P", "p")):
        text = _UNIT_WORD.sub(lambda m: _UNIT_CASES.get(m[0].lower(), m[0]), text)
    return pd.Timedelta(text)


#: pandas' old offset aliases of the time units (``5T``, ``100L``), which pandas 3 refuses: the
#: spellings it keeps (``5min``, ``100ms``)
_OLD_ALIASES = {"t": "min", "l": "ms", "u": "us", "n": "ns"}
#: a grid step's unit: after its number, or first (``H``, ``T``: pandas' one step of it)
_STEP_WORD = re.compile(rf"^[A-Za-z]+|{_UNIT_WORD.pattern}")


def frequency(text: str) -> str:
    """A grid step a user typed (``--freq``) in the spelling pandas keeps: its units' case as
    :func:`time_length` puts it (``1d`` → ``1D``, ``1H`` → ``1h``, ``30S`` → ``30s``) and pandas'
    old aliases as their names now (``5T`` → ``5min``, ``100L`` → ``100ms``), the number as
    typed, a unit without one (``H``, ``T``: a model saved by an older pandas) too; ``"rows"``
    and other words (``MS``: a month's start; ``W-MON``) as they are, for
    :func:`pandas.tseries.frequencies.to_offset` to read or refuse.

    Examples
    --------
    >>> [frequency(f) for f in ("1d", "1D", "1H", "1h", "5min", "5T", "30S", "1W", "rows")]
    ['1D', '1D', '1h', '1h', '5min', '5min', '30s', '1W', 'rows']
    >>> [frequency(f) for f in ("H", "T", "S", "D", "MS", "W-MON")]
    ['h', 'min', 's', 'D', 'MS', 'W-MON']
    """
    if text == "rows":
        return text

    def unit(m: re.Match[str]) -> str:
        word = m[0]
        if word == "MS":  # (an offset alias of its own: a month's start, not milliseconds)
            return word
        low = word.lower()
        return _UNIT_CASES.get(low) or _OLD_ALIASES.get(low, word)

    return _STEP_WORD.sub(unit, text.strip())


def steps_per_day(freq: str | None) -> float | None:
    """Steps per day of a fixed time grid (``"30min"``, ``"1h"``), or ``None`` when ``freq`` is
    not one (``None``, ``"rows"``, unreadable or not positive).

    Examples
    --------
    >>> steps_per_day("30min"), steps_per_day("rows")
    (48.0, None)
    """
    if not freq or freq == "rows":
        return None
    try:
        step = pd.Timedelta(pd.tseries.frequencies.to_offset(frequency(freq)))
    except (ValueError, TypeError):
        return None
    return float(pd.Timedelta("1D") / step) if step > pd.Timedelta(0) else None
