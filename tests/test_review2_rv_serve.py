"""Review of the scoring service (hourglass.serve): request limits, one-line 4xx answers, the key,
/metrics and the sinks, each test a defect found and fixed."""

from __future__ import annotations

import json
import threading
import time
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
from hourglass.errors import InputError
from hourglass.serve import create_app, read_api_key
from hourglass.serve.schemas import (
    EntityRequest,
    EventRowsRequest,
    LinesRequest,
    RecordLinesRequest,
    ScoreRequest,
    ScoreResponse,
    SeriesRequest,
    SessionsRequest,
)

KEY = "review-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
JSON = {**AUTH, "Content-Type": "application/json"}


def table_model(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A small table model (bytes, proto, rate), saved under a new folder ``name``."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"bytes": rng.lognormal(6, 1, 120).round(), "proto": rng.choice(["tcp", "udp"], 120),
                       "rate": rng.uniform(0, 1, 120)})
    out = tmp_path_factory.mktemp(name) / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df).save(out)
    return out


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return table_model(tmp_path_factory, "review_serve")


@pytest.fixture(scope="module")
def client(model: Path) -> Iterator[TestClient]:
    with TestClient(create_app(model, api_key=KEY, max_rows=50), raise_server_exceptions=False) as c:
        yield c


ROW = {"bytes": 400, "proto": "tcp", "rate": 0.5}


@pytest.mark.parametrize(("shape", "body"), [
    (ScoreRequest, {"rows": [1] * 50_000}), (EntityRequest, {"rows": [[]] * 50_000}),
    (SeriesRequest, {"rows": [[]] * 50_000}),
    (EventRowsRequest, {"rows": ["x"] * 50_000}), (LinesRequest, {"lines": [1] * 50_000}),
    (RecordLinesRequest, {"lines": [None] * 50_000}), (SessionsRequest, {"sessions": [["x"] * 50_000]}),
])
def test_a_body_of_many_wrong_items_stops_at_the_first(shape: Any, body: dict[str, Any]) -> None:
    # one error record per wrong item: an 8 MB body of [1, 1, ...] took 88 s and 3.8 GB before its 422
    with pytest.raises(Exception) as info:
        shape.model_validate_json(json.dumps(body))
    assert info.value.error_count() <= 5  # the first item's (one per member of a value's union)


def test_many_wrong_rows_answer_the_first_one(client: TestClient) -> None:
    body = json.dumps({"rows": [ROW, ROW] + [1] * 200_000})
    r = client.post("/score", content=body, headers=JSON)
    assert (r.status_code, r.json()) == (
        422, {"detail": "row 3: expected a JSON object {column: value, ...}, got a number"})


def test_health_and_metrics_answer_while_scoring_fills_the_worker_threads(model: Path) -> None:
    # they ran in the worker threads: queued behind 40 scoring requests, a liveness probe timed out
    app = create_app(model, api_key=KEY)
    hosted = next(iter(app.state.hosted.values()))
    gate, inside, lock = threading.Event(), [0], threading.Lock()
    turn = hosted.turn

    class Held:  # each request held in its worker thread as it waits for its turn at the model
        def __enter__(self) -> None:
            with lock:
                inside[0] += 1
            gate.wait(10)
            turn.acquire()

        def __exit__(self, *exc: Any) -> None:
            turn.release()

    hosted.turn = Held()
    answered: dict[str, int] = {}
    with TestClient(app) as c:
        posts = [threading.Thread(target=c.post, args=("/score",), kwargs={"json": {"rows": [ROW]},
                                                                           "headers": AUTH})
                 for _ in range(45)]
        for t in posts:
            t.start()
        deadline = time.monotonic() + 30
        while inside[0] < 40 and time.monotonic() < deadline:  # anyio's 40 worker threads all busy
            time.sleep(0.01)
        assert inside[0] >= 40  # else the probes below would not test a full pool

        def probe() -> None:
            for path in ("/health", "/metrics", "/models", "/models/model/health"):
                answered[path] = c.get(path, headers=AUTH).status_code

        prober = threading.Thread(target=probe)
        prober.start()
        prober.join(15)  # answered at once on the event loop; queued, they would wait for the gate
        got = dict(answered)
        gate.set()
        for t in [*posts, prober]:
            t.join(10)
    assert got == {"/health": 200, "/metrics": 200, "/models": 200, "/models/model/health": 200}


def test_writing_a_large_answer_does_not_block_the_event_loop(model: Path) -> None:
    # the answer's JSON was written on the event loop: 2 s for 100,000 ECS alerts, every other
    # request (a health probe) waiting
    app = create_app(model, api_key=KEY)
    hosted = next(iter(app.state.hosted.values()))
    started, probed, in_time = threading.Event(), threading.Event(), [False]

    class SlowAnswer(ScoreResponse):
        @classmethod
        def model_validate(cls, obj: Any, **kwargs: Any) -> Any:
            started.set()  # the answer is held until /health has answered: on the event loop,
            in_time[0] = probed.wait(10)  # the probe would wait for it instead (order, not time)
            return ScoreResponse.model_validate(obj, **kwargs)

    hosted.response_model = SlowAnswer
    with TestClient(app) as c:
        got: dict[str, Any] = {}
        post = threading.Thread(target=lambda: got.update(r=c.post("/score", json={"rows": [ROW]},
                                                                    headers=AUTH)))
        post.start()
        assert started.wait(10)
        assert c.get("/health").status_code == 200
        probed.set()
        post.join(20)
    assert in_time[0] and got["r"].status_code == 200 and len(got["r"].json()["scores"]) == 1


