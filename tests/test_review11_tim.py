"""Regression tests: timestamps, table input and output edge cases."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from hourglass._times import read_timestamps, unreadable_times
from hourglass.errors import InputError


def test_epoch_times_written_as_text_read_as_epoch_times() -> None:
    # JSON strings, or a CSV column that a '-' made text: what unreadable_times calls readable
    text = pd.Series(["1774656051", "1774656051000", 1774656052], dtype=object)
    assert not unreadable_times(text, "ts").any()
    ts, order = read_timestamps(text, "ts")
    assert order is None
    assert list(ts) == [pd.Timestamp("2026-03-28 00:00:51")] * 2 + [pd.Timestamp("2026-03-28 00:00:52")]
    with pytest.raises(InputError, match=r"row 2 is not a timestamp \('-'; the column holds epoch"):
        read_timestamps(pd.Series(["1774656051", "-", "1774656052"]), "ts")
    # a column of dates still reads as dates
    assert read_timestamps(pd.Series(["2026-01-01", "2026-01-02"]), "ts")[0][1] == pd.Timestamp("2026-01-02")


def test_gzip_compressed_parquet_reads(tmp_path) -> None:
    import gzip

    from hourglass.ingest.readers import read_table, write_table

    # compressed with gzip afterwards: '.gz read directly', not 'magic bytes not found'
    (tmp_path / "z.parquet.gz").write_bytes(gzip.compress(_parquet_bytes()))
    assert read_table(tmp_path / "z.parquet.gz")["a"].tolist() == [1, 2]
    # the writers' .parquet.gz (Parquet compressed inside, not gzip) still reads
    write_table(pd.DataFrame({"a": [1, 2]}), tmp_path / "w.parquet.gz")
    assert (tmp_path / "w.parquet.gz").read_bytes()[:4] == b"PAR1"
    assert read_table(tmp_path / "w.parquet.gz")["a"].tolist() == [1, 2]


def _parquet_bytes() -> bytes:
    import io

    buf = io.BytesIO()
    pd.DataFrame({"a": [1, 2]}).to_parquet(buf, index=False)
    return buf.getvalue()


def test_byte_order_mark_then_blank_line_then_header(tmp_path) -> None:
    from hourglass.ingest.readers import read_table

    p = tmp_path / "report.csv"
    p.write_bytes(b"\xef\xbb\xbf\r\na,b\r\n1,2\r\n")  # was 'empty file'
    assert read_table(p).to_dict("list") == {"a": [1], "b": [2]}


def test_epoch_milliseconds_read_exactly() -> None:
    from hourglass.serve.ecs import _timestamp

    want = pd.Timestamp("2024-05-01 00:00:00.123")
    # a CSV's numbers are float64, a JSON line's int64; both were .122999907 through float seconds
    assert read_timestamps(pd.Series([1714521600123.0]), "ts")[0][0] == want
    assert read_timestamps(pd.Series([1714521600123]), "ts")[0][0] == want
    assert read_timestamps(pd.Series([1714521600.123]), "ts")[0][0] == want
    assert read_timestamps(pd.Series([1714521600123456789]), "ts")[0][0] == pd.Timestamp(
        "2024-05-01 00:00:00.123456789")
    assert _timestamp(1714521600123, "rt") == "2024-05-01T00:00:00.123Z"  # was .122Z


def test_dotted_dates_of_one_day_read_day_first(caplog, monkeypatch) -> None:
    from hourglass import _times

    # one date spans 0 either way: the written convention decides (it was month first, 2 January,
    # "the times then span 0 seconds, the other way 0 seconds"); the note is said once a column
    monkeypatch.setattr(_times, "_WARNED", set())
    with caplog.at_level(logging.WARNING, logger="hourglass._times"):
        ts, dayfirst = read_timestamps(pd.Series(["01.02.2026 10:00", "01.02.2026 11:00"]),
                                       "dotted_one_day")
    assert dayfirst is True and ts[0] == pd.Timestamp("2026-02-01 10:00")
    said = [r.getMessage() for r in caplog.records if "'dotted_one_day'" in r.getMessage()]
    assert len(said) == 1 and "read day first (DD/MM/YYYY) (as such dates are usually written)" in said[0]
    assert "0 seconds" not in said[0]
    ts, dayfirst = read_timestamps(pd.Series(["01/02/2026 10:00", "01/02/2026 11:00"]), "slashed_one_day")
    assert dayfirst is False and ts[0] == pd.Timestamp("2026-01-02 10:00")


def test_damaged_gzip_is_not_called_uncompressed(tmp_path) -> None:
    from hourglass.ingest.readers import read_table

    bad = tmp_path / "flows.csv.gz"
    bad.write_bytes(b"\x1f\x8b" + b"junk" * 8)  # was 'not gzip-compressed ... rename it without .gz'
    with pytest.raises(InputError, match=r"flows\.csv\.gz: damaged gzip data"):
        read_table(bad)
    plain = tmp_path / "plain.csv.gz"
    plain.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(InputError, match=r"not gzip-compressed, though its name ends in \.gz"):
        read_table(plain)
