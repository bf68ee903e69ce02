"""Review 22 (asd22): an ASD/SMD label file's header word; SQLite alert tables whose kept
columns come in another order or differ."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.sqlite import ensure_table
from hourglass.ingest.timeseries import read_smd
from hourglass.serve.sinks import SQLiteSink, alert_columns


def _entity(root: Path, labels: str) -> Path:
    (root / "test").mkdir()
    (root / "test_label").mkdir()
    (root / "test" / "e.txt").write_text("a,b\n0.1,0.2\n0.3,0.4\n0.5,0.6\n")
    (root / "test_label" / "e.txt").write_text(labels)
    return root / "test" / "e.txt"


def test_label_file_header_word_is_left_out(tmp_path: Path) -> None:
    # what was wrong: a test_label file with a header word ('label' on line 1, then 0/1 lines)
    # was refused ('line 1: expected one 0/1 label a line'), though the series file's header
    # line is read
    df = read_smd(_entity(tmp_path, "label\n0\n1\n1\n"))
    assert df["label"].tolist() == [0, 1, 1]


@pytest.mark.parametrize(("text", "line", "got"), [
    ("0\nlabel\n1\n", 2, "label"),          # a word below the first line
    ("label\nlabel\n0\n1\n", 2, "label"),   # two header lines
    ("label,x\n0\n1\n1\n", 1, "label,x"),   # more than one word
    ("nan\n0\n1\n1\n", 1, "nan"),           # a number, not a word
])
def test_label_file_other_text_still_refused(tmp_path: Path, text: str, line: int, got: str) -> None:
    # what was wrong: nothing (the header word must not open the door to other text): anything
    # but one header word on the first line is refused with the message as before
    with pytest.raises(InputError, match=f"line {line}: expected one 0/1 label a line, got '{got}'"):
        read_smd(_entity(tmp_path, text))


def test_stream_table_takes_the_same_kept_fields_in_another_order(tmp_path: Path) -> None:
    # what was wrong: 'stream -o alerts.sqlite --keep a --keep b', then '--keep b --keep a' on the
    # same table was refused (the column lists compared in order), though rows go in by name
    path = tmp_path / "alerts.sqlite"
    with SQLiteSink(path, alert_columns("table", keep=["a", "b"])) as sink:
        sink.write([{"row": 1, "score": 2.0, "a": "A1", "b": "B1"}])
    with SQLiteSink(path, alert_columns("table", keep=["b", "a"])) as sink:
        sink.write([{"row": 2, "score": 3.0, "a": "A2", "b": "B2"}])
    rows = sqlite3.connect(path).execute("SELECT row, a, b FROM alerts ORDER BY row").fetchall()
    assert rows == [(1, "A1", "B1"), (2, "A2", "B2")]


def test_other_columns_still_refused_in_any_order() -> None:
    # what was wrong: nothing (the order-free check must not take another table): a column
    # of another type, or one more, is still refused
    conn = sqlite3.connect(":memory:")
    ensure_table(conn, "t", [("row", "INTEGER"), ("score", "REAL")], "a.db")
    for cols in ([("score", "TEXT"), ("row", "INTEGER")], [("score", "REAL")],
                 [("score", "REAL"), ("row", "INTEGER"), ("x", "")]):
        with pytest.raises(InputError, match="choose another table name or file"):
            ensure_table(conn, "t", cols, "a.db")


@pytest.mark.parametrize(("keep", "ours"), [(["c"], "c"), ([], "none"), (["a", "b", "c"], "a, b, c")])
def test_refusal_names_kept_fields_when_only_they_differ(tmp_path: Path, keep: list[str],
                                                         ours: str) -> None:
    # what was wrong: a stream with other --keep fields than the table's was refused with
    # 'table ... has columns (...), not the (...) written here; choose another table name or
    # file', not saying that --keep, the usual cause, is where the two differ
    path = tmp_path / "alerts.sqlite"
    SQLiteSink(path, alert_columns("table", keep=["a", "b"])).close()
    with pytest.raises(InputError) as err:
        SQLiteSink(path, alert_columns("table", keep=keep))
    msg = str(err.value)
    assert "\n" not in msg
    assert (f"written here; they differ only in kept fields (--keep): the table keeps (a, b), "
            f"this run ({ours}); keep the table's fields, or choose another table name or file"
            ) in msg


def test_refusal_of_another_kind_of_table_names_no_kept_fields(tmp_path: Path) -> None:
    # what was wrong: nothing (the hint is for kept fields only): a table of another model's
    # alerts, or ECS documents, is refused as before, no word of --keep
    path = tmp_path / "alerts.sqlite"
    SQLiteSink(path, alert_columns("table", keep=["a"])).close()
    for columns in (alert_columns("time-series", keep=["a"]), alert_columns("table", ecs=True)):
        with pytest.raises(InputError, match=r"written here; choose another table name or file$"):
            SQLiteSink(path, columns)
