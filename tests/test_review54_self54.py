"""Round 54 (self54): regressions of this round's own changes, found by reviewing its diff."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.errors import InputError


def _series(n: int = 200) -> pd.DataFrame:
    t = np.arange(n)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="min"), "x": np.sin(t / 5)})


@pytest.mark.parametrize(("lost", "rule"), [("anomalous", "best-f1"), ("normal", "percentile:90")])
def test_forecaster_validation_labels_lost_to_its_unforecast_steps_are_said(lost: str, rule: str) -> None:
    # What was wrong: a forecaster's labelled validation series (Pipeline.fit(X_val=, y_val=))
    # leaves out its first `window` steps since b9c231d0 (their scores are copies of the first
    # forecast's); where every anomalous (or every normal) step of y_val lies there, the
    # threshold's fit said 'the validation set has no anomalous rows' ('no normal rows'), of a
    # y_val that has them, and advised another rule. It now names the steps left out and why.
    from hourglass.detectors import LSTMForecaster
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.thresholds import threshold_from_spec

    df = _series()
    n_val = 17 if lost == "normal" else 40
    y = np.zeros(n_val, dtype=int)
    if lost == "normal":
        y[-1] = 1  # the only forecast step is anomalous: every normal step is among the first 16
    else:
        y[3] = 1  # the only anomalous step has no forecast of its own
    pipe = Pipeline(LSTMForecaster(window=16, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor(timestamp_col="ts"),
                    threshold=threshold_from_spec(rule))
    with pytest.raises(InputError) as info:
        pipe.fit(df, X_val=df.iloc[:n_val], y_val=y)
    text = str(info.value)
    assert text.startswith("y_val: ") and f"every {lost} step" in text, text
    assert "first 16 steps" in text and "no forecast" in text, text
    assert "has no anomalous rows" not in text and "has no normal rows" not in text, text
