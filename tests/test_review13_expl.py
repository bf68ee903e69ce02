"""Explanations: shares and values as a reader sees them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hourglass.explain.tabular as tabular
from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.explain import explain_rows
from hourglass.explain.tabular import percent


@pytest.fixture(scope="module")
def table_pipe() -> Pipeline:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120), "c": rng.normal(size=120)})
    return Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)


def test_a_share_that_rounds_to_nothing_is_never_minus_zero_percent(
        table_pipe: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    # integrated gradients: a column that pulled the score down by 0.2% of the attributions
    weights = np.array([[0.9, -0.002, 0.098]])

    def fake(pipe: object, X: np.ndarray, chosen: str, *, steps: int = 64) -> tuple:
        return weights, ["a", "b", "c"], np.abs(weights).sum(axis=1)

    monkeypatch.setattr(tabular, "feature_weights", fake)
    row = pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3.0]})
    why = explain_rows(table_pipe, row, top=3)["why"].iloc[0]
    assert why == "a=1 (90%); c=3 (10%); b=2 (0%)"
    assert percent(-0.004) == "0%" and percent(-0.006) == "-1%" and percent(0.5) == "50%"


def test_a_bucket_value_below_a_millionth_is_not_said_zero() -> None:
    from hourglass.explain import explain_buckets
    from hourglass.explain.entity import _number
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"host": rng.choice(["a", "b"], 200), "ts": np.sort(rng.uniform(0, 7200, 200)),
                       "latency": rng.uniform(1e-6, 5e-6, 200)})  # seconds: microseconds
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EntityWindows("host", "ts", numeric=("latency",), bucket="1h")).fit(df)
    why = explain_buckets(pipe, df.head(10).assign(latency=4e-7), top=6)["why"].iloc[0]
    assert "max latency=4e-07 " in why and "mean latency=4e-07 " in why
    assert "latency=0 " not in why
    # whole numbers back from log1p still read whole
    assert _number(float(np.expm1(np.log1p(64.0)))) == "64" and _number(-0.0) == "0"
    assert _number(5e-7) == "5e-07" and _number(0.9999995) == "1"
    assert _number(0.1 + 0.2 - 0.3) == "0" and _number(-(0.1 + 0.2 - 0.3)) == "0"  # float residue


def test_a_whole_channel_value_is_quoted_in_full() -> None:
    from hourglass.explain.timeseries import StepErrors, steps_table

    e = StepErrors(pd.RangeIndex(1), np.array([4.0]), np.array([1]), np.array([[3.0, 1.0]]),
                   ["bytes", "cpu"], np.array([[1234567.0, 0.25]]), None,
                   np.array([[20480.0, 0.2]]))
    why = steps_table(e, np.array([0]), top=2)["why"].iloc[0]
    assert why == "bytes=1234567 vs 20480 expected (75%); cpu=0.25 vs 0.2 expected (25%)"
