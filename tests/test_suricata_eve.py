"""Suricata EVE JSON: sniffed as ``suricata-eve``, ``timestamp`` the event time, identifiers and
in-event times left out, the sensor's ``stats`` counters left out; and ECS alerts of the CLI
(``score``, ``stream``) carry the row's fields with an ECS name (``src_ip``, ``dest_port``...)
without ``--keep``, as the service's do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hourglass.cli import app
from hourglass.ingest.eve import SURICATA_EVE
from hourglass.ingest.formats import sniff_format
from hourglass.serve.ecs import ecs_named
from tests._cli import one_line_error, runner

FAST = ["--epochs", "20", "--hidden", "16,8", "--batch-size", "64", "--seed", "0", "-q"]


def _time(i: int) -> str:
    return f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.250000+0000"


def _event(rng: np.random.Generator, i: int, attack: bool = False) -> dict[str, Any]:
    """A flow or DNS event as Suricata writes it; an attack is a large upload to port 4444."""
    ev: dict[str, Any] = {"timestamp": _time(i), "flow_id": int(rng.integers(1, 2**50)),
                          "in_iface": "eth0", "src_ip": f"10.0.0.{rng.integers(2, 30)}",
                          "src_port": int(rng.integers(1024, 65535)),
                          "community_id": f"1:{rng.integers(1 << 30):x}"}
    if attack or rng.random() < 0.7:
        up = rng.lognormal(15 if attack else 7, 0.3)
        ev.update(event_type="flow", dest_ip="203.0.113.7" if attack else "93.184.216.34",
                  dest_port=4444 if attack else 443, proto="TCP", app_proto="failed" if attack else "tls",
                  flow={"pkts_toserver": int(up // 1400) + 1, "pkts_toclient": int(rng.integers(2, 40)),
                        "bytes_toserver": int(up), "bytes_toclient": int(rng.lognormal(9, 0.4)),
                        "start": _time(i), "end": _time(i), "age": int(rng.integers(0, 5)),
                        "state": "closed", "reason": "timeout", "alerted": False})
    else:
        ev.update(event_type="dns", dest_ip="10.0.0.1", dest_port=53, proto="UDP",
                  dns={"type": "query", "id": int(rng.integers(65535)),
                       "rrname": f"h{rng.integers(9)}.example.com", "rrtype": "A", "tx_id": 0})
    return ev


def _write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("eve")
    rng = np.random.default_rng(0)
    train = [_event(rng, i) for i in range(1500)]
    # the sensor's counters every so often, as a whole eve.json has them
    for i in range(0, 1500, 100):
        train.insert(i, {"timestamp": _time(i), "event_type": "stats",
                         "stats": {"uptime": i, "capture": {"kernel_packets": 1000 + i, "kernel_drops": 0},
                                   "decoder": {"pkts": 1000 + i, "bytes": 90_000 + i}}})
    test = [_event(rng, 2000 + i, attack=i % 10 == 0) for i in range(400)]
    model = d / "model"
    res = runner.invoke(app, ["train", str(_write(d / "eve.json", train)), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": model, "test": _write(d / "test.log", test),
            "labels": np.array([i % 10 == 0 for i in range(400)], dtype=int), "events": test}


def test_sniffed_with_its_event_time(kit: dict[str, Any]) -> None:
    assert sniff_format(kit["dir"] / "eve.json").name == "suricata-eve"
    assert sniff_format(kit["test"]).name == "suricata-eve"  # whatever the name
    config = json.loads((kit["model"] / "config.json").read_text())
    assert '"time_col": "timestamp"' in json.dumps(config)


def test_identifiers_times_and_sensor_counters_are_no_features(kit: dict[str, Any]) -> None:
    res = runner.invoke(app, ["inspect", str(kit["dir"] / "eve.json")])
    assert res.exit_code == 0, res.output
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    for col in ("flow_id", "community_id", "flow.start", "flow.end", "dns.id"):
        assert "dropped" in rows[col], rows.get(col)
    assert "given" in rows["event_type"] and "port" in rows["dest_port"]
    assert not any(c.startswith("stats.") for c in rows)
    assert SURICATA_EVE.roles["tls.ja3.hash"] == "hash"


def test_detects_large_uploads_to_an_odd_port(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "scores.csv"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["test"]), "-o", str(out)])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(out)["score"].to_numpy()
    assert roc_auc_score(kit["labels"], scores) > 0.95


def test_ecs_alerts_carry_the_event_time_and_the_five_tuple_without_keep(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["test"]), "--alert-format", "ecs",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    attack = [d for d in docs if d.get("destination", {}).get("port") == 4444]
    assert len(attack) >= 30
    first = attack[0]
    event = kit["events"][first["hourglass"]["row"]]
    assert first["@timestamp"] == event["timestamp"][:23] + "Z"
    assert first["hourglass"]["timestamp_from"] == "data"
    assert first["source"] == {"ip": event["src_ip"], "port": event["src_port"]}
    assert first["destination"]["ip"] == "203.0.113.7" and first["network"]["transport"] == "tcp"
    assert "network" in first["event"]["category"]
    assert "fields" not in first["hourglass"]  # nothing but the ECS-named fields, nothing under fields

    # stream gives the same documents, row for row
    res = runner.invoke(app, ["stream", str(kit["model"]), "--alert-format", "ecs"],
                        input=kit["test"].read_text())
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines()]
    assert [d["hourglass"]["row"] for d in streamed] == [d["hourglass"]["row"] for d in docs]
    for a, b in zip(streamed, docs, strict=True):
        for key in ("@timestamp", "source", "destination", "network", "related"):
            assert a.get(key) == b.get(key), key


def test_invalid_or_missing_values_stay_out_of_ecs_fields() -> None:
    assert ecs_named({"src_ip": "not-an-ip", "dest_port": 70000, "proto": "6", "host": "",
                      "user": None, "dst_ip": float("nan")}) == {"proto": "6"}
    assert ecs_named({"source.ip": "2001:db8::1", "destination.port": 53}) == {
        "source.ip": "2001:db8::1", "destination.port": 53}


def test_not_eve_given_as_eve(tmp_path: Path) -> None:
    data = tmp_path / "flows.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    one_line_error(["train", str(data), "--format", "suricata-eve", "-o", str(tmp_path / "m")], "flows.csv",
                   tmp_path / "m")
    data = tmp_path / "other.json"
    data.write_text('{"ts": 1, "bytes": 10}\n{"ts": 2, "bytes": 12}\n')
    one_line_error(["train", str(data), "--format", "suricata-eve", "-o", str(tmp_path / "m")],
                   "no 'timestamp' field; is this a Suricata EVE file?", tmp_path / "m")
