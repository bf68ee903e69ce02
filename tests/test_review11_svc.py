"""The scoring service (request bodies, log lines, several models) and ``hourglass serve``:
each test is a defect a user saw, kept fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import AutoEncoder, Pipeline
from hourglass.serve import create_app

KEY = "svc11-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


@pytest.fixture(scope="module")
def log_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.features import EventSessions

    d = tmp_path_factory.mktemp("svc11_log")
    ops = ["open", "read", "close"]
    lines = [f"{ops[i % 3]} file blk_{i // 3} done" for i in range(90)]
    Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=2, verbose=0, random_state=0),
             features=EventSessions(session_regex=r"blk_\d+")).fit(lines).save(d / "log")
    return TestClient(create_app(d / "log", api_key=KEY), raise_server_exceptions=False)


def _post(client: TestClient, body: dict[str, Any], path: str = "/score") -> Any:
    return client.post(path, json=body, headers=AUTH)


def test_log_lines_lose_nul_and_bom_as_score_and_stream_read_them(log_client: TestClient) -> None:
    # 'hourglass score' and 'stream' remove NUL characters from a log's lines (the padding of a
    # log truncated in place) and the byte-order mark of its first line; the service parsed
    # them as part of the line: such a line matched no template (an unknown event), so the
    # session's score was not the one score gives for the same lines
    lines = ["open file blk_1 done", "read file blk_1 done", "close file blk_1 done"]
    plain = _post(log_client, {"lines": lines})
    padded = _post(log_client, {"lines": ["\ufeff" + lines[0], "read\x00 file blk_1\x00 done", lines[2]]})
    assert plain.status_code == 200 and padded.status_code == 200, padded.text
    assert padded.json()["unknown_templates"] == 0
    assert padded.json() == plain.json()


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("svc11_table")
    df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df).save(d / "m")
    return d / "m"


@pytest.fixture(scope="module")
def client(table_model: Path) -> TestClient:
    return TestClient(create_app(table_model, api_key=KEY, max_rows=20), raise_server_exceptions=False)


@pytest.mark.parametrize("media", ["application/x-ndjson", "application/ndjson"])
def test_a_json_lines_body_is_refused_by_its_content_type(client: TestClient, media: str) -> None:
    # the README: a body is JSON sent as application/json, another content type is a 415; a
    # body declared as JSON lines was taken for JSON (its type ends in 'json'): two lines were
    # a 400 'not valid JSON (trailing characters at line 2 column 1)', one line was scored
    line = b'{"rows": [{"bytes": 1, "proto": "tcp"}]}'
    for raw in (line, line + b"\n" + line):
        res = client.post("/score", content=raw, headers={**AUTH, "Content-Type": media})
        assert res.status_code == 415, res.text
        assert res.json()["detail"].startswith(f"Content-Type: expected application/json, got {media}")
        assert "not JSON lines" in res.json()["detail"]
    ok = client.post("/score", content=line, headers={**AUTH, "Content-Type": "application/json"})
    assert ok.status_code == 200, ok.text
