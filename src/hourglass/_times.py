"""Reading a timestamp column one way everywhere (time series, event tables, alert budgets).

Numbers are epoch seconds (pandas alone would read them as nanoseconds after 1970, silently);
text is a date-time, and times with UTC offsets are converted to UTC. A column that mixes times
with and without an offset, or holds an unreadable value, is an :class:`InputError` naming the
row.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hourglass.errors import InputError

__all__ = ["parse_timestamps", "steps_per_day"]

_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_MAX_EPOCH_S = 9.2e9  # pandas' Timestamp range ends in 2262
_CLOCK = r"\d{1,2}:\d{2}(:\d{2}([.,]\d*)?)?"  # 06:55:46, a time of day alone


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


def parse_timestamps(values: object, column: str) -> pd.DatetimeIndex:
    """The times in ``values`` (a column), or :class:`InputError` naming the first bad row.

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
    >>> try:
    ...     parse_timestamps(pd.Series([1_714_521_600_000]), "ts")
    ... except InputError as exc:
    ...     print(str(exc)[:52], "...", str(exc).split("; ")[-1])
    column 'ts': row 1 is not a timestamp (1714521600000 ... milliseconds? divide the column by 1000)
    >>> try:
    ...     parse_timestamps(pd.Series(["06:55:46", "06:55:47"]), "Time")
    ... except InputError as exc:
    ...     print(str(exc)[:65])
    column 'Time': row 1 ('06:55:46') is a time of day without a date
    """
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    s = s.reset_index(drop=True)
    _no_missing(s, column)  # also a NaT in a column a reader already typed as times (CSV, Parquet)
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
        ts = pd.DatetimeIndex(s)
        return ts.tz_convert("UTC") if ts.tz is not None else ts
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~(np.abs(v) < _MAX_EPOCH_S)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            x = s.iloc[i]
            x = x.item() if isinstance(x, np.generic) else x  # 1714521600000, not np.int64(...)
            # 1e11-1e14: epoch milliseconds of 1973-5138 (seconds of those years are 1e8-1e11)
            unit = "; milliseconds? divide the column by 1000" if 1e11 <= abs(v[i]) < 1e14 else ""
            raise InputError(f"column {column!r}: row {i + 1} is not a timestamp ({x!r}; numbers "
                             f"are read as epoch seconds{unit})")
        return pd.DatetimeIndex(pd.to_datetime(v, unit="s"))
    text = s.astype("string").str.strip()
    clock = text.iloc[:100].str.fullmatch(_CLOCK).fillna(False).to_numpy(dtype=bool)
    if clock.any():  # pandas would date it today: other days' data would fall on the same one
        i = int(np.flatnonzero(clock)[0])
        raise InputError(f"column {column!r}: row {i + 1} ({text.iloc[i]!r}) is a time of day without "
                         "a date; give a column with the date and the time (e.g. join a log's date "
                         "and time fields into one)")
    try:
        ts = pd.DatetimeIndex(pd.to_datetime(text, errors="coerce"))
    except (ValueError, TypeError):  # different UTC offsets: the instants are still well defined
        ts = pd.DatetimeIndex(pd.to_datetime(text, errors="coerce", utc=True))
    bad = np.asarray(ts.isna())
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        good = np.flatnonzero(~bad)
        if len(good) and not pd.isna(text.iloc[i]):
            j = int(good[0])
            has, had = bool(_OFFSET.search(str(text.iloc[i]))), bool(_OFFSET.search(str(text.iloc[j])))
            if has != had:
                raise InputError(
                    f"column {column!r}: row {i + 1} ({text.iloc[i]!r}) has {'a' if has else 'no'} "
                    f"UTC offset but row {j + 1} ({text.iloc[j]!r}) {'has one' if had else 'none'}; "
                    "give every time an offset, or none")
        raise InputError(f"column {column!r}: row {i + 1} is not a timestamp ({s.iloc[i]!r})")
    return ts.tz_convert("UTC") if ts.tz is not None else ts


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
        step = pd.Timedelta(pd.tseries.frequencies.to_offset(freq))
    except (ValueError, TypeError):
        return None
    return float(pd.Timedelta("1D") / step) if step > pd.Timedelta(0) else None
