"""Table preprocessing: column labels, category values, log1p, warnings, saved state, explanations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor
from hourglass.features.statistics import (
    merge_scales,
    merge_schema,
    scaled_preprocessor,
    schema_preprocessor,
    site_scales,
    site_schema,
)


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
    pre = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0, 30.0], "b": [1, 5, 2], "p": list("xyx")}))
    with pytest.raises(InputError, match="MultiIndex"):
        pre.transform(mi)


@pytest.mark.parametrize("rows", [2, 2000])  # the small-batch road and the general one
def test_negative_zero_is_the_category_zero(rows: int) -> None:
    # pandas counts -0.0 and 0.0 as one value, written as whichever came first: '-0' when a
    # -0.0 led the call, and then every 0.0 of it read as <unseen> (a value seen in training)
    pre = TabularPreprocessor(categorical=["a"]).fit(pd.DataFrame({"a": [0.0, 1.0, 0.0]}))
    assert pre.feature_names_ == ["a=0", "a=1", "a=<unseen>"]
    for a in ([-0.0, 0.0] * (rows // 2), ["-0.0", "0"] * (rows // 2)):
        X = pre.transform(pd.DataFrame({"a": a}))
        assert (X[:, 0] == 1.0).all() and (X[:, 2] == 0.0).all()
    led = TabularPreprocessor(categorical=["a"]).fit(pd.DataFrame({"a": [-0.0, 1.0, 0.0]}))
    assert led.feature_names_ == pre.feature_names_
    hashed = TabularPreprocessor(roles={"a": "hash"}, hash_buckets=64).fit(pd.DataFrame({"a": [0.0, 1.0]}))
    neg, zero = (hashed.transform(pd.DataFrame({"a": [v]})) for v in (-0.0, 0.0))
    assert (neg == zero).all()


def test_log1p_may_name_a_column_constant_in_training() -> None:
    # the named column is numeric, but constant in these rows (or blank): fit refused it as
    # 'not numeric training column(s)' (pooled and federated alike); it is dropped, as any
    # constant column is, and the others named still get log1p
    df = pd.DataFrame({"a": [1.0, 1.0, 1.0], "b": [1.0, 500.0, 20.0], "c": [np.nan] * 3, "d": [-2.0] * 3})
    params: dict[str, Any] = {"log1p": ["a", "b", "c", "d"]}
    pre = TabularPreprocessor(**params).fit(df)
    assert pre.log1p_ == ["b"] and pre.numeric_ == ["b"]
    assert pre.transform(df.head(1)).tolist() == [[0.0]]
    p = TabularPreprocessor(**params).get_params()
    fed = schema_preprocessor(p, merge_schema([site_schema(p, df.head(2)), site_schema(p, df.tail(1))]))
    fed = scaled_preprocessor(fed, merge_scales([site_scales(fed, df.head(2)), site_scales(fed, df.tail(1))]))
    assert fed.log1p_ == ["b"] and fed.feature_names_ == pre.feature_names_
    with pytest.raises(InputError, match="not numeric training column"):
        TabularPreprocessor(log1p=["zz"]).fit(df)


def test_a_refit_warns_again_about_unseen_values(caplog: pytest.LogCaptureFixture) -> None:
    # the columns already warned about were remembered across fit(): after a refit on other
    # values, a column scored in another spelling passed without the warning
    train = pd.DataFrame({"proto": ["tcp", "udp"] * 30, "x": np.arange(60.0)})
    new = pd.DataFrame({"proto": ["6"] * 60, "x": np.arange(60.0)})
    pre = TabularPreprocessor()
    for values in (["tcp", "udp"], ["a", "b"]):
        pre.fit(train.assign(proto=values * 30))
        caplog.clear()
        with caplog.at_level("WARNING", logger="hourglass.features.tabular"):
            pre.transform(new)
            pre.transform(new)  # once per column and fit
        assert sum("none of 60 values scored were seen" in r.getMessage() for r in caplog.records) == 1


def test_saved_state_with_a_log1p_column_that_is_not_numeric_is_refused() -> None:
    # loaded, then 'ValueError: 'zz' is not in list' at the first transform
    pre = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0, 30.0], "b": [1, 5, 2]}))
    state = pre.to_dict()
    state["log1p"] = ["zz"]
    with pytest.raises(InputError, match="log1p column 'zz'"):
        TabularPreprocessor.from_dict(state)


def test_unreadable_rows_reads_the_columns_transform_reads() -> None:
    # labels that are not text (0, 1: transform reads them as '0', '1') were not found, so no row
    # was unreadable while transform refused row 1; a repeated name was an AttributeError
    pre = TabularPreprocessor().fit(pd.DataFrame({0: [1.0, 2.0, 3.0], 1: [5.0, 1.0, 2.0]}))
    df = pd.DataFrame({0: ["x", "1", "2"], 1: ["1", "2", "oops"]})
    with pytest.raises(InputError, match="found 'x'"):
        pre.transform(df)
    assert pre.unreadable_rows(df).tolist() == [True, False, True]
    twice = pd.DataFrame([["1", "x", "2"]], columns=["0", "0", "1"])
    with pytest.raises(InputError, match="column names repeat: '0'"):
        pre.unreadable_rows(twice)


def test_complex_numbers_are_an_input_error() -> None:
    # read as float64, which kept the real parts only (a ComplexWarning at most): 1+5j was 1
    with pytest.raises(InputError, match="column 'a': holds complex numbers"):
        TabularPreprocessor().fit(pd.DataFrame({"a": [1 + 1j, 2, 3], "b": [1.0, 2.0, 4.0]}))
    pre = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 4.0]}))
    for rows in (1, 2000):
        with pytest.raises(InputError, match="column 'a': holds complex numbers"):
            pre.transform(pd.DataFrame({"a": [1 + 5j] * rows, "b": [1.0] * rows}))


@pytest.mark.parametrize("bad", ["empty", "list", "repeat", "levels"])
def test_site_scales_checks_its_rows_as_site_schema_does(bad: str) -> None:
    # an empty table was a ValueError (zero-size reduction), a list or a table with a repeated
    # name or label levels an AttributeError
    params = TabularPreprocessor().get_params()
    a = pd.DataFrame({"x": [1.0, 2.0, 5.0], "p": ["a", "b", "a"]})
    pre = schema_preprocessor(params, merge_schema([site_schema(params, a)]))
    rows = {"empty": a.iloc[:0], "list": [[1.0, "a"]],
            "repeat": pd.DataFrame([[1.0, 2.0, "a"]], columns=["x", "x", "p"]),
            "levels": pd.DataFrame([[1.0, "a"]], columns=pd.MultiIndex.from_tuples([("x", "1"), ("p", "2")]))}
    with pytest.raises(InputError):
        site_scales(pre, rows[bad])


def test_drop_none_drops_nothing_and_log1p_none_is_an_input_error() -> None:
    # both were a TypeError ('NoneType' object is not iterable) in fit and in get_params;
    # categorical=None and roles=None already meant "none"
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3, 1, 2]})
    pre = TabularPreprocessor(drop=None).fit(df)
    assert pre.feature_names_ == ["a", "b"] and pre.get_params()["drop"] is None
    assert TabularPreprocessor.from_dict(pre.to_dict()).transform(df).shape == (3, 2)
    assert pre.extra_columns(df.assign(c=1)) == ["c"]
    none: Any = None  # not a log1p value the signature admits: what a caller may still pass
    assert TabularPreprocessor(log1p=none).get_params()["log1p"] is None
    with pytest.raises(InputError, match="log1p: expected 'auto', 'none' or column names, got None"):
        TabularPreprocessor(log1p=none).fit(df)


def test_a_dropped_column_with_a_kept_missing_indicator_is_explained_by_it() -> None:
    # explain_rows said a column the preprocessing dropped (constant) was never named; its
    # missing indicator is a feature of that column, and names it when it drove the score
    df = pd.DataFrame({"a": np.arange(50.0), "c": [np.nan] + [5.0] * 49})
    pre = TabularPreprocessor().fit(df)
    assert pre.constant_ == ["c"] and pre.feature_names_ == ["a", "c:missing"]
    assert pre.feature_columns() == ["a", "c"]


@pytest.mark.parametrize("name", ["max_categories", "hash_buckets", "max_ports", "min_frequency",
                                  "fill_value"])
def test_none_for_a_number_is_an_input_error(name: str) -> None:
    # int(None) / None <= 0 / float(None): a TypeError traceback in fit
    df = pd.DataFrame({"a": [1.0, None, 3.0], "b": [3, 1, 2], "p": list("xyx")})
    # (an integer's setting a whole number, as --epochs says it)
    kind = "a number" if name in ("min_frequency", "fill_value") else "a whole number"
    with pytest.raises(InputError, match=f"{name} must be {kind}, got None"):
        kw: dict[str, Any] = {name: None}
        TabularPreprocessor(impute="constant", **kw).fit(df)
    assert TabularPreprocessor(max_corr=None, max_features=None).fit(df).feature_names_[:2] == ["a", "b"]


@pytest.mark.parametrize(("ids", "pooled"), [(False, "hash"), (True, "drop")])
def test_text_near_unique_at_one_site_only_is_hashed_or_dropped_as_pooled(ids: bool, pooled: str) -> None:
    # a site with over 50 distinct values in few rows reads the column as near-unique text
    # (dropped), another as categories: the federation was refused ('the sites read it
    # differently'), where the pooled fit hashes the column (65 of 200) or drops it (105 of 200)
    rng = np.random.default_rng(0)
    svc = [f"u{i}" for i in range(100)] if ids else [f"s{i}" for i in range(60)] + ["s0"] * 40
    a = pd.DataFrame({"svc": svc, "x": rng.normal(size=100)})
    b = pd.DataFrame({"svc": [f"s{i % 5}" for i in range(100)], "x": rng.normal(size=100)})
    assert TabularPreprocessor().fit(pd.concat([a, b])).roles_["svc"] == pooled
    params = TabularPreprocessor().get_params()
    for sites in ([a, b], [b, a]):
        pre = schema_preprocessor(params, merge_schema([site_schema(params, s) for s in sites]))
        fed = scaled_preprocessor(pre, merge_scales([site_scales(pre, s) for s in sites]))
        assert fed.roles_["svc"] == pooled
        assert fed.feature_names_ == TabularPreprocessor().fit(pd.concat(sites)).feature_names_


def test_saved_quantile_knots_out_of_order_are_refused() -> None:
    # loaded, and every value mapped through the reversed knots (10 of 0..19 scaled to 1.0, not
    # 0.53) without a word
    pre = TabularPreprocessor(scaler="quantile").fit(pd.DataFrame({"a": np.arange(20.0)}))
    state = pre.to_dict()
    state["quantiles"] = {"a": state["quantiles"]["a"][::-1]}
    with pytest.raises(InputError, match=r"quantiles of 'a'.*ascending order"):
        TabularPreprocessor.from_dict(state)
    assert TabularPreprocessor.from_dict(pre.to_dict()).transform(pd.DataFrame({"a": [10.0]}))[0, 0] == \
        pytest.approx(10 / 19)


def test_merged_quantiles_never_go_down() -> None:
    # a linear stretch of the sketches' mixture ended a rounding error above the value the next
    # probability jumped to: knots out of order, which the saved state now refuses
    from hourglass.features.statistics import _sketch, mixture_quantiles

    x = np.round(np.random.default_rng(1).normal(size=21), 1)
    q = mixture_quantiles([_sketch(x)], [len(x)], np.linspace(0, 1, 101))
    assert (np.diff(q) >= 0).all()
    assert np.allclose(q, np.percentile(x, np.linspace(0, 100, 101)), rtol=1e-12, atol=1e-15)
    params = TabularPreprocessor(scaler="quantile").get_params()
    site = pd.DataFrame({"x": x})
    pre = schema_preprocessor(params, merge_schema([site_schema(params, site)]))
    fed = scaled_preprocessor(pre, merge_scales([site_scales(pre, site)]))  # through from_dict
    assert (np.diff(fed.quantiles_["x"]) >= 0).all()


def test_saved_quantile_knots_a_rounding_error_out_of_order_still_load() -> None:
    # what a federated fit saved before its merged quantiles were kept in order (one knot a
    # rounding error above the next): the model must still load
    pre = TabularPreprocessor(scaler="quantile").fit(pd.DataFrame({"a": np.arange(20.0)}))
    state = pre.to_dict()
    knots = list(state["quantiles"]["a"])
    knots[51] = knots[50] * (1 - 1e-15)  # 9.5, then 9.49999999999999
    state["quantiles"] = {"a": knots}
    assert (np.diff(knots) < 0).any()
    assert TabularPreprocessor.from_dict(state).quantiles_["a"] == knots
