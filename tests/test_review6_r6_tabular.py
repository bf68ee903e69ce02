"""Review round 6 (table preprocessing and the pipeline): regression tests of the defects fixed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline
from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor


def _ae() -> AutoEncoder:
    return AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)


def test_refit_records_the_new_fit() -> None:
    # a second fit of the same pipeline kept the first fit's n_train_rows and n_features (setdefault):
    # the model card said "100 training rows ... → 6 features" of a model fitted on 300 rows
    rng = np.random.default_rng(0)
    a = pd.DataFrame({"x": rng.random(100), "p": rng.choice(["a", "b"], 100)})
    b = pd.DataFrame({"x": rng.random(300), "y": rng.random(300), "p": rng.choice(["a", "b", "c"], 300)})
    pipe = Pipeline(_ae()).fit(a)
    pipe.info["source"] = "a.csv"
    pipe.info["warm_start"] = {"rows": 1}  # as a warm-started parent's info holds
    pipe.fit(b)
    assert pipe.info["n_train_rows"] == 300
    assert pipe.info["n_features"] == len(pipe.features_.feature_names_) == 6
    assert "warm_start" not in pipe.info and "warm start" not in pipe.model_card()
    assert pipe.info["source"] == "a.csv"  # what describes the data stays
    assert "300 training rows" in pipe.model_card()["data"]


def _state(**edit: object) -> dict:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.random(60), "y": np.where(rng.random(60) < .2, np.nan, rng.random(60)),
                       "p": rng.choice(["a", "b"], 60)})
    d = json.loads(json.dumps(TabularPreprocessor(scaler="quantile").fit(df).to_dict()))
    for path, value in edit.items():
        node = d
        *parents, leaf = path.split("__")
        for k in parents:
            node = node[k]
        node[leaf] = value
    return d


@pytest.mark.parametrize("edit", [
    {"quantiles__x": [float("nan")] * 101},     # NaN features: every score NaN, no alert
    {"quantiles__x": [1.0]},                    # one knot
    {"quantiles": {"x": [0.0, 1.0]}},           # y's knots missing: KeyError at the first score
    {"impute__y": float("nan")},                # a NaN median: NaN in every row missing y
    {"ports": {"dport": [80]}, "roles__dport": "port",  # a block of a column transform never reads
     "feature_names": None},
])
def test_malformed_state_refused(edit: dict) -> None:
    # an edited artefact (content hash recomputed) with these loaded, then gave NaN features or a
    # KeyError traceback at the first score; now from_dict (so load) refuses it in one line
    d = _state(**{k: v for k, v in edit.items() if k != "feature_names"})
    if "feature_names" in edit:
        pre = TabularPreprocessor.from_dict(_state())
        pre.ports_ = d["ports"]
        d["feature_names"] = pre._feature_names()
    with pytest.raises(InputError, match="preprocessing state is malformed"):
        TabularPreprocessor.from_dict(d)


def test_describe_counts_placeholders_as_missing() -> None:
    # 'hourglass inspect' and describe() said "missing 0.0%, 41 distinct" of a column half '-' (read
    # as missing and given a missing indicator) and counted '80' and '80.0' as two values
    from hourglass.features.statistics import merge_schema, schema_preprocessor, site_schema

    df = pd.DataFrame({"bytes": ["7", "-", "14", "-", "80", "80.0"] * 5,
                       "proto": ["tcp", "udp", " ", "tcp", "udp", "tcp"] * 5})
    pre = TabularPreprocessor().fit(df)
    got = {d["column"]: (d["missing"], d["unique"]) for d in pre.describe()}
    assert got == {"bytes": (pytest.approx(1 / 3), 3), "proto": (pytest.approx(1 / 6), 2)}
    params = TabularPreprocessor().get_params()
    fed = schema_preprocessor(params, merge_schema([site_schema(params, df)]))
    assert fed.profile_["bytes"]["missing"] == pre.profile_["bytes"]["missing"]
    assert fed.profile_["proto"] == {**pre.profile_["proto"], "dtype": fed.profile_["proto"]["dtype"]}


def test_arrow_durations_are_seconds() -> None:
    # pd.read_parquet(..., dtype_backend="pyarrow") gives durations as duration[ms][pyarrow]: they were
    # dropped as "near-unique text" (or one-hot encoded as text), and given as numeric refused with
    # "expected numbers, found Timedelta(...)"; NumPy timedelta64 columns were already seconds
    import datetime

    import pyarrow as pa

    secs = [i * 1.5 for i in range(60)]
    arrow = pd.Series([datetime.timedelta(seconds=v) for v in secs], dtype=pd.ArrowDtype(pa.duration("ms")))
    df = pd.DataFrame({"dur": arrow, "z": np.arange(60) % 7})
    pre = TabularPreprocessor().fit(df)
    assert (pre.roles_["dur"], pre.reasons_["dur"]) == ("numeric", "durations (in seconds)")
    plain = TabularPreprocessor().fit(pd.DataFrame({"dur": secs, "z": np.arange(60) % 7}))
    assert np.array_equal(pre.transform(df), plain.transform(pd.DataFrame({"dur": secs, "z": df["z"]})))
    assert np.array_equal(pre.transform(df.iloc[:1]), pre.transform(df)[:1])
    given = TabularPreprocessor(roles={"dur": "numeric"}).fit(df)
    assert given.transform(df).shape == (60, 2)


@pytest.mark.parametrize("arrow", ["list", "struct"])
def test_nested_arrow_column_is_an_input_error(arrow: str) -> None:
    # a list or struct column of Arrow type (read_parquet(dtype_backend="pyarrow")) stopped fit with
    # "ArrowNotImplementedError: Function 'unique' has no kernel ..."; object cells holding lists were
    # already refused in one line
    import pyarrow as pa

    from hourglass.features.statistics import site_schema

    kind = pa.list_(pa.int64()) if arrow == "list" else pa.struct([("a", pa.int64())])
    cells = [[1], [2], None] * 20 if arrow == "list" else [{"a": 1}, {"a": 2}, None] * 20
    df = pd.DataFrame({"tags": pd.Series(cells, dtype=pd.ArrowDtype(kind)), "x": np.arange(60.0) % 7})
    with pytest.raises(InputError, match=r"column 'tags': holds nested values"):
        TabularPreprocessor().fit(df)
    with pytest.raises(InputError, match=r"column 'tags': holds nested values"):
        site_schema(TabularPreprocessor().get_params(), df)
    pre = TabularPreprocessor(roles={"tags": "categorical"}).fit(df.assign(tags=["a", "b", "c"] * 20))
    for rows in (1, 60):
        with pytest.raises(InputError, match=r"column 'tags': holds nested values"):
            pre.transform(df.iloc[:rows])
    assert TabularPreprocessor(drop=["tags"]).fit(df).columns_ == ["x"]


def test_warm_start_of_rethresholded_model_says_retrained() -> None:
    # the warm-started child of a re-thresholded model kept info["rethresholded_from"]: its model card
    # said "re-thresholded ... refitted on the same held-out scores, not retrained"
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"bytes": rng.exponential(100, 600), "port": rng.integers(0, 9, 600)})
    parent = Pipeline(_ae()).fit(df).with_threshold("percentile:95")
    child = parent.warm_start(df, epochs=1)
    assert "rethresholded_from" not in child.info and "re-thresholded" not in child.model_card()
    assert child.threshold_.describe() == parent.threshold_.describe()  # the rule itself carries on
    assert "rethresholded_from" in parent.info  # the parent is unchanged


def test_placeholder_cells_make_a_field_optional() -> None:
    # a numeric column whose unset cells read '-' (missing, behind a missing indicator) and a text
    # column with empty cells were not optional_fields (isna only): the service refused a row that
    # left such a field out, though the model reads '-' and '' as missing values
    df = pd.DataFrame({"dur": ["1.5", "-", "3", "4"] * 10, "proto": ["tcp", "", "udp", "tcp"] * 10,
                       "svc": ["-", "dns", "http", "dns"] * 10, "n": np.arange(40.0) % 9})
    pipe = Pipeline(_ae()).fit(df)
    assert pipe.features_.roles_["svc"] == "categorical"  # '-' is a value of a text column
    assert pipe.optional_fields == ["dur", "proto"]
    row = pipe.with_absent_fields(df.drop(columns=["dur", "proto"]).iloc[:1], force=True)
    assert np.array_equal(pipe.score(row), pipe.score(df.iloc[:1].assign(dur=["-"], proto=[""])))
