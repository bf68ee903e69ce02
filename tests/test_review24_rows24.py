"""Regression tests: after ``--on-bad-rows skip`` an output's ``row`` is the row's own data row
(from 0), a skipped row keeping its number, unused (score, explain, stream; CSV, JSON lines,
Parquet)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.cli._output import ROWS_KEPT_NOTE
from hourglass.ingest import ReadStats, iter_table
from tests._cli import ab_model, runner

#: inputs whose last row (7, 8) is data row 3: a row skipped before it (data row 2)
INPUTS = {
    "refused.csv": "a,b\n1,2\n3,4\n5,x\n7,8\n",  # a value the model refuses
    "fields.csv": "a,b\n1,2\n\n3,4\n5,6,9\n7,8\n",  # a row of three fields (and a blank line)
    "refused.jsonl": '{"a": 1, "b": 2}\n{"a": 3, "b": 4}\n{"a": 5, "b": "x"}\n{"a": 7, "b": 8}\n',
    "broken.jsonl": '{"a": 1, "b": 2}\n{"a": 3, "b": 4}\nnot json\n{"a": 7, "b": 8}\n',
}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A table model on two numeric columns a, b (every row of the inputs scores above its
    threshold, so every row is written)."""
    folder = tmp_path_factory.mktemp("rows24")
    return ab_model(folder)


def _rows(path: Path) -> list[int]:
    if path.suffix == ".jsonl":
        return [json.loads(line)["row"] for line in path.read_text().splitlines()]
    with path.open() as fh:
        return [int(r["row"]) for r in csv.DictReader(fh)]


