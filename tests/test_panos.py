"""Palo Alto Networks PAN-OS syslog lines (header-less CSV, the log type deciding the fields):
parsed into rows under PAN-OS's field names (with or without a syslog header, quoted fields
holding commas, fields past the known ones as ``extra_N``, fewer fields from older versions),
sniffed as ``panos`` without taking other CSV files, trained and scored like any table (a port
scan and a large upload to a rare port found), streamed as raw lines with the same scores, and
bad input refused with one clear line."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hourglass.cli import app
from hourglass.ingest.formats import sniff_format
from hourglass.ingest.panos import PANOS_FIELDS, parse_panos
from tests._cli import one_line_error, runner

FAST = ["--epochs", "20", "--hidden", "16,8", "--batch-size", "64", "--seed", "0"]

# A TRAFFIC log as PAN-OS 9.1 writes it (values our own, field order after Palo Alto's syslog
# field description); the rule name holds a comma, so PAN-OS puts it in quotes.
TRAFFIC = ('1,2024/11/14 22:13:21,0123456789,TRAFFIC,end,2561,2024/11/14 22:13:20,10.0.0.5,'
           '93.184.216.34,203.0.113.5,93.184.216.34,"web, out",corp\\jdoe,,ssl,vsys1,trust,untrust,'
           'ethernet1/2,ethernet1/1,fwd-all,2024/11/14 22:13:20,81234,1,51544,443,40112,443,0x400053,'
           'tcp,allow,13336,5120,8216,24,2024/11/14 22:12:58,21,computer-and-internet-info,0,'
           '7021345,0x8000000000000000,10.0.0.0-10.255.255.255,United States,0,11,13,tcp-fin,0,0,0,0,'
           ',fw1,from-policy,,,0,,0,,N/A,0,0,0,0,b2d9c2a6-6b2b-4a2c-9e5e-1f2d3c4b5a69,0,0,,,,,,,,')
THREAT = ('1,2024/11/14 22:14:02,0123456789,THREAT,vulnerability,2561,2024/11/14 22:14:01,'
          '203.0.113.9,10.0.0.8,0.0.0.0,0.0.0.0,inbound-web,,,web-browsing,vsys1,untrust,dmz,'
          'ethernet1/1,ethernet1/3,fwd-all,2024/11/14 22:14:01,90211,1,4431,80,0,0,0x2000,tcp,'
          'reset-both,"/cgi-bin/x.cgi?a=1,2",Apache Struts Remote Code Execution Vulnerability(33338),'
          'any,critical,client-to-server,7021399,0x2000000000000000,United States,10.0.0.0-10.255.255.255,'
          '0,,0,,,0,"Mozilla/5.0 (X11; ""Linux"")",,,,,,,0,0,0,0,0,,fw1')


def test_traffic_fields_by_their_pan_os_names() -> None:
    row = parse_panos(TRAFFIC)
    assert row is not None
    assert (row["type"], row["subtype"], row["time_generated"], row["receive_time"]) == (
        "TRAFFIC", "end", "2024/11/14 22:13:20", "2024/11/14 22:13:21")
    assert (row["src"], row["dst"], row["natsrc"], row["sport"], row["dport"]) == (
        "10.0.0.5", "93.184.216.34", "203.0.113.5", "51544", "443")
    assert (row["rule"], row["srcuser"], row["dstuser"], row["from"], row["to"]) == (
        "web, out", "corp\\jdoe", None, "trust", "untrust")
    assert (row["proto"], row["action"], row["bytes"], row["bytes_sent"], row["bytes_received"]) == (
        "tcp", "allow", "13336", "5120", "8216")
    assert (row["packets"], row["elapsed"], row["dstloc"], row["session_end_reason"], row["device_name"]) == (
        "24", "21", "United States", "tcp-fin", "fw1")
    assert row["rule_uuid"] == "b2d9c2a6-6b2b-4a2c-9e5e-1f2d3c4b5a69"
    assert not any(k is None or k.lower().startswith("future") for k in row)  # FUTURE_USE left out
    assert sum(1 for name in PANOS_FIELDS["TRAFFIC"] if name is not None) >= len(row)


@pytest.mark.parametrize("header", ["", "<14>Nov 14 22:13:21 fw1 ", "Nov 14 22:13:21 ", "<14>",
                                    "<14>1 2024-11-14T22:13:21.000+00:00 fw1 - - - - ",
                                    "<14>Nov 14 22:13:21 fw1 \t"])
def test_the_syslog_header_is_left_out(header: str) -> None:
    assert parse_panos(header + TRAFFIC) == parse_panos(TRAFFIC)
    assert parse_panos((header + TRAFFIC + "\r\n").encode()) == parse_panos(TRAFFIC)


def test_a_line_whose_collector_stripped_the_first_field() -> None:
    assert parse_panos("Nov 14 22:13:21 fw1 " + TRAFFIC[2:]) == parse_panos(TRAFFIC)


def test_threat_line_with_quoted_fields_holding_commas_and_quotes() -> None:
    row = parse_panos("<14>Nov 14 22:14:02 fw1 " + THREAT)
    assert row is not None
    assert (row["type"], row["subtype"], row["action"], row["misc"]) == (
        "THREAT", "vulnerability", "reset-both", "/cgi-bin/x.cgi?a=1,2")
    assert row["threatid"] == "Apache Struts Remote Code Execution Vulnerability(33338)"
    assert (row["severity"], row["direction"], row["seqno"], row["srcloc"]) == (
        "critical", "client-to-server", "7021399", "United States")
    assert row["user_agent"] == 'Mozilla/5.0 (X11; "Linux")' and row["device_name"] == "fw1"


def _csv_line(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


def test_other_log_types_more_and_fewer_fields() -> None:
    system = parse_panos("1,2024/11/14 22:15:00,0123456789,SYSTEM,auth,0,2024/11/14 22:15:00,,"
                         "auth-fail,admin,0,0,general,medium,\"failed authentication for user 'admin', "
                         "From: 203.0.113.9.\",7021400,0x0,0,0,0,0,,fw1")
    assert system is not None
    assert (system["eventid"], system["object"], system["severity"]) == ("auth-fail", "admin", "medium")
    assert system["opaque"].startswith("failed authentication for user 'admin', From:")
    config = parse_panos("1,2024/11/14 22:16:00,0123456789,CONFIG,0,2561,2024/11/14 22:16:00,10.0.0.2,"
                         "vsys1,edit,admin,Web,Succeeded, rulebase security rules web-out,7021401,0x0")
    assert (config["cmd"], config["admin"], config["client"], config["result"]) == (
        "edit", "admin", "Web", "Succeeded")
    fields = next(csv.reader([TRAFFIC]))
    known = len(PANOS_FIELDS["TRAFFIC"])
    newer = parse_panos(_csv_line([*fields, *[""] * (known - len(fields)), "a", "b"]))  # a newer PAN-OS
    assert (newer[f"extra_{known + 1}"], newer[f"extra_{known + 2}"]) == ("a", "b")
    assert newer["high_res_timestamp"] is None and f"extra_{known}" not in newer
    older = parse_panos(_csv_line(fields[:46]))  # PAN-OS 6: up to the packets received
    assert older["pkts_received"] == "13" and "session_end_reason" not in older
    assert older["rule"] == "web, out"
    hip = parse_panos("1,2024/11/14 22:17:00,0123456789,HIPMATCH,0,2561,2024/11/14 22:17:00,jdoe,vsys1")
    assert (hip["type"], hip["extra_8"], hip["extra_9"]) == ("HIPMATCH", "jdoe", "vsys1")
    short = parse_panos("1,2024/11/14 22:17:00,0123456789,TRAFFIC,drop")  # no time_generated
    assert short["time_generated"] == "2024/11/14 22:17:00"  # the receive time stands in


@pytest.mark.parametrize("line", [
    "", "a,b,c", "receive_time,serial,type,subtype", "1,2024/11/14 22:13:20,0123456789,NOTATYPE,end",
    "1,14/11/2024 22:13:20,0123456789,TRAFFIC,end", "1,2024/11/14 22:13:20,0123456789,traffic,end",
    "<134>Nov 14 22:13:20 fw1 CEF:0|Palo Alto Networks|PAN-OS|10.2|end|TRAFFIC|1|src=10.0.0.5",
    "Nov 14 22:13:20 host sshd[1]: Accepted password for bob from 10.0.0.9 port 22",
    "x1,12024/11/14 22:13:20,0123456789,TRAFFIC,end",
])
def test_lines_that_are_no_pan_os_log(line: str) -> None:
    assert parse_panos(line) is None


@pytest.mark.parametrize("body", ["," * (1 << 20), '"' * (1 << 20), "1" * (1 << 20), " " * (1 << 20),
                                  "2024/11/14 22:13:20," * (1 << 15), '"a,' * (1 << 18)])
def test_a_megabyte_hostile_line_parses_in_well_under_a_second(body: str) -> None:
    for prefix in ("", "1,2024/11/14 22:13:20,0123456789,TRAFFIC,end,", "<14>Nov 14 fw1 x,"):
        start = time.process_time()  # CPU seconds, not inflated by a loaded machine
        row = parse_panos(prefix + body)
        assert time.process_time() - start < 2.0, (prefix, body[:8])
        assert row is None or (row["type"] == "TRAFFIC" and len(row) < 1024)
    assert parse_panos(TRAFFIC + "," * 2000) is None  # thousands of fields: no PAN-OS log


def test_sniffing_takes_pan_os_lines_and_leaves_other_csv_alone(tmp_path: Path) -> None:
    cases = {
        "fw.log": "<14>Nov 14 22:13:21 fw1 " + TRAFFIC + "\n" + THREAT + "\n",
        "plain.csv": TRAFFIC + "\n",
        "t.csv": "src,dst,bytes\n10.0.0.1,10.0.0.2,100\n",
        # the web interface's CSV export: a header line naming the columns, then PAN-OS rows
        "export.csv": "Domain,Receive Time,Serial #,Type,Threat/Content Type\n" + TRAFFIC + "\n",
        "times.csv": "1,2024/11/14 22:13:20,a,B,c\n",  # a log type PAN-OS has not
        "cef.log": "CEF:0|Palo Alto Networks|PAN-OS|10.2|end|TRAFFIC|1|src=10.0.0.5 dpt=443\n",
    }
    found = {}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        found[name] = sniff_format(tmp_path / name).name
    assert found == {"fw.log": "panos", "plain.csv": "panos", "t.csv": "csv", "export.csv": "csv",
                     "times.csv": "csv", "cef.log": "cef"}


# -- end to end: generated TRAFFIC logs of a small office's firewall ---------------------------
def _traffic(rng: np.random.Generator, i: int, kind: str = "normal") -> str:
    """One TRAFFIC log; ``scan``: a short denied probe of an internal host's ports; ``upload``:
    gigabytes sent to a rare port outside, by the rule and application of web traffic."""
    t = pd.Timestamp("2024-11-14 08:00:00") + pd.Timedelta(seconds=3 * i)
    gen, recv = t.strftime("%Y/%m/%d %H:%M:%S"), (t + pd.Timedelta(seconds=1)).strftime("%Y/%m/%d %H:%M:%S")
    src = f"10.0.0.{rng.integers(2, 60)}"
    if kind == "scan":
        dst, dport, app, rule = f"10.0.1.{rng.integers(2, 250)}", int(rng.integers(1, 10000)), \
            "not-applicable", "interzone-default"
        sub, action, proto, to, reason = "drop", "deny", "tcp", "servers", "policy-deny"
        sent, rcvd, pkts, elapsed = 60, 0, 1, 0
    elif kind == "upload":
        dst, dport, app, rule = f"198.51.100.{rng.integers(2, 250)}", int(rng.choice([4444, 8081, 6667])), \
            "ssl", '"web, out"'
        sub, action, proto, to, reason = "end", "allow", "tcp", "untrust", "tcp-fin"
        sent, rcvd = int(rng.integers(2 * 10**8, 2 * 10**9)), int(rng.integers(10**4, 10**5))
        pkts, elapsed = sent // 1400, int(rng.integers(600, 3600))
    else:
        service = rng.choice(["web", "dns"], p=[0.8, 0.2])
        dst = f"93.184.216.{rng.integers(2, 40)}"
        dport, app, rule, proto = (int(rng.choice([443, 80])), str(rng.choice(["ssl", "web-browsing"])),
                                   '"web, out"', "tcp") if service == "web" else (53, "dns", "dns-out", "udp")
        sub, action, to, reason = "end", "allow", "untrust", "tcp-fin" if proto == "tcp" else "aged-out"
        sent, rcvd = int(rng.lognormal(7, 0.5)), int(rng.lognormal(10, 0.8))
        pkts, elapsed = max(2, (sent + rcvd) // 1200), int(rng.integers(0, 60))
    return (f"<14>{t.strftime('%b %d %H:%M:%S')} fw1 1,{recv},0123456789,TRAFFIC,{sub},2561,{gen},{src},"
            f"{dst},203.0.113.5,{dst},{rule},corp\\user{rng.integers(20)},,{app},vsys1,trust,{to},"
            f"ethernet1/2,ethernet1/1,fwd-all,{gen},{rng.integers(10**5, 10**6)},1,"
            f"{rng.integers(1024, 65535)},{dport},{rng.integers(1024, 65535)},{dport},0x400053,{proto},"
            f"{action},{sent + rcvd},{sent},{rcvd},{pkts},{gen},{elapsed},any,0,{7_000_000 + i},"
            f"0x8000000000000000,10.0.0.0-10.255.255.255,United States,0,{pkts // 2},{pkts - pkts // 2},"
            f"{reason},0,0,0,0,,fw1,from-policy")


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("panos")
    rng = np.random.default_rng(0)
    (d / "fw.log").write_text("".join(_traffic(rng, i) + "\n" for i in range(1500)))
    kinds = np.array(["normal"] * 400, dtype=object)
    kinds[::20], kinds[10::20] = "scan", "upload"
    (d / "test.log").write_text("".join(_traffic(rng, 2000 + i, k) + "\n" for i, k in enumerate(kinds)))
    model = d / "model"
    res = runner.invoke(app, ["train", str(d / "fw.log"), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    assert "event time from column 'time_generated'" in res.stderr, res.stderr
    return {"dir": d, "model": model, "labels": (kinds != "normal").astype(int), "kinds": kinds}


def test_read_with_its_roles(kit: dict[str, Any]) -> None:
    res = runner.invoke(app, ["inspect", str(kit["dir"] / "fw.log")])
    assert res.exit_code == 0, res.output
    table = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    for col in ("serial", "sessionid", "seqno", "receive_time", "start", "actionflags"):
        assert "dropped" in table[col], (col, table[col])
    assert "ip" in table["src"] and "ip" in table["natsrc"] and "port" in table["dport"]
    for col in ("rule", "app", "from", "to", "action", "proto", "session_end_reason", "subtype"):
        assert "categorical" in table[col], (col, table[col])
    assert "numeric" in table["bytes_sent"] and "numeric" in table["elapsed"]
    assert "timestamp column 'time_generated'" in res.stdout


def test_detects_a_port_scan_and_a_large_upload(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "scores.csv"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["dir"] / "test.log"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(out)["score"].to_numpy()
    assert roc_auc_score(kit["labels"], scores) > 0.95
    for kind in ("scan", "upload"):  # each attack alone, against the normal lines
        keep = kit["kinds"] != ("upload" if kind == "scan" else "scan")
        assert roc_auc_score(kit["labels"][keep], scores[keep]) > 0.95, kind


def test_stream_reads_the_lines_as_score_reads_the_file(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "all.csv"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["dir"] / "test.log"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = (kit["dir"] / "test.log").read_text()
    res = runner.invoke(app, ["stream", str(kit["model"]), "--all"], input=text)
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines()]
    np.testing.assert_allclose([a["score"] for a in streamed], pd.read_csv(out)["score"], rtol=1e-4)
    res = runner.invoke(app, ["stream", str(kit["model"]), "--alert-format", "ecs"], input=text)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout.splitlines()[0])
    assert doc["@timestamp"].startswith("2024-11-14T") and doc["hourglass"]["timestamp_from"] == "data"
    assert doc["source"]["ip"].startswith("10.0.0.") and "network" in doc["event"]["category"]
    assert doc["user"]["name"].startswith("corp\\user")


def test_service_takes_the_lines_of_a_panos_model(kit: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    key = "k" * 32
    client = TestClient(create_app(kit["model"], api_key=key))
    assert client.get("/health").json()["format"] == "panos"
    lines = (kit["dir"] / "test.log").read_text().splitlines()[:30]
    answer = client.post("/score", json={"lines": lines}, headers={"X-API-Key": key})
    assert answer.status_code == 200, answer.text
    res = runner.invoke(app, ["stream", str(kit["model"]), "--all"], input="\n".join(lines) + "\n")
    streamed = [json.loads(x)["score"] for x in res.stdout.splitlines()]
    np.testing.assert_allclose(answer.json()["scores"], streamed, rtol=1e-4)
    bad = client.post("/score", json={"lines": [lines[0], "a,b,c"]}, headers={"X-API-Key": key})
    assert bad.status_code == 422, bad.text
    assert bad.json()["detail"].startswith("line 2: not a PAN-OS record"), bad.text


# -- bad input: one clear line, exit code 2 -----------------------------------------------------
def test_a_line_that_is_no_pan_os_log(kit: dict[str, Any], tmp_path: Path) -> None:
    lines = (kit["dir"] / "test.log").read_text().splitlines()[:5]
    res = runner.invoke(app, ["stream", str(kit["model"])],
                        input="\n".join([*lines[:3], "not a log", *lines[3:]]))
    assert res.exit_code == 2 and "line 4: not a PAN-OS record" in res.stderr, res.output
    res = runner.invoke(app, ["stream", str(kit["model"]), "--on-bad-rows", "skip", "--all"],
                        input="\n".join([*lines[:3], "not a log", *lines[3:]]))
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 5, res.output
    data = tmp_path / "fw.log"
    data.write_text("\n".join([*lines[:3], "Nov 14 22:13:20 fw1 garbage,,,", *lines[3:]]) + "\n")
    one_line_error(["train", str(data), "--format", "panos", "-o", str(tmp_path / "m")],
                   "line 4: not a PAN-OS record", tmp_path / "m")
    one_line_error(["train", str(data), "-o", str(tmp_path / "m")], "line 4: not a PAN-OS record",
                   tmp_path / "m")


@pytest.mark.parametrize(("text", "match"), [
    ("", "empty file"), ("\n\n\n", "no data rows"),
    ("garbage line one\nmore garbage\n", "line 1: not a PAN-OS record"),
    ("src,dst,bytes\n10.0.0.1,10.0.0.2,100\n", "line 1: not a PAN-OS record"),
])
def test_bad_files_given_as_panos(tmp_path: Path, text: str, match: str) -> None:
    data = tmp_path / "fw.log"
    data.write_text(text)
    one_line_error(["train", str(data), "--format", "panos", "-o", str(tmp_path / "m")], match,
                   tmp_path / "m")
