"""Format parsers: CloudTrail files read as stream reads their lines, PAN-OS sniffing, and the
service's answer to a JSON line sent to a line-format model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner
from tests._lines import cloudtrail_model, cloudtrail_record

_BRIDGE = {"version": "0", "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
           "detail": cloudtrail_record(1)}


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("trail")
    cloudtrail_model(d)
    return {"dir": d, "model": d / "model", "test": [cloudtrail_record(i) for i in range(200, 208)]}


def _streamed(model: Path, text: str, *args: str) -> tuple[list[str], list[float], str]:
    res = runner.invoke(app, ["stream", str(model), "--all", "--keep", "eventID", *args], input=text)
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in res.stdout.splitlines()]
    return [a["eventID"] for a in alerts], [a["score"] for a in alerts], res.stderr


def _scored(model: Path, path: Path, *args: str) -> tuple[list[str], list[float], str]:
    out = path.with_suffix(".scores.csv")
    res = runner.invoke(app, ["score", str(model), str(path), "-o", str(out), "--keep", "eventID", *args])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    return list(df["eventID"]), list(df["score"]), res.stderr


def test_cloudtrail_file_of_delivered_files_with_a_record_on_a_later_line(trail: dict[str, Any],
                                                                         tmp_path: Path) -> None:
    """A file that starts with a delivered file ({"Records": [...]}) and holds one record on a
    later line was refused with "'Records' of document 2 is no list" (it has no 'Records'),
    while stream scored the line's record; it is now that record, as stream reads it."""
    test = trail["test"]
    text = (json.dumps({"Records": test[:3]}) + "\n" + json.dumps(test[3]) + "\n"
            + json.dumps({"Records": test[4:]}) + "\n")
    p = tmp_path / "mixed.json"
    p.write_text(text)
    ids, scores, _ = _scored(trail["model"], p)
    s_ids, s_scores, _ = _streamed(trail["model"], text)
    assert ids == s_ids == [r["eventID"] for r in test]
    np.testing.assert_allclose(scores, s_scores, rtol=1e-4)
    p.write_text(text + json.dumps(_BRIDGE) + "\n")  # a later EventBridge event: named, as stream has it
    one_line_error(["score", str(trail["model"]), str(p), "-o", str(tmp_path / "b.csv")],
                   "line 4: an EventBridge event", tmp_path / "b.csv")
    ids, _, err = _scored(trail["model"], p, "--on-bad-rows", "skip")
    assert ids == [r["eventID"] for r in test] and "lines 4" in err
    p.write_text(text + json.dumps(test[:2]) + "\n")  # an array: so named, not "'Records' ... is no list"
    one_line_error(["score", str(trail["model"]), str(p), "-o", str(tmp_path / "b.csv")],
                   "line 4: expected a JSON object, got an array of objects (send one object a line",
                   tmp_path / "b.csv")


def test_cloudtrail_eventbridge_event_on_a_later_json_line_is_a_bad_line(trail: dict[str, Any],
                                                                        tmp_path: Path) -> None:
    """An EventBridge event on a later line of a file of records refused the whole file (score),
    or, past the first chunk, was one row with every field missing, where stream names the line
    and --on-bad-rows skip skips it: score now does as stream."""
    test = trail["test"]
    text = "".join(json.dumps(r) + "\n" for r in test[:2]) + json.dumps(_BRIDGE) + "\n" \
        + "".join(json.dumps(r) + "\n" for r in test[2:])
    p = tmp_path / "lines.jsonl"
    p.write_text(text)
    one_line_error(["score", str(trail["model"]), str(p), "-o", str(tmp_path / "b.csv")],
                   "line 3: an EventBridge event (the CloudTrail record under 'detail'); give the "
                   "records: jq -c .detail", tmp_path / "b.csv")
    ids, scores, err = _scored(trail["model"], p, "--on-bad-rows", "skip")
    s_ids, s_scores, s_err = _streamed(trail["model"], text, "--on-bad-rows", "skip")
    assert ids == s_ids == [r["eventID"] for r in test] and "lines 3" in err and "lines 3" in s_err
    np.testing.assert_allclose(scores, s_scores, rtol=1e-4)


_RSYSLOG_START = ('Nov 14 22:13:19 fw1 rsyslogd: [origin software="rsyslogd" swVersion="8.2102.0" '
                  'x-pid="812" x-info="https://www.rsyslog.com"] start')


def _panos(i: int, when: str) -> str:
    return (f"<14>Nov 14 22:13:20 fw1 1,{when},0123456789,TRAFFIC,end,2561,{when},10.0.0.{i},"
            f"93.184.216.34,0.0.0.0,0.0.0.0,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/1,ethernet1/2,"
            f"log-fwd,{when},{1000 + i},1,{50000 + i},443,0,0,0x400019,tcp,allow,{5000 + i},1200,3800,20")


