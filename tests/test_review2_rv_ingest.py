"""Review of the per-format parsers (second round): each test is a defect found and fixed."""

from __future__ import annotations

from hourglass.ingest.kv import parse_kv


def test_kv_syslog_priority_before_the_first_pair() -> None:
    # FortiGate sends '<189>date=... time=...': the date was lost and the event time was the
    # time of day alone
    row = parse_kv('<189>date=2023-11-14 time=22:13:20 devname="FGT-1" srcip=10.0.0.5 action="accept"')
    assert row is not None
    assert row["date"] == "2023-11-14" and row["timestamp"] == "2023-11-14 22:13:20"
