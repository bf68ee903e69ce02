"""Export, warm starts and saved pipelines: what the model says about itself and what it keeps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()


def _minute_series(path: Path, n: int, seed: int) -> Path:
    """A one-channel series, one row a minute."""
    rng = np.random.default_rng(seed)
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                  "cpu": np.sin(np.arange(n) / 30) + 0.05 * rng.normal(size=n)}).to_csv(path, index=False)
    return path


def test_series_warm_start_counts_the_steps_on_the_models_grid(tmp_path: Path) -> None:
    """A series resampled to a 5-minute grid trains on a fifth of its rows as steps: a warm start
    says and records those steps, as train does (it said 2,940 steps for 600)."""
    old, new = _minute_series(tmp_path / "old.csv", 1500, 0), _minute_series(tmp_path / "new.csv", 1500, 1)
    parent, child = tmp_path / "m", tmp_path / "w"
    res = runner.invoke(app, ["train", str(old), "-o", str(parent), "--model", "lstm-ae", "--freq", "5min",
                              "--timestamp-col", "ts", "--window", "8", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(new), "-o", str(child), "--warm-start", str(parent),
                              "--epochs", "1", "--replay-data", str(old), "--replay", "0.5"])
    assert res.exit_code == 0, res.output
    info = json.loads((child / "config.json").read_text())["info"]
    held = info["held_out"]["rows"]
    assert info["warm_start"]["rows"] == 300 and info["warm_start"]["new_rows"] == 1500
    assert info["warm_start"]["replay"]["steps"] == 150
    assert info["n_train_rows"] == 450  # 300 new steps + 150 replayed, as train counts steps
    assert f"on {300 - held:,} steps (+{held} held out) of {new}" in " ".join(res.stderr.split())


def test_model_card_counts_a_series_in_steps_and_a_log_in_sessions() -> None:
    """The card's counts are what n_train_rows holds: a series' steps and a log's sessions (not
    'rows')."""
    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    rng = np.random.default_rng(0)
    series = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=400, freq="1min").astype(str),
                           "cpu": np.sin(np.arange(400) / 9) + 0.05 * rng.normal(size=400)})
    pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor(timestamp_col="ts", freq="5min")).fit(series)
    assert pipe.info["n_train_rows"] == 80
    assert "80 training steps" in pipe.model_card()["data"]
    warm = pipe.warm_start(series, epochs=1)
    assert warm.info["warm_start"]["rows"] == warm.info["n_train_rows"] == 80
    assert "continued on 80 steps" in warm.model_card()["warm start"]
    assert "itself trained on 80 steps" in warm.model_card()["warm start"]

    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.features import EventSessions

    # 40 users, one session each of 4 events (160 rows): counted in sessions
    log = pd.DataFrame({"user": np.repeat([f"u{i}" for i in range(40)], 4),
                        "event": ["login", "read", "write", "logout"] * 40, "ts": np.arange(160.0)})
    sessions = EventSessions(session_column="user", key_column="event", time_column="ts")
    pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0), features=sessions).fit(log)
    assert pipe.info["n_train_rows"] == 40
    assert "40 training sessions" in pipe.model_card()["data"]
    warm = pipe.warm_start(log.iloc[:120], epochs=1)  # 30 users' sessions
    assert warm.info["warm_start"]["rows"] == warm.info["n_train_rows"] == 30
    assert "30 training sessions" in warm.model_card()["data"]
    assert "continued on 30 sessions" in warm.model_card()["warm start"]
    assert "itself trained on 40 sessions" in warm.model_card()["warm start"]


def test_warm_start_too_few_held_out_scores_gives_advice_a_warm_start_takes(tmp_path: Path) -> None:
    """A false-alarm bound the new rows are too few for was refused with '--param
    validation_fraction=0.2' and 'fpr:RATE@CONFIDENCE' as the remedy, both refused by a warm
    start: the advice is now what a warm start takes."""
    from tests._cli import one_line_error

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, 1700), "proto": rng.choice(["tcp", "udp"], 1700)})
    frame.to_csv(tmp_path / "old.csv", index=False)
    frame.head(300).to_csv(tmp_path / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-o", str(tmp_path / "m"), "--epochs", "1",
                              "--hidden", "4,2", "--threshold", "fpr:0.02", "-q"])
    assert res.exit_code == 0, res.output
    args = ["train", str(tmp_path / "new.csv"), "-o", str(tmp_path / "w"),
            "--warm-start", str(tmp_path / "m"), "--epochs", "1", "-q"]
    one_line_error(args, "needs at least 149: a warm start keeps", tmp_path / "w")
    line = runner.invoke(app, args).stderr
    assert "--replay-data OLD" in line and "--param" not in line and "fpr:RATE" not in line


def test_export_check_data_of_an_entity_model_says_it_checked_buckets(tmp_path: Path) -> None:
    """An entity-bucket model's parity check scores the (entity, bucket) rows the first
    --check-rows table rows group into: the line said '12 rows of FILE' for them."""
    rng = np.random.default_rng(0)
    n = 1200
    frame = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="7s").astype(str),
                          "host": rng.choice(["a", "b", "c"], n), "bytes": rng.exponential(100, n)})
    data = tmp_path / "flows.csv"
    frame.to_csv(data, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--entity-col", "host",
                              "--timestamp-col", "ts", "--bucket", "5min", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["export", str(model), "--onnx", str(tmp_path / "m.onnx"),
                              "--check-data", str(data), "--check-rows", "300"])
    assert res.exit_code == 0, res.output
    line = " ".join(res.stderr.split())
    # 300 rows 7 s apart span 34 minutes 53 s: 7 five-minute buckets for each of the 3 hosts
    assert "parity on 21 (entity, bucket) rows grouped from the first 300 rows of" in line, line


def test_series_warm_start_with_replay_names_a_too_short_new_series(tmp_path: Path) -> None:
    """With --replay-data, NEW too short to train on before its held-out tail was refused as
    'the last joined series starts at step 300 ...': it is named as the file, in its own steps."""
    from tests._cli import one_line_error

    old, new = _minute_series(tmp_path / "old.csv", 1500, 0), _minute_series(tmp_path / "new.csv", 60, 1)
    parent = tmp_path / "m"
    res = runner.invoke(app, ["train", str(old), "-o", str(parent), "--model", "lstm-ae", "--freq", "5min",
                              "--timestamp-col", "ts", "--window", "8", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    one_line_error(["train", str(new), "-o", str(tmp_path / "w"), "--warm-start", str(parent),
                    "--epochs", "1", "--replay-data", str(old), "--replay", "100"],
                   f"{new}: 12 steps on {parent}'s grid, of which 4 before its held-out tail",
                   tmp_path / "w")
