"""Rows whose time column holds no readable time, where ``--on-bad-rows skip`` (or a log
model's counting) reaches them: grouped alerts (``score --group-by``) and event-table log
sessions (``--key-col``/``--message-col`` with ``--timestamp-col`` and ``--window``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.serve.grouping import AlertGroups
from tests._cli import one_line_error, runner

T0 = 1_704_067_200  # 2024-01-01 00:00 UTC
SCANNER = "10.0.0.66"


def _normal(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"bytes": rng.lognormal(6, 0.5, n).round(), "duration": rng.exponential(1.0, n),
                         "rate": rng.uniform(0, 1, n)})


def _iso(seconds: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(seconds, unit="s").strftime("%Y-%m-%d %H:%M:%S"))


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model with a time column, and 600 rows (one a second) where SCANNER's 20 rows
    are flagged; data row 121 (a flagged one) reads 'garbage', data row 122 (normal) is empty."""
    d = tmp_path_factory.mktemp("grouped")
    train = _normal(400, np.random.default_rng(0))
    train.insert(0, "ts", _iso(T0 - 86400 + np.arange(400) * 60))
    train.to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--timestamp-col", "ts", "-o", str(d / "m"),
                              "--hidden", "8,4", "--epochs", "3", "-q"])
    assert res.exit_code == 0, res.output
    rng = np.random.default_rng(1)
    test = _normal(600, rng)
    test.insert(0, "ts", _iso(T0 + np.arange(600)))
    test.insert(1, "src_ip", [f"10.0.0.{k}" for k in rng.integers(1, 6, 600)])
    rows = np.arange(100, 500, 20)
    test.loc[rows, ["src_ip", "bytes", "rate"]] = [SCANNER, 5e7, 50.0]
    test.to_csv(d / "clean.csv", index=False)
    test.loc[[120, 121], "ts"] = ["garbage", ""]
    test.to_csv(d / "bad.csv", index=False)
    return {"dir": d, "model": d / "m", "clean": d / "clean.csv", "bad": d / "bad.csv"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_grouped_alerts_stop_on_an_unreadable_time_without_skip(grouped: dict[str, Path]) -> None:
    out = grouped["dir"] / "stop.jsonl"
    res = runner.invoke(app, ["score", str(grouped["model"]), str(grouped["bad"]), "-o", str(out),
                              "--group-by", "src_ip"])
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    assert "column 'ts': line 123 has no time (missing)" in res.stderr and not out.exists()


def test_a_flagged_row_without_a_time_is_its_own_alert_with_skip(grouped: dict[str, Path]) -> None:
    # the row is scored (a real detection) but fits no window: one alert of its own, marked by
    # a null window and time; the other groups are those of the same rows with readable times
    d = grouped["dir"]
    res = runner.invoke(app, ["score", str(grouped["model"]), str(grouped["bad"]), "-o", str(d / "g.jsonl"),
                              "--group-by", "src_ip", "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert ("2 row(s) without a readable time in column 'ts' (first: line 122, 'garbage') were "
            "scored but placed in no window; 1 of them flagged") in res.stderr
    assert "20 flagged; grouped 20 flagged rows -> 2 alerts" in res.stderr
    assert "1 flagged row(s) without a readable time, each its own alert" in res.stderr
    docs = _lines(d / "g.jsonl")
    alone = [g for g in docs if g["window_start"] is None]
    assert len(alone) == 1 and alone[0]["count"] == 1 and alone[0]["first_row"] == 120
    assert alone[0]["first_time"] is None and alone[0]["window_end"] is None
    assert alone[0]["src_ip"] == SCANNER and alone[0]["severity"] is not None
    res = runner.invoke(app, ["score", str(grouped["model"]), str(grouped["clean"]), "-o", str(d / "c.jsonl"),
                              "--group-by", "src_ip"])
    assert res.exit_code == 0, res.output
    clean = _lines(d / "c.jsonl")
    timed = [g for g in docs if g["window_start"] is not None]
    assert [g["count"] for g in clean] == [20]
    assert [(g["window_start"], g["count"]) for g in timed] == [(clean[0]["window_start"], 19)]


def test_ecs_group_of_a_row_without_a_time_carries_the_scoring_time(grouped: dict[str, Path]) -> None:
    out = grouped["dir"] / "g.ecs.jsonl"
    res = runner.invoke(app, ["score", str(grouped["model"]), str(grouped["bad"]), "-o", str(out), "-q",
                              "--group-by", "src_ip", "--on-bad-rows", "skip", "--alert-format", "ecs",
                              "--keep", "ts"])
    assert res.exit_code == 0, res.output
    docs = _lines(out)
    alone = [d for d in docs if d["hourglass"]["window_start"] is None]
    assert len(alone) == 1 and alone[0]["hourglass"]["timestamp_from"] == "scoring"
    assert alone[0]["hourglass"]["fields"] == {"ts": "garbage"}
    assert alone[0]["message"].endswith("[no readable time: not in a window]")
    assert [d["hourglass"]["timestamp_from"] for d in docs if d not in alone] == ["data"]


def test_ecs_row_alert_with_a_kept_unreadable_time_no_longer_stops(grouped: dict[str, Path]) -> None:
    # --keep of the time column: its unreadable value was read again as @timestamp and stopped
    # the run, --on-bad-rows skip notwithstanding
    out = grouped["dir"] / "rows.ecs.jsonl"
    res = runner.invoke(app, ["score", str(grouped["model"]), str(grouped["bad"]), "-o", str(out), "-q",
                              "--on-bad-rows", "skip", "--alert-format", "ecs", "--keep", "ts"])
    assert res.exit_code == 0, res.output
    docs = {d["hourglass"]["row"]: d for d in _lines(out)}
    assert docs[120]["hourglass"]["timestamp_from"] == "scoring"
    assert docs[120]["hourglass"]["fields"] == {"ts": "garbage"}
    assert docs[100]["@timestamp"] == "2024-01-01T00:01:40.000Z"


def test_library_untimed_group_leaves_the_open_windows_alone() -> None:
    g = AlertGroups(["ip"], ("time", 600 * 10**9))
    alert = {"row": 0, "score": 2.0, "severity": "high", "calibrated": 0.9}
    assert g.add(alert, key=("a",), time_ns=10**9) == []
    out = g.add_untimed({**alert, "row": 1, "score": 5.0, "severity": "critical"}, key=("a",))
    assert [(a["count"], a["max_score"], a["severity"], a["window_start"]) for a in out] == \
        [(1, 5.0, "critical", None)]
    assert [a["count"] for a in g.close()] == [1]
    assert g.counts == {"flagged": 2, "groups": 2, "evicted": 0, "late": 0, "untimed": 1}


def _events(path: Path, bad: dict[int, object], *, epoch: bool = False) -> Path:
    """600 events over two days, keys E1-E3; rows ``bad`` (0-based) hold those times."""
    rng = np.random.default_rng(0)
    t = pd.Timestamp("2026-03-28T00:00:00Z") + pd.to_timedelta(np.sort(rng.integers(0, 2 * 86400, 600)),
                                                               unit="s")
    ts = pd.Series((t - pd.Timestamp(0, tz="UTC")) // pd.Timedelta("1s") if epoch
                   else t.strftime("%Y-%m-%dT%H:%M:%SZ"), dtype=object)
    for i, v in bad.items():
        ts[i] = v
    pd.DataFrame({"ts": ts, "key": rng.choice(["E1", "E2", "E3"], 600),
                  "user": rng.choice(["ann", "bob"], 600)}).to_csv(path, index=False)
    return path


def _train_events(data: Path, model: Path, *extra: str) -> list[str]:
    return ["train", str(data), "--key-col", "key", "--timestamp-col", "ts", "--model", "deeplog",
            "--epochs", "1", "-o", str(model), *extra]


def test_event_table_windows_name_the_rows_without_a_time(tmp_path: Path) -> None:
    # they were counted as "events had no session id", which hid the cause
    data = _events(tmp_path / "e.csv", {5: "garbage", 40: "2026-02-30T00:00:00Z", 41: None})
    res = runner.invoke(app, _train_events(data, tmp_path / "M", "--window", "3600"))
    assert res.exit_code == 0, res.output
    want = "3 rows had no readable time in 'ts' (first: row 6, 'garbage')"
    assert want in res.stderr and "session id" not in res.stderr, res.stderr
    assert "left out (no time window to place them in)" in res.stderr
    info = json.loads((tmp_path / "M" / "config.json").read_text())["info"]
    assert info["parse"]["events_without_time"] == 3 and not info["parse"].get("events_without_session")
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(tmp_path / "M"), str(data), "-o", str(out)])
    assert res.exit_code == 0 and want in res.stderr, res.output
    clean = _events(tmp_path / "clean.csv", {})
    res = runner.invoke(app, ["score", str(tmp_path / "M"), str(clean), "-o", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output
    got, full = pd.read_csv(out), pd.read_csv(tmp_path / "c.csv")
    assert list(got["session"]) == list(full["session"])  # the same windows, less three events


def test_strict_stops_at_the_first_row_without_a_time(tmp_path: Path) -> None:
    data = _events(tmp_path / "e.csv", {5: "garbage"})
    one_line_error(_train_events(data, tmp_path / "M", "--window", "3600", "--strict", "-q"),
                   "row 6: column 'ts' (--timestamp-col) holds no readable time ('garbage'); without "
                   "--strict such rows are counted and left out", tmp_path / "M")
    res = runner.invoke(app, _train_events(data, tmp_path / "S", "--session-col", "user", "-q"))
    assert res.exit_code == 0 and "placed last in their session" in res.stderr, res.output


def test_epoch_times_with_one_bad_value_are_read(tmp_path: Path) -> None:
    # one text value made the epoch column text, and the whole column 'unreadable'
    data = _events(tmp_path / "e.csv", {5: "x"}, epoch=True)
    res = runner.invoke(app, _train_events(data, tmp_path / "M", "--window", "3600", "-q"))
    assert res.exit_code == 0, res.output
    assert "1 row had no readable time in 'ts' (first: row 6, 'x')" in res.stderr


def test_a_column_without_a_time_is_still_named(tmp_path: Path) -> None:
    data = tmp_path / "e.csv"
    pd.DataFrame({"ts": ["soon"] * 50, "key": ["E1", "E2"] * 25}).to_csv(data, index=False)
    one_line_error(_train_events(data, tmp_path / "M", "--window", "3600", "-q"),
                   "column 'ts' (--timestamp-col) holds no readable time (e.g. 'soon')", tmp_path / "M")


def test_one_column_in_two_event_table_roles_is_named(tmp_path: Path) -> None:
    """--session-col key --key-col key failed with "invalid literal for int() ... 'E1'"."""
    data = tmp_path / "same.csv"
    data.write_text("ts,key\n" + "".join(f"{i},E{i % 3}\n" for i in range(30)))
    model = tmp_path / "m"
    one_line_error(["train", str(data), "--model", "deeplog", "--session-col", "key", "--key-col", "key",
                    "-o", str(model)], "--session-col and --key-col: both are column 'key'", model)
