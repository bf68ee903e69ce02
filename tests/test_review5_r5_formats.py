"""Third review of the security log formats (CEF/LEEF, auditd, key=value, PAN-OS, Zeek, cloud
audit logs, ECS alerts): each test a defect found and fixed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hourglass.ingest.auditd import AUDITD, auditd_events
from hourglass.ingest.cef import parse_cef
from hourglass.ingest.flows import AWS_VPC_FLOW
from hourglass.ingest.kv import KV, parse_kv
from hourglass.serve.ecs import AlertRule, ecs_named, frame_alerts


def test_kv_epoch_ts_is_the_event_time(tmp_path: Path) -> None:
    # logfmt's ts= (and time=, timestamp=) in epoch seconds stayed text ('1700000000.25'): no
    # event time ("row 1 is not a timestamp"), alerts with the scoring time
    row = parse_kv("ts=1700000000.25 level=info dur=3")
    assert row is not None and row["timestamp"] == 1700000000.25 and row["ts"] == "1700000000.25"
    assert parse_kv("timestamp=1700000000123 a=1 b=2")["timestamp"] == pytest.approx(1700000000.123)  # type: ignore[index]
    assert parse_kv("time=12 a=1 b=2")["timestamp"] == "12"  # type: ignore[index]  # a duration, no date
    assert parse_kv("ts=20231114221320 a=1 b=2")["timestamp"] == "20231114221320"  # type: ignore[index]
    path = tmp_path / "app.log"
    path.write_text("".join(f"ts={1700000000 + i}.5 level=info dur={i}\n" for i in range(5)))
    df = next(KV.iter_chunks(path))
    assert df["timestamp"].tolist() == [1700000000.5 + i for i in range(5)]


def test_non_ascii_digits_no_int_error(tmp_path: Path) -> None:
    # '²'.isdigit() is true: eventtime=² and an EXECVE argc=² stopped the read with "invalid
    # literal for int() with base 10: '²'"
    row = parse_kv("eventtime=\u00b2 srcip=10.0.0.1 dstip=10.0.0.2")
    assert row is not None and "timestamp" not in row and row["eventtime"] == "\u00b2"
    [event] = auditd_events(['type=SYSCALL msg=audit(1700000000.1:7): syscall=59 exe="/bin/ls"',
                             'type=EXECVE msg=audit(1700000000.1:7): argc=\u00b2 a0="ls" a1="-l"',
                             "type=EOE msg=audit(1700000000.1:7):"])
    assert event["cmdline"] == "ls -l" and event["argc"] == 2
    path = tmp_path / "a.log"
    path.write_text('type=SYSCALL msg=audit(1700000000.1:7): syscall=59\n'
                    'type=EXECVE msg=audit(1700000000.1:7): argc=\u00b2 a0="ls"\n', encoding="utf-8")
    assert next(AUDITD.iter_chunks(path))["cmdline"].tolist() == ["ls"]


def test_auditd_numeric_execve_args_decoded() -> None:
    # dmesg and journald write the kernel's type numbers (type=1309 for EXECVE): its hex-encoded
    # arguments stayed hex in cmdline ('ls 2D6C20612062 x'), as a named EXECVE's were decoded
    def cmdline(syscall: str, execve: str) -> str:
        head = "msg=audit(1700000001.250:88):"
        [row] = auditd_events([f'type={syscall} {head} syscall=59 exe="/usr/bin/ls"',
                               f'type={execve} {head} argc=3 a0="ls" a1=2D6C20612062 a2="x"',
                               f"type=1320 {head}"])
        return str(row["cmdline"])

    assert cmdline("1300", "1309") == cmdline("SYSCALL", "EXECVE") == "ls -l a b x"


def test_cef_unknown_escape_keeps_its_backslash() -> None:
    # every backslash in a value was dropped, escape or not: a path as a sender that does not
    # escape writes it, fname=C:\Windows\Temp\x.exe, became 'C:WindowsTempx.exe'
    row = parse_cef(r"CEF:0|V|P|1|2|n|5|fname=C:\Windows\Temp\x.exe msg=a\=b c\\d e\nf g\|h src=10.0.0.1")
    assert row is not None and row["fname"] == "C:\\Windows\\Temp\\x.exe"
    assert row["msg"] == "a=b c\\d e\nf g|h" and row["src"] == "10.0.0.1"  # the escapes still undone


@pytest.mark.parametrize("header", [True, False])
def test_vpc_account_id_keeps_leading_zero(tmp_path: Path, header: bool) -> None:
    # account-id was read as a number: 012345678901 became 12345678901, the wrong account in a
    # kept column and an alert's fields
    head = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
            "start end action log-status\n")
    row = "2 012345678901 eni-1a 10.0.0.1 10.0.0.2 40000 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n"
    path = tmp_path / "flow.log"
    path.write_text((head if header else "") + row + row.replace("012345678901", "123456789010"))
    df = pd.concat(AWS_VPC_FLOW.iter_chunks(path))
    assert df["account-id"].tolist() == ["012345678901", "123456789010"]
    assert df["dstport"].tolist() == [22, 22]


def test_ecs_alert_of_missing_time_and_nullable_cells() -> None:
    # a kept time column's missing cell (NaT) stopped score --alert-format ecs ("NaTType does not
    # support astimezone"); a nullable integer's missing cell (NA) became the text '<NA>' in its
    # ECS field (network.transport '<na>')
    result = pd.DataFrame({"row": [0, 1], "score": [0.1, 5.0], "flag": [0, 1]})
    fields = pd.DataFrame({"seen": pd.to_datetime(["2026-01-02", None]),
                           "hostname": pd.array(["ws1", pd.NA], dtype=object)})
    named = pd.DataFrame({"proto": pd.array([6, pd.NA], dtype="Int64")})
    [doc] = frame_alerts(result, AlertRule("vae", "ab"), fields=fields, named=named)
    assert doc["hourglass"]["fields"] == {"seen": None, "hostname": None}
    assert "network" not in doc and "host" not in doc
    assert ecs_named({"proto": pd.NA, "hostname": pd.NA, "src_ip": "10.0.0.1"}) == {"src_ip": "10.0.0.1"}
