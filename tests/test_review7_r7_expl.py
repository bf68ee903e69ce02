"""Review 7 of the explanations (library and ``hourglass explain``): regressions of defects found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.cli._output import on_screen
from hourglass.detectors import AutoEncoder, TCNAutoEncoder
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
    assert got["timestamp"].iloc[0] == "2024-01-01T00:00:00"  # (ISO 8601, as JSON lines write it)
    assert set(got["severity"]) <= {"low", "medium", "high", "critical"}


def test_control_characters_of_the_data_reach_the_screen_escaped(tmp_path: Path) -> None:
    # a logged value holding an escape sequence (ESC [2J clears the screen) was printed raw in
    # explain's table, into the analyst's terminal; the output file keeps the value as read
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=300), "proto": rng.choice(["tcp", "udp"], 300)})
    pipe = Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    pipe.save(tmp_path / "m")
    odd = df.head(5).assign(proto=["x\x1b[2J\x1b[31mEVIL\x9b1m", "tcp", "udp", "tcp", "udp"])
    odd.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "why.jsonl"
    res = runner.invoke(app, ["explain", str(tmp_path / "m"), str(tmp_path / "d.csv"), "--all",
                              "--keep", "proto", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x9b" not in res.stdout
    assert "x\\x1b[2J" in res.stdout and "\\x9b" in res.stdout
    assert pd.read_json(out, lines=True)["proto"].iloc[0] == "x\x1b[2J\x1b[31mEVIL\x9b1m"
    assert on_screen("a\tb\nc\x7f") == "a\\x09b\\x0ac\\x7f" and on_screen("10.0.0.1 é") == "10.0.0.1 é"
