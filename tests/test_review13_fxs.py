"""Sniffing JSON lines whose first record is longer than the sniffed head; compressed logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.errors import HourglassError, InputError
from hourglass.ingest.formats import sniff_format
from hourglass.ingest.tables import cut_top_keys

_LONG = 70_000  # longer than the 64 KiB the sniffers read


def _lines(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _rows(first: dict[str, Any], small: dict[str, Any]) -> list[dict[str, Any]]:
    return [first, small, small]


def _ct(n: int) -> dict[str, Any]:
    return {"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:00Z", "eventSource": "ec2.amazonaws.com",
            "eventName": "RunInstances", "responseElements": {"text": "x" * n}}


def _ps(n: int) -> dict[str, Any]:
    return {"EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational",
            "ScriptBlockText": "x" * n}


def _wlb(n: int) -> dict[str, Any]:
    return {"@timestamp": "2020-10-18T10:56:18.799Z",
            "winlog": {"channel": "Security", "event_id": 4104, "event_data": {"ScriptBlockText": "x" * n}}}


def test_cut_top_keys_are_the_keys_before_the_cut() -> None:
    line = json.dumps({"a": {"b": [1, {"c": 2}]}, "d": "é" * _LONG}).encode()[:65536]
    assert cut_top_keys(line) == {"a", "d"}
    assert cut_top_keys(b"\xef\xbb\xbf \r\n" + line) == {"a", "d"}
    assert cut_top_keys(b'{"a"') == set() and cut_top_keys(b'{"a": 1, "b') == {"a"}
    assert cut_top_keys(b'{"a": 1}\n' + line) == set() and cut_top_keys(b"[" + line) == set()


@pytest.mark.parametrize(("wrap", "event"), [
    (lambda r: {"_index": "ct", "_id": "1", "_source": r}, _ct),   # an Elasticsearch export
    (lambda r: {"_index": "wlb", "_source": r}, _wlb),
])
def test_a_nested_record_with_a_long_first_line_is_plain_json_lines(tmp_path: Path, wrap: Any,
                                                                     event: Any) -> None:
    short = _lines(tmp_path / "short.jsonl", _rows(wrap(event(10)), wrap(event(10))))
    long = _lines(tmp_path / "long.jsonl", _rows(wrap(event(_LONG)), wrap(event(10))))
    assert sniff_format(short).name == "jsonl"
    spec = sniff_format(long)
    assert spec.name == "jsonl"
    assert sum(len(df) for df in spec.iter_chunks(long)) == 3


def test_an_evtx_dump_record_with_a_long_first_line_is_the_evtx_format(tmp_path: Path) -> None:
    # (it was plain JSON lines, as the other nested records above; the parser's own records,
    # evtx_dump -o jsonl, now read as the .evtx file they came from reads)
    wrap = lambda r: {"Event": {"System": {k: r[k] for k in ("EventID", "Channel")},  # noqa: E731
                                "EventData": {"ScriptBlockText": r["ScriptBlockText"]}}}
    short = _lines(tmp_path / "short.jsonl", _rows(wrap(_ps(10)), wrap(_ps(10))))
    long = _lines(tmp_path / "long.jsonl", _rows(wrap(_ps(_LONG)), wrap(_ps(10))))
    assert sniff_format(short).name == "evtx"
    spec = sniff_format(long)
    assert spec.name == "evtx"
    assert sum(len(df) for df in spec.iter_chunks(long)) == 3


@pytest.mark.parametrize(("event", "name"), [(_ct, "cloudtrail"), (_ps, "windows-json"),
                                             (_wlb, "winlogbeat")])
def test_a_flat_record_with_a_long_first_line_keeps_its_format(tmp_path: Path, event: Any, name: str) -> None:
    path = _lines(tmp_path / "long.jsonl", _rows(event(_LONG), event(10)))
    assert sniff_format(path).name == name


def _k8s(n: int) -> dict[str, Any]:
    return {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse", "auditID": "a",
            "stage": "ResponseComplete", "verb": "get", "requestURI": "/api",
            "requestReceivedTimestamp": "2024-01-01T00:00:00Z", "responseObject": {"x": "y" * n}}


def _gcp(n: int) -> dict[str, Any]:
    return {"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
            "timestamp": "2024-01-01T00:00:00Z",
            "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog", "methodName": "x",
                             "response": {"x": "y" * n}}}


@pytest.mark.parametrize(("event", "name"), [(_k8s, "k8s-audit"), (_gcp, "gcp-audit")])
def test_a_nested_cloud_audit_event_with_a_long_first_line_is_plain_json_lines(
        tmp_path: Path, event: Any, name: str) -> None:
    wrap = lambda r: {"_index": "x", "_source": r}  # noqa: E731
    for n in (10, _LONG):
        nested = _lines(tmp_path / f"nested{n}.jsonl", _rows(wrap(event(n)), wrap(event(10))))
        assert sniff_format(nested).name == "jsonl"
        flat = _lines(tmp_path / f"flat{n}.jsonl", _rows(event(n), event(10)))
        assert sniff_format(flat).name == name
    page = tmp_path / "page.json"  # a JSON array (gcloud, an EventList's items), pretty-printed
    page.write_text(json.dumps([event(_LONG), event(10)], indent=2))
    assert sniff_format(page).name == name


def test_a_long_digest_file_or_eventbridge_event_is_taken_to_be_refused_by_name(tmp_path: Path) -> None:
    digest = {"awsAccountId": "111122223333", "digestStartTime": "2024-01-01T00:00:00Z",
              "digestEndTime": "2024-01-01T01:00:00Z", "digestS3Bucket": "b",
              "logFiles": [{"s3Bucket": "trail", "s3Object": f"AWSLogs/x/{i:0300d}.json.gz",
                            "hashValue": "a" * 64} for i in range(300)]}
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(digest))
    spec = sniff_format(path)
    assert path.stat().st_size > 65536 and spec.name == "cloudtrail"
    with pytest.raises(InputError, match="a CloudTrail digest file"):
        list(spec.iter_chunks(path))
    event = {"version": "0", "id": "1", "detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2",
             "detail": _ct(_LONG)}
    path = _lines(tmp_path / "eb.jsonl", _rows(event, dict(event, detail=_ct(10))))
    spec = sniff_format(path)
    assert spec.name == "cloudtrail"
    with pytest.raises(InputError, match="EventBridge events"):
        list(spec.iter_chunks(path))
    # another EventBridge event (no CloudTrail record under 'detail') is no CloudTrail
    other = dict(event, detail={"findings": "x" * _LONG})
    assert sniff_format(_lines(tmp_path / "gd.jsonl", _rows(other, other))).name == "jsonl"


def test_suricata_eve_with_a_first_event_longer_than_the_sniffed_head(tmp_path: Path) -> None:
    def eve(n: int) -> dict[str, Any]:
        return {"timestamp": "2024-01-01T00:00:00.000000+0000", "flow_id": 1, "event_type": "alert",
                "src_ip": "10.0.0.1", "payload_printable": "x" * n}
    path = _lines(tmp_path / "eve.json", _rows(eve(_LONG), eve(10)))
    spec = sniff_format(path)
    assert spec.name == "suricata-eve"
    assert sum(len(df) for df in spec.iter_chunks(path)) == 3
    nested = _lines(tmp_path / "es.json", _rows({"_source": eve(_LONG)}, {"_source": eve(10)}))
    assert sniff_format(nested).name == "jsonl"


def test_a_log_compressed_by_pzstd_is_named_so(tmp_path: Path) -> None:
    from hourglass.features.sessions import EventSessions

    # pzstd writes a skippable frame (magic 0x184D2A50..5F, little-endian) before the zstd frames
    path = tmp_path / "app.log.zst"
    path.write_bytes(b"\x50\x2a\x4d\x18\x04\x00\x00\x00\xb1\x00\x00\x00" + b"\x28\xb5\x2f\xfd\x04\x58rest")
    with pytest.raises(InputError, match=r": zstd-compressed, and only gzip is read directly"):
        EventSessions(format="raw", session_regex=r"blk_\d+").fit(str(path))
    text = tmp_path / "p.log"  # a line starting 'P*M' then another byte is text
    text.write_bytes(b"P*M open blk_1\n")
    EventSessions(format="raw", session_regex=r"blk_\d+").fit(str(text))


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import numpy as np
    import pandas as pd

    from hourglass.cli.app import app
    from tests._cli import runner

    d = tmp_path_factory.mktemp("fxs")
    rng = np.random.default_rng(0)
    pd.DataFrame({"bytes": rng.lognormal(6, 1, 200), "rate": rng.uniform(0, 1, 200)}).to_csv(
        d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "4",
                              "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    return d / "model"


def test_stream_refuses_input_compressed_otherwise_than_gzip(tmp_path: Path, table_model: Path) -> None:
    import bz2
    import lzma

    from hourglass.cli.app import app
    from tests._cli import runner

    text = b"".join(b'{"bytes": %d, "rate": 0.5}\n' % i for i in range(20))
    for packed, kind, tool in ((bz2.compress(text), "bzip2", "bzcat"), (lzma.compress(text), "xz", "xzcat")):
        path = tmp_path / "rows.jsonl.packed"
        path.write_bytes(packed)
        out = tmp_path / "alerts.jsonl"
        res = runner.invoke(app, ["stream", str(table_model), "--input", str(path), "-o", str(out)])
        assert res.exit_code == 2, res.output
        assert res.stderr.strip().splitlines()[-1] == (
            f"error: --input {path}: {kind}-compressed, and only gzip is read directly; decompress it first "
            f"and pipe the text in (e.g. {tool} FILE | hourglass stream MODEL)")
        assert "Traceback" not in res.output and not out.exists()
        res = runner.invoke(app, ["stream", str(table_model)], input=packed)
        assert res.exit_code == 2 and f"error: <stdin>: {kind}-compressed" in res.stderr
    # text is read as before
    res = runner.invoke(app, ["stream", str(table_model), "--all"], input=text)
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 20, res.output


def test_stream_reader_waits_for_no_more_than_a_first_short_line() -> None:
    from hourglass.cli.stream import _gunzip_if_gzip

    chunks = [b"B", b"Z", b"h\n", b"x\n"]  # a pipe's first reads: a line of 4 bytes, then more
    read = _gunzip_if_gzip(lambda n: chunks.pop(0) if chunks else b"", "<stdin>")
    assert read(100) == b"BZh\n" and chunks == [b"x\n"]
    chunks = [b"\x50", b"\x2a\x4d", b"\x18\x04\x00\x00"]  # pzstd's first frame, a byte or two at a time
    read = _gunzip_if_gzip(lambda n: chunks.pop(0) if chunks else b"", "<stdin>")
    with pytest.raises(HourglassError, match=r"^<stdin>: zstd-compressed"):
        read(100)
