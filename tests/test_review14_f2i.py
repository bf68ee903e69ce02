"""Regression tests: a Zeek log whose separator is a literal blank, a GCP audit entry whose
untyped protoPayload sits beside a null payload key, an NSL-KDD file opening with a BOM and a
blank line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.errors import InputError
from hourglass.ingest.formats import get_format, sniff_format


def test_zeek_literal_space_separator_splits_the_fields(tmp_path: Path) -> None:
    """A '#separator' written as a literal blank ('#separator ' + ' ') is the space: the value was
    read stripped, taken for the tab, the space-separated '#fields' line left unsplit and the file
    refused as needing a '#fields' header line."""
    p = tmp_path / "conn.log"
    p.write_text("#separator  \n#fields ts id.orig_h id.resp_h orig_bytes\n#types time addr addr count\n"
                 + "".join(f"1700000000.5 10.0.0.{i} 10.0.1.5 {i}\n" for i in range(3)))
    assert sniff_format(p).name == "zeek-conn"
    df = get_format("zeek-conn").read(p)
    assert list(df.columns) == ["ts", "id.orig_h", "id.resp_h", "orig_bytes"]
    assert df["id.orig_h"].tolist() == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
    assert df["orig_bytes"].tolist() == [0, 1, 2]


_GCP_UNTYPED = {"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
                "protoPayload": {"methodName": "SetIamPolicy"}}


@pytest.mark.parametrize("other", [{"textPayload": None}, {"jsonPayload": {}}, {"textPayload": ""},
                                   {"jsonPayload": None, "textPayload": None}])
def test_gcp_untyped_audit_entry_with_null_payload_is_an_audit_row(
        tmp_path: Path, other: dict[str, Any]) -> None:
    """An entry whose protoPayload has no '@type' (sniffed and read as audit without a payload key)
    was refused as 'a log entry with textPayload, not an audit log' once a null or empty
    textPayload/jsonPayload stood beside it; it is the audit row it is without one."""
    p = tmp_path / "a.jsonl"
    p.write_text("".join(json.dumps({**_GCP_UNTYPED, "timestamp": f"2026-01-05T08:00:0{i}Z", **other}) + "\n"
                         for i in range(2)))
    assert sniff_format(p).name == "gcp-audit"
    spec = get_format("gcp-audit")
    df = spec.read(p)
    assert df["protoPayload.methodName"].tolist() == ["SetIamPolicy"] * 2
    assert df["logKind"].tolist() == ["activity"] * 2
    assert not {"textPayload", "jsonPayload"} & set(df.columns)
    assert spec.refusal({**_GCP_UNTYPED, **other}) is None


@pytest.mark.parametrize("other", [{"textPayload": "hello"}, {"jsonPayload": {"m": 1}},
                                   {"jsonPayload": {}, "textPayload": "hello"}])
def test_gcp_untyped_protopayload_beside_a_payload_with_content_is_still_refused(
        tmp_path: Path, other: dict[str, Any]) -> None:
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps({**_GCP_UNTYPED, "timestamp": "2026-01-05T08:00:00Z", **other}) + "\n")
    with pytest.raises(InputError, match=r"a\.jsonl: a log entry with (text|json)Payload, not an audit log"):
        get_format("gcp-audit").read(p)
    typed = {**_GCP_UNTYPED, "protoPayload": {"@type": "type.googleapis.com/x.Other"}, "textPayload": None}
    assert get_format("gcp-audit").refusal(typed) is not None


_KDD_ROW = ",".join(["0", "tcp", "http", "SF", "181", "5450", *["0"] * 35, "normal", "21"])


@pytest.mark.parametrize("pre", [b"\xef\xbb\xbf\n", b"\xef\xbb\xbf\r\n\n"])
def test_nsl_kdd_with_bom_before_blank_line_is_sniffed(tmp_path: Path, pre: bytes) -> None:
    """An NSL-KDD file opening with a UTF-8 byte-order mark and a blank line was sniffed as a
    plain CSV (the mark kept the blank line from being skipped); it is sniffed and read as NSL-KDD."""
    p = tmp_path / "KDDTrain+.txt"
    p.write_bytes(pre + (_KDD_ROW + "\n").encode() * 3)
    spec = sniff_format(p)
    assert spec.name == "nsl-kdd"
    df = spec.read(p)
    assert len(df) == 3
    assert df["protocol_type"].tolist() == ["tcp"] * 3
    assert df["label"].tolist() == ["normal"] * 3
