"""Review fixes in tabular ingest (round 5): chunks joined by column name, the same text column
throughout a file read by a format, 64-bit ids exact in Parquet and JSON lines with a missing
value, and columns a model does not use that turn to text in a later chunk."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hourglass.errors import InputError
from hourglass.ingest import ReadStats, get_format, read_table, tables
from hourglass.ingest.datasets import DatasetSpec

BIG = 2**60 + 1


def test_json_chunks_are_joined_by_column_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the second chunk orders its fields otherwise, the third lacks one: ints stay ints
    monkeypatch.setattr(tables, "_JSONL_CHUNK_ROWS", 2)
    rows = [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"b": "z", "a": 3}, {"b": "w", "a": 4}, {"b": "v"}]
    p = tmp_path / "e.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    df = read_table(p)
    assert df["a"].tolist()[:4] == [1, 2, 3, 4] and df["a"].isna().iloc[4]
    assert df["b"].tolist() == ["x", "y", "z", "w", "v"]


def test_format_read_has_a_late_text_id_column_as_text_throughout(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # train reads through the format's read: a column of 64-bit ids that meets a number no int64
    # holds (a fraction) in a later chunk was ints in the first chunks and strings after, in one
    # column (a word, 'abc', is a malformed value since review 22, kp22, as in any number column)
    monkeypatch.setitem(DatasetSpec.iter_chunks.__kwdefaults__, "chunk_bytes", 1 << 18)
    p = tmp_path / "ids.csv"
    p.write_text("id,v\n" + "".join(f"{BIG + i},{i}\n" for i in range(40000)) + "1.5,1\n")
    df = get_format("csv").read(p)
    assert len(df) == 40001 and set(df["id"].map(type)) == {str}
    assert df["id"].iloc[0] == str(BIG) and df["id"].iloc[-1] == "1.5"
    p.write_text("id,v\n" + "".join(f"{BIG + i},{i}\n" for i in range(40000)) + "abc,1\n")
    with pytest.raises(InputError, match="line 40002: column 'id': malformed value 'abc'"):
        get_format("csv").read(p)
    df = get_format("csv").read(p, on_bad_rows="skip")
    assert len(df) == 40000 and df["id"].dtype == "int64" and df["id"].iloc[-1] == BIG + 39999


def test_64_bit_ids_with_a_missing_value_stay_exact_in_parquet_and_json_lines(tmp_path: Path) -> None:
    # CSV keeps them exact (nullable Int64); Parquet and JSON lines rounded them through float64
    (tmp_path / "ids.csv").write_text(f"id,v\n{BIG},1\n,2\n")
    pq.write_table(pa.table({"id": pa.array([BIG, None], pa.int64()), "v": [1, 2]}), tmp_path / "ids.parquet")
    (tmp_path / "ids.jsonl").write_text(f'{{"id": {BIG}, "v": 1}}\n{{"v": 2}}\n')
    (tmp_path / "nested.jsonl").write_text(f'{{"s": {{"id": {BIG}}}, "v": 1}}\n{{"s": {{}}, "v": 2}}\n')
    pq.write_table(pa.table({"s": pa.array([{"id": BIG}, {"id": None}]), "v": [1, 2]}),
                   tmp_path / "nested.parquet")
    for name, col in (("ids.csv", "id"), ("ids.parquet", "id"), ("ids.jsonl", "id"),
                      ("nested.jsonl", "s.id"), ("nested.parquet", "s.id")):
        df = read_table(tmp_path / name)
        assert str(df[col].dtype) == "Int64", name
        assert df[col].iloc[0] == BIG and df[col].isna().iloc[1], name
    # small numbers with a missing value are floats, as before
    (tmp_path / "small.jsonl").write_text('{"n": 5}\n{"n": null}\n')
    assert read_table(tmp_path / "small.jsonl")["n"].dtype == "float64"


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_a_late_fraction_of_a_second_reads_in_a_column_of_whole_seconds(tmp_path: Path, mode: str) -> None:
    # the first block has whole seconds (typed timestamp[s]): a later '.5' stopped the read (error
    # mode) or dropped its row (skip mode)
    p = tmp_path / "times.csv"
    p.write_text("ts,x\n" + "".join(f"2024-05-01 10:00:00,{i}\n" for i in range(60000))
                 + "2024-05-01 10:00:00.5,1\n2024-05-01T11:00:00.123456,2\n9999-12-31 00:00:00,3\n")
    stats = ReadStats()
    df = read_table(p, on_bad_rows=mode, stats=stats)
    assert len(df) == 60003 and stats.bad_rows == 0
    assert df["ts"].iloc[-3] == pd.Timestamp("2024-05-01 10:00:00.5")
    assert df["ts"].iloc[-2] == pd.Timestamp("2024-05-01 11:00:00.123456")
    assert df["ts"].iloc[-1].year == 9999  # a year nanoseconds cannot hold
    # a zone is kept
    p.write_text("ts,x\n2024-05-01T10:00:00Z,1\n2024-05-01T10:00:00.25+02:00,2\n")
    assert read_table(p)["ts"].tolist() == [pd.Timestamp("2024-05-01 10:00:00Z"),
                                          pd.Timestamp("2024-05-01 08:00:00.25Z")]
    p.write_text("ts,x\n9999-12-31 00:00:00,1\n2024-05-01 10:00:00,2\n")
    assert read_table(p)["ts"].iloc[0].year == 9999


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    # was "empty file" (the header taken from the blank first line), and no sniffed delimiter
    p = tmp_path / "report.csv"
    p.write_text("\n\r\na;b\n1;2\n3;4;5\n6;7\n")
    stats = ReadStats()
    assert read_table(p, on_bad_rows="skip", stats=stats).to_dict("list") == {"a": [1, 6], "b": [2, 7]}
    assert stats.bad_lines == [5]
    with pytest.raises(InputError, match="line 5: expected 2 fields, found 3"):
        read_table(p)
    p.write_text("\n\n")
    with pytest.raises(InputError, match="empty file"):
        read_table(p)


@pytest.mark.parametrize("header", ["duration,protocol_type", '\ufeff"duration","protocol_type"'])
def test_nsl_kdd_with_a_header_line_reads_as_without(tmp_path: Path, header: str) -> None:
    # the header line was read as a row: every column text, and an attack row labelled 'label'
    rows = ("0,tcp,http,SF,181,5450" + ",0" * 35 + ",normal,21\n"
            "2,udp,private,SF,105,146" + ",0" * 35 + ",snmpgetattack,15\n")
    names = header + ",x" * 39 + ",attack,level\n"  # 43 names, the last spelled otherwise
    (tmp_path / "plain.txt").write_text(rows)
    (tmp_path / "named.csv").write_text(names + rows, encoding="utf-8")
    spec = get_format("nsl-kdd")
    plain, named = spec.read(tmp_path / "plain.txt"), spec.read(tmp_path / "named.csv")
    assert named.equals(plain) and len(named) == 2
    assert named["src_bytes"].tolist() == [181, 105]
    assert named["label"].tolist() == ["normal", "snmpgetattack"]


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_json_lines_joined_from_files_with_byte_order_marks(tmp_path: Path, mode: str) -> None:
    # the second file's mark made its first line malformed JSON (skip mode: a dropped row)
    p = tmp_path / "joined.jsonl"
    p.write_bytes(b'\xef\xbb\xbf{"a": 1}\n{"a": 2}\n\xef\xbb\xbf{"a": 3}\n')
    stats = ReadStats()
    assert read_table(p, on_bad_rows=mode, stats=stats)["a"].tolist() == [1, 2, 3]
    assert stats.bad_rows == 0


def test_a_pandas_index_stored_in_parquet_is_a_column_when_named(tmp_path: Path) -> None:
    # a time series saved with its timestamps as the index lost them (--timestamp-col: no column)
    df = pd.DataFrame({"timestamp": pd.date_range("2024-01-01", periods=6, freq="min"),
                       "x": [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]})
    df.set_index("timestamp").to_parquet(tmp_path / "named.parquet")
    df[df["x"] > 2].to_parquet(tmp_path / "rows.parquet")  # an unnamed index of row numbers 1..5
    named = read_table(tmp_path / "named.parquet")
    assert named.columns.tolist() == ["x", "timestamp"] and named["timestamp"].equals(df["timestamp"])
    rows = read_table(tmp_path / "rows.parquet")
    assert rows.columns.tolist() == ["timestamp", "x"] and rows.index.tolist() == [0, 1, 2, 3, 4]
    chunks = list(tables.iter_table(tmp_path / "named.parquet", fmt="parquet", chunk_bytes=400))
    assert [len(c) for c in chunks] == [4, 2] and chunks[1]["timestamp"].iloc[0] == df["timestamp"].iloc[4]


@pytest.mark.parametrize("n", [50, 20000])  # the joined header in the first block, past it
def test_cicflowmeter_files_joined_with_byte_order_marks(tmp_path: Path, n: int) -> None:
    # the second file's header line, after its mark, was taken for a row: counted as data, and
    # in the first block it made every column text
    head = "\ufeffFlow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,Label\n"
    rows = "".join(f"f{i},10.0.0.{i % 250},{1000 + i},10.0.1.1,80,6,01/01/2018 10:00:00,{i},Benign\n"
                   for i in range(n))
    p = tmp_path / "joined.csv"
    p.write_text(head + rows + head + rows, encoding="utf-8")
    for mode in ("error", "skip"):
        stats = ReadStats()
        df = get_format("cicflowmeter").read(p, on_bad_rows=mode, stats=stats)
        assert len(df) == 2 * n and stats.bad_lines == [n + 2]
        assert df["Flow Duration"].dtype == "int64" and df["Flow Duration"].iloc[-1] == n - 1


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_an_unused_column_turns_to_text_instead_of_stopping(tmp_path: Path, mode: str) -> None:
    # numbers in the first block, a word later: scoring stopped (error mode) or dropped the row
    # (skip mode) over a column its model ignores
    p = tmp_path / "flows.csv"
    p.write_text("x,y,note\n" + "".join(f"{i},{i * 2},{i}\n" for i in range(60000)) + "1,2,hello\n3,4,5\n")
    stats = ReadStats()
    chunks = list(tables.iter_table(p, fmt="csv", on_bad_rows=mode, stats=stats, used={"x", "y"},
                                    chunk_bytes=1 << 18))
    assert sum(map(len, chunks)) == 60002 and stats.bad_rows == 0
    assert chunks[-1]["note"].tolist()[-2:] == ["hello", "5"] and chunks[-1]["x"].dtype == "float64"
    if mode == "error":  # a column the caller reads still stops the read
        with pytest.raises(InputError, match="column 'note': malformed value"):
            list(tables.iter_table(p, fmt="csv", used={"x", "note"}))
    # a format with repeated header rows: the header row is still dropped, the word kept as text,
    # with the column's earlier values in the same chunk turned to text too
    head = "Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,Label\n"
    rows = [f"f{i},10.0.0.{i % 250},{1000 + i},10.0.1.1,80,6,01/01/2018 10:00:00,{i},Benign\n"
            for i in range(20010)]
    rows[20005] = rows[20005].replace(",1000,", ",word,").replace(f",{21005},", ",word,")
    p.write_text(head + "".join(rows[:20000]) + head + "".join(rows[20000:]))
    stats = ReadStats()
    chunks = list(tables.iter_table(p, fmt="csv", on_bad_rows=mode, stats=stats, header_rows=True,
                                    used={"Flow Duration"}))
    assert sum(map(len, chunks)) == 20010 and stats.bad_lines == [20002]
    ports = pd.concat(chunks)["Src Port"]
    assert ports.iloc[0] == "1000" and ports.iloc[20005] == "word"


def test_64_bit_ids_stay_exact_when_a_later_chunk_has_small_ones(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # a later chunk with small ids and a missing one is float64: joined to the Int64 one, Float64
    pq.write_table(pa.table({"id": pa.array([BIG, None, 5, None], pa.int64())}), tmp_path / "t.parquet",
                   row_group_size=2)
    monkeypatch.setattr(tables, "_JSONL_CHUNK_ROWS", 2)
    (tmp_path / "t.jsonl").write_text(f'{{"id": {BIG}}}\n{{}}\n{{"id": 5}}\n{{"id": null}}\n')
    for name in ("t.parquet", "t.jsonl"):
        ids = read_table(tmp_path / name, chunk_bytes=200)["id"]
        assert str(ids.dtype) == "Int64" and ids.iloc[0] == BIG and ids.iloc[2] == 5, name
