"""Review round 56 (ml56): hourglass used as an ML engineer uses scikit-learn and pandas."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError


def test_an_object_column_of_numbers_is_read_as_numbers_as_an_object_array_is() -> None:
    # What was wrong: a detector given a DataFrame whose column is of dtype object but holds
    # numbers (pd.read_sql's Decimal of a NUMERIC column, df.astype(object), the transpose of a
    # mixed frame) refused it: "X: column 'a' is not numeric (dtype object)", while the same
    # numbers in an object NumPy array (or a Pipeline's table) were read as numbers: the same
    # data, two answers, and a message that called numbers not numeric
    from hourglass.detectors import AutoEncoder

    X = np.random.default_rng(0).normal(size=(40, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    det = AutoEncoder(hidden=(4,), epochs=1, random_state=0, verbose=0).fit(df)
    expected = det.score(df)
    assert np.array_equal(det.score(df.astype(object)), expected)
    assert np.array_equal(det.score(df.map(lambda v: Decimal(repr(v)))), expected)
    refit = AutoEncoder(hidden=(4,), epochs=1, random_state=0, verbose=0).fit(df.astype(object))
    assert np.array_equal(refit.score(df), expected)
    # a missing cell is still a missing value, named; text is still no number
    holed = df.astype(object)
    holed.iloc[3, 1] = None
    with pytest.raises(InputError, match=r"^X: 1 NaN or infinite value\(s\); first at row 4, column 'b'"):
        det.score(holed)
    holed.iloc[3, 1] = pd.NA
    with pytest.raises(InputError, match=r"^X: 1 NaN or infinite value\(s\); first at row 4, column 'b'"):
        det.score(holed)
    texted = df.astype(object)
    texted.iloc[3, 1] = "1.5"
    with pytest.raises(InputError, match=r"^X: column 'b' is not numeric \(dtype object\)"):
        det.score(texted)


def test_a_scikit_learn_transformer_as_features_is_refused_clearly() -> None:
    # What was wrong: Pipeline(AutoEncoder(), features=StandardScaler()).fit(df) (a scikit-learn
    # user's first try) passed the check meant to refuse another library's estimator (it has
    # fit_transform and get_params) and failed inside fit with AttributeError: 'StandardScaler'
    # object has no attribute 'feature_names_' (a traceback in the CLI's terms, not an InputError)
    from sklearn.preprocessing import StandardScaler

    from hourglass import AutoEncoder, Pipeline

    df = pd.DataFrame({"a": [1.0, 2.0, 3.0] * 5, "b": [0.0, 1.0, 0.5] * 5})
    pipe = Pipeline(AutoEncoder(epochs=1, verbose=0), features=StandardScaler())
    with pytest.raises(InputError, match=r"^features must be a hourglass preprocessing \(its state is "
                       r"saved as JSON .*TabularPreprocessor\(scaler='standard', \.\.\.\)"
                       r".*got StandardScaler\(\)"):
        pipe.fit(df)
    assert not hasattr(pipe, "detector_") and not hasattr(pipe, "features_")


def test_a_label_column_name_given_as_y_is_said_so() -> None:
    # What was wrong: Pipeline.fit(df, y="label") (the command line's --label-col habit) and
    # detector.fit(X, "label") said "y: has 1 labels for 100 rows": neither that y was a text
    # nor how to give the labels, and '1 labels' (a count's noun is singular for one elsewhere)
    from hourglass import AutoEncoder, Pipeline
    from hourglass.features import check_labels

    df = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3, "label": [0] * 19 + [1]})
    pipe = Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0))
    with pytest.raises(InputError, match=r"^y: expected one label per row, got the text 'label'; give "
                       r"the labels themselves \(a column name\? df\.pop\('label'\)"):
        pipe.fit(df, "label")
    assert not hasattr(pipe, "detector_")
    with pytest.raises(InputError, match=r"^y: has 1 label for 3 rows$"):
        check_labels([1], 3)
    with pytest.raises(InputError, match=r"^y_val: has 2 labels for 1 row$"):
        check_labels([0, 1], 1, what="y_val")
    # one row's label given as a scalar is still that row's label
    assert check_labels("1", 1).tolist() == [1]


@pytest.mark.parametrize("dtype", ["boolean", "bool[pyarrow]"])
def test_an_all_missing_nullable_boolean_column_has_no_values_as_an_empty_csv_column(dtype: str) -> None:
    # What was wrong: a nullable boolean column with no value at all (a Parquet or Arrow field
    # that is null in every training row, e.g. Zeek's local_orig) was read as a category whose
    # only value was <missing>, while the same empty column from a CSV (float NaN) or as text
    # had "no values (all missing)" and was left out: the same data made two models, and in the
    # Parquet one every later True or False was an <unseen> category, raising its row's score
    from hourglass.features import TabularPreprocessor

    rng = np.random.default_rng(0)
    base = pd.DataFrame({"a": rng.normal(size=40), "b": rng.choice(["x", "y"], 40)})
    empty = base.assign(flag=pd.array([None] * 40, dtype=dtype))
    as_csv = base.assign(flag=np.nan)
    pre, csv_pre = TabularPreprocessor().fit(empty), TabularPreprocessor().fit(as_csv)
    assert pre.reasons_["flag"] == "no values (all missing)"
    assert pre.roles_ == csv_pre.roles_ and pre.constant_ == csv_pre.constant_ == ["flag"]
    assert pre.feature_names_ == csv_pre.feature_names_
    later = base.assign(flag=pd.array([True, False] * 20, dtype=dtype))
    assert np.array_equal(pre.transform(later), csv_pre.transform(as_csv))
    # a boolean column with a value is a category of its values, <missing> among them
    some = base.assign(flag=pd.array([True] + [None] * 39, dtype=dtype))
    assert TabularPreprocessor().fit(some).roles_["flag"] == "categorical"
