"""Regression tests for defects fixed in the main line of work (suppressions, ECS output)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.serve.suppress import Suppressions

_RULES = """
[[rule]]
name = "slow"
match = { rate = [0.1, 3] }
"""


@pytest.mark.parametrize("dtype", [np.float32, "Float32", np.float64])
def test_suppression_matches_single_precision_values_as_written(dtype: object) -> None:
    # a float32 Parquet column holds 0.1 as 0.100000001...; the rule's 0.1 is that value
    rules = Suppressions.parse(_RULES, "rules.toml")
    df = pd.DataFrame({"rate": pd.array([0.1, 3.0, 0.2, None], dtype=dtype)})
    assert rules.names(df).tolist() == ["slow", "slow", "", ""]
    flags, names = rules.apply(df, np.array([1, 1, 1, 1]))
    assert names.tolist() == ["slow", "slow", "", ""]
    assert flags.tolist() == [0, 0, 1, 1]
