"""Review round 61 (left61): items earlier reviews noticed and left alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass.errors import InputError


def _fitted() -> hourglass.Pipeline:
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 3)), columns=list("abc"))
    return hourglass.Pipeline(hourglass.AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(X)


def test_a_path_holding_a_nul_is_said_to_be_no_path(tmp_path):
    # What was wrong: hourglass.load("/tmp/a\0b") said "/tmp/a<NUL>b: not a model directory
    # (train one with 'hourglass train')", the NUL raw in the message, Pipeline.save of such a
    # path raised Python's bare ValueError "embedded null byte" (naming no path) and
    # read_table said "no such file": pathlib's exists() answers False for a NUL, so
    # errors.path_exists never told it as the name no system can look up it documents it as.
    from hourglass.ingest import read_table

    bad = str(tmp_path / "a\0b")
    for call in (lambda: hourglass.load(bad), lambda: _fitted().save(bad), lambda: read_table(bad)):
        with pytest.raises(InputError) as info:
            call()
        assert str(info.value) == f"{bad!r}: not a file's path (it holds a NUL character)"
    assert list(tmp_path.iterdir()) == []


def test_an_unfitted_preprocessor_raises_scikit_learns_not_fitted_error():
    # What was wrong: TabularPreprocessor().transform(df) (TimeSeriesPreprocessor, EntityWindows,
    # EventSessions alike) raised hourglass.errors.NotFittedError alone, where a detector and a
    # Pipeline raise scikit-learn's NotFittedError too: `except
    # sklearn.exceptions.NotFittedError` written for them let "TabularPreprocessor is not
    # fitted; call fit(df) first" through
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    from hourglass.errors import NotFittedError
    from hourglass.features import EntityWindows, EventSessions, TabularPreprocessor
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=3, freq="1min"), "ip": ["a"] * 3,
                       "x": [1.0, 2.0, 3.0]})
    for pre, name in ((TabularPreprocessor(), "TabularPreprocessor"),
                      (TimeSeriesPreprocessor("ts"), "TimeSeriesPreprocessor"),
                      (EntityWindows("ip", "ts"), "EntityWindows")):
        with pytest.raises(SklearnNotFittedError, match=f"^{name} is not fitted") as info:
            pre.transform(df)
        assert isinstance(info.value, NotFittedError)
    with pytest.raises(SklearnNotFittedError, match=r"^EventSessions is not fitted"):
        EventSessions(format="hdfs").transform(["081109 203615 148 INFO dfs.DataNode: x"])
