"""The same events in two formats give the same table and the same scores: a Windows ``.evtx`` log
and its records as the parser's JSON lines (``evtx_dump -o jsonl``), gzip and CR LF included;
Zeek TSV and JSON logs (pinned)."""

from __future__ import annotations

import gzip
import json
import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.formats import get_format, sniff_format
from tests._cli import one_line_error, runner


def _record(i: int) -> dict[str, Any]:
    """A record as the evtx parser gives it (records_json): qualifiers on some event ids, an
    empty and a missing EventData value, text beyond ASCII, unnamed Data elements, UserData."""
    system: dict[str, Any] = {
        "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing", "Guid": "5484"}},
        "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7045} if i % 5 == 0 else 4624 + i % 2,
        "Version": 0, "Level": 0, "Task": 12544, "Opcode": 0, "Keywords": "0x8020000000000000",
        "TimeCreated": {"#attributes": {"SystemTime": f"2024-05-01T10:00:{i % 60:02d}.123456Z"}},
        "EventRecordID": 100 + i, "Correlation": None,
        "Execution": {"#attributes": {"ProcessID": 640, "ThreadID": 700 + i}},
        "Channel": "Security", "Computer": f"WS{i % 3}.corp", "Security": None}
    ev: dict[str, Any] = {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
                          "System": system}
    if i % 7 == 3:
        ev["UserData"] = {"LogFileCleared": {"#attributes": {"xmlns": "u"}, "SubjectUserName": "admin"}}
    elif i % 7 == 5:
        ev["EventData"] = {"Data": ["x", {"#text": "y"}]}
    else:
        ev["EventData"] = {"TargetUserName": ["bob", "zoë", "José"][i % 3], "LogonType": 2 + i % 2,
                           "IpAddress": "-" if i % 4 == 0 else f"10.0.0.{i % 5}", "IpPort": str(50000 + i),
                           "WorkstationName": "" if i % 2 else "WS9", "ProcessID": "0x1f4",
                           "Empty": None}
    return {"Event": ev}


class _Parser:
    """Stands in for evtx.PyEvtxParser: yields :attr:`records` as the real one does."""

    records: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, path: str, threads: int) -> None:
        if Path(path).read_bytes()[:8] != b"ElfFile\x00":
            raise RuntimeError("invalid file header")

    def records_json(self) -> Any:
        for i, r in enumerate(self.records):
            yield {"event_record_id": i + 1, "timestamp": "", "data": json.dumps(r)}


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Path]:
    """An ``.evtx`` log of 120 records (through the stand-in parser) and the same records as
    ``evtx_dump -o jsonl`` writes them: plain, gzip, CR LF without a final line break, CR."""
    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_Parser))
    _Parser.records = [_record(i) for i in range(120)]
    evtx = tmp_path / "Security.evtx"
    evtx.write_bytes(b"ElfFile\x00" + bytes(4088))
    lines = [json.dumps(r, ensure_ascii=False) for r in _Parser.records]
    dump = tmp_path / "Security.jsonl"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    gz = tmp_path / "Security.jsonl.gz"
    gz.write_bytes(gzip.compress(dump.read_bytes()))
    crlf = tmp_path / "crlf.json"
    crlf.write_bytes("\r\n".join(lines).encode())
    cr = tmp_path / "cr.json"  # (lines ended by a CR alone, as classic Mac OS wrote them)
    cr.write_bytes(("\r".join(lines) + "\r").encode())
    return {"evtx": evtx, "dump": dump, "gz": gz, "crlf": crlf, "cr": cr}


def test_evtx_dump_json_lines_read_as_the_evtx_file_reads(logs: dict[str, Path]) -> None:
    # what was wrong: the parser's own records as JSON lines (evtx_dump -o jsonl Security.evtx)
    # were read as plain JSON lines: columns Event.System.EventID, Event.EventData.TargetUserName
    # ..., the event id a number to scale, record and thread ids numeric features, no event time;
    # 'hourglass score' of a model trained on the .evtx refused the dump ('column(s) the model
    # needs are missing: EventID, Provider, Channel (and 20 more)'). Now they are sniffed as the
    # evtx format and give the very table the .evtx file gives (columns, values, dtypes).
    table = get_format("evtx").read(logs["evtx"])
    for name in ("dump", "gz", "crlf", "cr"):
        spec = sniff_format(logs[name])
        assert spec.name == "evtx", name
        pd.testing.assert_frame_equal(spec.read(logs[name]), table)
    assert table["EventID"].tolist()[:3] == [7045, 4625, 4624] and table["TargetUserName"][2] == "José"


