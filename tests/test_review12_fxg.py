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


def test_a_binary_file_full_of_nul_bytes_is_still_named_binary(tmp_path) -> None:
    # the truncated-log rule let a capture or an executable through to the line parsers, which
    # said 'line 1: not a CEF record' (and --on-bad-rows skip: 'no data rows')
    from hourglass.ingest.formats import get_format

    blob = (b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(8) + b"\xff\xff\x00\x00\x01\x00\x00\x00") * 60
    p = tmp_path / "cap.log"
    p.write_bytes(blob)
    for fmt in ("cef", "jsonl", "okta", "winlogbeat", "aws-vpc-flow"):
        with pytest.raises(InputError, match=r"binary data \(NUL bytes\)"):
            list(get_format(fmt).iter_chunks(p, on_bad_rows="skip"))


def test_a_winlogbeat_file_that_starts_with_nul_bytes_is_read(tmp_path) -> None:
    import json

    from hourglass.ingest.formats import get_format

    doc = {"@timestamp": "2026-01-01T00:00:00Z", "event": {"code": "4624"},
           "winlog": {"event_id": 4624, "channel": "Security"}}
    p = tmp_path / "wlb.json"
    p.write_bytes(bytes(600) + b"\n" + (json.dumps(doc) + "\n").encode() * 5)
    assert len(get_format("winlogbeat").read(p, on_bad_rows="skip")) == 5


def test_a_list_column_dropped_by_its_role_fits() -> None:
    # profiling counted the distinct values of every column: a dropped flow_id of lists failed
    # (and the message said to drop the column, which was dropped)
    df = pd.DataFrame({"flow_id": [[i] for i in range(20)], "b": np.arange(20.0), "p": ["x", "y"] * 10})
    for pre in (TabularPreprocessor(), TabularPreprocessor(roles={"flow_id": "drop"})):
        assert "flow_id" not in " ".join(pre.fit(df).feature_names_)
        assert pre.describe()[0]["unique"] is None


def test_entity_windows_refuse_drop_and_another_role() -> None:
    from hourglass.features.entity import EntityWindows

    df = pd.DataFrame({"host": ["a", "b"] * 10, "ts": pd.date_range("2026-01-01", periods=20, freq="1min"),
                       "bytes": np.arange(20.0)})
    with pytest.raises(InputError, match="'bytes' is given the role 'numeric' and is in drop"):
        EntityWindows("host", "ts", bucket="10min", drop=["bytes"], roles={"bytes": "numeric"}).fit(df)


def test_sketch_of_huge_and_tiny_values_keeps_the_tiny_ones() -> None:
    from hourglass.features.statistics import _PROBS, _sketch

    x = np.r_[np.full(60, 3e-130), np.full(40, 1e200)]
    assert _sketch(x) == [float(v) for v in np.quantile(x, _PROBS)]


def test_a_list_cell_in_a_kept_column_is_named() -> None:
    df = pd.DataFrame({"tags": [[i] for i in range(20)], "b": np.arange(20.0), "p": ["x", "y"] * 10})
    with pytest.raises(InputError, match="column 'tags': a cell holds a list"):
        TabularPreprocessor().fit(df)


def test_a_log_with_a_hole_of_nul_bytes_is_still_read(tmp_path) -> None:
    # a crash's hole of NULs after a log's first lines: read before, then called binary
    from hourglass.ingest.formats import get_format

    line = b"CEF:0|Acme|FW|1|100|conn|5|src=10.0.0.5 dpt=443\n"
    p = tmp_path / "hole.log"
    p.write_bytes(line * 2 + bytes(1500) + b"\n" + line * 20)
    assert len(get_format("cef").read(p, on_bad_rows="skip")) == 22


def test_an_entity_model_saved_with_drop_and_another_role_loads() -> None:
    # saved before the pair was refused (the drop won): loading it refused the state
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"host": rng.choice(["a", "b", "c"], 200),
                       "ts": pd.date_range("2026-01-01", periods=200, freq="1min"),
                       "bytes": rng.random(200), "pkts": rng.integers(1, 50, 200).astype(float)})
    state = EntityWindows("host", "ts", bucket="10min", drop=["bytes"]).fit(df).to_dict()
    state["params"] = {**state["params"], "roles": {"bytes": "numeric"}}
    again = EntityWindows.from_dict(state)
    assert again.transform(df).shape[0] > 0


def test_threshold_predict_and_spot_update_refuse_an_int_past_floats_range() -> None:
    from hourglass.thresholds import SPOT, Percentile

    thr = Percentile(99).fit(np.arange(100.0))
    with pytest.raises(InputError, match="an integer past float's range"):
        thr.predict([10**400])
    spot = SPOT(q=0.01).fit(np.random.default_rng(0).exponential(size=2000))
    with pytest.raises(InputError, match="an integer past float's range"):
        spot.update([10**400])


def test_shown_value_cuts_a_long_cell_and_unwraps_numpy() -> None:
    from hourglass.cli._groups import shown_value

    assert shown_value(np.float64(1e30)) == "1e+30"
    assert len(shown_value("x" * 300)) == 63  # the quote and 59 x, then ...
