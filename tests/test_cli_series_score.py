"""``hourglass score`` / ``train`` / ``stream`` on a time-series model, brought up to the table
side: the calibrated probability and severity per step, and the summary of a resampled
series."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner

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
