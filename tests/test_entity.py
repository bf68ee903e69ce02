"""Entity features (rows per entity per time bucket): aggregation, errors, state, and the port
scan that a row-level model misses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hourglass import AutoEncoder, Pipeline, load
from hourglass.errors import InputError, NotFittedError
from hourglass.features import EntityWindows
from hourglass.features.entity import KEYS
from hourglass.features.registry import features_from_dict
from hourglass.ingest.synthetic import port_scan_flows

FLOW_COLS = {"numeric": ("bytes", "packets", "duration"), "categorical": ("dst_port", "dst_ip", "proto")}


def _small() -> pd.DataFrame:
    return pd.DataFrame({
        "host": ["a", "a", "a", "b", "a", "b"],
        "ts": ["2024-01-01 10:00:01", "2024-01-01 10:04:59", "2024-01-01 10:02:00",
               "2024-01-01 10:03:00", "2024-01-01 10:05:00", "2024-01-01 09:59:59"],
        "bytes": [10, 20, 30, 5, 7, np.nan],
        "port": [80, 443, 80, 22, 80, 22]})


def test_aggregates_per_entity_and_bucket() -> None:
    ew = EntityWindows("host", "ts", bucket="5min", numeric=("bytes",), categorical=("port",),
                       log1p="none").fit(_small())
    agg = ew.aggregate(_small())
    assert list(agg.columns[:4]) == list(KEYS)
    assert agg["entity"].tolist() == ["a", "a", "b", "b"]  # sorted by entity, then bucket start
    assert agg["bucket_start"].dt.strftime("%H:%M").tolist() == ["10:00", "10:05", "09:55", "10:00"]
    assert (agg["bucket_end"] - agg["bucket_start"] == pd.Timedelta("5min")).all()
    assert agg["rows"].tolist() == [3, 1, 1, 1]
    first = agg.iloc[0]
    assert (first["count"], first["bytes:sum"], first["bytes:mean"], first["bytes:max"]) == (3, 60, 20, 30)
    assert (first["port:distinct"], first["port:top_share"]) == (2, pytest.approx(2 / 3))
    assert np.isnan(agg.iloc[2]["bytes:sum"])  # no value in the bucket: imputed, not 0
    X = ew.transform(_small())
    assert X.shape == (4, len(ew.feature_names_)) and np.isfinite(X).all()


def test_log1p_of_counts_and_sums_only() -> None:
    df = _small()
    raw = EntityWindows("host", "ts", numeric=("bytes",), categorical=("port",), log1p="none").fit(df)
    logged = EntityWindows("host", "ts", numeric=("bytes",), categorical=("port",)).fit(df)
    a, b = raw.aggregate(df), logged.aggregate(df)
    for col in ("count", "bytes:sum", "port:distinct"):
        np.testing.assert_allclose(b[col], np.log1p(a[col]))
    for col in ("bytes:mean", "bytes:max", "port:top_share", "rows"):
        np.testing.assert_array_equal(b[col], a[col])


def test_inferred_columns_follow_roles() -> None:
    flows, _ = port_scan_flows(hosts=2, days=0.2, scan_flows=0)
    flows["EventID"] = 4624
    flows.loc[::2, "EventID"] = 4625
    flows["uid"] = np.arange(len(flows)).astype(str)
    flows["RecordNumber"] = np.arange(len(flows)) % 7
    flows["UtcTime"] = pd.to_datetime(flows["ts"], unit="s").dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    flows["received"] = flows["UtcTime"].str[:19]
    ew = EntityWindows("src_ip", "ts").fit(flows)
    assert ew.numeric_ == ["bytes", "packets", "duration"]
    # uid: an identifier; UtcTime, received: times; codes and ports: distinct counts, not sums
    assert ew.categorical_ == ["dst_ip", "dst_port", "proto", "EventID", "RecordNumber"]
    assert "dst_port:distinct" in ew.aggregates_ and "dst_port:sum" not in ew.aggregates_


@pytest.mark.parametrize(("change", "match"), [
    (lambda d: d.drop(columns=["host"]), "entity_col: no column 'host'"),
    (lambda d: d.drop(columns=["ts"]), "timestamp_col: no column 'ts'"),
    (lambda d: d.assign(ts=d["ts"].where(d.index != 3, "yesterday")), "row 4 is not a timestamp"),
    (lambda d: d.assign(bytes=d["bytes"].astype(object).where(d.index != 1, "lots")),
     "column 'bytes': row 2 is not a number"),
    (lambda d: d.iloc[:0], "no rows"),
])
def test_bad_input_is_named(change, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=match):
        EntityWindows("host", "ts", numeric=("bytes",)).fit(change(_small()))
    ew = EntityWindows("host", "ts", numeric=("bytes",)).fit(_small())
    # scoring names the model's column, not an option the user did not type
    scored = match.split(": ")[1] + " in the data: the model's" if "no column" in match else match
    with pytest.raises(InputError, match=scored):
        ew.transform(change(_small()))


@pytest.mark.parametrize(("params", "match"), [
    ({"bucket": "soon"}, "bucket: expected a fixed time length"),
    ({"bucket": "0s"}, "bucket"),
    ({"bucket": "300"}, "bucket"),
    ({"stats": ("median",)}, "stats"),
    ({"log1p": "yes"}, "log1p"),
    ({"entity_col": None}, "entity_col: give"),
    ({"timestamp_col": "host"}, "both 'host'"),
    ({"numeric": ("nope",)}, "numeric: no column 'nope' in the data"),
    ({"numeric": ("bytes",), "categorical": ("bytes",)}, "given twice"),
])
def test_bad_params(params: dict[str, object], match: str) -> None:
    kwargs = {"entity_col": "host", "timestamp_col": "ts", **params}
    ew = EntityWindows(**kwargs)  # type: ignore[arg-type]
    assert ew.get_params()["bucket"] == kwargs.get("bucket", "5min")  # stored as given
    with pytest.raises(InputError, match=match):
        ew.fit(_small())


def test_unfitted_and_state_round_trip() -> None:
    ew = EntityWindows("host", "ts", bucket="2min")
    with pytest.raises(NotFittedError):
        ew.transform(_small())
    ew.fit(_small())
    state = json.loads(json.dumps(ew.to_dict()))
    again = features_from_dict(state)
    assert type(again) is EntityWindows and again.get_params() == ew.get_params()
    np.testing.assert_array_equal(again.transform(_small()), ew.transform(_small()))
    state["feature_names"] = ["x"]
    with pytest.raises(InputError, match="malformed"):
        EntityWindows.from_dict(state)


@pytest.fixture(scope="module")
def scan() -> dict[str, object]:
    train, _ = port_scan_flows(days=2, scan_flows=0, seed=1)
    test, where = port_scan_flows(days=1, scan_flows=60, seed=2)
    return {"train": train, "test": test, "where": where}


def test_port_scan_found_by_entity_windows_not_by_rows(scan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    train, test, where = scan["train"], scan["test"], scan["where"]
    ae = AutoEncoder(hidden=(16, 8), epochs=30, verbose=0, random_state=0)
    pipe = Pipeline(ae, features=EntityWindows("src_ip", "ts", bucket="5min", **FLOW_COLS)).fit(train)
    keys, X = pipe.features_.transform_with_keys(test)
    scores = pipe.detector_.score(X)
    np.testing.assert_array_equal(scores, pipe.score(test))  # same order as Pipeline.score
    hit = ((keys["entity"] == where["host"])
           & (keys["bucket_start"] == pd.Timestamp(where["start"], unit="s"))).to_numpy()
    assert hit.sum() == 1 and keys.loc[hit, "rows"].item() >= where["rows"]
    assert int(np.argmax(scores)) == int(np.flatnonzero(hit)[0])  # ranked first of ~2,200 buckets
    assert pipe.predict(test)[hit].item() == 1
    assert pipe.predict(test).mean() < 0.05
    # the same autoencoder on the flow rows themselves: each scan flow looks like normal traffic
    rows = Pipeline(ae).fit(train.drop(columns=["ts"]))
    row_scores = rows.score(test.drop(columns=["ts"]))
    is_scan = where["is_scan"]
    row_auc = roc_auc_score(is_scan, row_scores)
    assert 0.55 < row_auc < 0.9, row_auc  # it sees something (misc flows are rarer), not the scan
    assert rows.predict(test.drop(columns=["ts"]))[is_scan == 1].mean() < 0.2
    assert roc_auc_score(hit, scores) - row_auc > 0.1
    # the artefact scores the buckets exactly as the live pipeline did
    pipe.save(tmp_path / "m")
    back = load(tmp_path / "m")
    assert isinstance(back.features_, EntityWindows)
    np.testing.assert_array_equal(back.score(test), scores)


def test_explain_buckets_uses_the_pipelines_scores(scan) -> None:  # type: ignore[no-untyped-def]
    from hourglass.explain import explain_buckets, explain_rows

    ae = AutoEncoder(hidden=(16, 8), epochs=30, verbose=0, random_state=1)
    pipe = Pipeline(ae, features=EntityWindows("src_ip", "ts", bucket="5min", **FLOW_COLS)).fit(scan["train"])
    every = explain_buckets(pipe, scan["test"], top=1)
    np.testing.assert_array_equal(every["score"].to_numpy(), pipe.score(scan["test"]))
    flagged = explain_buckets(pipe, scan["test"], top=1, flagged_only=True)
    assert (flagged["flag"] == 1).all() and len(flagged) == int(every["flag"].sum())
    top = flagged.loc[flagged["score"].idxmax()]
    assert (top["entity"], top["top_feature"]) == (scan["where"]["host"], "dst_port:distinct")
    assert top["why"].startswith("distinct dst_port=") and top["why"].count("%") == 1
    with pytest.raises(InputError, match="explain_buckets"):
        explain_rows(pipe, scan["test"])
