"""Alert records, their ECS form, sinks, suppression rules, grouping and metrics: edge cases of
valid input."""

from __future__ import annotations

import json

from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs
from hourglass.serve.sinks import json_line


def test_ecs_port_of_a_huge_integer_is_no_port_not_a_crash() -> None:
    # a JSON line's port of 400 digits is a Python int that float() cannot hold: stream, score
    # and the service's ECS answers stopped with an OverflowError traceback
    big = int("1" + "0" * 400)
    assert ecs_named({"dst_port": big, "src_ip": "10.0.0.5"}) == {"src_ip": "10.0.0.5"}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("ae", "id"), fields={"dst_port": big})
    assert "destination" not in doc
    assert doc["hourglass"]["fields"] == {"dst_port": big}
    assert json.loads(json_line(doc))["hourglass"]["fields"]["dst_port"] == big


def test_sqlite_doc_column_writes_kept_values_as_the_json_lines_do(tmp_path) -> None:
    # the doc column's JSON wrote a kept binary value as Python's repr ("b'ab\\xff'"), a decimal
    # as text ("2.50"), a duration as "0:01:30" and a time with a space: not as the JSON lines
    import datetime as dt
    import decimal
    import sqlite3

    from hourglass.serve.sinks import SQLiteSink, alert_columns

    doc = to_ecs({"row": 1, "score": 3.0}, AlertRule("ae", "id"),
                 fields={"blob": b"ab\xff", "amount": decimal.Decimal("2.50"),
                         "took": dt.timedelta(seconds=90)})
    path = tmp_path / "a.sqlite"
    with SQLiteSink(path, alert_columns("table", ecs=True)) as sink:
        sink.write([doc])
    stored = sqlite3.connect(path).execute("SELECT doc FROM alerts").fetchone()[0]
    assert json.loads(stored) == json.loads(json_line(doc))
    assert json.loads(stored)["hourglass"]["fields"] == {"blob": "ab\\xff", "amount": 2.5,
                                                         "took": "0 days 00:01:30"}
    with SQLiteSink(tmp_path / "b.sqlite", alert_columns("log")) as sink:
        sink.write([{"session": "s", "score": 1.0, "ts": dt.datetime(2024, 1, 1, 2, 3)}])
    stored = sqlite3.connect(tmp_path / "b.sqlite").execute("SELECT doc FROM alerts").fetchone()[0]
    assert json.loads(stored)["ts"] == "2024-01-01T02:03:00"


def test_timestamp_col_with_a_window_of_rows_is_refused_not_ignored() -> None:
    # score/stream --group-by ip --group-window 20 --timestamp-col nosuch ran, the column never
    # looked at (a row window reads no time): the option did nothing, unsaid
    import pytest

    from hourglass.cli._groups import check_group_options
    from hourglass.errors import HourglassError

    with pytest.raises(HourglassError, match=r"--timestamp-col nosuch: .*--group-window 20 is a number"):
        check_group_options("ip", " 20", "table", "ae", timestamp_col="nosuch")
    check_group_options("ip", "10m", "table", "ae", timestamp_col="ts")  # a time window reads it
    check_group_options("ip", None, "table", "ae", timestamp_col="ts")  # the default: 10m
    check_group_options("ip", "20", "table", "ae")  # rows without a time column


def test_suppression_rule_naming_one_column_twice_is_refused() -> None:
    # a quoted "source.ip" and a dotted source.ip are one flat column: the second value replaced
    # the first unsaid, and the rule (all of its columns) silenced rows the first one excluded
    import pytest

    from hourglass.errors import InputError
    from hourglass.serve.suppress import Suppressions

    text = '[[rule]]\nname = "a"\nmatch = { "source.ip" = "10.0.0.1", source.ip = "10.0.0.2" }\n'
    with pytest.raises(InputError, match=r"rule 'a': 'match' names column 'source.ip' twice"):
        Suppressions.parse(text, "r.toml")
    ok = Suppressions.parse('[[rule]]\nname = "a"\nmatch = { source.ip = "10.0.0.2", source.port = 22 }\n',
                            "r.toml")
    assert list(ok.rules[0].match) == ["source.ip", "source.port"]


def test_frame_alerts_with_a_field_kept_twice_warns_nothing(recwarn) -> None:
    # score --alert-format ecs --keep rate --keep rate printed pandas' "DataFrame columns are not
    # unique, some columns will be omitted" among the command's lines
    import pandas as pd

    from hourglass.serve.ecs import frame_alerts

    result = pd.DataFrame({"row": [0, 1], "score": [0.1, 5.0], "flag": [0, 1],
                           "calibrated": [0.2, 0.99], "severity": ["low", "high"]})
    df = pd.DataFrame({"rate": [0.5, 50.0], "src_ip": ["10.0.0.1", "10.0.0.2"]})
    docs = frame_alerts(result, AlertRule("ae", "id"), fields=df[["rate", "rate", "src_ip"]])
    assert [str(w.message) for w in recwarn] == []
    assert docs[0]["hourglass"]["fields"] == {"rate": 50.0}
    assert docs[0]["source"] == {"ip": "10.0.0.2"}
