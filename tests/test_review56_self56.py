"""Review round 56 (self56): this round's own changes, reviewed as a pull request."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError


def test_a_model_saved_before_channels_were_respelt_keeps_the_channel_it_learnt() -> None:
    # What was wrong: 86a5417c made 'hourglass train' read a classic log's Channel in one
    # spelling ('security' -> 'Security'), and a model trained so (info windows_forms "one")
    # reads every scored value in that spelling; but a model saved before it, from a file
    # whose Channel was 'security', learnt 'security': each of its rows was then read as
    # 'Security', a value it never saw, which raised every score (mean 0.31 -> 1.12). A value
    # the model learnt as written is now left so; a new model still reads 'SECURITY' as it.
    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"n": rng.normal(size=120), "Channel": ["security"] * 120})
    old = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df)
    old.info.update(dataset="windows-json", windows_forms="one")
    rows = df.iloc[:20]
    assert old.with_windows_forms(rows)["Channel"].tolist() == ["security"] * 20
    as_learnt = old.score(rows)
    old.info["dataset"] = None  # (no respelling at all: the scores as the model was saved)
    np.testing.assert_allclose(as_learnt, old.score(rows))

    new = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(
        df.assign(Channel="Security"))
    new.info.update(dataset="windows-json", windows_forms="one")
    assert new.with_windows_forms(rows.assign(Channel="SECURITY"))["Channel"].tolist() == ["Security"] * 20


@pytest.mark.parametrize("table", [True, False])
def test_a_signaling_nan_in_an_object_column_is_refused_in_one_line(table: bool) -> None:
    # What was wrong: 5d5b59e5 reads a DataFrame's object column of numbers (a database's
    # Decimal) as numbers; a Decimal('sNaN') there (infer_dtype: "decimal") raised a bare
    # decimal.InvalidOperation traceback from pandas' missing-value test, where the same value
    # in an object array was an InputError; it is now an InputError naming the value and row.
    from decimal import Decimal

    from hourglass.features.validation import check_array

    X = pd.DataFrame({"a": [Decimal(1), Decimal("sNaN")], "b": [1.0, 2.0]}, dtype=object)
    with pytest.raises(InputError, match=r"^X: (value Decimal\('sNaN'\) at row 2 in column 'a'; "
                                         r"expected real numbers|expected an array of numbers)"):
        check_array(X if table else X.to_numpy())


def test_an_object_column_of_mixed_numbers_is_read_as_an_object_array_is() -> None:
    # What was wrong: 5d5b59e5 read a DataFrame's object column of numbers only when
    # pandas.infer_dtype gave it one kind: a column mixing a float and a boolean (the transpose
    # of a frame of a float and a bool column: infer_dtype "mixed") or a Decimal and a float
    # was still refused as "column 0 is not numeric (dtype object)", while the same values in
    # an object array were read as numbers; they are now read alike, and text still refused.
    from decimal import Decimal

    from hourglass.features.validation import check_array

    mixed = pd.DataFrame({"x": [1.5, 2.5], "flag": [True, False]}).T  # columns [1.5, True], ...
    np.testing.assert_array_equal(check_array(mixed), check_array(mixed.to_numpy()))
    money = pd.DataFrame({"a": [Decimal("1.5"), 2.0, 3], "b": [1.0, 2.0, 3.0]}, dtype=object)
    np.testing.assert_array_equal(check_array(money), [[1.5, 1.0], [2.0, 2.0], [3.0, 3.0]])
    with pytest.raises(InputError, match=r"^X: column 'a' is not numeric \(dtype object\)"):
        check_array(money.assign(a=[Decimal("1.5"), 2.0, "3"]))
