"""Third review of the scoring service (hourglass.serve): each test a defect found and fixed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import Pipeline
from hourglass.serve import create_app
from tests.test_review2_rv_serve import table_model

KEY = "review5-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
JSON = {**AUTH, "Content-Type": "application/json"}

ROW = {"bytes": 400, "proto": "tcp", "rate": 0.5}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return table_model(tmp_path_factory, "review5_serve")


@pytest.fixture(scope="module")
def client(model: Path) -> Iterator[TestClient]:
    with TestClient(create_app(model, api_key=KEY, max_rows=50), raise_server_exceptions=False) as c:
        yield c


def _requests(app: Any) -> list[str]:
    return [line for line in app.state.metrics.render().splitlines()
            if line.startswith("hourglass_requests_total{")]


def test_a_client_hanging_up_mid_upload_is_no_server_error_in_metrics(model: Path) -> None:
    # the body limit returns without answering when the client leaves: the request counter took
    # that for an exception and counted a 500, so a 5xx alert fired on clients timing out
    app = create_app(model, api_key=KEY)
    messages = [{"type": "http.request", "body": b'{"rows": [', "more_body": True},
                {"type": "http.disconnect"}]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/score", "raw_path": b"/score", "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
             "headers": [(b"x-api-key", KEY.encode()), (b"content-type", b"application/json")]}
    asyncio.run(app(scope, receive, send))
    assert sent == []
    assert _requests(app) == ['hourglass_requests_total{path="/score",status="499"} 1']
    with TestClient(app) as c:  # an answered request keeps its status
        assert c.post("/score", json={"rows": [ROW]}, headers=AUTH).status_code == 200
    assert 'hourglass_requests_total{path="/score",status="200"} 1' in _requests(app)


@pytest.fixture(scope="module")
def series_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = pd.date_range("2024-01-01", periods=80, freq="1min")
    series = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(80) / 4)})
    out = tmp_path_factory.mktemp("review5_series") / "model"
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0, random_state=0),
             features=TimeSeriesPreprocessor("ts")).fit(series).save(out)
    return out


def _flagged(app: Any) -> str:
    text = app.state.metrics.render()
    return next(line for line in text.splitlines() if line.startswith("hourglass_flagged_total"))


def test_an_ecs_answer_of_a_series_counts_the_flagged_rows_as_the_lists_answer_does(
        series_model: Path) -> None:
    # an ECS answer was counted as one flagged item per alert (time step) though the unit is rows:
    # three rows merged into a flagged step counted 3 flagged rows in the lists answer, 1 in ECS,
    # in /metrics; the drift check counts the time steps (20), in either answer, as score does
    t = pd.date_range("2024-01-01", periods=20, freq="1min").astype(str)
    rows = [{"ts": ts, "cpu": float(np.sin(i / 4))} for i, ts in enumerate(t)]
    rows[10]["cpu"] = 50.0
    rows += [dict(rows[10]), dict(rows[10])]  # two more rows in the spiked step, merged into it
    seen = {}
    for fmt in ("hourglass", "ecs"):
        app = create_app(series_model, api_key=KEY)
        with TestClient(app) as c:
            answer = c.post("/score", json={"rows": rows, "alert_format": fmt}, headers=AUTH).json()
            drift = c.get("/health").json()["drift"]
        seen[fmt] = (_flagged(app), drift["flagged"], drift["rows"])
        if fmt == "ecs":
            spiked = [a for a in answer["alerts"] if 10 in a["hourglass"]["rows"]]
            assert spiked and spiked[0]["hourglass"]["rows"] == [10, 20, 21]
        else:
            assert answer["flags"][10] == answer["flags"][20] == answer["flags"][21] == 1
    assert seen["ecs"] == seen["hourglass"]
    assert seen["ecs"][2] == 20  # the steps, not the 22 rows


@pytest.mark.parametrize(("shape", "body", "detail"), [
    ("sessions", {"sessions": [[1, 2**53 + 1]]},
     "session 1, key 2: expected an integer key from 0 to 9007199254740992 (2**53), got 9007199254740993"),
    ("sessions", {"sessions": [[1, None]]}, "session 1, key 2: expected an integer key >= 0, got null"),
    ("sessions", {"sessions": [[1, True]]}, "session 1, key 2: expected an integer key >= 0, got true"),
    ("sessions", {"sessions": [[1], None]}, "session 2: expected an array of integer keys, got null"),
    ("lines", {"lines": ["x", None]}, "line 2: expected text (one log line), got null"),
    ("lines", {"lines": ["x", False]}, "line 2: expected text (one log line), got true/false"),
])
def test_a_wrong_key_or_line_is_named_in_jsons_words_and_its_bound_right(shape: str, body: Any,
                                                                         detail: str) -> None:
    # a key above 2**53 was answered 'expected an integer key >= 0', though it is; a null line or
    # session 'got NoneType', a Python name the client never sent
    from pydantic import ValidationError

    from hourglass.serve.app import validation_message
    from hourglass.serve.schemas import BODIES, LinesRequest, SessionsRequest

    request = SessionsRequest if shape == "sessions" else LinesRequest
    with pytest.raises(ValidationError) as info:
        request.model_validate_json(json.dumps(body))
    assert validation_message(info.value.errors(include_url=False), BODIES[request]) == (422, detail)


def test_too_many_rows_are_refused_before_they_are_copied(client: TestClient,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # the row limit was checked after every row had been flattened (a copy of each): an 8 MB body
    # of 2.7 million {} rows took twice the time to refuse
    import hourglass.serve.app as app_module

    copied = [0]
    original = app_module.flat_record

    def counted(row: Any) -> Any:
        copied[0] += 1
        return original(row)

    monkeypatch.setattr(app_module, "flat_record", counted)
    r = client.post("/score", content=json.dumps({"rows": [{}] * 5000}), headers=JSON)
    assert (r.status_code, r.json()["detail"]) == (
        413, "too many rows (5,000; the limit is 50, --max-rows): split the request")
    assert copied[0] == 0
    assert client.post("/score", json={"rows": [ROW] * 3}, headers=AUTH).status_code == 200
    assert copied[0] == 3


def test_a_4xx_quoting_a_huge_value_stays_short(client: TestClient) -> None:
    # the scorer's message quotes the value it refused, whole: a 1 MB text in a numeric column came
    # back as a 1 MB 'detail' (and filled the logs of whatever logs the client's errors)
    r = client.post("/score", json={"rows": [{**ROW, "bytes": "x" * 1_000_000}]}, headers=AUTH)
    assert r.status_code == 422 and len(r.content) < 500
    detail = r.json()["detail"]
    # (cut where it is quoted since d90d3396, a cell's first 60 characters; the service's own cut
    # of a long detail, "... (N characters left out) ...", is _one_line's doctest)
    assert detail == f"column 'bytes': expected numbers, found '{'x' * 60}'... (row 1)", detail
    short = client.post("/score", json={"rows": [{**ROW, "bytes": "abc"}]}, headers=AUTH).json()["detail"]
    assert short == "column 'bytes': expected numbers, found 'abc' (row 1)"  # a short one: as it was
