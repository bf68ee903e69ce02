"""The scoring service for entity-bucket models: JSON rows grouped per (entity, bucket) within a
request, with the numbers, explanations and ECS documents 'hourglass score' / 'explain' give."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass.cli import app as cli
from hourglass.ingest.synthetic import port_scan_flows
from hourglass.serve import create_app
from tests._cli import runner

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
FAST = ["--epochs", "20", "--hidden", "16,8", "-q"]


def _ok(args: list[Any]) -> None:
    res = runner.invoke(cli, [str(a) for a in args])
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("serve_entity")
    train, _ = port_scan_flows(hosts=5, days=1.5, scan_flows=0, seed=1)
    train.to_csv(d / "train.csv", index=False)
    test, scan = port_scan_flows(hosts=5, days=0.5, scan_flows=60, scan_day=0, seed=2)
    test = test.sort_values("ts", kind="stable").reset_index(drop=True)
    rows = test.to_dict("records")
    (d / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))  # floats round-trip
    _ok(["train", d / "train.csv", "--entity-col", "src_ip", "--timestamp-col", "ts", "--bucket",
         "5min", "-o", d / "M", *FAST])
    return {"dir": d, "model": d / "M", "jsonl": d / "test.jsonl", "rows": rows,
            "scan": ("10.0.0.3", pd.Timestamp(scan["start"], unit="s").strftime("%Y-%m-%dT%H:%M:%S"))}


@pytest.fixture(scope="module")
def client(kit: dict[str, Any]) -> Iterator[TestClient]:
    with TestClient(create_app(kit["model"], api_key=KEY, max_rows=20_000)) as c:
        yield c


def _post(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post("/score", json=body, headers=AUTH)


def test_health_docs_and_the_scorer_of_an_entity_model(client: TestClient, kit: dict[str, Any]) -> None:
    from hourglass.errors import InputError
    from hourglass.serve import EntityScorer, TableScorer, load_scorer

    body = client.get("/health").json()
    assert (body["input"], body["entity_column"], body["timestamp_column"], body["bucket"]) == (
        "entity", "src_ip", "ts", "5min")
    roles = {c["name"]: c["role"] for c in body["columns"]}
    assert (roles["src_ip"], roles["ts"], roles["bytes"], roles["dst_port"]) == (
        "entity", "timestamp", "aggregated", "distinct")
    assert "within this request only" in body["request"] and body["explain"] is True
    assert body["drift"]["expected_rate"] > 0
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"rows", "explain", "explain_all", "alert_format"} <= set(schema["EntityRequest"]["properties"])
    assert "EntityResponse" in schema and "BucketScore" in schema
    assert isinstance(load_scorer(kit["model"]), EntityScorer)
    with pytest.raises(InputError, match=r"TableScorer serves table models; this model .* reads entity"):
        TableScorer(kit["model"])


def test_buckets_score_as_hourglass_score_does_and_the_scan_is_flagged(
        client: TestClient, kit: dict[str, Any]) -> None:
    out = kit["dir"] / "scored.parquet"  # parquet: the floats exactly as written
    _ok(["score", kit["model"], kit["jsonl"], "-o", out, "-q"])
    scored = pd.read_parquet(out)
    for c in ("bucket_start", "bucket_end"):  # Parquet's time columns, the service's ISO text
        scored[c] = scored[c].dt.strftime("%Y-%m-%dT%H:%M:%S")
    want = scored.to_dict("records")
    r = _post(client, {"rows": kit["rows"]})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["rows"] == len(kit["rows"]) and got["buckets"] == want  # every field, bit for bit
    top = max(got["buckets"], key=lambda b: b["score"])
    assert (top["entity"], top["bucket_start"], top["flag"]) == (*kit["scan"], 1)
    assert sum(b["flag"] for b in got["buckets"]) < 0.05 * len(got["buckets"])
    metrics = client.get("/metrics", headers=AUTH).text
    assert f'hourglass_scored_total{{unit="buckets"}} {len(want)}' in metrics
    assert client.get("/health").json()["drift"]["rows"] == len(want)  # the drift check counts buckets


def test_a_bucket_split_over_two_requests_is_scored_as_two_partial_buckets(
        client: TestClient, kit: dict[str, Any]) -> None:
    start = pd.Timestamp(kit["scan"][1]).timestamp()
    scan = [r for r in kit["rows"] if r["src_ip"] == kit["scan"][0] and start <= r["ts"] < start + 300]
    whole = _post(client, {"rows": scan}).json()["buckets"]
    halves = [_post(client, {"rows": part}).json()["buckets"] for part in (scan[:10], scan[10:])]
    assert len(whole) == 1 and whole[0]["flag"] == 1 and whole[0]["rows"] == len(scan)
    assert [len(h) for h in halves] == [1, 1] and [h[0]["rows"] for h in halves] == [10, len(scan) - 10]
    assert halves[0][0]["score"] < whole[0]["score"]  # ten rows of a scan look less like one


def test_explain_names_what_hourglass_explain_names(client: TestClient, kit: dict[str, Any]) -> None:
    why = kit["dir"] / "why.jsonl"
    _ok(["explain", kit["model"], kit["jsonl"], "--top", "2", "-o", why, "--limit", "0", "-q"])
    want = [json.loads(line) for line in why.read_text().splitlines()]
    got = _post(client, {"rows": kit["rows"], "explain": 2}).json()["buckets"]
    assert [(b["entity"], b["bucket_start"], b["top_feature"], b["why"]) for b in got if b["flag"]] == [
        (w["entity"], w["bucket_start"], w["top_feature"], w["why"]) for w in want]
    assert all("why" not in b for b in got if not b["flag"])  # not explained: left out
    scan = next(b for b in got if (b["entity"], b["bucket_start"]) == kit["scan"])
    assert "distinct dst_port=" in scan["why"]
    some = kit["rows"][:40]
    every = _post(client, {"rows": some, "explain": 1, "explain_all": True}).json()["buckets"]
    assert every and all(b["why"] and b["why"].count("%") == 1 for b in every)


def test_ecs_alerts_are_the_documents_score_writes(client: TestClient, kit: dict[str, Any]) -> None:
    out = kit["dir"] / "alerts.ecs.jsonl"
    _ok(["score", kit["model"], kit["jsonl"], "-o", out, "--alert-format", "ecs", "-q"])

    def timeless(doc: dict[str, Any]) -> dict[str, Any]:  # event.created: when it was scored
        return {**doc, "event": {k: v for k, v in doc["event"].items() if k != "created"}}

    want = [timeless(json.loads(line)) for line in out.read_text().splitlines()]
    got = _post(client, {"rows": kit["rows"], "alert_format": "ecs"}).json()
    assert [timeless(d) for d in got["alerts"]] == want and got["count"] == len(want) > 0
    assert got["rows"] == len(kit["rows"]) and got["buckets"] > got["count"]
    explained = _post(client, {"rows": kit["rows"], "alert_format": "ecs", "explain": 2}).json()
    scan = next(d for d in explained["alerts"] if d["hourglass"]["entity"] == kit["scan"][0]
                and d["hourglass"]["bucket_start"] == kit["scan"][1])
    assert scan["source"] == {"ip": kit["scan"][0]} and scan["event"]["dataset"] == "hourglass.entity"
    assert "distinct dst_port=" in scan["hourglass"]["why"] and scan["hourglass"]["why"] in scan["message"]


@pytest.mark.parametrize(("edit", "detail"), [
    (lambda rows: [], "rows: no rows to score (empty list)"),
    (lambda rows: [{k: v for k, v in r.items() if k != "src_ip"} for r in rows],
     "no column 'src_ip' in the data: the model's entity column"),
    (lambda rows: [{k: v for k, v in r.items() if k != "ts"} for r in rows],
     "no column 'ts' in the data: the model's timestamp column"),
    (lambda rows: [rows[0], {**rows[1], "ts": "soon"}, *rows[2:]],
     "column 'ts': row 2 is not a timestamp ('soon'"),
    (lambda rows: [rows[0], {k: v for k, v in rows[1].items() if k != "ts"}],
     "row 2: no value for 'ts' (the model's timestamp column)"),
    (lambda rows: [{**rows[0], "bytes": "lots"}], "column 'bytes': row 1 is not a number ('lots')"),
])
def test_bad_entity_requests_get_one_line(client: TestClient, kit: dict[str, Any], edit: Any,
                                          detail: str) -> None:
    r = _post(client, {"rows": edit(kit["rows"][:5])})
    assert r.status_code == 422 and r.json()["detail"].startswith(detail), r.text
    assert "\n" not in r.json()["detail"]


def test_cli_serve_names_what_an_entity_model_takes(kit: dict[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.cli import serve as serve_cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kw: seen.update(app=app, **kw))
    res = runner.invoke(cli, ["serve", str(kit["model"]), "--port", "0"], env={"HOURGLASS_API_KEY": KEY})
    assert res.exit_code == 0, res.output
    assert "(autoencoder, rows per (src_ip, 5min bucket))" in " ".join(res.stderr.split())
    assert seen["app"].state.scorer.kind == "entity"