def test_a_model_of_the_evtx_file_scores_its_dump_alike_and_back(logs: dict[str, Path],
                                                                  tmp_path: Path) -> None:
    # what was wrong: as above; now a model trained on either scores the other identically
    out: dict[str, str] = {}
    for trained in ("evtx", "dump"):
        model = tmp_path / f"m_{trained}"
        res = runner.invoke(app, ["train", str(logs[trained]), "--epochs", "1", "--hidden", "4,2",
                                  "-o", str(model), "-q"])
        assert res.exit_code == 0, res.output
        for scored in ("evtx", "dump", "gz", "crlf"):
            alerts = tmp_path / f"{trained}_{scored}.csv"
            res = runner.invoke(app, ["score", str(model), str(logs[scored]), "-o", str(alerts), "-q"])
            assert res.exit_code == 0, res.output
            out[f"{trained}/{scored}"] = alerts.read_text()
    assert len(set(out.values())) == 1, out.keys()
    assert (tmp_path / "m_evtx" / "weights.safetensors").read_bytes() == \
        (tmp_path / "m_dump" / "weights.safetensors").read_bytes()


def test_a_dump_whose_first_line_runs_past_the_head_is_still_sniffed(tmp_path: Path) -> None:
    # what was wrong: as above, for a dump whose first record holds a PowerShell script block
    # longer than the 64 KiB the sniffers look at
    long = {"Event": {"System": {"EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational"},
                      "EventData": {"ScriptBlockText": "x" * 70_000}}}
    path = tmp_path / "ps.jsonl"
    path.write_text(json.dumps(long) + "\n" + json.dumps(long) + "\n")
    spec = sniff_format(path)
    assert spec.name == "evtx"
    df = spec.read(path)
    assert df["EventID"].tolist() == [4104, 4104] and len(df["ScriptBlockText"][0]) == 70_000


def test_flat_and_other_json_lines_are_not_taken_for_a_dump(tmp_path: Path) -> None:
    # pin (held already): flat Windows exports stay windows-json, other nested JSON plain JSON lines
    flat = tmp_path / "flat.jsonl"
    flat.write_text(json.dumps({"EventID": 4624, "Channel": "Security"}) + "\n")
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"Event": {"kind": "x"}, "n": 1}) + "\n")
    assert sniff_format(flat).name == "windows-json" and sniff_format(other).name == "jsonl"


_ZEEK_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "query", "AA",
                "rtt", "answers", "TTLs"]
_ZEEK_TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "string", "bool", "interval",
               "vector[string]", "vector[interval]"]


def test_zeek_tsv_and_json_logs_give_one_table_and_one_score(tmp_path: Path) -> None:
    # pin (held already, untested as a pair): a Zeek dns.log as TSV ('-' unset, '(empty)', T/F,
    # vectors, \xNN escapes) and the same records as Zeek's JSON (unset fields left out, arrays,
    # booleans, ts as epoch seconds and as ISO text) read to equal values, and score alike
    rows, records = [], []
    for i in range(60):
        query = None if i % 9 == 0 else ["example.com", "café.fr", "a\tb\\c.com"][i % 3]
        rtt = None if i % 4 == 0 else round(0.01 * i, 2)
        answers = [] if i % 3 == 0 else ["1.2.3.4", "x.y"]
        ttls = [] if i % 3 == 0 else [60.0, 5.5]
        rec = {"ts": 1700000000.5 + i, "uid": f"C{i}", "id.orig_h": "10.0.0.1", "id.orig_p": 5000 + i,
               "id.resp_h": "8.8.8.8", "id.resp_p": 53, "proto": "udp", "query": query, "AA": bool(i % 2),
               "rtt": rtt, "answers": answers, "TTLs": ttls}
        records.append({k: v for k, v in rec.items() if v is not None})
        tsv_query = "-" if query is None else query.replace("\\", "\\x5c").replace("\t", "\\x09") \
            .replace("é", "\\xc3\\xa9")
        rows.append("\t".join([f"{rec['ts']:.6f}", rec["uid"], "10.0.0.1", str(5000 + i), "8.8.8.8", "53",
                               "udp", tsv_query, "T" if i % 2 else "F", "-" if rtt is None else f"{rtt:.6f}",
                               ",".join(answers) or "(empty)",
                               ",".join(f"{t:.6f}" for t in ttls) or "(empty)"]))
    tsv = tmp_path / "dns.log"
    tsv.write_text("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
                   "#path\tdns\n#fields\t" + "\t".join(_ZEEK_FIELDS) + "\n#types\t" + "\t".join(_ZEEK_TYPES)
                   + "\n" + "\n".join(rows) + "\n#close\t2023-11-14-23-00-00\n")
    js = tmp_path / "dns.json"
    js.write_text("".join(json.dumps(r) + "\n" for r in records))
    iso = tmp_path / "dns_iso.json"
    iso.write_text("".join(json.dumps({**r, "ts": pd.Timestamp(r["ts"], unit="s").isoformat() + "Z"}) + "\n"
                           for r in records))
    a, b = sniff_format(tsv).read(tsv), sniff_format(js).read(js)
    assert sniff_format(js).name == sniff_format(iso).name == "zeek-conn"
    for c in _ZEEK_FIELDS:
        assert [None if v is None or v != v else v for v in a[c]] == \
            [None if v is None or v != v else v for v in b[c]], c
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tsv), "--epochs", "1", "--hidden", "4,2", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    scored = []
    for path in (tsv, js, iso):
        alerts = tmp_path / f"{path.name}.csv"
        res = runner.invoke(app, ["score", str(model), str(path), "-o", str(alerts), "-q"])
        assert res.exit_code == 0, res.output
        scored.append(alerts.read_text())
    assert scored[0] == scored[1] == scored[2]


