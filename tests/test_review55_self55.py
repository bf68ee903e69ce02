"""Review round 55 (self55): regression tests of this round's changes, reviewed as a pull request."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner


def _sine(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"cpu": np.sin(np.arange(n) / 4) + 0.05 * rng.normal(size=n)})


def _summary(res: object) -> str:
    return next(line for line in res.stderr.splitlines() if line.startswith("streamed "))  # type: ignore[attr-defined]


def test_stream_summary_says_what_the_stream_threshold_was_fitted_on(tmp_path: Path) -> None:
    # What was wrong: 'hourglass stream' of an lstm-forecaster fitted with Pipeline.fit(df,
    # X_val=..., y_val=...) (whose stream threshold is, since this round, the best-F1 threshold
    # fitted on the labelled validation scores) ended with "3 flagged (threshold 3.56917 fitted
    # on causal held-out scores)", and a model trained with nothing held out (its stream
    # threshold fitted on causal *training* scores) said the same: the summary named the
    # held-out tail whatever the stream threshold was fitted on
    from hourglass import Pipeline, thresholds
    from hourglass.detectors import LSTMForecaster
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    val = _sine(120, 1)
    y = np.zeros(120, dtype=int)
    val.loc[80:82, "cpu"] += 3
    y[80:83] = 1
    lines = "".join(json.dumps({"cpu": float(v)}) + "\n" for v in val["cpu"])
    Pipeline(LSTMForecaster(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor(), threshold=thresholds.BestF1()
             ).fit(_sine(300), X_val=val, y_val=y).save(tmp_path / "val")
    Pipeline(LSTMForecaster(window=8, hidden=4, epochs=1, validation_fraction=0, verbose=0),
             features=TimeSeriesPreprocessor()).fit(_sine(300)).save(tmp_path / "none")
    Pipeline(LSTMForecaster(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(_sine(300)).save(tmp_path / "held")
    said = {}
    for name in ("val", "none", "held"):
        res = runner.invoke(app, ["stream", str(tmp_path / name)], input=lines)
        assert res.exit_code == 0, res.output
        said[name] = _summary(res)
    assert "fitted on causal held-out scores" not in said["val"], said["val"]
    assert "fitted on the validation scores given to its fit" in said["val"], said["val"]
    assert "fitted on causal training scores (no held-out rows))" in said["none"], said["none"]
    assert "fitted on causal held-out scores)" in said["held"], said["held"]
