"""One service of several models (``hourglass serve zeek=DIR audit=DIR``) through FastAPI's
in-process TestClient: each model answers on /models/NAME/... as a one-model service of it does."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli.app import app as cli
from hourglass.serve import create_app, create_models_app
from hourglass.serve.suppress import load_suppressions
from tests._cli import one_line_error
from tests.test_logs import hdfs_log

KEY = "multi-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
runner = CliRunner()


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(6, 1, n).round(),
                         "rate": rng.uniform(0, 1, n)})


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two table models (Zeek-like flows, VPC-like flows), a log model and a rules file."""
    d = tmp_path_factory.mktemp("multi")
    for name, seed in (("zeek", 0), ("vpc", 1)):
        Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0, random_state=seed)).fit(
            _flows(300, seed)).save(d / name)
    (d / "train.log").write_text("\n".join(hdfs_log(40)) + "\n")
    res = runner.invoke(cli, ["train", str(d / "train.log"), "--format", "hdfs", "--session-regex",
                              r"blk_-?\d+", "--model", "deeplog", "--epochs", "2", "--param", "window=3",
                              "--param", "top_g=1", "--hidden", "8", "--param", "layers=1", "-o",
                              str(d / "hdfs"), "-q"])
    assert res.exit_code == 0, res.output
    (d / "tcp.toml").write_text('[[rule]]\nname = "tcp-bulk"\nmatch = { proto = "tcp" }\n', encoding="utf-8")
    return {"dir": d, "zeek": d / "zeek", "vpc": d / "vpc", "hdfs": d / "hdfs", "rules": d / "tcp.toml"}


def _multi(kit: dict[str, Path], **kwargs: Any) -> TestClient:
    return TestClient(create_models_app({"zeek": kit["zeek"], "vpc": kit["vpc"], "hdfs": kit["hdfs"]},
                                        api_key=KEY, max_rows=50, **kwargs))


@pytest.fixture(scope="module")
def multi(kit: dict[str, Path]) -> Iterator[TestClient]:
    with _multi(kit) as c:
        yield c


def _rows(seed: int = 5) -> list[dict[str, Any]]:
    rows = _flows(20, seed).to_dict("records")
    rows[0].update(bytes=1e9, proto="tcp")  # far out: flagged by both table models
    return rows


def _lines() -> list[str]:
    return hdfs_log(6, seed=3, anomalous=(2,))


def test_each_model_scores_as_a_one_model_service_of_it(kit: dict[str, Path], multi: TestClient) -> None:
    for name, body in (("zeek", {"rows": _rows()}), ("vpc", {"rows": _rows(), "explain": 2}),
                       ("hdfs", {"lines": _lines()}), ("zeek", {"rows": _rows(), "alert_format": "ecs"})):
        with TestClient(create_app(kit[name], api_key=KEY, max_rows=50)) as one:
            alone = one.post("/score", json=body, headers=AUTH)
        hosted = multi.post(f"/models/{name}/score", json=body, headers=AUTH)
        assert hosted.status_code == alone.status_code == 200, hosted.text
        got, want = hosted.json(), alone.json()
        if "alerts" in want:  # ECS documents carry the time they were made
            for doc in (*got["alerts"], *want["alerts"]):
                doc.pop("@timestamp", None)
                doc.get("event", {}).pop("created", None)
        assert got == want, name
    zeek, vpc = (multi.post(f"/models/{n}/score", json={"rows": _rows()}, headers=AUTH).json()["scores"]
                 for n in ("zeek", "vpc"))
    assert zeek != vpc  # two models, not one answering twice


