"""Third review of the time-series area: label alignment, label columns as channels, the mapping
of window scores to steps (each test a regression of a defect found)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.timeseries import TimeSeriesPreprocessor


def _events(y: np.ndarray) -> int:
    return int((np.diff(np.r_[0, y]) == 1).sum())


def test_labels_of_a_gappy_anomaly_stay_one_event() -> None:
    # NAB-like: an anomaly window of rows every 10 or 20 min, on a 10 min grid: the empty steps
    # inside it were labelled 0, one labelled event became one per stretch between gaps
    minutes = [0, 10, 20, 40, 50, 70, 80, 90, 110, 120, 130]
    df = pd.DataFrame({"ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(minutes, "min"),
                       "v": np.arange(11.0)})
    y = np.array([0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0])
    pre = TimeSeriesPreprocessor("ts", freq="10min", fill="interpolate").fit(df)
    grid = pre.align_labels(df, y)
    assert len(grid) == len(pre.transform(df)) == 14
    assert grid.tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    assert _events(grid) == _events(y) == 1
