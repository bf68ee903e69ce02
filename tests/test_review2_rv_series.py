"""Review of the time-series detectors, features and CLI: each test is a defect found and fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor

runner = CliRunner()


def _gappy(n: int = 10, holes: tuple[int, ...] = (4, 5)) -> pd.DataFrame:
    ts = pd.date_range("2024-01-01", periods=n, freq="1min").delete(list(holes))
    return pd.DataFrame({"ts": ts, "v": np.arange(len(ts), dtype=float) + 1})


def test_sum_aggregation_keeps_an_empty_bucket_missing() -> None:
    # pandas' sum of an empty bucket is 0: a 2-minute gap passed as two zero readings
    with pytest.raises(InputError, match="column 'v': 2 missing value.*00:04:00"):
        TimeSeriesPreprocessor("ts", freq="1min", agg="sum", scaler="none").fit(_gappy())
    got = TimeSeriesPreprocessor("ts", freq="1min", agg="sum", fill="ffill",
                                 scaler="none").fit_transform(_gappy()).ravel()
    assert got.tolist() == [1, 2, 3, 4, 4, 4, 5, 6, 7, 8]


def test_sum_of_duplicate_times_holding_only_nan_stays_missing() -> None:
    df = pd.DataFrame({"ts": ["2024-01-01 00:00", "2024-01-01 00:01", "2024-01-01 00:01",
                              "2024-01-01 00:02"], "v": [1.0, np.nan, np.nan, 3.0]})
    with pytest.raises(InputError, match="column 'v': 1 missing value"):
        TimeSeriesPreprocessor("ts", agg="sum", scaler="none").fit(df)
    two = df.assign(v=[1.0, 2.0, 5.0, 3.0])  # a real sum is still a sum
    assert TimeSeriesPreprocessor("ts", agg="sum", scaler="none").fit_transform(two).ravel().tolist() \
        == [1.0, 7.0, 3.0]

