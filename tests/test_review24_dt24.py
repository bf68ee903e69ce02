"""Regression tests: compact dates (YYYYMMDD[HHMM[SS]]) in tiny files and of mixed lengths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass._times import read_timestamps, unreadable_times
from hourglass.errors import InputError


@pytest.mark.parametrize("date", [20260329, 202603291530, 20260329153000])
@pytest.mark.parametrize("stray", [0, -1])
def test_a_tiny_file_of_a_compact_date_and_a_placeholder_reads_dates(
        tmp_path: Path, date: int, stray: int) -> None:
    # a file of two rows, 20260329 and 0, was read as epoch seconds (1970-08-23 and 1970-01-01):
    # the dates were no majority of the values; now the date is a date, the 0 a bad row
    from hourglass.cli._skip import skip_unreadable_times
    from hourglass.ingest import ReadStats, read_table

    want = pd.Timestamp(str(date)[:8]) + pd.Timedelta(hours=15 * (date > 1e8), minutes=30 * (date > 1e8))
    for rows in ([date, stray], [stray, date], [date, stray, stray]):
        data = tmp_path / "t.csv"
        data.write_text("ts,x\n" + "".join(f"{v},{i}\n" for i, v in enumerate(rows)))
        df = read_table(data)
        bad = rows.index(stray) + 1
        with pytest.raises(InputError, match=rf"row {bad} is not a timestamp \('{stray}'\)"):
            read_timestamps(df["ts"], "ts")
        assert unreadable_times(df["ts"], "ts").tolist() == [v == stray for v in rows]
        stats = ReadStats()
        kept = skip_unreadable_times(df, "ts", None, "skip", stats, data)
        assert stats.bad_rows == len(rows) - 1
        assert read_timestamps(kept["ts"], "ts")[0].tolist() == [want]
    # an empty cell beside it: a missing time, named as such
    with pytest.raises(InputError, match="row 2"):
        read_timestamps(pd.Series([float(date), np.nan]), "ts")


@pytest.mark.parametrize("epoch", [1_774_656_051, 1_774_656_051_000])
def test_a_tiny_epoch_column_with_a_zero_stays_epoch_times(epoch: int) -> None:
    # (the rule above takes no 10-digit seconds or 13-digit milliseconds for dates)
    ts = read_timestamps(pd.Series([epoch, 0]), "ts")[0]
    assert ts.tolist() == [pd.Timestamp("2026-03-28 00:00:51"), pd.Timestamp("1970-01-01")]
    # nor relative seconds, nor 12-digit milliseconds of 1999, beside a date-like number
    assert read_timestamps(pd.Series([0, 60]), "ts")[0][1] == pd.Timestamp("1970-01-01 00:01:00")
    assert read_timestamps(pd.Series([915148800000, 0]), "ts")[0][0] == pd.Timestamp("1999-01-01")
    assert read_timestamps(pd.Series([20260329, 60]), "ts")[0][1] == pd.Timestamp("1970-01-01 00:01:00")
