"""``"alert_format": "ecs"`` on the scoring service: the flagged rows, time steps and sessions as
ECS alert documents (the checks of tests/test_ecs.py), the default answer unchanged, the key and
the limits still applied."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass.cli.app import app as cli
from hourglass.detectors.deeplog import DeepLog
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline
from hourglass.serve import create_app
from tests.test_ecs import _flows, check_document
from tests.test_stream_logs import REGEX, live_log

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
runner = CliRunner()


def _post(client: TestClient, body: dict[str, Any], headers: dict[str, str] = AUTH) -> Any:
    return client.post("/score", json=body, headers=headers)


def _hash(model: Path) -> str:
    return json.loads((model / "config.json").read_text())["content_hash"]


def _iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    """A flow autoencoder with a timestamp column (ts), src_ip and site dropped from the features."""
    d = tmp_path_factory.mktemp("serve_ecs")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(cli, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign",
                              "--timestamp-col", "ts", "--drop", "src_ip", "--drop", "site", "-q"])
    assert res.exit_code == 0, res.output
    with TestClient(create_app(d / "model", api_key=KEY, max_body_bytes=40_000, max_rows=80)) as c:
        yield c, d / "model"


def test_table_rows_as_ecs_alerts(table: tuple[TestClient, Path]) -> None:
    client, model = table
    rows = _flows(60, 1, attacks=12).drop(columns=["label"]).to_dict("records")
    plain = _post(client, {"rows": rows, "explain": 2})
    default = _post(client, {"rows": rows, "explain": 2, "alert_format": "hourglass"})
    assert plain.status_code == 200 and plain.json() == default.json()  # the default: unchanged
    assert set(plain.json()) == {"scores", "flags", "calibrated", "severity", "top_column", "why"}
    got = plain.json()
    r = _post(client, {"rows": rows, "explain": 2, "alert_format": "ecs"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert set(answer) == {"alerts", "count", "rows"} and answer["rows"] == 60
    flagged = [i for i, f in enumerate(got["flags"]) if f == 1]
    assert len(flagged) >= 10 and answer["count"] == len(answer["alerts"]) == len(flagged)
    assert [d["hourglass"]["row"] for d in answer["alerts"]] == flagged  # flagged rows only, in order
    for doc in answer["alerts"]:
        check_document(doc)
        i = doc["hourglass"]["row"]
        assert doc["rule"] == {"name": "autoencoder", "id": _hash(model), "ruleset": "hourglass"}
        assert doc["hourglass"]["score"] == got["scores"][i] and doc["hourglass"]["why"] == got["why"][i]
        assert doc["event"]["risk_score"] == round(got["calibrated"][i] * 100, 2)
        # non-feature keys: src_ip -> source.ip, site -> hourglass.fields; proto, a feature with
        # an ECS name -> network.transport; the other features are not copied
        assert doc["source"]["ip"] == rows[i]["src_ip"] and doc["network"]["transport"] == rows[i]["proto"]
        assert doc["hourglass"]["fields"] == {"site": "lab"} and "bytes" not in json.dumps(doc["source"])
        assert doc["@timestamp"] == _iso(rows[i]["ts"]) and doc["hourglass"]["timestamp_from"] == "data"
        assert "network" in doc["event"]["category"] and got["why"][i] in doc["message"]


def test_table_rows_without_their_time_and_with_a_bad_one(table: tuple[TestClient, Path]) -> None:
    client, _ = table
    rows = _flows(10, 2, attacks=2).drop(columns=["ts", "label"]).to_dict("records")
    before = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    answer = _post(client, {"rows": rows, "alert_format": "ecs"}).json()
    assert answer["count"] >= 1
    for doc in answer["alerts"]:  # no ts in the row: the scoring time
        check_document(doc)
        assert doc["hourglass"]["timestamp_from"] == "scoring" and doc["@timestamp"] >= before
        assert "why" not in doc["hourglass"]  # no explain asked
    rows[0]["ts"] = "yesterday"
    r = _post(client, {"rows": rows, "alert_format": "ecs"})
    assert r.status_code == 422 and r.json()["detail"].startswith("column 'ts': row 1 is not a timestamp")
    assert _post(client, {"rows": rows}).status_code == 200  # the default answer never reads ts


def test_alert_format_on_health_docs_and_bad_values(table: tuple[TestClient, Path]) -> None:
    client, _ = table
    assert client.get("/health").json()["alert_formats"] == ["hourglass", "ecs"]
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["ScoreRequest"]["properties"]["alert_format"]["enum"] == [
        "hourglass", "ecs"]
    answers = spec["paths"]["/score"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert [a["$ref"].rsplit("/", 1)[1] for a in answers["anyOf"]] == ["ScoreResponse", "EcsResponse"]
    assert "alerts" in spec["components"]["schemas"]["EcsResponse"]["properties"]
    rows = _flows(3, 3).to_dict("records")
    for bad in ("ECS", "cef", 1, None):
        r = _post(client, {"rows": rows, "alert_format": bad})
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert detail.startswith("alert_format: expected 'hourglass' or 'ecs', got") and "\n" not in detail


def test_ecs_requests_keep_the_key_and_the_limits(table: tuple[TestClient, Path]) -> None:
    client, _ = table
    rows = _flows(81, 4).to_dict("records")
    assert _post(client, {"rows": rows[:5], "alert_format": "ecs"}, headers={}).status_code == 401
    assert _post(client, {"rows": rows[:5], "alert_format": "ecs"},
                 headers={"X-API-Key": "wrong-key-0123456789"}).status_code == 401
    r = _post(client, {"rows": rows, "alert_format": "ecs"})  # 81 rows, limit 80
    assert r.status_code == 413 and "too many rows (81" in r.json()["detail"]
    big = {"rows": rows[:5], "alert_format": "ecs", "pad": "x" * 50_000}
    r = client.post("/score", content=json.dumps(big), headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413


@pytest.fixture(scope="module")
def log_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    train = live_log(120, seed=10, broken_ones=False)[0]
    dl = DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=30, lr=0.02, verbose=0)
    path = tmp_path_factory.mktemp("serve_ecs_log") / "deeplog"
    Pipeline(detector=dl, features=EventSessions(format="hdfs", session_regex=REGEX)).fit(train).save(path)
    with TestClient(create_app(path, api_key=KEY, max_rows=500)) as c:
        c.model_path = path  # type: ignore[attr-defined]
        yield c


def test_log_sessions_as_ecs_alerts(log_client: TestClient) -> None:
    lines, broken = live_log(20, seed=7)
    lines = [*lines, "not a log line"]
    plain = _post(log_client, {"lines": lines})
    assert plain.status_code == 200 and set(plain.json()) == {"sessions", "unparsed_lines",
                                                              "unknown_templates", "parse"}
    got = plain.json()
    flagged = [s for s in got["sessions"] if s["flag"] == 1]
    assert flagged and {s["session"] for s in flagged} <= broken
    for explain in (True, False):
        r = _post(log_client, {"lines": lines, "alert_format": "ecs", "explain": explain})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["sessions"] == len(got["sessions"]) and answer["count"] == len(flagged)
        assert answer["unparsed_lines"] == got["unparsed_lines"] == 1 and answer["parse"] == got["parse"]
        assert [d["hourglass"]["session"] for d in answer["alerts"]] == [s["session"] for s in flagged]
        for doc, s in zip(answer["alerts"], flagged, strict=True):
            check_document(doc, "hourglass.log")
            assert doc["rule"]["id"] == _hash(log_client.model_path)  # type: ignore[attr-defined]
            assert doc["hourglass"]["score"] == s["score"] and doc["hourglass"]["timestamp_from"] == "scoring"
            assert f"anomalous log session {s['session']}" in doc["message"]
            assert ("unexpected event" in doc["message"]) is explain
            assert ("unexpected" in doc["hourglass"]) is explain


def test_series_steps_as_ecs_alerts(tmp_path: Path) -> None:
    t = np.arange(160)
    stamps = pd.Timestamp("2020-03-09 10:00:00") + pd.to_timedelta(t, unit="min")
    df = pd.DataFrame({"ts": stamps.strftime("%Y-%m-%d %H:%M:%S"), "a": np.sin(t / 5), "b": np.cos(t / 5)})
    df.to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(cli, ["train", str(tmp_path / "train.csv"), "--timestamp-col", "ts", "--model",
                              "lstm-ae", "--epochs", "2", "--window", "8", "-o", str(tmp_path / "M"), "-q"])
    assert res.exit_code == 0, res.output
    test = df.iloc[:40].copy()
    test.loc[30:33, "a"] = 8.0  # a burst never seen in training
    rows = test.to_dict("records")
    with TestClient(create_app(tmp_path / "M", api_key=KEY)) as client:
        got = _post(client, {"rows": rows}).json()
        r = _post(client, {"rows": rows, "alert_format": "ecs", "explain": 1})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert set(answer) == {"alerts", "count", "rows", "steps"}
    assert (answer["rows"], answer["steps"]) == (40, 40)
    flagged = [i for i, f in enumerate(got["flags"]) if f == 1]  # one row per step here
    assert 30 in flagged and [d["hourglass"]["rows"] for d in answer["alerts"]] == [[i] for i in flagged]
    for doc in answer["alerts"]:
        check_document(doc, "hourglass.timeseries")
        i = doc["hourglass"]["rows"][0]
        assert doc["rule"]["id"] == _hash(tmp_path / "M") and doc["hourglass"]["score"] == got["scores"][i]
        stamp = pd.Timestamp(rows[i]["ts"]).isoformat(timespec="milliseconds") + "Z"
        assert doc["@timestamp"] == stamp and doc["hourglass"]["timestamp_from"] == "data"
        assert "time step" in doc["message"] and doc["hourglass"]["top_channel"] in ("a", "b")


def test_rows_of_a_resampled_step_share_one_alert(tmp_path: Path) -> None:
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.serve import load_scorer
    from hourglass.serve.ecs import AlertRule

    t = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(0, 4000, 30), unit="s")
    train = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(len(t)) / 6)})
    Pipeline(LSTMAutoEncoder(window=6, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor("ts", freq="1min")).fit(train).save(tmp_path / "m")
    scorer = load_scorer(tmp_path / "m")
    rows = train.iloc[:40].to_dict("records")  # two rows per one-minute step
    rows[20]["cpu"] = rows[21]["cpu"] = 50.0  # the step of 00:10
    sent = rows[::-1]  # newest first: rows 20 and 21 are sent 19th and 18th
    answer = scorer.score_ecs(sent, AlertRule.from_model(tmp_path / "m", scorer.pipeline))
    got = scorer.score(sent)
    assert (answer["rows"], answer["steps"]) == (40, 20)
    stamps = [d["@timestamp"] for d in answer["alerts"]]
    assert len(set(stamps)) == len(stamps) == answer["count"]  # one alert per flagged step
    assert sum(len(d["hourglass"]["rows"]) for d in answer["alerts"]) == sum(got["flags"])
    spike = answer["alerts"][stamps.index("2024-01-01T00:10:00.000Z")]
    assert sorted(spike["hourglass"]["rows"]) == [18, 19] and spike["hourglass"]["score"] == got["scores"][18]
    check_document(spike, "hourglass.timeseries")
