"""Review 23, the README's Serving section: what a request gets that the README says it gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hourglass.serve.app import create_app
from tests._serve import AUTH, KEY


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
    out = tmp_path_factory.mktemp("wsrv_events") / "m"
    Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
             features=EventSessions(session_column="user", key_column="event")).fit(events).save(out)
    return out


def test_an_event_table_column_sent_as_an_object_is_named_as_one(events_model: Path) -> None:
    # What was wrong: an event-table log model's key column sent as a JSON object in every row
    # ({"event": {"name": "login"}}, read as its fields, event.name) was a 422 "rows: no row has
    # column 'event'", though every row had it; a table model's rows, and 'hourglass score' of
    # such JSON lines ("columns are user, event.name"), say it is a nested object. Now so does this.
    rows = [{"user": "a", "event": {"name": "login"}}, {"user": "a", "event": {"name": "read"}}]
    with TestClient(create_app(events_model, api_key=KEY)) as c:
        r = c.post("/score", json={"rows": rows}, headers=AUTH)
        assert (r.status_code, r.json()["detail"]) == (
            422, "rows: no row has column 'event' (each row needs user, event); the rows have "
            "'event' as a nested object, read as its fields (event.name); send 'event' as a plain "
            "value")
        # a column that is simply absent keeps its message as it was
        r = c.post("/score", json={"rows": [{"user": "a", "what": "login"}]}, headers=AUTH)
        assert (r.status_code, r.json()["detail"]) == (
            422, "rows: no row has column 'event' (each row needs user, event)")


def test_a_service_of_several_models_names_their_routes_on_score(tmp_path: Path) -> None:
    # What was wrong: with a second model, /score is gone (each model answers on
    # /models/NAME/score), and a client still posting there, as the README's one-model examples
    # do, got a bare 404 "Not Found", not a word of where the model went. Now the 404 names the
    # route and the models (as an unknown model's does); a POST without the key stays a 401.
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder
    from hourglass.serve.multi import create_models_app

    df = pd.DataFrame({"bytes": [float(i % 7) for i in range(60)], "proto": ["tcp", "udp"] * 30})
    for name in ("zeek", "vpc"):
        Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(tmp_path / name)
    app = create_models_app({"zeek": tmp_path / "zeek", "vpc": tmp_path / "vpc"}, api_key=KEY)
    with TestClient(app) as c:
        want = ("no /score here: each model answers on its own route, POST /models/NAME/score "
                "(the models: zeek, vpc; GET /models)")
        r = c.post("/score", json={"rows": [{"bytes": 1, "proto": "tcp"}]}, headers=AUTH)
        assert (r.status_code, r.json()) == (404, {"detail": want, "models": ["zeek", "vpc"]})
        assert c.get("/score").status_code == 404
        assert c.post("/score", json={"rows": []}).status_code == 401
        assert "/score" not in c.get("/openapi.json").json()["paths"]
        r = c.post("/models/zeek/score", json={"rows": [{"bytes": 1, "proto": "tcp"}]}, headers=AUTH)
        assert r.status_code == 200, r.text
