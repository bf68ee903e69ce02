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


def test_whole_numbers_that_differ_are_no_constant_column_near_2_50_or_float32_2_22() -> None:
    # What was wrong: b58dcb2f's rule (a span of at most 4 units in the last place is one value
    # but for rounding) said integers below 2**51 that differ stay apart, but a float64 ulp is
    # 0.25 from 2**50, so 2**50 and 2**50 + 1 were "constant" and dropped; in a float32 column
    # (ba2f790e) the same from 2**22: byte counts 4,194,304 and 4,194,306 were one value. Whole
    # numbers the precision holds exactly that differ are now two values.
    big = float(2**50)
    pre = TabularPreprocessor().fit(pd.DataFrame({"counter": [big, big + 1, big, big + 1],
                                                  "x": [0.0, 1.0, 2.0, 3.0]}))
    assert "counter" not in pre.constant_
    assert "counter" in pre.numeric_
    f32 = pd.DataFrame({"bytes": np.array([4194304, 4194306, 4194304, 4194306], dtype=np.float32),
                        "x": [0.0, 1.0, 2.0, 3.0]})
    assert "bytes" not in TabularPreprocessor().fit(f32).constant_
    # the rounding the rule is for is still one value
    tiny = pd.DataFrame({"rtt": [0.3, 0.1 + 0.2, 0.3, 0.3], "x": [0.0, 1.0, 2.0, 3.0]})
    assert TabularPreprocessor().fit(tiny).constant_ == ["rtt"]


def test_codes_as_text_count_their_numbers_not_placeholders_for_max_categories() -> None:
    # What was wrong: the max_categories limit on codes counted a text column's distinct cells,
    # so 50 codes with '-' for unset (JSON lines that quote their numbers) were 51 values and
    # hashed, where the same codes as numbers with a null were 50 and one-hot encoded; '6' and
    # '6.0' counted twice. The numbers are counted: the same role either way.
    from hourglass.features.roles import infer_role

    v = list(range(50)) * 4
    as_numbers = pd.Series([float(x) for x in v] + [np.nan])
    as_text = pd.Series([str(x) for x in v] + ["-"])
    assert infer_role("icmp_type", as_numbers, max_categories=50)[0] == "categorical"
    assert infer_role("icmp_type", as_text, max_categories=50)[0] == "categorical"
    assert infer_role("icmp_type", pd.Series(["6", "6.0", "8"] * 5), max_categories=2)[0] == "categorical"
