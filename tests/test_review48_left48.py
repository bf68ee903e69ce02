"""Session ids' surrounding spaces, odd spellings of ports and IPv4 addresses, and the OpenAPI
schema of ``"explain"``."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd

from hourglass.features.sessions import EventSessions
from hourglass.features.sessions.live import line_events

_ROWS = [(" a ", "login"), ("a", "read"), ("b", "login"), (" b", "exit"), ("a ", "exit")]


def _grouped(found) -> list[tuple[str, list[int]]]:
    return [(i, s.tolist()) for i, s in zip(found.ids, found.sequences, strict=True)]


# what was wrong: a session id ' a ' in JSON lines, Parquet or a DataFrame (so the service's rows
# too) was a session of its own beside 'a', where the same rows in a CSV (cells read stripped)
# were one session 'a'
def test_session_ids_spaces_alike_in_every_format(tmp_path: Path) -> None:
    df = pd.DataFrame(_ROWS, columns=["user", "event"])
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_parquet(tmp_path / "t.parquet")
    (tmp_path / "t.jsonl").write_text("".join(json.dumps({"user": u, "event": e}) + "\n"
                                              for u, e in _ROWS))
    pre = EventSessions(session_column="user", key_column="event").fit(df)
    want = _grouped(pre.sessions(tmp_path / "t.csv"))
    assert [i for i, _ in want] == ["a", "b"]
    for data in (df, tmp_path / "t.parquet", tmp_path / "t.jsonl"):
        assert _grouped(pre.sessions(data)) == want, data


# what was wrong: a raw log's header field holding ' a ' named session ' a ' in 'score' and in
# 'stream' (line_events); it is 'a' in both, as an event table's id is
def test_header_field_session_ids_stripped_in_batch_and_stream() -> None:
    ids = [(" a ", "open"), ("a", "read"), ("b", "open"), (" b", "close")]
    lines = [f"{u}|op {op} done" for u, op in ids]
    pre = EventSessions(format=r"(?P<user>[^|]*)\|(?P<content>.*)", session_column="user").fit(lines)
    assert pre.sessions(lines).ids == ["a", "b"]
    assert line_events(pre, lines, 1, {})["session"] == ["a", "a", "b", "b"]


# what was wrong: a port with a fraction, 80.7 (as a number or as text), was floored to port 80
# (the feature dport=80 lit), where ECS alerts already left such a port out: it is no port now,
# a missing value, as every other value that is no port
def test_port_with_a_fraction_is_no_port() -> None:
    import numpy as np

    from hourglass.features.roles import port_numbers
    from hourglass.serve.ecs import _ecs_value

    got = port_numbers(pd.Series([80.7, 80.0, 443.0]))
    assert np.isnan(got[0]) and got[1:].tolist() == [80.0, 443.0]
    assert np.isnan(port_numbers(pd.Series(["80.7", "80"], dtype=object))).tolist() == [True, False]
    assert _ecs_value("destination.port", 80.7) is None


# what was wrong: '010.001.002.003' was the address 10.1.2.3 to the features (private, in
# 10.1.2.0/24) but no address to a suppression rule (10.0.0.0/8 did not match it) nor to ECS
# alerts (source.ip left out): every path reads its octets as decimal now
def test_zero_padded_ipv4_read_as_decimal_on_every_path() -> None:
    import numpy as np

    from hourglass.features.roles import ip_parts
    from hourglass.serve.ecs import _ecs_value
    from hourglass.serve.suppress import Condition

    padded = pd.Series(["010.001.002.003", "10.1.2.3"])
    private, _, bucket, missing = ip_parts(padded, 16)
    assert private.tolist() == [True, True] and bucket[0] == bucket[1] and not missing.any()
    cells = np.array(["010.001.002.003", "008.001.002.003", "300.001.002.003"], dtype=object)
    assert Condition.of(["10.0.0.0/8"], "x").test(cells).tolist() == [True, False, False]
    assert Condition.of(["10.1.2.3"], "x").test(cells[:1]).tolist() == [True]
    assert _ecs_value("source.ip", "010.001.002.003") == "10.1.2.3"
    assert _ecs_value("source.ip", "300.001.002.003") is None


def _explain_schemas(schema: dict) -> dict[str, dict]:
    """The ``"explain"`` property of every request body in an OpenAPI document."""
    return {name: {k: v for k, v in s["properties"]["explain"].items() if k in ("anyOf", "type")}
            for name, s in schema["components"]["schemas"].items()
            if name.endswith("Request") and "explain" in s.get("properties", {})}


# what was wrong: /openapi.json said "explain" is integer|null on a table, series or entity model
# (with pydantic's own 'ge'/'le' keywords) and boolean on a log model, though every model kind
# takes true, false, null and a count 1-100 alike (a client generated from it refused true, or
# 2, that the service takes); now each request's schema says so, in one- and several-model services
def test_openapi_states_what_explain_takes_on_every_model_kind(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app
    from hourglass.serve.multi import create_models_app
    from hourglass.serve.schemas import EXPLAIN_MAX
    from tests._cli import ab_model
    from tests.test_review47_left47 import AUTH, KEY, _keys_model

    table, keys = ab_model(tmp_path), _keys_model(tmp_path)
    want = {"anyOf": [{"type": "boolean"}, {"type": "integer", "minimum": 1, "maximum": EXPLAIN_MAX},
                      {"type": "null"}]}
    rows, sessions = {"rows": [{"a": 0.5, "b": 0.5}]}, {"sessions": [[1, 2, 3, 4]]}
    found: dict[str, dict] = {}
    for app, posts in ((create_app(table, api_key=KEY), [("/score", rows)]),
                       (create_app(keys, api_key=KEY), [("/score", sessions)]),
                       (create_models_app({"t": table, "k": keys}, api_key=KEY),
                        [("/models/t/score", rows), ("/models/k/score", sessions)])):
        with TestClient(app) as client:
            found.update(_explain_schemas(client.get("/openapi.json").json()))
            for (path, body), sent in itertools.product(posts, (True, False, None, 2)):
                r = client.post(path, json={**body, "explain": sent}, headers=AUTH)
                assert r.status_code == 200, (path, sent, r.text)  # what the schema lists is taken
    assert {"ScoreRequest", "SessionsRequest"} <= set(found), found
    assert all(s == want for s in found.values()), found
    from hourglass.serve.schemas import BODIES  # every request kind: series, entity, lines ...
    assert all(_explain_schemas({"components": {"schemas": {m.__name__: m.model_json_schema()}}})
               == {m.__name__: want} for m in BODIES), BODIES


# what was wrong: the service's rows of an event-table model named a session per spelling, ' a ',
# 'a' and 'a ' three sessions of one event each, where 'hourglass score' of the same rows as a CSV
# found one session 'a' of three events
def test_service_rows_session_ids_spaces(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hourglass.cli.app import app as cli
    from hourglass.serve import create_app
    from tests._cli import runner
    from tests.test_review47_left47 import AUTH, KEY

    rows = [{"user": u, "event": e} for u in "abcd" * 5 for e in ("login", "read", "exit")]
    pd.DataFrame(rows).to_csv(tmp_path / "t.csv", index=False)
    res = runner.invoke(cli, ["train", str(tmp_path / "t.csv"), "--session-col", "user", "--key-col",
                              "event", "--model", "deeplog", "--epochs", "1",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    sent = [{"user": " a ", "event": "login"}, {"user": "a", "event": "read"},
            {"user": "a ", "event": "exit"}]
    with TestClient(create_app(tmp_path / "m", api_key=KEY)) as client:
        answer = client.post("/score", json={"rows": sent}, headers=AUTH).json()
    assert [(s["session"], s["n_events"]) for s in answer["sessions"]] == [("a", 3)]
