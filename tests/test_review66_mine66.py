"""Regression tests for defects found reading z/OS julian dates."""

from __future__ import annotations

import pandas as pd

from hourglass._times import read_timestamps


def test_a_julian_date_reads_as_its_day() -> None:
    # What was wrong: a column of z/OS julian dates (2024061, the 61st day of 2024) was read as
    # epoch seconds, so a month of days fell within one hour of 24 January 1970, a second a day.
    days = [2024061, 2024062, 2024366, 2025001]
    for column in (pd.Series(days), pd.Series([str(d) for d in days], dtype=object)):
        ts, _ = read_timestamps(column, "EVT_DATE")
        assert ts.strftime("%Y-%m-%d").tolist() == [
            "2024-03-01", "2024-03-02", "2024-12-31", "2025-01-01"]
    # seven digits that are no julian date (day 500, day 366 of 2023) stay epoch seconds
    for seconds in ([2024061, 2024500], [2023365, 2023366]):
        ts, _ = read_timestamps(pd.Series(seconds), "uptime")
        assert (ts.year == 1970).all()
    # and ordinary epoch seconds read as before
    ts, _ = read_timestamps(pd.Series([1_709_280_000, 1_709_280_060]), "ts")
    assert ts.strftime("%Y-%m-%d %H:%M").tolist() == ["2024-03-01 08:00", "2024-03-01 08:01"]
