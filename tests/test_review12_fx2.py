"""Regression tests: federated statistics of tiny/huge/NaN columns; metrics' argument checks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
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


def _federated(params: dict, parts: list[pd.DataFrame], tamper=None) -> TabularPreprocessor:
    pre = schema_preprocessor(params, shared_schema(merge_schema([site_schema(params, p) for p in parts])))
    stats = [site_scales(pre, p) for p in parts]
    if tamper is not None:
        tamper(stats)
    return scaled_preprocessor(pre, merge_scales(stats))


@pytest.mark.parametrize("zeros_at_one_site", [False, True])
def test_federated_max_features_ranks_tiny_column_as_pooled(zeros_at_one_site: bool) -> None:
    rng = np.random.default_rng(0)
    tiny = rng.uniform(size=100) * 1e-170  # its square is below the smallest float
    if zeros_at_one_site:
        tiny[:50] = 0.0
    df = pd.DataFrame({"tiny": tiny, "b": rng.exponential(size=100) ** 3})
    params = TabularPreprocessor(max_features=1, log1p="none").get_params()
    pooled = TabularPreprocessor(**params).fit(df)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fed = _federated(params, [df.iloc[:50], df.iloc[50:]])  # was a ZeroDivisionError
    assert fed.numeric_ == pooled.numeric_ == ["tiny"]


def test_federated_nan_site_mean_is_malformed_not_too_large() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    params = TabularPreprocessor(scaler="standard").get_params()

    def tamper(stats: list[dict]) -> None:  # a site's reply with a NaN
        stats[1]["mean"][0] = float("nan")

    with pytest.raises(InputError, match="preprocessing state is malformed") as exc:
        _federated(params, [df.iloc[:50], df.iloc[50:]], tamper)
    assert "too large" not in str(exc.value)

