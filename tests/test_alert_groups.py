"""Alert grouping: ``score``/``stream --group-by COLS --group-window W``, one alert per (key
values, window) instead of one per flagged row."""

from __future__ import annotations

import json
import os
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli.app import app
from hourglass.errors import InputError
from hourglass.serve.grouping import AlertGroups, parse_group_window
from tests._cli import runner
from tests._procs import interrupt, reaped, sigint_default, taken_in

T0 = 1_704_067_200  # 2024-01-01 00:00 UTC
SCANNER, OTHER = "10.0.0.66", "10.0.0.77"


def _normal(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"bytes": rng.lognormal(6, 0.5, n).round(), "duration": rng.exponential(1.0, n),
                         "rate": rng.uniform(0, 1, n)})


def _test_flows() -> pd.DataFrame:
    """1200 rows over 20 minutes (one a second), from five normal sources; a burst of 30 far-out
    rows from SCANNER (20 in 00:00-00:10, 10 in 00:10-00:20) and 5 from OTHER in the first window."""
    rng = np.random.default_rng(1)
    n = 1200
    df = _normal(n, rng)
    df.insert(0, "ts", T0 + np.arange(n) + 0.5)
    df.insert(1, "src_ip", [f"10.0.0.{k}" for k in rng.integers(1, 6, n)])
    first, second, other = np.arange(100, 500, 20), np.arange(700, 1000, 30), np.arange(301, 306)
    for rows, ip in ((first, SCANNER), (second, SCANNER), (other, OTHER)):
        df.loc[rows, "src_ip"] = ip
        df.loc[rows, "bytes"] = 5e7
        df.loc[rows, "rate"] = 50.0
    return df


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("groups")
    train = _normal(400, np.random.default_rng(0))
    train.insert(0, "ts", T0 - 86400 + np.arange(400) * 60.0)
    train.to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--timestamp-col", "ts", "-o", str(d / "m"),
                              "--hidden", "8,4", "--epochs", "3", "-q"])
    assert res.exit_code == 0, res.output
    test = _test_flows()
    test.to_csv(d / "test.csv", index=False)
    (d / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in test.to_dict("records")))
    return {"dir": d, "model": d / "m", "csv": d / "test.csv", "jsonl": d / "test.jsonl"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _score(files: dict[str, Path], out: Path, *args: str):
    return runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out), *args])


def _by_row(files: dict[str, Path]) -> pd.DataFrame:
    """The ungrouped alerts of the same rows, with their source and time."""
    out = files["dir"] / "rows.jsonl"
    if not out.exists():
        res = _score(files, out, "--anomalies-only", "--keep", "src_ip", "--keep", "ts", "-q")
        assert res.exit_code == 0, res.output
    return pd.DataFrame(_lines(out))


def test_a_burst_from_one_source_is_one_alert_with_its_count_and_highest_score(
        files: dict[str, Path]) -> None:
    out = files["dir"] / "hour.jsonl"
    res = _score(files, out, "--group-by", "src_ip", "--group-window", "1h")
    assert res.exit_code == 0, res.output
    rows = _by_row(files)
    groups = _lines(out)
    assert f"grouped {len(rows)} flagged rows -> {len(groups)} alerts" in res.output
    mine = [g for g in groups if g["src_ip"] == SCANNER]
    assert len(mine) == 1
    burst = rows[rows["src_ip"] == SCANNER]
    g = mine[0]
    assert g["count"] == len(burst) == 30
    assert g["max_score"] == pytest.approx(burst["score"].max())
    assert g["top_row"] == int(burst.loc[burst["score"].idxmax(), "row"])
    assert (g["first_row"], g["last_row"]) == (100, 970)
    assert g["severity"] == "critical" and g["max_calibrated"] == pytest.approx(burst["calibrated"].max())
    assert g["first_time"] == "2024-01-01T00:01:40.500000"
    assert (g["window_start"], g["window_end"]) == ("2024-01-01T00:00:00", "2024-01-01T01:00:00")
    assert len(groups) < len(rows) / 3  # the flood is gone