# What was wrong: score and explain -o numbered 'row' by the rows kept, so past a skipped row
# (7,8, data row 3) a row was written as row 2, lower than its data row (README: data rows
# counted from 0), with a note saying so. 'row' is now the row's own data row, for a row the
# model refused and one the reader skipped (CSV, JSON lines) alike, and no note is needed.
@pytest.mark.parametrize("command", ["score", "explain"])
@pytest.mark.parametrize("name", sorted(INPUTS))
@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_rows_are_data_rows_past_a_skipped_row(model: Path, tmp_path: Path, command: str,
                                               name: str, ext: str) -> None:
    data = tmp_path / name
    data.write_text(INPUTS[name])
    out = tmp_path / f"out.{ext}"
    every = ["--all"] if command == "explain" else []
    res = runner.invoke(app, [command, str(model), str(data), "--on-bad-rows", "skip", *every,
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert _rows(out) == [0, 1, 3]
    assert "skipped 1 malformed row(s)" in res.stderr
    assert ROWS_KEPT_NOTE not in " ".join(res.stderr.split())


# What was wrong (as above), for Parquet: a row the model refused made the next row's number
# its own.
def test_parquet_rows_are_data_rows(model: Path, tmp_path: Path) -> None:
    data = tmp_path / "refused.parquet"
    pd.DataFrame({"a": [1.0, 3.0, 5.0, 7.0], "b": ["2", "4", "x", "8"]}).to_parquet(data)
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["score", str(model), str(data), "--on-bad-rows", "skip", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert _rows(out) == [0, 1, 3]


# What was wrong (as above), for grouped alerts: first_row, last_row and top_row counted the
# rows kept.
def test_grouped_rows_are_data_rows(model: Path, tmp_path: Path) -> None:
    data = tmp_path / "fields.csv"
    data.write_text(INPUTS["fields.csv"])
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["score", str(model), str(data), "--on-bad-rows", "skip",
                              "--group-by", "a", "-o", str(out)])
    assert res.exit_code == 0, res.output
    groups = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(g["first_row"], g["last_row"], g["top_row"]) for g in groups] == [(0, 0, 0), (1, 1, 1),
                                                                              (3, 3, 3)]


# What was wrong: stream --on-bad-rows skip numbered alerts by the rows kept (the row of line 4,
# data row 3, was row 2), and its summary said so. Alerts (and grouped alerts) now carry data
# rows: a malformed line, a row without a model column and a refused value keep their numbers.
@pytest.mark.parametrize("grouped", [False, True])
def test_stream_rows_are_data_rows(model: Path, tmp_path: Path, grouped: bool) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text('{"a": 1, "b": 2}\n{"a": 3}\nnot json\n\n{"a": 5, "b": "x"}\n{"a": 7, "b": 8}\n')
    how = ["--group-by", "a"] if grouped else ["--all"]
    res = runner.invoke(app, ["stream", str(model), "--input", str(data), "--on-bad-rows", "skip",
                              "--batch", "2", *how])
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [d["first_row" if grouped else "row"] for d in docs] == [0, 4]
    assert "skipped 3 malformed line(s) (lines 2, 3, 5)" in res.stderr
    assert ROWS_KEPT_NOTE not in " ".join(res.stderr.split())


# What was wrong: the CSV reader did not know where pyarrow's parallel parser dropped a row of
# the wrong field count (past the first block), so no row after it had a known data row. Such a
# row now ends the parallel read and the file is read again in one thread, where pyarrow numbers
# each row: every row kept is placed (blank lines, a row of text in a column of numbers, a line
# that is no UTF-8 and repeated text among them), and each skipped row's line is told.
def test_reader_places_every_skipped_row(tmp_path: Path) -> None:
    n = 200_000
    lines = [f"{i},{i}" for i in range(n)]
    for j in (5, 150_000, 150_001, 199_999):
        lines[j] = "1,2,3"  # (the same text each time)
    lines[170_000] = "170000,word"
    data = tmp_path / "big.csv"
    data.write_bytes(b"a,b\n\n" + "\n".join(lines[:100]).encode() + b"\n\xff\xfe,1\n"
                     + "\n".join(lines[100:]).encode() + b"\n")
    stats = ReadStats()
    df = pd.concat(list(iter_table(data, fmt="csv", on_bad_rows="skip", stats=stats,
                                   chunk_bytes=1 << 20)))
    # data rows: lines 0-99, the undecodable line (100), then line i at data row i + 1
    bad = {5, 150_000, 150_001, 170_000, 199_999}
    want = [i + (i >= 100) for i in range(n) if i not in bad]
    assert df["a"].astype(int).tolist() == [i for i in range(n) if i not in bad]  # (text: \xff)
    assert stats.known(np.arange(len(df))).tolist() == want
    assert stats.first_skip is None and stats.bad_rows == 6
    assert stats.bad_lines == [8, 103, 150_004, 150_005, 170_004, 200_003]


# What was wrong (as above), for the rows a caller leaves out after the reader skipped some:
# positions among the rows kept map through both to data rows.
def test_rows_of_maps_reader_and_caller_skips() -> None:
    stats = ReadStats()
    stats.skipped(None, at=0)  # data row 0
    stats.skipped(None, at=2)  # data row 3 (after data rows 1, 2)
    stats.left_out(None, at=3)  # data row 5 (the reader's 4th row: data rows 1, 2, 4, 5)
    assert stats.rows_of(np.arange(4)).tolist() == [1, 2, 4, 6]
    assert stats.data_row(2) == 5 and not stats.shifted(4)
    stats.note_skip(5)  # a skipped row whose place is not known, after the reader's 5th row
    assert stats.known(np.arange(5)).tolist() == [1, 2, 4, 6, -1] and stats.shifted(5)


# What was wrong: inspect's look past its preview (_more_rows) put back the reader's counts as
# they were, but a skipped row's place (ReadStats.gaps, a list changed in place) stayed counted.
def test_more_rows_puts_back_the_places_of_skipped_rows() -> None:
    from hourglass.cli.info import _more_rows

    stats = ReadStats(rows=5, bad_rows=1, bad_lines=[3], gaps=[1])

    def chunks() -> Iterator[pd.DataFrame]:
        stats.skipped(9, at=stats.rows)  # a malformed row past the preview
        stats.rows += 2
        yield pd.DataFrame({"a": [1.0, 2.0]})

    assert _more_rows(chunks(), stats) is True
    assert (stats.rows, stats.bad_rows, stats.bad_lines, stats.gaps) == (5, 1, [3], [1])
