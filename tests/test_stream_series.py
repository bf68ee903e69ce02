"""``hourglass stream`` for time-series models: each step scored from the window ending at it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import Pipeline
from hourglass.cli.app import app
from hourglass.detectors import LSTMAutoEncoder, TCNAutoEncoder
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.serve.series_stream import SeriesStreamScorer

runner = CliRunner()
SRC = str(Path(__file__).resolve().parents[1] / "src")
WINDOW = 8


def _metrics(n: int, seed: int = 0, spike_at: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    df = pd.DataFrame({
        "ts": (pd.Timestamp("2024-05-01") + pd.to_timedelta(t * 10, unit="s")).strftime("%Y-%m-%dT%H:%M:%S"),
        # channel order differs from the model's on purpose below: mem first in the JSON
        "cpu": 50 + 20 * np.sin(t / 6) + rng.normal(0, 1, n),
        "mem": 1000 + 100 * np.cos(t / 9) + rng.normal(0, 5, n),
        "disk": 5 + rng.normal(0, 0.2, n),
    })
    if spike_at is not None:
        df.loc[spike_at, "disk"] = 80.0
    return df


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline(TCNAutoEncoder(window=WINDOW, channels=(8,), epochs=3, verbose=0, random_state=0),
                    features=TimeSeriesPreprocessor("ts")).fit(_metrics(400))


@pytest.fixture(scope="module")
def model_dir(pipe: Pipeline, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tsstream") / "model"
    pipe.save(out)
    return out


def _rows(df: pd.DataFrame) -> list[dict]:
    return [{k: r[k] for k in ("mem", "ts", "disk", "cpu")} for r in df.to_dict("records")]


@pytest.mark.parametrize("batch", [1, 64])
def test_each_step_scores_as_the_window_that_ends_at_it(pipe: Pipeline, batch: int) -> None:
    df = _metrics(150, seed=1, spike_at=100)
    stream = SeriesStreamScorer.from_pipeline(pipe)
    rows = list(enumerate(_rows(df), start=1))
    got = []
    for i in range(0, len(rows), batch):
        alerts, bad = stream.feed(rows[i:i + batch], all_steps=True)
        assert bad == []
        got.extend(alerts)
    # too few steps yet: nothing for the first window - 1 steps
    assert [a["row"] for a in got] == list(range(WINDOW - 1, 150))
    X = pipe.features_.transform(df)
    det = pipe.detector_
    want = [float(det.score(X[t - WINDOW + 1:t + 1])[-1]) for t in range(WINDOW - 1, 150)]
    np.testing.assert_allclose([a["score"] for a in got], want, rtol=1e-5, atol=1e-7)
    assert got[0]["timestamp"] == df["ts"][WINDOW - 1] and got[0]["line"] == WINDOW
    flags = [a["row"] for a in got if a["flag"]]
    assert set(range(100, 100 + WINDOW)) <= set(flags)  # every window holding the spike
    # the stream threshold (fitted on causal held-out scores), not the averaged scores' one
    assert [a["flag"] for a in got] == pipe.stream_threshold_.predict(np.array(want)).tolist()
    assert {a["threshold"] for a in got} == {pipe.stream_threshold_.value_}
    assert stream.counts() == {"rows": 150, "steps": 150, "scored": 143, "warming_up": 7,
                               "flagged": len(flags), "restarts": 0, "bad": 0}


def test_bad_lines_times_and_gaps(pipe: Pipeline) -> None:
    df = _metrics(30, seed=2)
    rows = _rows(df)
    stream = SeriesStreamScorer.from_pipeline(pipe)
    dup = dict(rows[5])
    feed = [*rows[:6], dup, {**rows[6], "cpu": None}, {**rows[6], "cpu": "x"},
            {k: v for k, v in rows[6].items() if k != "disk"}, rows[4], *rows[6:12]]
    alerts, bad = stream.feed(list(enumerate(feed, start=1)), all_steps=True)
    assert [line for line, _ in bad] == [7, 8, 9, 10, 11]
    assert "duplicate" in bad[0][1] and "null" in bad[1][1] and "out of order" in bad[4][1]
    assert "expected a number" in bad[2][1] and "missing channel 'disk'" in bad[3][1]
    assert [a["row"] for a in alerts] == [7, 8, 9, 10, 11]
    # a gap in regular steps restarts the window: nothing until it is full again
    gap = rows[20:]
    alerts, bad = stream.feed(list(enumerate(gap, start=100)), all_steps=True)
    assert bad == [] and stream.counts()["restarts"] == 1
    assert [a["line"] for a in alerts] == [107, 108, 109]
    # stop_at_bad: rows after the first bad one are not read
    s2 = SeriesStreamScorer.from_pipeline(pipe)
    _, bad = s2.feed(list(enumerate([rows[0], {**rows[1], "cpu": None}, rows[2]], start=1)),
                     stop_at_bad=True)
    assert len(bad) == 1 and s2.counts()["rows"] == 2
    # a timestamp that is no time is named, the others in its batch still read
    s3 = SeriesStreamScorer.from_pipeline(pipe)
    _, bad = s3.feed(list(enumerate([rows[0], {**rows[1], "ts": "soon"}, rows[2]], start=1)))
    assert bad == [(2, "timestamp 'ts': not a time ('soon')")] and s3.counts()["steps"] == 2


def test_explain_names_the_channel_of_a_spike(pipe: Pipeline) -> None:
    df = _metrics(120, seed=3, spike_at=90)
    stream = SeriesStreamScorer.from_pipeline(pipe)
    alerts, _ = stream.feed(list(enumerate(_rows(df), start=1)), explain=2)
    spike = [a for a in alerts if 90 <= a["row"] < 90 + WINDOW]
    assert len(spike) == WINDOW and all(a["top_channel"] == "disk" for a in spike), alerts
    assert spike[0]["why"].startswith("disk=80 vs ") and spike[0]["why"].count("%") == 2


def test_a_resampling_model_is_refused() -> None:
    pipe = Pipeline(LSTMAutoEncoder(window=4, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor("ts", freq="1min")).fit(_metrics(60))
    with pytest.raises(Exception, match="stream does not resample"):
        SeriesStreamScorer.from_pipeline(pipe)


def _cli(model: Path, text: str, *args: str):
    return runner.invoke(app, ["stream", str(model), *args], input=text)


def test_cli_end_to_end(model_dir: Path, pipe: Pipeline, tmp_path: Path) -> None:
    df = _metrics(60, seed=4, spike_at=40)
    lines = [json.dumps(r) for r in _rows(df)]
    res = _cli(model_dir, "\n".join(lines) + "\n", "--batch", "16", "--explain", "1")
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in res.stdout.splitlines()]
    assert set(range(40, 40 + WINDOW)) <= {a["row"] for a in alerts}
    assert set(alerts[0]) == {"row", "line", "timestamp", "score", "threshold", "calibrated",
                              "severity", "top_channel", "why"}
    assert alerts[0]["threshold"] == pytest.approx(float(pipe.stream_threshold_.value_))
    assert "streamed 60 rows" in res.stderr and "ending at it" in res.stderr
    assert "fitted on causal held-out scores" in res.stderr and "warning" not in res.stderr
    # a bad line stops with its number (error is the default); skip counts it
    broken = [*lines[:10], "{nope", *lines[10:20]]
    res = _cli(model_dir, "\n".join(broken) + "\n")
    assert res.exit_code == 2 and "<stdin>: line 11: not valid JSON" in res.stderr
    assert "Traceback" not in res.stderr
    nulled = [*lines[:10], json.dumps({**_rows(df)[10], "cpu": None}), *lines[11:20]]
    res = _cli(model_dir, "\n".join(nulled) + "\n")
    assert res.exit_code == 2 and "<stdin>: line 11: channel 'cpu' is null" in res.stderr
    res = _cli(model_dir, "\n".join(broken) + "\n", "--on-bad-rows", "skip")
    assert res.exit_code == 0 and "skipped 1 malformed line(s) (lines 11)" in res.stderr
    many = [*lines[:10], *["{nope"] * 12, *lines[10:20]]  # counted, the first ten named
    res = _cli(model_dir, "\n".join(many) + "\n", "--on-bad-rows", "skip")
    assert res.exit_code == 0 and ("skipped 12 malformed line(s) (lines 11, 12, 13, 14, 15, 16, 17, 18, "
                                   "19, 20 ...)") in res.stderr
    # options with no meaning here are refused in one line
    res = _cli(model_dir, "", "--adapt")
    assert res.exit_code == 2 and "--adapt: not for time-series models" in res.stderr
    # a reader that closes early (a real pipe): exit code 1, said once, no traceback
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(lines * 200) + "\n")
    script = (f'"{sys.executable}" -c "from hourglass.cli.app import main; main()" stream '
              f'"{model_dir}" --all --batch 8 < "{src}" 2> "{tmp_path}/err" | head -n 1; '
              'exit ${PIPESTATUS[0]}')
    proc = subprocess.run(["bash", "-c", script], capture_output=True, timeout=120,
                          env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})
    err = (tmp_path / "err").read_text()
    assert proc.returncode == 1 and proc.stdout.count(b"\n") == 1, err
    assert "output closed by its reader" in err and "Traceback" not in err


def test_a_forecaster_without_timestamps_scores_its_context_plus_horizon_window() -> None:
    from hourglass.detectors import LSTMForecaster

    df = _metrics(200, seed=5).drop(columns="ts")
    pipe = Pipeline(LSTMForecaster(window=6, hidden=8, epochs=2, verbose=0, random_state=0),
                    features=TimeSeriesPreprocessor()).fit(df)
    stream = SeriesStreamScorer.from_pipeline(pipe)
    assert stream.window == 7  # context + one forecast step
    rows = list(enumerate(df.iloc[:40].to_dict("records"), start=1))
    got = [a for lo in range(0, 40, 5) for a in stream.feed(rows[lo:lo + 5], all_steps=True)[0]]
    X = pipe.features_.transform(df.iloc[:40])
    want = [float(pipe.detector_.score(X[t - 6:t + 1])[-1]) for t in range(6, 40)]
    assert [a["row"] for a in got] == list(range(6, 40)) and "timestamp" not in got[0]
    np.testing.assert_allclose([a["score"] for a in got], want, rtol=1e-5, atol=1e-7)


def test_cli_stream_to_sqlite(model_dir: Path, tmp_path: Path) -> None:
    import sqlite3

    text = "\n".join(json.dumps(r) for r in _rows(_metrics(60, seed=4, spike_at=40))) + "\n"
    want = [json.loads(x) for x in _cli(model_dir, text, "--keep", "mem", "--all").stdout.splitlines()]
    db = tmp_path / "alerts.sqlite"
    for _ in range(2):  # a second run appends to the same table
        res = _cli(model_dir, text, "--keep", "mem", "--all", "-o", str(db))
        assert res.exit_code == 0 and res.stdout == "", res.output
    got = pd.read_sql_query("SELECT * FROM alerts", sqlite3.connect(db))
    assert list(got.columns) == ["row", "line", "timestamp", "score", "threshold", "flag", "calibrated",
                                 "severity", "top_channel", "why", "mem"]
    assert len(got) == 2 * len(want) and len(want) == 60 - WINDOW + 1
    first = got.head(len(want))
    for key in ("row", "line", "timestamp", "flag", "severity", "mem"):
        assert first[key].tolist() == [a[key] for a in want], key
    np.testing.assert_allclose(first["score"], [a["score"] for a in want], rtol=1e-6)
    assert first["why"].isna().all()


def test_cli_stream_ecs_alerts(model_dir: Path, pipe: Pipeline) -> None:
    """--alert-format ecs: the same alerts as plain JSON, each as an ECS document whose
    @timestamp is the step's own time and whose kept fields map to ECS names."""
    df = _metrics(60, seed=4, spike_at=40)
    rows = [{**r, "host": "db-1"} for r in _rows(df)]
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    plain = _cli(model_dir, text, "--batch", "16", "--explain", "1", "--keep", "host")
    ecs = _cli(model_dir, text, "--batch", "16", "--explain", "1", "--keep", "host",
               "--alert-format", "ecs")
    assert plain.exit_code == 0 and ecs.exit_code == 0, ecs.output
    alerts = [json.loads(x) for x in plain.stdout.splitlines()]
    docs = [json.loads(x) for x in ecs.stdout.splitlines()]
    assert len(docs) == len(alerts) > 0
    for alert, doc in zip(alerts, docs, strict=True):
        assert doc["@timestamp"] == alert["timestamp"] + ".000Z"
        assert doc["event"]["dataset"] == "hourglass.timeseries"
        assert doc["rule"]["name"] == "tcn-ae" and doc["host"] == {"name": "db-1"}
        assert doc["hourglass"]["score"] == alert["score"]
        assert doc["hourglass"]["threshold"] == pytest.approx(float(pipe.stream_threshold_.value_))
        assert doc["hourglass"]["top_channel"] == alert["top_channel"]
    res = _cli(model_dir, text, "--alert-format", "ecs", "--all")
    assert res.exit_code == 2 and "--alert-format ecs writes alerts only" in res.stderr
