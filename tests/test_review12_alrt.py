"""Regression tests: alert records, sinks, suppression rules, grouping and metrics."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.serve.suppress import Suppressions


@pytest.mark.parametrize("value", ['""', '"  "', '["ftp", ""]'])
def test_suppress_rule_with_an_empty_value_is_refused(value: str) -> None:
    # an empty cell is a missing one and matches no rule: the rule would never fire, unsaid
    text = f'[[rule]]\nname = "a"\nmatch = {{ service = {value} }}\n'
    with pytest.raises(InputError, match="column 'service': an empty value matches nothing"):
        Suppressions.parse(text, "r.toml")


def test_suppress_rule_written_as_a_single_table_is_named() -> None:
    # [rule] (one bracket) was "no rules", though the file has one
    with pytest.raises(InputError, match=r"single table \(\[rule\]\).*\[\[rule\]\]"):
        Suppressions.parse('[rule]\nname = "a"\nmatch = { x = 1 }\n', "r.toml")
    with pytest.raises(InputError, match="'rule' must be an array of tables"):
        Suppressions.parse('rule = "x"\n', "r.toml")
    ok = Suppressions.parse('[[rule]]\nname = "a"\nmatch = { x = 1 }\n', "r.toml")
    assert ok.names(pd.DataFrame({"x": [1, 2]})).tolist() == ["a", ""]


def _crashed_wal_database(path: Path) -> None:
    """``path``: a database in write-ahead-log mode as a killed stream leaves it: its last
    commits only in ``path-wal`` (copied while the writer is still open)."""
    src = path.parent / f"live-{path.stem}" / path.name
    src.parent.mkdir()
    conn = sqlite3.connect(src)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE alerts (row INTEGER, score REAL, flag INTEGER, calibrated REAL, "
                 "severity TEXT, top_column TEXT, why TEXT)")
    with conn:
        conn.executemany("INSERT INTO alerts VALUES (?, 9.0, 1, 1.0, 'old', NULL, NULL)",
                         [(i,) for i in range(50)])
    for side in ("", "-wal", "-shm"):
        shutil.copyfile(f"{src}{side}", f"{path}{side}")
    conn.close()


def test_sqlite_output_replacing_a_crashed_wal_database_is_the_new_one(tmp_path: Path) -> None:
    # the old database's write-ahead log stayed beside the replaced file, and SQLite replayed it
    # into the new database: a reader saw the old alerts, not the ones just written
    from hourglass.serve.sinks import alert_columns, alert_file

    path = tmp_path / "alerts.db"
    _crashed_wal_database(path)
    assert sqlite3.connect(path).execute("SELECT count(*) FROM alerts").fetchone() == (50,)
    with alert_file(path, alert_columns("table")) as sink:
        sink.write([{"row": 7, "score": 4.2, "calibrated": 0.99, "severity": "high"}])
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT row, severity FROM alerts").fetchall() == [(7, "high")]
    conn.close()
    # a table written whole (score's rows) likewise
    from hourglass.ingest.writers import chunk_writer

    path = tmp_path / "rows.db"
    _crashed_wal_database(path)
    with chunk_writer(path) as w:
        w.write(pd.DataFrame({"row": [0], "score": [0.5]}))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT row, score FROM alerts").fetchall() == [(0, 0.5)]
    conn.close()


@pytest.mark.parametrize("name", ["sqlite_alerts", "SQLite_Master"])
def test_sqlite_table_reserved_name_says_why(name: str) -> None:
    # the refusal said "expected a name of letters, digits and underscores" of a name that is one
    from hourglass.ingest.sqlite import check_table_name

    with pytest.raises(InputError, match="start with 'sqlite_' are reserved by SQLite"):
        check_table_name(name)
    assert check_table_name("my_sqlite_alerts") == "my_sqlite_alerts"


def test_grouped_ecs_of_row_windows_with_an_unreadable_kept_time() -> None:
    # windows of rows read no time: the top row's kept value of the model's time column that
    # is no time stopped the run (exit 2, naming no row, --on-bad-rows skip or not)
    import datetime as dt

    from hourglass.serve.ecs import AlertRule
    from hourglass.serve.grouping import AlertGroups, group_to_ecs

    rule = AlertRule("autoencoder", "ab", threshold=1.0, time_field="ts")
    groups = AlertGroups(["src_ip"], ("rows", 100))
    for row, ts in [(3, "garbage"), (150, "2026-01-01T00:05:00")]:
        groups.add({"row": row, "score": 5.0, "severity": "high", "calibrated": 0.99, "ts": ts},
                   key=("10.0.0.5",))
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    bad, good = (group_to_ecs(g, rule, kept=["ts"], now=now) for g in groups.close())
    assert bad["@timestamp"] == "2026-06-01T00:00:00.000Z"
    assert bad["hourglass"]["timestamp_from"] == "scoring"
    assert bad["hourglass"]["fields"] == {"ts": "garbage"}
    assert good["@timestamp"] == "2026-01-01T00:05:00.000Z"
    assert good["hourglass"]["timestamp_from"] == "data"


def test_grouped_ecs_of_time_windows_keeps_the_top_rows_kept_time() -> None:
    # --keep of the model's time column: the grouped JSON alert has the top row's value, its ECS
    # document had it nowhere (@timestamp is the group's first time, not the top row's)
    from hourglass.serve.ecs import AlertRule
    from hourglass.serve.grouping import AlertGroups, group_to_ecs

    rule = AlertRule("autoencoder", "ab", threshold=1.0, time_field="ts")
    groups = AlertGroups(["src_ip"], ("time", 600 * 10**9))
    base = 1_767_225_600 * 10**9  # 2026-01-01T00:00:00Z
    for row, score, minute in [(3, 2.0, 1), (4, 9.0, 5)]:
        groups.add({"row": row, "score": score, "severity": "high", "calibrated": 0.99,
                    "ts": f"2026-01-01T00:0{minute}:00"}, key=("10.0.0.5",),
                   time_ns=base + minute * 60 * 10**9)
    (group,) = groups.close()
    assert group["ts"] == "2026-01-01T00:05:00" and group["top_row"] == 4
    doc = group_to_ecs(group, rule, kept=["ts"])
    assert doc["@timestamp"] == "2026-01-01T00:01:00.000Z"
    assert doc["hourglass"]["fields"] == {"ts": "2026-01-01T00:05:00"}
    assert group_to_ecs(group, rule)["hourglass"].get("fields") is None  # not kept: not written
