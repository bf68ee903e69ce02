"""Nested JSON as a SOC engineer brings it (Elastic/Filebeat ECS exports with fields omitted when
empty, Suricata EVE, Zeek JSON with literal dotted keys): the nested, the dotted and the Parquet
export of the same events must train the same model and score alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hourglass.cli import app
from hourglass.ingest.tables import flat_record, iter_table, path_order
from tests._cli import runner

FAST = ["--epochs", "2", "--hidden", "8,4", "--batch-size", "64", "-q"]


def _dotted(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out.update(_dotted(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _ecs_events(n: int = 300) -> list[dict[str, Any]]:
    """ECS network events as Filebeat writes them: an empty field is left out, so a field seen only
    in some rows (source.geo) first comes late in a dotted export."""
    rng = np.random.default_rng(5)
    events = []
    for i in range(n):
        event: dict[str, Any] = {
            "@timestamp": f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "event": {"kind": "event", "category": ["network"], "duration": int(rng.integers(1, 10**6))},
            "source": {"ip": f"10.0.0.{rng.integers(1, 50)}", "port": int(rng.integers(1024, 65535)),
                       "bytes": int(rng.integers(100, 5000))},
            "destination": {"ip": "10.1.0.1", "port": int(rng.choice([22, 443])),
                            "bytes": int(rng.integers(100, 9000))},
            "network": {"transport": str(rng.choice(["tcp", "udp"]))}}
        if i > 40 and i % 7 == 0:
            event["source"]["geo"] = {"country_iso_code": str(rng.choice(["FR", "DE"]))}
        if i % 5 == 0:
            del event["destination"]["bytes"]
        events.append(event)
    return events


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_path_order_groups_an_objects_fields() -> None:
    assert path_order(["s.ip", "d.ip", "s.geo.cc", "n", "s.port"]) == ["s.ip", "s.geo.cc", "s.port",
                                                                      "d.ip", "n"]
    assert path_order(["ts", "id.orig_h", "id.orig_p", "id.resp_h", "proto"]) == \
        ["ts", "id.orig_h", "id.orig_p", "id.resp_h", "proto"]  # Zeek's dotted keys as they were
    assert path_order(["b", "a"]) == ["b", "a"]


def test_flat_record_keeps_fields_where_their_object_stood() -> None:
    record = {"a": 1, "source": {"ip": "x", "geo": {"cc": "FR"}, "port": 2}, "z": 3}
    assert list(flat_record(record)) == list(_dotted(record))
    assert flat_record({"a.b": 1, "a": {"c": 3, "b": 2}}) == {"a.b": 1, "a.c": 3}  # spelled out wins


def test_nested_dotted_and_parquet_read_as_the_same_columns(tmp_path: Path) -> None:
    events = _ecs_events()
    nested = _write_jsonl(tmp_path / "ecs.json", events)
    dotted = _write_jsonl(tmp_path / "ecs_dotted.json", [_dotted(e) for e in events])
    parquet = tmp_path / "ecs.parquet"
    pq.write_table(pa.Table.from_pylist(events), parquet)
    frames = [next(iter_table(nested, fmt="jsonl")), next(iter_table(dotted, fmt="jsonl")),
              next(iter_table(parquet, fmt="parquet"))]
    assert list(frames[0].columns) == list(frames[1].columns) == list(frames[2].columns)
    assert list(frames[0].columns).index("source.geo.country_iso_code") == \
        list(frames[0].columns).index("source.bytes") + 1


def test_nested_dotted_and_parquet_train_the_same_model(tmp_path: Path) -> None:
    """Before: a dotted export listed a field first seen late (source.geo...) last, so the model's
    columns came in another order and its weights, threshold and scores differed from the nested
    file's."""
    events = _ecs_events()
    nested = _write_jsonl(tmp_path / "ecs.json", events)
    dotted = _write_jsonl(tmp_path / "ecs_dotted.json", [_dotted(e) for e in events])
    parquet = tmp_path / "ecs.parquet"
    pq.write_table(pa.Table.from_pylist(events), parquet)
    configs, scores = [], []
    for data in (nested, dotted, parquet):
        model = tmp_path / f"m_{data.name}"
        res = runner.invoke(app, ["train", str(data), "-o", str(model), *FAST])
        assert res.exit_code == 0, res.output
        config = json.loads((model / "config.json").read_text())
        configs.append(config["features"]["columns"])
        res = runner.invoke(app, ["score", str(model), str(nested), "-o", "-"])
        assert res.exit_code == 0, res.output
        scores.append(res.stdout)
    assert configs[0] == configs[1] == configs[2]
    assert scores[0] == scores[1] == scores[2]


