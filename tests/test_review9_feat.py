"""Table preprocessing: column labels, category values, log1p, warnings, saved state, explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor
from hourglass.features.statistics import site_schema


def _multiindex_frame() -> pd.DataFrame:
    return pd.DataFrame([[1.0, 2.0, "x"], [3.0, 1.0, "y"], [9.0, 4.0, "x"]],
                        columns=pd.MultiIndex.from_tuples([("a", "x"), ("b", "y"), ("p", "z")]))


def test_column_labels_of_several_levels_are_an_input_error() -> None:
    # fit crashed in role inference ('tuple' object has no attribute 'lower'), transform in the
    # numeric block ('DataFrame' object has no attribute 'dtype': "a" picked a sub-table)
    mi = _multiindex_frame()
    with pytest.raises(InputError, match="2 levels"):
        TabularPreprocessor().fit(mi)
    with pytest.raises(InputError, match="2 levels"):
        site_schema(TabularPreprocessor().get_params(), mi)
    pre = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0, 30.0], "b": [1, 5, 2], "p": ["x", "y", "x"]}))
    with pytest.raises(InputError, match="MultiIndex"):
        pre.transform(mi)
