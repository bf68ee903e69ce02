"""``hourglass stream``: JSON lines in, JSON alerts out, in micro-batches."""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.cli.stream import LineBatcher
from tests._procs import interrupt, reaped, sigint_default

runner = CliRunner()
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _flows(n: int, seed: int, attacks: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "proto": rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1]),
        "bytes": rng.lognormal(6, 1, n).round(),
        "duration": rng.exponential(2.0, n),
        "rate": rng.uniform(0, 1, n),
        "label": "benign",
    })
    if attacks:  # every 5th row: far outside the training range
        idx = np.arange(0, n, 5)[:attacks]
        df.loc[idx, "bytes"] = 1e7
        df.loc[idx, "rate"] = 40.0
        df.loc[idx, "label"] = "attack"
    return df


def _jsonl(df: pd.DataFrame, path: Path) -> Path:
    df.to_json(path, orient="records", lines=True)
    return path


def _alerts(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("stream")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    test = _flows(60, 1, attacks=12)
    test.to_csv(d / "test.csv", index=False)
    return {"dir": d, "model": d / "model", "csv": d / "test.csv",
            "jsonl": _jsonl(test, d / "test.jsonl")}


def _stream(files: dict[str, Path], *args: str, input_text: str | None = None):
    src = [] if input_text is not None else ["--input", str(files["jsonl"])]
    return runner.invoke(app, ["stream", str(files["model"]), *src, *args], input=input_text)


def test_scores_match_hourglass_score_on_the_same_rows(files: dict[str, Path]) -> None:
    out = files["dir"] / "scored.csv"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    want = pd.read_csv(out)
    res = _stream(files, "--all", "--batch", "7")  # many batches, one partly filled
    assert res.exit_code == 0, res.output
    got = _alerts(res.stdout)
    assert [a["row"] for a in got] == want["row"].tolist()
    np.testing.assert_allclose([a["score"] for a in got], want["score"], rtol=1e-5)
    # a probability in [0, 1]: float32 rounding of another batch size moves a small one by ~1e-7,
    # beyond rtol alone (torch 2.2: 3.4e-7 on 0.0125)
    np.testing.assert_allclose([a["calibrated"] for a in got], want["calibrated"], rtol=1e-5, atol=1e-6)
    assert [a["flag"] for a in got] == want["flag"].tolist()
    assert [a["severity"] for a in got] == want["severity"].tolist()
    assert "streamed 60 rows from" in res.stderr and "rows/s" in res.stderr


def test_only_flagged_rows_by_default_and_keep_copies_fields(files: dict[str, Path]) -> None:
    res = _stream(files, "--keep", "label", "--keep", "proto")
    assert res.exit_code == 0, res.output
    alerts = _alerts(res.stdout)
    assert 10 <= len(alerts) < 60
    assert all(set(a) == {"row", "score", "severity", "calibrated", "label", "proto"} for a in alerts)
    # the rows far outside training are the ones flagged
    assert sum(a["label"] == "attack" for a in alerts) >= 10
    assert f"{len(alerts)} flagged" in res.stderr
    res = _stream(files, "--keep", "nope")
    assert res.exit_code == 2 and "--keep: no field 'nope' on" in res.stderr and "line 1" in res.stderr
    res = _stream(files, "--keep", "score")
    assert res.exit_code == 2 and "own 'score' column" in res.stderr


def test_explain_adds_why_and_is_refused_for_models_that_cannot_explain(files: dict[str, Path]) -> None:
    res = _stream(files, "--explain", "2")
    assert res.exit_code == 0, res.output
    alerts = _alerts(res.stdout)
    assert alerts and all(a["top_column"] in ("proto", "bytes", "duration", "rate") for a in alerts)
    assert all(a["why"].count("%") == 2 for a in alerts)
    # the same reasons as 'hourglass explain' gives for the same rows
    table = files["dir"] / "explained.csv"
    res = runner.invoke(app, ["explain", str(files["model"]), str(files["csv"]), "--top", "2", "-o",
                              str(table), "-q"])
    assert res.exit_code == 0, res.output
    want = pd.read_csv(table)
    assert [a["row"] for a in alerts] == want["row"].tolist()
    assert [a["why"] for a in alerts] == want["why"].tolist()
    res = _stream(files, "--explain", "1", "--all")
    assert res.exit_code == 0, res.output
    every = _alerts(res.stdout)
    assert len(every) == 60 and all(a["why"].count("%") == 1 for a in every)
    forest = files["dir"] / "forest"  # neither reconstruction error nor gradients
    res = runner.invoke(app, ["train", str(files["dir"] / "train.csv"), "-o", str(forest), "--model",
                              "latent-iforest", "--epochs", "1", "--label-col", "label", "--normal",
                              "benign", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(forest), "--input", str(files["jsonl"]), "--explain", "2"])
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.startswith("error: --explain:") and len(res.stderr.strip().splitlines()) == 1


def test_output_file_is_appended_to(files: dict[str, Path]) -> None:
    out = files["dir"] / "alerts.jsonl"
    out.write_text('{"earlier": 1}\n')
    for _ in range(2):
        res = _stream(files, "-o", str(out))
        assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[0] == '{"earlier": 1}' and (len(lines) - 1) % 2 == 0 and len(lines) > 3


def test_a_malformed_line_stops_with_its_number_or_is_skipped(files: dict[str, Path]) -> None:
    rows = files["jsonl"].read_text().splitlines()[:6]
    text = "\n".join([*rows[:3], "{not json", "[1, 2]", "", *rows[3:]]) + "\n"
    res = _stream(files, "--all", "--batch", "2", input_text=text)
    assert res.exit_code == 2
    assert "error: <stdin>: line 4: not valid JSON" in res.stderr
    assert len(_alerts(res.stdout)) == 3  # the rows before the bad line: written, and they stay
    res = _stream(files, "--all", "--on-bad-rows", "skip", input_text=text)
    assert res.exit_code == 0, res.output
    # data rows (review 24): the malformed lines 4 and 5 keep theirs (3, 4), the blank line none
    assert [a["row"] for a in _alerts(res.stdout)] == [0, 1, 2, 5, 6, 7]
    assert "streamed 6 rows" in res.stderr and "skipped 2 malformed line(s) (lines 4, 5)" in res.stderr
    res = _stream(files, input_text="[1, 2]\n")
    assert res.exit_code == 2 and "line 1: expected a JSON object, got an array" in res.stderr


def test_rows_the_model_cannot_read_name_their_line(files: dict[str, Path]) -> None:
    good = files["jsonl"].read_text().splitlines()[:4]
    row = json.loads(good[0])
    missing = json.dumps({k: v for k, v in row.items() if k != "rate"})
    res = _stream(files, input_text="\n".join([*good, missing]) + "\n")
    assert res.exit_code == 2 and "<stdin>: line 5: missing column 'rate'" in res.stderr, res.stderr
    junk = json.dumps({**row, "bytes": "lots"})
    res = _stream(files, input_text="\n".join([good[0], "", good[1], junk]) + "\n")
    assert res.exit_code == 2
    assert "column 'bytes': expected numbers, found 'lots' (line 4)" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr


def test_adapt_moves_a_streaming_threshold_and_is_refused_for_a_fixed_one(
        files: dict[str, Path], tmp_path: Path) -> None:
    from hourglass import AutoEncoder, Pipeline
    from hourglass.serve import TableScorer
    from hourglass.thresholds import SPOT

    train = _flows(1000, 3).drop(columns="label")
    Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0, validation_fraction=0.5),
             threshold=SPOT(q=1e-3, level=0.9)).fit(train).save(tmp_path / "spot")
    scorer = TableScorer(tmp_path / "spot")
    before = scorer.pipeline.detector_.threshold_.value_
    scorer.score(_flows(400, 4).drop(columns="label").to_dict("records"), adapt=True)
    assert scorer.pipeline.detector_.threshold_.value_ != before
    _jsonl(_flows(400, 4), tmp_path / "rows.jsonl")
    res = runner.invoke(app, ["stream", str(tmp_path / "spot"), "--input", str(tmp_path / "rows.jsonl"),
                              "--adapt", "--all", "--batch", "50"])
    assert res.exit_code == 0, res.output
    assert len(_alerts(res.stdout)) == 400
    moved = re.search(r"threshold ([\d.e+-]+) -> ([\d.e+-]+) \(--adapt\)", res.stderr)
    assert moved and float(moved[1]) == pytest.approx(before) and moved[1] != moved[2], res.stderr
    res = _stream(files, "--adapt")
    assert res.exit_code == 2 and "--adapt: the threshold of" in res.stderr and "does not adapt" in res.stderr