def test_an_unknown_field_is_named_within_bounds(client: TestClient) -> None:
    # the whole name was echoed: a 1 MB field name came back as a 1 MB 'detail'
    r = client.post("/score", content=json.dumps({"rows": [ROW], "k" * 1_000_000: 1}), headers=JSON)
    assert r.status_code == 422 and len(r.content) < 300
    assert r.json()["detail"] == (f"{'k' * 60}... (1,000,000 characters): unknown field; the body takes "
                                  "'rows', 'explain' and 'alert_format'")
    r = client.post("/score", content=json.dumps({"rows": [ROW], "top": 1}), headers=JSON)
    assert r.json()["detail"] == "top: unknown field; the body takes 'rows', 'explain' and 'alert_format'"


@pytest.fixture(scope="module")
def cef_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.test_cef import _line

    d = tmp_path_factory.mktemp("review_cef")
    rng = np.random.default_rng(0)
    (d / "fw.cef").write_text("".join(_line(rng, i, False) + "\n" for i in range(300)))
    res = CliRunner().invoke(cli, ["train", str(d / "fw.cef"), "--model", "autoencoder", "--hidden", "4,2",
                                   "--epochs", "1", "-o", str(d / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return d / "m"


def test_an_empty_batch_of_lines_is_named_as_lines(cef_model: Path) -> None:
    # a CEF model's body has 'lines': the answer spoke of 'rows', a field it refuses
    c = TestClient(create_app(cef_model, api_key=KEY))
    r = c.post("/score", json={"lines": []}, headers=AUTH)
    assert (r.status_code, r.json()) == (422, {"detail": "lines: no lines to score (empty list)"})


def test_a_key_file_written_with_a_byte_order_mark_gives_its_key(tmp_path: Path) -> None:
    # Notepad's 'UTF-8 with BOM' and Windows PowerShell's Out-File -Encoding utf8 begin the file with
    # a BOM: the key was refused as 'only printable ASCII without spaces'
    (tmp_path / "key").write_bytes(b"\xef\xbb\xbf" + KEY.encode() + b"\r\n")
    (tmp_path / "key").chmod(0o600)
    assert read_api_key(tmp_path / "key", {}) == KEY


def test_a_key_file_is_read_a_line_at_a_time(tmp_path: Path) -> None:
    # the whole file was read: --api-key-file /dev/zero grew without bound
    (tmp_path / "key").write_text(f"\n\n  {KEY}  \n" + "x" * 10_000_000)
    (tmp_path / "key").chmod(0o600)
    assert read_api_key(tmp_path / "key", {}) == KEY
    with pytest.raises(InputError, match=r"first line is over 4,096 characters: not a key file"):
        read_api_key("/dev/zero", {})
    (tmp_path / "blank").write_text("\n  \n\n")
    with pytest.raises(InputError, match="the file is empty"):
        read_api_key(tmp_path / "blank", {})


def test_serve_on_port_0_names_the_port_it_listens_on(model: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # the start-up line said http://127.0.0.1:0 (with -q no other line gives the port), and a host
    # not of this machine was found only by uvicorn (its own error, exit code 3)
    from hourglass.cli import serve as serve_cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kw: seen.update(kw))
    monkeypatch.setenv("HOURGLASS_API_KEY", KEY)
    res = CliRunner().invoke(cli, ["serve", str(model), "--port", "0", "-q"])
    assert res.exit_code == 0, res.output
    assert seen["port"] > 0 and f"on http://127.0.0.1:{seen['port']} (docs" in " ".join(res.stderr.split())
    res = CliRunner().invoke(cli, ["serve", str(model), "--port", "0", "--host", "192.0.2.1"])
    assert res.exit_code == 2 and "--host 192.0.2.1: not an address of this machine" in res.stderr


@pytest.mark.parametrize("when", [[], ["2024-01-01"], "0000-01-01", "0000-01-01T00:00:00"])
def test_an_event_time_that_is_no_time_is_a_4xx_not_a_500(when: Any) -> None:
    # an array ([]: IndexError) or year 0 (ValueError) escaped as a 500 from the service and as
    # 'error: year 0 is out of range' (no line named) from stream --alert-format ecs
    from hourglass.serve.ecs import AlertRule, to_ecs

    with pytest.raises(InputError, match=r"^column 'ts': .* is not a timestamp$"):
        to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", time_field="ts"), fields={"ts": when})


def test_a_cef_line_whose_time_is_year_0_is_a_4xx(cef_model: Path) -> None:
    c = TestClient(create_app(cef_model, api_key=KEY), raise_server_exceptions=False)
    line = "CEF:0|Acme|Firewall|2.1|THREAT|x|9|rt=0000-01-01 src=10.0.0.5 dpt=4444 in=999999999 out=1"
    r = c.post("/score", json={"lines": [line], "alert_format": "ecs"}, headers=AUTH)
    assert (r.status_code, r.json()) == (422, {"detail": "column 'rt': line 1 is not a timestamp "
                                                         "('0000-01-01')"})


def test_a_protocol_number_out_of_range_stays_a_kept_field(client: TestClient) -> None:
    # int(float('1' + '0' * 400)) overflowed: a 500 from the service; 300 was written as an IANA number
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule("autoencoder", "ab")
    for value in ("1" + "0" * 400, 10**400, "300"):
        doc = to_ecs({"row": 0, "score": 2.0}, rule, fields={"proto": value})
        assert "network" not in doc and doc["hourglass"]["fields"] == {"proto": value}
    assert to_ecs({"row": 0}, rule, fields={"proto": "17.0"})["network"] == {"iana_number": "17"}
    r = client.post("/score", json={"rows": [{**ROW, "bytes": 9e12, "proto": "1" + "0" * 400}],
                                    "alert_format": "ecs"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["count"] == 1, r.text
