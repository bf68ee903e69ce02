"""E-mail security gateways and cloud mail as their products write them: Mimecast's SIEM logs
(pipe-parted key=value lines and its API's JSON), Proofpoint TAP's SIEM API responses,
Microsoft Defender for Office's EmailEvents and Microsoft 365's message trace."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hourglass._times import parse_timestamps
from hourglass.cli._schema import format_time_column
from hourglass.ingest.formats import sniff_format
from hourglass.ingest.kv import parse_kv

_MIMECAST = ("datetime=2024-03-01T08:0{m}:00+0100|aCode=7O7I7MvGP1mj8plHRDuH{m}A|acc=C0A0|"
             "SpamLimit=0|IP=198.51.100.{m}|Dir=Inbound|MsgId=<81ce15$9o5if{m}@mail.example.com>|"
             "Subject=Re: invoice {m}|headerFrom=billing@vendor-a.com|Sender=billing@vendor-a.com|"
             "Rcpt=alice@corp.example.com|SpamInfo=[]|Act=Acc|TlsVer=TLSv1.2|Error=|SpamScore={m}")


def test_a_mimecast_siem_lines_datetime_is_its_event_time(tmp_path: Path) -> None:
    # What was wrong: the kv format read Mimecast's SIEM lines (datetime=...|aCode=...|Sender=...)
    # but not their datetime as the event time, so ECS alerts carried the scoring time and an
    # entity model per sender needed --timestamp-col datetime spelt out.
    row = parse_kv(_MIMECAST.format(m=1))
    assert row is not None and row["timestamp"] == "2024-03-01T08:01:00+0100"
    p = tmp_path / "receipt.log"
    p.write_text("\n".join(_MIMECAST.format(m=m) for m in range(1, 6)) + "\n")
    spec = sniff_format(p)
    df = spec.read(p)
    assert spec.name == "kv" and format_time_column(df, spec) == "timestamp"
    times = parse_timestamps(df["timestamp"], "timestamp")
    assert times[0] == pd.Timestamp("2024-03-01T07:01:00Z")  # the instant it names, in UTC
