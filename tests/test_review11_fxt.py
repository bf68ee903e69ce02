"""Regression tests: epoch times and dates written as text, exact epoch times, complex values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass import _times
from hourglass._times import read_timestamps
from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor


def test_compact_dates_with_one_invalid_date_are_an_error() -> None:
    # most cells look like numbers: the column was re-read as epoch seconds, 1970-08-23, unsaid
    with pytest.raises(InputError, match=r"column 'day': row 3 is not a timestamp \('20260230'\)$"):
        read_timestamps(pd.Series(["20260328", "20260329", "20260230"]), "day")
    ts = read_timestamps(pd.Series(["20260328", "20260329", "20260330"]), "day")[0]
    assert ts[0] == pd.Timestamp("2026-03-28")


def test_text_epoch_times_are_not_read_row_by_row_as_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    # they were parsed as dates row by row (dateutil) first: 200,000 rows took 41 s, not 1
    def row_by_row(*args: object) -> None:
        raise AssertionError("epoch times parsed row by row")

    monkeypatch.setattr(_times, "_mixed_layouts", row_by_row)
    text = pd.Series((1_714_521_600 + np.arange(1000)).astype(str))
    ts = read_timestamps(text, "ts")[0]
    assert ts[0] == pd.Timestamp("2024-05-01") and ts[-1] == pd.Timestamp("2024-05-01 00:16:39")
    with pytest.raises(InputError, match=r"row 3 is not a timestamp \('-'; the column holds epoch"):
        read_timestamps(pd.Series(["1714521600", "1714521601", "-", "1714521602"]), "ts")


def test_whole_epoch_nanoseconds_read_exactly_from_objects_and_text() -> None:
    # the stream's object column and text went through float64: .123457, not .123456789
    want = pd.Timestamp("2024-05-01 00:00:00.123456789")
    for values in (pd.Series([1714521600123456789, 1714521600123456790], dtype=object),
                   pd.Series(["1714521600123456789", "1714521600123456790"]),
                   pd.Series([1714521600123456789, 1714521600123456790])):
        assert read_timestamps(values, "ts")[0][0] == want
    # past int64 in an object column: out of range, not an OverflowError
    with pytest.raises(InputError, match=r"row 1 is not a timestamp"):
        read_timestamps(pd.Series([2**64, 1714521600], dtype=object), "ts")


def test_an_epoch_time_out_of_range_is_quoted_as_written() -> None:
    # the error quoted the float it became: (1e+20; numbers are read as epoch ...)
    with pytest.raises(InputError, match=r"row 1 is not a timestamp \('99999999999999999999'; numbers"):
        read_timestamps(pd.Series(["99999999999999999999", "1714521600"]), "ts")
    with pytest.raises(InputError, match=r"row 1 is not a timestamp \(18446744073709551616; numbers"):
        read_timestamps(pd.Series([2**64, 1714521600], dtype=object), "ts")


def test_a_complex_time_column_is_an_input_error() -> None:
    # is_numeric_dtype is true for complex: the real parts were read as times, a ComplexWarning aside
    with pytest.raises(InputError, match=r"^column 'ts': holds complex numbers, not times$"):
        read_timestamps(pd.Series(1_714_521_600 + np.arange(3) + 1j), "ts")
    df = pd.DataFrame({"ts": 1_714_521_600 + 60 * np.arange(6) + 1j, "x": np.arange(6.0)})
    with pytest.raises(InputError, match=r"column 'ts': holds complex numbers, not times"):
        TimeSeriesPreprocessor(timestamp_col="ts", freq="1min").fit(df)


def test_a_channel_of_python_complex_values_is_an_input_error() -> None:
    # an object column: pd.to_numeric made it complex128 after the check, then float64 cut it
    x = pd.Series([1, 2 + 1j, 3, 4, 5, 6], dtype=object)
    with pytest.raises(InputError, match=r"^column 'x': holds complex numbers \(dtype object\)"):
        TimeSeriesPreprocessor(columns=("x",)).fit(pd.DataFrame({"x": x}))
    fitted = TimeSeriesPreprocessor(columns=("x",)).fit(pd.DataFrame({"x": np.arange(6.0)}))
    with pytest.raises(InputError, match=r"^column 'x': holds complex numbers"):
        fitted.transform(pd.DataFrame({"x": x}))


def test_entity_windows_read_compact_dates_as_dates() -> None:
    from hourglass.features.entity import EntityWindows

    # every cell a number: read as epoch seconds, four days one bucket of 1970-08-23
    days = ["20260328", "20260329", "20260330", "20260331"]
    df = pd.DataFrame({"host": ["a", "b"] * 4, "day": [d for d in days for _ in (0, 1)],
                       "bytes": [1, 5, 2, 9, 3, 4, 4, 7]})
    w = EntityWindows(entity_col="host", timestamp_col="day", bucket="1D")
    starts = w.fit(df).aggregate(df)["bucket_start"]
    assert sorted(set(starts)) == list(pd.to_datetime(days))
    with pytest.raises(InputError, match=r"row 5 is not a timestamp \('20260230'\)$"):
        w.fit(df.assign(day=[d for d in ["20260328", "20260329", "20260230", "20260331"] for _ in (0, 1)]))
    # epoch times written as text still read, a non-number among them named
    text = df.assign(day=[str(1_774_656_000 + 86_400 * (i // 2)) for i in range(8)])
    assert len(w.fit(text).aggregate(text)) == 8
    with pytest.raises(InputError, match=r"row 2 is not a timestamp \('-'; the column holds epoch"):
        w.fit(text.assign(day=text["day"].where(text.index != 1, "-")))


def test_on_bad_rows_skip_leaves_out_an_invalid_compact_date() -> None:
    from hourglass._times import unreadable_times

    # called readable (an epoch number), so --on-bad-rows skip kept it and reading then failed
    days = pd.Series(["20260328", "20260329", "20260230", "20260331"])
    bad = unreadable_times(days, "day")
    assert bad.tolist() == [False, False, True, False]
    assert read_timestamps(days[~bad], "day")[0][-1] == pd.Timestamp("2026-03-31")
    assert unreadable_times(pd.Series(["1774656051", "x", "1774656051000"]), "ts").tolist() == [
        False, True, False]


def test_negative_epoch_times_written_as_text_read_as_epoch_times() -> None:
    from hourglass._times import unreadable_times

    # pandas reads '-1' as the year -1: such a column is no column of dates
    assert read_timestamps(pd.Series(["-86400", "-3600"]), "ts")[0][1] == pd.Timestamp("1969-12-31 23:00")
    text = pd.Series(["1714521600", "-1", "1714521601"])
    assert read_timestamps(text, "ts")[0][1] == pd.Timestamp("1969-12-31 23:59:59")
    assert not unreadable_times(text, "ts").any()


def test_compact_dates_are_not_read_as_numbers_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # the whole column went through pd.to_numeric before its dates were read: 1,000,000 compact
    # dates took 1 s, not 0.35; the first 100 cells tell dates from epoch times
    sizes: list[int] = []
    to_numeric = pd.to_numeric

    def counted(values: pd.Series, **kwargs: object) -> object:
        sizes.append(len(values))
        return to_numeric(values, **kwargs)

    monkeypatch.setattr(pd, "to_numeric", counted)
    days = pd.Series(pd.date_range("2020-01-01", periods=1000).strftime("%Y%m%d"))
    assert read_timestamps(days, "day")[0][-1] == pd.Timestamp("2022-09-26")
    assert max(sizes) <= 100
