"""Regression tests of the scoring service (hourglass.serve): start-up limits of time-series
models, records inside one item of "lines", quoted client names and OpenAPI operation ids."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import Pipeline
from hourglass.serve import create_app

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


def _series_model(out: Path, **grid: str) -> Path:
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = pd.date_range("2024-01-01", periods=60, freq="1min")
    series = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(60) / 4)})
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor("ts", **grid)).fit(series).save(out)
    return out


def test_max_rows_below_a_window_is_a_warning_when_a_filled_grid_spans_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from hourglass.errors import InputError

    filled = _series_model(tmp_path / "ffill", freq="1min", fill="ffill")
    with caplog.at_level(logging.WARNING, logger="hourglass.serve.app"):
        client = TestClient(create_app(filled, api_key=KEY, max_rows=5))
    assert "--max-rows 5 is below one window" in caplog.text
    # two rows 20 minutes apart on a 1min grid, forward-filled: 21 steps, more than a window
    rows = [{"ts": "2024-01-02 00:00:00", "cpu": 0.1}, {"ts": "2024-01-02 00:20:00", "cpu": 0.3}]
    r = client.post("/score", json={"rows": rows}, headers=AUTH)
    assert r.status_code == 200 and r.json()["steps"] == 21, r.text
    assert "spanning at least 8 steps of 1min" in client.get("/health").json()["request"]
    # a grid whose gaps are refused: each row is at most one step, so no series fits
    gaps = _series_model(tmp_path / "none", freq="1min")
    with pytest.raises(InputError, match=r"--max-rows 5: fewer than one window .* \(8 rows\)"):
        create_app(gaps, api_key=KEY, max_rows=5)
    assert "at least 8 rows" in TestClient(create_app(gaps, api_key=KEY)).get("/health").json()["request"]
