"""Review 22 (kp22): other --keep fields appended to a stream's JSON lines and SQLite outputs;
64-bit id columns of a CSV meeting a word in a later chunk; one chunk size for the JSON
document readers."""

from __future__ import annotations

import ast
import inspect
import json
import sqlite3
from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest import cloudtrail, jsondoc
from hourglass.ingest.readers import read_table
from hourglass.ingest.tables import ReadStats, iter_table

BIG = 2**60 + 1  # float64 would round it: the column is read as int64 (64-bit ids)


def test_stream_other_keep_fields_jsonl_takes_them_sqlite_refuses(tmp_path: Path) -> None:
    # (decided, pinned: no code changed) a stream with --keep b appended to one with --keep a:
    # JSON lines took it, SQLite refused it, and nothing said why they differ. The kept fields
    # are extra keys of a JSON alert (its own fields, the shape a SIEM reads, unchanged), so
    # .jsonl takes them; a table's columns are fixed, so .sqlite refuses in one line, exit 2,
    # nothing written (README: both places say so)
    from hourglass.cli.app import app
    from tests._cli import one_line_error, runner, small_labelled_model

    made = small_labelled_model(tmp_path)
    rows = made["frame"].drop(columns="label").assign(a="A", b="B").to_dict("records")
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    model = str(made["model"])
    out = tmp_path / "alerts.jsonl"
    for keep in ("a", "b"):
        res = runner.invoke(app, ["stream", model, "-i", str(events), "-o", str(out), "--all",
                                  "--keep", keep, "-q"])
        assert res.exit_code == 0, res.output
    alerts = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(alerts) == 2 * len(rows)
    assert [a.get("a") for a in alerts[:len(rows)]] == ["A"] * len(rows)
    assert all("b" in a and "a" not in a for a in alerts[len(rows):])
    assert {tuple(a)[:2] for a in alerts} == {("row", "score")}
    db = tmp_path / "alerts.sqlite"
    res = runner.invoke(app, ["stream", model, "-i", str(events), "-o", str(db), "--all",
                              "--keep", "a", "-q"])
    assert res.exit_code == 0, res.output
    one_line_error(["stream", model, "-i", str(events), "-o", str(db), "--all", "--keep", "b"],
                   "table 'alerts' has columns")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(a) FROM alerts").fetchone() == (len(rows), len(rows))


def _ids(tmp_path: Path, tail: str, n: int = 60000) -> Path:
    path = tmp_path / "ids.csv"
    path.write_text("id,x\n" + "".join(f"{BIG + i},{i}\n" for i in range(n)) + tail)
    return path


@pytest.mark.parametrize("chunk", [{}, {"chunk_bytes": 200_000}])
def test_csv_64_bit_ids_meeting_a_word_later_stop_in_error_mode(tmp_path: Path, chunk: dict) -> None:
    # a 64-bit id column (ints past 2**53 in the first block) meeting 'abc' in a later chunk
    # turned to text, the word read as an id, with --on-bad-rows error; an int64/float64 column
    # stops there naming the line, and the id column now does the same
    path = _ids(tmp_path, f"abc,1\n{BIG},2\n")
    with pytest.raises(InputError, match=r"line 60002: column 'id': malformed value 'abc' "
                                         r"\(expected int64 as in the first block"):
        read_table(path, on_bad_rows="error", **chunk)
    with pytest.raises(InputError, match="line 60002: column 'x': malformed value 'abc'"):
        read_table(_ids(tmp_path, f"{BIG},abc\n"), on_bad_rows="error", **chunk)


@pytest.mark.parametrize("chunk", [{}, {"chunk_bytes": 200_000}])
def test_csv_64_bit_ids_meeting_a_word_later_skip_the_row(tmp_path: Path, chunk: dict) -> None:
    # the same in skip mode: the row was kept, the ids turned to text; now skipped and counted,
    # the ids exact int64
    stats = ReadStats()
    df = read_table(_ids(tmp_path, f"abc,1\n{BIG},2\n"), on_bad_rows="skip", stats=stats, **chunk)
    assert stats.bad_rows == 1 and stats.bad_lines == [60002]
    assert df["id"].dtype == "int64" and len(df) == 60001
    assert df["id"].iloc[-2:].tolist() == [BIG + 59999, BIG] and df["x"].iloc[-1] == 2


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_csv_64_bit_ids_turned_to_text_by_a_fraction_still_refuse_a_word(tmp_path: Path, mode: str) -> None:
    # a fraction (a number no int64 holds) still turns the column to text, exact; a word in a
    # chunk after it was taken as text too: now malformed (error) or skipped (skip)
    tail = "1.5,1\n" + "".join(f"{BIG},{i}\n" for i in range(60000)) + "abc,2\n-,3\n"
    path = _ids(tmp_path, tail)
    if mode == "error":
        with pytest.raises(InputError, match="line 120003: column 'id': malformed value 'abc'"):
            list(iter_table(path, fmt="csv", chunk_bytes=200_000, on_bad_rows=mode))
        return
    stats = ReadStats()
    df = read_table(path, on_bad_rows=mode, stats=stats, chunk_bytes=200_000)
    assert stats.bad_lines == [120003] and len(df) == 120002
    assert df["id"].iloc[0] == str(BIG) and df["id"].iloc[60000] == "1.5"


def test_chunk_records_defined_once() -> None:
    # _CHUNK_RECORDS = 50_000 was assigned in both jsondoc.py and cloudtrail.py (two numbers to
    # keep alike); cloudtrail now imports jsondoc's
    tree = ast.parse(inspect.getsource(cloudtrail))
    assigned = [t.id for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)]
    assert "_CHUNK_RECORDS" not in assigned
    assert cloudtrail._CHUNK_RECORDS == jsondoc._CHUNK_RECORDS == 50_000
