"""Format parsers: line endings, messages and edge cases of the format readers."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from hourglass.ingest.formats import get_format, sniff_format

_CR_LINES = {
    "cef": [f"<134>Nov 14 22:13:2{i} fw1 CEF:0|Acme|FW|1.0|100|conn|5|src=10.0.0.{i} dpt=443 in={100 + i}"
            for i in range(4)],
    "leef": [f"LEEF:1.0|IBM|QRadar|7|42|src=10.0.0.{i}\tdst=10.0.0.9\tsrcPort={1000 + i}" for i in range(4)],
    "kv": [f'date=2023-11-14 time=22:13:2{i} devname="FGT 1" srcip=10.0.0.{i} sentbyte={100 + i}'
           for i in range(4)],
    "auditd": [f"type=USER_LOGIN msg=audit(170000000{i}.512:8{i}): pid=811 uid=0 auid=1000 ses=3 "
               f"msg='op=login id=1000 addr=10.0.0.{i} terminal=ssh res=success'" for i in range(4)],
}


@pytest.mark.parametrize("fmt", sorted(_CR_LINES))
@pytest.mark.parametrize("gz", [False, True])
def test_line_formats_read_lines_ended_by_a_carriage_return_alone(tmp_path: Path, fmt: str, gz: bool) -> None:
    """A log whose lines end with CR alone (classic Mac OS, some exporters) was one row: every
    record after the first run into the first one's last value (4 records -> 1 row, silently)."""
    data = "\r".join(_CR_LINES[fmt]).encode() + b"\r"
    p = tmp_path / ("x.log.gz" if gz else "x.log")
    p.write_bytes(gzip.compress(data) if gz else data)
    df = get_format(fmt).read(p)
    assert len(df) == 4
    assert sniff_format(p).name == fmt
    ip = {"cef": "src", "leef": "src", "kv": "srcip", "auditd": "addr"}[fmt]
    assert df[ip].tolist() == [f"10.0.0.{i}" for i in range(4)]


def test_cr_lines_bounded_as_lf_lines() -> None:
    """The CR reader gives the lines (and the too-long ones) as the LF reader does."""
    import io

    from hourglass._eol import cr_lines
    from hourglass.ingest.cef import _bounded_lines

    text = b"a\rbb\r" + b"x" * 50 + b"\rccc"
    got = list(_bounded_lines(cr_lines(io.BytesIO(text), block=7), limit=10))
    assert got == [b"a\n", b"bb\n", None, b"ccc"]
    mixed = cr_lines(io.BytesIO(b"a\r\nb\rc\nd\r\re"), block=2)  # (a CR LF split over two blocks)
    assert list(_bounded_lines(mixed)) == [b"a\n", b"b\n", b"c\n", b"d\n", b"\n", b"e"]


@pytest.mark.parametrize(("line", "said"), [
    (b"null", "line 2: expected a JSON object, got null (use --on-bad-rows skip"),
    (b'"x"', "line 2: expected a JSON object, got a string"),
    (b"7", "line 2: expected a JSON object, got a number"),
    (b'[{"a": 1}]', "line 2: expected a JSON object, got an array of objects (send one object a line, "
                    "JSON lines: jq -c '.[]')"),
])
def test_json_line_that_is_no_object_is_said_in_json_words(tmp_path: Path, line: bytes, said: str) -> None:
    """A JSON line that is valid JSON but no object was 'malformed JSON (expected a JSON object,
    got NoneType)' (or 'got list', 'got str'): Python's names, and no malformed JSON at all; the
    EVE, Winlogbeat and JSON-lines readers now say it as stream does (exit 2), or skip it."""
    from tests._cli import one_line_error

    ev = b'{"timestamp": "2024-01-01T00:00:00.000000+0000", "event_type": "flow", "src_ip": "10.0.0.1"}'
    p = tmp_path / "eve.json"
    p.write_bytes(ev + b"\n" + line + b"\n" + ev + b"\n")
    one_line_error(["inspect", str(p), "--format", "suricata-eve"], said)
    one_line_error(["inspect", str(p)], said)  # (sniffed: suricata-eve)
    from hourglass.ingest.tables import ReadStats

    stats = ReadStats()
    assert len(get_format("suricata-eve").read(p, on_bad_rows="skip", stats=stats)) == 2
    assert stats.bad_rows == 1


