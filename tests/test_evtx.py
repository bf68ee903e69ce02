"""Windows .evtx event logs as tables: record flattening, the reader's chunking and damage
handling (through a stand-in parser), and real files end to end where the shared samples are."""

from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.ingest import ReadStats, read_table
from hourglass.ingest.evtx import flatten_event, iter_evtx
from hourglass.ingest.formats import sniff_format

runner = CliRunner()
SAMPLES = Path(os.environ.get("HOURGLASS_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
               ) / "windows_evtx_attack_samples"


def _event(event_id: Any, computer: str = "WS1", data: Any = None, user: Any = None) -> dict[str, Any]:
    ev: dict[str, Any] = {"System": {
        "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
        "EventID": event_id, "Level": 0, "Task": 12544, "Channel": "Security",
        "Computer": computer, "EventRecordID": 7,
        "TimeCreated": {"#attributes": {"SystemTime": "2024-05-01T10:00:00.5Z"}},
        "Execution": {"#attributes": {"ProcessID": 640, "ThreadID": 712}},
        "Security": {"#attributes": {"UserID": "S-1-5-18"}}}}
    if data is not None:
        ev["EventData"] = data
    if user is not None:
        ev["UserData"] = user
    return {"Event": ev}


def test_flatten_event_system_fields_and_data() -> None:
    row = flatten_event(_event({"#attributes": {"Qualifiers": 16384}, "#text": 4625},
                               data={"TargetUserName": "bob", "ProcessID": "0x1f4",
                                     "Groups": {"#text": ["a", "b"]}, "Empty": None}))
    assert row["EventID"] == 4625 and row["Provider"] == "Microsoft-Windows-Security-Auditing"
    assert row["timestamp"] == "2024-05-01T10:00:00.5Z" and row["UserID"] == "S-1-5-18"
    assert row["ProcessID"] == 640 and row["EventData.ProcessID"] == "0x1f4"  # no clash
    assert row["TargetUserName"] == "bob" and row["Groups"] == '["a", "b"]' and row["Empty"] is None


def test_flatten_event_unnamed_data_and_user_data_wrapper() -> None:
    row = flatten_event(_event(104, data={"Data": ["x", {"#text": "y"}]},
                               user={"LogFileCleared": {"#attributes": {"xmlns": "u"},
                                                        "SubjectUserName": "admin"}}))
    assert (row["Data"], row["Data.1"], row["SubjectUserName"]) == ("x", "y", "admin")
    assert "xmlns" not in json.dumps(row)
    # a record without System or data still gives every system column (empty)
    bare = flatten_event({"Event": {}})
    assert bare["EventID"] is None and bare["Computer"] is None and "timestamp" in bare


class _FakeParser:
    """Stands in for evtx.PyEvtxParser: yields the given records; an Exception instance in the
    list is raised when its turn comes (a damaged record)."""

    records: ClassVar[list[Any]] = []

    def __init__(self, path: str, threads: int) -> None:
        if Path(path).read_bytes()[:8] != b"ElfFile\x00":
            raise RuntimeError("invalid file header")

    def records_json(self) -> Any:
        for i, r in enumerate(self.records):
            if isinstance(r, Exception):
                raise r  # the real parser's iterator raises and stops at unreadable damage
            yield {"event_record_id": i + 1, "timestamp": "", "data": json.dumps(r)}


@pytest.fixture
def fake_evtx(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_FakeParser))
    path = tmp_path / "Security.evtx"
    path.write_bytes(b"ElfFile\x00" + bytes(4088))
    return path


