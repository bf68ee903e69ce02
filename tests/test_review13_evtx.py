"""Windows event, audit, CloudTrail readers and output writers: edge cases of valid input."""

from __future__ import annotations

import json
import logging
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.auditd import AUDITD, looks_like_auditd
from hourglass.ingest.cloudtrail import looks_like_cloudtrail
from hourglass.ingest.evtx import iter_evtx, looks_like_windows_json
from hourglass.ingest.formats import sniff_format
from hourglass.ingest.winlogbeat import looks_like_winlogbeat


def test_windows_json_with_a_first_line_longer_than_the_sniffed_head(tmp_path: Path) -> None:
    # a PowerShell 4104 event whose script block is longer than the 64 KiB the sniffers read
    rows = [{"EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational", "Hostname": "ws1",
             "ScriptBlockText": "x" * (70_000 if i == 0 else 10)} for i in range(3)]
    path = tmp_path / "ps.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert sniff_format(path).name == "windows-json"
    head = path.read_bytes()[:65536]
    assert looks_like_windows_json(head) and looks_like_windows_json(b"\n\r\n" + head)
    assert not looks_like_windows_json(b'{"ts": 1, "text": "' + b"x" * 70_000)
    assert not looks_like_windows_json(b'{"EventID": 1, "Channel": "S", "x": [1,\n{"a": 2}\n')


def test_winlogbeat_with_a_blank_line_before_a_long_first_document(tmp_path: Path) -> None:
    doc = {"@timestamp": "2020-10-18T10:56:18.799Z",
           "winlog": {"channel": "Security", "event_id": "4624", "computer_name": "ws1"}}
    rows = [dict(doc, message="m" * (70_000 if i == 0 else 10)) for i in range(3)]
    path = tmp_path / "wl.jsonl"
    path.write_text("\r\n" + "\n".join(json.dumps(r) for r in rows) + "\n")
    assert sniff_format(path).name == "winlogbeat"
    assert looks_like_winlogbeat(path.read_bytes()[:65536])
    assert not looks_like_winlogbeat(b"\n" + json.dumps(doc).encode()[:40] + b"\n{}\n")


def test_cloudtrail_lines_with_a_first_record_longer_than_the_sniffed_head(tmp_path: Path) -> None:
    def record(items: int) -> dict[str, object]:
        return {"eventVersion": "1.08", "userIdentity": {"type": "IAMUser"},
                "eventTime": "2024-01-01T00:00:00Z", "eventSource": "ec2.amazonaws.com",
                "eventName": "RunInstances", "responseElements": {"items": ["i-" + "0" * 17] * items}}

    path = tmp_path / "trail.jsonl"
    path.write_text("\n".join(json.dumps(record(n)) for n in (5000, 1, 1)) + "\n")
    assert sniff_format(path).name == "cloudtrail"
    assert not looks_like_cloudtrail(b'{"eventVersion": "1.08", "eventName": "x", "a": "' + b"x" * 70_000)


def test_auditd_reads_the_unknown_types_auditd_writes_by_number(tmp_path: Path) -> None:
    # auditd writes a record type it has no name for as UNKNOWN[number] (BPF's 1334 on older
    # userspace): such a line is a record of its event, not a malformed line
    path = tmp_path / "audit.log"
    path.write_text(
        'type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e syscall=321 success=yes exit=5 '
        'uid=0 comm="systemd" exe="/usr/lib/systemd/systemd" key=(null)\n'
        "type=UNKNOWN[1334] msg=audit(1700000000.123:42): prog-id=12 op=LOAD\n"
        "type=PROCTITLE msg=audit(1700000000.123:42): proctitle=2F7362696E2F696E6974\n"
        "type=UNKNOWN[1130] msg=audit(1700000001.5:43): pid=1 uid=0 msg='unit=cron res=success'\n")
    rows = [r for df in AUDITD.iter_chunks(path) for r in df.to_dict("records")]
    assert [(r["type"], r["records"]) for r in rows] == [
        ("SYSCALL", "SYSCALL UNKNOWN[1334] PROCTITLE"), ("UNKNOWN[1130]", "UNKNOWN[1130]")]
    assert rows[0]["cmdline"] == "/sbin/init" and rows[1]["unit"] == "cron"
    assert looks_like_auditd(path.read_bytes().split(b"\n", 1)[1])


class _Parser:
    """Stands in for evtx.PyEvtxParser, which passes over a file's partial last chunk silently."""

    def __init__(self, path: str, threads: int) -> None:
        self.size = Path(path).stat().st_size

    def records_json(self) -> Iterator[dict[str, Any]]:
        for i in range((self.size - 4096) // 65536):  # one record a whole chunk
            event = {"Event": {"System": {"EventID": 4624, "Channel": "Security", "EventRecordID": i}}}
            yield {"event_record_id": i + 1, "timestamp": "", "data": json.dumps(event)}


def test_an_evtx_copy_cut_short_says_its_last_chunk_is_not_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_Parser))
    whole, cut = tmp_path / "whole.evtx", tmp_path / "cut.evtx"
    whole.write_bytes(b"ElfFile\x00" + bytes(4088 + 2 * 65536))
    cut.write_bytes(whole.read_bytes() + bytes(30_000))  # a third chunk, cut short
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        assert len(pd.concat(iter_evtx(whole))) == 2 and not caplog.records
        assert len(pd.concat(iter_evtx(cut))) == 2
    assert len(caplog.records) == 1
    assert "cut.evtx: its 165,168 bytes are not a 4 KiB header and whole 64 KiB chunks" in caplog.text
    assert "last, partial chunk" in caplog.text
    header_only = tmp_path / "short.evtx"
    header_only.write_bytes(whole.read_bytes()[:5000])
    with pytest.raises(InputError, match="no event record could be read"):
        list(iter_evtx(header_only))
