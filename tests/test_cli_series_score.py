"""``hourglass score`` / ``train`` / ``stream`` on a time-series model, brought up to the table
side: the calibrated probability and severity per step, the summary of a resampled series, and
a time column left undeclared that would have become a channel."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.features.timeseries import epoch_channel
from tests._cli import one_line_error, runner

WINDOW = 8
FAST = ["--model", "lstm-ae", "--window", str(WINDOW), "--hidden", "8", "--epochs", "1"]
SEVERITIES = {"low", "medium", "high", "critical"}


def _metrics(n: int, step: str = "1min", seed: int = 0, spike_at: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    df = pd.DataFrame({"ts": pd.date_range("2024-05-01", periods=n, freq=step)
                       .strftime("%Y-%m-%d %H:%M:%S"),
                       "cpu": np.sin(t / 7) + rng.normal(0, 0.05, n),
                       "mem": 50 + np.cos(t / 11) + rng.normal(0, 0.05, n)})
    if spike_at is not None:
        df.loc[spike_at, "cpu"] = 9.0
    return df


def _train(data: Path, out: Path, *extra: str) -> str:
    r = runner.invoke(app, ["train", str(data), *FAST, *extra, "-o", str(out)])
    assert r.exit_code == 0, r.output
    return r.stderr


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("series_score")
    _metrics(200).to_csv(root / "train.csv", index=False)
    _metrics(120, seed=1, spike_at=70).to_csv(root / "new.csv", index=False)
    return root


@pytest.fixture(scope="module")
def model(root: Path) -> Path:
    _train(root / "train.csv", root / "M", "--timestamp-col", "ts")
    return root / "M"


def _score(model: Path, data: Path, out: Path, *extra: str) -> str:
    r = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), *extra])
    assert r.exit_code == 0, r.output
    return r.stderr


def test_score_writes_calibrated_and_severity_per_step(model: Path, root: Path,
                                                       tmp_path: Path) -> None:
    from hourglass import load

    summary = _score(model, root / "new.csv", tmp_path / "s.csv")
    got = pd.read_csv(tmp_path / "s.csv")
    assert list(got.columns) == ["ts", "score", "flag", "calibrated", "severity"]
    assert len(got) == 120 and "scored 120 time steps, " in summary and "resampled" not in summary
    det = load(model).detector_  # the detector's own mapping of the very scores written
    np.testing.assert_allclose(got["calibrated"], det.calibrate(got["score"].to_numpy()), rtol=1e-6)
    assert got["severity"].tolist() == det.severity(got["score"].to_numpy()).tolist()
    assert ((got["calibrated"] >= 0) & (got["calibrated"] <= 1)).all()
    assert set(got["severity"]) <= SEVERITIES
    # a higher score is never less probable an anomaly
    ordered = got.sort_values("score")
    assert (np.diff(ordered["calibrated"].to_numpy()) >= -1e-12).all()
    assert got.loc[got["score"].idxmax(), "severity"] != "low"  # the spike at step 70

    _score(model, root / "new.csv", tmp_path / "s.parquet")
    _score(model, root / "new.csv", tmp_path / "s.jsonl")
    pq = pd.read_parquet(tmp_path / "s.parquet")
    rows = [json.loads(x) for x in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert list(pq.columns) == list(got.columns) and list(rows[0]) == list(got.columns)
    assert pq["severity"].tolist() == got["severity"].tolist()
    np.testing.assert_allclose([r["calibrated"] for r in rows], got["calibrated"], rtol=1e-6)

    _score(model, root / "new.csv", tmp_path / "a.csv", "--anomalies-only")
    flagged = pd.read_csv(tmp_path / "a.csv")
    assert list(flagged.columns) == list(got.columns) and len(flagged) == int(got["flag"].sum()) > 0
    assert flagged["severity"].tolist() == got.loc[got["flag"] == 1, "severity"].tolist()


def test_a_model_without_timestamps_writes_step(root: Path, tmp_path: Path) -> None:
    _metrics(200).drop(columns="ts").to_csv(tmp_path / "train.csv", index=False)
    _train(tmp_path / "train.csv", tmp_path / "M")
    _score(tmp_path / "M", tmp_path / "train.csv", tmp_path / "s.csv")
    got = pd.read_csv(tmp_path / "s.csv")
    assert list(got.columns) == ["step", "score", "flag", "calibrated", "severity"]
    assert got["step"].tolist() == list(range(200))


def test_stream_steps_carry_the_same_fields(model: Path, root: Path) -> None:
    """The stream's per-step lines name the verdict as 'score' does (causal scores, so the
    values differ: each step from the one window ending at it)."""
    rows = pd.read_csv(root / "new.csv").to_dict("records")
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    res = runner.invoke(app, ["stream", str(model), "--all"], input=text)
    assert res.exit_code == 0, res.output
    steps = [json.loads(x) for x in res.stdout.splitlines()]
    assert len(steps) == 120 - WINDOW + 1
    assert {"score", "flag", "calibrated", "severity"} <= set(steps[0])
    assert all(0 <= s["calibrated"] <= 1 and s["severity"] in SEVERITIES for s in steps)


def test_the_summary_says_a_resampled_series_came_from_more_rows(root: Path, tmp_path: Path) -> None:
    _metrics(600).to_csv(tmp_path / "train.csv", index=False)
    _train(tmp_path / "train.csv", tmp_path / "M", "--timestamp-col", "ts", "--freq", "5min")
    _metrics(300, seed=2).to_csv(tmp_path / "new.csv", index=False)
    summary = _score(tmp_path / "M", tmp_path / "new.csv", tmp_path / "s.csv")
    got = pd.read_csv(tmp_path / "s.csv")
    assert len(got) == 60 and list(got.columns)[1:] == ["score", "flag", "calibrated", "severity"]
    flagged = int(got["flag"].sum())
    assert f"scored 60 time steps (resampled from 300 rows to 5min), {flagged} flagged" in summary
    # ECS alerts: the same line
    summary = _score(tmp_path / "M", tmp_path / "new.csv", tmp_path / "a.jsonl", "--alert-format", "ecs")
    assert "scored 60 time steps (resampled from 300 rows to 5min)" in summary


def _epoch_frame(n: int = 200) -> pd.DataFrame:
    df = _metrics(n).drop(columns="ts")
    df.insert(0, "ts", 1_714_521_600 + 60 * np.arange(n))
    return df


def test_train_refuses_epoch_seconds_taken_for_a_channel(tmp_path: Path) -> None:
    df = _epoch_frame()
    df.to_csv(tmp_path / "named.csv", index=False)
    one_line_error(["train", str(tmp_path / "named.csv"), *FAST, "-o", str(tmp_path / "M")],
                   "column 'ts' looks like epoch-second timestamps", tmp_path / "M")
    r = runner.invoke(app, ["train", str(tmp_path / "named.csv"), *FAST, "-o", str(tmp_path / "M")])
    assert "timestamp column (--timestamp-col)" in r.stderr and "anomalous" in r.stderr
    # whatever its name: strictly increasing whole seconds on a regular clock
    df.rename(columns={"ts": "when_recorded"}).to_parquet(tmp_path / "unnamed.parquet")
    one_line_error(["train", str(tmp_path / "unnamed.parquet"), *FAST, "-o", str(tmp_path / "M")],
                   "'when_recorded' looks like epoch-second timestamps", tmp_path / "M")
    # what the message suggests works, and so does leaving the column out
    _train(tmp_path / "named.csv", tmp_path / "M1", "--timestamp-col", "ts")
    _train(tmp_path / "named.csv", tmp_path / "M2", "--drop", "ts")
    assert json.loads((tmp_path / "M2" / "config.json").read_text())["info"]["n_features"] == 2


def test_ordinary_increasing_columns_still_train(tmp_path: Path) -> None:
    df = _metrics(200).drop(columns="ts")
    df["requests_total"] = np.arange(200) * 3 + 17  # a small counter, regular steps
    rng = np.random.default_rng(3)  # a large counter: grows by what it counts, irregularly
    df["bytes_total"] = 2_000_000_000 + np.cumsum(rng.integers(1, 50_000, 200))
    df["ts"] = np.arange(200)  # named as a time, but not epoch seconds
    df.to_csv(tmp_path / "counters.csv", index=False)
    _train(tmp_path / "counters.csv", tmp_path / "M")
    cfg = json.loads((tmp_path / "M" / "config.json").read_text())
    assert cfg["info"]["n_features"] == 5


def test_a_text_time_column_left_undeclared_names_the_option(tmp_path: Path) -> None:
    _metrics(200).to_csv(tmp_path / "train.csv", index=False)
    stderr = _train(tmp_path / "train.csv", tmp_path / "M")
    assert "ignoring non-numeric column(s): ts ('ts' holds times" in stderr
    assert "make it the timestamp column (--timestamp-col)" in stderr


@pytest.mark.parametrize(("name", "values", "epoch"), [
    ("ts", [1_714_521_600, 1_714_521_600, 1_714_521_660], True),       # a repeated second
    ("Timestamp", [1.7e9, 1.7e9 + 5, 1.7e9 + 9], True),                 # irregular, but named
    ("event_timestamp", [1_714_521_600, 1_714_521_601, 1_714_521_602], True),
    ("ts", [3, 4, 5], False),                                           # too small for epoch
    ("ts", [1_714_521_660, 1_714_521_600, 1_714_521_720], False),       # goes back
    ("ts", [1.7e9 + 0.5, 1.7e9 + 1.5, 1.7e9 + 2.5], False),             # not whole seconds
    ("runtime", [1.7e9, 1.7e9 + 5, 1.7e9 + 9], False),                  # irregular, not named
    ("value", [1_714_521_600] * 5, False),                              # constant
    ("ts", [1_714_521_600, np.nan, 1_714_521_720], False),              # a missing value
])
def test_epoch_channel(name: str, values: list[float], epoch: bool) -> None:
    assert (epoch_channel(name, pd.Series(values)) is not None) == epoch