def test_every_group_matches_the_rows_it_counts_and_windows_split_a_source(files: dict[str, Path]) -> None:
    out = files["dir"] / "ten.jsonl"
    res = _score(files, out, "--group-by", "src_ip", "--group-window", "10m", "-q")
    assert res.exit_code == 0, res.output
    rows = _by_row(files)
    rows["window"] = (rows["ts"] // 600 * 600).astype(int)
    want = rows.groupby(["src_ip", "window"], sort=False).agg(
        count=("row", "size"), first_row=("row", "min"), last_row=("row", "max"),
        max_score=("score", "max")).reset_index().sort_values("first_row")
    groups = _lines(out)
    assert [g["first_row"] for g in groups] == sorted(g["first_row"] for g in groups)  # deterministic
    got = pd.DataFrame(groups)
    assert list(got["src_ip"]) == list(want["src_ip"])
    assert list(got["count"]) == list(want["count"])
    assert list(got["last_row"]) == list(want["last_row"])
    assert np.allclose(got["max_score"], want["max_score"])
    scanner = got[got["src_ip"] == SCANNER]
    assert list(scanner["count"]) == [20, 10]  # two windows -> two alerts
    assert list(scanner["window_start"]) == ["2024-01-01T00:00:00", "2024-01-01T00:10:00"]
    other = got[got["src_ip"] == OTHER]
    assert list(other["count"]) == [5]  # two sources -> two alerts


def test_group_by_two_columns_and_kept_fields_of_the_top_row(files: dict[str, Path]) -> None:
    out = files["dir"] / "two.jsonl"
    res = _score(files, out, "--group-by", "src_ip,rate", "--keep", "bytes", "-q")
    assert res.exit_code == 0, res.output
    g = [g for g in _lines(out) if g["src_ip"] == SCANNER]
    assert len(g) == 2 and g[0]["group_by"] == "src_ip,rate" and g[0]["rate"] == 50.0  # default 10m
    assert g[0]["bytes"] == 5e7


def test_ecs_documents_carry_the_group(files: dict[str, Path]) -> None:
    out = files["dir"] / "ecs.jsonl"
    res = _score(files, out, "--group-by", "src_ip", "--group-window", "10m", "--alert-format", "ecs", "-q")
    assert res.exit_code == 0, res.output
    docs = [d for d in _lines(out) if d.get("source", {}).get("ip") == SCANNER]
    assert len(docs) == 2
    d = docs[0]
    assert d["event"]["kind"] == "alert" and d["event"]["severity"] == 99
    assert d["hourglass"]["count"] == 20 and d["hourglass"]["group"] == {"src_ip": SCANNER}
    assert d["@timestamp"] == d["event"]["start"] == "2024-01-01T00:01:40.500Z"
    assert d["event"]["end"] == "2024-01-01T00:08:00.500Z"
    assert d["event"]["duration"] == 380 * 10**9
    assert 99 <= d["event"]["risk_score"] <= 100
    assert d["message"].startswith(
        f"hourglass autoencoder: 20 anomalous rows from src_ip={SCANNER}, rows 100-480")
    assert d["rule"]["ruleset"] == "hourglass" and len(d["rule"]["id"]) == 64


def test_sqlite_output_has_a_row_per_group(files: dict[str, Path]) -> None:
    out = files["dir"] / "groups.sqlite"
    res = _score(files, out, "--group-by", "src_ip", "--group-window", "10m", "-q")
    assert res.exit_code == 0, res.output
    got = sqlite3.connect(out).execute(
        "SELECT count, first_row, window_start FROM alerts WHERE src_ip = ?", (SCANNER,)).fetchall()
    assert got == [(20, 100, "2024-01-01T00:00:00"), (10, 700, "2024-01-01T00:10:00")]


def test_a_kept_key_column_in_sqlite_and_a_kept_column_named_like_a_group_field(files: dict[str, Path],
                                                                              tmp_path: Path) -> None:
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]), "--group-by",
                              "src_ip", "--keep", "src_ip", "-o", str(tmp_path / "live.db")])
    assert res.exit_code == 0, res.output
    got = sqlite3.connect(tmp_path / "live.db").execute(
        "SELECT count FROM alerts WHERE src_ip = ?", (SCANNER,)).fetchall()
    assert got == [(20,), (10,)]
    res = _score(files, tmp_path / "k.jsonl", "--group-by", "src_ip", "--keep", "max_score")
    assert res.exit_code == 2 and "--keep max_score: the output has its own" in res.output


def test_stream_gives_the_groups_score_gives(files: dict[str, Path]) -> None:
    scored = files["dir"] / "ten_keep.jsonl"
    res = _score(files, scored, "--group-by", "src_ip", "--group-window", "10m", "--keep", "bytes", "-q")
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]), "--batch", "64",
                              "--group-by", "src_ip", "--group-window", "10m", "--keep", "bytes"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert streamed == _lines(scored)
    assert "grouped" in res.stderr and "-> " in res.stderr
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]), "--group-by",
                              "src_ip", "--explain", "2"])
    assert res.exit_code == 0, res.output
    top = next(json.loads(x) for x in res.stdout.splitlines() if SCANNER in x)
    assert top["top_column"] in ("bytes", "rate") and top["why"].startswith(top["top_column"] + "=")


