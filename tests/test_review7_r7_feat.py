"""Review 7, table feature engineering: roles, IP parts, statistics, small batches, injection."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features import TabularPreprocessor
from hourglass.features.roles import infer_role
from hourglass.features.statistics import merge_schema, site_schema


def test_a_column_of_only_dashes_has_no_values() -> None:
    # '-' is "no value" (PLACEHOLDERS): a column of nothing else was one-hot as the category '-',
    # and every later row with a number in it read as <unseen>
    assert infer_role("duration", pd.Series(["-", " - ", "(empty)", None, ""]),
                      max_categories=50) == ("numeric", "no values (all missing)")
    assert infer_role("service", pd.Series(["-", "http", "-"]), max_categories=50)[0] == "categorical"
    train = pd.DataFrame({"duration": ["-"] * 50, "bytes": np.arange(50.0)})
    pre = TabularPreprocessor().fit(train)
    assert pre.feature_names_ == ["bytes"]
    # a site with only '-' in a column has no say in its role, as a site with blanks
    params = TabularPreprocessor().get_params()
    a = pd.DataFrame({"duration": ["1.5", "2", "-"], "bytes": [1.0, 2.0, 3.0]})
    b = pd.DataFrame({"duration": ["-", "-"], "bytes": [4.0, 5.0]})
    merged = merge_schema([site_schema(params, a), site_schema(params, b)])
    assert merged["columns"]["duration"]["role"] == "numeric"
