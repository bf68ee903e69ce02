"""Regression tests: timestamps, table input and output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError


def test_compact_dates_a_csv_reads_as_numbers_are_dates_as_their_text_is(tmp_path: Path) -> None:
    from hourglass._times import read_timestamps, unreadable_times
    from hourglass.ingest import read_table

    days = pd.date_range("2026-01-01", periods=60, freq="D").strftime("%Y%m%d")
    p = tmp_path / "days.csv"
    pd.DataFrame({"day": days, "v": np.arange(60)}).to_csv(p, index=False)
    col = read_table(p)["day"]
    assert pd.api.types.is_integer_dtype(col)  # the reader types them as numbers
    ts, _ = read_timestamps(col, "day")
    assert str(ts[0]) == "2026-01-01 00:00:00" and str(ts[-1]) == "2026-03-01 00:00:00"
    assert ts.equals(read_timestamps(pd.Series(list(days)), "day")[0])  # as JSON strings
    assert str(read_timestamps(col.astype(np.float64), "day")[0][1]) == "2026-01-02 00:00:00"
    assert not unreadable_times(col, "day").any()
    with pytest.raises(InputError, match=r"row 21 is not a timestamp \('20260230'\)"):
        read_timestamps(pd.Series([20260328] * 20 + [20260230]), "day")
    # epoch seconds, and a counter of seconds, stay epoch times
    assert str(read_timestamps(pd.Series([1_700_000_000]), "t")[0][0]) == "2023-11-14 22:13:20"
    assert str(read_timestamps(pd.Series(np.arange(20260101, 20260201)), "t")[0][0]).startswith("1970")


def test_json_lines_write_a_date_column_as_the_csv_does_not_as_epoch_milliseconds(tmp_path: Path) -> None:
    import json

    from hourglass.ingest import read_table
    from hourglass.ingest.writers import chunk_writer

    p = tmp_path / "t.csv"
    p.write_text("day,n\n2024-01-01,1\n2024-01-02,2\n")
    df = read_table(p)  # the CSV reader types 'day' as dates (Python date objects)
    out = tmp_path / "o.jsonl"
    with chunk_writer(out) as w:
        w.write(df)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["day"] for r in rows] == ["2024-01-01", "2024-01-02"]
    csv = tmp_path / "o.csv"
    with chunk_writer(csv) as w:
        w.write(df)
    assert csv.read_text().splitlines()[1].startswith("2024-01-01")


def test_an_output_that_replaces_a_private_file_keeps_its_permissions(tmp_path: Path) -> None:
    import os
    import stat

    from hourglass.ingest.readers import default_mode, write_table
    from hourglass.ingest.writers import chunk_writer

    df = pd.DataFrame({"score": [0.5]})
    for name in ("alerts.csv", "alerts.jsonl.gz", "alerts.parquet"):
        out = tmp_path / name
        out.write_bytes(b"old")
        out.chmod(0o600)
        write_table(df, out)
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600, name
        with chunk_writer(out) as w:
            w.write(df)
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600, name
    fresh = tmp_path / "fresh.csv"
    write_table(df, fresh)
    assert stat.S_IMODE(os.stat(fresh).st_mode) == default_mode(directory=False)


def test_a_day_first_date_with_dashes_is_not_said_to_have_a_utc_offset() -> None:
    from hourglass._times import read_timestamps

    # '-2024', the year, was read as an offset of -20:24; each row now reads in its own layout
    ts, _ = read_timestamps(pd.Series(["15-01-2024 10:00", "16-01-2024"]), "ts")
    assert list(map(str, ts)) == ["2024-01-15 10:00:00", "2024-01-16 00:00:00"]
    with pytest.raises(InputError) as info:
        read_timestamps(pd.Series(["15-01-2024 10:00", "16-01-2024 soon"]), "ts")
    assert "offset" not in str(info.value) and "row 2" in str(info.value)
    with pytest.raises(InputError, match=r"row 2 \('2024-01-15T10:00:00'\) has no UTC offset"):
        read_timestamps(pd.Series(["2024-01-15T10:00:00-05:00", "2024-01-15T10:00:00"]), "ts")
    ts, _ = read_timestamps(pd.Series(["15-01-2024", "16-01-2024"]), "ts")
    assert str(ts[1]) == "2024-01-16 00:00:00"
    for day in ("16-Jan-2024", "16-JAN-2024"):  # a month's name before the year: no offset either
        ts, _ = read_timestamps(pd.Series(["15-Jan-2024 10:00", day]), "ts")
        assert list(map(str, ts)) == ["2024-01-15 10:00:00", "2024-01-16 00:00:00"], day


def test_a_pretty_printed_json_file_is_named_as_such_not_as_a_malformed_first_line(
        tmp_path: Path) -> None:
    from hourglass.ingest import read_table

    p = tmp_path / "events.json"
    p.write_text('[\n  {"a": 1, "b": "x"},\n  {"a": 2, "b": "y"}\n]\n')
    with pytest.raises(InputError, match=r"line 1: pretty-printed JSON \(a document spread over lines\)"):
        read_table(p)
    p.write_bytes(b'\xef\xbb\xbf{\n  "a": 1\n}\n')
    with pytest.raises(InputError, match="not JSON lines"):
        read_table(p)
    p.write_text('{"a": 1}\n[\n')  # a bad line after rows: the usual error
    with pytest.raises(InputError, match=r"line 2: not valid JSON"):
        read_table(p)
    p.write_bytes(b"\xff[\n")
    with pytest.raises(InputError, match="undecodable bytes"):
        read_table(p)
