"""The scoring service for time-series and log models (hourglass.serve) through FastAPI's
in-process TestClient: the numbers are those 'hourglass score' writes, bad requests get one line."""

from __future__ import annotations

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
from hourglass.serve import create_app
from tests.test_cli_robustness import _series
from tests.test_logs import _normal, hdfs_log

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
runner = CliRunner()


def _ok(args: list[Any]) -> None:
    res = runner.invoke(cli, [str(a) for a in args])
    assert res.exit_code == 0, res.output


def _post(client: TestClient, body: dict[str, Any] | bytes, headers: dict[str, str] = AUTH) -> Any:
    if isinstance(body, bytes):
        return client.post("/score", content=body, headers={**headers, "Content-Type": "application/json"})
    return client.post("/score", json=body, headers=headers)


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A time-series model, a raw-log model and a key-sequence model, trained once by the CLI."""
    d = tmp_path_factory.mktemp("servekinds")
    _series(160).to_csv(d / "series.csv", index=False)
    _ok(["train", d / "series.csv", "--timestamp-col", "ts", "--model", "lstm-ae", "--window", "8",
         "--epochs", "1", "--param", "hidden=8", "-o", d / "ts", "-q"])
    (d / "train.log").write_text("\n".join(hdfs_log(40)) + "\n")
    _ok(["train", d / "train.log", "--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model",
         "deeplog", "--epochs", "2", "--param", "window=3", "--param", "top_g=1", "--hidden", "8",
         "--param", "layers=1", "-o", d / "log", "-q"])
    (d / "keys").write_text("\n".join(" ".join(map(str, s)) for s in _normal(60)) + "\n")
    _ok(["train", d / "keys", "--format", "keys", "--model", "deeplog", "--epochs", "30", "--lr", "0.02",
         "--param",
         "window=3", "--param", "top_g=1", "--hidden", "8", "--param", "layers=1", "-o", d / "keys_m",
         "-q"])
    return {"dir": d, "ts": d / "ts", "log": d / "log", "keys": d / "keys_m"}


@pytest.fixture(scope="module")
def ts(kit: dict[str, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(kit["ts"], api_key=KEY, max_body_bytes=200_000, max_rows=300)) as c:
        yield c


@pytest.fixture(scope="module")
def logs(kit: dict[str, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(kit["log"], api_key=KEY, max_body_bytes=200_000, max_rows=300)) as c:
        yield c


@pytest.fixture(scope="module")
def keys(kit: dict[str, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(kit["keys"], api_key=KEY, max_rows=50)) as c:
        yield c


def _cli_scores(model: Path, data: Path, out: Path) -> pd.DataFrame:
    _ok(["score", model, data, "-o", out, "-q"])
    return pd.read_csv(out)


# -- time series ------------------------------------------------------------------------------
def test_health_of_a_time_series_model(ts: TestClient) -> None:
    body = ts.get("/health").json()
    assert (body["input"], body["model"], body["timestamp_column"], body["min_rows"]) == (
        "timeseries", "lstm-ae", "ts", 8)
    assert {c["name"]: c["role"] for c in body["columns"]} == {"a": "channel", "b": "channel",
                                                               "ts": "timestamp"}
    assert "at least 8 rows" in body["request"] and body["explain"] is True
    assert "format" not in body and "sessions" not in body


def test_a_series_scores_as_hourglass_score_does(ts: TestClient, kit: dict[str, Path],
                                                 tmp_path: Path) -> None:
    series = _series(60)
    series.loc[30, "a"] = 6.0  # a spike, so a flag shows up
    r = _post(ts, {"rows": series.to_dict("records")})
    assert r.status_code == 200, r.text
    got = r.json()
    assert set(got) == {"scores", "flags", "calibrated", "severity", "steps"} and got["steps"] == 60
    series.to_csv(tmp_path / "s.csv", index=False)
    want = _cli_scores(kit["ts"], tmp_path / "s.csv", tmp_path / "out.csv")
    np.testing.assert_allclose(got["scores"], want["score"], rtol=1e-6)
    assert got["flags"] == want["flag"].tolist() and got["flags"][30] == 1
    assert len(got["calibrated"]) == len(got["severity"]) == 60
    # rows sent out of order: each row still gets its own time step's score
    order = np.random.default_rng(0).permutation(60)
    shuffled = _post(ts, {"rows": series.iloc[order].to_dict("records")}).json()
    np.testing.assert_allclose(shuffled["scores"], np.asarray(got["scores"])[order], rtol=1e-6)


@pytest.mark.parametrize(("edit", "detail"), [
    (lambda rows: rows[:5], "series has 5 time steps, shorter than one window of 8 (window=8)"),
    (lambda rows: [{k: v for k, v in r.items() if k != "b"} for r in rows],
     "row 1: missing column 'b' (each row needs a, b, ts; send null for a missing value: a row is "
     "read alone, so a key left out may be a column the data lacks)"),
    (lambda rows: [*rows[:3], {**rows[3], "a": None}, *rows[4:]],
     "column 'a': 1 missing value(s), first at timestamp 2020-03-09 10:00:03; the model was "
     "trained without a fill policy"),
    (lambda rows: [{**rows[0], "b": "high"}, *rows[1:]],
     "column 'b': expected numbers, found 'high' (row 1)"),
    (lambda rows: [], "rows: no rows to score (empty list)"),
])
def test_bad_series_get_the_cli_message(ts: TestClient, edit: Any, detail: str) -> None:
    r = _post(ts, {"rows": edit(_series(20).to_dict("records"))})
    assert r.status_code == 422 and r.json()["detail"].startswith(detail), r.text


def test_nan_and_wrong_shapes_for_a_series(ts: TestClient) -> None:
    rows = _series(20).to_dict("records")
    body = json.dumps({"rows": rows}).replace('"a": 0.0', '"a": NaN', 1).encode()
    r = _post(ts, body)
    assert r.status_code == 422 and r.json()["detail"].startswith("column 'a': 1 missing value(s)")
    r = _post(ts, {"lines": ["x"]})
    assert r.status_code == 422 and r.json()["detail"].startswith(
        'body: expected a JSON object {"rows": [{column: value, ...}, ...]} (one per time step)')
    r = _post(ts, {"rows": rows, "top": 2})
    assert (r.status_code, r.json()["detail"]) == (
        422, "top: unknown field; the body takes 'rows', 'explain', 'explain_all' and 'alert_format'")


# -- raw log lines ----------------------------------------------------------------------------
def test_health_of_a_log_model(logs: TestClient) -> None:
    body = logs.get("/health").json()
    assert (body["input"], body["model"], body["format"]) == ("events", "deeplog", "hdfs")
    assert body["sessions"] == {"regex": r"blk_-?\d+"} and body["columns"] == []
    assert body["request"].startswith('{"lines": ["raw log line", ...]}') and body["explain"] is True


def test_log_lines_score_as_hourglass_score_does(logs: TestClient, kit: dict[str, Path],
                                                 tmp_path: Path) -> None:
    lines = [*hdfs_log(8, seed=4, anomalous=(3,)), "noise without a header"]
    r = _post(logs, {"lines": lines, "explain": True})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["unparsed_lines"], got["unknown_templates"]) == (1, 1)
    assert got["parse"]["lines"] == 38 and got["parse"]["sessions"] == 8
    (tmp_path / "new.log").write_text("\n".join(lines) + "\n")
    want = _cli_scores(kit["log"], tmp_path / "new.log", tmp_path / "out.csv")
    sessions = got["sessions"]
    assert [s["session"] for s in sessions] == want["session"].tolist()
    np.testing.assert_allclose([s["score"] for s in sessions], want["score"], rtol=1e-6)
    assert [s["flag"] for s in sessions] == want["flag"].tolist()
    assert [s["first_line"] for s in sessions] == want["first_line"].tolist()
    assert [s["n_events"] for s in sessions] == want["n_events"].tolist()
    bad = next(s for s in sessions if s["session"] == "blk_-1003")
    assert bad["flag"] == 1 and bad["severity"] in ("low", "medium", "high", "critical")
    un = bad["unexpected"]
    assert (un["key"], un["line"], un["seen_in_training"]) == (0, 17, False)
    assert un["template"] == "<template never seen in training>"
    assert "Exception in receiveBlock" in un["text"] and un["expected"][0]["template"]
    assert all("unexpected" not in s for s in sessions if s["flag"] == 0)
    plain = _post(logs, {"lines": lines}).json()["sessions"]
    assert all("unexpected" not in s for s in plain)


@pytest.mark.parametrize(("body", "detail"), [
    ({"lines": []}, "lines: nothing to score (empty list)"),
    ({"lines": ["", "garbage", "more garbage"]},
     "lines: no sessions found in 3 lines (2 matched no header format, 1 blank); the model reads 'hdfs'"),
    ({"rows": [{"a": 1}]}, 'body: expected a JSON object {"lines": ["raw log line", ...]}'),
    ({"lines": ["ok", 5]}, "line 2: expected text (one log line), got a number"),
    ({"lines": "one line"}, "lines: expected an array, got text"),
    ({"lines": ["x"], "explain": "yes"},
     "explain: expected true/false or a whole number from 1 to 100, got 'yes'"),
])
def test_bad_log_requests_get_one_line(logs: TestClient, body: dict[str, Any], detail: str) -> None:
    r = _post(logs, body)
    assert r.status_code == 422 and r.json()["detail"].startswith(detail), r.text


def test_log_requests_keep_the_key_and_the_limits(logs: TestClient) -> None:
    lines = hdfs_log(2)
    for headers in ({}, {"X-API-Key": "wrong"}):
        assert _post(logs, {"lines": lines}, headers).status_code == 401
    r = _post(logs, {"lines": lines * 31})
    assert (r.status_code, r.json()["detail"]) == (
        413, "too many lines (310; the limit is 300, --max-rows): split the request")
    big = json.dumps({"lines": lines * 300}).encode()
    r = _post(logs, big)
    assert r.status_code == 413 and "the limit is 200,000 bytes" in r.json()["detail"]


# -- key sequences ----------------------------------------------------------------------------
def test_key_sequences_score_as_hourglass_score_does(keys: TestClient, kit: dict[str, Path],
                                                     tmp_path: Path) -> None:
    health = keys.get("/health").json()
    assert (health["format"], health["input"]) == ("keys", "events") and "sessions" not in health
    assert health["request"].startswith('{"sessions": [[key, key, ...], ...]}')
    seqs = [s.tolist() for s in _normal(6)] + [[1, 2, 3, 9, 6], [1, 3, 2, 4, 5, 6]]
    r = _post(keys, {"sessions": seqs, "explain": True})
    assert r.status_code == 200, r.text
    got = r.json()["sessions"]
    (tmp_path / "k").write_text("\n".join(" ".join(map(str, s)) for s in seqs) + "\n")
    want = _cli_scores(kit["keys"], tmp_path / "k", tmp_path / "out.csv")
    ids = [s["session"] for s in got]
    assert ids == [str(i) for i in range(1, 9)] == want["session"].astype(str).tolist()
    np.testing.assert_allclose([s["score"] for s in got], want["score"], rtol=1e-6)
    assert [s["flag"] for s in got] == want["flag"].tolist()
    assert got[6]["flag"] == 1 and got[6]["unexpected"]["key"] == 9
    assert got[6]["unexpected"]["seen_in_training"] is False


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"sessions": [[1, 2], []]}, 422, "session 2: empty; a session needs at least one key"),
    ({"sessions": [[1, -2]]}, 422, "session 1, key 2: expected an integer key >= 0, got -2"),
    ({"sessions": [[1, "a"]]}, 422, "session 1, key 2: expected an integer key >= 0, got 'a'"),
    ({"sessions": [[1, 2.5]]}, 422, "session 1, key 2: expected an integer key >= 0, got 2.5"),
    ({"sessions": [5]}, 422, "session 1: expected an array of integer keys, got a number"),
    ({"lines": ["5 5 22"]}, 422, 'body: expected a JSON object {"sessions": [[key, key, ...], ...]}'),
    ({"sessions": [[1]] * 51}, 413, "too many sessions (51; the limit is 50"),
])
def test_bad_key_sequences_get_one_line(keys: TestClient, body: dict[str, Any], status: int,
                                        detail: str) -> None:
    r = _post(keys, body)
    assert r.status_code == status and r.json()["detail"].startswith(detail), r.text
    assert _post(keys, body, {}).status_code == 401


# -- all kinds --------------------------------------------------------------------------------
def test_openapi_shows_the_request_shape_of_the_kind(ts: TestClient, logs: TestClient,
                                                     keys: TestClient) -> None:
    for client, name, fields, answer in ((ts, "SeriesRequest", {"rows", "explain", "explain_all"},
                                          "SeriesResponse"),
                                         (logs, "LinesRequest", {"lines", "explain"}, "LogResponse"),
                                         (keys, "SessionsRequest", {"sessions", "explain"}, "LogResponse")):
        fields = {*fields, "alert_format"}
        spec = client.get("/openapi.json").json()
        post = spec["paths"]["/score"]["post"]
        ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith(f"/{name}") and set(spec["components"]["schemas"][name]["properties"]) == fields
        answers = post["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]
        assert [a["$ref"].rsplit("/", 1)[1] for a in answers] == [answer, "EcsResponse"]
        assert post["security"] == [{"APIKeyHeader": []}]
        assert client.get("/docs").status_code == 200


def test_an_unexpected_error_in_a_log_model_is_a_generic_500(logs: TestClient,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.detectors.deeplog import DeepLog

    def broken(self: Any, X: Any) -> np.ndarray:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(DeepLog, "score", broken)
    r = _post(logs, {"lines": hdfs_log(2)})
    assert r.status_code == 500 and "internal detail" not in r.text


def test_an_event_table_model_scores_rows_of_events(tmp_path: Path) -> None:
    from hourglass import Pipeline
    from hourglass.detectors.sequence_ae import EventCountAutoEncoder
    from hourglass.features.sessions import EventSessions

    events = pd.DataFrame({"user": np.repeat([f"u{i}" for i in range(30)], 4),
                           "event": ["login", "read", "write", "logout"] * 30})
    pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=2, verbose=0),
                    features=EventSessions(session_column="user", key_column="event")).fit(events)
    pipe.save(tmp_path / "m")
    c = TestClient(create_app(tmp_path / "m", api_key=KEY))
    health = c.get("/health").json()
    assert (health["format"], health["sessions"]) == ("table", {"column": "user"})
    assert health["columns"] == [{"name": "user", "role": "session"}, {"name": "event", "role": "key"}]
    new = pd.DataFrame({"user": ["x", "x", "y", "y", "y"],
                        "event": ["login", "logout", "login", "sudo", "logout"]})
    r = _post(c, {"rows": new.to_dict("records")})
    assert r.status_code == 200, r.text
    got = r.json()
    sessions = pipe.features_.sessions(new)
    want = pipe.detector_.score(sessions.sequences)
    assert [s["session"] for s in got["sessions"]] == sessions.ids == ["x", "y"]
    np.testing.assert_allclose([s["score"] for s in got["sessions"]], want, rtol=1e-6)
    r = _post(c, {"rows": [{"who": "x", "event": "login"}]})
    assert (r.status_code, r.json()["detail"]) == (
        422, "rows: no row has column 'user' (each row needs user, event)")


def test_rows_on_a_resampled_grid_get_the_score_of_their_step(tmp_path: Path) -> None:
    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.serve import SeriesScorer, load_scorer

    t = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(0, 4000, 30), unit="s")
    train = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(len(t)) / 6)})
    Pipeline(LSTMAutoEncoder(window=6, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor("ts", freq="1min")).fit(train).save(tmp_path / "m")
    scorer = load_scorer(tmp_path / "m")
    assert isinstance(scorer, SeriesScorer) and scorer.describe()["freq"] == "1min"
    rows = train.iloc[:40].to_dict("records")  # two rows per one-minute step
    got = scorer.score(rows[::-1])  # sent newest first
    want = scorer.pipeline.score(train.iloc[:40])  # one score per minute, in time order
    assert got["steps"] == 20 and len(got["scores"]) == 40
    np.testing.assert_allclose(got["scores"][::-1], np.repeat(want, 2), rtol=1e-6)


def test_cli_serve_names_what_a_log_model_takes(kit: dict[str, Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.cli import serve as serve_cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kw: seen.update(app=app, **kw))
    for model, text in ((kit["log"], "(deeplog, log lines)"),
                        (kit["ts"], "(lstm-ae, time series of 3 columns, at least 8 rows)")):
        res = runner.invoke(cli, ["serve", str(model), "--port", "0"], env={"HOURGLASS_API_KEY": KEY})
        assert res.exit_code == 0, res.output
        assert text in " ".join(res.stderr.split())


def test_concurrent_log_requests_get_the_answers_they_would_get_alone(logs: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    batches = [[*hdfs_log(n, seed=n, anomalous=(1,)), "noise"] for n in (2, 5, 9, 3)]
    alone = [_post(logs, {"lines": b}).json() for b in batches]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda b: _post(logs, {"lines": b}).json(), batches * 2))
    for got, want in zip(together, alone * 2, strict=True):
        assert got == want and got["unparsed_lines"] == 1
