"""Review round 58 (self58b): regression tests of the later merges of the round."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features import TabularPreprocessor
from hourglass.features.statistics import (
    merge_scales,
    merge_schema,
    scaled_preprocessor,
    schema_preprocessor,
    site_scales,
    site_schema,
)


def test_federated_schema_drops_a_column_constant_but_for_rounding_as_the_pooled_fit_does() -> None:
    # What was wrong: b58dcb2f made the pooled fit drop a column of one value but for float
    # rounding (0.3 beside 0.1 + 0.2) as constant, but the federated fit's merged statistics
    # (schema_preprocessor) still asked max == min: the column was a feature there, its span of
    # 1 ulp scaled to the whole range, where the module promises the pooled fit's decisions.
    a = pd.DataFrame({"rtt": [0.3, 0.1 + 0.2, 0.3], "bytes": [10.0, 2000.0, 30.0]})
    b = pd.DataFrame({"rtt": [0.3, 0.1 + 0.2], "bytes": [5.0, 70.0]})
    params = TabularPreprocessor().get_params()
    pre = schema_preprocessor(params, merge_schema([site_schema(params, a), site_schema(params, b)]))
    pre = scaled_preprocessor(pre, merge_scales([site_scales(pre, a), site_scales(pre, b)]))
    pooled = TabularPreprocessor().fit(pd.concat([a, b]))
    assert pooled.constant_ == ["rtt"]
    assert pre.constant_ == ["rtt"]
    assert pre.feature_names_ == pooled.feature_names_ == ["bytes"]


def test_series_channel_constant_but_for_rounding_is_not_scaled_up() -> None:
    # What was wrong: b58dcb2f's rule (one value but for float rounding is constant) was applied
    # to table columns only: a series channel of 0.3 and 0.1 + 0.2 (a bucket's mean of equal
    # values) got its 3e-17 spread as the standard (or minmax) scale, so a later 0.35 was a
    # feature of 1e9 (the clip). Such a channel is now only centred, as a constant one.
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    n = 60
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min"),
                       "rtt": np.where(np.arange(n) % 3 == 0, 0.1 + 0.2, 0.3),
                       "cpu": np.sin(np.arange(n) / 5.0)})
    later = df.iloc[:5].assign(rtt=0.35)
    for scaler in ("standard", "minmax"):
        pre = TimeSeriesPreprocessor(timestamp_col="ts", scaler=scaler).fit(df)
        assert pre.scale_[0] == 1.0
        assert np.abs(pre.transform(later)[:, 0] - 0.05).max() < 1e-9
        assert pre.scale_[1] != 1.0  # a channel that varies is scaled as before
