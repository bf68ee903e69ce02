"""Regression tests: CSV/TSV repeated headers and times with and without offsets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.readers import read_table
from hourglass.ingest.tables import ReadStats, iter_table


@pytest.mark.parametrize("n", [3, 400])  # the repeated header in the first block, and past it
@pytest.mark.parametrize("mode", ["error", "skip"])
def test_text_table_header_repeated_inside_is_no_data_row(tmp_path: Path, n: int, mode: str) -> None:
    # a table of text columns alone: no column refused the header line, which stayed a data row
    part = "user,action\n" + "".join(f"u{i},{'login' if i % 2 else 'logout'}\n" for i in range(n))
    p = tmp_path / "all.csv"
    p.write_text(part + part)
    stats = ReadStats()
    df = pd.concat(iter_table(p, fmt="csv", on_bad_rows=mode, stats=stats, chunk_bytes=1024))
    assert len(df) == 2 * n and "user" not in set(df["user"]) and "action" not in set(df["action"])
    assert stats.bad_rows == 1 and stats.bad_lines == [n + 2]
    # a row that equals the header in some columns only is data
    q = tmp_path / "some.csv"
    q.write_text("user,action\nalice,login\nuser,logout\nbob,action\n")
    assert read_table(q, on_bad_rows=mode)["user"].tolist() == ["alice", "user", "bob"]


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_date_alone_next_to_a_time_with_offset_in_a_later_block(tmp_path: Path, mode: str) -> None:
    # '2024-01-05' ends like an offset ('-05'): read as one, it stopped the read ("malformed
    # value (expected a zone offset ...)", no line) in either mode
    rows = "".join(f"2024-01-01 10:00:{i % 60:02d},{i}\n" for i in range(300))
    p = tmp_path / "t.csv"
    p.write_text("ts,x\n" + rows + "2024-01-05,1\n2024-01-05T10:00:00+02:00,2\n")
    stats = ReadStats()
    df = pd.concat(iter_table(p, fmt="csv", on_bad_rows=mode, stats=stats, chunk_bytes=1024))
    assert len(df) == 302 and stats.bad_rows == 0
    assert [str(t) for t in df["ts"].iloc[-2:]] == ["2024-01-05 00:00:00", "2024-01-05 08:00:00"]


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_header_with_an_empty_cell_repeated_inside_is_no_data_row(tmp_path: Path, mode: str) -> None:
    # pandas' to_csv writes its index under an empty header cell (',bytes,proto'): two such
    # files joined kept the second header as a data row, and 'bytes' became text
    part = pd.DataFrame({"bytes": [10, 20, 30], "proto": ["tcp", "udp", "tcp"]}).to_csv()
    p = tmp_path / "all.csv"
    p.write_text(part + part)
    stats = ReadStats()
    df = read_table(p, on_bad_rows=mode, stats=stats)
    assert df["bytes"].tolist() == [10, 20, 30, 10, 20, 30] and "proto" not in set(df["proto"])
    assert stats.bad_rows == 1 and stats.bad_lines == [5]
    # a row with a missing value where the header cell is empty, other values not the names
    q = tmp_path / "data.csv"
    q.write_text(",bytes,proto\n0,10,tcp\n,20,proto\n")
    assert read_table(q, on_bad_rows=mode)["proto"].tolist() == ["tcp", "proto"]


def test_headerless_csv_time_with_offset_in_a_later_block(tmp_path: Path) -> None:
    # column names given (a header-less file read through the library): a later time with an
    # offset still stopped the read in error mode ('expected no zone offset'), as it did before
    # for every CSV; a value that is no time still stops it, naming its line
    rows = "".join(f"2024-01-01 10:00:{i % 60:02d},{i}\n" for i in range(300))
    p = tmp_path / "t.csv"
    p.write_text(rows + "2024-01-05T10:00:00+02:00,1\n")
    df = pd.concat(iter_table(p, fmt="csv", names=["ts", "x"], chunk_bytes=1024))
    assert len(df) == 301 and str(df["ts"].iloc[-1]) == "2024-01-05 08:00:00"
    p.write_text(rows + "2024-01-05T10:00:00+02:00,1\nsoon,2\n")
    with pytest.raises(InputError, match="line 302: column 'ts': malformed value 'soon'"):
        list(iter_table(p, fmt="csv", names=["ts", "x"], chunk_bytes=1024))
