"""Third review of the time-series area: label alignment, label columns as channels, the mapping
of window scores to steps (each test a regression of a defect found)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.features.timeseries import (
    TimeSeriesPreprocessor,
    windows_to_points,
    windows_to_points_channels,
)

runner = CliRunner()
FAST = ["--model", "tcn-ae", "--window", "8", "--epochs", "1", "--param", "channels=[4]", "-q"]


def _series(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({"cpu": np.sin(t / 5) + 0.05 * rng.normal(size=n),
                         "mem": np.cos(t / 7) + 0.05 * rng.normal(size=n)})


def _events(y: np.ndarray) -> int:
    return int((np.diff(np.r_[0, y]) == 1).sum())


def test_labels_of_a_gappy_anomaly_stay_one_event() -> None:
    # NAB-like: an anomaly window of rows every 10 or 20 min, on a 10 min grid: the empty steps
    # inside it were labelled 0, one labelled event became one per stretch between gaps
    minutes = [0, 10, 20, 40, 50, 70, 80, 90, 110, 120, 130]
    df = pd.DataFrame({"ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(minutes, "min"),
                       "v": np.arange(11.0)})
    y = np.array([0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0])
    pre = TimeSeriesPreprocessor("ts", freq="10min", fill="interpolate").fit(df)
    grid = pre.align_labels(df, y)
    assert len(grid) == len(pre.transform(df)) == 14
    assert grid.tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    assert _events(grid) == _events(y) == 1


def test_a_label_column_is_not_a_silent_channel(tmp_path: Path) -> None:
    # trained without --label-col, 'label' was a channel without a word (table models warn), and
    # evaluate --label-col label then fed the labels to the model as input, and scored on them
    df = _series()
    df["label"] = 0
    df.to_csv(tmp_path / "train.csv", index=False)
    test = df.copy()
    test.loc[80:90, "label"] = 1
    test.to_csv(tmp_path / "test.csv", index=False)
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "-o", str(model), *FAST[:-1]])
    assert res.exit_code == 0, res.output
    assert "'label' looks like a label" in res.stderr
    res = runner.invoke(app, ["evaluate", str(model), str(tmp_path / "test.csv"),
                              "--label-col", "label"])
    assert res.exit_code == 2
    assert "is a channel the model scores" in res.output and "Traceback" not in res.output


def test_an_uncovered_step_takes_the_earlier_neighbour_on_a_tie() -> None:
    # the docstring says 'the earlier one on a tie'; the later one was taken
    starts = np.array([0, 4])
    out = windows_to_points(np.array([1.0, 5.0]), 7, starts, span=(0, 3))
    assert out.tolist() == [1.0, 1.0, 1.0, 1.0, 5.0, 5.0, 5.0]  # step 3: 2 and 4 equally near
    parts = windows_to_points_channels(np.array([[1.0, 0.0], [2.0, 3.0]]), 7, starts, span=(0, 3))
    assert parts[3].tolist() == [1.0, 0.0]


def test_a_series_of_another_step_is_refused(tmp_path: Path) -> None:
    # trained on regular 1 min steps (no --freq), an hourly series was scored without a word:
    # each window spanned 60 times the stretch of time the model learnt
    df = _series()
    df.insert(0, "ts", pd.date_range("2024-01-01", periods=len(df), freq="1min"))
    df.to_csv(tmp_path / "min.csv", index=False)
    hourly = df.assign(ts=pd.date_range("2024-01-01", periods=len(df), freq="1h"))
    hourly.to_csv(tmp_path / "hour.csv", index=False)
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(tmp_path / "min.csv"), "-o", str(model),
                              "--timestamp-col", "ts", *FAST])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "hour.csv"),
                              "-o", str(tmp_path / "out.csv")])
    assert res.exit_code == 2 and not (tmp_path / "out.csv").exists()
    assert "step 1h, and the model was trained on steps of 1min" in res.output
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "min.csv"),
                              "-o", str(tmp_path / "out.csv")])
    assert res.exit_code == 0, res.output
    # the kept step survives the artefact; one saved before it was kept checks nothing
    pre = TimeSeriesPreprocessor("ts").fit(df)
    state = pre.to_dict()
    assert state["step"] == "1min"
    assert len(TimeSeriesPreprocessor.from_dict({**state, "step": None}).transform(hourly)) == 120


def test_freq_without_a_timestamp_column_is_refused(tmp_path: Path) -> None:
    # --freq 5min without --timestamp-col was stored and never applied: rows stayed the steps
    # (a per-day budget counted 288 of them a day), and only the hint about 'ts' was said
    df = _series()
    df.insert(0, "ts", pd.date_range("2024-01-01", periods=len(df), freq="1min").astype(str))
    df.to_csv(tmp_path / "s.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "s.csv"), "-o", str(tmp_path / "M"),
                              "--freq", "5min", "--fill", "ffill", *FAST])
    assert res.exit_code == 2 and not (tmp_path / "M").exists()
    assert "needs the timestamp column" in res.output and "Traceback" not in res.output
    assert len(TimeSeriesPreprocessor(freq="rows").fit_transform(df.drop(columns="ts"))) == 120
