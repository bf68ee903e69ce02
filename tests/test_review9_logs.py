"""Regression tests for the raw-log, key=value, audit and flow readers and the log CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.ingest.logs import LogParser
from tests._cli import runner
from tests.test_logs import hdfs_log


@pytest.mark.parametrize("group", ["key", "line", "template"])
def test_header_group_named_like_a_parser_column_is_refused(group: str) -> None:
    """A header group named ``key`` was silently replaced by the template key (``--session-col
    key`` grouped by template): refused, naming the group."""
    fmt = rf"^(?P<{group}>\S+) (?P<content>.*)$"
    with pytest.raises(InputError, match=f"group '{group}'"):
        LogParser(fmt).fit(["s1 open file 3", "s2 close file 4"])
    with pytest.raises(InputError, match=f"group '{group}'"):
        LogParser(fmt).learn_lines(["s1 open file 3"])


def test_builtin_time_group_and_other_groups_still_read() -> None:
    events = LogParser(r"^(?P<user>\S+) (?P<content>.*)$").fit(["s1 open file 3"]).events_
    assert events["user"].tolist() == ["s1"]
    # a 'time' group (Loghub's '<Date> <Time>' layouts, benchmarks/loghub.py) trains as before:
    # the parser's own 'time' column is the event time, from a 'timestamp' group
    spark = LogParser(r"^(?P<date>\S+) (?P<time>\S+) (?P<level>\S+) (?P<content>.*)$")
    assert len(spark.fit(["17/06/09 20:10:40 INFO executor started"]).events_) == 1
    hdfs = LogParser("hdfs").fit(["081109 203615 148 INFO dfs.DataNode: Receiving block blk_1"])
    assert hdfs.events_["time"].notna().all()


def test_kv_empty_timestamp_falls_back_to_the_other_time_keys() -> None:
    """``timestamp=`` (empty: missing) hid the line's date and time: the event time was None."""
    from hourglass.ingest.kv import parse_kv

    row = parse_kv("timestamp= date=2023-11-14 time=22:13:20 srcip=10.0.0.5")
    assert row is not None and row["timestamp"] == "2023-11-14 22:13:20"
    row = parse_kv('timestamp="" eventtime=1700000000 srcip=10.0.0.5 dstip=10.0.0.6')
    assert row is not None and row["timestamp"] == 1700000000.0
    row = parse_kv("timestamp= srcip=10.0.0.5 dstip=10.0.0.6")
    assert row is not None and row["timestamp"] is None
    assert parse_kv("timestamp=1700000000 a=1 b=2")["timestamp"] == 1700000000  # type: ignore[index]


def test_common_log_format_timestamp_is_read() -> None:
    """A web server's time (``10/Oct/2000:13:55:36 -0700``, the colon before the time) in a
    header regex's ``timestamp`` group was unreadable: every event had no time, so
    ``--window`` found none."""
    fmt = r"^(?P<host>\S+) \S+ \S+ \[(?P<timestamp>[^\]]+)\] (?P<content>.*)$"
    lines = ['10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 12',
             '10.0.0.2 - - [01/Jan/1970:00:00:10 +0000] "GET /b HTTP/1.1" 404 7',
             '10.0.0.3 - - [1970-01-01T00:00:20Z] "GET /b HTTP/1.1" 404 7']
    times = LogParser(fmt).fit(lines).events_["time"].tolist()
    assert times == [971211336.0, 10.0, 20.0]


def test_log_model_ecs_alerts_to_standard_output(tmp_path: Path) -> None:
    """``score LOGMODEL LOG -o - --alert-format ecs`` wrote the CSV score table, not the ECS
    documents the option asks for (as the table, series and entity models write them)."""
    log, model = tmp_path / "hdfs.log", tmp_path / "M"
    log.write_text("\n".join(hdfs_log(12)) + "\n")
    r = runner.invoke(app, ["train", str(log), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                            "--model", "deeplog", "--epochs", "1", "--hidden", "8", "-q",
                            "--threshold", "fixed:-1", "-o", str(model)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["score", str(model), str(log), "-o", "-", "--alert-format", "ecs", "-q"])
    assert r.exit_code == 0, r.output
    docs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert docs and all(d["event"]["kind"] == "alert" for d in docs)
    r = runner.invoke(app, ["score", str(model), str(log), "-o", "-", "-q"])  # no ECS: the table
    assert r.exit_code == 0 and r.stdout.startswith("session,score,flag"), r.output


def test_strict_of_training_does_not_stick_to_the_model(tmp_path: Path) -> None:
    """A model trained with --strict scored strictly ever after: score without --strict stopped
    at the first line that matched no header instead of counting and skipping it."""
    log, model, bad = tmp_path / "hdfs.log", tmp_path / "M", tmp_path / "bad.log"
    lines = hdfs_log(12)
    log.write_text("\n".join(lines) + "\n")
    bad.write_text("\n".join([*lines, "garbage line"]) + "\n")
    r = runner.invoke(app, ["train", str(log), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                            "--strict", "--model", "deeplog", "--epochs", "1", "--hidden", "8", "-q",
                            "-o", str(model)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "s.csv"
    r = runner.invoke(app, ["score", str(model), str(bad), "-o", str(out)])
    assert r.exit_code == 0 and out.exists(), r.output
    assert "1 matched no header format" in r.stderr
    r = runner.invoke(app, ["score", str(model), str(bad), "-o", str(tmp_path / "t.csv"), "--strict"])
    assert r.exit_code == 2 and "garbage line" in r.stderr
