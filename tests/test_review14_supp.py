"""Alert suppression rules, the drift check, the alert sinks and the service's metrics: edge cases."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.serve.sinks import JsonLinesSink, SQLiteSink, alert_columns, json_line
from hourglass.serve.suppress import Suppressions


def test_sinks_write_numpy_scalars_as_the_python_values_they_hold(tmp_path: Path) -> None:
    # an alert built from arrays (flags[i], scores[i]) holds numpy scalars: the JSON lines sink
    # raised "Object of type int64 is not JSON serializable", the SQLite doc column held "4" as text
    alert = {"row": np.int64(3), "score": np.float32(2.5), "flag": np.int64(1), "ok": np.bool_(True),
             "gap": np.float32("nan"), "ts": np.datetime64("2026-01-01T00:00:00"),
             "none": np.datetime64("NaT")}
    buf = io.BytesIO()
    JsonLinesSink(buf).write([alert])
    assert json.loads(buf.getvalue()) == {"row": 3, "score": 2.5, "flag": 1, "ok": True, "gap": None,
                                          "ts": "2026-01-01T00:00:00", "none": None}
    assert json_line({"n": np.uint64(2**64 - 1)}) == '{"n":18446744073709551615}'
    path = tmp_path / "alerts.sqlite"
    with SQLiteSink(path, alert_columns("log")) as sink:
        sink.write([{"session": "blk_1", "score": np.float64(3.0), "unexpected": {"line": np.int64(4)}}])
    line, doc = sqlite3.connect(path).execute("SELECT line, doc FROM alerts").fetchone()
    assert line == 4 and json.loads(doc)["unexpected"] == {"line": 4}


def test_a_glob_is_stripped_as_the_cells_and_exact_values_are() -> None:
    # cells are matched stripped and "ftp " matched ftp, but "ssh* " matched no sshd
    df = pd.DataFrame({"service": ["sshd", "ftp", "http"]})
    rules = Suppressions.parse('[[rule]]\nname = "g"\nmatch = { service = ["ssh* ", " ftp "] }\n', "r.toml")
    assert rules.names(df).tolist() == ["g", "g", ""]


def test_the_summary_of_many_rules_names_those_that_silenced_alerts() -> None:
    # of 15 rules the summary named the first ten (all at 0) and hid the two that silenced
    from hourglass.cli._suppress import Silencer

    text = "".join(f'[[rule]]\nname = "r{i}"\nmatch = {{ ip = "10.0.0.{i}" }}\n' for i in range(15))
    silencer = Silencer(Suppressions.parse(text, "r.toml"), "flows.csv")
    result = pd.DataFrame({"flag": [1, 1, 1, 1]})
    silencer.frame(pd.DataFrame({"ip": ["10.0.0.12", "10.0.0.13", "10.0.0.12", "10.0.0.1"]}), result)
    said = silencer.text()
    assert said.startswith("4 suppressed (r0: 0, r1: 1, ") and "r12: 2, r13: 1, 5 more rule(s))" in said
    assert said.count(": ") == 10


def test_a_table_whose_constraint_refuses_a_batch_is_one_clear_error(tmp_path: Path) -> None:
    # a table made elsewhere with a PRIMARY KEY on 'row': a second stream's row 0 was a traceback
    # (sqlite3.IntegrityError) instead of a line naming the file and the table
    from hourglass.errors import HourglassError

    path = tmp_path / "live.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE alerts (row INTEGER PRIMARY KEY, score REAL, flag INTEGER, calibrated REAL, "
                 "severity TEXT, top_column TEXT, why TEXT)")
    conn.execute("INSERT INTO alerts (row, score) VALUES (0, 1.0)")
    conn.commit()
    conn.close()
    with SQLiteSink(path, alert_columns("table")) as sink:
        with pytest.raises(HourglassError, match=r"live\.sqlite: could not append to table 'alerts' "
                                                 r"\(UNIQUE constraint failed: alerts\.row\)"):
            sink.write([{"row": 1, "score": 2.0}, {"row": 0, "score": 3.0}])
        assert sink.rows == 0
    assert sqlite3.connect(path).execute("SELECT row FROM alerts").fetchall() == [(0,)]  # none of it


def test_a_between_that_ends_where_it_starts_is_named_so() -> None:
    # [t, t] holds no time (the end is excluded): refused, but the message said it ended before it started
    with pytest.raises(InputError, match=r"'between' ends \(2026-01-01 00:00:00\) where it starts "
                                         r"\(2026-01-01 00:00:00\): it holds no time"):
        Suppressions.parse('[[rule]]\nname = "w"\nbetween = [2026-01-01T00:00:00, 2026-01-01T00:00:00]\n',
                           "r.toml")
    with pytest.raises(InputError, match=r"ends \(2026-01-01 00:00:00\) before it starts"):
        Suppressions.parse('[[rule]]\nname = "w"\nbetween = [2026-01-01T01:00:00, 2026-01-01T00:00:00]\n',
                           "r.toml")
    with pytest.raises(InputError, match=r"ends \(2026-12-05\) before it starts \(2026-12-06\)"):
        Suppressions.parse('[[rule]]\nname = "w"\nbetween = [2026-12-06, 2026-12-05]\n', "r.toml")


def test_a_nan_rule_value_is_refused_as_an_empty_one_is() -> None:
    # 'x = nan' matched no NaN cell (a missing one) and was taken silently: a rule that never fires
    for value in ("nan", "[1, nan]"):
        with pytest.raises(InputError, match=r"rule 'n', column 'x': nan matches nothing"):
            Suppressions.parse(f'[[rule]]\nname = "n"\nmatch = {{ x = {value} }}\n', "r.toml")
