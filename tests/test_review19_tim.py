"""Regression tests: timestamps and clock columns read alike by every reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError

CLOCK = 1.7e9 + np.arange(10) * 60.0  # ten minutes of epoch seconds


@pytest.mark.parametrize("values", [
    np.r_[CLOCK, -1.0],  # -1 for a time never set, as 0 is
    np.r_[CLOCK[:5], CLOCK[5:] * 1000],  # one feed's seconds, another's milliseconds
    np.r_[CLOCK[:5] * 1e6, CLOCK[5:] * 1e9, 0.0],
])
def test_a_clock_with_an_unset_minus_one_or_mixed_units_is_dropped_from_tabular_models(
        values: np.ndarray) -> None:
    from hourglass.features.entity import _is_time
    from hourglass.features.roles import infer_role

    s = pd.Series(values)
    assert infer_role("flow_start_time", s, max_categories=50) == ("drop", "times")
    text = pd.Series([str(int(v)) for v in values])  # numbers stored as text, alike
    assert infer_role("flow_start_time", text, max_categories=50) == ("drop", "times")
    # the entity features leave it out by its values alone (one host, no turns to tell)
    assert _is_time("flow_start_time", s, pd.Series(["h1"] * len(s)))


@pytest.mark.parametrize("values", [
    [3e8, 2e10, 7e11],  # a cumulative cpu_time_ns over orders of magnitude
    [1.7e9, 1.7e12 * 1.5],  # seconds and milliseconds, but years apart
    [-5.0, 1.0e8, 9.0e8],  # a counter over years of seconds
])
def test_counters_under_a_time_name_stay_features(values: list[float]) -> None:
    from hourglass.features.roles import infer_role

    assert infer_role("cpu_time_ns", pd.Series(values), max_categories=50)[0] == "numeric"


MS_1999 = [915148800000, 915148860000]  # epoch milliseconds of 1999: 12 digits, as 20260328 has 8


@pytest.mark.parametrize("values", [MS_1999, [str(v) for v in MS_1999], [float(v) for v in MS_1999]])
def test_epoch_milliseconds_before_2001_are_times_not_compact_dates_of_the_year_9151(
        values: list[object]) -> None:
    from hourglass._times import parse_timestamps, unreadable_times
    from hourglass.features.sessions import EventSessions
    from hourglass.serve.ecs import _timestamp

    want = pd.Timestamp("1999-01-01 00:01:00")
    s = pd.Series(values, dtype=object if isinstance(values[0], str) else None)
    assert parse_timestamps(s, "ts")[1] == want
    assert not unreadable_times(s, "ts").any()  # not skipped as a bad row
    table = EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": s}), "t")
    assert table[1] == want.timestamp()
    assert _timestamp(values[1], "ts") == "1999-01-01T00:01:00.000Z"
    # compact dates of 12 digits are still dates
    assert parse_timestamps(pd.Series([202603281200]), "ts")[0] == pd.Timestamp("2026-03-28 12:00")


@pytest.mark.parametrize("far", ["3000-05-01T12:00:00Z", "1600-05-01 12:00:00", "2263-01-01T00:00:00+00:00"])
def test_a_log_or_event_table_time_past_pandas_range_is_no_readable_time(far: str) -> None:
    from hourglass._times import unreadable_times
    from hourglass.features.sessions import EventSessions
    from hourglass.ingest.logs import _text_seconds

    rows = ["2024-05-01T12:00:00Z", far]
    assert unreadable_times(pd.Series(rows), "ts").tolist() == [False, True]  # the column readers'
    secs = _text_seconds(pd.Series(rows))
    assert secs[0] == pd.Timestamp("2024-05-01", tz="UTC").timestamp() + 12 * 3600
    assert np.isnan(secs[1])  # was the seconds of the year 3000: a lone session in its own window
    table = EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": rows}), "t")
    assert not np.isnan(table[0]) and np.isnan(table[1])
    # epoch numbers past 2262 were no time already
    nums = EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": [1.7e9, 3.25e10]}), "t")
    assert np.isnan(nums[1])


def _far_table(path: Path) -> Path:
    rng = np.random.default_rng(0)
    ts = [f"2024-05-01T{i // 60:02d}:{i % 60:02d}:00" for i in range(120)]
    ts[60] = "3000-05-01T01:00:00"  # ISO text the CSV reader types as a time, past pandas' range
    pd.DataFrame({"ts": ts, "host": [f"h{i % 3}" for i in range(120)],
                  "bytes": rng.integers(100, 1000, 120)}).to_csv(path, index=False)
    return path


def test_a_typed_time_past_pandas_range_is_one_line_naming_the_row_and_skip_leaves_it_out(
        tmp_path: Path) -> None:
    from hourglass._times import read_timestamps, unreadable_times
    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    typed = pd.Series(pd.to_datetime(["2024-05-01", "3000-05-01"]).as_unit("us"))
    with pytest.raises(InputError, match=r"row 2 is not a timestamp \('3000-05-01T00:00:00'.*1677-2262"):
        read_timestamps(typed, "ts")
    assert unreadable_times(typed, "ts").tolist() == [False, True]
    data = _far_table(tmp_path / "far.csv")
    for extra in (["--entity-col", "host", "--bucket", "10min"], []):
        # (entity buckets failed with pandas' 'Out of bounds nanosecond timestamp: 3000-05-01
        # 01:00:00' after training; a table trained with the time among its rows)
        one_line_error(["train", str(data), "--timestamp-col", "ts", "--epochs", "1", *extra,
                        "-o", str(tmp_path / "m")], "line 62 is not a timestamp", tmp_path / "m")
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--epochs", "1", "--entity-col",
                              "host", "--bucket", "10min", "--on-bad-rows", "skip",
                              "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "skipped 1 malformed row" in res.output


ISO_100 = [f"2024-02-{1 + i // 24:02d}T{i % 24:02d}:00:00" for i in range(100)]


@pytest.mark.parametrize("tail", [["13/02/2024 10:00", "01/02/2024 10:00"],
                                  ["01/02/2024 10:00", "13/02/2024 10:00"]])
@pytest.mark.parametrize("head", [ISO_100[:5], ISO_100])
def test_numeric_dates_first_met_past_row_100_are_read_in_the_one_order_they_show(
        head: list[str], tail: list[str]) -> None:
    from hourglass._times import read_timestamps
    from hourglass.features.sessions import EventSessions
    from hourglass.ingest.logs import _text_times

    want = sorted(pd.to_datetime(["2024-02-01 10:00", "2024-02-13 10:00"]).as_unit("s").asi8.tolist())
    # an event table read them as no time at all, a log's time stamps each in its own order
    table = EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": head + tail}), "t")
    assert sorted(table[-2:].tolist()) == want
    secs, told = _text_times(pd.Series(head + tail), None)
    assert sorted(secs[-2:].tolist()) == want and told is True
    ts, dayfirst = read_timestamps(pd.Series(head + tail), "ts")
    # 01/02/2024 beside 13/02/2024 is 1 February, wherever the feed's rows begin (it was 2
    # January after 100 ISO rows, the other order than its neighbour's)
    assert sorted(ts[-2:].astype(str)) == ["2024-02-01 10:00:00", "2024-02-13 10:00:00"]
    assert dayfirst is True  # kept with the model, so later data reads alike
    with pytest.raises(InputError, match=r"row 101 .* puts the day first"):
        read_timestamps(pd.Series([*ISO_100, "13/02/2024 10:00"]), "ts", dayfirst=False)


@pytest.mark.parametrize("rows", [
    ["2024-03-31 01:30:00.5 +0100 CET", "2024-03-31 03:30:00 +0200 CEST"],  # Go's time.String()
    ["2024-03-31 00:30:00.500000 +0000 UTC", "2024-03-31 01:30:00 +0000 UTC"],
])
def test_a_zone_name_after_a_numeric_offset_is_read_by_the_offset(rows: list[str]) -> None:
    from hourglass._times import read_timestamps, unreadable_times
    from hourglass.features.sessions import EventSessions
    from hourglass.ingest.logs import _text_seconds

    want = [pd.Timestamp("2024-03-31 00:30:00.5", tz="UTC"), pd.Timestamp("2024-03-31 01:30", tz="UTC")]
    ts, _ = read_timestamps(pd.Series(rows), "ts")  # was: row 1 is not a timestamp, no row is
    assert list(ts) == want
    assert not unreadable_times(pd.Series(rows), "ts").any()
    secs = [t.timestamp() for t in want]
    assert _text_seconds(pd.Series(rows)).tolist() == secs
    assert EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": rows}), "t").tolist() == secs
    with pytest.raises(InputError, match=r"row 2 .* has no UTC offset but row 1"):  # still said
        read_timestamps(pd.Series([rows[0], "2024-03-31 03:30:00"]), "ts")


@pytest.mark.parametrize("values", [
    [20231114221300 + i for i in range(0, 50, 7)],  # YYYYMMDDHHMMSS, as the time reader reads them
    [202311142200 + i for i in range(0, 50, 7)],  # YYYYMMDDHHMM
    [20231114, 20231201, 20240105],
])
def test_dates_written_as_12_or_14_digit_numbers_are_dropped_as_times(values: list[int]) -> None:
    from hourglass._times import parse_timestamps
    from hourglass.features.entity import _is_time
    from hourglass.features.roles import infer_role

    s = pd.Series(values)
    assert parse_timestamps(s, "ts")[0].year == 2023  # read as the dates they are
    # (14 digits: kept as a numeric feature in tables and summed per entity bucket)
    assert infer_role("flow_start_time", s, max_categories=50) == ("drop", "times")
    assert _is_time("flow_start_time", s, pd.Series(["h1"] * len(s)))
    bad = pd.Series([*values[:-1], 20231114221399])  # no such second: a counter, not a date
    assert infer_role("cpu_time_ns", bad, max_categories=50)[0] == "numeric"
