"""The scoring service: requests of every model kind that must give a clear 4xx or the right
answer (huge JSON numbers, ...)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hourglass.serve.app import create_app
from tests._serve import AUTH, KEY, client_of, small_entity_model


@pytest.fixture(scope="module")
def entity_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    return small_entity_model(tmp_path_factory.mktemp("srv_entity"))


@pytest.fixture(scope="module")
def entity(entity_model: tuple[Path, list[dict[str, Any]]]) -> Iterator[TestClient]:
    with client_of(entity_model[0]) as c:
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


@pytest.fixture(scope="module")
def series_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A small time-series model (timestamp column ``ts``) and a series of 12 rows."""
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = pd.date_range("2024-01-01", periods=60, freq="1min").astype(str)
    series = pd.DataFrame({"ts": t, "cpu": np.sin(np.arange(60) / 4), "mem": np.cos(np.arange(60) / 5)})
    out = tmp_path_factory.mktemp("srv_series") / "m"
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor("ts")).fit(series).save(out)
    return out, series.head(12).to_dict("records")


@pytest.fixture(scope="module")
def events_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small event-table model: sessions per ``user``, keys from ``event``."""
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors.sequence_ae import EventCountAutoEncoder
    from hourglass.features.sessions import EventSessions

    events = pd.DataFrame({"user": np.repeat([f"u{i}" for i in range(20)], 4),
                           "event": ["login", "read", "write", "logout"] * 20})
    out = tmp_path_factory.mktemp("srv_events") / "m"
    Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
             features=EventSessions(session_column="user", key_column="event")).fit(events).save(out)
    return out


def test_keys_a_series_model_ignores_may_hold_objects_and_arrays(
        series_model: tuple[Path, list[dict[str, Any]]]) -> None:
    model, rows = series_model
    with TestClient(create_app(model, api_key=KEY)) as c:
        plain = c.post("/score", json={"rows": rows}, headers=AUTH)
        assert plain.status_code == 200, plain.text
        # a collector's metadata beside the channels: was a 422 ("row 1, column 'host': expected a
        # number, text, true/false or null, got an object") though /docs says other keys are ignored
        extra = [{**r, "host": {"name": "web1"}, "tags": ["prod"]} for r in rows]
        r = c.post("/score", json={"rows": extra}, headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json() == plain.json()
        nested = [{"ts": r["ts"], "cpu": r["cpu"], "mem": r["mem"]} for r in rows]
        nested[0] = {"ts": rows[0]["ts"], "cpu": [1], "mem": rows[0]["mem"]}
        r = c.post("/score", json={"rows": nested}, headers=AUTH)
        assert (r.status_code, r.json()["detail"]) == (
            422, "column 'cpu': expected numbers, found '[1]' (row 1)")


def test_keys_an_event_table_model_ignores_may_hold_objects_and_arrays(events_model: Path) -> None:
    rows = [{"user": "a", "event": "login"}, {"user": "a", "event": "read"}, {"user": "b", "event": "sudo"}]
    with TestClient(create_app(events_model, api_key=KEY)) as c:
        plain = c.post("/score", json={"rows": rows}, headers=AUTH)
        assert plain.status_code == 200, plain.text
        extra = [{**r, "src": {"ip": "10.0.0.5"}, "tags": ["x"]} for r in rows]
        r = c.post("/score", json={"rows": extra}, headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json() == plain.json()
        # an object in the session column is read as its fields, as a JSON-lines file is
        r = c.post("/score", json={"rows": [{"user": {"name": "a"}, "event": "login"}]}, headers=AUTH)
        assert (r.status_code, r.json()["detail"]) == (
            422, "rows: no row has column 'user' (each row needs user, event); the rows have "
            "'user' as a nested object, read as its fields (user.name); send 'user' as a plain value")


def test_explain_all_without_explain_or_with_ecs_is_refused_not_ignored(
        series_model: tuple[Path, list[dict[str, Any]]], entity: TestClient,
        entity_model: tuple[Path, list[dict[str, Any]]]) -> None:
    model, rows = series_model
    with TestClient(create_app(model, api_key=KEY)) as c:
        r = c.post("/score", json={"rows": rows, "explain_all": True}, headers=AUTH)  # was a 200, no 'why'
        assert (r.status_code, r.json()["detail"]) == (422, (
            "explain_all: explains every row with 'explain' (how many channels to name); give 'explain' too"))
        r = c.post("/score", json={"rows": rows, "explain": 1, "explain_all": True, "alert_format": "ecs"},
                   headers=AUTH)
        assert r.status_code == 422 and r.json()["detail"].startswith(
            "explain_all: an ECS answer holds the flagged rows alone"), r.text
        r = c.post("/score", json={"rows": rows, "explain": 1, "explain_all": True}, headers=AUTH)
        assert r.status_code == 200 and None not in r.json()["why"], r.text
        r = c.post("/score", json={"rows": rows, "explain_all": False}, headers=AUTH)
        assert r.status_code == 200 and "why" not in r.json(), r.text
    r = entity.post("/score", json={"rows": entity_model[1], "explain_all": True}, headers=AUTH)
    assert (r.status_code, r.json()["detail"]) == (422, (
        "explain_all: explains every bucket with 'explain' (how many features to name); give 'explain' too"))


def test_the_drift_check_of_a_series_counts_its_time_steps_not_its_rows(
        series_model: tuple[Path, list[dict[str, Any]]]) -> None:
    model, rows = series_model
    sent = [*rows, dict(rows[3]), dict(rows[3])]  # a step sent three times: one step, as score merges it
    with TestClient(create_app(model, api_key=KEY, drift_window=50)) as c:
        r = c.post("/score", json={"rows": sent}, headers=AUTH)
        assert r.status_code == 200 and r.json()["steps"] == 12 and len(r.json()["flags"]) == 14, r.text
        drift = c.get("/health").json()["drift"]
        assert (drift["rows"], drift["flagged"]) == (12, sum(r.json()["flags"][:12]))  # was 14 rows
        ecs = c.post("/score", json={"rows": sent, "alert_format": "ecs"}, headers=AUTH).json()
        drift = c.get("/health").json()["drift"]
        assert (drift["rows"], drift["flagged"]) == (24, 2 * ecs["count"])
        metrics = c.get("/metrics", headers=AUTH).text
    assert 'hourglass_scored_total{unit="rows"} 28' in metrics  # the rows answered, as before
