"""The scoring service (API key, limits, schemas, several models, metrics, drift) and
``hourglass serve``: each test is a defect a user saw, kept fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli.app import app as cli
from hourglass.serve import create_app

KEY = "svc9-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
runner = CliRunner()


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("svc9")
    df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df).save(d / "m")
    return d / "m"


@pytest.fixture(scope="module")
def client(model: Path) -> TestClient:
    return TestClient(create_app(model, api_key=KEY, max_rows=20), raise_server_exceptions=False)


def test_max_body_mb_whose_bytes_overflow_is_one_line(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # --max-body-mb 1e308 is finite, but 1e308 MB in bytes is not: int(inf) raised an
    # OverflowError traceback; now the one-line refusal of any other unusable size
    from hourglass.cli import serve as serve_cli

    monkeypatch.setattr(serve_cli, "run_server", lambda *a, **kw: pytest.fail("served"))
    monkeypatch.setenv("HOURGLASS_API_KEY", KEY)
    res = runner.invoke(cli, ["serve", str(model), "--port", "0", "--max-body-mb", "1e308", "-q"])
    assert res.exit_code == 2, res.output
    assert "--max-body-mb: 1e+308 MB is more bytes than a number holds" in res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def _post_raw(client: TestClient, raw: bytes, path: str = "/score") -> Any:
    return client.post(path, content=raw, headers={**AUTH, "Content-Type": "application/json"})


def test_lone_surrogate_in_a_field_is_scored_as_score_and_stream_read_it(client: TestClient) -> None:
    # a lone surrogate escape ("\ud800": a user agent cut inside an emoji) is valid JSON that
    # 'hourglass score' and 'stream' read (kept as its escape); the service refused the whole
    # body as "not valid JSON (unexpected end of hex escape ...)"
    lone = _post_raw(client, b'{"rows": [{"bytes": 1, "proto": "t\\ud800cp", "\\udc00": 2}]}')
    text = _post_raw(client, b'{"rows": [{"bytes": 1, "proto": "t\\\\ud800cp"}]}')  # the escape as text
    assert lone.status_code == 200, lone.text
    assert lone.json() == text.json()
    ecs = _post_raw(client, b'{"rows": [{"bytes": 9e9, "proto": "\\ud83d", "ua": "x\\ud83d"}], '
                            b'"alert_format": "ecs"}')
    assert ecs.status_code == 200 and ecs.json()["count"] == 1, ecs.text
    assert ecs.json()["alerts"][0]["hourglass"]["fields"]["ua"] == "x\\ud83d"
    # the body's other faults are still named, not the surrogate
    bad = _post_raw(client, b'{"rows": [{"bytes": "lots", "proto": "\\ud800"}]}')
    assert bad.status_code == 422 and bad.json()["detail"].startswith("column 'bytes'"), bad.text
    cut = _post_raw(client, b'{"rows": [{"bytes": 1, "proto": "\\ud800"}]')
    assert cut.status_code == 400 and "hex escape" not in cut.json()["detail"], cut.text
    assert cut.json()["detail"].startswith("body: not valid JSON (")


@pytest.fixture(scope="module")
def audit_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.test_auditd import _event

    d = tmp_path_factory.mktemp("svc9_audit")
    rng = np.random.default_rng(0)
    (d / "audit.log").write_text("".join(line + "\n" for i in range(150) for line in _event(rng, i)))
    res = runner.invoke(cli, ["train", str(d / "audit.log"), "--epochs", "1", "--hidden", "4,2", "-q",
                              "-o", str(d / "model")])
    assert res.exit_code == 0, res.output
    return d / "model"


def test_audit_lines_that_make_no_event_name_lines_not_rows(audit_model: Path) -> None:
    # an audit model's request of EOE records only (the end of an event sent in the request
    # before) makes no event: the answer was "rows: no rows to score (empty list)", a field
    # this body has not
    client = TestClient(create_app(audit_model, api_key=KEY), raise_server_exceptions=False)
    for fmt in ("hourglass", "ecs"):
        r = client.post("/score", json={"lines": ["type=EOE msg=audit(1700000000.123:4242):"] * 2,
                                        "alert_format": fmt}, headers=AUTH)
        assert r.status_code == 422, r.text
        assert r.json()["detail"].startswith("lines: no event to score in the 2 line(s)"), r.text


def test_keys_of_a_body_without_rows_are_quoted_bounded(client: TestClient) -> None:
    # a body without 'rows' had its first keys quoted whole: a 100,000-character key made a
    # 100 kB 'detail' (up to the body limit), where every other quoted client value is bounded
    for body in ({"k" * 100_000: 1}, {"lines": ["x"], "k" * 100_000: 1}):
        r = client.post("/score", json=body, headers=AUTH)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert len(detail) < 300 and "(100,000 characters)" in detail, detail
        assert detail.endswith("but no 'rows' (GET /health says what this model takes)")


def test_entity_rows_read_a_nested_object_by_its_path_as_documented(tmp_path: Path) -> None:
    # /docs said an entity request's "nested object or array is read as its JSON text"; its
    # rows are read as score and stream read JSON lines: an object's fields are columns named
    # by their path ({"src": {"ip": ...}} is src.ip), an array is its JSON text
    import json

    from hourglass.ingest.synthetic import port_scan_flows
    from hourglass.serve.schemas import EntityRequest

    flows, _ = port_scan_flows(hosts=2, days=0.1, scan_flows=0, seed=1)
    rows = [{**{k: v for k, v in r.items() if k != "src_ip"}, "src": {"ip": r["src_ip"]}}
            for r in flows.to_dict("records")]
    (tmp_path / "flows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(cli, ["train", str(tmp_path / "flows.jsonl"), "--entity-col", "src.ip",
                              "--timestamp-col", "ts", "--bucket", "5min", "--epochs", "1", "--hidden",
                              "4,2", "-q", "-o", str(tmp_path / "M")])
    assert res.exit_code == 0, res.output
    client = TestClient(create_app(tmp_path / "M", api_key=KEY), raise_server_exceptions=False)
    nested = client.post("/score", json={"rows": rows[:30]}, headers=AUTH)
    dotted = [{**{k: v for k, v in r.items() if k != "src"}, "src.ip": r["src"]["ip"]} for r in rows[:30]]
    flat = client.post("/score", json={"rows": dotted}, headers=AUTH)
    assert nested.status_code == 200 and nested.json() == flat.json(), nested.text
    assert {b["entity"] for b in nested.json()["buckets"]} <= set(flows["src_ip"])
    described = EntityRequest.model_fields["rows"].description or ""
    assert "named by their path" in described and "object or array is read as its JSON" not in described


@pytest.mark.parametrize(("sent", "shown"), [(None, "null"), (True, "true"), (2, "2"), ([1], "an array"),
                                             ("cef", "'cef'")])
def test_a_wrong_alert_format_is_named_in_json_words(client: TestClient, sent: Any, shown: str) -> None:
    # "alert_format": null was answered "got 'None'" (and true "got 'True'"): Python's words,
    # quoted as if the client had sent that text
    r = client.post("/score", json={"rows": [{"bytes": 1, "proto": "tcp"}], "alert_format": sent},
                    headers=AUTH)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == f"alert_format: expected 'hourglass' or 'ecs', got {shown}"


def test_lone_surrogate_body_keeps_the_json_limits_and_words(client: TestClient) -> None:
    # the surrogate's second parse (Python's json) took nesting pydantic refuses (400) and
    # validated it as Python objects: an ECS answer then failed to serialise, a 500
    deep = b"[" * 300 + b"]" * 300
    for proto in (b'"tcp"', b'"\\ud800"'):
        res = _post_raw(client, b'{"rows": [{"bytes": 9e9, "proto": ' + proto + b', "deep": ' + deep
                        + b'}], "alert_format": "ecs"}')
        assert res.status_code == 400, res.text
        # (valid JSON, nested past the parser's 200 levels: said so, not 'not valid JSON')
        assert res.json()["detail"].startswith("body: JSON nested deeper than 200 levels ("), res.text
    # Python's messages that end in ' at' were followed by ' at line ...': 'at at'
    res = _post_raw(client, b'{"rows": [{"bytes": 1, "proto": "\\ud800", "c": "a\tb"}]}')
    assert res.status_code == 400 and " at at " not in res.json()["detail"], res.text
    assert "Invalid control character at line 1" in res.json()["detail"]