def test_reader_chunks_and_columns(fake_evtx: Path) -> None:
    _FakeParser.records = [_event(4624 + i % 2, computer=f"WS{i % 3}",
                                  data={"LogonType": 2 + i % 2}) for i in range(25)]
    chunks = list(iter_evtx(fake_evtx, chunk_rows=10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    df = read_table(fake_evtx)  # the format from the name
    assert len(df) == 25 and {"EventID", "Computer", "LogonType", "timestamp"} <= set(df.columns)
    assert df.EventID.tolist()[:3] == [4624, 4625, 4624]


def test_damaged_record_is_an_error_or_skipped_and_counted(fake_evtx: Path) -> None:
    _FakeParser.records = [_event(4624), RuntimeError("bad chunk checksum"), _event(4625)]
    with pytest.raises(InputError,
                       match=r"row 2: unreadable record \(bad chunk checksum\).*on_bad_rows='skip'"):
        list(iter_evtx(fake_evtx))
    stats = ReadStats()
    df = pd.concat(iter_evtx(fake_evtx, on_bad_rows="skip", stats=stats))
    assert len(df) == 1 and stats.bad_rows == 1  # the parser stops at the damage; the rest is kept


def test_not_an_evtx_file_and_no_parser(fake_evtx: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    junk = tmp_path / "junk.evtx"
    junk.write_bytes(b"hello, not an event log")
    with pytest.raises(InputError, match=r"junk.evtx: not a readable Windows .evtx event log"):
        list(iter_evtx(junk))
    gz = tmp_path / "Security.evtx.gz"
    gz.write_bytes(b"\x1f\x8b")
    with pytest.raises(InputError, match=r"gzip-compressed Windows \.evtx event log; decompress it "
                                         r"first \(gunzip -k"):
        list(iter_evtx(gz))
    monkeypatch.setitem(sys.modules, "evtx", None)  # import evtx -> ImportError
    with pytest.raises(InputError, match=r"needs the evtx parser: pip install 'hourglass\[evtx\]'"):
        list(iter_evtx(fake_evtx))


def test_evtx_is_sniffed_by_its_magic(fake_evtx: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "export.bin"
    renamed.write_bytes(fake_evtx.read_bytes())
    spec = sniff_format(renamed)
    assert spec.name == "evtx" and spec.roles["EventID"] == "categorical"


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared EVTX samples not present")
def test_real_evtx_files_train_and_score_end_to_end(tmp_path: Path) -> None:
    # one Security log (101 records) as a table model and as event sessions of its EventIDs
    log = SAMPLES / "command_and_control" / "DE_RDP_Tunnel_5156.evtx"
    df = read_table(log)
    assert len(df) == 101 and df.EventID.value_counts().to_dict()[5156] == 63
    assert df.Channel.unique().tolist() == ["Security"] and df.timestamp.notna().all()
    res = runner.invoke(app, ["inspect", str(log)])
    assert res.exit_code == 0 and "format evtx, 101 rows" in res.output
    model, out = tmp_path / "m", tmp_path / "scores.csv"
    res = runner.invoke(app, ["train", str(log), "-o", str(model), "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(log), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 101
    events = tmp_path / "ev"
    res = runner.invoke(app, ["train", str(log), "--key-col", "EventID", "--timestamp-col", "timestamp",
                              "--window", "60", "--model", "event-count-autoencoder", "-o", str(events),
                              "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads((events / "config.json").read_text())  # a saved artefact


def test_windows_events_as_json_lines_get_the_same_roles(tmp_path: Path) -> None:
    # an OTRF/Mordor-style export: flat objects with EventID and Channel, gzip-compressed
    import gzip

    rows = [{"@timestamp": f"2020-10-18T19:50:{i % 60:02d}.000Z", "EventID": [4624, 4688, 10][i % 3],
             "Channel": "Security", "Hostname": "WS1", "RecordNumber": 1000 + i, "ProcessId": 600 + i,
             "LogonType": 2 + i % 2} for i in range(60)]
    path = tmp_path / "host.json.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows) + "\n")
    spec = sniff_format(path)
    assert spec.name == "windows-json" and spec.fmt == "jsonl"
    res = runner.invoke(app, ["inspect", str(path)])
    assert res.exit_code == 0, res.output
    assert "format windows-json" in res.output
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(path), "-o", str(model), "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    from hourglass import load

    roles = load(model).features_.roles_
    assert roles["EventID"] == "categorical" and roles["RecordNumber"] == "drop"
    assert roles["ProcessId"] == "drop" and roles["LogonType"] == "categorical"
