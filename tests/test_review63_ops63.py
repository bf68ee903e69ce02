"""Long-running streams and services: rotation, clocks, signals, reloads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from tests._cli import runner


@pytest.fixture(scope="module")
def flow_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small table model of flows (src_ip, proto, bytes, duration), trained on normal rows."""
    base = tmp_path_factory.mktemp("ops63")
    rng = np.random.default_rng(0)
    with open(base / "train.jsonl", "w") as fh:
        for i in range(400):
            fh.write(json.dumps({"ts": 1_700_000_000 + i, "src_ip": f"10.0.0.{i % 5 + 1}",
                                 "proto": ["tcp", "udp"][i % 2], "bytes": float(rng.normal(500, 20)),
                                 "duration": float(abs(rng.normal(0.2, 0.02)))}) + "\n")
    res = runner.invoke(app, ["train", str(base / "train.jsonl"), "-o", str(base / "m"), "--epochs", "3",
                              "--hidden", "4,2", "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    return base / "m"


def _flows(times: list[int], loud: set[int]) -> str:
    return "".join(json.dumps({"ts": t, "src_ip": "10.0.0.1", "proto": "tcp",
                               "bytes": 9e6 if i in loud else 500.0, "duration": 0.2}) + "\n"
                   for i, t in enumerate(times))


def test_a_row_from_a_clock_in_2100_does_not_break_stream_grouping(flow_model: Path, tmp_path: Path) -> None:
    # What was wrong: stream --group-by took a row whose device clock said 2100 as the newest
    # time: every open group closed and every later flagged row became a late group of its own
    # for the rest of the stream (3 flagged rows of one window: 3 alerts, '... came after their
    # window was written'). Entity and series streams refuse such a row; grouping now does too.
    times = [1_700_000_000 + i for i in range(6)]
    times[1] = 4_102_444_800  # 2100-01-01
    data = tmp_path / "in.jsonl"
    data.write_text(_flows(times, loud={3, 4, 5}))
    out = tmp_path / "alerts.jsonl"
    args = ["stream", str(flow_model), "-i", str(data), "-o", str(out), "--group-by", "src_ip",
            "--timestamp-col", "ts", "--group-window", "10m"]
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "line 2: field 'ts' (4102444800) is more than 1 day ahead of this machine's clock" in res.stderr
    out.unlink()
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in out.read_text().splitlines()]
    assert [a["count"] for a in alerts] == [3], alerts
    assert "came after their window" not in res.stderr
    assert "1 row(s) whose time in column 'ts' is more than 1 day ahead" in res.stderr


def test_one_series_step_from_a_clock_hours_ahead_does_not_blind_the_stream(tmp_path: Path) -> None:
    # What was wrong: a time-series stream with --on-bad-rows skip took one step whose clock ran
    # 3 hours ahead, then refused every later step as 'not after the previous step's' until the
    # series passed that time: 149 of the next 150 lines skipped, 3 hours unscored. Now two steps
    # in a row between the last two taken resume the series (window restarted); a replay of
    # steps already taken is still refused.
    start = np.datetime64("2024-05-01T00:00")
    t = np.arange(200)
    (tmp_path / "train.csv").write_text("ts,cpu\n" + "".join(
        f"{start + np.timedelta64(int(i), 'm')},{np.sin(i / 5):.4f}\n" for i in t))
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--timestamp-col", "ts", "--model",
                              "lstm-ae", "--window", "4", "--epochs", "1", "--hidden", "4", "-o",
                              str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output

    def line(i: int, ahead: int = 0) -> str:
        return json.dumps({"ts": str(start + np.timedelta64(int(i) + ahead, "m")),
                           "cpu": round(np.sin(i / 5), 4)})

    steps = [line(i, 180 if i == 210 else 0) for i in range(200, 260)]
    (tmp_path / "live.jsonl").write_text("\n".join(steps) + "\n")
    args = ["stream", str(tmp_path / "m"), "-i", str(tmp_path / "live.jsonl"), "--all",
            "--on-bad-rows", "skip"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "skipped 1 malformed line(s) (lines 12)" in res.stderr, res.stderr
    assert "1 window restart(s) after a step whose time ran ahead" in res.stderr
    # less the refused step, the 3 warm-up steps of each window and the lone step ahead
    assert len(res.stdout.splitlines()) == 60 - 1 - 3 - 1 - 3
    # a shipper sending the last 10 steps again: refused as before, none scored twice
    steps = [line(i) for i in range(200, 260)]
    (tmp_path / "live.jsonl").write_text("\n".join(steps[:30] + steps[20:30] + steps[30:]) + "\n")
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "skipped 10 malformed line(s)" in res.stderr and "ran ahead" not in res.stderr, res.stderr


def test_late_rows_name_the_source_whose_clock_set_the_newest_time(tmp_path: Path) -> None:
    # What was wrong: an entity stream where one host's clock ran 2 hours ahead (a local time read
    # as UTC) dropped 90% of the rows as late ('17,997 late row(s) dropped (their bucket was
    # closed)'), with nothing saying why: the warning and the summary now name the newest time
    # seen, the entity it came from and its line.
    rows = [{"ts": 1_700_000_000 + 2 * i, "host": f"h{i % 4}", "bytes": 500 + i % 7} for i in range(400)]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["train", str(tmp_path / "train.jsonl"), "--entity-col", "host",
                              "--timestamp-col", "ts", "--bucket", "1min", "--epochs", "1", "--hidden", "4,2",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    live = [{"ts": 1_700_100_000 + 2 * i + (7200 if i % 4 == 3 else 0), "host": f"h{i % 4}",
             "bytes": 500} for i in range(40)]
    (tmp_path / "live.jsonl").write_text("".join(json.dumps(r) + "\n" for r in live))
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "-i", str(tmp_path / "live.jsonl"), "--all"])
    assert res.exit_code == 0, res.output
    assert ("line 5: late row (its bucket closed; buckets before 2023-11-16 03:59:00 are closed: the newest "
            "time seen, 2023-11-16 04:00:06, came from host 'h3' at line 4)") in res.stderr, res.stderr
    assert ("27 late row(s) dropped (their bucket was closed; the newest time seen, 2023-11-16 04:01:18, "
            "came from host 'h3' at line 40)") in res.stderr, res.stderr


def test_tail_headers_between_followed_files_are_named(flow_model: Path, tmp_path: Path) -> None:
    # What was wrong: 'tail -F conn.jsonl dns.jsonl | hourglass stream M', following two rotated
    # files, stopped at tail's '==> conn.jsonl <==' header with only 'line 1: not valid JSON
    # (Expecting value at column 1)'; the line is now named as tail's header, with 'tail -q'.
    rows = _flows([1_700_000_000, 1_700_000_001], loud=set())
    (tmp_path / "in.jsonl").write_text(f"{rows}\n==> dns.jsonl <==\n{rows}")
    res = runner.invoke(app, ["stream", str(flow_model), "-i", str(tmp_path / "in.jsonl"), "-o",
                              str(tmp_path / "a.jsonl")])
    assert res.exit_code == 2, res.output
    assert ("line 4: not valid JSON (Expecting value at column 1); the line is the header 'tail' writes "
            "between the lines of the files it follows (tail -F FILE1 FILE2): run it with -q") in res.stderr
