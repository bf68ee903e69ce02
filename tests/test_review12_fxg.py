"""Regression tests: metrics' k values, federated statistics of huge values, parameters past
float's range."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.evaluate import evaluate_scores
from hourglass.evaluate.vus import tsb_sliding_window
from hourglass.features import TabularPreprocessor
from hourglass.features.statistics import (
    merge_scales,
    merge_schema,
    scaled_preprocessor,
    schema_preprocessor,
    shared_schema,
    site_scales,
    site_schema,
)
from hourglass.thresholds import AlertBudget


def test_evaluate_scores_reads_a_generator_of_ks_once() -> None:
    # the k check read the generator first: precision@k came back empty without a word
    r = evaluate_scores([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], [0, 1, 0, 1], ks=(k for k in (1, 2)))
    assert r["precision_at_k"] == {"1": 1.0, "2": 1.0}


@pytest.mark.parametrize("scaler", ["minmax", "standard", "robust"])
def test_federated_site_holding_both_float_extremes_warns_of_nothing(scaler: str) -> None:
    # one site holding -1e308 and 1e308: its quantile sketch and the merged median overflowed
    # with RuntimeWarnings the pooled fit does not give; the column is named as too large
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"big": np.r_[[-1e308, 1e308] * 30], "b": rng.normal(size=60)})
    params = TabularPreprocessor(scaler=scaler).get_params()
    parts = [df.iloc[:30], df.iloc[30:]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pre = schema_preprocessor(params, shared_schema(merge_schema([site_schema(params, p)
                                                                      for p in parts])))
        with pytest.raises(InputError, match=r"'big'.*too large to scale"):
            scaled_preprocessor(pre, merge_scales([site_scales(pre, p) for p in parts]))


def test_sketch_of_ordinary_values_is_unchanged() -> None:
    from hourglass.features.statistics import _PROBS, _sketch

    x = np.random.default_rng(1).normal(size=500) * 1e50
    assert _sketch(x) == [float(v) for v in np.quantile(x, _PROBS)]


def test_parameters_and_series_past_floats_range_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="events_per_day must be a finite number, got an integer past"):
        AlertBudget(5, per="day", events_per_day=10**400).fit(np.random.default_rng(0).random(100))
    with pytest.raises(InputError, match="x: expected a numeric series"):
        tsb_sliding_window([0, 1, 10**400])


def test_a_model_saved_with_a_dropped_column_among_its_roles_refits() -> None:
    # train saved --format nsl-kdd --drop service as categorical [.., service] + drop [service]
    # (the drop won); the new one-role check refused load(model).fit(df)
    from hourglass.features.tabular import TabularPreprocessor as TP

    df = pd.DataFrame({"p": ["a", "b"] * 10, "s": ["x", "y", "z", "w"] * 5,
                       "n": np.arange(20.0)})
    pre = TP(drop=["s"]).fit(df)
    state = pre.to_dict()
    state["params"] = {**state["params"], "categorical": ["p", "s"], "roles": {"s": "hash"}}
    again = TP.from_dict(state)
    assert again.get_params()["categorical"] == ["p"] and again.get_params()["roles"] is None
    assert again.fit(df).feature_names_ == pre.feature_names_


def test_a_list_cell_in_a_column_dropped_by_its_role_is_still_named() -> None:
    # flow_id (an identifier by its name) holding lists: the raw TypeError escaped
    df = pd.DataFrame({"flow_id": [[i] for i in range(20)], "b": np.arange(20.0), "p": ["x", "y"] * 10})
    with pytest.raises(InputError, match="column 'flow_id': a cell holds a list"):
        TabularPreprocessor().fit(df)


def test_a_refused_time_series_refit_leaves_the_earlier_fit() -> None:
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    good = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=50, freq="1min"),
                         "a": np.arange(50.0), "b": np.sin(np.arange(50.0))})
    pre = TimeSeriesPreprocessor("ts").fit(good)
    before = pre.transform(good)
    bad = good.assign(ts=pd.date_range("2024-01-01", periods=50, freq="1h"))[["ts", "a"]].assign(a=np.nan)
    with pytest.raises(InputError, match="missing value"):
        pre.fit(bad)
    np.testing.assert_array_equal(pre.transform(good), before)


def test_entity_train_refuses_drop_and_another_role_of_a_column(tmp_path) -> None:
    from tests._cli import one_line_error

    rng = np.random.default_rng(0)
    pd.DataFrame({"host": rng.choice(["a", "b"], 200),
                  "ts": pd.date_range("2026-01-01", periods=200, freq="1min").astype(str),
                  "bytes": rng.random(200), "proto": rng.choice(["tcp", "udp"], 200)}
                 ).to_csv(tmp_path / "e.csv", index=False)
    out = tmp_path / "m"
    one_line_error(["train", str(tmp_path / "e.csv"), "--entity-col", "host", "--timestamp-col", "ts",
                    "--drop", "bytes", "--role", "bytes=numeric", "-o", str(out)],
                   "--drop bytes and --role bytes=numeric: give the column one role", out)