@pytest.mark.parametrize("fmt", [None, "auditd"])
def test_line_format_log_as_an_event_table_is_refused_by_name(tmp_path: Path, fmt: str | None) -> None:
    """train --key-col/--message-col on a CEF (or audit, key=value) log read it as a CSV whose
    header was its first record, '--format cef' accepted and not used: 'read as pipe-separated',
    then "no column 'src', 'signature_id'; columns are <134>Nov 14 ... CEF:0, Acme, ...". It is
    now refused as the log it is, naming the format (exit 2), nothing written."""
    from tests._cli import one_line_error

    lines = {None: _CR_LINES["cef"], "cef": _CR_LINES["cef"], "auditd": _CR_LINES["auditd"],
             "kv": _CR_LINES["kv"]}[fmt]
    data = tmp_path / "x.log"
    data.write_text("\n".join(lines * 5) + "\n")
    noun = {None: "CEF", "cef": "CEF", "auditd": "Linux audit", "kv": "key=value"}[fmt]
    out = tmp_path / "m"
    one_line_error(["train", str(data), *(["--format", fmt] if fmt else []), "--key-col", "severity",
                    "--session-col", "src", "--model", "event-count-autoencoder", "-o", str(out)],
                   f"{noun} lines (--format {fmt or 'cef'}), which an event table (--key-col/--message-col) "
                   "does not read", out)


def _signin(i: int, category: str = "SignInLogs") -> dict[str, object]:
    return {"time": f"2024-01-01T00:00:{i:02d}Z", "category": category, "operationName": "Sign-in activity",
            "properties": {"createdDateTime": f"2024-01-01T00:00:{i:02d}Z", "appDisplayName": "Portal",
                           "userPrincipalName": "ann@example.com", "status": {"errorCode": 0},
                           "ipAddress": f"10.0.0.{i}"}}


@pytest.mark.parametrize("shape", ["lines", "event-hub"])
def test_other_category_among_sign_ins_is_a_bad_record_not_the_whole_file(tmp_path: Path, shape: str) -> None:
    """An AuditLogs record among Entra sign-ins (an Event Hub carries every category) refused the
    whole file, without a line, even with --on-bad-rows skip (stream skips it as a bad line); it
    is now named by its line (and event, in an Event Hub message), or skipped and counted."""
    import json

    from hourglass.errors import InputError
    from hourglass.ingest.tables import ReadStats

    rows = [_signin(i) for i in range(30)]
    audit = {"time": "2024-01-01T00:00:10Z", "category": "AuditLogs", "operationName": "Add user",
             "properties": {"activityDisplayName": "Add user"}}
    docs = [*rows[:10], audit, *rows[10:]] if shape == "lines" else \
        [{"records": rows[:10]}, {"records": [*rows[10:20], audit]}, {"records": rows[20:]}]
    p = tmp_path / "signins.json"
    p.write_text("".join(json.dumps(d) + "\n" for d in docs))
    spec = get_format("entra-signin")
    assert sniff_format(p) is spec
    where = "line 11" if shape == "lines" else "page 2 (line 2): event 11"
    with pytest.raises(InputError, match=re.escape(where) + ": a record of category 'AuditLogs', not a"):
        spec.read(p)
    stats = ReadStats()
    df = spec.read(p, on_bad_rows="skip", stats=stats)
    assert df["ipAddress"].tolist() == [f"10.0.0.{i}" for i in range(30)]
    assert stats.bad_rows == 1
    p.write_text("".join(json.dumps(d) + "\n" for d in [audit, *rows]))  # a file of another kind
    with pytest.raises(InputError, match="records of category 'AuditLogs', not sign-ins"):
        spec.read(p, on_bad_rows="skip")


def test_json_lines_ended_by_a_carriage_return_alone_are_read_as_lines(tmp_path: Path) -> None:
    """JSON lines ended by CR alone were refused as 'line 1: malformed JSON (Extra data at column
    95)': the whole file one line; each is now its own row, as with LF or CR LF."""
    import json

    events = [{"timestamp": f"2024-01-01T00:00:0{i}.000000+0000", "event_type": "flow",
               "src_ip": f"10.0.0.{i}"} for i in range(5)]
    p = tmp_path / "eve.json"
    p.write_text("".join(json.dumps(e) + "\r" for e in events), newline="")
    spec = sniff_format(p)
    assert spec.name == "suricata-eve"
    assert spec.read(p)["src_ip"].tolist() == [f"10.0.0.{i}" for i in range(5)]
    assert get_format("jsonl").read(p)["src_ip"].tolist() == [f"10.0.0.{i}" for i in range(5)]