def test_models_lists_what_each_takes_and_health_sums_up(kit: dict[str, Path], multi: TestClient) -> None:
    listed = multi.get("/models")
    assert listed.status_code == 200
    models = {m["name"]: m for m in listed.json()["models"]}
    assert list(models) == ["zeek", "vpc", "hdfs"]
    assert models["zeek"]["model"] == "autoencoder" and models["zeek"]["input"] == "tabular"
    assert models["hdfs"]["model"] == "deeplog" and models["hdfs"]["input"] == "events"
    assert models["hdfs"]["request"].startswith('{"lines"')
    assert models["zeek"]["request"].startswith('{"rows"')
    assert models["vpc"]["score"] == "/models/vpc/score" and models["vpc"]["health"] == "/models/vpc/health"
    assert all(np.isfinite(m["threshold_value"]) and m["threshold"] for m in models.values())
    health = multi.get("/health").json()
    assert health["status"] == "ok" and [m["name"] for m in health["models"]] == ["zeek", "vpc", "hdfs"]
    assert all(m["drift_warning"] is False for m in health["models"])
    with _multi(kit) as fresh, TestClient(create_app(kit["hdfs"], api_key=KEY, max_rows=50)) as one:
        assert fresh.get("/models/hdfs/health").json() == one.get("/health").json()


def test_an_unknown_model_is_a_404_naming_the_models(multi: TestClient) -> None:
    for r in (multi.get("/models/okta/health"), multi.post("/models/okta/score", json={"rows": []},
                                                            headers=AUTH), multi.get("/models/okta")):
        assert r.status_code == 404
        assert r.json()["detail"] == "no model 'okta' here; the models are: zeek, vpc, hdfs (GET /models)"
        assert r.json()["models"] == ["zeek", "vpc", "hdfs"]
    assert multi.get("/models/zeek/score").status_code == 405
    assert multi.get("/models/zeek/explain").status_code == 404
    assert multi.post("/score", json={"rows": _rows()}, headers=AUTH).status_code == 404  # no default model


def test_the_key_and_the_limits_are_the_services(multi: TestClient) -> None:
    for name in ("zeek", "hdfs"):
        r = multi.post(f"/models/{name}/score", json={"rows": _rows()})
        assert r.status_code == 401 and r.headers["connection"] == "close"  # refused before the body
    r = multi.post("/models/zeek/score", json={"rows": _rows() * 3}, headers=AUTH)  # 60 rows > 50
    assert r.status_code == 413 and "--max-rows" in r.json()["detail"]
    r = multi.post("/models/hdfs/score", json={"rows": _rows()}, headers=AUTH)  # a table body to a log model
    assert r.status_code == 422 and "'lines'" in r.json()["detail"]
    assert multi.get("/metrics").status_code == 401


def _samples(text: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line and not line.startswith("#")}


def test_metrics_label_every_series_of_a_model(kit: dict[str, Path]) -> None:
    with _multi(kit, drift_window=100) as c:
        for _ in range(2):
            assert c.post("/models/zeek/score", json={"rows": _rows()}, headers=AUTH).status_code == 200
        assert c.post("/models/hdfs/score", json={"lines": _lines()}, headers=AUTH).status_code == 200
        c.post("/models/okta/score", json={}, headers=AUTH)
        c.get("/models/vpc/health")
        text = c.get("/metrics", headers={"Authorization": f"Bearer {KEY}"}).text
    s = _samples(text)
    assert s['hourglass_requests_total{path="/models/{name}/score",model="zeek",status="200"}'] == 2
    assert s['hourglass_requests_total{path="/models/{name}/score",model="hdfs",status="200"}'] == 1
    assert s['hourglass_requests_total{path="/models/{name}/score",status="404"}'] == 1  # no 'okta' series
    assert s['hourglass_requests_total{path="/models/{name}/health",model="vpc",status="200"}'] == 1
    assert s['hourglass_scored_total{model="zeek",unit="rows"}'] == 40
    assert s['hourglass_scored_total{model="vpc",unit="rows"}'] == 0
    assert s['hourglass_scored_total{model="hdfs",unit="sessions"}'] == 6
    assert s['hourglass_flagged_total{model="zeek",unit="rows"}'] >= 2
    assert s['hourglass_scoring_seconds_count{model="zeek"}'] == 2
    assert s['hourglass_scoring_seconds_bucket{model="hdfs",le="+Inf"}'] == 1
    assert s['hourglass_drift_warning{model="vpc"}'] == 0
    assert 'hourglass_model_info{model="hdfs",detector="deeplog",input="events",' in text
    for line in text.splitlines():  # every per-model series says which model
        if line.startswith("hourglass_") and not line.startswith(("hourglass_requests_total",
                                                                  "hourglass_start_time")):
            assert line.split("{", 1)[1].startswith('model="'), line
    helps = [line.split()[2] for line in text.splitlines() if line.startswith("# HELP")]
    assert len(helps) == len(set(helps))  # each family once, its samples together


