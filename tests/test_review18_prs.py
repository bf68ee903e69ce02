"""Format parsers: CloudTrail delivered files on a stream's lines, and other line-format cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.formats import event_format, get_format
from tests._cli import one_line_error, runner
from tests._lines import cloudtrail_model, cloudtrail_record


@pytest.fixture(scope="module")
def trail_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("trail")
    cloudtrail_model(d)
    test = [cloudtrail_record(i) for i in range(200, 212)]
    lines = d / "test.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in test))
    res = runner.invoke(app, ["score", str(d / "model"), str(lines), "-o", str(d / "scores.csv")])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "model", "test": test,
            "scores": pd.read_csv(d / "scores.csv")["score"].to_numpy()}


def test_cloudtrail_delivered_files_stream_as_their_records(trail_model: dict[str, Any]) -> None:
    """'zcat CloudTrail/*.json.gz | hourglass stream M': each line a delivered file
    ({"Records": [...]}), which score reads as its records; stream stopped with 'none of the
    model's columns' (the line read as one row of a 'Records' field)."""
    test = trail_model["test"]
    text = json.dumps({"Records": test[:5]}) + "\n" + json.dumps({"Records": test[5:]}) + "\n"
    res = runner.invoke(app, ["stream", str(trail_model["model"]), "--all", "--keep", "eventID"], input=text)
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in res.stdout.splitlines()]
    assert [a["eventID"] for a in alerts] == [r["eventID"] for r in test]
    np.testing.assert_allclose([a["score"] for a in alerts], trail_model["scores"], rtol=1e-4)
    assert event_format("cloudtrail") is get_format("cloudtrail")


def test_cloudtrail_file_of_json_lines_with_a_delivered_file_on_a_later_line(
        trail_model: dict[str, Any], tmp_path: Path) -> None:
    """A JSON-lines file with a {"Records": [...]} document on a later line: its records are
    rows, as stream reads the line; it was one row with every field missing, scored silently."""
    test = trail_model["test"]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(json.dumps(test[0]) + "\n" + json.dumps({"Records": test[1:11]}) + "\n"
                     + json.dumps(test[11]) + "\n")
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(trail_model["model"]), str(mixed), "-o", str(out)])
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose(pd.read_csv(out)["score"].to_numpy(), trail_model["scores"], rtol=1e-4)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(test[0]) + "\n" + json.dumps({"Records": [test[1], 7]}) + "\n")
    one_line_error(["score", str(trail_model["model"]), str(bad), "-o", str(tmp_path / "b.csv")],
                   "line 2: Records[1] is no JSON object (a number)", tmp_path / "b.csv")


def test_cloudtrail_eventbridge_event_streamed_is_refused_by_name(trail_model: dict[str, Any]) -> None:
    event = {"version": "0", "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
             "detail": trail_model["test"][0]}
    res = runner.invoke(app, ["stream", str(trail_model["model"])], input=json.dumps(event) + "\n")
    assert res.exit_code == 2, res.output
    assert "line 1: an EventBridge event" in res.stderr and "jq -c .detail" in res.stderr


_RSYSLOG_START = ('Nov 14 22:13:19 fw1 rsyslogd: [origin software="rsyslogd" swVersion="8.2102.0" '
                  'x-pid="812" x-info="https://www.rsyslog.com"] start')


def _cef(i: int) -> str:
    return (f"<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|1.0|100|conn|3|src=10.0.0.{i % 9} dst=10.1.0.1 "
            f"spt={1000 + i} dpt=443 in={i * 10} out={i * 7} act=allow rt={1700000000000 + i * 1000}")


def _leef(i: int) -> str:
    return (f"<13>Jan 18 11:07:53 host LEEF:1.0|IBM|QRadar|7|42|src=10.0.0.{i}\tdst=10.0.1.1\t"
            f"srcPort={1000 + i}\tdstPort=443\tusrName=bob")


def _audit(i: int) -> str:
    return (f"Nov 14 22:13:20 h audispd: node=h type=USER_LOGIN msg=audit(1700000{i:03d}.512:{87 + i}): "
            "pid=811 uid=0 auid=1000 ses=3 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" addr=10.0.0.9 "
            "terminal=ssh res=success'")


def _panos(i: int) -> str:
    return (f"<14>Nov 14 22:13:20 fw1 1,2024/11/14 22:13:20,0123456789,TRAFFIC,end,2561,2024/11/14 22:13:20,"
            f"10.0.0.{i},93.184.216.34,0.0.0.0,0.0.0.0,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/1,"
            f"ethernet1/2,log-fwd,2024/11/14 22:13:20,{1000 + i},1,{50000 + i},443,0,0,0x400019,tcp,allow,"
            f"{5000 + i},1200,3800,20")


@pytest.mark.parametrize(("fmt", "make"), [("cef", _cef), ("leef", _leef), ("auditd", _audit),
                                           ("panos", _panos)])
def test_log_whose_first_line_is_another_syslog_message_is_sniffed_as_its_records(
        tmp_path: Path, fmt: str, make: Any) -> None:
    """A CEF, LEEF or audit log whose first line is rsyslog's start message was sniffed as 'kv'
    and read as key=value pairs (CEF's header, its first extension key and rt in seconds lost,
    silently), a PAN-OS log as a CSV of one column; it is now its format, the first line named
    as no record."""
    from hourglass.ingest.formats import sniff_format

    p = tmp_path / f"log.{fmt}"
    p.write_text(_RSYSLOG_START + "\n" + "".join(make(i) + "\n" for i in range(30)))
    assert sniff_format(p).name == fmt
    one_line_error(["inspect", str(p)], "line 1: not a ")
    res = runner.invoke(app, ["inspect", str(p), "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert f"format {fmt}," in res.stdout and "lines 1" in res.output


def test_table_whose_text_column_holds_cef_stays_a_table(tmp_path: Path) -> None:
    from hourglass.ingest.formats import sniff_format

    p = tmp_path / "t.csv"
    p.write_text("time,message\n" + "".join(f'{i},"{_cef(i)[5:]}"\n' for i in range(20)))
    assert sniff_format(p).name == "csv"
    header = "domain,receive_time,serial,type,subtype,config_ver,time_generated,src,dst"
    p.write_text(header + "\n" + "".join(_panos(i).split(" fw1 ")[1] + "\n" for i in range(20)))
    assert sniff_format(p).name == "csv"  # a PAN-OS web export, its header first
    p.write_text(_RSYSLOG_START + "\n" + _cef(0) + "\n" + "".join("plain syslog line\n" for _ in range(6)))
    assert sniff_format(p).name != "cef"  # a record or two among other lines: no CEF log


@pytest.mark.parametrize("fmt", ["cef", "leef"])
def test_empty_value_is_missing_and_keeps_a_count_column_numeric(tmp_path: Path, fmt: str) -> None:
    """One line with 'in=' (an empty value, as connectors write an unset field) turned the whole
    byte-count column to text (the model then read bytes as categories); it is missing, as a
    CSV's empty cell, in the file reader and in stream's parse alike."""
    spec = get_format(fmt)
    if fmt == "cef":
        lines = [f"CEF:0|Acme|FW|1.0|100|conn|3|src=10.0.0.{i} in={i * 10} suser=bob" for i in range(9)]
        lines[4] = "CEF:0|Acme|FW|1.0|100|conn|3|src=10.0.0.4 in= suser="
    else:
        lines = [f"LEEF:1.0|Acme|FW|1.0|100|src=10.0.0.{i}\tin={i * 10}\tusrName=bob" for i in range(9)]
        lines[4] = "LEEF:1.0|Acme|FW|1.0|100|src=10.0.0.4\tin=\tusrName="
    p = tmp_path / f"t.{fmt}"
    p.write_text("\n".join(lines) + "\n")
    df = spec.read(p)
    assert pd.api.types.is_numeric_dtype(df["in"]) and np.isnan(df["in"][4]) and df["in"][5] == 50
    user = "suser" if fmt == "cef" else "usrName"
    assert pd.isna(df[user][4]) and df[user][0] == "bob"
    row = spec.parse(lines[4])
    assert row["in"] is None and row[user] is None
    escaped = spec.parse(lines[4].replace("src=10.0.0.4", "msg=a\\=b"))
    assert escaped["in"] is None and (fmt == "leef" or escaped["msg"] == "a=b")


@pytest.mark.parametrize(("fmt", "make"), [("cef", _cef), ("leef", _leef), ("auditd", _audit),
                                           ("panos", _panos), ("kv", lambda i: f"a={i} b=2 c=3 d=x")])
def test_json_lines_of_records_are_refused_by_a_named_line_format(tmp_path: Path, fmt: str,
                                                                  make: Any) -> None:
    """'--format cef' on a Filebeat/Elastic export ({"message": "CEF:0|..."} a line) parsed the
    record inside the JSON, the JSON's tail in its last value (rt '1700000000000"}'), its escapes
    left in: silently wrong values. A JSON line is no record of a line format: refused, saying so."""
    spec = get_format(fmt)
    lines = [json.dumps({"@timestamp": "2024-01-01T00:00:00Z", "message": make(i)}) for i in range(5)]
    assert all(spec.parse(line) is None and spec.parse(line.encode()) is None for line in lines)
    assert spec.parse(make(1)) is not None
    p = tmp_path / "export.json"
    p.write_text("\n".join(lines) + "\n")
    one_line_error(["inspect", str(p), "--format", fmt], "line 1: not a ")
    res = runner.invoke(app, ["inspect", str(p), "--format", fmt])
    assert "the line is a JSON object (JSON lines): give the records themselves, e.g. jq -r .message" \
        in res.stderr


def test_stream_of_a_cef_model_refuses_a_json_line(tmp_path: Path) -> None:
    p = tmp_path / "fw.cef"
    p.write_text("".join(_cef(i) + "\n" for i in range(120)))
    res = runner.invoke(app, ["train", str(p), "-o", str(tmp_path / "m"), "--epochs", "1"])
    assert res.exit_code == 0, res.output
    line = json.dumps({"message": _cef(3)})
    res = runner.invoke(app, ["stream", str(tmp_path / "m")], input=line + "\n")
    assert res.exit_code == 2, res.output
    assert "line 1: not a CEF record" in res.stderr and "the line is a JSON object" in res.stderr
