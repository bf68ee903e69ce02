"""Review 28 of the scoring service under concurrency: requests one at a time against many at
once, clients that leave, and what /metrics counts for them."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hourglass.serve import create_app
from hourglass.serve.multi import create_models_app
from tests.test_review2_rv_serve import table_model

KEY = "review28-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return table_model(tmp_path_factory, "review28_serve")


def _rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"bytes": 100 + 37 * ((start + i) % 23), "proto": ("tcp", "udp", "icmp")[(start + i) % 3],
             "rate": ((start + i) % 7) / 7} for i in range(n)]


def _requests(app: Any) -> list[str]:
    return [line for line in app.state.metrics.render().splitlines()
            if line.startswith("hourglass_requests_total{")]


def _post_then_leave(app: Any, body: bytes) -> list[Any]:
    """Send ``body`` to ``/score`` in full, then hang up before the answer (as a client whose
    timeout ran out while its request was scored); the messages the app sent back."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/score", "raw_path": b"/score", "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
             "headers": [(b"x-api-key", KEY.encode()), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}
    asyncio.run(app(scope, receive, send))
    return sent


def test_a_client_hanging_up_while_its_request_is_scored_is_counted_499(model: Path) -> None:
    # a client that sent its whole body and hung up while the request was scored (or waited
    # behind others for the model: a client timeout under load) was counted as a 200, an answer
    # the server dropped and nobody received, where /metrics says 499 is 'the client hung up
    # before the answer'; it is now a 499, as a client leaving mid-upload is
    app = create_app(model, api_key=KEY)
    sent = _post_then_leave(app, b'{"rows": [{"bytes": 400, "proto": "tcp", "rate": 0.5}]}')
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] in ([], [499])
    assert _requests(app) == ['hourglass_requests_total{path="/score",status="499"} 1']
    with TestClient(app) as c:  # a client that waits for its answer gets it, counted 200
        assert c.post("/score", json={"rows": _rows(3)}, headers=AUTH).status_code == 200
    assert 'hourglass_requests_total{path="/score",status="200"} 1' in _requests(app)


def test_requests_at_once_get_what_they_get_one_at_a_time_and_metrics_add_up(model: Path) -> None:
    # pins the promise: scoring is one request at a time through the model, so answers sent at
    # once are those sent alone, bit for bit, on a one-model service and a service of two models
    # (which score in parallel), and the counters add up to what was sent
    bodies = [{"rows": _rows(n, start=n)} for n in (1, 40, 7, 200)] + [
        {"rows": _rows(20, 3), "explain": 2}, {"rows": _rows(30, 5), "alert_format": "ecs"},
        {"rows": [{"bytes": "lots", "proto": "tcp", "rate": 1}]}]

    def plain(answer: dict[str, Any]) -> dict[str, Any]:
        for alert in answer.get("alerts", []):  # the scoring time: not the same twice
            alert.pop("@timestamp", None)
            alert.get("event", {}).pop("created", None)
        return answer

    apps = {"one": create_app(model, api_key=KEY),
            "two": create_models_app({"a": model, "b": model}, api_key=KEY)}
    for kind, app in apps.items():
        paths = ["/score"] if kind == "one" else ["/models/a/score", "/models/b/score"]
        work = [(path, body) for path in paths for body in bodies]
        with TestClient(app) as c:
            alone = [(r.status_code, plain(r.json()))
                     for r in (c.post(path, json=body, headers=AUTH) for path, body in work)]
            with ThreadPoolExecutor(12) as pool:
                together = list(pool.map(lambda job: c.post(job[0], json=job[1], headers=AUTH), work * 3))
            assert [(r.status_code, plain(r.json())) for r in together] == alone * 3
            text = c.get("/metrics", headers=AUTH).text
        rows = sum(len(b["rows"]) for b in bodies[:-1])  # the last one: a 422
        if kind == "one":
            assert f'hourglass_scored_total{{unit="rows"}} {4 * rows}' in text
            assert 'hourglass_requests_total{path="/score",status="200"} 24' in text
            assert 'hourglass_requests_total{path="/score",status="422"} 4' in text
            assert "hourglass_scoring_seconds_count 24" in text
        else:
            for name in ("a", "b"):
                assert f'hourglass_scored_total{{model="{name}",unit="rows"}} {4 * rows}' in text
                assert (f'hourglass_requests_total{{path="/models/{{name}}/score",model="{name}",'
                        'status="200"} 24') in text



def test_a_backlog_on_one_model_does_not_hold_up_another(model: Path) -> None:
    # every model's requests ran on the one worker pool shared by the process (40 threads) and
    # waited in those threads for their model: a burst to one model took every thread, and a
    # request to another model queued behind the burst (b answered after 41 of a's 80), where
    # the README says models score in parallel; each model now has its own threads
    import threading
    import time

    app = create_models_app({"a": model, "b": model}, api_key=KEY)
    busy = app.state.hosted["a"]
    score, answer, released, arrived = busy.scorer.score, busy.answer, threading.Event(), []

    def slowly(rows: Any, **kwargs: Any) -> Any:  # a model busy until b has answered (a minute at
        released.wait(60)  # most: b queued behind a's requests would wait for it); order, not time
        return score(rows, **kwargs)

    async def counted(request: Any) -> Any:
        arrived.append(1)
        return await answer(request)

    busy.scorer.score, busy.answer = slowly, counted
    with TestClient(app) as c, ThreadPoolExecutor(80) as pool:
        burst = [pool.submit(c.post, "/models/a/score", json={"rows": _rows(2)}, headers=AUTH)
                 for _ in range(80)]
        while len(arrived) < 80:  # the whole burst queued for a
            time.sleep(0.01)
        assert c.post("/models/b/score", json={"rows": _rows(2)}, headers=AUTH).status_code == 200
        done = sum(f.done() for f in burst)
        released.set()
        assert all(f.result().status_code == 200 for f in burst)
    assert done == 0, f"b answered after {done} of a's 80 requests"
