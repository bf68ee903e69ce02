"""Serving and thresholds: values read as files read them, refusals that can be followed,
calibrated probabilities unchanged."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from hourglass.serve.app import create_app
from hourglass.thresholds.evt import GPDFit

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


def test_gpd_survival_is_the_formula_bit_for_bit_and_quiet_near_the_float_maximum() -> None:
    rng = np.random.default_rng(1)
    fit = GPDFit(t=1.0, gamma=0.37, sigma=0.81, n_peaks=250, n=5000)
    x = 1.0 + rng.pareto(2.0, size=20000)
    y = np.maximum(x - fit.t, 0.0)
    want = fit.n_peaks / fit.n * np.maximum(1.0 + fit.gamma * y / fit.sigma, 0.0) ** (-1.0 / fit.gamma)
    np.testing.assert_array_equal(fit.survival(x), want)  # a saved model calibrates as it did
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for g in (0.37, -0.4, 2.5):
            big = GPDFit(t=-1e308, gamma=g, sigma=1e-3, n_peaks=250, n=5000).survival(
                np.array([1.7e308, np.finfo(float).max]))
            assert np.array_equal(big, [0.0, 0.0])


def test_explain_all_on_a_model_that_cannot_explain_says_so_straight_away(tmp_path: Path) -> None:
    from hourglass import Pipeline
    from hourglass.detectors import GANomaly1D
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = pd.date_range("2024-01-01", periods=40, freq="1min").astype(str)
    series = pd.DataFrame({"ts": t, "cpu": np.sin(np.arange(40) / 4), "mem": np.cos(np.arange(40) / 5)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Pipeline(GANomaly1D(window=8, epochs=1, verbose=0),
                 features=TimeSeriesPreprocessor("ts")).fit(series).save(tmp_path / "m")
    rows = series.head(12).to_dict("records")
    with TestClient(create_app(tmp_path / "m", api_key=KEY)) as c:
        assert c.get("/health").json()["explain"] is False
        for body in ({"rows": rows, "explain_all": True},  # was told to "give 'explain' too"
                     {"rows": rows, "explain_all": True, "explain": 1, "alert_format": "ecs"}):
            r = c.post("/score", json=body, headers=AUTH)
            assert r.status_code == 422, r.text
            assert r.json()["detail"].startswith("explain_all: GANomaly1D scores a window by"), r.text