def test_stream_max_groups_writes_the_oldest_early_and_eof_writes_the_rest(files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]),
                              "--group-by", "src_ip", "--group-window", "1h", "--max-groups", "1"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert sum(g["count"] for g in streamed) == len(_by_row(files))
    assert "written early (--max-groups)" in res.stderr
    assert len([g for g in streamed if g["src_ip"] == SCANNER]) > 1  # evicted, then a new group


def test_a_quiet_stream_closes_a_window_by_the_clock_and_ctrl_c_writes_the_open_groups(
        files: dict[str, Path]) -> None:
    """A real process on a pipe: rows up to 2.5 s of event time before the first window's end,
    then quiet: with --idle-timeout the window closes once that much wall-clock time has passed,
    the input still open; Ctrl-C then writes the groups still open (exit code 130)."""
    lines = files["jsonl"].read_text().splitlines()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src") + os.pathsep
           + os.environ.get("PYTHONPATH", ""), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "stream", str(files["model"]), "--group-by",
                             "src_ip", "--group-window", "10m", "--idle-timeout", "0.5", "--max-delay-ms",
                             "20"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, preexec_fn=sigint_default)
    with reaped(proc):
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(("\n".join(lines[:598]) + "\n").encode())
        proc.stdin.flush()
        first: list[dict] = []
        deadline = time.monotonic() + 60
        while not any(g["src_ip"] == SCANNER for g in first) and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                first.append(json.loads(proc.stdout.readline()))
        assert [g["count"] for g in first if g["src_ip"] == SCANNER] == [20]
        assert proc.poll() is None  # still running: stdin is open
        proc.stdin.write(("\n".join(lines[598:701]) + "\n").encode())
        proc.stdin.flush()
        assert taken_in(proc), "rows 598 to 700 not read within 60 s"
        err = interrupt(proc).decode()
        rest = [json.loads(x) for x in proc.stdout.read().decode().splitlines() if x.strip()]
    assert proc.returncode == 130, err
    assert [g["count"] for g in rest if g["src_ip"] == SCANNER] == [1]  # row 700, its window open
    assert "grouped" in err and "Traceback" not in err


def test_json_lines_without_the_key_in_a_whole_chunk_group_under_null(files: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    rows = [json.loads(x) for x in files["jsonl"].read_text().splitlines()]
    for r in rows[:600]:
        del r["src_ip"]
    sparse = tmp_path / "sparse.jsonl"
    sparse.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "g.jsonl"
    res = runner.invoke(app, ["score", str(files["model"]), str(sparse), "-o", str(out), "--group-by",
                              "src_ip", "--chunk-mb", "0.02", "-q"])
    assert res.exit_code == 0, res.output
    groups = _lines(out)
    assert next(g["count"] for g in groups if g["src_ip"] is None) >= 25  # both bursts, source unknown
    assert [g["count"] for g in groups if g["src_ip"] == SCANNER] == [10]
    res = runner.invoke(app, ["score", str(files["model"]), str(sparse), "-o", str(out), "--group-by",
                              "host", "--chunk-mb", "0.02"])
    assert res.exit_code == 2 and "--group-by: no column 'host'" in res.output and "src_ip" in res.output


def test_a_row_window_needs_no_times(files: dict[str, Path]) -> None:
    out = files["dir"] / "rows_window.jsonl"
    res = _score(files, out, "--group-by", "src_ip", "--group-window", "600", "-q")
    assert res.exit_code == 0, res.output
    scanner = [g for g in _lines(out) if g["src_ip"] == SCANNER]
    got = [(g["count"], g["window_start"], g["window_end"]) for g in scanner]
    assert got == [(20, 0, 600), (10, 600, 1200)]
    assert "first_time" not in scanner[0]


def test_library_groups_out_of_order_rows_until_the_end_and_a_stream_closes_by_the_clock() -> None:
    ten = parse_group_window("10m")
    g = AlertGroups(["ip"], ten)
    ns = 60 * 10**9
    for row, minute in enumerate([12, 3, 14, 25]):  # goes back in time: keep everything to the end
        g.add({"row": row, "score": 1.0 + row, "severity": "low", "calibrated": 0.9}, key=("a",),
              time_ns=minute * ns)
        assert g.advance(times=[minute * ns]) == []
    done = g.close()
    got = [(x["count"], x["first_row"], x["max_score"]) for x in done]
    assert got == [(2, 0, 3.0), (1, 1, 2.0), (1, 3, 4.0)]
    ordered = AlertGroups(["ip"], ten)
    ordered.add({"row": 0, "score": 1.0, "severity": "low"}, key=("a",), time_ns=ns)
    assert [x["count"] for x in ordered.advance(times=[ns, 10 * ns])] == [1]  # in order: closed at once
    live = AlertGroups(["ip"], ten, ordered=False)
    live.add({"row": 0, "score": 2.0, "severity": "high", "calibrated": 0.99}, key=("a",), time_ns=ns)
    assert live.advance(times=[2 * ns]) == [] and live.elapse(5 * 60) == []
    assert [x["count"] for x in live.elapse(9 * 60)] == [1] and live.open == {}


@pytest.mark.parametrize(("args", "message"), [
    (["--group-by", "host"], "--group-by: no column 'host' in"),
    (["--group-by", "src_ip", "--group-window", "10x"], "--group-window: expected a time length"),
    (["--group-window", "10m"], "--group-window: the window of grouped alerts; give --group-by COLS"),
    (["--timestamp-col", "ts"], "--timestamp-col: the time column of grouped alerts; give --group-by"),
    (["--group-by", "src_ip", "--timestamp-col", "when"], "--timestamp-col: no column 'when'"),
    (["--group-by", "count"], "--group-by count: a grouped alert has its own 'count'"),
])
def test_bad_options_are_one_line_and_write_nothing(files: dict[str, Path], args: list[str],
                                                    message: str) -> None:
    out = files["dir"] / "bad.jsonl"
    res = _score(files, out, *args)
    assert res.exit_code == 2 and message in res.output, res.output
    assert "Traceback" not in res.output and not out.exists()
    if "no column 'host'" in message:
        assert "columns are ts, src_ip, bytes, duration, rate" in res.output


def test_bad_combinations_are_refused(files: dict[str, Path], tmp_path: Path) -> None:
    res = _score(files, tmp_path / "g.csv", "--group-by", "src_ip")
    assert res.exit_code == 2 and "writes grouped JSON alerts to a .jsonl" in res.output
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]), "--all",
                              "--group-by", "src_ip"])
    assert res.exit_code == 2 and "--all: writes every row; --group-by" in res.output
    plain = tmp_path / "plain.csv"
    pd.read_csv(files["csv"]).drop(columns=["ts"]).to_csv(plain, index=False)
    res = runner.invoke(app, ["train", str(plain), "-o", str(tmp_path / "m"), "--hidden", "4,2", "--epochs",
                              "1", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(plain), "-o", str(tmp_path / "a.jsonl"),
                              "--group-by", "src_ip", "--group-window", "10m"])
    assert res.exit_code == 2 and "a time window needs each row's time: give --timestamp-col" in res.output


