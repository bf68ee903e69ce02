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
    """The card's counts are what n_train_rows holds: a series' steps (not 'rows')."""
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
