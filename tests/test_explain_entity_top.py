"""An entity-bucket explanation names the value on top of a top-value share (``top
dst_ip=10.0.0.9 share=0.86``, ``top user=<missing> share=0.98``), the value whose share the
aggregation counted, and says it the same in ``hourglass explain``, ``stream --explain`` and the
service."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import AutoEncoder
from hourglass.explain import bucket_reasons, top_values
from hourglass.features.entity import EntityWindows
from hourglass.ingest.synthetic import port_scan_flows
from hourglass.serve import create_app
from tests._cli import runner

KEY = "test-key-0123456789abcdef"


def _planted() -> pd.DataFrame:
    """Host a: dst 10.0.0.9 on 6 of 7 rows; host b: user absent on 4 of 5 rows (one empty);
    host c: three values once each (a tie); host d: ``80`` / ``80.0`` / `` 80 `` are one value."""
    rows = [("a", t, "10.0.0.9" if t != 3 else "10.0.0.1", "u1") for t in range(7)]
    rows += [("b", t, "10.0.0.2", None if t < 3 else ("" if t == 3 else "admin")) for t in range(5)]
    rows += [("c", t, ip, "u2") for t, ip in enumerate(["10.0.0.7", "10.0.0.5", "10.0.0.6"])]
    rows += [("d", t, v, "u3") for t, v in enumerate([80, "80.0", " 80 ", "443"])]
    return pd.DataFrame(rows, columns=["host", "ts", "dst", "user"])


def test_top_values_names_the_value_whose_share_is_counted() -> None:
    df = _planted()
    ew = EntityWindows("host", "ts", categorical=("dst", "user")).fit(df)
    agg = ew.aggregate(df)
    assert agg["entity"].tolist() == ["a", "b", "c", "d"]
    assert top_values(ew, df, agg, "dst") == ["10.0.0.9", "10.0.0.2", "10.0.0.7 (+2 tied)", "80"]
    assert top_values(ew, df, agg, "user") == ["u1", "<missing>", "u2", "u3"]
    assert agg["user:top_share"].tolist()[1] == pytest.approx(4 / 5)  # 3 absent + 1 empty
    # only the buckets asked for are counted, in their order
    assert top_values(ew, df, agg.iloc[[3, 1]], "dst") == ["80", "10.0.0.2"]
    with pytest.raises(ValueError, match="not the table rows"):
        top_values(ew, df.iloc[1:], agg, "dst")


def test_the_named_values_share_is_the_aggregated_share() -> None:
    rng = np.random.default_rng(0)
    n = 3000
    values = np.array(["x", "y", "z", "", None, 7, 7.0, "7"], dtype=object)
    df = pd.DataFrame({"host": rng.choice(["h1", "h2", "h3", None], n), "ts": rng.uniform(0, 3600, n),
                       "v": values[rng.integers(0, len(values), n)]})
    ew = EntityWindows("host", "ts", bucket="1min", categorical=("v",)).fit(df)
    agg = ew.aggregate(df)
    named = [t.split(" (+")[0] for t in top_values(ew, df, agg, "v")]
    ent, start = ew.row_keys(df)
    text = pd.Series(df["v"], dtype=object).map(lambda x: "<missing>" if x is None or str(x).strip() == ""
                                                else str(x).strip().removesuffix(".0"))
    for (e, s, rows, share), value in zip(agg[["entity", "bucket_start", "rows", "v:top_share"]].itertuples(
            index=False), named, strict=True):
        mine = (ent == e) & (start == s)
        assert int(mine.sum()) == rows
        assert (text[mine] == value).sum() / rows == share, (e, s, value)


def test_bucket_reasons_name_a_real_and_a_missing_top_value() -> None:
    flows, _ = port_scan_flows(hosts=4, days=0.5, scan_flows=0, seed=3)
    flows["user"] = np.where(np.arange(len(flows)) % 2 == 0, "svc", "adm")
    ew = EntityWindows("src_ip", "ts", bucket="5min", categorical=("dst_ip", "user"))
    pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=3, verbose=0, random_state=0), features=ew).fit(flows)
    t0 = (float(flows["ts"].max()) // 300 + 12) * 300  # a bucket of its own
    planted = pd.DataFrame({"ts": t0 + np.arange(50.0), "src_ip": "10.0.0.66", "dst_ip": "10.0.0.9",
                            "dst_port": 445, "proto": "tcp", "bytes": 100, "packets": 1, "duration": 0.1,
                            "user": [None] * 49 + ["svc"]})
    df = pd.concat([flows.head(200), planted], ignore_index=True)
    agg = pipe.features_.aggregate(df)
    X = pipe.features_.encode(agg)
    every = len(pipe.features_.feature_names_)
    why = bucket_reasons(pipe, agg, X, rows=df, top=every)
    plain = bucket_reasons(pipe, agg, X, top=every)
    mine = why["why"][agg["entity"] == "10.0.0.66"].iloc[0]
    assert "top dst_ip=10.0.0.9 share=1.00 (" in mine and "top user=<missing> share=0.98 (" in mine
    assert "top user share=0.98 (" in plain["why"][agg["entity"] == "10.0.0.66"].iloc[0]
    assert (why["top_feature"] == plain["top_feature"]).all()
    assert why["why"].str.count("%").eq(plain["why"].str.count("%")).all()


@pytest.fixture(scope="module")
def sparse(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("top_value")
    train, _ = port_scan_flows(hosts=4, days=1.0, scan_flows=0, seed=1)
    test, _ = port_scan_flows(hosts=4, days=0.3, scan_flows=60, scan_day=0, seed=2)
    for df in (train, test):  # a sparse field: absent from most rows
        df["user"] = np.where(np.arange(len(df)) % 5 == 0, "svc", None)
    test = test.sort_values("ts", kind="stable").reset_index(drop=True)
    train.to_csv(d / "train.csv", index=False)
    test.to_csv(d / "test.csv", index=False)
    rows = [{k: v for k, v in r.items() if v is not None and v == v} for r in test.to_dict("records")]
    (d / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "src_ip", "--timestamp-col",
                              "ts", "--bucket", "5min", "-o", str(d / "M"), "--epochs", "10",
                              "--hidden", "16,8", "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M", "rows": rows}


def test_explain_stream_and_service_name_the_same_top_values(sparse: dict[str, Any]) -> None:
    d, top = sparse["dir"], "30"  # every feature shown: the top shares among them
    res = runner.invoke(app, ["explain", str(sparse["model"]), str(d / "test.csv"), "--top", top,
                              "-o", str(d / "why.jsonl"), "--limit", "0", "-q"])
    assert res.exit_code == 0, res.output
    want = {(r["entity"], r["bucket_start"]): r["why"]
            for r in map(json.loads, (d / "why.jsonl").read_text().splitlines())}
    assert want and all("top user=<missing> share=" in w or "top user=svc" in w for w in want.values())
    assert any("top dst_ip=10.0.1." in w for w in want.values())
    res = runner.invoke(app, ["stream", str(sparse["model"]), "--input", str(d / "test.jsonl"),
                              "--explain", top])
    assert res.exit_code == 0, res.output
    streamed = {(r["entity"], r["bucket_start"]): r["why"]
                for r in map(json.loads, res.stdout.splitlines()) if r["flag"] == 1}
    assert streamed == want
    with TestClient(create_app(sparse["model"], api_key=KEY, max_rows=20_000)) as client:
        got = client.post("/score", json={"rows": sparse["rows"], "explain": int(top)},
                          headers={"X-API-Key": KEY}).json()["buckets"]
    assert {(b["entity"], b["bucket_start"]): b["why"] for b in got if b["flag"]} == want


def test_an_infinite_aggregate_is_named_not_a_traceback(sparse: dict[str, Any]) -> None:
    # 'inf' in a numeric field is the scale's extreme when scored; naming its bucket's sum in an
    # explanation once called round(inf): a traceback in explain, stream --explain and a 500
    d = sparse["dir"]
    test = pd.read_csv(d / "test.csv")
    test["bytes"] = test["bytes"].astype(float)
    test.loc[3, "bytes"] = np.inf
    test.to_csv(d / "inf.csv", index=False)
    res = runner.invoke(app, ["explain", str(sparse["model"]), str(d / "inf.csv"), "--top", "30",
                              "--method", "gradients", "-o", str(d / "why_inf.jsonl"), "--limit", "0", "-q"])
    assert res.exit_code == 0, res.output
    whys = [json.loads(line)["why"] for line in (d / "why_inf.jsonl").read_text().splitlines()]
    assert any("=inf" in w for w in whys)
    rows = [dict(r, bytes=1e308) if i < 3 else r for i, r in enumerate(sparse["rows"])]
    with TestClient(create_app(sparse["model"], api_key=KEY, max_rows=20_000)) as client:
        res = client.post("/score", json={"rows": rows, "explain": 30}, headers={"X-API-Key": KEY})
    assert res.status_code == 200, res.text
