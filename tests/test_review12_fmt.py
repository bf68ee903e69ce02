"""Regression tests of the security-format readers (VPC flow logs, line formats, JSON events)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.formats import get_format

_VPC_HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
               "bytes start end action log-status tcp-flags\n")


def _vpc_file(tmp_path: Path) -> Path:
    rows = "".join(f"2 012345678901 eni-1 10.0.0.1 10.0.0.2 {i} 443 6 10 {i * 10} 1700000000 "
                   f"1700000060 ACCEPT OK {'2' if i < 3000 else 'SYN'}\n" for i in range(6000))
    p = tmp_path / "flows.log"
    p.write_text(_VPC_HEADER + rows)
    return p


def test_vpc_flow_column_the_caller_does_not_read_turns_to_text(tmp_path: Path) -> None:
    # a field the model does not read (tcp-flags) numbers first, a word later: text from there
    # on, as the CSV reader does, not a stop at line 3002
    p = _vpc_file(tmp_path)
    spec = get_format("aws-vpc-flow")
    chunks = list(spec.iter_chunks(p, chunk_bytes=1 << 16, used={"srcaddr", "dstaddr", "bytes"}))
    assert sum(len(df) for df in chunks) == 6000
    # read strictly: refused (pyarrow names the line only when it parsed that block in one thread)
    with pytest.raises(InputError, match=r"(line 3002: )?column 'tcp-flags': malformed value"):
        list(spec.iter_chunks(p, chunk_bytes=1 << 16, used={"srcaddr", "dstaddr", "tcp-flags"}))


def test_auditd_chunk_smaller_than_an_event_yields_no_empty_chunk(tmp_path: Path) -> None:
    # a chunk's worth of records read before any event completed: an empty frame came out
    # first, and score refused the file ('no rows to score (empty data)')
    lines = []
    for i in range(20):
        lines.append(f'type=SYSCALL msg=audit(1700000000.{i:03d}:{i}): syscall=59 uid=1000 comm="ls"')
        lines.append(f'type=CWD msg=audit(1700000000.{i:03d}:{i}): cwd="/root"')
        lines.append(f"type=EOE msg=audit(1700000000.{i:03d}:{i}):")
    p = tmp_path / "audit.log"
    p.write_text("\n".join(lines) + "\n")
    chunks = list(get_format("auditd").iter_chunks(p, chunk_bytes=100))
    assert all(len(df) for df in chunks)
    assert [df["serial"].iloc[0] for df in chunks] == [str(i) for i in range(20)]


@pytest.mark.parametrize("fmt", ["cef", "leef", "kv", "panos", "auditd"])
def test_line_format_names_utf16_and_unnamed_gzip(tmp_path: Path, fmt: str) -> None:
    # (as --format auto and the CSV reader say it), not 'line 1: not a CEF record', which
    # --on-bad-rows skip turned into 'no data rows'
    text = "CEF:0|Acme|FW|1|100|conn|5|src=10.0.0.5 dpt=443\r\n"
    u16 = tmp_path / "fw.log"
    u16.write_bytes(text.encode("utf-16"))
    packed = tmp_path / "fw2.log"
    packed.write_bytes(gzip.compress(text.encode()))
    spec = get_format(fmt)
    for on_bad_rows in ("error", "skip"):
        with pytest.raises(InputError, match="UTF-16 text; save it as UTF-8"):
            list(spec.iter_chunks(u16, on_bad_rows=on_bad_rows))
        with pytest.raises(InputError, match=r"gzip-compressed data in a file not named \.gz"):
            list(spec.iter_chunks(packed, on_bad_rows=on_bad_rows))
    named = tmp_path / "fw3.log.gz"
    named.write_bytes(gzip.compress(text.encode()))
    if fmt == "cef":
        assert list(get_format("cef").read(named)["dpt"]) == [443]


def test_pages_come_out_a_chunk_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a file of pages (one JSON array a line) was decoded whole and every event held before the
    # first chunk came out; now a chunk comes out as it fills, before the later pages are read
    from hourglass.ingest import jsondoc

    monkeypatch.setattr(jsondoc, "_CHUNK_RECORDS", 3)
    event = {"published": "2026-01-05T08:00:00Z", "eventType": "user.session.start",
             "actor": {"type": "User"}}
    p = tmp_path / "pages.json"
    p.write_text("\n".join(json.dumps([dict(event, uuid=f"{page}-{i}") for i in range(2)])
                           for page in range(4)) + "\n[1, {\"a\": ")  # the last page is cut short
    chunks = get_format("okta").iter_chunks(p)
    assert list(next(chunks)["uuid"]) == ["0-0", "0-1", "1-0"]
    assert list(next(chunks)["uuid"]) == ["1-1", "2-0", "2-1"]
    with pytest.raises(InputError, match=r"pages.json: not an Okta System Log: line 5: not valid JSON"):
        next(chunks)
    p.write_text("[]\n\n[]\n")
    with pytest.raises(InputError, match=r"no events \(empty pages\)"):
        list(get_format("okta").iter_chunks(p))