def test_line_batcher_cuts_batches_by_size_and_by_delay() -> None:
    # (placed by events, not sleeps: the test asserted the times at which batches came, which a
    # loaded machine can stretch) line 4 is read only once line 3 came out in a batch of its own,
    # or after a minute if the batch waited for it
    parts = [b'{"a": 1}\n{"a": 2}\n{"a": 3}\n', b'{"a": 4}']
    queued, third, in_time = threading.Event(), threading.Event(), [False]

    def read(n: int) -> bytes:
        if len(parts) == 1:  # lines 1 to 3 are queued: the reader asks for more only then
            queued.set()
            in_time[0] = third.wait(60)
        return parts.pop(0) if parts else b""

    batches = LineBatcher(read, size=2, max_delay=0.1)
    assert queued.wait(60)  # (else line 2 might come after line 1's batch was cut by the delay)
    got = []
    for batch in batches:
        got.append([number for number, _ in batch])
        if got[-1] == [3]:
            third.set()
    assert got == [[1, 2], [3], [4]]
    assert in_time[0]  # line 3 did not wait for line 4


def test_line_batcher_memory_is_bounded_by_its_queue() -> None:
    """A producer far faster than the consumer waits: at most 2 x size lines are held."""
    produced = [0]

    def endless(n: int) -> bytes:
        produced[0] += 1
        return b'{"a": 1}\n' * 100

    batches = iter(LineBatcher(endless, size=50, max_delay=0.05))
    first = next(batches)
    time.sleep(0.3)  # the reader runs ahead until the queue is full
    assert len(first) == 50
    assert produced[0] * 100 <= 50 + 2 * 50 + 100 + 100  # taken + queued + one read in hand
    assert len(next(batches)) == 50


