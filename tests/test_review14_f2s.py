"""Regression tests: SQLite errors without a SQLite error code, numpy values nested in a list or a
dict kept in a SQLite column, numpy times beyond pandas' range, a database locked mid-stream."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from hourglass.errors import HourglassError


def test_a_table_whose_schema_is_no_utf8_is_one_error_not_an_attribute_error(tmp_path: Path) -> None:
    # Python's own OperationalError ("Could not decode to UTF-8 column") has no sqlite_errorcode:
    # the locked-database check raised an AttributeError traceback
    from hourglass.serve.sinks import SQLiteSink, alert_columns

    path = tmp_path / "latin1.sqlite"
    conn = sqlite3.connect(path)
    conn.execute('CREATE TABLE alerts ("row" INTEGER)')
    conn.commit()
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql = CAST(X'435245415445205441424C4520616C657274732028726FE920"
                 "494E544547455229' AS TEXT) WHERE name='alerts'")  # CREATE TABLE alerts (ro\xe9 INTEGER)
    conn.commit()
    conn.close()
    with pytest.raises(HourglassError, match=r"latin1\.sqlite: could not read or create table 'alerts' "
                                             r"\(Could not decode to UTF-8") as info:
        SQLiteSink(path, alert_columns("table"))
    assert "another program" not in str(info.value)


def test_a_numpy_time_beyond_pandas_range_is_stored_as_its_text(tmp_path: Path) -> None:
    # pd.Timestamp(value) raised OutOfBoundsDatetime, a traceback (an integer was stored before)
    from hourglass.ingest.sqlite import sql_value
    from hourglass.serve.sinks import SQLiteSink, alert_columns

    far = np.datetime64(10**15, "D")
    assert sql_value(far) == str(far) == "2737907008958-07-05"
    assert sql_value(np.datetime64("1500-01-01T00:00:00", "s")) == "1500-01-01T00:00:00"
    assert sql_value(np.timedelta64(10**15, "D")) == "1000000000000000 days"
    assert sql_value(np.datetime64("2026-01-01", "D")) == "2026-01-01T00:00:00"  # in range: as before
    path = tmp_path / "a.sqlite"
    with SQLiteSink(path, alert_columns("table", keep=["ts"])) as sink:
        sink.write([{"row": 1, "score": 1.0, "ts": far}])
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT ts FROM alerts").fetchall() == [("2737907008958-07-05",)]


def test_numpy_values_in_a_list_or_dict_are_written_as_the_json_lines_write_them(tmp_path: Path) -> None:
    # a long double in a list was "1.5" (NaN "nan"), a datetime64[ns] "2026-01-01T00:00:00.000000000",
    # a timedelta64 "90 seconds", a NaT "NaT": json.dumps' default=str
    import io
    import json

    from hourglass.ingest.sqlite import sql_value, strict_json
    from hourglass.serve.sinks import JsonLinesSink, SQLiteSink, alert_columns

    nested = {"a": [np.longdouble(1.5), np.longdouble("nan"), np.longdouble("-inf")],
              "b": {"ts": np.datetime64("2026-01-01T00:00:00", "ns"), "dur": np.timedelta64(90, "s"),
                    "gone": np.datetime64("NaT", "ns")}}
    want = {"a": [1.5, None, None],
            "b": {"ts": "2026-01-01T00:00:00", "dur": "0 days 00:01:30", "gone": None}}
    assert json.loads(sql_value(nested)) == want
    assert strict_json([np.longdouble(2.5)]) == [2.5] and type(strict_json([np.longdouble(2.5)])[0]) is float
    buf = io.BytesIO()
    JsonLinesSink(buf).write([{"row": 1, "score": 1.0, "v": nested}])
    assert json.loads(buf.getvalue())["v"] == want
    path = tmp_path / "a.sqlite"
    with SQLiteSink(path, alert_columns("table", keep=["v"])) as sink:
        sink.write([{"row": 1, "score": 1.0, "v": nested}])
    with sqlite3.connect(path) as conn:
        assert json.loads(conn.execute("SELECT v FROM alerts").fetchone()[0]) == want
    assert sql_value([np.datetime64(10**15, "D"), 1j]) == '["2737907008958-07-05", "1j"]'


def test_a_database_locked_mid_stream_says_another_program_may_hold_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "could not append to table 'alerts' (database is locked)": no word of what holds it
    from hourglass.serve.sinks import SQLiteSink, alert_columns

    path = tmp_path / "live.sqlite"
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda p, timeout=30.0: connect(p, timeout=0.1))
    with SQLiteSink(path, alert_columns("table")) as sink:
        sink.write([{"row": 1, "score": 1.0}])
        holder = connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(HourglassError, match=r"live\.sqlite: could not append to table 'alerts' "
                                                     r"\(database is locked\); another program may hold "
                                                     "a write transaction on it$"):
                sink.write([{"row": 2, "score": 2.0}])
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        sink.write([{"row": 3, "score": 3.0}])  # once released: appends
    with connect(path) as conn:
        assert conn.execute("SELECT row FROM alerts").fetchall() == [(1,), (3,)]


@pytest.mark.parametrize("value", [np.datetime64(10**15, "D"), np.timedelta64(10**15, "D"),
                                   np.timedelta64(5, "Y"), np.timedelta64(3, "M")])
def test_json_alerts_write_a_numpy_time_pandas_cannot_hold_as_the_sqlite_columns_store_it(
        tmp_path: Path, value: np.generic) -> None:
    # pd.Timestamp / pd.Timedelta raised OutOfBoundsDatetime, OutOfBoundsTimedelta or "Unit Y is not
    # supported": a traceback from the JSON lines sink and the SQLite doc column
    import io
    import json

    from hourglass.ingest.sqlite import sql_value
    from hourglass.serve.sinks import JsonLinesSink, SQLiteSink, alert_columns

    buf = io.BytesIO()
    JsonLinesSink(buf).write([{"row": 1, "score": 1.0, "v": value}])
    assert json.loads(buf.getvalue())["v"] == sql_value(value) == str(value)
    path = tmp_path / "a.sqlite"
    with SQLiteSink(path, alert_columns("log")) as sink:  # the whole alert in its doc column
        sink.write([{"session": "s1", "score": 1.0, "v": value}])
    with sqlite3.connect(path) as conn:
        assert json.loads(conn.execute("SELECT doc FROM alerts").fetchone()[0])["v"] == str(value)
