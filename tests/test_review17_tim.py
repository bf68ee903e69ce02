"""Regression tests: timestamps read alike by every reader."""

from __future__ import annotations

import pandas as pd
import pytest

from hourglass.errors import InputError

LEAP = pd.Timestamp("2017-01-01 00:00:00", tz="UTC")  # the second after 2016-12-31 23:59:59


@pytest.mark.parametrize("rows", [
    ["2016-12-31T23:59:60Z", "2017-01-01T00:00:01Z"],  # a leap second first, with an offset
    ["2016-12-31T23:59:59Z", "2016-12-31T23:59:60Z"],
    ["2016-12-31 23:59:60", "2017-01-01 00:00:01"],  # first, no offset
    ["2017-01-01T00:59:60+01:00", "2017-01-01T00:00:01Z"],
])
def test_a_leap_second_reads_as_the_next_second_wherever_it_stands(rows: list[str]) -> None:
    from hourglass._times import read_timestamps, unreadable_times
    from hourglass.features.sessions import EventSessions
    from hourglass.ingest.logs import _text_times

    leap = next(i for i, r in enumerate(rows) if ":60" in r)
    ts, _ = read_timestamps(pd.Series(rows), "ts")
    got = ts[leap] if ts.tz is not None else ts[leap].tz_localize("UTC")
    assert got == LEAP
    assert not unreadable_times(pd.Series(rows), "ts").any()  # not skipped as a bad row
    table = EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": rows}), "t")
    assert table[leap] == LEAP.timestamp()
    assert _text_times(pd.Series(rows), None)[0][leap] == LEAP.timestamp()


def test_a_leap_second_with_a_fraction_and_a_plain_60_elsewhere() -> None:
    from hourglass._times import read_timestamps, text_to_datetime

    ts, _ = read_timestamps(pd.Series(["2016-12-31 23:59:60.250", "2016-12-31 23:59:59"]), "ts")
    assert str(ts[0]) == "2017-01-01 00:00:00.250000"
    # a minute of 60 is no leap second: still no time
    assert text_to_datetime(pd.Series(["2016-12-31 23:60:00"])).isna().all()
    with pytest.raises(InputError, match="row 1 is not a timestamp"):
        read_timestamps(pd.Series(["2016-12-31 23:60:00"]), "ts")


@pytest.mark.parametrize("far", ["3000-01-01 02:00:00", "1600-01-01 02:00:00", "2263-01-01T02:00:00"])
def test_a_date_past_pandas_range_is_a_bad_row_that_skip_leaves_out(far: str) -> None:
    from hourglass._times import read_timestamps, unreadable_times

    col = pd.Series(["2026-01-01 00:00:00", "2026-01-01 01:00:00", far, "2026-01-01 03:00:00"])
    with pytest.raises(InputError, match=r"row 3 is not a timestamp .*outside 1677-2262"):
        read_timestamps(col, "ts")
    bad = unreadable_times(col, "ts")
    assert bad.tolist() == [False, False, True, False]  # skipped, so the rest reads
    assert len(read_timestamps(col[~bad], "ts")[0]) == 3


@pytest.mark.parametrize(("rows", "want"), [
    (["2026-02-01T00:00:00", "13/02/2026 00:00:01", "01/02/2026 00:00:02"],
     ["2026-02-01 00:00:00", "2026-02-13 00:00:01", "2026-02-01 00:00:02"]),
    (["13/02/2026 00:00:01", "2026-02-01 05:00:00", "01/02/2026 00:00:02"],
     ["2026-02-13 00:00:01", "2026-02-01 05:00:00", "2026-02-01 00:00:02"]),
])
def test_iso_dates_beside_numeric_ones_read_each_in_its_own_layout(rows: list[str], want: list[str]) -> None:
    from hourglass._times import read_timestamps, unreadable_times

    ts, dayfirst = read_timestamps(pd.Series(rows), "ts")
    assert [str(t) for t in ts] == want and dayfirst is True  # ISO 2026-02-01 is never 2 January
    assert not unreadable_times(pd.Series(rows), "ts").any()
    # a model's order reads them alike
    assert read_timestamps(pd.Series(rows), "ts", dayfirst=True)[0].equals(ts)
    with pytest.raises(InputError, match=r"row 4 is not a timestamp \('soon'\)"):
        read_timestamps(pd.Series([*rows, "soon"]), "ts")
    assert unreadable_times(pd.Series([*rows, "soon", "3000-01-01 00:00:00"]), "ts").tolist() == \
        [False, False, False, True, True]


