"""Regression tests: times, decimals and durations nested in a list or dict kept in a SQLite
column, flattened GCP audit entries beside a null payload, --replay on a log warm start."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd


def _sqlite_kept(tmp_path: Path, value: object) -> object:
    from hourglass.serve.sinks import SQLiteSink, alert_columns

    path = tmp_path / "a.sqlite"
    with SQLiteSink(path, alert_columns("table", keep=["v"])) as sink:
        sink.write([{"row": 1, "score": 1.0, "v": value}])
    conn = sqlite3.connect(path)
    try:
        return json.loads(conn.execute("SELECT v FROM alerts").fetchone()[0])
    finally:
        conn.close()


def test_nested_times_decimals_and_durations_are_stored_as_the_json_lines_write_them(tmp_path: Path) -> None:
    # a pd.Timestamp or datetime in a kept list was stored as str() ('2026-01-01 00:00:01'), a
    # Decimal as '1.5', a duration as '0:01:30', bytes as "b'ab'": not as the JSON lines
    from hourglass.serve.sinks import JsonLinesSink

    value = {"ts": [pd.Timestamp("2026-01-01 00:00:01"), dt.datetime(2026, 1, 1, 0, 0, 1)],
             "day": dt.date(2026, 1, 2), "at": dt.time(8, 30), "n": decimal.Decimal("1.5"),
             "d": [dt.timedelta(seconds=90), pd.Timedelta(seconds=5)], "b": b"ab",
             "np": [np.datetime64("2026-01-01T00:00:01", "ns"), np.timedelta64(90, "s"),
                    np.datetime64("NaT")]}
    buf = io.BytesIO()
    JsonLinesSink(buf).write([{"row": 1, "score": 1.0, "v": value}])
    jsonl = json.loads(buf.getvalue())["v"]
    assert _sqlite_kept(tmp_path, value) == jsonl
    assert jsonl == {"ts": ["2026-01-01T00:00:01"] * 2, "day": "2026-01-02", "at": "08:30:00", "n": 1.5,
                     "d": ["0 days 00:01:30", "0 days 00:00:05"], "b": "ab",
                     "np": ["2026-01-01T00:00:01", "0 days 00:01:30", None]}


def test_numpy_time_arrays_in_a_kept_column_are_times_not_integers(tmp_path: Path) -> None:
    # tolist() made a datetime64[ns] array integers (1767225601000000000) and a timedelta64[s]
    # one datetime.timedelta ('0:01:30')
    value = {"t": np.array(["2026-01-01T00:00:01", "NaT"], dtype="datetime64[ns]"),
             "d": np.array([[90]], dtype="timedelta64[s]"), "z": np.array(np.datetime64("2026-01-02", "D"))}
    assert _sqlite_kept(tmp_path, value) == {"t": ["2026-01-01T00:00:01", None],
                                             "d": [["0 days 00:01:30"]], "z": "2026-01-02T00:00:00"}


_ENTRY = {"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
          "timestamp": "2026-01-05T08:00:00Z"}
_AUDIT = "type.googleapis.com/google.cloud.audit.AuditLog"


def _gcp(tmp_path: Path, name: str, extra: dict[str, object]) -> pd.DataFrame:
    from hourglass.ingest.formats import get_format

    path = tmp_path / f"{name}.jsonl"
    path.write_text(json.dumps({**_ENTRY, **extra}) + "\n")
    return get_format("gcp-audit").read(path)


def test_a_flattened_audit_entry_beside_a_null_payload_is_read_as_the_nested_one_is(tmp_path: Path) -> None:
    # "protoPayload.methodName" (a row made again) beside "textPayload": null was refused as
    # 'a log entry with textPayload, not an audit log', typed AuditLog or not
    import pytest

    from hourglass.errors import InputError

    cases = {"flat": {"protoPayload.methodName": "M"},
             "flat-null-text": {"protoPayload.methodName": "M", "textPayload": None},
             "flat-typed-null-text": {"protoPayload.methodName": "M", "protoPayload.@type": _AUDIT,
                                      "textPayload": None},
             "flat-empty-json": {"protoPayload.methodName": "M", "jsonPayload": {}},
             "flat-typed-text": {"protoPayload.methodName": "M", "protoPayload.@type": _AUDIT,
                                 "textPayload": "hi"},
             "nested-null-text": {"protoPayload": {"methodName": "M"}, "textPayload": None},
             "nested-typed-text": {"protoPayload": {"methodName": "M", "@type": _AUDIT}, "textPayload": "x"}}
    for name, extra in cases.items():
        frame = _gcp(tmp_path, name, extra)
        assert frame["protoPayload.methodName"].tolist() == ["M"], name
        assert frame["logKind"].tolist() == ["activity"], name
    refused = {"flat-untyped-text": {"protoPayload.methodName": "M", "textPayload": "hi"},
               "flat-other-type": {"protoPayload.methodName": "M", "protoPayload.@type": "x.Other",
                                   "textPayload": None},
               "nested-untyped-text": {"protoPayload": {"methodName": "M"}, "textPayload": "hi"},
               "nested-proto-null": {"protoPayload": None, "textPayload": None}}
    for name, extra in refused.items():
        with pytest.raises(InputError, match=r"a log entry with .*, not an audit log"):
            _gcp(tmp_path, name, extra)


def test_replay_typed_on_a_log_warm_start_is_refused_as_not_for_a_log_model(tmp_path: Path) -> None:
    # '--replay 1' was refused with 'give the old rows to replay with --replay-data OLD', and
    # adding --replay-data was then refused for log models: advice that led nowhere
    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    ops = ["open file", "read block", "close file"]

    def log(path: Path, n: int, off: int) -> Path:
        path.write_text("".join(f"{ops[i % 3]} blk_{off + i // 3} done\n" for i in range(3 * n)))
        return path

    old, new = log(tmp_path / "old.log", 40, 0), log(tmp_path / "new.log", 30, 1000)
    res = runner.invoke(app, ["train", str(old), "--format", "raw", "--session-regex", r"blk_\d+",
                              "-m", "event-count-autoencoder", "--epochs", "1", "-o", str(tmp_path / "L"),
                              "-q"])
    assert res.exit_code == 0, res.output
    for replay in ("1", "2"):
        one_line_error(["train", str(new), "--warm-start", str(tmp_path / "L"), "-o", str(tmp_path / "W"),
                        "--epochs", "1", "--replay", replay],
                       "--replay: not for a log model (event-count-autoencoder)", tmp_path / "W")