def test_a_slow_producer_gets_alerts_before_eof_and_ctrl_c_ends_with_the_summary(
        files: dict[str, Path]) -> None:
    """A real process reading a pipe: the first alert comes out while the input is still open;
    SIGINT then ends it with the summary and exit code 130, no traceback."""
    rows = files["jsonl"].read_text().splitlines()
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "stream", str(files["model"]), "--all",
                             "--max-delay-ms", "50"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, preexec_fn=sigint_default)
    with reaped(proc):
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((rows[0] + "\n").encode())
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "no alert within 60 s while the input stayed open"
        first = json.loads(proc.stdout.readline())
        assert first["row"] == 0 and first["flag"] in (0, 1)
        assert proc.poll() is None  # still running: stdin is open
        err = interrupt(proc)
    assert proc.returncode == 130, err
    text = err.decode()
    assert "streamed 1 row from" in text and "Traceback" not in text


def test_a_reader_that_goes_away_stops_the_stream_with_one_line(files: dict[str, Path],
                                                                tmp_path: Path) -> None:
    rows = files["jsonl"].read_text() * 50  # 3,000 rows: far more output than one pipe buffer
    (tmp_path / "many.jsonl").write_text(rows)
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "stream", str(files["model"]), "--all",
                             "--batch", "10", "--input", str(tmp_path / "many.jsonl")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    with reaped(proc):
        assert proc.stdout is not None and proc.stderr is not None
        assert json.loads(proc.stdout.readline())["row"] == 0
        proc.stdout.close()  # like '| head -1'
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
    assert proc.returncode == 1, err
    assert "output closed by its reader; stopping" in err and "Traceback" not in err


# SQLite alert sink: 'score -o x.sqlite' and 'stream -o x.sqlite'

def _sqlite_rows(path: Path, table: str = "alerts") -> pd.DataFrame:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as conn:
        return pd.read_sql_query(f"SELECT * FROM {table}", conn)