def test_suppression_rules_are_per_model(kit: dict[str, Path]) -> None:
    rules = load_suppressions(kit["rules"])
    with _multi(kit, suppress={"zeek": rules}) as c:
        zeek = c.post("/models/zeek/score", json={"rows": _rows()}, headers=AUTH).json()
        vpc = c.post("/models/vpc/score", json={"rows": _rows()}, headers=AUTH).json()
        s = _samples(c.get("/metrics", headers=AUTH).text)
        health = c.get("/models/zeek/health").json()
    assert zeek["flags"][0] == 0 and zeek["suppressed"][0] == "tcp-bulk"
    assert vpc["flags"][0] == 1 and "suppressed" not in vpc
    assert s['hourglass_suppressed_total{model="zeek",rule="tcp-bulk"}'] >= 1
    assert not any(k.startswith("hourglass_suppressed_total") and 'model="vpc"' in k for k in s)
    assert health["suppression_rules"] == ["tcp-bulk"]
    with TestClient(create_app(kit["zeek"], api_key=KEY, max_rows=50, suppress=rules)) as one:
        assert one.post("/score", json={"rows": _rows()}, headers=AUTH).json() == zeek


def test_openapi_shows_each_models_route_and_body(multi: TestClient) -> None:
    spec = multi.get("/openapi.json").json()
    assert {"/models", "/health", "/metrics", "/models/zeek/score",
            "/models/hdfs/health"} <= set(spec["paths"])
    body = spec["paths"]["/models/hdfs/score"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/LinesRequest")
    assert {"LinesRequest", "ScoreRequest"} <= set(spec["components"]["schemas"])
    assert not any("{name}" in path for path in spec["paths"])  # the catch-all 404 is not shown
    assert multi.get("/docs").status_code == 200


def test_one_model_keeps_its_routes_and_answers_on_the_models_routes_too(kit: dict[str, Path]) -> None:
    with TestClient(create_app(kit["zeek"], api_key=KEY, max_rows=50)) as c:
        old = c.post("/score", json={"rows": _rows()}, headers=AUTH)
        new = c.post("/models/zeek/score", json={"rows": _rows()}, headers=AUTH)
        assert old.status_code == new.status_code == 200 and old.json() == new.json()
        assert c.get("/health").json() == c.get("/models/zeek/health").json()
        assert [m["name"] for m in c.get("/models").json()["models"]] == ["zeek"]
        assert c.post("/models/zeek/score", json={"rows": _rows()}).status_code == 401
        assert c.get("/models/vpc/health").status_code == 404
        text = c.get("/metrics", headers=AUTH).text
    assert 'hourglass_requests_total{path="/score",status="200"} 1' in text
    assert 'hourglass_requests_total{path="/models/zeek/score",status="200"} 1' in text
    assert 'hourglass_scored_total{unit="rows"} 40' in text and 'model="zeek"' not in text


# -- the command line -------------------------------------------------------------------------


@pytest.fixture()
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``hourglass serve`` up to the point of listening: the app it would run."""
    from hourglass.cli import serve as serve_cli

    got: dict[str, Any] = {}
    monkeypatch.setenv("HOURGLASS_API_KEY", KEY)
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kwargs: got.update(app=app, **kwargs))
    return got


def test_cli_serves_several_models_by_name(kit: dict[str, Path], served: dict[str, Any]) -> None:
    res = runner.invoke(cli, ["serve", str(kit["zeek"]), f"flows={kit['vpc']}", f"audit={kit['hdfs']}",
                              "--port", "0", "--suppress", f"flows={kit['rules']}"])
    assert res.exit_code == 0, res.output
    assert f"serving {kit['vpc']} as flows (autoencoder, 3 columns): POST /models/flows/score" in res.stderr
    port = served["port"]  # --port 0: the free port found, named in the start-up line
    assert port > 0 and f"3 models on http://127.0.0.1:{port} (list: /models" in res.stderr
    with TestClient(served["app"]) as c:
        assert [m["name"] for m in c.get("/models").json()["models"]] == ["zeek", "flows", "audit"]
        assert c.post("/models/flows/score", json={"rows": _rows()}, headers=AUTH).json()["suppressed"][0]
        assert "suppressed" not in c.post("/models/zeek/score", json={"rows": _rows()}, headers=AUTH).json()


def test_cli_one_model_is_served_as_before(kit: dict[str, Path], served: dict[str, Any]) -> None:
    res = runner.invoke(cli, ["serve", str(kit["zeek"]), "--port", "0", "--suppress", str(kit["rules"])])
    assert res.exit_code == 0, res.output
    assert f"serving {kit['zeek']} (autoencoder, 3 columns) on http://127.0.0.1:{served['port']} (docs: " \
           "/docs)" in res.stderr
    with TestClient(served["app"]) as c, TestClient(create_app(
            kit["zeek"], api_key=KEY, suppress=load_suppressions(kit["rules"]))) as one:
        assert c.post("/score", json={"rows": _rows()}, headers=AUTH).json() == one.post(
            "/score", json={"rows": _rows()}, headers=AUTH).json()
        assert c.get("/health").json() == one.get("/health").json()
        assert c.get("/models").json()["models"][0]["name"] == "zeek"


def test_cli_refuses_bad_model_lists_in_one_line(kit: dict[str, Path], served: dict[str, Any],
                                                 tmp_path: Path) -> None:
    again = tmp_path / "zeek"
    shutil.copytree(kit["zeek"], again)
    one_line_error(["serve", str(kit["zeek"]), str(again), "--port", "0"],
                   f"two models named 'zeek' ({kit['zeek']}, {again}): name each, NAME=DIR")
    one_line_error(["serve", f"a={kit['zeek']}", f"a={kit['vpc']}", "--port", "0"], "two models named 'a'")
    one_line_error(["serve", f"my flows={kit['zeek']}", "--port", "0"],
                   f"MODEL my flows={kit['zeek']}: model name 'my flows': use letters, digits")
    one_line_error(["serve", "zeek=", "--port", "0"], "MODEL zeek=: NAME=DIR without the directory")
    one_line_error(["serve", str(kit["zeek"]), str(kit["vpc"]), "--port", "0", "--suppress",
                    str(kit["rules"])], "with several models say whose rules these are, --suppress NAME=FILE")
    one_line_error(["serve", str(kit["zeek"]), str(kit["vpc"]), "--port", "0", "--suppress",
                    f"okta={kit['rules']}"], "no model named 'okta' (the models: zeek, vpc)")
    one_line_error(["serve", str(kit["zeek"]), str(kit["hdfs"]), "--port", "0", "--suppress",
                    f"hdfs={kit['rules']}"], f"--suppress hdfs={kit['rules']}: suppression rules apply to "
                                             "table models")
    assert "app" not in served  # nothing was served


def test_cli_names_the_model_it_cannot_load_before_listening(kit: dict[str, Path], served: dict[str, Any],
                                                             tmp_path: Path) -> None:
    bad = tmp_path / "tampered"
    shutil.copytree(kit["vpc"], bad)
    weights = bad / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    one_line_error(["serve", str(kit["zeek"]), f"vpc={bad}", "--port", "0"], f"model vpc ({bad}): ")
    one_line_error(["serve", str(kit["zeek"]), str(tmp_path / "nope"), "--port", "0"],
                   f"model nope ({tmp_path / 'nope'}): ")
    assert "app" not in served


def test_a_drift_warning_names_its_model(kit: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    rows = [{**row, "bytes": 1e9} for row in _flows(40, 7).to_dict("records")]  # every row flagged
    with caplog.at_level("WARNING", logger="hourglass.serve.app"), _multi(kit, drift_window=20) as c:
        assert c.post("/models/vpc/score", json={"rows": rows}, headers=AUTH).status_code == 200
        states = {m["name"]: m["drift_warning"] for m in c.get("/health").json()["models"]}
    assert states == {"zeek": False, "vpc": True, "hdfs": False}
    assert any(r.getMessage().startswith("drift check of vpc: ") for r in caplog.records), caplog.text
