"""The same table with NumPy dtypes and with pandas extension dtypes (review 32, dtype32): Arrow
(``pd.ArrowDtype``, what ``read_parquet(..., dtype_backend="pyarrow")`` gives), nullable and
category columns must give the same features, scores, explanations and messages as their NumPy
twins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from hourglass.features.validation import check_array


def test_check_array_takes_an_arrow_boolean_column_as_its_numpy_twin() -> None:
    # What was wrong: a detector given a DataFrame with a bool[pyarrow] column refused it
    # ("column 'c' is not numeric (dtype bool[pyarrow])"), where the same column as NumPy bool or
    # pandas' boolean is read as 0/1 (pandas' is_numeric_dtype says False for Arrow's bool alone).
    df = pd.DataFrame({"a": [0.5, 1.5, 2.5], "c": [True, False, True]})
    arrow = df.astype({"c": pd.ArrowDtype(pa.bool_())})
    assert np.array_equal(check_array(arrow), check_array(df))
    missing = arrow.assign(c=pd.Series([True, None, False], dtype=pd.ArrowDtype(pa.bool_())))
    with pytest.raises(Exception, match=r"first at row 1, column 'c'"):  # as boolean's NA
        check_array(missing)
    with pytest.raises(Exception, match=r"column 'c' is not numeric \(dtype category\)"):
        check_array(df.astype({"c": "category"}))  # a category of booleans stays refused
