"""Explanations of time steps: what a step's ``why`` is made of where the model makes no forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass import Pipeline
from hourglass.detectors import LSTMForecaster
from hourglass.explain.timeseries import step_errors, why_steps
from hourglass.features.timeseries import TimeSeriesPreprocessor


def test_forecaster_first_window_steps_share_the_first_forecasts_split() -> None:
    # the README says: a forecaster's first ``window`` steps have no forecast; they take the first
    # forecast's score and its split by channel, and their ``why`` quotes no expected value
    t = np.arange(120)
    df = pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 6)})
    pipe = Pipeline(LSTMForecaster(window=8, hidden=8, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor()).fit(df)
    e = step_errors(pipe, df)
    assert e.expected is not None
    assert np.isnan(e.expected[:8]).all() and not np.isnan(e.expected[8]).any()
    np.testing.assert_allclose(e.parts[:8], np.repeat(e.parts[8:9], 8, axis=0))
    np.testing.assert_allclose(e.scores[:8], e.scores[8])
    _, texts = why_steps(e, np.array([0, 8]), top=2)
    assert "expected" not in texts[0] and "expected" in texts[1]