def test_stream_and_the_service_take_the_dump_lines_as_score_reads_the_file(logs: dict[str, Path],
                                                                            tmp_path: Path) -> None:
    # what was wrong: 'hourglass stream MODEL < dump.jsonl' of a model trained on the .evtx file
    # stopped at line 1 ('none of the model's columns (EventID, Provider, Channel ...)') and the
    # service's POST /score refused such rows alike; now each record is the .evtx file's row
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(logs["evtx"]), "--epochs", "1", "--hidden", "4,2",
                              "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    alerts = tmp_path / "scored.jsonl"
    res = runner.invoke(app, ["score", str(model), str(logs["evtx"]), "-o", str(alerts), "-q"])
    assert res.exit_code == 0, res.output
    scores = [json.loads(line)["score"] for line in alerts.read_text().splitlines()]
    res = runner.invoke(app, ["stream", str(model), "-q"], input=logs["dump"].read_text(encoding="utf-8"))
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines()]  # (the flagged rows)
    assert streamed and [a["score"] for a in streamed] == [scores[a["row"]] for a in streamed]
    client = TestClient(create_app(model, api_key="k" * 32), raise_server_exceptions=False)
    got = client.post("/score", headers={"X-API-Key": "k" * 32}, json={"rows": _Parser.records[:5]})
    assert got.status_code == 200, got.text
    assert got.json()["scores"] == pytest.approx(scores[:5], rel=1e-6)
    bad = client.post("/score", headers={"X-API-Key": "k" * 32}, json={"rows": [[1, 2]]})
    assert bad.status_code == 422


def _okta(i: int) -> dict[str, Any]:
    return {"uuid": f"u{i}", "published": f"2026-01-05T08:{i % 60:02d}:00.000Z", "version": "0",
            "eventType": ["user.session.start", "user.authentication.sso"][i % 2], "severity": "INFO",
            "actor": {"id": f"00u{i}", "type": "User", "alternateId": f"user{i % 4}@example.com"},
            "client": {"ipAddress": f"203.0.113.{i % 7}", "userAgent": {"browser": "CHROME"}},
            "outcome": {"result": ["SUCCESS", "FAILURE"][i % 3 == 0]},
            "target": [{"id": f"0oa{i}", "type": "AppInstance"}] * (1 + i % 2)}


def _panos(i: int) -> str:
    return (f"<14>Nov 14 22:13:20 fw1 1,2024/11/14 22:13:{i % 60:02d},0123456789,TRAFFIC,end,2561,"
            f"2024/11/14 22:13:20,10.0.0.{i % 9},93.184.216.{i % 4},0.0.0.0,0.0.0.0,web,,,ssl,vsys1,trust,"
            f"untrust,ethernet1/2,ethernet1/1,log,2024/11/14 22:13:20,{1000 + i},1,{50000 + i},443,0,0,"
            f"0x400000,tcp,allow,{500 + i},{200 + i},300,{5 + i % 3},2024/11/14 22:13:00,{i},any,0,"
            f"{7000000 + i},0x0,10.0.0.0-10.255.255.255,United States,0,3,2,aged-out,0,0,0,0,,fw1,"
            "from-policy,,,0,,0,,N/A,0,0,0,0")


