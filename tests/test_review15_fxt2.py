"""Compact dates typed as numbers with placeholders among them; named-month dates and offsets."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass._times import read_timestamps, unreadable_times
from hourglass.errors import InputError


@pytest.mark.parametrize("stray", [-1, 0, 2026, 20260328.5])
def test_placeholder_among_compact_dates_is_a_row_error(stray: float) -> None:
    values = pd.Series([20260328] * 20 + [stray])
    with pytest.raises(InputError, match=r"row 21 is not a timestamp \("):
        read_timestamps(values, "day")
    assert np.flatnonzero(unreadable_times(values, "day")).tolist() == [20]


def test_placeholder_first_among_compact_dates() -> None:
    values = pd.Series([-1] + [20260328] * 150)
    with pytest.raises(InputError, match=r"row 1 is not a timestamp \('-1'\)"):
        read_timestamps(values, "day")
    assert unreadable_times(values, "day")[0]
    good = read_timestamps(values.iloc[1:], "day")[0]
    assert str(good[0]) == "2026-03-28 00:00:00"


def test_short_column_with_one_zero_is_not_read_as_epoch_seconds() -> None:
    values = pd.Series([20260328] * 8 + [0])
    with pytest.raises(InputError, match=r"row 9 is not a timestamp \('0'\)"):
        read_timestamps(values, "day")
    assert np.flatnonzero(unreadable_times(values, "day")).tolist() == [8]
    # still epoch seconds: relative seconds with a zero, and real epoch seconds
    assert str(read_timestamps(pd.Series([0, 60, 120]), "t")[0][1]) == "1970-01-01 00:01:00"
    assert str(read_timestamps(pd.Series([0, 1_700_000_000]), "t")[0][1]).startswith("2023-11-14")


def test_sessions_table_times_drop_a_placeholder() -> None:
    from hourglass.features.sessions.tables import EventTables

    tables = EventTables.__new__(EventTables)
    tables.time_column = "day"
    secs = tables._table_times(pd.DataFrame({"day": [20260101, 20260102, -1]}), "t.csv")
    assert np.isnan(secs[2]) and secs[1] - secs[0] == 86400.0


def test_skip_drops_a_placeholder_among_compact_dates(tmp_path: Path) -> None:
    from hourglass.cli._skip import skip_unreadable_times
    from hourglass.ingest import ReadStats

    rows = [f"{'ab'[i % 2]},202601{1 + i % 28:02d},{i}.0" for i in range(40)]
    rows[20] = "a,-1,20.0"
    data = tmp_path / "d.csv"
    data.write_text("user,day,x\n" + "\n".join(rows) + "\n")
    df = pd.read_csv(data)  # the day column typed as numbers, as the CSV reader types it
    with pytest.raises(InputError, match=r"row 21 is not a timestamp \('-1'\)"):
        read_timestamps(df["day"], "day")
    stats = ReadStats()
    kept = skip_unreadable_times(df, "day", None, "skip", stats, data)
    assert len(kept) == 39 and stats.bad_rows == 1 and -1 not in kept["day"].tolist()
    assert read_timestamps(kept["day"], "day")[0].min() == pd.Timestamp("2026-01-01")


@pytest.mark.parametrize("month", ["Jan", "March", "June", "December"])
def test_named_month_date_has_no_offset(month: str) -> None:
    ts = read_timestamps(pd.Series([f"15-{month}-2024 10:00", f"16-{month}-2024"]), "ts")[0]
    assert ts[1].day == 16 and ts[0].hour == 10


def test_named_month_date_time_with_offset_still_has_one() -> None:
    with pytest.raises(InputError, match="has no UTC offset but row 1"):
        read_timestamps(pd.Series(["16-March-2024 10:00-05:00", "16-March-2024"]), "ts")
    with pytest.raises(InputError, match=r"row 2 \('16-March-2024 10:00-05:00'\) has a UTC offset"):
        read_timestamps(pd.Series(["16-March-2024 11:00", "16-March-2024 10:00-05:00"]), "ts")