def test_a_model_that_is_not_a_table_model_is_refused(files: dict[str, Path], tmp_path: Path) -> None:
    res = runner.invoke(app, ["train", str(files["csv"]), "--entity-col", "src_ip", "--timestamp-col", "ts",
                              "--bucket", "5min", "-o", str(tmp_path / "e"), "--epochs", "1", "--hidden",
                              "4,2", "-q"])
    assert res.exit_code == 0, res.output
    for cmd in (["score", str(tmp_path / "e"), str(files["csv"]), "-o", str(tmp_path / "x.jsonl")],
                ["stream", str(tmp_path / "e"), "--input", str(files["jsonl"])]):
        res = runner.invoke(app, [*cmd, "--group-by", "src_ip"])
        assert res.exit_code == 2, res.output
        assert "--group-by: groups the alerts of table models, not of entity models" in res.output


def test_a_bad_time_names_its_row_or_line(files: dict[str, Path], tmp_path: Path) -> None:
    df = pd.read_csv(files["csv"])
    df.loc[700, "ts"] = np.nan
    df.to_csv(tmp_path / "missing.csv", index=False)
    df["ts"] = pd.to_datetime(pd.read_csv(files["csv"])["ts"], unit="s").astype(str)
    df.loc[900, "ts"] = "soon"
    df.to_csv(tmp_path / "text.csv", index=False)
    out = tmp_path / "bad.jsonl"
    for name, want in (("missing.csv", "line 702 has no time"), ("text.csv", "line 902")):
        res = runner.invoke(app, ["score", str(files["model"]), str(tmp_path / name), "-o", str(out),
                                  "--group-by", "src_ip"])
        assert res.exit_code == 2 and want in res.output, res.output
        assert not out.exists()
    lines = files["jsonl"].read_text().splitlines()
    row = json.loads(lines[5])
    del row["ts"]
    lines[5] = json.dumps(row)
    res = runner.invoke(app, ["stream", str(files["model"]), "--group-by", "src_ip"],
                        input="\n".join(lines[:20]) + "\n")
    assert res.exit_code == 2 and "line 6" in res.output, res.output


def test_window_texts() -> None:
    assert parse_group_window("1h") == ("time", 3600 * 10**9)
    for bad in ("10x", "0", "-5m", "", "1.5"):
        with pytest.raises(InputError):
            parse_group_window(bad)
