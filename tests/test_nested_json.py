"""Nested JSON (Elastic Common Schema exports, Suricata EVE): a nested object's fields are
columns named by their path (``source.ip``), the same in ``train``/``score`` of a JSON-lines or
Parquet file, ``stream`` and the service's ``/score``; arrays stay one JSON-text column."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from hourglass.cli import app
from hourglass.ingest.tables import flat_record, flatten_json, iter_table
from hourglass.serve import create_app
from tests._cli import runner

FAST = ["--epochs", "3", "--hidden", "8,4", "--batch-size", "64", "-q"]
KEY = "k" * 32


def _event(rng: np.random.Generator, i: int, attack: bool) -> dict[str, Any]:
    size = rng.lognormal(12 if attack else 6, 0.3)
    return {"@timestamp": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "source": {"ip": f"10.0.0.{rng.integers(1, 9)}", "port": int(rng.integers(1024, 65535))},
            "destination": {"port": int(rng.choice([53, 443] if not attack else [4444])),
                            "geo": {"country_iso_code": "FR" if not attack else "KP"}},
            "network": {"transport": str(rng.choice(["tcp", "udp"])), "bytes": round(size, 1),
                        "packets": int(size // 500) + 1},
            "tags": ["flow", "zeek"], "label": "attack" if attack else "normal"}


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("nested")
    rng = np.random.default_rng(3)
    events = [_event(rng, i, attack=i % 25 == 0) for i in range(500)]
    nested = folder / "flows.jsonl"
    nested.write_text("".join(json.dumps(e) + "\n" for e in events))
    model = folder / "m"
    res = runner.invoke(app, ["train", str(nested), "--label-col", "label", "--normal", "normal",
                              "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    return {"folder": folder, "events": events, "nested": nested, "model": model}


def _scores(model: Path, data: Path) -> pd.DataFrame:
    res = runner.invoke(app, ["score", str(model), str(data), "-o", "-"])
    assert res.exit_code == 0, res.output
    return pd.read_csv(io.StringIO(res.stdout))


def test_flat_record_names_fields_by_their_path() -> None:
    assert flat_record({"a": {"b": {"c": 1}, "d": []}, "e": 2}) == {"e": 2, "a.d": [], "a.b.c": 1}
    assert flat_record({"a.b": 1, "a": {"b": 2}}) == {"a.b": 1}  # spelled out wins
    assert flat_record({"a": {}, "b": None}) == {"b": None}  # an empty object adds nothing
    row = {"a": 1}
    assert flat_record(row) is row  # nothing nested: no copy


def test_a_frame_and_its_records_flatten_alike() -> None:
    rows = [{"s": {"ip": "x", "n": 1}, "t": [1]}, {"s": "plain", "t": None}, {"u": 2}]
    frame = flatten_json(pd.DataFrame.from_records(rows))
    by_row = flatten_json(pd.DataFrame.from_records([flat_record(r) for r in rows]))
    assert sorted(frame.columns) == sorted(by_row.columns) == ["s", "s.ip", "s.n", "t", "u"]
    pd.testing.assert_frame_equal(frame[sorted(frame.columns)], by_row[sorted(by_row.columns)])
    assert frame.loc[0, "t"] == "[1]" and frame.loc[1, "s"] == "plain"


def test_training_on_nested_json_uses_the_nested_fields(kit: dict[str, Any]) -> None:
    card = json.loads((kit["model"] / "config.json").read_text())
    columns = json.dumps(card)
    for name in ("network.bytes", "network.packets", "destination.port", "network.transport"):
        assert name in columns, name
    scores = _scores(kit["model"], kit["nested"])
    labels = np.array([e["label"] == "attack" for e in kit["events"]])
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(labels, scores["score"]) > 0.95  # the nested byte counts are used


def test_dotted_json_parquet_stream_and_service_score_as_the_nested_file(
        kit: dict[str, Any]) -> None:
    folder, events = kit["folder"], kit["events"]
    expected = _scores(kit["model"], kit["nested"])
    dotted = folder / "dotted.jsonl"  # the same events exported with dotted keys
    dotted.write_text("".join(json.dumps(flat_record(e)) + "\n" for e in events))
    pd.testing.assert_frame_equal(_scores(kit["model"], dotted), expected)

    table = pa.Table.from_pylist(events)
    pq.write_table(table, folder / "flows.parquet")  # struct and list columns
    parquet = _scores(kit["model"], folder / "flows.parquet")
    np.testing.assert_allclose(parquet["score"], expected["score"], rtol=1e-6)

    res = runner.invoke(app, ["stream", str(kit["model"]), "-i", str(kit["nested"]), "-o", "-",
                              "--all"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    np.testing.assert_allclose([a["score"] for a in streamed], expected["score"], rtol=1e-6)

    client = TestClient(create_app(kit["model"], api_key=KEY))
    got = client.post("/score", json={"rows": events[:50]}, headers={"X-API-Key": KEY})
    assert got.status_code == 200, got.text
    np.testing.assert_allclose(got.json()["scores"], expected["score"][:50], rtol=1e-6)


def test_reading_nested_json_keeps_arrays_as_text(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text('{"a": {"b": [1, 2]}, "c": 1}\n{"a": {"b": null}, "c": 2}\n')
    (df,) = list(iter_table(path, fmt="jsonl"))
    assert list(df.columns) == ["a.b", "c"] and df.loc[0, "a.b"] == "[1, 2]"


def test_ecs_timestamp_is_the_event_time_of_alerts(kit: dict[str, Any]) -> None:
    card = json.loads((kit["model"] / "config.json").read_text())
    assert card["info"]["time_col"] == "@timestamp"  # Elastic's event time, as Zeek's ts
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["nested"]), "-o", "-",
                              "--alert-format", "ecs", "--anomalies-only", "--keep", "source.ip"])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    first = alerts[0]
    row = first["hourglass"]["row"]
    assert first["@timestamp"].startswith(kit["events"][row]["@timestamp"][:19])
    assert first["hourglass"]["timestamp_from"] == "data"
    assert first["source"]["ip"] == kit["events"][row]["source"]["ip"]  # ECS field from source.ip


def test_a_model_column_that_arrives_nested_is_named_as_such(kit: dict[str, Any],
                                                           tmp_path: Path) -> None:
    row = flat_record(kit["events"][0])
    row["network.transport"] = {"name": "tcp"}  # the model's text column, now an object
    path = tmp_path / "n.jsonl"
    path.write_text(json.dumps(row) + "\n")
    res = runner.invoke(app, ["score", str(kit["model"]), str(path), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 2 and not (tmp_path / "s.csv").exists(), res.output
    assert res.stderr.splitlines()[-1].endswith(
        "column(s) the model needs are missing: network.transport; the data has "
        "'network.transport' as a nested object, read as its fields (network.transport.name)")


@pytest.mark.parametrize(("args", "message"), [
    (["score", "--keep", "source"], "--keep: no column 'source' in"),
    (["score", "--group-by", "source"], "--group-by: no column 'source' in"),
    (["train", "--categorical", "network"], "--categorical: no column 'network' in"),
])
def test_an_option_naming_a_nested_object_is_told_its_fields(kit: dict[str, Any], tmp_path: Path,
                                                             args: list[str], message: str) -> None:
    from tests._cli import one_line_error
    out = tmp_path / ("o.jsonl" if args[0] == "score" else "m")
    where = [str(kit["model"]), str(kit["nested"])] if args[0] == "score" else [str(kit["nested"])]
    obj = args[-1]
    fields = "source.ip, source.port" if obj == "source" else "network.transport, network.bytes"
    one_line_error([args[0], *where, *args[1:], "-o", str(out), *(FAST if args[0] == "train" else [])],
                   f"{message}", out)
    res = runner.invoke(app, [args[0], *where, *args[1:], "-o", str(out)])
    assert f"the data has {obj!r} as a nested object, read as its fields ({fields}" in res.stderr


def test_dropping_a_nested_object_drops_its_fields(kit: dict[str, Any], tmp_path: Path) -> None:
    res = runner.invoke(app, ["train", str(kit["nested"]), "--label-col", "label", "--normal",
                              "normal", "--drop", "destination", "-o", str(tmp_path / "m"), *FAST])
    assert res.exit_code == 0, res.output
    used = json.loads((tmp_path / "m" / "config.json").read_text())["features"]["columns"]
    assert "network.bytes" in used and not any(c.startswith("destination.") for c in used), used


def test_a_map_keyed_by_values_is_warned_about(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "map.jsonl"
    path.write_text("".join(json.dumps({"bytes": float(rng.lognormal(6, 1)),
                                        "seen": {f"host-{i % 150}": 1}}) + "\n" for i in range(300)))
    res = runner.invoke(app, ["inspect", str(path)])
    assert res.exit_code == 0, res.output
    assert "150 columns come from the nested object 'seen' (seen.host-0, seen.host-1, ...)" \
        in res.stderr and "--drop seen" in res.stderr
    res = runner.invoke(app, ["inspect", str(path), "--drop", "seen"])
    assert res.exit_code == 0 and "nested object" not in res.stderr, res.output


def test_spark_struct_columns_score_as_the_nested_file(kit: dict[str, Any]) -> None:
    from hourglass.distributed import score_partitions
    expected = _scores(kit["model"], kit["nested"])
    # mapInPandas hands struct columns over as dicts, arrays as lists
    batch = pd.DataFrame.from_records(kit["events"])
    fn = score_partitions(kit["model"], keep=["source.ip"])
    (got,) = list(fn(iter([batch])))
    np.testing.assert_allclose(got["score"], expected["score"], rtol=1e-6)
    assert got["source.ip"].tolist() == [e["source"]["ip"] for e in kit["events"]]


def test_stream_keeps_and_groups_by_a_nested_field(kit: dict[str, Any]) -> None:
    res = runner.invoke(app, ["stream", str(kit["model"]), "-i", str(kit["nested"]), "--keep",
                              "source.ip"])  # was "--keep: no field 'source.ip'"
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert alerts and all(a["source.ip"] == kit["events"][a["row"]]["source"]["ip"] for a in alerts)
    res = runner.invoke(app, ["stream", str(kit["model"]), "-i", str(kit["nested"]), "--group-by",
                              "source.ip"])
    assert res.exit_code == 0, res.output
    groups = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert groups and {g["group_by"] for g in groups} == {"source.ip"}


def test_a_field_missing_in_training_may_be_left_out_of_a_row(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    events = []
    for i in range(300):
        e = {"network": {"bytes": float(rng.lognormal(6, 0.5))}, "source": {"ip": f"10.0.0.{i % 7}"}}
        if i % 3:  # Elastic leaves an empty field out: no geo for most rows
            e["destination"] = {"geo": {"country_iso_code": str(rng.choice(["FR", "DE"]))}}
        events.append(e)
    data = tmp_path / "ecs.jsonl"
    data.write_text("".join(json.dumps(e) + "\n" for e in events))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    client = TestClient(create_app(model, api_key=KEY))
    health = client.get("/health", headers={"X-API-Key": KEY}).json()
    optional = {c["name"] for c in health["columns"] if c.get("optional")}
    assert optional == {"destination.geo.country_iso_code"}
    rows = [{"network": {"bytes": 400.0}, "source": {"ip": "10.0.0.1"}},  # geo left out
            {"network": {"bytes": 400.0}, "source": {"ip": "10.0.0.1"},
             "destination": {"geo": {"country_iso_code": None}}}]           # geo null
    got = client.post("/score", json={"rows": rows}, headers={"X-API-Key": KEY})
    assert got.status_code == 200, got.text
    assert got.json()["scores"][0] == got.json()["scores"][1]
    got = client.post("/score", json={"rows": [{"source": {"ip": "10.0.0.1"}}]},
                      headers={"X-API-Key": KEY})  # a field never missing in training: required
    assert got.status_code == 422 and "missing column 'network.bytes'" in got.json()["detail"]
    stream_in = tmp_path / "rows.jsonl"
    stream_in.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["stream", str(model), "-i", str(stream_in), "--all"])
    assert res.exit_code == 0, res.output
    assert len([x for x in res.stdout.splitlines() if x.strip()]) == 2


def test_warm_start_adds_the_new_rows_optional_fields() -> None:
    from hourglass import AutoEncoder, Pipeline
    old = pd.DataFrame({"bytes": [1.0, 2.0] * 20, "geo": ["FR", None] * 20, "port": [80.0] * 40})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(old)
    assert pipe.optional_fields == ["geo"]
    new = old.assign(port=[80.0, None] * 20)
    assert pipe.warm_start(new, epochs=1).optional_fields == ["geo", "port"]


def test_nested_field_roles_follow_their_last_part() -> None:
    from hourglass.features.roles import infer_role
    ports, ips = pd.Series([443, 80, 53]), pd.Series(["x1", "x2", "x3"])
    assert infer_role("server.port", ports, max_categories=100)[0] == "port"
    assert infer_role("dest_port", ports, max_categories=100)[0] == "port"  # Suricata EVE
    assert infer_role("host.ip", ips, max_categories=100)[0] == "ip"
    assert infer_role("dest_ip", ips, max_categories=100)[0] == "ip"
    assert infer_role("agent.id", ips, max_categories=100)[0] == "drop"  # Beats' agent id
    assert infer_role("network.bytes", ports, max_categories=100)[0] == "numeric"
