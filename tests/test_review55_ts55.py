"""Review round 55 (ts55): regression tests of the time-series benchmark's protocol."""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

pytestmark = pytest.mark.usefixtures("script_state_kept")


class _Copying:
    """A forecaster-like model: it flags its first ``window`` test steps with a copied high score
    (as lstm-forecaster's copies of its first forecast can be) and scores the rest exactly."""

    def __init__(self, window: int) -> None:
        self.window = window

    def fit(self, X: np.ndarray) -> _Copying:
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        s = np.zeros(len(X))
        s[40:45] = 5.0
        s[:self.window] = 9.0
        return s

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return (scores > 1.0).astype(np.int8)


def test_timeseries_benchmark_judges_every_model_on_the_steps_from_window_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: benchmarks/timeseries.py scored every test step of a series, though
    # lstm-forecaster makes no forecast for the first --window steps (they copy the first
    # forecast's score) and pyod-lstmad gives them its training threshold, while `hourglass
    # evaluate` leaves them out: models were compared on different footing. Every model's
    # metrics now use each test series' steps from --window on, their labels likewise.
    import timeseries

    window = 8
    rng = np.random.default_rng(0)
    y = np.zeros(60, dtype=np.int8)
    y[:3] = 1  # labelled among the steps no forecast is about
    y[40:45] = 1
    ser = timeseries.Series("generated", rng.normal(size=(100, 2)), rng.normal(size=(60, 2)), y,
                            n_val=20, stride=1, vus_window=4)
    monkeypatch.setattr(timeseries, "make", lambda name, args, s: _Copying(window))
    seen: list[int] = []
    metrics = timeseries.timeseries_metrics

    def counted(y_true: np.ndarray, *a: object, **k: object) -> dict[str, object]:
        seen.append(len(y_true))
        return metrics(y_true, *a, **k)

    monkeypatch.setattr(timeseries, "timeseries_metrics", counted)
    rows, _, every_step = timeseries.run([ser], ["copying"], argparse.Namespace(window=window))
    (_, f1, precision, recall, pr_auc, roc_auc, *_rest), = rows
    assert seen[0] == 60 - window  # the per-series metrics: steps 8..59 only
    assert (f1, precision, recall, pr_auc, roc_auc) == (1.0, 1.0, 1.0, 1.0, 1.0)
    # the comparison table (same fits, every step: the old protocol) still counts the copies
    assert seen[1] == 60 and every_step[0][2] == pytest.approx(8 / 13)  # precision
    said = timeseries.left_out_text([ser], window)
    assert "from step 8 on" in said and "8 steps of which 3 labelled anomalous" in said
    short = timeseries.Series("short", ser.train, ser.test[:window], y[:window], 20, 1, 4)
    with pytest.raises(SystemExit, match=r"^--window 8: no test step from step 8 on in short \(8\)$"):
        timeseries.run([ser, short], ["copying"], argparse.Namespace(window=window))
    doc = " ".join((ast.get_docstring(ast.parse((BENCH / "timeseries.py").read_text())) or "").split())
    assert "judged on the same steps: each scored (test) series from step ``--window`` on" in doc
