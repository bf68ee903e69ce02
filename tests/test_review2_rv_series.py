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


def test_zero_fill_honours_fill_limit() -> None:
    v = np.ones(100)
    v[20:70] = np.nan  # 50 steps missing
    pre = TimeSeriesPreprocessor(fill="zero", fill_limit=3, scaler="none")
    with pytest.raises(InputError, match=r"50 missing value\(s\), first at row 21; the gap is "
                                         r"longer than fill_limit=3 \(--fill-limit\)$"):
        pre.fit(pd.DataFrame({"v": v}))
    v[20:70] = 1.0
    v[[0, 1, 40, 41, 42]] = np.nan  # gaps of at most 3 (one at the start) are bridged
    got = TimeSeriesPreprocessor(fill="zero", fill_limit=3, scaler="none").fit_transform(
        pd.DataFrame({"v": v})).ravel()
    assert got[[0, 1, 40, 41, 42]].tolist() == [0.0] * 5 and got[2] == 1.0


def test_zero_fill_limit_from_the_cli(tmp_path: Path) -> None:
    t = np.arange(300)
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=300, freq="1min"),
                       "v": np.sin(t / 5)})
    df.loc[100:159, "v"] = np.nan  # an hour without readings
    path = tmp_path / "s.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["train", str(path), "--model", "lstm-ae", "--timestamp-col", "ts",
                              "--fill", "zero", "--fill-limit", "5", "--window", "8", "--epochs",
                              "1", "--hidden", "4", "-q", "-o", str(tmp_path / "m")])
    assert res.exit_code == 2, res.output
    assert "60 missing value(s), first at timestamp 2024-01-01 01:40:00" in res.output
    assert not (tmp_path / "m").exists()


def test_one_huge_window_score_leaves_later_steps_exact() -> None:
    # the mean over covering windows was a running sum over the whole series: the rounding error
    # of one score of 1e17 (a sentinel value far outside training) shifted every later step
    from hourglass.detectors import LSTMAutoEncoder

    t = np.arange(400)
    X = np.c_[np.sin(t / 5), np.cos(t / 5)].astype("float32")
    det = LSTMAutoEncoder(window=16, hidden=8, epochs=1, verbose=0).fit(X)
    odd = X.copy()
    odd[100, 0] = 1e9
    scores = det.score(odd)
    assert np.allclose(scores[200:], det.score(X)[200:], rtol=1e-6)
    w = det.window_scores(odd).astype(np.float64)
    ref = np.array([w[max(0, i - 15):min(i, len(w) - 1) + 1].mean() for i in range(400)])
    assert np.allclose(scores, ref, rtol=1e-6) and scores.min() > 0