@pytest.mark.parametrize("flat", [False, True])
def test_zeek_json_dotted_keys_read_as_before(tmp_path: Path, flat: bool) -> None:
    rows = [{"ts": 1.7e9 + i, "uid": f"C{i}", "id.orig_h": "10.0.0.1", "id.orig_p": 1024 + i,
             "id.resp_h": "10.0.0.2", "id.resp_p": 443, "proto": "tcp", "orig_bytes": i}
            for i in range(5)]
    if not flat:  # a shipper that nests them: the same columns
        rows = [{**{k: v for k, v in r.items() if not k.startswith("id.")},
                 "id": {k[3:]: v for k, v in r.items() if k.startswith("id.")}} for r in rows]
    df = next(iter_table(_write_jsonl(tmp_path / "conn.log", rows), fmt="jsonl"))
    assert list(df.columns) == ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
                                "orig_bytes"] if flat else \
        ["ts", "uid", "proto", "orig_bytes", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"]
    assert df["id.orig_p"].dtype.kind == "i"


@pytest.mark.parametrize("command", ["train", "evaluate", "inspect"])
def test_a_label_column_naming_a_nested_object_is_told_its_fields(tmp_path: Path, command: str) -> None:
    """Before: 'no label column 'labels'; columns are ...' (eight other columns), where --keep,
    --drop, --group-by... name the object's fields."""
    events = [{**e, "labels": {"verdict": "normal"}} for e in _ecs_events(60)]
    data = _write_jsonl(tmp_path / "ecs.json", events)
    model = tmp_path / "m"
    assert runner.invoke(app, ["train", str(data), "-o", str(model), *FAST]).exit_code == 0
    args = {"train": ["train", str(data), "-o", str(tmp_path / "m2"), *FAST],
            "evaluate": ["evaluate", str(model), str(data), "--normal", "normal"],
            "inspect": ["inspect", str(data)]}[command]
    res = runner.invoke(app, [*args, "--label-col", "labels"] + (["--normal", "normal"] if command == "train"
                                                                  else []))
    assert res.exit_code == 2, res.output
    assert "'labels' as a nested object, read as its fields (labels.verdict)" in res.output


def test_entity_and_evaluate_timestamp_options_naming_an_object_are_told_its_fields(tmp_path: Path) -> None:
    data = _write_jsonl(tmp_path / "ecs.json", _ecs_events(60))
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--entity-col", "source",
                              "--timestamp-col", "@timestamp", *FAST])
    assert res.exit_code == 2 and "'source' as a nested object" in res.output, res.output
    model = tmp_path / "m2"
    assert runner.invoke(app, ["train", str(data), "-o", str(model), *FAST]).exit_code == 0
    labelled = _write_jsonl(tmp_path / "l.json", [{**e, "label": "normal"} for e in _ecs_events(60)])
    res = runner.invoke(app, ["evaluate", str(model), str(labelled), "--label-col", "label", "--normal",
                              "normal", "--timestamp-col", "event"])
    assert res.exit_code == 2 and "'event' as a nested object" in res.output, res.output


def test_json_lines_named_log_are_read_as_json_lines(tmp_path: Path) -> None:
    """Before: Suricata's eve.log or an ECS export named .log was read as CSV ('line 4: expected 23
    fields, found 22', or a model of garbage columns)."""
    events = _ecs_events(80)
    log = _write_jsonl(tmp_path / "ecs.log", events)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(log), "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    assert "source.ip" in json.loads((model / "config.json").read_text())["features"]["columns"]
    scored = [runner.invoke(app, ["score", str(model), str(p), "-o", "-", "-q"]).stdout
              for p in (log, _write_jsonl(tmp_path / "ecs.json", events))]
    assert scored[0] == scored[1] and scored[0].count("\n") == 81


def test_zeek_conn_json_with_a_nested_id_is_zeek_conn(tmp_path: Path) -> None:
    """Before: a shipper's Zeek conn.log with "id": {"orig_h": ...} was read as CSV."""
    from hourglass.ingest import sniff_format

    rows = [{"ts": 1.7e9 + i, "uid": f"C{i}", "id.orig_h": f"10.0.0.{i % 9 + 1}", "id.orig_p": 1024 + i,
             "id.resp_h": "10.0.0.2", "id.resp_p": 443, "proto": "tcp", "orig_bytes": i % 7}
            for i in range(60)]
    flat = _write_jsonl(tmp_path / "conn.log", rows)
    (tmp_path / "nested").mkdir()
    nested = _write_jsonl(tmp_path / "nested" / "conn.log",
                          [{**{k: v for k, v in r.items() if not k.startswith("id.")},
                            "id": {k[3:]: v for k, v in r.items() if k.startswith("id.")}} for r in rows])
    assert sniff_format(flat).name == sniff_format(nested).name == "zeek-conn"
    model = tmp_path / "m"
    assert runner.invoke(app, ["train", str(flat), "-o", str(model), *FAST]).exit_code == 0
    scored = [runner.invoke(app, ["score", str(model), str(p), "-o", "-", "-q"]) for p in (flat, nested)]
    assert scored[0].exit_code == scored[1].exit_code == 0, scored[1].output
    assert scored[0].stdout == scored[1].stdout


def test_stream_ecs_alerts_before_an_unreadable_time_are_written(tmp_path: Path) -> None:
    """Before: an ECS event whose @timestamp is no time stopped the stream and lost the alerts of
    the rows before it in the same batch (up to --batch of them)."""
    events = _ecs_events(120)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(_write_jsonl(tmp_path / "train.json", events)), "-o", str(model),
                              *FAST])
    assert res.exit_code == 0, res.output
    events = [dict(e) for e in events[:30]]
    for i in (3, 20):  # flagged
        events[i]["source"] = {**events[i]["source"], "bytes": 10**9}
    events[20]["@timestamp"] = "garbage"  # a flagged row's time is read for its alert
    data = _write_jsonl(tmp_path / "live.json", events)
    res = runner.invoke(app, ["stream", str(model), "-i", str(data), "--alert-format", "ecs"])
    assert res.exit_code == 2 and "column '@timestamp': line 21 is not a timestamp" in res.output, res.output
    docs = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert 3 in [d["hourglass"]["row"] for d in docs]
    assert all(d["hourglass"]["row"] < 20 for d in docs)
    assert docs[0]["@timestamp"].startswith("2026-01-01T00:00:03")
