"""The scoring service: requests of every model kind that must give a clear 4xx or the right
answer (huge JSON numbers, ...)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hourglass.serve.app import create_app

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


@pytest.fixture(scope="module")
def entity_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A small entity-bucket model and some rows of flows it scores."""
    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder
    from hourglass.features.entity import EntityWindows
    from hourglass.ingest.synthetic import port_scan_flows

    flows, _ = port_scan_flows(hosts=3, days=0.3, scan_flows=0, seed=1)
    out = tmp_path_factory.mktemp("srv_entity") / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
             features=EntityWindows("src_ip", "ts", bucket="5min")).fit(flows).save(out)
    rows = flows.head(20).to_dict("records")
    return out, [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in rows]


@pytest.fixture(scope="module")
def entity(entity_model: tuple[Path, list[dict[str, Any]]]) -> Iterator[TestClient]:
    with TestClient(create_app(entity_model[0], api_key=KEY), raise_server_exceptions=False) as c:
        yield c


def test_an_entity_row_with_an_integer_no_float_holds_is_read_as_infinite(
        entity: TestClient, entity_model: tuple[Path, list[dict[str, Any]]]) -> None:
    rows = [dict(r) for r in entity_model[1]]
    rows[0]["bytes"] = 10**400  # valid JSON; was an OverflowError in the aggregation: a 500
    r = entity.post("/score", json={"rows": rows}, headers=AUTH)
    assert r.status_code == 200, r.text
    inf = [dict(row) for row in entity_model[1]]
    inf[0]["bytes"] = float("inf")  # what a file's 1e400 reads as
    want = entity.post("/score", content=_json_with_inf({"rows": inf}), headers={
        **AUTH, "Content-Type": "application/json"})
    assert r.json() == want.json()
    rows = [dict(r) for r in entity_model[1]]
    rows[0]["ts"] = -(10**400)
    r = entity.post("/score", json={"rows": rows}, headers=AUTH)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("column 'ts': row 1 is not a timestamp (-inf")


def _json_with_inf(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()  # Infinity, which the service's parser takes
