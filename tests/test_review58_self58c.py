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
