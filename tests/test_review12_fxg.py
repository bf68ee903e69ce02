"""Regression tests: metrics' k values, federated statistics of huge values, parameters past
float's range."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.evaluate import evaluate_scores
from hourglass.evaluate.vus import tsb_sliding_window
from hourglass.features import TabularPreprocessor
from hourglass.features.statistics import (
    merge_scales,
    merge_schema,
    scaled_preprocessor,
    schema_preprocessor,
    shared_schema,
    site_scales,
    site_schema,
)
from hourglass.thresholds import AlertBudget


def test_evaluate_scores_reads_a_generator_of_ks_once() -> None:
    # the k check read the generator first: precision@k came back empty without a word
    r = evaluate_scores([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], [0, 1, 0, 1], ks=(k for k in (1, 2)))
    assert r["precision_at_k"] == {"1": 1.0, "2": 1.0}


@pytest.mark.parametrize("scaler", ["minmax", "standard", "robust"])
def test_federated_site_holding_both_float_extremes_warns_of_nothing(scaler: str) -> None:
    # one site holding -1e308 and 1e308: its quantile sketch and the merged median overflowed
    # with RuntimeWarnings the pooled fit does not give; the column is named as too large
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"big": np.r_[[-1e308, 1e308] * 30], "b": rng.normal(size=60)})
    params = TabularPreprocessor(scaler=scaler).get_params()
    parts = [df.iloc[:30], df.iloc[30:]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pre = schema_preprocessor(params, shared_schema(merge_schema([site_schema(params, p)
                                                                      for p in parts])))
        with pytest.raises(InputError, match=r"'big'.*too large to scale"):
            scaled_preprocessor(pre, merge_scales([site_scales(pre, p) for p in parts]))


def test_sketch_of_ordinary_values_is_unchanged() -> None:
    from hourglass.features.statistics import _PROBS, _sketch

    x = np.random.default_rng(1).normal(size=500) * 1e50
    assert _sketch(x) == [float(v) for v in np.quantile(x, _PROBS)]


def test_parameters_and_series_past_floats_range_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="events_per_day must be a finite number, got an integer past"):
        AlertBudget(5, per="day", events_per_day=10**400).fit(np.random.default_rng(0).random(100))
    with pytest.raises(InputError, match="x: expected a numeric series"):
        tsb_sliding_window([0, 1, 10**400])
