"""ArcSight CEF and QRadar LEEF lines (firewall, proxy and IDS syslog): parsed into rows (header
fields, then the extension's keys; CEF's custom fields named by their labels; escapes undone;
LEEF 2.0's delimiters), sniffed as ``cef``/``leef``, trained and scored like any table, and
streamed as raw lines with the same scores; ``rt``/``devTime`` is the event time of the alerts
and the 5-tuple goes to the ECS fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hourglass.cli import app
from hourglass.ingest.cef import parse_cef, parse_leef
from hourglass.ingest.formats import sniff_format
from tests._cli import one_line_error, runner
from tests._lines import train_score_stream

FAST = ["--epochs", "20", "--hidden", "16,8", "--batch-size", "64", "--seed", "0", "-q"]


def test_header_and_extension_escapes() -> None:
    row = parse_cef(r"CEF:0|Ac\|me|FW\\x|1.0|100|block \| deny|Very-High|src=10.0.0.5 "
                    r"request=http://a/?q\=1 msg=two words\nnext line path=C:\\tmp cs2=x")
    assert row is not None
    assert (row["device_vendor"], row["device_product"], row["name"], row["severity"]) == (
        "Ac|me", "FW\\x", "block | deny", "Very-High")
    assert row["request"] == "http://a/?q=1" and row["msg"] == "two words\nnext line"
    assert row["path"] == "C:\\tmp" and row["cs2"] == "x"  # no label: the key stays


def test_custom_fields_take_their_labels_and_syslog_header_is_left_out() -> None:
    row = parse_cef("<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|1|7|conn|3|cs1Label=Rule Name "
                    "cs1=web-out cn1Label=Risk cn1=40 rt=Nov 14 2023 22:13:20 src=10.0.0.1")
    assert row is not None
    assert row["Rule Name"] == "web-out" and row["Risk"] == "40"
    assert not any(k.endswith("Label") for k in row) and "cs1" not in row
    assert row["rt"] == "Nov 14 2023 22:13:20"  # a date as text stays text
    assert parse_cef("CEF:0|Acme|FW|1|7|conn|3|rt=1700000000123")["rt"] == pytest.approx(1700000000.123)


@pytest.mark.parametrize("line", ["", "Nov 14 host sshd[1]: Accepted", "CEF:0|only|four|fields",
                                  '{"CEF": "0|a|b|c|d|e|f|"}'])
def test_lines_without_a_cef_record(line: str) -> None:
    assert parse_cef(line) is None


def _line(rng: np.random.Generator, i: int, attack: bool) -> str:
    """A firewall's connection log; an attack is a denied sweep of internal admin ports."""
    if attack:
        dst, dpt, act = f"10.0.1.{rng.integers(1, 250)}", int(rng.choice([22, 445, 3389])), "deny"
        inn, out = 0, int(rng.integers(40, 80))
    else:
        dst, dpt, act = "93.184.216.34", int(rng.choice([443, 80, 53])), "allow"
        inn, out = int(rng.lognormal(10, 0.5)), int(rng.lognormal(8, 0.5))
    return (f"<134>Nov 14 22:{i // 60 % 60:02d}:{i % 60:02d} fw1 CEF:0|Acme|Firewall|2.1|"
            f"{'THREAT' if attack else 'TRAFFIC'}|connection|{7 if attack else 3}|"
            f"rt={1_700_000_000_000 + i * 1000} src=10.0.0.{rng.integers(2, 40)} "
            f"spt={rng.integers(1024, 65535)} dst={dst} dpt={dpt} proto=TCP act={act} in={inn} "
            f"out={out} cs1Label=Rule Name cs1={'default-deny' if attack else 'web-out'} "
            f"externalId={rng.integers(10**9)} msg=session ended\\=normal")


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("cef")
    rng = np.random.default_rng(0)
    (d / "fw.log").write_text("".join(_line(rng, i, False) + "\n" for i in range(1500)))
    labels = (np.arange(400) % 10 == 0).astype(int)
    (d / "test.log").write_text("".join(_line(rng, 2000 + i, bool(a)) + "\n" for i, a in enumerate(labels)))
    model = d / "model"
    res = runner.invoke(app, ["train", str(d / "fw.log"), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": model, "labels": labels}


def test_sniffed_and_read_with_its_roles(kit: dict[str, Any]) -> None:
    assert sniff_format(kit["dir"] / "fw.log").name == "cef"
    res = runner.invoke(app, ["inspect", str(kit["dir"] / "fw.log")])
    assert res.exit_code == 0, res.output
    table = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    assert "dropped" in table["externalId"] and "dropped" in table["cef_version"]
    assert "ip" in table["src"] and "port" in table["dpt"] and "Rule Name" in table
    assert "timestamp column 'rt'" in res.stdout


def test_detects_a_denied_sweep(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "scores.csv"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["dir"] / "test.log"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert roc_auc_score(kit["labels"], pd.read_csv(out)["score"]) > 0.95


def test_stream_reads_cef_lines_as_score_reads_the_file(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "all.csv"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["dir"] / "test.log"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(kit["model"]), "--all"],
                        input=(kit["dir"] / "test.log").read_text())
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines()]
    np.testing.assert_allclose([a["score"] for a in streamed], pd.read_csv(out)["score"], rtol=1e-4)


def test_ecs_alerts_have_the_event_time_and_the_five_tuple(kit: dict[str, Any]) -> None:
    res = runner.invoke(app, ["stream", str(kit["model"]), "--alert-format", "ecs"],
                        input=(kit["dir"] / "test.log").read_text())
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(docs) >= 35
    doc = docs[0]
    assert doc["@timestamp"].startswith("2023-11-14T22:") and doc["hourglass"]["timestamp_from"] == "data"
    assert doc["destination"]["port"] in (22, 445, 3389) and doc["source"]["ip"].startswith("10.0.0.")
    assert "network" in doc["event"]["category"]


def test_a_line_that_is_no_cef_record(kit: dict[str, Any], tmp_path: Path) -> None:
    lines = (kit["dir"] / "test.log").read_text().splitlines()[:5]
    res = runner.invoke(app, ["stream", str(kit["model"])],
                        input="\n".join([*lines[:3], "not cef", *lines[3:]]))
    assert res.exit_code == 2 and "line 4: not a CEF record" in res.stderr, res.output
    res = runner.invoke(app, ["stream", str(kit["model"]), "--on-bad-rows", "skip", "--all"],
                        input="\n".join([*lines[:3], "not cef", *lines[3:]]))
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 5, res.output
    data = tmp_path / "flows.csv"
    data.write_text("a,b\n1,2\n")
    one_line_error(["train", str(data), "--format", "cef", "-o", str(tmp_path / "m")],
                   "line 1: not a CEF record", tmp_path / "m")


@pytest.mark.parametrize("line", [
    "LEEF:1.0|Acme|FW|1|42|src=10.0.0.1\tdstPort=443\turl=/a?b=c d",
    "<13>Jan 18 11:07:53 fw LEEF:2.0|Acme|FW|1|42|^|src=10.0.0.1^dstPort=443^url=/a?b=c d",
    "LEEF:2.0|Acme|FW|1|42|x09|src=10.0.0.1\tdstPort=443\turl=/a?b=c d",
    "LEEF:2.0|Acme|FW|1|42|0x5E|src=10.0.0.1^dstPort=443^url=/a?b=c d",
    "LEEF:2.0|Acme|FW|1|42|src=10.0.0.1\tdstPort=443\turl=/a?b=c d",  # delimiter field left out
    "LEEF:1.0|Acme|FW|1|42|src=10.0.0.1 dstPort=443 url=/a?b=c d",  # spaces, as some senders do
])
def test_leef_versions_and_delimiters(line: str) -> None:
    row = parse_leef(line)
    assert row is not None
    assert (row["device_vendor"], row["event_id"], row["src"], row["dstPort"], row["url"]) == (
        "Acme", "42", "10.0.0.1", "443", "/a?b=c d")


def test_leef_dev_time_and_lines_without_a_record() -> None:
    assert parse_leef("LEEF:1.0|A|B|1|2|devTime=1700000000500")["devTime"] == pytest.approx(1700000000.5)
    assert parse_leef("LEEF:1.0|A|B|1|2|devTime=Nov 14 2023 22:13:20")["devTime"] == "Nov 14 2023 22:13:20"
    assert parse_leef("LEEF:1.0|only|three") is None and parse_leef("CEF:0|a|b|c|d|e|f|x=1") is None


def _leef(rng: np.random.Generator, i: int, attack: bool) -> str:
    """The CEF firewall above as a LEEF 2.0 sender writes it."""
    if attack:
        dst, port, bytes_out = f"10.0.1.{rng.integers(1, 250)}", int(rng.choice([22, 445, 3389])), 60
    else:
        dst, port, bytes_out = "93.184.216.34", int(rng.choice([443, 80])), int(rng.lognormal(8, 0.5))
    attrs = {"devTime": 1_700_000_000_000 + i * 1000, "src": f"10.0.0.{rng.integers(2, 40)}",
             "srcPort": int(rng.integers(1024, 65535)), "dst": dst, "dstPort": port, "proto": "TCP",
             "srcBytes": bytes_out, "dstBytes": 0 if attack else int(rng.lognormal(10, 0.5)),
             "cat": "deny" if attack else "allow", "usrName": f"user{rng.integers(5)}"}
    return (f"<13>Nov 14 22:00:00 fw1 LEEF:2.0|Acme|Firewall|2.1|{'THREAT' if attack else 'TRAFFIC'}|^|"
            + "^".join(f"{k}={v}" for k, v in attrs.items()))


def test_leef_file_trains_scores_and_streams(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    (tmp_path / "fw.leef").write_text("".join(_leef(rng, i, False) + "\n" for i in range(1200)))
    labels = (np.arange(300) % 10 == 0).astype(int)
    test = tmp_path / "test.log"
    test.write_text("".join(_leef(rng, 2000 + i, bool(a)) + "\n" for i, a in enumerate(labels)))
    assert sniff_format(tmp_path / "fw.leef").name == "leef" and sniff_format(test).name == "leef"
    doc = train_score_stream(tmp_path / "fw.leef", test, labels, tmp_path)
    assert doc["@timestamp"].startswith("2023-11-14T22:") and doc["destination"]["port"] in (22, 445, 3389)
    assert doc["user"]["name"].startswith("user") and doc["source"]["ip"].startswith("10.0.0.")


def test_service_takes_the_lines_of_a_cef_model(kit: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    key = "k" * 32
    client = TestClient(create_app(kit["model"], api_key=key))
    health = client.get("/health").json()
    assert health["format"] == "cef" and health["request"].startswith('{"lines": ["event line"')
    lines = (kit["dir"] / "test.log").read_text().splitlines()[:40]
    answer = client.post("/score", json={"lines": lines}, headers={"X-API-Key": key})
    assert answer.status_code == 200, answer.text
    res = runner.invoke(app, ["stream", str(kit["model"]), "--all"], input="\n".join(lines) + "\n")
    streamed = [json.loads(x)["score"] for x in res.stdout.splitlines()]
    np.testing.assert_allclose(answer.json()["scores"], streamed, rtol=1e-4)
    bad = client.post("/score", json={"lines": [lines[0], "not cef"]}, headers={"X-API-Key": key})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("line 2: not a CEF record"), bad.text
    rows = client.post("/score", json={"rows": [{"src": "10.0.0.1"}]}, headers={"X-API-Key": key})
    assert rows.status_code == 422 and "'lines'" in rows.json()["detail"], rows.text
    ecs = client.post("/score", json={"lines": lines, "alert_format": "ecs"}, headers={"X-API-Key": key})
    assert ecs.status_code == 200 and ecs.json()["count"] >= 1
    assert ecs.json()["alerts"][0]["source"]["ip"].startswith("10.0.0.")


def test_a_file_of_blank_lines_has_no_data_rows(tmp_path: Path) -> None:
    data = tmp_path / "fw.cef"
    data.write_text("\n\n\n")
    one_line_error(["train", str(data), "--format", "cef", "-o", str(tmp_path / "m")], "no data rows",
                   tmp_path / "m")
