"""Regression tests of the JSON-document, line-format and Zeek readers: where a bad byte or bad
JSON is, files that are no UTF-8 text, and fields the model does not use."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.formats import get_format

_ZEEK_HEADER = ("#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.resp_h\tid.resp_p\tmissed_bytes\n"
                "#types\ttime\tstring\taddr\taddr\tport\tcount\n")


def test_zeek_column_the_caller_does_not_read_turns_to_text(tmp_path: Path) -> None:
    # a 'count' field the model does not read (missed_bytes) numbers first, a word later: read
    # leniently, as the CSV and VPC readers do, not a stop at line 3004
    p = tmp_path / "conn.log"
    p.write_text(_ZEEK_HEADER + "".join(f"{1700000000 + i}.0\tC{i}\t10.0.0.1\t10.0.0.2\t443\t"
                                        f"{'0' if i < 3000 else 'x'}\n" for i in range(4000)))
    spec = get_format("zeek-conn")
    used = {"ts", "id.orig_h", "id.resp_h", "id.resp_p"}
    assert sum(len(df) for df in spec.iter_chunks(p, chunk_bytes=1 << 15, used=used)) == 4000
    # read strictly (pyarrow names the line only when it parsed that block in one thread)
    with pytest.raises(InputError, match=r"(line 3004: )?column 'missed_bytes': malformed value"):
        list(spec.iter_chunks(p, chunk_bytes=1 << 15, used=used | {"missed_bytes"}))


_OKTA_EVENT = {"published": "2026-01-05T08:00:00Z", "eventType": "user.session.start",
               "actor": {"type": "User"}}


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_pages_bad_json_names_its_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         bom: bytes) -> None:
    # a file of pages (one long JSON array a line) said 'line 2: not valid JSON (Expecting
    # value)', not where on a line of hundreds of KB; the column counts the blocks read before
    from hourglass.ingest import cloudtrail

    monkeypatch.setattr(cloudtrail, "_BLOCK_BYTES", 256)
    page = json.dumps([dict(_OKTA_EVENT, uuid=str(i)) for i in range(60)])
    k = page.index(", {", 3000)
    bad = page[:k] + ", }" + page[k + 2:]
    with pytest.raises(json.JSONDecodeError) as want:
        json.loads(bad)
    p = tmp_path / "pages.json"
    for text in (page + "\n" + bad + "\n", "\n" + bad, page + "\n  " + page + " " + bad):
        p.write_bytes(bom + text.encode())
        line = text[:text.index(bad)].count("\n") + 1
        column = len(text[:text.index(bad)].rpartition("\n")[2]) + want.value.colno
        with pytest.raises(InputError, match=rf"pages.json: not an Okta System Log: line {line}: not "
                                             rf"valid JSON \({want.value.msg} at column {column}\)$"):
            list(get_format("okta").iter_chunks(p))


def test_cloudtrail_bad_json_names_its_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.ingest import cloudtrail

    monkeypatch.setattr(cloudtrail, "_BLOCK_BYTES", 64)
    record = {"eventTime": "2026-01-05T08:00:00Z", "eventName": "GetObject", "eventSource": "s3"}
    good = json.dumps({"Records": [record] * 20})
    p = tmp_path / "trail.json"
    p.write_text(good + "\n" + good + good.replace('"eventName"', '"eventName" x', 3))
    column = len(good) + good.index('"eventName"') + 13  # (the x after the first one)
    with pytest.raises(InputError, match=rf"line 2: not a CloudTrail file: not valid JSON "
                                         rf"\(Expecting ':' delimiter at column {column}\)"):
        list(get_format("cloudtrail").iter_chunks(p))


@pytest.mark.parametrize("lead", [b"", b"\xef\xbb\xbf"])
def test_undecodable_byte_named_by_its_offset_in_the_file(tmp_path: Path, lead: bytes,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # the position was the byte's within the block read (4 MiB), not the file's: a bad byte
    # 6,000,016 bytes in was 'position 1805712'
    from hourglass.ingest import cloudtrail

    monkeypatch.setattr(cloudtrail, "_BLOCK_BYTES", 100)
    # three-byte characters throughout: some split between blocks, left pending in the decoder
    page = json.dumps([dict(_OKTA_EVENT, uuid=f"€{i}") for i in range(30)], ensure_ascii=False).encode()
    p = tmp_path / "pages.json"
    for fmt, data, said in (("okta", page, "undecodable bytes \\(not UTF-8: "),
                            ("cloudtrail", b'{"Records": ' + page + b"}", "not valid JSON \\(")):
        data = lead + data + b"\n" + data
        bad = data.index(b'"user', len(data) // 2 + 900) + 2
        p.write_bytes(data[:bad] + b"\xff" + data[bad + 1:])
        with pytest.raises(InputError, match=rf"{said}'utf-8' codec can't decode byte 0xff in "
                                             rf"position {bad}: invalid start byte\)"):
            list(get_format(fmt).iter_chunks(p))
        p.write_bytes(data[:bad] + b"\xc3(" + data[bad + 2:])
        with pytest.raises(InputError, match=rf"{said}'utf-8' codec can't decode byte 0xc3 in "
                                             rf"position {bad}: invalid continuation byte\)"):
            list(get_format(fmt).iter_chunks(p))


def test_documents_offset_of_a_bad_byte_after_a_split_character() -> None:
    import io

    from hourglass.ingest.cloudtrail import _documents

    data = '["€€", "€"] ["'.encode() + b"\xff" + b'"]'
    for block in (1, 2, 3, 5, 7, 64):
        with pytest.raises(UnicodeDecodeError, match=f"in position {data.index(0xff)}:"):
            list(_documents(io.BytesIO(data), block=block))


_CEF = "CEF:0|Acme|FW|1|100|conn|5|src=10.0.0.5 dpt=443\r\n" * 3


@pytest.mark.parametrize("fmt", ["cef", "leef", "kv", "panos", "auditd"])
def test_line_format_names_utf16_without_a_byte_order_mark(tmp_path: Path, fmt: str) -> None:
    # said 'line 1: not a CEF record', and --on-bad-rows skip read no rows: only a byte-order
    # mark was looked for
    spec = get_format(fmt)
    for encoding in ("utf-16-le", "utf-16-be"):
        p = tmp_path / f"{encoding}.log"
        p.write_bytes(_CEF.encode(encoding))
        for on_bad_rows in ("error", "skip"):
            with pytest.raises(InputError, match=r"binary data \(NUL bytes\).* \(a UTF-16 text file\? "
                                                 "save it as UTF-8\\)$"):
                list(spec.iter_chunks(p, on_bad_rows=on_bad_rows))


def test_line_format_reads_a_log_with_a_stray_nul_byte(tmp_path: Path) -> None:
    # a NUL byte or two in a text log is no UTF-16: the file is read
    p = tmp_path / "fw.log"
    p.write_bytes(_CEF.replace("443", "443 msg=a\x00b").encode())
    df = get_format("cef").read(p)
    assert list(df["dpt"]) == [443] * 3


@pytest.mark.parametrize("fmt", ["jsonl", "okta", "entra-signin", "gcp-audit", "k8s-audit", "cloudtrail",
                                 "suricata-eve", "winlogbeat"])
def test_json_formats_name_utf16_and_unnamed_gzip(tmp_path: Path, fmt: str) -> None:
    # said 'line 1: undecodable bytes (not UTF-8)', and --on-bad-rows skip read no rows
    spec = get_format(fmt)
    for kind, text in (("lines", json.dumps(_OKTA_EVENT) + "\n"), ("page", json.dumps([_OKTA_EVENT]))):
        u16, packed = tmp_path / f"{kind}16.json", tmp_path / f"{kind}gz.json"
        u16.write_bytes(text.encode("utf-16"))
        packed.write_bytes(gzip.compress(text.encode()))
        for on_bad_rows in ("error", "skip"):
            with pytest.raises(InputError, match=r"UTF-16 text; save it as UTF-8$"):
                list(spec.iter_chunks(u16, on_bad_rows=on_bad_rows))
            with pytest.raises(InputError, match=r"gzip-compressed data in a file not named \.gz"):
                list(spec.iter_chunks(packed, on_bad_rows=on_bad_rows))


def test_zeek_names_utf16_and_unnamed_gzip(tmp_path: Path) -> None:
    # said 'not a Zeek log (expected '#separator'/'#fields' header lines or JSON objects)'
    text = _ZEEK_HEADER + "1700000000.0\tC1\t10.0.0.1\t10.0.0.2\t443\t0\n"
    spec = get_format("zeek-conn")
    p = tmp_path / "conn.log"
    p.write_text(text)
    assert len(spec.read(p)) == 1
    p.write_bytes(text.encode("utf-16"))
    with pytest.raises(InputError, match=r"conn.log: UTF-16 text; save it as UTF-8$"):
        list(spec.iter_chunks(p))
    p.write_bytes(gzip.compress(text.encode()))
    with pytest.raises(InputError, match=r"conn.log: gzip-compressed data in a file not named \.gz"):
        list(spec.iter_chunks(p))
    (tmp_path / "conn2.log.gz").write_bytes(gzip.compress(text.encode()))
    assert len(spec.read(tmp_path / "conn2.log.gz")) == 1


@pytest.mark.parametrize("fmt", ["okta", "entra-signin", "gcp-audit", "k8s-audit"])
def test_a_page_in_utf16_without_a_byte_order_mark_is_named(tmp_path: Path, fmt: str) -> None:
    # '[\x00' starts a page: read as one, it said 'line 1: not valid JSON (Expecting value ...)'
    p = tmp_path / "page.json"
    p.write_bytes(json.dumps([_OKTA_EVENT]).encode("utf-16-le"))
    with pytest.raises(InputError, match=r"\(a UTF-16 text file\? save it as UTF-8\)$"):
        list(get_format(fmt).iter_chunks(p, on_bad_rows="skip"))


def test_a_log_that_starts_with_a_run_of_nul_bytes_is_still_read(tmp_path: Path) -> None:
    # a log truncated under a writer that kept its offset (logrotate copytruncate) starts with
    # NULs at every position: no UTF-16, and the lines after them are read as before
    p = tmp_path / "rotated.log"
    p.write_bytes(bytes(4096) + (_CEF * 10).encode())
    assert len(get_format("cef").read(p, on_bad_rows="skip")) == 30
    q = tmp_path / "rotated.jsonl"
    q.write_bytes(bytes(600) + b"\n" + (json.dumps({"a": 1}) + "\n").encode() * 5)
    assert len(get_format("jsonl").read(q, on_bad_rows="skip")) == 5