@pytest.mark.parametrize("when", ["2024-11-14T22:13:20.123+00:00", "2024-11-14T22:13:20Z"])
def test_panos_log_of_iso_receive_times_after_another_syslog_message_is_panos(tmp_path: Path,
                                                                            when: str) -> None:
    """PAN-OS lines whose receive time is ISO 8601 with a fraction or a zone (which parse_panos
    reads, and which sniff as panos when the first line is one) were sniffed as a CSV of one
    column when rsyslog's start line came first; they are panos, as the plain receive time is."""
    from hourglass.ingest.formats import sniff_format

    records = "".join(_panos(i, when) + "\n" for i in range(12))
    p = tmp_path / "fw.log"
    p.write_text(records)
    assert sniff_format(p).name == "panos"
    p.write_text(_RSYSLOG_START + "\n" + records)
    assert sniff_format(p).name == "panos"
    res = runner.invoke(app, ["inspect", str(p), "--on-bad-rows", "skip"])
    assert res.exit_code == 0 and "format panos, 12 rows" in res.stdout, res.output


def test_service_of_a_cef_model_says_a_json_line_is_json(tmp_path: Path) -> None:
    """A JSON line (a Filebeat export's event, the record in its "message") sent to a CEF model's
    service was 'not a CEF record' and no more, where the file reader and stream say that the
    line is a JSON object and how to get the records; the service now says so too."""
    from tests._serve import AUTH, client_of

    lines = [f"<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|1.0|100|conn|3|src=10.0.0.{i % 9} dst=10.1.0.1 "
             f"spt={1000 + i} dpt=443 in={i * 10} act=allow rt={1700000000000 + i * 1000}"
             for i in range(120)]
    p = tmp_path / "fw.cef"
    p.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["train", str(p), "-o", str(tmp_path / "m"), "--epochs", "1"])
    assert res.exit_code == 0, res.output
    with client_of(tmp_path / "m") as client:
        answer = client.post("/score", json={"lines": [lines[0], json.dumps({"message": lines[1]})]},
                             headers=AUTH)
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert detail.startswith("line 2: not a CEF record") and "the line is a JSON object" in detail
        assert "jq -r .message" in detail
        plain = client.post("/score", json={"lines": [lines[0], "not cef"]}, headers=AUTH).json()["detail"]
        assert plain == "line 2: not a CEF record ('not cef')"


@pytest.mark.parametrize("fmt", ["kv", "cef", "leef", "panos", "auditd"])
def test_a_line_of_deeply_nested_json_is_a_bad_line_not_a_traceback(tmp_path: Path, fmt: str) -> None:
    """A line opening a JSON object nested deeper than Python's parser reads ended the read of a
    line-format file (and stream) with a RecursionError traceback; it is judged as a line again:
    refused as no record, naming its line (exit 2)."""
    from hourglass.ingest.formats import get_format

    good = {"kv": "a=1 b=2 c=3", "cef": "CEF:0|a|b|c|d|e|f|x=1", "leef": "LEEF:1.0|a|b|c|d|x=1",
            "panos": "1,2024/11/14 22:13:20,0123456789,SYSTEM,general,0,2024/11/14 22:13:20,,general",
            "auditd": "type=USER_LOGIN msg=audit(1700000000.512:87): pid=1 uid=0 res=success"}[fmt]
    deep = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert get_format(fmt).parse(deep) is None and get_format(fmt).parse(deep.encode()) is None
    p = tmp_path / "deep.log"
    p.write_text(good + "\n" + deep + "\n")
    one_line_error(["inspect", str(p), "--format", fmt], "line 2: not a ")


@pytest.mark.parametrize("fmt", ["cef", "kv"])
def test_a_json_line_with_bytes_that_are_no_utf8_is_no_record_either(tmp_path: Path, fmt: str) -> None:
    """A JSON line of an export whose record holds a byte that is no UTF-8 (a relay's Latin-1
    user name) was still read as a record, the JSON's tail in its last value ('bob\\ufffd"}'),
    silently, where the other JSON lines are refused; it is no record either."""
    from hourglass.ingest.formats import get_format

    record = {"cef": b"CEF:0|Acme|FW|1.0|100|conn|3|src=10.0.0.1 suser=jos\xe9",
              "kv": b"src=10.0.0.1 dst=10.0.0.2 user=jos\xe9"}[fmt]
    line = b'{"@timestamp": "2024-01-01T00:00:00Z", "message": "' + record + b'"}'
    assert get_format(fmt).parse(record) is not None and get_format(fmt).parse(line) is None
    p = tmp_path / "export.json"
    p.write_bytes(line + b"\n")
    one_line_error(["inspect", str(p), "--format", fmt], "line 1: not a ")


def test_cloudtrail_stream_of_an_array_of_records_names_the_way_to_json_lines(trail: dict[str, Any],
                                                                             tmp_path: Path) -> None:
    """A line holding an array of records (jq -c .Records) streamed to a CloudTrail model said
    'expected a JSON object, got an array' and no more, since CloudTrail's lines pass through its
    own reading; it says again how to send them (jq -c '.[]'), as for any other model, and the
    file reader alike."""
    text = json.dumps(trail["test"][:3]) + "\n"
    res = runner.invoke(app, ["stream", str(trail["model"])], input=text)
    assert res.exit_code == 2, res.output
    assert "line 1: expected a JSON object, got an array of objects (send one object a line, JSON lines: " \
        "jq -c '.[]')" in res.stderr
    p = tmp_path / "arr.jsonl"
    p.write_text(json.dumps(trail["test"][0]) + "\n" + text)
    one_line_error(["score", str(trail["model"]), str(p), "-o", str(tmp_path / "a.csv")],
                   "line 2: expected a JSON object, got an array of objects", tmp_path / "a.csv")
