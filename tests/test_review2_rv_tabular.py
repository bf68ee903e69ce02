"""Review of the tabular preprocessing: defects found and fixed (one test or more each)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor


def _frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.normal(size=n) * 100,
                         "dur": rng.exponential(size=n)})


@pytest.mark.parametrize("rows", [3, 2000])  # the small-batch road and the general one
def test_repeated_column_at_transform_is_an_input_error(rows: int) -> None:
    pre = TabularPreprocessor().fit(_frame())
    df = _frame(rows)
    df = pd.concat([df, df["bytes"]], axis=1)  # 'bytes' twice: df['bytes'] is a table
    with pytest.raises(InputError, match="column names repeat: 'bytes'"):
        pre.transform(df)
    other = pd.concat([_frame(rows), pd.Series(0, index=df.index, name="x"),
                       pd.Series(1, index=df.index, name="x")], axis=1)
    assert pre.transform(other).shape[0] == rows  # a repeated column the model ignores: fine


@pytest.mark.parametrize("bad", [-1, 0, 2.5, True, "3"])
def test_max_features_out_of_range_is_refused(bad: object) -> None:
    # -1 read as "all" by habit used to drop the lowest-variance column; 0 every numeric one
    with pytest.raises(InputError, match="max_features"):
        TabularPreprocessor(max_features=bad).fit(_frame())  # type: ignore[arg-type]
    assert TabularPreprocessor(max_features=2.0).fit(_frame()).numeric_ == ["bytes", "dur"]


def test_roles_not_a_mapping_is_an_input_error() -> None:
    with pytest.raises(InputError, match="roles: expected a mapping"):
        TabularPreprocessor(roles=["proto"]).fit(_frame())  # type: ignore[arg-type]


def test_ip_or_port_column_without_one_readable_value_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    # addresses as integers, ports as service names: every value read as missing, silently
    df = pd.DataFrame({"src_ip": [167772161, 3232235777, None] * 5, "dst_port": ["http", "ssh", "dns"] * 5,
                       "x": np.arange(15.0)})
    with caplog.at_level("WARNING", logger="hourglass.features.tabular"):
        TabularPreprocessor().fit(df)
    text = caplog.text
    assert "column 'src_ip' (role ip: IP address name): none of its 10 values is an IP address " \
           "(e.g. '167772161')" in text
    assert "column 'dst_port' (role port: port name): none of its 15 values is a port number" in text
    caplog.clear()
    with caplog.at_level("WARNING", logger="hourglass.features.tabular"):  # one address, or none at all
        TabularPreprocessor().fit(df.assign(src_ip=["10.0.0.1", "x", None] * 5, dst_port=None))
    assert "none of its" not in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="hourglass.features.tabular"):  # Zeek's unset markers only
        TabularPreprocessor().fit(df.assign(src_ip="-", dst_port="(empty)"))
    assert "none of its" not in caplog.text


def test_sites_that_read_a_saved_index_differently_merge_it_as_dropped() -> None:
    # one site's index counts up (drop: row numbers), another's restarts (two files read as one):
    # the merge refused the column, where before the row-number rule it merged it as numeric
    from hourglass.features.statistics import merge_schema, site_schema

    rng = np.random.default_rng(0)
    params = TabularPreprocessor().get_params()
    sites = [pd.DataFrame({"Unnamed: 0": idx, "bytes": rng.exponential(size=len(idx))})
             for idx in (np.arange(100), np.r_[np.arange(50), np.arange(50)])]
    merged = merge_schema([site_schema(params, s) for s in sites])
    assert merged["columns"]["Unnamed: 0"]["role"] == "drop"
    assert merged["columns"]["bytes"]["role"] == "numeric"


def _state() -> dict:
    df = pd.DataFrame({"proto": ["tcp", "udp", "tcp", "icmp"], "bytes": [10, 2000, 30, 5],
                       "dst_port": [80, 443, 80, None], "h": ["a", "b", "c", "d"]})
    return TabularPreprocessor(roles={"h": "hash"}, hash_buckets=2).fit(df).to_dict()


@pytest.mark.parametrize(("key", "value", "match"), [
    ("hashed", {"h": 10**30}, "bucket count h: 10"),  # was a list of 10**30 names: memory exhausted
    ("hashed", {"h": 0}, "bucket count h: 0"),
    ("categories", [], "no attribute 'items'"),       # was an AttributeError
    ("quantiles", [], "no attribute 'items'"),
    ("roles", {"dst_port": "categorical"}, "missing indicator of 'dst_port'"),
])
def test_malformed_state_is_an_input_error(key: str, value: object, match: str) -> None:
    d = _state()
    d[key] = value
    with pytest.raises(InputError, match=f"preprocessing state is malformed .*{match}"):
        TabularPreprocessor.from_dict(d)


def test_state_without_roles_reads_port_columns() -> None:
    d = _state()
    del d["roles"]  # was a KeyError 'dst_port' in transform: the indicator read by one part only
    df = pd.DataFrame({"proto": ["tcp"], "bytes": [1], "dst_port": [None], "h": ["a"]})
    assert TabularPreprocessor.from_dict(d).transform(df).tolist() == \
        TabularPreprocessor.from_dict(_state()).transform(df).tolist()


@pytest.mark.parametrize("d", [None, [], "x"])
def test_features_from_dict_of_not_a_mapping(d: object) -> None:
    from hourglass.features.registry import features_from_dict

    with pytest.raises(InputError, match="expected a mapping"):
        features_from_dict(d)  # type: ignore[arg-type]


def test_list_or_dict_cells_are_an_input_error() -> None:
    # were TypeError: unhashable type: 'list' from pandas, at fit and at transform
    from hourglass.features.statistics import site_schema

    df = pd.DataFrame({"tags": [["a"], ["b", "c"], ["a"]], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match=r"column 'tags': a cell holds a list .*row 1.*flatten_json"):
        TabularPreprocessor().fit(df)
    with pytest.raises(InputError, match=r"column 'tags': a cell holds a list"):
        site_schema(TabularPreprocessor().get_params(), df)
    assert TabularPreprocessor(drop=["tags"]).fit(df).columns_ == ["x"]
    pre = TabularPreprocessor().fit(_frame())
    for rows in (2, 1500):
        bad = _frame(rows)
        bad["proto"] = [*bad["proto"].iloc[:-1], {"name": "tcp"}]
        with pytest.raises(InputError, match=f"column 'proto': a cell holds a dict .*row {rows}\\)"):
            pre.transform(bad.assign(other=[[1]] * rows))  # a column the model ignores: not named


def test_describe_counts_each_column_own_features() -> None:
    # 'bytes/s' and 'proto:x' were counted as features of 'bytes' and 'proto' too (by name prefix)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"bytes": rng.exponential(size=50), "bytes/s": rng.normal(size=50),
                       "proto": rng.choice(["tcp", "udp"], 50), "proto:x": rng.normal(size=50)})
    pre = TabularPreprocessor().fit(df)
    got = {d["column"]: d["features"] for d in pre.describe()}
    assert got == {"bytes": 1, "bytes/s": 1, "proto": 3, "proto:x": 1}
    assert sum(got.values()) == len(pre.feature_names_)


def test_constant_categorical_column_is_kept_as_documented() -> None:
    pre = TabularPreprocessor().fit(pd.DataFrame({"proto": ["tcp"] * 4, "k": [5.0] * 4, "x": [1.0, 2, 3, 4]}))
    assert pre.constant_ == ["k"] and pre.feature_names_ == ["x", "proto=tcp", "proto=<unseen>"]
    assert pre.transform(pd.DataFrame({"proto": ["udp"], "k": [5.0], "x": [1.0]})).tolist() == [[0, 0, 1]]


def test_a_saved_index_column_is_not_a_feature() -> None:
    # df.to_csv() writes the index as 'Unnamed: 0': as a feature, every row of a longer file scored
    # past the training rows' numbers read as an anomaly (3,000 rows: 100% flagged after row 500)
    from hourglass.features.roles import infer_role

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"Unnamed: 0": np.arange(0.0, 60), "index": np.r_[0:30, 40:70],
                       "bytes": rng.exponential(size=60), "seq": np.arange(60)})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["Unnamed: 0"] == pre.roles_["index"] == "drop"
    assert pre.reasons_["index"] == "row numbers (a table's index saved as a column)"
    assert "seq" in pre.numeric_  # another name: a column the user means
    assert infer_role("Unnamed: 0", pd.Series([3, 1, 2]), max_categories=50) == ("numeric", "numeric values")
    assert infer_role("index", pd.Series([0.0, 1.0, np.nan]), max_categories=50)[0] == "numeric"


def test_ragged_labels_are_an_input_error() -> None:
    from hourglass.features.validation import check_labels

    with pytest.raises(InputError, match="y: expected one label per row"):  # was numpy's ValueError
        check_labels([[0], [1, 0]], 2)


def test_numpy_scalar_params_save_as_json() -> None:
    import json

    # Pipeline.save failed after training: TypeError: Object of type int32 is not JSON serializable
    pre = TabularPreprocessor(hash_buckets=np.int32(4), max_categories=np.int64(1),
                              min_frequency=np.float64(1), fill_value=np.float32(2),
                              max_corr=np.float64(0.9), drop=np.array(["zz"]))
    pre.fit(_frame())
    d = json.loads(json.dumps(pre.to_dict()))
    assert d["params"]["hash_buckets"] == 4 and type(d["params"]["hash_buckets"]) is int
    again = TabularPreprocessor.from_dict(d)
    assert again.transform(_frame(5)).tolist() == pre.transform(_frame(5)).tolist()


def test_durations_are_seconds() -> None:
    # a Parquet duration column (timedelta64) was dropped as near-unique text, or one-hot encoded
    # as text when its values were few; given as numeric, it was "expected numbers, found Timedelta"
    rng = np.random.default_rng(0)
    secs = rng.exponential(size=80)
    df = pd.DataFrame({"duration": pd.to_timedelta(secs, unit="s"), "bytes": rng.exponential(size=80)})
    pre = TabularPreprocessor().fit(df)
    assert (pre.roles_["duration"], pre.reasons_["duration"]) == ("numeric", "durations (in seconds)")
    as_seconds = df.assign(duration=df["duration"].dt.total_seconds())  # from a CSV: the same features
    assert pre.transform(df).tolist() == pre.transform(as_seconds).tolist()
    assert TabularPreprocessor().fit(as_seconds).transform(df).tolist() == pre.transform(df).tolist()
    assert np.allclose(as_seconds["duration"], secs, atol=1e-8)
