"""Review 7 of the explanations (library and ``hourglass explain``): regressions of defects found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import TCNAutoEncoder
from hourglass.explain.timeseries import StepErrors, steps_table
from hourglass.features.timeseries import TimeSeriesPreprocessor
from tests._cli import runner


def _errors(n: int = 3) -> StepErrors:
    parts = np.c_[np.arange(1.0, n + 1), np.ones(n)]
    index = pd.date_range("2024-01-01", periods=n, freq="min", tz="UTC")
    return StepErrors(index, parts.sum(axis=1), np.array([0, 1, 0][:n]), parts, ["cpu", "mem"],
                      parts, None)


@pytest.mark.parametrize("ts", ["score", "step", "why", "severity"])
def test_a_time_column_named_like_an_output_column_keeps_both(ts: str) -> None:
    # a series timed by a column called 'score' lost its timestamps (overwritten by the scores),
    # one called 'step' lost the grid positions, and 'severity' stopped explain with 'cannot
    # insert severity, already exists'
    table = steps_table(_errors(), np.arange(3), timestamp_col=ts)
    assert list(table.columns) == ["step", "timestamp", "score", "flag", "top_channel", "top_share",
                                   "why"]
    assert table["step"].tolist() == [0, 1, 2]
    assert table["score"].tolist() == [2.0, 3.0, 4.0]
    assert str(table["timestamp"].iloc[1]) == "2024-01-01 00:01:00+00:00"
    assert "ts" in steps_table(_errors(), np.arange(3), timestamp_col="ts").columns


def test_explain_of_a_series_timed_by_a_column_called_severity(tmp_path: Path) -> None:
    t = np.arange(120)
    df = pd.DataFrame({"severity": pd.date_range("2024-01-01", periods=120, freq="min").astype(str),
                       "cpu": np.sin(t / 4), "mem": np.cos(t / 6)})
    pipe = Pipeline(TCNAutoEncoder(window=8, channels=(4,), code=2, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor("severity")).fit(df)
    pipe.save(tmp_path / "m")
    df.head(40).to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "why.csv"
    res = runner.invoke(app, ["explain", str(tmp_path / "m"), str(tmp_path / "d.csv"), "--all",
                              "--limit", "2", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out)
    assert list(got.columns)[:5] == ["step", "timestamp", "score", "flag", "severity"]
    assert got["step"].tolist() == list(range(40))
    assert got["timestamp"].iloc[0] == "2024-01-01 00:00:00"
    assert set(got["severity"]) <= {"low", "medium", "high", "critical"}
