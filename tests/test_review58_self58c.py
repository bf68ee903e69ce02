"""Review round 58 (self58c): the column-role and constant-column changes of this round."""
from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.tabular import TabularPreprocessor


def test_code_column_of_thousands_of_values_is_hashed_not_one_hot() -> None:
    # What was wrong: 14adebc6 made whole numbers under a name ending in code/type categories
    # whatever their number: a postal_code of ~4,000 distinct values became ~4,000 one-hot
    # features (a CSV's numbers and JSON's quoted ones alike), where the README says a column
    # of more than max_categories values is hashed, as the same text column is.
    rng = np.random.default_rng(0)
    n = 5000
    df = pd.DataFrame({"bytes": rng.random(n) * 1000,
                       "postal_code": rng.integers(10000, 14000, n),
                       "icmp_type": rng.choice([0, 3, 8], n)})
    for frame in (df, df.assign(postal_code=df["postal_code"].astype(str))):
        pre = TabularPreprocessor().fit(frame)
        assert pre.roles_["postal_code"] == "hash", pre.reasons_["postal_code"]
        assert "max_categories=50" in pre.reasons_["postal_code"]
        assert pre.roles_["icmp_type"] == "categorical"  # few codes: still one-hot
        assert len(pre.feature_names_) < 40
    as_numbers = TabularPreprocessor().fit(df).transform(df.iloc[:200])
    as_text = TabularPreprocessor().fit(df.assign(postal_code=df["postal_code"].astype(str)))
    assert np.array_equal(as_numbers, as_text.transform(df.iloc[:200]))


def test_float32_series_channel_constant_but_for_float32_rounding_is_only_centred() -> None:
    # What was wrong: 3d5b2beb's rule for a series channel counted units in the last place of
    # float64, but a float32 channel (Parquet, a downcast frame) is cast to float64 first: 0.012
    # and the next float32 spanned 2**29 float64 ulps, so their 9e-10 spread was the channel's
    # scale (a later 0.05 a feature of 4e7), where ba2f790e made a table's column count in its
    # own precision.
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    a = np.float32(0.012)
    b = np.nextafter(a, np.float32(1))
    n = 64
    df = pd.DataFrame({"rtt": np.where(np.arange(n) % 2 == 0, a, b).astype(np.float32),
                       "cpu": np.linspace(0.0, 1.0, n)})
    for scaler in ("standard", "minmax"):
        pre = TimeSeriesPreprocessor(scaler=scaler).fit(df)
        assert pre.scale_[0] == 1.0, (scaler, pre.scale_)
        assert pre.scale_[1] > 0.2  # a channel that varies keeps its scale
