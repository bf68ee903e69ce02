"""Regression tests: a locked SQLite database, numpy times and durations in SQLite columns, numpy
long doubles in JSON alerts, and suppression windows outside the times a row can have."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from hourglass.errors import HourglassError, InputError


@pytest.mark.parametrize("mode", ["delete", "wal"])
@pytest.mark.parametrize("lock", ["IMMEDIATE", "EXCLUSIVE"])
def test_sqlite_sink_on_a_locked_database_says_it_is_locked_not_that_it_is_no_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, lock: str) -> None:
    # in the default (rollback journal) mode, or with an exclusive lock, the lock was met when the
    # database was opened: "cannot open it as a SQLite database (database is locked)", an InputError
    from hourglass.serve.sinks import SQLiteSink, alert_columns

    path = tmp_path / "live.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute(f"PRAGMA journal_mode={mode}")
    holder.execute("CREATE TABLE other (x)")
    holder.execute(f"BEGIN {lock}")
    holder.execute("INSERT INTO other VALUES (1)")  # unsaved changes
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda p, timeout=30.0: connect(p, timeout=0.1))
    try:
        with pytest.raises(HourglassError, match=r"live\.sqlite: could not (open the database|read or "
                                                 r"create table 'alerts') \(database is locked\); "
                                                 "another program may hold a write transaction") as info:
            SQLiteSink(path, alert_columns("table"), wal=mode == "wal")
        assert not isinstance(info.value, InputError)
        assert "SQLite database" not in str(info.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with SQLiteSink(path, alert_columns("table")) as sink:  # once released: opens
        sink.write([{"row": 1, "score": 1.0}])


def test_connect_still_refuses_a_file_that_is_no_database(tmp_path: Path) -> None:
    from hourglass.ingest.sqlite import connect

    path = tmp_path / "text.db"
    path.write_text("not a database\n" * 100)
    with pytest.raises(InputError, match=r"text\.db: cannot open it as a SQLite database \(file is not"):
        connect(path)


def test_sqlite_columns_hold_numpy_times_and_durations_as_the_json_lines_write_them(
        tmp_path: Path) -> None:
    # a datetime64[ns] or timedelta64[ns] went through .item(): 1767225600000000000, 90000000000
    import io
    import json

    from hourglass.ingest.sqlite import sql_value
    from hourglass.serve.sinks import JsonLinesSink, SQLiteSink, alert_columns

    alert = {"row": np.int64(3), "score": np.float64(2.5),
             "ts": np.datetime64("2026-01-01T00:00:00", "ns"), "dur": np.timedelta64(90_000_000_000, "ns"),
             "gone": np.datetime64("NaT", "ns"), "none": np.timedelta64("NaT", "ns")}
    buf = io.BytesIO()
    JsonLinesSink(buf).write([alert])
    want = json.loads(buf.getvalue())
    assert want["ts"] == "2026-01-01T00:00:00" and want["dur"] == "0 days 00:01:30"
    path = tmp_path / "a.sqlite"
    with SQLiteSink(path, alert_columns("table", keep=["ts", "dur", "gone", "none"])) as sink:
        sink.write([alert])
    with sqlite3.connect(path) as conn:
        got = conn.execute("SELECT ts, dur, gone, none FROM alerts").fetchall()
    assert got == [(want["ts"], want["dur"], None, None)]
    assert sql_value(np.datetime64("2026-01-01T00:00:00.5", "us")) == "2026-01-01T00:00:00.500000"
    assert sql_value(np.timedelta64(2, "D")) == "2 days 00:00:00"


def test_json_alerts_write_a_numpy_long_double_as_a_number() -> None:
    # np.longdouble(...).item() is a long double again: json's default was called on it without
    # end, a RecursionError traceback
    from hourglass.ingest.sqlite import json_or_text as _doc_value
    from hourglass.serve.sinks import json_line

    for default in (None, _doc_value):
        assert json_line({"v": np.longdouble(1.5)}, default=default) == '{"v":1.5}'
        assert json_line({"v": np.longdouble("nan")}, default=default) == '{"v":null}'
    with pytest.raises(TypeError, match="not JSON serializable"):  # (complex where long double is double)
        json_line({"v": np.clongdouble(1 + 2j)})
    assert json_line({"v": np.clongdouble(1 + 2j)}, default=_doc_value) == '{"v":"(1+2j)"}'


@pytest.mark.parametrize("span", ["[2300-01-01T00:00:00, 2400-01-01T00:00:00]",
                                  "[1500-01-01T00:00:00Z, 1600-01-01T00:00:00Z]", "[2300-01-01, 2400-01-01]"])
def test_a_between_wholly_beyond_the_times_a_row_can_have_is_refused_as_such(span: str) -> None:
    # both ends clamped to pandas' last (or first) nanosecond: the message said the window "holds
    # no time (the end is excluded)" or that it ended before it started
    from hourglass.serve.suppress import Suppressions

    with pytest.raises(InputError, match=r"r\.toml: rule 'w': 'between' \(.+\) lies wholly outside the "
                                         r"times a row can have \(1677-2262\); no row is ever in it"):
        Suppressions.parse(f'[[rule]]\nname = "w"\nbetween = {span}\n', "r.toml")
    rules = Suppressions.parse('[[rule]]\nname = "w"\nbetween = [2200-01-01, 2400-01-01]\n', "r.toml")
    assert len(rules.rules) == 1  # partly inside: taken


def test_sqlite_columns_hold_a_numpy_long_double_as_a_number(tmp_path: Path) -> None:
    # .item() of a long double is a long double: SQLite stored its 16 bytes as a BLOB
    from hourglass.ingest.sqlite import sql_value
    from hourglass.serve.sinks import SQLiteSink, alert_columns

    assert sql_value(np.longdouble(1.5)) == 1.5 and sql_value(np.longdouble("nan")) is None
    path = tmp_path / "a.sqlite"
    with SQLiteSink(path, alert_columns("table")) as sink:
        sink.write([{"row": np.int64(1), "score": np.longdouble(2.5)}])
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT score, typeof(score) FROM alerts").fetchall() == [(2.5, "real")]
