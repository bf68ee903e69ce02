"""Regression tests: timestamp readings that every reader and ``--on-bad-rows skip`` share."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests._cli import one_line_error


@pytest.mark.parametrize("rows", [
    ["Mar 03 09:14:07", "Mar 03 09:14:08"],
    ["2026-03-03 09:14:06", "Mar 03 09:14:07", "Mar 03 09:14:08"],
])
def test_skip_keeps_a_date_without_a_year_so_the_read_names_it(rows: list[str]) -> None:
    from hourglass._times import unreadable_times

    assert not unreadable_times(pd.Series(rows), "ts").any()
    # a year of 0001 written out and a year past 2262 are still no time a later step can hold
    assert unreadable_times(pd.Series(["0001-01-01 00:00:00", "2026-01-01"]), "ts").tolist() == [True, False]


def test_train_skip_on_syslog_stamps_without_a_year_says_the_year_is_missing(tmp_path: Path) -> None:
    data = tmp_path / "bsd.csv"
    data.write_text("ts,value\n" + "".join(f"Mar 03 09:14:{i},{i}\n" for i in range(10, 40)))
    out = tmp_path / "model"
    one_line_error(["train", str(data), "-o", str(out), "--timestamp-col", "ts", "--on-bad-rows", "skip"],
                   "line 2 ('Mar 03 09:14:10') has no year", out)


@pytest.mark.parametrize("storage", ["pyarrow", "python", None])
def test_gmt_offsets_and_lowercase_z_read_in_every_storage_and_slice(storage: str | None) -> None:
    from hourglass._times import text_to_datetime

    rows = ["2026-06-01T00:00:00Z"] * 3 + ["Mon Jun 01 00:00:00 GMT+02:00 2026", "2026-06-01t00:00:00z"]
    col = pd.Series(rows, dtype=object if storage is None else pd.StringDtype(storage))
    for part in (col, col.iloc[3:], col.iloc[2:4]):  # (slices share the column's buffers)
        got = text_to_datetime(part, utc=True, format="mixed")
        assert got.loc[3:].tolist() == [pd.Timestamp("2026-05-31 22:00:00", tz="UTC"),
                                        pd.Timestamp("2026-06-01 00:00:00", tz="UTC")][:len(got.loc[3:])]


@pytest.mark.parametrize("clock", ["06:55:46", "1:00 PM", "06:55:46Z", "06:55:46 +0000"])
def test_event_tables_and_log_stamps_do_not_date_a_time_of_day_on_the_day_of_the_run(clock: str) -> None:
    import numpy as np

    from hourglass.features.sessions import EventSessions
    from hourglass.ingest.logs import _text_seconds

    now = pd.Timestamp.now(tz="UTC").floor("s")
    rows = ["2026-01-01 00:00:00Z", clock, now.isoformat()]  # (a time dated today still reads)
    for secs in (EventSessions(time_column="ts")._table_times(pd.DataFrame({"ts": rows}), "t"),
                 _text_seconds(pd.Series(rows))):
        assert secs[0] == pd.Timestamp("2026-01-01", tz="UTC").timestamp()
        assert np.isnan(secs[1])  # no readable time: counted as such, not dated today
        assert secs[2] == now.timestamp()


@pytest.mark.parametrize("clock", ["06:55:46", "1:00 PM", "06:55:46.5"])
def test_a_time_of_day_past_the_first_hundred_rows_is_refused_not_dated_today(clock: str) -> None:
    from hourglass._times import read_timestamps
    from hourglass.errors import InputError

    col = pd.Series([f"2026-01-01 00:{i // 60:02d}:{i % 60:02d}" for i in range(150)] + [clock])
    with pytest.raises(InputError, match=rf"row 151 \('{clock}'\) is a time of day without a date"):
        read_timestamps(col, "ts")
    now = pd.Timestamp.now().floor("s")  # a time dated today still reads
    assert read_timestamps(pd.Series([str(now)] * 150), "ts")[0][0] == now
