"""Review 8 of the cloud, identity, Windows and firewall ingest readers: regressions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.errors import InputError
from hourglass.ingest import cloudtrail
from hourglass.ingest.cloudtrail import CLOUDTRAIL


def _trail(doc: int, n: int) -> str:
    return json.dumps({"Records": [
        {"eventVersion": "1.08", "eventTime": f"2024-01-01T00:{doc % 60:02d}:{i:02d}Z",
         "eventName": "GetObject", "eventSource": "s3.amazonaws.com", "sourceIPAddress": "10.0.0.1",
         "eventID": f"{doc}-{i}"}
        for i in range(n)]})


def test_cloudtrail_documents_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'zcat CloudTrail/*.json.gz > day.json' was read whole (text, then every record) before the
    # first chunk: some 4x the file's size in memory; now a document at a time
    p = tmp_path / "day.json"
    p.write_text("\n".join(_trail(d, 10) for d in range(200)) + "\n")
    monkeypatch.setattr(cloudtrail, "_BLOCK_BYTES", 4096)
    monkeypatch.setattr(cloudtrail, "_CHUNK_RECORDS", 100)
    handles: list[Any] = []
    real_open = cloudtrail.open_lines

    def spy(path: Path) -> Any:
        handles.append(real_open(path))
        return handles[-1]

    monkeypatch.setattr(cloudtrail, "open_lines", spy)
    chunks = CLOUDTRAIL.iter_chunks(p)
    first = next(chunks)
    assert len(first) == 100 and handles[0].tell() < p.stat().st_size // 4
    ids = first["eventID"].tolist() + [i for df in chunks for i in df["eventID"]]
    assert ids == [f"{d}-{i}" for d in range(200) for i in range(10)]


def test_cloudtrail_one_big_document_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one document of many records came out as one chunk of all of them (the cap was checked
    # after each whole document only)
    p = tmp_path / "one.json"
    p.write_text(_trail(0, 250) + "\n")
    monkeypatch.setattr(cloudtrail, "_CHUNK_RECORDS", 100)
    chunks = list(CLOUDTRAIL.iter_chunks(p))
    assert [len(df) for df in chunks] == [100, 100, 50]
    assert [i for df in chunks for i in df["eventID"]] == [f"0-{i}" for i in range(250)]


def test_cloudtrail_bad_document_found_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # malformed JSON is refused with its line, without reading on to the file's end
    p = tmp_path / "bad.json"
    p.write_text(_trail(0, 2) + "\n" + _trail(1, 2).replace('"eventName"', '"eventName" x', 1) + "\n"
                 + "\n".join(_trail(d, 50) for d in range(2, 40)))
    monkeypatch.setattr(cloudtrail, "_BLOCK_BYTES", 256)
    with pytest.raises(InputError, match=r"line 2: not a CloudTrail file: not valid JSON \(Expecting ':'"):
        CLOUDTRAIL.read(p)
    p.write_text(_trail(0, 2) + "\n" + _trail(1, 2)[:-5])
    with pytest.raises(InputError, match=r"line 2: not a CloudTrail file: not valid JSON \("):
        CLOUDTRAIL.read(p)


def test_cloudtrail_deep_json_one_line(tmp_path: Path) -> None:
    # arrays nested 100,000 deep in a record were a RecursionError traceback (JSON lines said so)
    p = tmp_path / "deep.json"
    p.write_text(_trail(0, 1) + '\n{"Records": [{"eventTime": "x", "eventName": "y", "d": '
                 + "[" * 100_000 + "]" * 100_000 + "}]}")
    with pytest.raises(InputError, match=r"line 2: JSON nested deeper than 400 levels"):
        CLOUDTRAIL.read(p)


def test_cloudtrail_lone_surrogate(tmp_path: Path) -> None:
    # a user agent cut inside an emoji ("\ud83d" without its pair) refused the whole file with
    # "'utf-8' codec can't encode character" (no file, no line; --on-bad-rows skip no help);
    # now the escape is the text, as stream reads such a line, and a real pair stays the emoji
    p = tmp_path / "ua.json"
    p.write_text('{"Records": [{"eventTime": "2024-01-01T00:00:00Z", "eventName": "GetObject", '
                 '"userAgent": "aws-cli \\ud83d", "sourceIPAddress": "\\ud83d\\ude00"}]}')
    df = CLOUDTRAIL.read(p)
    assert (df["userAgent"].iloc[0], df["sourceIPAddress"].iloc[0]) == ("aws-cli \\ud83d", "\U0001f600")
    nest = '{"a": ' * 990 + '"\\ud83d"' + "}" * 990
    p.write_text('{"Records": [{"eventTime": "x", "eventName": "y", "d": ' + nest + "}]}")
    with pytest.raises(InputError, match="nested deeper"):
        CLOUDTRAIL.read(p)


_CONFIG = ("1,2024/11/14 22:16:00,0123456789,CONFIG,0,2561,2024/11/14 22:16:00,10.0.0.2,vsys1,edit,"
           "admin,Web,Succeeded, rulebase security rules web-out,")


def test_panos_config_with_change_detail(tmp_path: Path) -> None:
    # a config log with the changed configuration (before/after change detail after the path, as
    # Palo Alto's field description lays it out) had every later field one name off by two:
    # seqno was the old value, actionflags the new one, device_name a device group level
    from hourglass.ingest.panos import PANOS, parse_panos

    tail = ",7021401,0x0,0,0,0,0,vsys1,fw1"
    plain = parse_panos(_CONFIG + tail.removeprefix(","))
    detail = parse_panos(_CONFIG + '"action: allow","action: deny"' + tail)
    assert plain is not None and detail is not None
    for row in (plain, detail):
        assert (row["seqno"], row["actionflags"], row["device_name"]) == ("7021401", "0x0", "fw1")
    assert (detail["before_change_detail"], detail["after_change_detail"]) == (
        "action: allow", "action: deny")
    assert "before_change_detail" not in plain
    p = tmp_path / "config.log"
    p.write_text(f"{_CONFIG}{tail[1:]}\n{_CONFIG}old,new{tail}\n")
    df = PANOS.read(p)
    assert df["device_name"].tolist() == ["fw1", "fw1"] and df["seqno"].tolist() == ["7021401"] * 2
    assert df["after_change_detail"].fillna("-").tolist() == ["-", "new"]
    assert PANOS.roles["before_change_detail"] == "drop"


def test_cloudtrail_folder_error_names_file_and_line(tmp_path: Path) -> None:
    # a folder of S3 files is read as one: a bad document was 'FOLDER: ... (Expecting ...: line
    # 64 column 15 ...)', the line of the files joined; now the file and its own line
    from typer.testing import CliRunner

    from hourglass.cli import app

    (tmp_path / "trail").mkdir()
    (tmp_path / "trail" / "a.json").write_text(json.dumps(json.loads(_trail(0, 9)), indent=1))
    bad = json.dumps(json.loads(_trail(1, 9)), indent=1).replace('"eventName"', '"eventName" x', 1)
    (tmp_path / "trail" / "b.json").write_text(bad)
    res = CliRunner().invoke(app, ["inspect", str(tmp_path / "trail"), "--format", "cloudtrail"])
    assert res.exit_code == 2
    assert "b.json: line 6: not a CloudTrail file: not valid JSON (Expecting ':'" in res.output, res.output


def test_leef_dev_time_in_its_format(tmp_path: Path) -> None:
    # devTime=03/02/2025 ... devTimeFormat=dd/MM/yyyy HH:mm:ss (the 3rd of February) was read
    # month first, as such dates are usually written: the 2nd of March in every alert; the
    # line's own pattern now says which is the day
    from hourglass._times import parse_timestamps
    from hourglass.ingest.cef import LEEF, parse_leef

    p = tmp_path / "qradar.log"
    p.write_text("".join(f"LEEF:1.0|Acme|FW|1.0|4|src=10.0.0.{i}\tdevTime=03/02/2025 09:{i:02d}:07\t"
                         "devTimeFormat=dd/MM/yyyy HH:mm:ss\n" for i in range(5)))
    times = parse_timestamps(LEEF.read(p)["devTime"], "devTime")
    assert str(times[1]) == "2025-02-03 09:01:07"
    us = parse_leef("LEEF:2.0|Acme|FW|1.0|4|^|devTime=03/02/2025 09:14:07.250 PM^"
                    "devTimeFormat=MM/dd/yyyy hh:mm:ss.SSS a")
    zoned = parse_leef("LEEF:1.0|Acme|FW|1.0|4|devTime=2025-03-03T09:14:07.123+01:00\t"
                       "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
    named = parse_leef("LEEF:1.0|Acme|FW|1.0|4|devTime=Mar 03 2025 09:14:07 CET\t"
                       "devTimeFormat=MMM dd yyyy HH:mm:ss z")
    assert us is not None and zoned is not None and named is not None
    assert us["devTime"] == "2025-03-02T21:14:07.250000"
    assert zoned["devTime"] == "2025-03-03T09:14:07.123000+01:00"
    assert named["devTime"] == "Mar 03 2025 09:14:07 +0100"  # a zone's name: its offset, as before


def test_panos_system_high_res_timestamp() -> None:
    # PAN-OS 10+ system logs end '..., Device Name, FUTURE_USE, FUTURE_USE, High Resolution
    # Timestamp': the time was extra_27, a column of a new value each row with no role
    from hourglass.ingest.panos import parse_panos

    row = parse_panos("1,2024/11/14 22:15:00,0123456789,SYSTEM,general,0,2024/11/14 22:15:00,,general,,0,0,"
                      "general,informational,User admin logged in,7021400,0x0,0,0,0,0,,fw1,,,"
                      "2024-11-14T22:15:00.123-08:00")
    assert row is not None
    assert (row["device_name"], row["high_res_timestamp"]) == ("fw1", "2024-11-14T22:15:00.123-08:00")
    assert not any(k.startswith("extra_") for k in row)


class _ChunkLostParser:
    """Stands in for evtx.PyEvtxParser: two records, then a chunk the parser cannot read (its
    error names the chunk's records), then one more."""

    def __init__(self, path: str, threads: int) -> None:
        pass

    def records_json(self) -> Any:
        event = {"Event": {"System": {"EventID": 4624, "Computer": "WS1"}}}
        yield {"data": json.dumps(event)}
        yield {"data": json.dumps(event)}
        yield RuntimeError("Failed to parse chunk containing record IDs 3..102: Failed to build string cache")
        yield {"data": json.dumps(event)}


def test_evtx_unreadable_chunk_counts_its_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a chunk the parser cannot read (100 records) was 'skipped 1 bad row': 99 events lost unsaid
    import sys
    import types

    from hourglass.ingest.evtx import iter_evtx
    from hourglass.ingest.tables import ReadStats

    class Records:  # the parser's iterator: an error in its turn is raised by next()
        def __init__(self) -> None:
            self.items = _ChunkLostParser("", 1).records_json()

        def __iter__(self) -> Records:
            return self

        def __next__(self) -> Any:
            item = next(self.items)
            if isinstance(item, Exception):
                raise item
            return item

    parser = types.SimpleNamespace(records_json=Records)
    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=lambda path, n: parser))
    p = tmp_path / "Security.evtx"
    p.write_bytes(b"ElfFile\x00" + bytes(4088))
    stats = ReadStats()
    rows = sum(len(df) for df in iter_evtx(p, on_bad_rows="skip", stats=stats))
    assert (rows, stats.bad_rows) == (3, 100)