def test_score_to_sqlite_holds_the_rows_the_jsonl_holds(files: dict[str, Path]) -> None:
    d = files["dir"]
    for out in (d / "scored.jsonl", d / "scored.sqlite"):
        res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out),
                                  "--keep", "label", "--keep", "proto", "-q"])
        assert res.exit_code == 0, res.output
    want = pd.read_json(d / "scored.jsonl", lines=True)
    got = _sqlite_rows(d / "scored.sqlite")
    assert len(got) == 60 and got["flag"].sum() >= 10
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    import sqlite3

    with contextlib.closing(sqlite3.connect(d / "scored.sqlite")) as conn:
        types = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(alerts)")}
    assert types == {"row": "INTEGER", "score": "REAL", "flag": "INTEGER", "calibrated": "REAL",
                     "severity": "TEXT", "label": "TEXT", "proto": "TEXT"}
    # ECS documents: the main fields as columns, the whole document as JSON
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o",
                              str(d / "ecs.sqlite"), "--alert-format", "ecs", "--sqlite-table", "ecs"])
    assert res.exit_code == 0, res.output
    ecs = _sqlite_rows(d / "ecs.sqlite", "ecs")
    assert len(ecs) == int(want["flag"].sum())
    docs = [json.loads(x) for x in ecs["doc"]]
    assert ecs["score"].tolist() == [doc["hourglass"]["score"] for doc in docs]
    assert sorted(doc["hourglass"]["row"] for doc in docs) == want.loc[want["flag"] == 1, "row"].tolist()
    assert ecs["risk_score"].notna().all() and ecs["rule_id"].notna().all()


def test_score_to_sqlite_leaves_no_file_on_error(files: dict[str, Path]) -> None:
    d = files["dir"] / "err"
    d.mkdir()
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(d / "a.sqlite"),
                              "--keep", "nope", "-q"])
    assert res.exit_code == 2 and "--keep: no column 'nope'" in res.stderr
    assert list(d.iterdir()) == []
    for args, message in ((["-o", str(d / "a.sqlite.gz")], "uncompressed"),
                          (["-o", str(d / "a.csv"), "--sqlite-table", "x"], "only for a SQLite"),
                          (["-o", str(d / "a.db"), "--sqlite-table", "x y"], "letters, digits")):
        res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), *args])
        assert res.exit_code == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert list(d.iterdir()) == []


def test_stream_to_sqlite_appends_and_refuses_a_table_of_other_columns(files: dict[str, Path]) -> None:
    import sqlite3

    db = files["dir"] / "stream.sqlite"
    res = _stream(files, "-o", str(db), "--keep", "proto", "--batch", "7")
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    want = _alerts(_stream(files, "--keep", "proto").stdout)
    got = _sqlite_rows(db)
    assert got["row"].tolist() == [a["row"] for a in want]
    np.testing.assert_allclose(got["score"], [a["score"] for a in want], rtol=1e-6)
    assert got["proto"].tolist() == [a["proto"] for a in want] and got["why"].isna().all()
    res = _stream(files, "-o", str(db), "--keep", "proto", "--explain", "1")  # same columns: appended
    assert res.exit_code == 0, res.output
    got = _sqlite_rows(db)
    assert len(got) == 2 * len(want) and got["why"].notna().sum() == len(want)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    res = _stream(files, "-o", str(db))  # no 'proto' column this time: a different table
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.stderr.startswith("error:") and "table 'alerts' has columns" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert len(_sqlite_rows(db)) == 2 * len(want)  # untouched
    res = _stream(files, "-o", str(db), "--sqlite-table", "plain")  # another table in the same file
    assert res.exit_code == 0 and len(_sqlite_rows(db, "plain")) == len(want)
    (files["dir"] / "text.db").write_text("not a database\n" * 100)
    res = _stream(files, "-o", str(files["dir"] / "text.db"))
    assert res.exit_code == 2 and "cannot open it as a SQLite database" in res.stderr


def test_stream_to_sqlite_can_be_read_while_it_runs_and_keeps_batches_on_ctrl_c(
        files: dict[str, Path]) -> None:
    import sqlite3

    db = files["dir"] / "live.sqlite"
    rows = files["jsonl"].read_text().splitlines()
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "stream", str(files["model"]), "--all",
                             "--max-delay-ms", "20", "-o", str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=sigint_default)
    with reaped(proc):
        assert proc.stdin is not None
        seen = 0
        for first, last in ((0, 5), (5, 25)):
            proc.stdin.write(("\n".join(rows[first:last]) + "\n").encode())
            proc.stdin.flush()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # a reader queries while the writer runs
                if db.exists():
                    with contextlib.closing(sqlite3.connect(db, timeout=5)) as conn:
                        with contextlib.suppress(sqlite3.OperationalError):  # table not there yet
                            seen = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
                if seen == last:
                    break
                time.sleep(0.05)
            assert seen == last, f"{seen} rows in the database, expected {last}"
            assert proc.poll() is None
        err = interrupt(proc)
    assert proc.returncode == 130, err
    assert "streamed 25 rows" in err.decode()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert [r[0] for r in conn.execute("SELECT row FROM alerts")] == list(range(25))
