"""Regression tests: SQLite errors without a SQLite error code, numpy values nested in a list or a
dict kept in a SQLite column, numpy times beyond pandas' range, a database locked mid-stream."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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