def _zeek_conn() -> list[str]:
    """A Zeek conn.log (TSV: its header lines, 60 rows, the '#close' line)."""
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            "#path\tconn",
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_bytes"
            "\tlocal_orig\ttunnel_parents",
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tinterval\tcount\tbool\tset[string]"]
    rows = [f"{1700000000 + i}.5\tC{i}\t10.0.0.{i % 7}\t{40000 + i}\t192.168.1.{i % 3}\t{[80, 443][i % 2]}\t"
            f"{['tcp', 'udp'][i % 2]}\t{'-' if i % 5 == 0 else f'{i * 0.1:.6f}'}\t{i * 37}\t{'TF-'[i % 3]}\t"
            f"{'(empty)' if i % 4 else 'Ca,Cb'}" for i in range(60)]
    return [*head, *rows, "#close\t2023-11-14-23-00-00"]


@pytest.mark.parametrize(("fmt", "lines"), [
    ("okta", [json.dumps(_okta(i)) for i in range(60)]),
    ("panos", [_panos(i) for i in range(60)]),
    ("zeek-conn", _zeek_conn()),
])
def test_a_cr_ended_file_is_sniffed_as_its_lf_ended_copy(tmp_path: Path, fmt: str, lines: list[str]) -> None:
    # what was wrong: lines ended by a CR alone (classic Mac OS; the README says such files read as
    # LF-ended ones) were sniffed by the first line's LF: an Okta System Log read as plain JSON lines
    # ('hourglass score OKTA_MODEL okta_cr.json': 'ignoring 1 column(s) the model was not trained
    # on: target', 'scored 40 rows (jsonl)'), a PAN-OS log as a CSV whose header was its first
    # line; so was an Entra sign-in log. Now the head is looked at as the LF-ended lines it holds.
    # A Zeek TSV log's header lines were read by their LFs: 'a Zeek log's separator must be one
    # character, not '\x09#set_separator ...'' (exit code 2); now as the rows are.
    lf, cr = tmp_path / "lf.log", tmp_path / "cr.log"
    lf.write_text("\n".join(lines) + "\n")
    cr.write_bytes(("\r".join(lines) + "\r").encode())
    assert sniff_format(lf).name == sniff_format(cr).name == fmt
    pd.testing.assert_frame_equal(sniff_format(cr).read(cr), sniff_format(lf).read(lf))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(lf), "--epochs", "1", "--hidden", "4,2", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    out = []
    for path in (lf, cr):
        alerts = tmp_path / f"{path.stem}.csv"
        res = runner.invoke(app, ["score", str(model), str(path), "-o", str(alerts)])
        assert res.exit_code == 0 and "not trained on" not in res.output, res.output
        out.append(alerts.read_text())
    assert out[0] == out[1]


@pytest.mark.parametrize("text", [
    '<?xml version="1.0" encoding="utf-8"?>\n<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">\n'
    "  <System>\n    <EventID>1102</EventID>\n  </System>\n</Event>\n",
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4624</EventID>"
    "</System></Event>\n" * 3,
    '\ufeff<?xml version="1.0"?><Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">'
    "<System><EventID>4624</EventID></System></Event></Events>",
])
def test_windows_events_as_xml_are_refused_by_name(tmp_path: Path, text: str) -> None:
    # what was wrong: the same events written as XML (evtx_dump's default output, wevtutil qe
    # /f:xml) were read as a CSV of one text column, a row per XML line: 'hourglass train
    # Security.xml' trained a model of 412 such rows without a word. Now one line says so.
    path = tmp_path / "Security.xml"
    path.write_text(text, encoding="utf-8")
    for command in (["inspect", str(path)], ["train", str(path), "-o", str(tmp_path / "m")]):
        one_line_error(command, "Windows events as XML", tmp_path / "m")


def test_evtx_dump_pretty_json_is_refused_naming_jsonl(tmp_path: Path) -> None:
    # what was wrong: evtx_dump -o json output ('Record 1', then the record pretty-printed) was
    # 'line 1: malformed JSON (Expecting value at column 1)', which did not say what to write
    # instead; now one line names evtx_dump -o jsonl (whose lines read as the .evtx file)
    path = tmp_path / "Security.json"
    path.write_text("".join(f"Record {i}\n" + json.dumps(_record(i), indent=2) + "\n" for i in (1, 2)))
    one_line_error(["inspect", str(path)], "evtx_dump -o jsonl")
