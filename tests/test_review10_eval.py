"""Evaluation, benchmark and explanation: regression tests of defects found and fixed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner


def _flows(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "proto": rng.choice(["tcp", "udp"], n), "label": "normal"})
    df.loc[: n // 10 - 1, ["a", "b"]] += 5
    df.loc[: n // 10 - 1, "label"] = "dos"
    df["ts"] = pd.date_range("2024-01-01", periods=n, freq="1min").strftime("%Y-%m-%d %H:%M:%S")
    return df


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model trained with --timestamp-col ts (its event rate kept in the model)."""
    d = tmp_path_factory.mktemp("review10_eval")
    train = _flows(300)
    train.loc[train["label"] == "normal"].to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--label-col", "label", "--normal", "normal",
                              "--timestamp-col", "ts", "--epochs", "2", "--hidden", "8,4", "-o",
                              str(d / "M"), "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M"}


def test_evaluate_of_one_instant_falls_back_to_the_models_event_rate(
        timed: dict[str, Path], tmp_path: Path) -> None:
    # the model's time column (no --timestamp-col given) with every row at one instant, or one
    # row: evaluate stopped with "all timestamps are equal; cannot derive an event rate", though
    # the metrics need no rate and the model has one of its own
    test = _flows(60, seed=3)
    test["ts"] = "2024-02-01 00:00:00"
    test.to_csv(tmp_path / "test.csv", index=False)
    js = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(timed["model"]), str(tmp_path / "test.csv"), "--json", str(js)])
    assert res.exit_code == 0, res.output
    assert "no event rate from the model's time column" in res.stderr
    model_rate = json.loads((timed["model"] / "config.json").read_text())["info"]["events_per_day"]
    assert json.loads(js.read_text())["events_per_day"] == pytest.approx(model_rate)
    # given with --timestamp-col, the column is the user's: still refused, one line, exit 2
    res = runner.invoke(app, ["evaluate", str(timed["model"]), str(tmp_path / "test.csv"),
                              "--timestamp-col", "ts", "--json", str(tmp_path / "n.json")])
    assert res.exit_code == 2 and "all timestamps are equal" in res.stderr
    assert not (tmp_path / "n.json").exists()


def test_evaluate_still_stops_at_an_unreadable_time_in_the_models_time_column(
        timed: dict[str, Path], tmp_path: Path) -> None:
    # the fallback above is for a column without a time span, not for times that do not read
    test = _flows(60, seed=3)
    test.loc[5, "ts"] = "garbage"
    test.to_csv(tmp_path / "test.csv", index=False)
    js = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(timed["model"]), str(tmp_path / "test.csv"), "--json", str(js)])
    assert res.exit_code == 2 and "line 7 is not a timestamp ('garbage')" in res.stderr, res.output
    assert not js.exists()


def test_benchmark_notes_name_a_fixed_threshold_as_given_not_fitted() -> None:
    # with --threshold fixed:V the notes said every rule was "fitted on its held-out normal
    # training rows", and with too few rows to hold any out, that it was "fitted on the scores of
    # the rows trained on (they run low: expect more false alarms)": a fixed value is fitted on nothing
    from hourglass.pipeline.benchmark import Benchmark, split_labelled
    from hourglass.thresholds import Fixed

    tr, te = split_labelled(_flows(200).drop(columns="ts"), "label", ["normal"])
    bench = Benchmark(tr, te, label_col="label", normal=["normal"], models=(), seeds=(0,),
                      threshold=Fixed(0.5), max_train=5)
    runs = list(bench.runs())
    assert runs[0]["threshold"] == "fixed at 0.5"
    notes = bench.notes()
    assert notes[1] == "thresholds: fixed at 0.5 for every model (given, nothing fitted)", notes[1]
    assert bench.fitted_on_training_ == []


def test_report_leaves_the_callers_matplotlib_backend_and_figures_alone() -> None:
    # importing the plots switched matplotlib to Agg (matplotlib.use at import): in a notebook,
    # render_report left the user's later plt.show() showing nothing; figures came from pyplot's
    # global list
    import importlib

    import matplotlib
    import matplotlib.pyplot as plt

    from hourglass.evaluate import plots
    from hourglass.evaluate.report import render_report

    old = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        importlib.reload(plots)
        y = np.r_[np.zeros(30, int), np.ones(6, int)]
        s = np.r_[np.linspace(0, 1, 30), np.linspace(2, 3, 6)]
        page, _ = render_report(y_true=y, scores=s, y_pred=(s > 1.5).astype(int), threshold=1.5,
                                threshold_rule="demo")
        assert matplotlib.get_backend() == "svg"
        assert plt.get_fignums() == []
        assert page.count("data:image/png;base64,iVBORw0KGgo") == 5  # five PNG figures
    finally:
        matplotlib.use(old)
