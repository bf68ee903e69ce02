"""Review 8 (alert grouping, suppression and sinks): regression tests of the defects fixed."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sqlite3

import pytest

from hourglass.errors import InputError
from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs
from hourglass.serve.grouping import AlertGroups, group_to_ecs, parse_group_window
from hourglass.serve.sinks import SQLiteSink, alert_columns, json_line
from hourglass.serve.suppress import Suppressions

_M = 60 * 10**9  # a minute in ns


def _alert(row: int, score: float = 2.0) -> dict:
    return {"row": row, "score": score, "severity": "high", "calibrated": 0.9}


def test_group_ecs_duration_exact():
    # 67.088 s: float seconds * 1e6 gave 67087999.99..., written as 67087999000 ns
    g = {"group_by": "src_ip", "src_ip": "10.0.0.5", "count": 2, "first_row": 1, "last_row": 9,
         "first_time": "2024-01-01T14:00:00", "last_time": "2024-01-01T14:01:07.088",
         "window_start": "2024-01-01T14:00:00", "window_end": "2024-01-01T14:10:00",
         "max_score": 4.2, "severity": "high", "max_calibrated": 0.99, "top_row": 9}
    assert group_to_ecs(g, AlertRule("ae", "x"))["event"]["duration"] == 67_088_000_000


def test_group_late_counts_every_row():
    # three rows after their window was written: one second group, three late rows (was 1)
    g = AlertGroups(["ip"], ("time", 10 * _M), ordered=False)
    g.add(_alert(0), key=("A",), time_ns=1 * _M)
    assert [d["count"] for d in g.advance(times=[15 * _M])] == [1]
    for row, minute in ((2, 2), (3, 3), (4, 4)):
        g.add(_alert(row), key=("A",), time_ns=minute * _M)
    g.add(_alert(5), key=("A",), time_ns=12 * _M)  # its window is open: not late
    assert [d["count"] for d in g.advance(times=[16 * _M])] == [3]
    assert g.counts["late"] == 3 and g.counts["flagged"] == 5


def test_json_line_parquet_values():
    # a Parquet binary, decimal or duration column kept (or grouped by): a TypeError traceback
    g = AlertGroups(["blob"], ("rows", 10))
    alert = {**_alert(1), "amount": decimal.Decimal("2.50"), "huge": decimal.Decimal("1e400"),
             "took": dt.timedelta(seconds=90)}
    g.add(alert, key=(b"\x00ab\xff",))
    doc = json.loads(json_line(g.close()[0]))
    assert (doc["blob"], doc["amount"], doc["huge"]) == ("\x00ab\\xff", 2.5, None)
    assert doc["took"] == "0 days 00:01:30"
    g.add(alert, key=(b"ab",))
    ecs = json.loads(json_line(group_to_ecs(g.close()[0], AlertRule("ae", "x"), kept=["amount"])))
    assert ecs["hourglass"]["group"] == {"blob": "ab"} and ecs["hourglass"]["fields"]["amount"] == 2.5


def test_group_window_superscript_refused():
    # '²' is a digit to str.isdigit but not to int(): a bare ValueError not naming the option
    with pytest.raises(InputError, match="--group-window"):
        parse_group_window("²")
    assert parse_group_window("120") == ("rows", 120)


def test_ecs_ip_with_zone_stays_hourglass_field():
    # Elasticsearch's ip type refuses 'fe80::1c2:3%12' (a Windows logon's link-local client):
    # written to source.ip, the whole alert document was rejected by the index
    doc = to_ecs({"row": 1, "score": 2.0}, AlertRule("ae", "x"),
                 fields={"IpAddress": "fe80::1c2:3%12", "dst_ip": "fe80::9"})
    assert "source" not in doc and doc["hourglass"]["fields"] == {"IpAddress": "fe80::1c2:3%12"}
    assert doc["destination"] == {"ip": "fe80::9"} and doc["related"] == {"ip": ["fe80::9"]}
    assert ecs_named({"src_ip": "fe80::1%eth0"}) == {}


def test_sqlite_sink_decimal_and_duration(tmp_path):
    # score --group-by ... --keep DECIMAL -o alerts.sqlite: sqlite3.ProgrammingError traceback
    path = tmp_path / "a.sqlite"
    with SQLiteSink(path, alert_columns("table", keep=["amount", "took", "blob"])) as sink:
        sink.write([{**_alert(3), "amount": decimal.Decimal("2.50"), "took": dt.timedelta(seconds=90),
                     "blob": b"\x00\xff"}])
    with sqlite3.connect(path) as conn:
        got = conn.execute("SELECT row, amount, took, blob FROM alerts").fetchall()
    conn.close()
    assert got == [(3, 2.5, "0 days 00:01:30", b"\x00\xff")]


@pytest.mark.parametrize("value", ["x=" + "[" * 20000 + "]" * 20000, ".".join(["a"] * 5000) + "=1"])
def test_suppress_deep_nesting_one_error(value):
    # a RecursionError traceback (tomllib, or the flattening of match's dotted keys)
    with pytest.raises(InputError, match="nested too deeply"):
        Suppressions.parse('[[rule]]\nname = "a"\nmatch = {' + value + "}\n", "r.toml")


def test_sqlite_ecs_group_score(tmp_path):
    # a grouped alert's ECS document has hourglass.max_score, no hourglass.score: the SQLite
    # table's score column was NULL in every row of score/stream --group-by --alert-format ecs
    g = AlertGroups(["src_ip"], ("rows", 10))
    g.add(_alert(1, 3.5), key=("10.0.0.5",))
    doc = group_to_ecs(g.close()[0], AlertRule("ae", "x"))
    path = tmp_path / "e.sqlite"
    with SQLiteSink(path, alert_columns("table", ecs=True)) as sink:
        sink.write([doc])
    with sqlite3.connect(path) as conn:
        got = conn.execute("SELECT score, source_ip FROM alerts").fetchall()
    conn.close()
    assert got == [(3.5, "10.0.0.5")]
