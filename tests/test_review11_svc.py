"""The scoring service (request bodies, log lines, several models) and ``hourglass serve``:
each test is a defect a user saw, kept fixed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hourglass import Pipeline
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