@pytest.mark.parametrize(("rows", "want"), [
    # two ISO dates, then a day-first one: the ISO ones were read as 2 January
    (["2026-02-01T00:00:00", "2026-02-01T00:00:01", "13/02/2026 00:00:01"],
     ["2026-02-01 00:00:00", "2026-02-01 00:00:01", "2026-02-13 00:00:01"]),
    (["2026-02-01T00:00:00", "13/02/2026 00:00:01", "01/02/2026 00:00:02"],
     ["2026-02-01 00:00:00", "2026-02-13 00:00:01", "2026-02-01 00:00:02"]),
    # numeric dates with and without seconds (the second was no time)
    (["13/02/2026 00:00:01", "14/02/2026 10:00", "junk"],
     ["2026-02-13 00:00:01", "2026-02-14 10:00:00", "NaT"]),
    (["02/13/2026 00:00:01", "02/14/2026 10:00"], ["2026-02-13 00:00:01", "2026-02-14 10:00:00"]),
])
def test_event_table_times_read_iso_and_numeric_dates_as_time_columns_do(rows: list[str],
                                                                         want: list[str]) -> None:
    from hourglass._times import read_timestamps
    from hourglass.features.sessions import EventSessions

    chunk = pd.DataFrame({"ts": rows}, index=range(7, 7 + len(rows)))  # (a later chunk's index)
    secs = EventSessions(time_column="ts")._table_times(chunk, "t")
    assert [str(t) for t in pd.to_datetime(secs, unit="s")] == want
    read = [r for r, w in zip(rows, want, strict=True) if w != "NaT"]
    assert [str(t) for t in read_timestamps(pd.Series(read), "ts")[0]] == [w for w in want if w != "NaT"]


@pytest.mark.parametrize("text", [
    "Mon Jun 01 00:00:00 GMT+02:00 2026",  # Java's Date.toString() in a zone without a name
    "2026-06-01 00:00:00 UTC+2",
    "2026-06-01 00:00:00 GMT+02:00",
    "2026-06-01T00:00:00UTC+0200",
])
def test_an_offset_after_gmt_or_utc_is_ahead_of_utc_in_every_reader(text: str) -> None:
    from hourglass._times import read_timestamps
    from hourglass.features.sessions import EventSessions
    from hourglass.ingest.logs import _text_times

    want = pd.Timestamp("2026-05-31 22:00:00", tz="UTC")  # not 02:00, four hours off
    rows = [text, text.replace("00:00:00", "00:00:01")]
    assert read_timestamps(pd.Series(rows), "ts")[0][0] == want
    table = EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": rows}), "t")
    assert table[0] == want.timestamp()
    assert _text_times(pd.Series(rows), None)[0][0] == want.timestamp()
    behind = read_timestamps(pd.Series([text.replace("+", "-")] * 2), "ts")[0][0]
    assert behind == pd.Timestamp("2026-06-01 02:00:00", tz="UTC")


@pytest.mark.parametrize("clock", ["1:00 PM", "01:00:00 a.m.", "06:55:46Z", "06:55:46 +0000", "06:55:46 UTC"])
def test_a_time_of_day_on_a_12_hour_clock_or_with_an_offset_is_refused_not_dated_today(clock: str) -> None:
    from hourglass._times import read_timestamps

    with pytest.raises(InputError, match=r"row 1 \(.*\) is a time of day without a date"):
        read_timestamps(pd.Series([clock, clock]), "ts")  # (it took the day of the run: train
    # and score on different days put the same rows on different days)
    assert str(read_timestamps(pd.Series([f"2026-01-01 {clock}"] * 2), "ts")[0][0]).startswith("2026-01-01")


def test_rfc3339_lowercase_z_is_utc_as_upper_case_z_is() -> None:
    from hourglass._times import read_timestamps
    from hourglass.features.sessions import EventSessions

    for rows in (["2026-01-01t00:00:00z", "2026-01-01T00:00:01Z"],
                 ["2026-01-01T00:00:00Z", "2026-01-01t00:00:01.5z"]):
        ts, _ = read_timestamps(pd.Series(rows), "ts")
        assert str(ts.tz) == "UTC" and ts[0] == pd.Timestamp("2026-01-01", tz="UTC")
        table = EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": rows}), "t")
        assert table[0] == ts[0].timestamp() and table[1] == ts[1].timestamp()
    with pytest.raises(InputError, match=r"row 2 \('2026-01-01t00:00:01z'\) has a UTC offset but row 1"):
        read_timestamps(pd.Series(["2026-01-01T00:00:00", "2026-01-01t00:00:01z"]), "ts")
