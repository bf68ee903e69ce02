"""The scoring service (hourglass.serve) through FastAPI's in-process TestClient: no network."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass.cli.app import app as cli
from hourglass.errors import ArtefactError, InputError
from hourglass.serve import TableScorer, create_app, read_api_key
from tests._fresh import modules_loaded

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
runner = CliRunner()


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "proto": rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1]),
        "bytes": rng.lognormal(6, 1, n).round(),
        "duration": rng.exponential(2.0, n),
        "rate": rng.uniform(0, 1, n),
        "label": "benign",
    })


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny autoencoder trained once with 'hourglass train' (label column, categorical proto)."""
    d = tmp_path_factory.mktemp("serve")
    _flows(200, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(cli, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--model",
                              "autoencoder", "--hidden", "8,4", "--epochs", "2", "--label-col",
                              "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    return d / "model"


@pytest.fixture(scope="module")
def client(model: Path) -> Iterator[TestClient]:
    with TestClient(create_app(model, api_key=KEY, max_body_bytes=64_000, max_rows=50)) as c:
        yield c


def _rows(n: int, seed: int = 1) -> list[dict[str, Any]]:
    return _flows(n, seed).to_dict("records")


def test_health_says_what_the_model_expects_without_a_key(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["model"] == "autoencoder" and body["input"] == "tabular"
    assert body["threshold"].startswith("percentile") and math.isfinite(body["threshold_value"])
    assert {c["name"]: c["role"] for c in body["columns"]} == {
        "proto": "categorical", "bytes": "numeric", "duration": "numeric", "rate": "numeric"}
    assert body["explain"] is True and body["max_rows"] == 50 and body["max_body_bytes"] == 64_000


def test_score_gives_the_numbers_hourglass_score_writes(client: TestClient, model: Path,
                                                        tmp_path: Path) -> None:
    rows = _rows(40)
    rows[3]["bytes"] = 5e7  # one far-off row, so a flag and a severity above 'low' show up
    rows[5]["duration"] = None  # a missing value: imputed as in training (a blank CSV cell)
    r = client.post("/score", json={"rows": rows}, headers=AUTH)
    assert r.status_code == 200, r.text
    got = r.json()
    assert set(got) == {"scores", "flags", "calibrated", "severity"}
    pd.DataFrame(rows).to_csv(tmp_path / "rows.csv", index=False)
    res = runner.invoke(cli, ["score", str(model), str(tmp_path / "rows.csv"), "-o",
                              str(tmp_path / "out.csv"), "-q"])
    assert res.exit_code == 0, res.output
    want = pd.read_csv(tmp_path / "out.csv")
    np.testing.assert_allclose(got["scores"], want["score"], rtol=1e-6)
    np.testing.assert_allclose(got["calibrated"], want["calibrated"], rtol=1e-6, atol=1e-12)
    assert got["flags"] == want["flag"].tolist() and got["severity"] == want["severity"].tolist()
    assert got["flags"][3] == 1 and got["scores"][3] == max(got["scores"])
    # and the library's own numbers for the same rows (label column dropped, as train did)
    from hourglass import load

    pipe = load(model)
    lib = pipe.score(pd.DataFrame(rows).drop(columns="label"))
    np.testing.assert_allclose(got["scores"], lib, rtol=1e-6)


def test_explain_names_the_column_that_broke_the_row(client: TestClient) -> None:
    rows = _rows(3)
    rows[0]["bytes"] = 5e7
    r = client.post("/score", json={"rows": rows, "explain": 2}, headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["why"]) == len(body["top_column"]) == 3
    assert body["top_column"][0] == "bytes" and body["why"][0].startswith("bytes=50000000 (")
    assert all(w.count("%)") == 2 for w in body["why"])


def test_scoring_needs_the_key(client: TestClient) -> None:
    body = {"rows": _rows(1)}
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": KEY[:-1]}, {"X-API-Key": b"k\xe9y"},
                    {"Authorization": f"Bearer {KEY}"}):
        r = client.post("/score", json=body, headers=headers)
        assert r.status_code == 401 and r.json() == {
            "detail": "missing or wrong API key (header X-API-Key)"}, headers


def test_a_body_over_the_limit_is_refused_before_parsing(client: TestClient) -> None:
    big = json.dumps({"rows": _rows(1) * 2000}).encode()
    assert len(big) > 64_000
    r = client.post("/score", content=big, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413 and "declared; the limit is 64,000 bytes" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked, counted as it arrives
        for i in range(0, len(big), 8192):
            yield big[i:i + 8192]

    r = client.post("/score", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413 and "over 64,000 bytes received" in r.json()["detail"]
    r = client.post("/score", content=b"{}", headers={**AUTH, "Content-Length": "abc"})
    assert r.status_code == 400 and r.json()["detail"] == "Content-Length: not a number"
    # a body under the limit, sent chunked, goes through
    small = json.dumps({"rows": _rows(2)}).encode()
    r = client.post("/score", content=iter([small[:10], small[10:]]),
                    headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 200 and len(r.json()["scores"]) == 2


def test_too_many_rows_is_refused(client: TestClient) -> None:
    r = client.post("/score", json={"rows": _rows(1) * 51}, headers=AUTH)
    assert r.status_code == 413
    assert r.json()["detail"] == "too many rows (51; the limit is 50, --max-rows): split the request"


@pytest.mark.parametrize(("change", "status", "detail"), [
    (lambda rows: rows[1].pop("rate"), 422,
     "row 2: missing column 'rate' (each row needs proto, bytes, duration, rate; send null for a "
     "missing value: a row is read alone, so a key left out may be a column the data lacks)"),
    (lambda rows: rows[0].update(bytes="lots"), 422,
     "column 'bytes': expected numbers, found 'lots' (row 1)"),
    (lambda rows: rows[0].update(bytes=True), 422,
     "column 'bytes': expected numbers, found True (row 1)"),
    (lambda rows: rows[1].update(bytes={"n": 1}), 422,  # read as its fields, as score reads it
     "row 2: missing column 'bytes': the row has 'bytes' as a nested object, read as its fields "
     "(bytes.n); send 'bytes' as a plain value (null for a missing one)"),
    (lambda rows: rows[1].update(bytes=[1]), 422,  # an array is its JSON text
     "column 'bytes': expected numbers, found '[1]' (row 2)"),
    (lambda rows: rows.clear(), 422, "rows: no rows to score (empty list)"),
])
def test_bad_rows_get_the_library_message_never_a_traceback(client: TestClient, change: Any,
                                                            status: int, detail: str) -> None:
    rows = _rows(3)
    change(rows)
    r = client.post("/score", json={"rows": rows}, headers=AUTH)
    assert (r.status_code, r.json()) == (status, {"detail": detail})


@pytest.mark.parametrize(("body", "status", "detail"), [
    (b"{not json", 400, "body: not valid JSON (key must be a string at line 1 column 2)"),
    (b'{"rows": "all"}', 422, "rows: expected an array, got text"),
    (b"", 400, "body: not valid JSON (EOF while parsing"),
    (b'{"explain": 2}', 422, 'body: expected a JSON object {"rows": [{column: value, ...}, ...]}'),
    (b'{"rows": [], "top": 3}', 422,
         "top: unknown field; the body takes 'rows', 'explain' and 'alert_format'"),
    (b'{"rows": [{"a": 1}], "explain": 0}', 422,
     "explain: expected true/false or a whole number from 1 to 100, got 0"),
    (b"[]", 422, 'body: expected a JSON object {"rows": [{column: value, ...}, ...]}'),
])
def test_malformed_bodies_get_one_line(client: TestClient, body: bytes, status: int, detail: str) -> None:
    r = client.post("/score", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == status and r.json()["detail"].startswith(detail), r.text


def test_a_body_not_sent_as_json_is_refused_by_its_content_type(client: TestClient) -> None:
    body = json.dumps({"rows": _rows(1)})
    r = client.post("/score", content=body, headers={**AUTH, "Content-Type": "text/plain"})
    assert (r.status_code, r.json()) == (415, {"detail": "Content-Type: expected application/json, "
                                                         "got text/plain"})
    r = client.post("/score", content=body,
                    headers={**AUTH, "Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200


def test_nan_is_refused_where_the_model_allows_no_missing_values(tmp_path: Path) -> None:
    from hourglass import AutoEncoder, Pipeline
    from hourglass.features import TabularPreprocessor

    train = _flows(200, 0).drop(columns="label")
    Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0),
             features=TabularPreprocessor(impute="error")).fit(train).save(tmp_path / "m")
    c = TestClient(create_app(tmp_path / "m", api_key=KEY))
    body = b'{"rows": [{"proto": "tcp", "bytes": NaN, "duration": 1.0, "rate": 0.5}]}'
    r = c.post("/score", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"] == ("column 'bytes': 1 missing or infinite value(s), first at row 1 "
                                  "(nan); numbers expected")


def test_explain_on_a_model_without_reconstruction_error_is_a_clear_4xx(tmp_path: Path) -> None:
    from hourglass import Pipeline
    from hourglass.detectors import LatentIForest

    Pipeline(LatentIForest(hidden=(8, 4), epochs=1, n_estimators=10, verbose=0)).fit(
        _flows(200, 0).drop(columns="label")).save(tmp_path / "forest")
    c = TestClient(create_app(tmp_path / "forest", api_key=KEY))
    assert c.get("/health").json()["explain"] is False
    rows = _rows(2)
    assert c.post("/score", json={"rows": rows}, headers=AUTH).status_code == 200
    r = c.post("/score", json={"rows": rows, "explain": 3}, headers=AUTH)
    assert r.status_code == 422 and r.json()["detail"].startswith(
        "explain: LatentIForest cannot explain its scores: it has no per-feature reconstruction "
        "error, and its score comes from an isolation forest")


def test_an_unexpected_error_is_a_generic_500_logged_on_the_server(
        model: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    c = TestClient(create_app(model, api_key=KEY))

    def broken(self: Any, df: pd.DataFrame) -> np.ndarray:
        raise RuntimeError("internal detail the client must not see")

    from hourglass.pipeline import Pipeline

    monkeypatch.setattr(Pipeline, "score", broken)
    with caplog.at_level(logging.ERROR, logger="hourglass.serve.app"):
        r = c.post("/score", json={"rows": _rows(2)}, headers=AUTH)
    assert r.status_code == 500
    assert r.json() == {"detail": "internal error while scoring; the server log has the details"}
    assert "internal detail" in caplog.text and "internal detail" not in r.text


def test_table_scorer_refuses_a_log_model_which_create_app_serves(tmp_path: Path) -> None:
    from hourglass import Pipeline
    from hourglass.detectors.sequence_ae import EventCountAutoEncoder
    from hourglass.features.sessions import EventSessions

    events = pd.DataFrame({"user": np.repeat(list("abcdef"), 4),
                           "event": ["login", "read", "write", "logout"] * 6})
    Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=2, verbose=0),
             features=EventSessions(session_column="user", key_column="event")).fit(events).save(
        tmp_path / "logs")
    with pytest.raises(InputError, match=r"serves table models; this model \(event-count-autoencoder\) "
                                         r"reads events data"):
        TableScorer(tmp_path / "logs")
    assert TestClient(create_app(tmp_path / "logs", api_key=KEY)).get("/health").json()["input"] == "events"


def test_no_start_without_a_usable_key_or_model(model: Path, tmp_path: Path) -> None:
    for key in ("", "   ", None, "short"):
        with pytest.raises(InputError, match="API key"):
            create_app(model, api_key=key)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="printable ASCII"):
        create_app(model, api_key="spaces in the middle of a key")
    with pytest.raises(ValueError, match="max_rows must be an integer >= 1"):
        create_app(model, api_key=KEY, max_rows=0)
    with pytest.raises(ArtefactError, match="not a model directory"):
        create_app(tmp_path / "nothing", api_key=KEY)
    (tmp_path / "k").write_text(f"\n  {KEY}  \nsecond line\n")
    (tmp_path / "k").chmod(0o600)
    assert read_api_key(tmp_path / "k", {}) == KEY
    assert read_api_key(None, {"HOURGLASS_API_KEY": KEY}) == KEY
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(InputError, match="the file is empty"):
        read_api_key(tmp_path / "empty", {"HOURGLASS_API_KEY": KEY})


def _one_line_exit_2(args: list[str], match: str, env: dict[str, str] | None = None) -> None:
    res = runner.invoke(cli, args, env=env)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr and match in lines[0], res.stderr


def test_cli_serve_refuses_to_start_with_one_line(model: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOURGLASS_API_KEY", raising=False)
    _one_line_exit_2(["serve", str(model)], "API key: none given")
    _one_line_exit_2(["serve", str(model), "--api-key-file", str(tmp_path / "nope")],
                     "--api-key-file")
    _one_line_exit_2(["serve", str(tmp_path / "nope")], "not a model directory",
                     env={"HOURGLASS_API_KEY": KEY})
    _one_line_exit_2(["serve", str(model), "--max-body-mb", "0"], "--max-body-mb: must be > 0",
                     env={"HOURGLASS_API_KEY": KEY})
    res = runner.invoke(cli, ["serve", str(model), "--api-key", KEY])
    assert res.exit_code == 2  # no such option: a key on the command line would show in 'ps'


def test_cli_serve_runs_uvicorn_with_the_app(model: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.cli import serve as serve_cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kw: seen.update(app=app, **kw))
    (tmp_path / "key").write_text(KEY + "\n")
    res = runner.invoke(cli, ["serve", str(model), "--api-key-file", str(tmp_path / "key"), "--port",
                              "9123", "--max-rows", "7", "--max-body-mb", "0.5", "--rate-limit", "120"])
    assert res.exit_code == 0, res.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 9123) and KEY not in res.output
    assert "(autoencoder, 4 columns) on http://127.0.0.1:9123" in " ".join(res.stderr.split())
    with TestClient(seen["app"]) as c:
        health = c.get("/health").json()
        assert (health["max_rows"], health["max_body_bytes"]) == (7, 2**19)
        assert health["rate_limit_per_minute"] == 120
        assert c.post("/score", json={"rows": _rows(1)}, headers=AUTH).status_code == 200
        assert c.get("/docs").status_code == 200
        assert "/score" in c.get("/openapi.json").json()["paths"]


def test_table_scorer_is_the_service_without_http(model: Path) -> None:
    scorer = TableScorer(model)
    rows = _rows(5)
    out = scorer.score(rows)
    assert len(out["scores"]) == 5 and set(out["flags"]) <= {0, 1}
    assert all(0.0 <= p <= 1.0 for p in out["calibrated"])


def test_importing_hourglass_does_not_import_the_web_framework() -> None:
    assert modules_loaded("import hourglass, hourglass.serve", ("fastapi", "starlette", "uvicorn")) == []


def test_openapi_documents_the_body_the_key_and_the_answers(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/score"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(body["properties"]) == {"rows", "explain", "alert_format"} and body["required"] == ["rows"]
    assert post["security"] == [{"APIKeyHeader": []}]
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    answers = post["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]
    assert [a["$ref"].rsplit("/", 1)[1] for a in answers] == ["ScoreResponse", "EcsResponse"]
    assert {"401", "413", "422", "500"} <= set(post["responses"])
    assert "security" not in spec["paths"]["/health"]["get"]
    assert client.get("/docs").status_code == 200


def test_a_key_file_others_can_read_is_named_in_a_warning(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "k").write_text(KEY)
    (tmp_path / "k").chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="hourglass.serve"):
        assert read_api_key(tmp_path / "k", {}) == KEY
    assert "other users may read it (chmod 600" in caplog.text and KEY not in caplog.text


def test_concurrent_requests_get_the_answers_they_would_get_alone(client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    batches = [_rows(n, seed=n) for n in (1, 7, 30, 3, 12, 25)]
    alone = [client.post("/score", json={"rows": b}, headers=AUTH).json() for b in batches]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(
            lambda b: client.post("/score", json={"rows": b, "explain": 1}, headers=AUTH).json(),
            batches * 2))
    for got, want in zip(together, alone * 2, strict=True):
        assert got["scores"] == want["scores"] and got["flags"] == want["flags"]
        assert len(got["why"]) == len(want["scores"])


def test_cli_serve_refuses_a_port_in_use_with_one_line(model: Path, tmp_path: Path) -> None:
    import socket

    (tmp_path / "key").write_text(KEY + "\n")
    (tmp_path / "key").chmod(0o600)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        res = runner.invoke(cli, ["serve", str(model), "--api-key-file", str(tmp_path / "key"),
                                  "--port", str(port)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"--port {port}: cannot listen on 127.0.0.1" in lines[0], res.stderr


FIXTURES = Path(__file__).parent / "fixtures"  # a self-signed pair for localhost / 127.0.0.1, tests only


def test_cli_serve_speaks_https_with_a_certificate(model: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """--tls-cert/--tls-key reach uvicorn, and the server they configure answers over HTTPS
    to a client that trusts the certificate."""
    import socket
    import ssl
    import threading
    import time
    import urllib.request

    import uvicorn

    from hourglass.cli import serve as serve_cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kw: seen.update(app=app, **kw))
    (tmp_path / "key").write_text(KEY + "\n")
    cert, key = FIXTURES / "tls-test.crt", FIXTURES / "tls-test.key"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = runner.invoke(cli, ["serve", str(model), "--api-key-file", str(tmp_path / "key"),
                              "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key)])
    assert res.exit_code == 0, res.output
    assert f"on https://127.0.0.1:{port}" in " ".join(res.stderr.split())
    assert (seen["ssl_certfile"], seen["ssl_keyfile"]) == (str(cert), str(key))
    server = uvicorn.Server(uvicorn.Config(seen["app"], host="127.0.0.1", port=port, log_config=None,
                                           log_level="warning", ssl_certfile=seen["ssl_certfile"],
                                           ssl_keyfile=seen["ssl_keyfile"]))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60  # (a generous bound: a loaded machine starts it slowly)
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "the TLS server did not start within 60 s"
        trust = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/health", context=trust, timeout=10) as r:
            assert r.status == 200 and json.loads(r.read())["model"] == "autoencoder"
        with pytest.raises(OSError):  # plain HTTP on the TLS port gets no answer
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10).read()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_cli_serve_refuses_an_unusable_certificate_with_one_line(model: Path, tmp_path: Path) -> None:
    env = {"HOURGLASS_API_KEY": KEY}
    cert, key = FIXTURES / "tls-test.crt", FIXTURES / "tls-test.key"
    _one_line_exit_2(["serve", str(model), "--tls-key", str(key)], "--tls-key: give the certificate",
                     env=env)
    _one_line_exit_2(["serve", str(model), "--tls-cert", str(tmp_path / "nope.crt")],
                     "--tls-cert " + str(tmp_path / "nope.crt") + ": no such file", env=env)
    _one_line_exit_2(["serve", str(model), "--tls-cert", str(cert)],
                     "--tls-cert (no --tls-key: the key must be in it): cannot use", env=env)
    (tmp_path / "junk.key").write_text("not a key\n")
    _one_line_exit_2(["serve", str(model), "--tls-cert", str(cert), "--tls-key", str(tmp_path / "junk.key")],
                     "--tls-cert/--tls-key: cannot use", env=env)


def test_rate_limit_answers_429_with_retry_after_per_client(model: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.serve.security as security

    # the clock stands still: on a loaded machine a second could pass and refill one request
    wait = security.RateLimit.wait
    monkeypatch.setattr(security.RateLimit, "wait", lambda self, client, now=None: wait(self, client, 1000.0))
    app = create_app(model, api_key=KEY, rate_limit=60)  # bursts of 10, one more a second
    with TestClient(app) as c:
        assert c.get("/health").json()["rate_limit_per_minute"] == 60
        codes = [c.post("/score", json={"rows": _rows(1)}, headers=AUTH).status_code for _ in range(11)]
        assert codes[:9] == [200] * 9 and codes[-1] == 429  # /health took one of the 10
        r = c.post("/score", json={"rows": _rows(1)}, headers=AUTH)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "--rate-limit" in r.json()["detail"]
        assert c.post("/score", json={"rows": _rows(1)}).status_code == 429  # keys guessed slowly too
    other = TestClient(app, client=("10.9.8.7", 5000))  # another address has its own bucket
    assert other.post("/score", json={"rows": _rows(1)}, headers=AUTH).status_code == 200
    with TestClient(create_app(model, api_key=KEY)) as c:  # the default: no limit, not reported
        assert "rate_limit_per_minute" not in c.get("/health").json()
        assert {c.get("/health").status_code for _ in range(30)} == {200}
    with pytest.raises(ValueError, match="rate_limit"):
        create_app(model, api_key=KEY, rate_limit=-1)
