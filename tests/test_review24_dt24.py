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


@pytest.mark.parametrize("rows", [
    [202603291530, 20260329153000, 202603291531],
    [20260329153000, 202603291530],
    [20260329, 202603291530, 20260329153001],
])
def test_compact_dates_of_12_and_14_digits_each_read_at_their_own_length(rows: list[int]) -> None:
    # a column of 12- and 14-digit compact dates was refused (20260329153000 read in the first
    # row's 12-digit layout: no time, then an epoch time past 2262); as text, 202603291530 after a
    # 14-digit date was read as 15:03. Each is now read at its own length, as numbers and as text
    from hourglass.features.sessions import EventSessions

    def own(v: int) -> pd.Timestamp:
        return pd.Timestamp(pd.to_datetime(str(v), format={8: "%Y%m%d", 12: "%Y%m%d%H%M",
                                                           14: "%Y%m%d%H%M%S"}[len(str(v))]))

    want = [own(v) for v in rows]
    for s in (pd.Series(rows), pd.Series(rows, dtype=np.float64), pd.Series([str(v) for v in rows])):
        assert read_timestamps(s, "ts")[0].tolist() == want
        assert not unreadable_times(s, "ts").any()
        secs = EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": s}), "t")
        assert secs.tolist() == [t.timestamp() for t in want]


def test_compact_dates_beside_epoch_numbers_are_still_refused() -> None:
    # (the refusal for a column truly mixing compact dates with epoch times stays)
    with pytest.raises(InputError, match=r"row 4 is not a timestamp \(20260329153000; numbers are read"):
        read_timestamps(pd.Series([1_774_656_051_000] * 3 + [20260329153000]), "ts")
    with pytest.raises(InputError, match=r"row 21 is not a timestamp \('1774656051'\)"):
        read_timestamps(pd.Series([202603291530] * 10 + [20260329153000] * 10 + [1_774_656_051]), "ts")
