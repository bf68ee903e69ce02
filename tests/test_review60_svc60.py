"""Review 60 of the scoring service under concurrent, long-running production use: clients
that leave, the limits, the counters."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hourglass.serve import create_app
from tests._serve import KEY, small_table_model


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_table_model(tmp_path_factory.mktemp("review60_svc60"))


def _asgi_post(app: Any, body: bytes, *, leave: bool, path: str = "/score") -> list[Any]:
    """POST ``body`` to ``path`` of ``app`` through its ASGI interface; with ``leave`` the client
    has hung up once its body is sent (every later ``receive`` is a disconnect). The messages the
    app sent back."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[Any] = []
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        if not leave:
            await done.wait()  # a client that waits for its answer
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
             "headers": [(b"x-api-key", KEY.encode()), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}

    async def run() -> None:
        await app(scope, receive, send)

    asyncio.run(run())
    return sent


def test_a_request_whose_client_left_before_its_turn_is_not_scored(table_model: Path) -> None:
    # What was wrong: a request whose client hung up while it waited for the model (a load
    # balancer's or client's timeout under load) was still parsed and scored, holding the model
    # while the requests behind it waited, fed to the drift check and counted as scored, for an
    # answer the server then dropped (499). It is now answered 499 at its turn, unscored.
    app = create_app(table_model, api_key=KEY)
    hosted = app.state.hosted["m"]
    calls: list[int] = []
    score = hosted.scorer.score

    def counted(rows: Any, **kwargs: Any) -> Any:
        calls.append(len(rows))
        return score(rows, **kwargs)

    hosted.scorer.score = counted
    body = b'{"rows": [{"a": 0.5, "b": -0.2}, {"a": 9.0, "b": 9.0}]}'
    sent = _asgi_post(app, body, leave=True)
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] in ([], [499])
    assert calls == []
    text = app.state.metrics.render(hosted.drift_state())
    assert 'hourglass_requests_total{path="/score",status="499"} 1' in text
    assert 'hourglass_scored_total{unit="rows"} 0' in text
    assert "hourglass_scoring_seconds_count 0" in text
    assert hosted.drift_state()["rows"] == 0
    # a client that waits for its answer gets it, scored and counted
    sent = _asgi_post(app, body, leave=False)
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [200]
    assert calls == [2]
    assert 'hourglass_scored_total{unit="rows"} 2' in app.state.metrics.render()
