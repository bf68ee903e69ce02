"""Key=value lines (FortiGate traffic logs, netfilter/UFW kernel lines, logfmt): parsed into rows,
sniffed as ``kv``, trained and scored like any table and streamed as raw lines with the same
scores; the event time is ``timestamp`` whatever the sender calls it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from hourglass.ingest.formats import sniff_format
from hourglass.ingest.kv import parse_kv
from tests._cli import one_line_error, runner
from tests._lines import train_score_stream


def test_fortigate_line() -> None:
    row = parse_kv('date=2023-11-14 time=22:13:20 devname="FGT 60F" devid="FGT60F" logid="0000000013" '
                   'type="traffic" srcip=10.0.0.5 srcport=51544 dstip=93.184.216.34 dstport=443 proto=6 '
                   'action="accept" msg="a \\"quoted\\" word" eventtime=1700000000123456789 policyid=3 '
                   'srcip=10.9.9.9')
    assert row is not None
    assert row["devname"] == "FGT 60F" and row["msg"] == 'a "quoted" word'
    assert row["srcip"] == "10.0.0.5"  # a repeated key keeps its first value
    assert row["timestamp"] == pytest.approx(1_700_000_000.123456789)  # eventtime (ns) wins over date/time


@pytest.mark.parametrize(("line", "time"), [
    ("date=2023-11-14 time=22:13:20 srcip=10.0.0.5 action=deny", "2023-11-14 22:13:20"),
    ('level=info ts=2023-11-14T22:13:20Z msg="request done" status=200', "2023-11-14T22:13:20Z"),
    ("timestamp=1700000000 a=1 b=2", "1700000000"),
])
def test_the_event_time_under_one_name(line: str, time: str) -> None:
    assert str(parse_kv(line)["timestamp"]) == time


def test_netfilter_line_and_free_text() -> None:
    row = parse_kv("Nov 14 22:13:20 gw kernel: [12.5] [UFW BLOCK] IN=eth0 OUT= MAC=aa:bb SRC=203.0.113.9 "
                   "DST=10.0.0.5 LEN=60 PROTO=TCP SPT=4431 DPT=22 WINDOW=64240 SYN URGP=0")
    assert row is not None
    assert (row["SRC"], row["DPT"], row["OUT"], row["PROTO"]) == ("203.0.113.9", "22", None, "TCP")
    assert row["flags"] == "SYN"  # the bare words netfilter writes: a SYN alone marks a scan
    assert "flags" not in parse_kv("srcip=10.0.0.5 dstip=10.0.0.6 action=deny SYN")  # not netfilter
    assert parse_kv("sshd[7]: Accepted password for bob from 10.0.0.9 port 22 ssh2") is None
    assert parse_kv("x=1 y=2") is None  # two pairs: not enough to call it a key=value line


def test_sniffing(tmp_path: Path) -> None:
    cases = {"fw.log": 'date=2023-11-14 time=22:13:20 srcip=10.0.0.5 action="deny"\n',
             "ufw.log": "Nov 14 22:13:20 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=10.0.0.5\n",
             "t.csv": "a,b,c\n1,2,3\n", "e.log": '{"q": "x=1 y=2 z=3"}\n'}
    found = {}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        found[name] = sniff_format(tmp_path / name).name
    assert found == {"fw.log": "kv", "ufw.log": "kv", "t.csv": "csv", "e.log": "jsonl"}


def _line(rng: np.random.Generator, i: int, attack: bool) -> str:
    """A FortiGate traffic log; an attack is a denied sweep of internal admin ports."""
    if attack:
        dst, port, action, sent, rcvd = f"10.0.1.{rng.integers(1, 250)}", int(rng.choice([22, 445, 3389])), \
            "deny", 60, 0
    else:
        dst, port, action = "93.184.216.34", int(rng.choice([443, 80])), "accept"
        sent, rcvd = int(rng.lognormal(8, 0.5)), int(rng.lognormal(10, 0.5))
    return (f'date=2023-11-14 time=22:{i // 60 % 60:02d}:{i % 60:02d} devname="FGT-1" logid="0000000013" '
            f'type="traffic" subtype="forward" eventtime={1_700_000_000 + i}000000000 '
            f"srcip=10.0.0.{rng.integers(2, 40)} srcport={rng.integers(1024, 65535)} dstip={dst} "
            f'dstport={port} proto=6 action="{action}" policyid={9 if attack else 3} '
            f"sessionid={rng.integers(10**8)} sentbyte={sent} rcvdbyte={rcvd}")


def test_fortigate_file_trains_scores_and_streams(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    (tmp_path / "fw.log").write_text("".join(_line(rng, i, False) + "\n" for i in range(1200)))
    labels = (np.arange(300) % 10 == 0).astype(int)
    test = tmp_path / "test.log"
    test.write_text("".join(_line(rng, 2000 + i, bool(a)) + "\n" for i, a in enumerate(labels)))
    res = runner.invoke(app, ["inspect", str(tmp_path / "fw.log")])
    table = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    assert "dropped" in table["sessionid"] and "ip" in table["srcip"] and "categorical" in table["policyid"]
    doc = train_score_stream(tmp_path / "fw.log", test, labels, tmp_path)
    assert doc["@timestamp"].startswith("2023-11-14T22:") and doc["hourglass"]["timestamp_from"] == "data"
    assert doc["destination"]["port"] in (22, 445, 3389) and doc["source"]["ip"].startswith("10.0.0.")


def test_not_key_value_lines_given_as_kv(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("a,b\n1,2\n")
    one_line_error(["train", str(data), "--format", "kv", "-o", str(tmp_path / "m")],
                   "line 1: not a key=value record", tmp_path / "m")
