"""Review of the per-format parsers (second round): each test is a defect found and fixed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

from hourglass._times import parse_timestamps
from hourglass.errors import InputError
from hourglass.ingest.auditd import auditd_events, parse_auditd
from hourglass.ingest.cef import parse_cef, parse_leef
from hourglass.ingest.cloudtrail import CLOUDTRAIL
from hourglass.ingest.evtx import flatten_event
from hourglass.ingest.flows import AWS_VPC_FLOW
from hourglass.ingest.kv import parse_kv
from hourglass.ingest.tables import ReadStats
from hourglass.ingest.timeseries import read_nab, read_smd
from hourglass.ingest.writers import chunk_writer


def test_kv_syslog_priority_before_the_first_pair() -> None:
    # FortiGate sends '<189>date=... time=...': the date was lost and the event time was the
    # time of day alone
    row = parse_kv('<189>date=2023-11-14 time=22:13:20 devname="FGT-1" srcip=10.0.0.5 action="accept"')
    assert row is not None
    assert row["date"] == "2023-11-14" and row["timestamp"] == "2023-11-14 22:13:20"


def test_evtx_unnamed_data_elements_as_the_parser_gives_them() -> None:
    # the evtx parser writes several unnamed <Data> elements (Windows PowerShell 400/600/800,
    # classic application events) as {"Data": {"#text": [...]}}: they were one JSON-text column
    # instead of Data, Data.1, ... as for a list
    event = {"Event": {"System": {"EventID": 400, "Channel": "Windows PowerShell"},
                       "EventData": {"Data": {"#text": ["Available", "None",
                                                        "HostApplication=powershell -enc AAA"]}}}}
    row = flatten_event(event)
    assert (row["Data"], row["Data.1"], row["Data.2"]) == ("Available", "None",
                                                            "HostApplication=powershell -enc AAA")


def test_sqlite_output_columns_that_differ_in_case(tmp_path: Path) -> None:
    # SQLite's column names ignore case: 'score --keep Score -o out.sqlite' was a traceback
    # (sqlite3.OperationalError: duplicate column name)
    out = tmp_path / "out.sqlite"
    with pytest.raises(InputError, match=r"out\.sqlite: columns 'score' and 'Score' are one name"):
        with chunk_writer(out) as w:
            w.write(pd.DataFrame({"row": [0], "score": [0.5], "Score": [2.0]}))
    assert list(tmp_path.iterdir()) == []  # no half-written file


def test_smd_label_file_with_a_word(tmp_path: Path) -> None:
    # numpy's 'could not convert string ... at row 1' named neither the label file nor its line
    (tmp_path / "test").mkdir()
    (tmp_path / "test_label").mkdir()
    (tmp_path / "test" / "e.txt").write_text("0.1,0.2\n0.3,0.4\n0.5,0.6\n")
    (tmp_path / "test_label" / "e.txt").write_text("0\n\nyes\n1\n")
    with pytest.raises(InputError, match=r"test_label/e\.txt: line 3: expected one 0/1 label a line, got"):
        read_smd(tmp_path / "test" / "e.txt")
    (tmp_path / "test_label" / "e.txt").write_text("0\n# comment\n1\n0 # note\n")
    assert read_smd(tmp_path / "test" / "e.txt")["label"].tolist() == [0, 1, 0]


def test_vpc_flow_files_joined_with_their_header_lines(tmp_path: Path) -> None:
    # each S3 file has its header line: 'zcat *.log.gz > all.log' repeats it, and training
    # failed ("column 'packets': expected numbers, found 'packets'")
    header = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
              "bytes start end action log-status")
    rows = [f"2 123456789012 eni-0a1 10.0.0.{i % 7} 10.0.1.5 {40000 + i} 443 6 {i + 1} {100 * i} "
            f"{1700000000 + i} {1700000060 + i} ACCEPT OK" for i in range(6)]
    p = tmp_path / "vpc.log"
    p.write_text("\n".join([header, *rows[:3], header, *rows[3:]]) + "\n")
    stats = ReadStats()
    df = AWS_VPC_FLOW.read(p, stats=stats)
    assert len(df) == 6 and df["packets"].tolist() == [1, 2, 3, 4, 5, 6]
    assert stats.bad_lines == [5]


def _trail(first: int, n: int) -> str:
    return json.dumps({"Records": [
        {"eventVersion": "1.08", "eventTime": f"2024-01-01T00:00:{i:02d}Z", "eventName": "GetObject",
         "eventSource": "s3.amazonaws.com", "sourceIPAddress": "10.0.0.1"}
        for i in range(first, first + n)]})


def test_cloudtrail_files_joined_into_one(tmp_path: Path) -> None:
    # 'zcat CloudTrail/*.json.gz > trail.json' was "not valid JSON (Extra data ...)"
    p = tmp_path / "trail.json"
    for sep in ("", "\n"):
        p.write_text(_trail(0, 3) + sep + _trail(3, 2) + sep)
        assert CLOUDTRAIL.read(p)["eventTime"].tolist() == [f"2024-01-01T00:00:0{i}Z" for i in range(5)]
    p.write_text(_trail(0, 2) + '{"Records": [{"eventTime": "x"}, 7]}')
    with pytest.raises(InputError, match=r"Records\[1\] of document 2 is no JSON object"):
        CLOUDTRAIL.read(p)


def test_leef_tabs_as_rsyslog_stores_them() -> None:
    # rsyslog writes a received tab as '#011' (by default): every attribute was one value
    row = parse_leef("<13>Jan 18 11:07:53 host LEEF:1.0|Microsoft|MSExchange|2016|15345|"
                     "src=10.50.1.1#011usrName=joe smith#011dstPort=25")
    assert row is not None
    assert (row["src"], row["usrName"], row["dstPort"]) == ("10.50.1.1", "joe smith", "25")


def test_cef_flex_date_takes_its_label() -> None:
    # flexDate1/flexDate1Label (CEF's custom date, as flexString1 is its custom text): the
    # label was a column of its own and the date kept the name flexDate1
    row = parse_cef("CEF:0|Cloudflare|WAF|1|1|blocked|5|flexDate1Label=First Seen "
                    "flexDate1=Mar 03 2025 09:14:07 flexString1Label=Level flexString1=high")
    assert row is not None
    assert (row["First Seen"], row["Level"]) == ("Mar 03 2025 09:14:07", "high")
    assert "flexDate1Label" not in row and "flexDate1" not in row


def test_cef_dates_with_a_zone_abbreviation() -> None:
    # 'MMM dd yyyy HH:mm:ss.SSS zzz' (README): zones other than GMT/UTC made no row a time; each
    # is now its UTC offset (CET in winter, CEST in summer: one file)
    rts = ["Mar 03 2025 10:14:07 CET", "Jul 03 2025 11:14:07.500 CEST", "Mar 03 2025 01:14:08 PST"]
    rows = [parse_cef(f"CEF:0|Acme|FW|1|7|conn|3|rt={rt} src=10.0.0.1") for rt in rts]
    times = parse_timestamps([r["rt"] for r in rows if r is not None], "rt")
    assert [str(t) for t in times] == ["2025-03-03 09:14:07+00:00", "2025-07-03 09:14:07.500000+00:00",
                                       "2025-03-03 09:14:08+00:00"]
    for kept in ("Mar 03 2025 09:14:07 GMT", "Mar 03 2025 09:14:07 CST"):  # as the reader knows it; ambiguous
        assert parse_cef(f"CEF:0|A|B|1|x|y|3|rt={kept}")["rt"] == kept


@pytest.mark.parametrize("zones", [("GMT", "CET"), ("CET", "GMT"), ("UTC", "PST"), ("GMT", "EST")])
def test_cef_dates_mixing_gmt_with_another_zone(zones: tuple[str, str]) -> None:
    # GMT/UTC stay as written, the others become offsets: a file mixing them was refused ('row 2
    # has a UTC offset but row 1 none'), although GMT is one
    local = {"GMT": "09", "UTC": "09", "CET": "10", "EST": "04", "PST": "01"}
    rows = [parse_cef(f"CEF:0|A|B|1|x|y|3|rt=Mar 03 2025 {local[z]}:14:07 {z}") for z in zones]
    times = parse_timestamps([r["rt"] for r in rows if r is not None], "rt")
    assert [str(t) for t in times] == ["2025-03-03 09:14:07+00:00"] * 2


@pytest.mark.parametrize("line", [
    "type=SYSCALL msg=audit(1700000000.1:7): " + "a" * 100_000,  # one long word: 10 KB took 8 s
    "type=SYSCALL msg=audit(1700000000.1:7): a=\"" + "b" * 100_000,  # an unclosed quote
    "node=" * 20_000 + "type=SYSCALL msg=audit(1700000000.1:7): syscall=2",  # 100 KB took 65 s
])
def test_auditd_long_lines_take_linear_time(line: str) -> None:
    # a line (a file's, stream's or a /score request's) cost its length squared: a hang
    start = time.process_time()  # CPU time: a loaded machine does not count against it
    parse_auditd(line)
    auditd_events([line])
    assert time.process_time() - start < 5.0


def test_auditd_enriched_separator_as_rsyslog_stores_it() -> None:
    row = parse_auditd('type=SYSCALL msg=audit(1700000000.1:7): syscall=257 uid=0 key="a#035b"'
                       '#035ARCH=x86_64 SYSCALL=openat UID="root"')
    assert row is not None
    assert (row["key"], row["SYSCALL"], row["UID"], row["uid"]) == ("a#035b", "openat", "root", "0")


def test_nab_series_with_a_bad_timestamp(tmp_path: Path) -> None:
    # pandas' "time data ... doesn't match format ... You might want to try:" named neither the
    # file nor the row
    (tmp_path / "data" / "realX").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text('{"realX/s.csv": []}')
    rows = [f"2014-04-01 00:00:{i:02d},{i}" for i in range(6)]
    rows[3] = "2014-04-01 00:00:xx,3"
    (tmp_path / "data" / "realX" / "s.csv").write_text("timestamp,value\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"s\.csv: data row 4: timestamp '2014-04-01 00:00:xx' is no date"):
        read_nab(tmp_path / "data" / "realX" / "s.csv")


def test_leef_value_holding_the_rsyslog_tab_text_is_no_separator() -> None:
    # '#011' splits attributes only before a key: a space-separated line whose URL holds the text
    # ('item#0117') was cut there ('src' took 'dst' and 'url' with it; a key '7 usrName')
    row = parse_leef("LEEF:1.0|Acme|WAF|1.0|block|src=10.0.0.5 dst=10.0.0.6 "
                     "url=https://shop.example/item#0117 usrName=bob")
    assert row is not None
    assert (row["src"], row["dst"], row["url"], row["usrName"]) == (
        "10.0.0.5", "10.0.0.6", "https://shop.example/item#0117", "bob")
    tabbed = parse_leef("LEEF:1.0|Acme|WAF|1.0|block|src=10.0.0.5#011url=https://x/item#0117#011usrName=bob")
    assert tabbed is not None and (tabbed["url"], tabbed["usrName"]) == ("https://x/item#0117", "bob")


@pytest.mark.parametrize("attributes", ["src=10.0.0.1#011dst=10.0.0.2#011usrName=bob#011",
                                        "src=10.0.0.1#011#011dst=10.0.0.2#011usrName=bob"])
def test_leef_trailing_or_doubled_rsyslog_tab(attributes: str) -> None:
    # a trailing tab, or an empty field between two, stayed in the value before it ('bob#011')
    row = parse_leef(f"LEEF:1.0|Acme|WAF|1.0|block|{attributes}")
    assert row is not None and (row["src"], row["dst"], row["usrName"]) == ("10.0.0.1", "10.0.0.2", "bob")
