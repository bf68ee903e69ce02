"""The scoring service: requests whose values the service must not silently misread."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass.serve.app import create_app
from tests._serve import AUTH, KEY, small_entity_model


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A table model whose 'bytes' is optional (missing in some training rows)."""
    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"bytes": rng.exponential(1000, 120).round(1), "dur": rng.random(120),
                       "proto": rng.choice(["tcp", "udp"], 120)})
    df.loc[::10, "bytes"] = np.nan
    out = tmp_path_factory.mktemp("svc21") / "table"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(out)
    return out


@pytest.fixture(scope="module")
def table_client(table: Path) -> Iterator[TestClient]:
    with TestClient(create_app(table, api_key=KEY), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def entity(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    return small_entity_model(tmp_path_factory.mktemp("svc21e"))


def test_optional_column_sent_as_an_object_is_refused_not_read_as_missing(
        table_client: TestClient) -> None:
    """An optional column ('bytes', missing in some training rows) sent as a nested object was
    read as its fields (bytes.x, no model column) and the row scored with 'bytes' missing,
    imputed, the value sent unread; a column every row needs is refused so, and now so is this."""
    assert table_client.get("/health").json()["columns"][0] == {
        "name": "bytes", "role": "numeric", "optional": True}
    row = {"bytes": 5000, "dur": 0.5, "proto": "tcp"}
    ok = table_client.post("/score", json={"rows": [row]}, headers=AUTH)
    assert ok.status_code == 200
    r = table_client.post("/score", json={"rows": [row, {**row, "bytes": {"x": 5000}}]}, headers=AUTH)
    assert (r.status_code, r.json()["detail"]) == (
        422, "row 2: missing column 'bytes': the row has 'bytes' as a nested object, read as its "
             "fields (bytes.x); send 'bytes' as a plain value (null for a missing one)")
    # left out, or null: a missing value, as before
    for other in ({"dur": 0.5, "proto": "tcp"}, {**row, "bytes": None}):
        assert table_client.post("/score", json={"rows": [other]}, headers=AUTH).status_code == 200


def test_entity_column_sent_as_an_object_is_refused(entity: tuple[Path, list[dict[str, Any]]]) -> None:
    """An entity-bucket model's rows: a column sent as a nested object in one row ('bytes' of
    a flow, the entity itself) was a missing value there (the bytes summed without it, the row's
    entity '<missing>'), silently."""
    model, rows = entity
    with TestClient(create_app(model, api_key=KEY), raise_server_exceptions=False) as client:
        for col, value in (("bytes", {"x": 5}), ("src_ip", {"addr": "10.0.0.1"})):
            sent = copy.deepcopy(rows)
            sent[3][col] = value
            r = client.post("/score", json={"rows": sent}, headers=AUTH)
            assert r.status_code == 422, r.text
            assert r.json()["detail"].startswith(
                f"row 4: missing column '{col}': the row has '{col}' as a nested object"), r.text
        assert client.post("/score", json={"rows": rows}, headers=AUTH).status_code == 200


def _event_table_model(folder: Path, keys: list[str]) -> Path:
    from hourglass import Pipeline
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.features import EventSessions

    rows = [{"user": f"u{u}", "event": e} for u in range(30) for e in keys * 2]
    out = folder / "events"
    Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
             features=EventSessions(session_column="user", key_column="event")).fit(
        pd.DataFrame(rows)).save(out)
    return out


def test_event_table_key_spelled_as_a_missing_cell_is_no_key(tmp_path: Path) -> None:
    """An event table's key 'N/A' (or 'null', '?': what the CSV reader takes for a missing cell)
    sent as JSON rows was a key never seen, counted unknown and scored so (a session flagged
    critical where 'hourglass score' of the same rows as a CSV leaves the event out, an empty
    key); it is now no key, as the CSV reads it, unless training named a key so."""
    model = _event_table_model(tmp_path, ["login", "read", "write", "logout"])
    events = ["login", "read", "N/A", "write", "null", "logout"]
    with TestClient(create_app(model, api_key=KEY)) as client:
        r = client.post("/score", json={"rows": [{"user": "x", "event": e} for e in events]}, headers=AUTH)
        clean = client.post("/score", json={"rows": [{"user": "x", "event": e} for e in events
                                                     if e not in ("N/A", "null")]}, headers=AUTH)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["unknown_templates"] == 0 and answer["parse"]["events_without_key"] == 2
    assert answer["sessions"][0]["score"] == clean.json()["sessions"][0]["score"]
    assert answer["sessions"][0]["n_events"] == 4
    # a model that learnt 'N/A' as a key (trained on rows holding it) keeps it
    (tmp_path / "named").mkdir()
    named = _event_table_model(tmp_path / "named", ["login", "N/A", "logout"])
    with TestClient(create_app(named, api_key=KEY)) as client:
        r = client.post("/score", json={"rows": [{"user": "x", "event": e} for e in ("login", "N/A")]},
                        headers=AUTH)
    assert r.json()["unknown_templates"] == 0 and r.json()["sessions"][0]["n_events"] == 2, r.text
