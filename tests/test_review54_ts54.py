"""Review round 54 (ts54): lstm-forecaster end to end after its first steps were left out."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner


def _series(path, n: int, spike_at: int | None = None) -> None:
    t = np.arange(n)
    cpu = np.sin(t / 5)
    if spike_at is not None:
        cpu[spike_at] += 100.0
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                  "cpu": cpu, "label": (t == spike_at).astype(int)}).to_csv(path, index=False)


def _train(tmp_path, *extra: str):
    data = tmp_path / "train.csv"
    _series(data, 120)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--drop", "label", "--model",
                              "lstm-forecaster", "--window", "8", "--epochs", "1", "-q", "-o", str(model),
                              *extra])
    assert res.exit_code == 0, res.output
    return model


def test_evaluate_severity_counts_leave_out_the_unpredicted_steps(tmp_path) -> None:
    # What was wrong: evaluate --json's severity_counts still counted a forecaster's first
    # `window` steps (copies of the first forecast's score) that its metrics leave out: a spike
    # at the first forecast step flagged 9 steps in severity_counts beside tp + fp = 1
    model = _train(tmp_path)
    data = tmp_path / "test.csv"
    _series(data, 60, spike_at=8)
    out = tmp_path / "ev.json"
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--label-col", "label", "--json", str(out)])
    assert res.exit_code == 0, res.output
    got = json.loads(out.read_text())
    assert got["unpredicted_steps_left_out"] == 8 and got["tp"] == 1, got
    assert sum(got["severity_counts"].values()) == got["tp"] + got["fp"], got


def test_evaluate_report_refusal_names_the_anomalies_left_out(tmp_path) -> None:
    # What was wrong: with every anomalous step among a forecaster's first `window` steps
    # (left out of evaluate's metrics), --report was refused as 'every one of the 52 labelled
    # time steps of test.csv is normal', denying labels the file has
    model = _train(tmp_path)
    data = tmp_path / "test.csv"
    _series(data, 60, spike_at=3)
    report = tmp_path / "r.html"
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--label-col", "label",
                              "--report", str(report)])
    assert res.exit_code == 2, res.output
    assert "its anomalous time steps (1) are all among its first 8, which evaluate leaves out" in res.output
    assert not report.exists()


def test_drift_check_counts_a_forecasters_forecast_steps_only(tmp_path) -> None:
    # What was wrong: score's drift check (and the service's, per request) counted a
    # forecaster's first `window` steps, whose flags copy the first forecast's, against the rate
    # of its held-out forecasts (one per step): a 9-step file with window 8, one forecast,
    # read 'alert rate 100.0% over 9 steps'
    import hourglass
    from hourglass.serve.series_scoring import SeriesScorer

    model = _train(tmp_path)
    data = tmp_path / "spike.csv"
    _series(data, 9, spike_at=8)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "o.jsonl"),
                              "--drift-window", "5"])
    assert res.exit_code == 0, res.output
    assert "alert rate 100.0% over 1 step vs" in res.output, res.output
    rows = pd.read_csv(data).drop(columns="label").to_dict("records")
    answer, steps = SeriesScorer.from_pipeline(hourglass.load(model)).score_steps(rows)
    assert (answer["steps"], steps) == (9, [1])
