"""Tabular features: parameter checks, role inference and the transform at scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.roles import factorize_strings
from hourglass.features.statistics import site_schema
from hourglass.features.tabular import _NULL_TEXT, TabularPreprocessor
from hourglass.features.validation import check_name_lists


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1.0, 2.0, 300.0, 4.0, 5.0], "b": ["x", "y", "x", "y", "x"]})


@pytest.mark.parametrize(("value", "match"), [
    (True, "got bool True (True: 'auto', False: 'none')"),
    (False, "got bool False"),
    (1, "got int 1"),
    (b"a", "got bytes"),
    ("a", "write ['a']"),
])
def test_log1p_not_a_list_is_one_clear_error(value: object, match: str) -> None:
    pre = TabularPreprocessor(log1p=value)  # type: ignore[arg-type]
    assert pre.get_params()["log1p"] == value  # no TypeError before fit
    with pytest.raises(InputError, match="log1p: expected 'auto', 'none' or a list of column names") as e:
        pre.fit(_frame())
    assert match in str(e.value)
    assert not hasattr(pre, "feature_names_")


def test_log1p_list_still_taken() -> None:
    assert TabularPreprocessor(log1p=("a",)).fit(_frame()).log1p_ == ["a"]


@pytest.mark.parametrize("kw", [{"drop": 5}, {"categorical": True}, {"categorical": 1.5}])
def test_name_list_not_a_list_is_one_clear_error(kw: dict[str, object]) -> None:
    name = next(iter(kw))
    with pytest.raises(InputError, match=f"{name}: expected a list of names, got"):
        TabularPreprocessor(**kw).fit(_frame())  # type: ignore[arg-type]


def test_check_name_lists_refuses_a_number() -> None:
    class Est:
        stats = 3
        drop = None

    check_name_lists(Est(), "drop")  # None: none
    with pytest.raises(InputError, match=r"stats: expected a list of names, got int 3; write \[3\]"):
        check_name_lists(Est(), "stats")


def test_true_and_one_in_one_column_are_two_values_whatever_the_batch() -> None:
    # JSON's true and 1 in one field: pandas takes True == 1, so the value written first stood
    # for both, and a row's features hung on the other rows of its batch
    tr = pd.DataFrame({"cat": pd.Series(["tcp", True, 1, "udp", False, 0] * 5, dtype=object),
                       "dst_port": pd.Series([80, 443, True, "53", 80, 22] * 5, dtype=object),
                       "x": [float(i) for i in range(30)]})
    pre = TabularPreprocessor().fit(tr)
    assert {"cat=1", "cat=True", "cat=0", "cat=False"} <= set(pre.feature_names_)
    te = pd.DataFrame({"cat": pd.Series([True, "tcp", 1, "1"], dtype=object),
                       "dst_port": pd.Series([True, 80, "x", 1], dtype=object), "x": [1.0, 2.0, 3.0, 4.0]})
    together = pre.transform(te)
    alone = np.vstack([pre.transform(te.iloc[[i]]) for i in range(len(te))])
    np.testing.assert_array_equal(together, alone)
    names = pre.feature_names_
    assert together[2, names.index("cat=1")] == 1 and together[2, names.index("cat=True")] == 0
    assert together[3, names.index("dst_port:well-known")] == 1  # port 1, not a missing port
    codes, uniques = factorize_strings(pd.Series([1, True, 0, False], dtype=object), bools=True)
    assert uniques[codes].tolist() == ["1", "True", "0", "False"]


def test_text_in_a_column_read_as_numbers_says_how_to_change_the_role() -> None:
    df = pd.DataFrame({"amount": [str(i) for i in range(300)], "x": np.arange(300.0)})
    df.loc[150, "amount"] = "oops"
    with pytest.raises(InputError, match=r"found 'oops' \(row 151\); the column was read as numbers.*"
                                         r"roles=\{column: 'categorical'\}"):
        TabularPreprocessor().fit(df)
    with pytest.raises(InputError, match=r"found 'oops' \(row 151\)$"):  # a role given: no hint
        TabularPreprocessor(roles={"amount": "numeric"}).fit(df)
    params = TabularPreprocessor().get_params()
    with pytest.raises(InputError, match=r"roles=\{column: 'categorical'\}"):
        site_schema(params, df)
    assert TabularPreprocessor(categorical=["amount"]).fit(df).roles_["amount"] == "categorical"


def test_null_spellings_in_a_text_column_read_as_the_table_reader_reads_them() -> None:
    # a CSV's 'N/A', 'null', '?' are missing cells; the same rows as JSON lines, a service
    # request or a stream came as text and lit <unseen> (scores of the same rows differed)
    from hourglass.ingest.tables import NULL_VALUES

    assert set(_NULL_TEXT) == set(NULL_VALUES) - {""}
    tr = pd.DataFrame({"proto": ["tcp", "udp", None, "tcp", "udp", None] * 5, "x": np.arange(30.0)})
    pre = TabularPreprocessor().fit(tr)
    as_csv = pre.transform(pd.DataFrame({"proto": [None, None, "tcp", "-"], "x": [1.0, 2.0, 3.0, 4.0]}))
    as_json = pd.DataFrame({"proto": ["N/A", " null ", "tcp", "-"], "x": [1.0, 2.0, 3.0, 4.0]})
    np.testing.assert_array_equal(pre.transform(as_json), as_csv)
    np.testing.assert_array_equal(pre._transform_general(as_json), as_csv)
    assert as_csv[3, pre.feature_names_.index("proto=<unseen>")] == 1  # '-' is text to the reader too
    # a fit on the text reads it as missing too, as the CSV of the same rows does
    pre = TabularPreprocessor().fit(pd.DataFrame({"proto": ["N/A", "tcp"] * 5, "x": np.arange(10.0)}))
    assert pre.categories_["proto"] == ["<missing>", "tcp"]
    # a model saved holding the text as its value (fitted before it was so read) keeps it
    state = pre.to_dict()
    state["categories"]["proto"] = ["N/A", "tcp"]
    state["feature_names"] = [("proto=N/A" if f == "proto=<missing>" else f) for f in state["feature_names"]]
    old = TabularPreprocessor.from_dict(state)
    row = old.transform(pd.DataFrame({"proto": ["N/A"], "x": [1.0]}))[0]
    assert row[old.feature_names_.index("proto=N/A")] == 1


@pytest.mark.parametrize("kw", [{"drop": "gen"}, {"drop": "map"}, {"categorical": "gen"}, {"log1p": "gen"}])
def test_one_pass_name_lists_are_refused_not_read_as_empty(kw: dict[str, str]) -> None:
    # drop=map(str, cols): the first look took the names, the fit saw none, and the label
    # column stayed in as a feature without a word
    name = next(iter(kw))
    value = map(str, ["label"]) if kw[name] == "map" else (c for c in ["label"])
    df = pd.DataFrame({"a": [1.0, 2.0, 300.0, 4.0, 5.0], "label": [0.0, 1.0, 0.0, 1.0, 0.0]})
    with pytest.raises(InputError, match=f"{name}: expected .* a one-pass .*; write list"):
        TabularPreprocessor(**{name: value}).fit(df)  # type: ignore[arg-type]
    assert TabularPreprocessor(drop=list(map(str, ["label"]))).fit(df).feature_names_ == ["a"]
