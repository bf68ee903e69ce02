"""Regression tests: reading tables (CSV/TSV/JSONL/Parquet, gzip) as every command reads them."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.readers import read_table
from hourglass.ingest.tables import ReadStats, iter_table


@pytest.mark.parametrize("name", ["FLOWS.CSV.GZ", "flows.csv.Gz", "flows.TSV.GZ"])
@pytest.mark.parametrize("mode", ["error", "skip"])
def test_gzip_name_in_capitals_is_decompressed(tmp_path: Path, name: str, mode: str) -> None:
    # a Windows tool's FLOWS.CSV.GZ: pyarrow decompresses only '.gz', and read the gzip bytes as
    # text ('line None: undecodable bytes'; in skip mode through another path, by luck)
    sep = "\t" if "TSV" in name else ","
    text = f"a{sep}b\n" + "".join(f"{i}{sep}{2 * i}\n" for i in range(500))
    p = tmp_path / name
    p.write_bytes(gzip.compress(text.encode()))
    stats = ReadStats()
    df = read_table(p, on_bad_rows=mode, stats=stats)
    assert df.shape == (500, 2) and df["b"].tolist() == [2 * i for i in range(500)]
    assert stats.bad_rows == 0
    assert sum(len(c) for c in iter_table(p, fmt="csv" if sep == "," else "tsv", chunk_bytes=1024)) == 500


@pytest.mark.parametrize("n", [300, 60000])  # the repeated header in the first block, and past it
@pytest.mark.parametrize("mode", ["error", "skip"])
def test_plain_csv_header_repeated_inside_is_no_data_row(tmp_path: Path, n: int, mode: str) -> None:
    # 'cat a.csv b.csv > all.csv': the second header was a row of text (label 'label': an attack
    # row) and turned every column of its block to text, so train fitted what score refused
    part = "bytes,proto,label\n" + "".join(f"{i},{'tcp' if i % 2 else 'udp'},normal\n" for i in range(n))
    p = tmp_path / "all.csv"
    p.write_text(part + part)
    stats = ReadStats()
    df = read_table(p, on_bad_rows=mode, stats=stats)
    assert len(df) == 2 * n and stats.bad_rows == 1 and stats.bad_lines == [n + 2]
    assert df["bytes"].dtype.kind == "i" and df["bytes"].tolist() == [*range(n), *range(n)]
    assert set(df["label"]) == {"normal"}
    # a one-column table keeps a value that happens to be its name
    one = tmp_path / "one.csv"
    one.write_text("host\nhost\nweb\n")
    assert read_table(one)["host"].tolist() == ["host", "web"]


def test_cicflowmeter_undecodable_line_in_the_first_block_is_skipped(tmp_path: Path) -> None:
    # a format that repeats its header parsed the first block as text, which refused the bytes
    # that are no UTF-8 as an error even with --on-bad-rows skip
    from hourglass.ingest import get_format

    lines = [b" Flow ID, Src Port,Flow Duration, Label"]
    lines += [f"f{i},{i},{i * 10},BENIGN".encode() for i in range(50)]
    lines[20] = b"f19,19,\xff\xfe,BENIGN"
    p = tmp_path / "cic.csv"
    p.write_bytes(b"\n".join(lines) + b"\n")
    stats = ReadStats()
    df = get_format("cicflowmeter").read(p, on_bad_rows="skip", stats=stats)
    assert len(df) == 49 and stats.bad_rows == 1 and stats.bad_lines == [21]
    assert df["Flow Duration"].dtype.kind in "if" and 190 not in df["Flow Duration"].tolist()


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_line_of_spaces_is_a_blank_line(tmp_path: Path, mode: str) -> None:
    # a hand-edited file's line of spaces stopped the read ('expected 2 fields, found 1') where
    # an empty line is passed over; the lines of later rows are still told right
    rows = [f"{i},{i}" for i in range(120000)]
    rows[100000] = "100000,oops"
    p = tmp_path / "ws.csv"
    p.write_text("a,b\n1,2\n   \n" + "\n".join(rows[:70000]) + "\n \t \n" + "\n".join(rows[70000:]) + "\n  ")
    stats = ReadStats()
    if mode == "error":
        with pytest.raises(InputError, match=r"line 100005: column 'b': malformed value 'oops'"):
            read_table(p, stats=stats)
    else:
        df = read_table(p, on_bad_rows=mode, stats=stats)
        assert len(df) == 120000 and stats.bad_rows == 1 and stats.bad_lines == [100005]
    one = tmp_path / "one.csv"  # one column: a value of spaces is a value
    one.write_text("name\nx\n  \ny\n")
    assert len(read_table(one)) == 3


def test_tsv_line_of_tabs_is_a_row_and_later_lines_stay_right(tmp_path: Path) -> None:
    # a line of tabs alone is a row of missing values in a TSV, not a blank line
    rows = [f"{i}\t{i}" for i in range(120000)]
    rows[100000] = "100000\toops"
    p = tmp_path / "t.tsv"
    p.write_text("a\tb\n\t\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"line 100003: column 'b': malformed value 'oops'"):
        read_table(p)
    stats = ReadStats()
    df = read_table(p, on_bad_rows="skip", stats=stats)
    assert len(df) == 120000 and df["a"].isna().sum() == 1 and stats.bad_lines == [100003]


@pytest.mark.parametrize("name", ["flows.csv.bz2", "flows.csv.xz", "flows.zip", "flows.jsonl.bz2"])
def test_other_compressed_data_is_named(tmp_path: Path, name: str) -> None:
    # was 'binary data (NUL bytes) ... (a UTF-16 text file? save it as UTF-8)'
    import bz2
    import lzma
    import zipfile

    from tests._cli import one_line_error

    text = b'{"a": 1}\n' if "jsonl" in name else b"a,b\n1,2\n"
    p = tmp_path / name
    if name.endswith(".bz2"):
        p.write_bytes(bz2.compress(text))
    elif name.endswith(".xz"):
        p.write_bytes(lzma.compress(text))
    else:
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("flows.csv", text)
    kinds = {"bz2": "bzip2-compressed", "xz": "xz-compressed", "zip": "zip-compressed"}
    what = kinds[name.rsplit(".", 1)[1]]
    with pytest.raises(InputError, match=f"{name}: {what}, and only gzip is read directly"):
        read_table(p)
    one_line_error(["inspect", str(p)], f"{what}, and only gzip is read directly")


@pytest.mark.parametrize("mode", ["error", "skip"])
@pytest.mark.parametrize("zoned_first", [False, True])
def test_later_time_with_or_without_offset_reads_as_utc(tmp_path: Path, mode: str, zoned_first: bool) -> None:
    # pyarrow's column of the first block's kind of time refused the other kind past it: a
    # later '...Z' row stopped the read (skip mode dropped it as malformed)
    import pandas as pd

    first = "2024-01-01T10:{:02d}:00Z" if zoned_first else "2024-01-01 10:{:02d}:00"
    rows = [f"{first.format(i % 60)},{i}" for i in range(80000)]
    rows += ["2024-01-02T12:00:00+02:00,1", "2024-01-02 10:00:00.5,2", "2024-01-02T10:00:01Z,3"]
    p = tmp_path / "t.csv"
    p.write_text("ts,v\n" + "\n".join(rows) + "\n")
    stats = ReadStats()
    df = read_table(p, on_bad_rows=mode, stats=stats)
    assert len(df) == 80003 and stats.bad_rows == 0
    got = pd.to_datetime(df["ts"].iloc[-3:], utc=True).tolist()
    assert got == [pd.Timestamp(t, tz="UTC") for t in ("2024-01-02 10:00:00", "2024-01-02 10:00:00.5",
                                                         "2024-01-02 10:00:01")]
    bad = tmp_path / "bad.csv"  # a value that is no time is still a bad row
    bad.write_text("ts,v\n" + "\n".join(rows) + "\nnot a time,4\n")
    if mode == "error":
        with pytest.raises(InputError, match=r"line 80005: column 'ts': malformed value 'not a time'"):
            read_table(bad)
    else:
        stats = ReadStats()
        assert len(read_table(bad, on_bad_rows="skip", stats=stats)) == 80003 and stats.bad_lines == [80005]


@pytest.mark.parametrize("again", ['"bytes","proto"', " bytes , proto ", "\ufeffbytes,proto\r"])
def test_header_repeated_quoted_or_spaced_otherwise_is_no_data_row(tmp_path: Path, again: str) -> None:
    p = tmp_path / "t.csv"
    p.write_text(f"bytes,proto\n1,tcp\n{again}\n2,udp\n", encoding="utf-8")
    stats = ReadStats()
    df = read_table(p, stats=stats)
    assert df["bytes"].tolist() == [1, 2] and stats.bad_rows == 1 and stats.bad_lines == [3]
