"""Review 24 (fuzzing the non-table inputs): EVTX files with a damaged record, and JSON lines
of another kind given as ``--format windows-json``."""

from __future__ import annotations

import json
import sys
import types
import zlib
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest import ReadStats
from hourglass.ingest.evtx import iter_evtx
from tests._cli import one_line_error


def _record(event_id: int) -> dict[str, Any]:
    return {"Event": {"System": {"EventID": event_id, "Channel": "Security", "Computer": "WS1",
                                 "TimeCreated": {"#attributes": {"SystemTime": "2024-05-01T10:00:00Z"}}}}}


class _StoppingParser:
    """Stands in for evtx.PyEvtxParser on a chunk whose third record's header is overwritten:
    the real parser yields the records before it and then ends the chunk without an error."""

    records: ClassVar[list[Any]] = [_record(4624), _record(4625)]

    def __init__(self, path: str, threads: int) -> None:
        pass

    def records_json(self) -> Any:
        for i, r in enumerate(self.records):
            yield {"event_record_id": i + 1, "timestamp": "", "data": json.dumps(r)}


def _evtx_with_one_chunk(path: Path, first: int, last: int) -> Path:
    """A file header and one 64 KiB chunk whose intact header (magic, CRC32) says it holds the
    records ``first..last``."""
    head = bytearray(512)
    head[:8] = b"ElfChnk\x00"
    for at, n in ((8, first), (16, last), (24, first), (32, last)):
        head[at:at + 8] = n.to_bytes(8, "little")
    head[124:128] = zlib.crc32(bytes(head[:120] + head[128:])).to_bytes(4, "little")
    path.write_bytes(b"ElfFile\x00" + bytes(4088) + bytes(head) + bytes(65536 - 512))
    return path


def test_an_evtx_record_the_parser_stops_at_is_an_error_or_counted(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # What was wrong: a record whose header was damaged (its magic overwritten) made the parser
    # end its chunk without a word: the records from it on were lost silently (a file whose
    # first record was damaged read as 'no rows'), though the README says a damaged record is
    # an error naming it, or skipped and counted with --on-bad-rows skip.
    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_StoppingParser))
    damaged = _evtx_with_one_chunk(tmp_path / "Security.evtx", 1, 5)
    with pytest.raises(InputError, match=r"chunk 1 holds record ids 1\.\.5, but only 2 of its 5 could "
                                         r"be read: record id 3 is damaged \(use on_bad_rows='skip'"):
        list(iter_evtx(damaged))
    stats = ReadStats()
    df = pd.concat(iter_evtx(damaged, on_bad_rows="skip", stats=stats))
    assert len(df) == 2 and stats.bad_rows == 3
    whole = _evtx_with_one_chunk(tmp_path / "whole.evtx", 1, 2)  # every record read: no word
    assert len(pd.concat(iter_evtx(whole))) == 2
    header = bytearray(whole.read_bytes())
    header[4096 + 8] ^= 0xFF  # a chunk header whose checksum fails is not relied on
    whole.write_bytes(bytes(header))
    assert len(pd.concat(iter_evtx(whole))) == 2


def test_format_windows_json_refuses_json_lines_of_another_kind(tmp_path: Path) -> None:
    # What was wrong: '--format windows-json' took any JSON lines (flows, an event table) and
    # trained on them with the Windows roles, where '--format winlogbeat' refuses a file without
    # its fields and the README says a named format is strict (a file that is not what --format
    # says fails on its first chunk).
    other = tmp_path / "flows.jsonl"
    other.write_text('{"ts": 1, "bytes": 10}\n{"ts": 2, "bytes": 12}\n')
    one_line_error(["train", str(other), "--format", "windows-json", "-o", str(tmp_path / "m")],
                   "flows.jsonl: no 'EventID' or 'Channel' field; is this a Windows event export",
                   tmp_path / "m")
    only_id = tmp_path / "ids.jsonl"  # an export without Channel is still one
    only_id.write_text("".join(json.dumps({"EventID": 4624 + i % 2, "Hostname": "ws1"}) + "\n"
                               for i in range(40)))
    from typer.testing import CliRunner

    from hourglass.cli import app
    res = CliRunner().invoke(app, ["inspect", str(only_id), "--format", "windows-json"])
    assert res.exit_code == 0, res.output


def test_a_key_file_without_a_session_is_refused_naming_it(tmp_path: Path) -> None:
    # What was wrong: 'train FILE --format keys' on an empty key file, or one of blank lines,
    # said 'no sessions found: the log is empty (no lines)' or '... (every line was skipped or
    # had no session id: 4 lines)' without naming the file (every other log's error names it),
    # and did not say the 4 blank lines were empty sessions, as score says.
    empty, blank = tmp_path / "empty.txt", tmp_path / "blank.txt"
    empty.write_text("")
    blank.write_text("\n\n\n\n")
    one_line_error(["train", str(empty), "--format", "keys", "--model", "deeplog", "-o",
                    str(tmp_path / "m")], f"{empty}: no sessions found: the log is empty", tmp_path / "m")
    from typer.testing import CliRunner

    from hourglass.cli import app
    res = CliRunner().invoke(app, ["train", str(blank), "--format", "keys", "--model", "deeplog",
                                   "-o", str(tmp_path / "m")])
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {blank}: no sessions found in the log") and \
        "4 lines, 4 empty sessions skipped" in last, last
    assert not (tmp_path / "m").exists()


def test_a_channel_of_numbers_with_a_few_words_says_why_it_is_ignored(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a metrics column of numbers with a word in 2% of its rows ('high') was
    # left out of a time-series model with only 'ignoring non-numeric column(s): cpu', so the
    # channel vanished without the value that made it text (scoring the same file with a model
    # that has the channel names it: "expected numbers, found 'high' (row 1)").
    rows = ["ts,cpu,mem"] + [f"2024-05-01T00:{i // 60:02d}:{i % 60:02d},{'high' if i % 50 == 3 else i % 7},"
                             f"{900 + i % 5}" for i in range(200)]
    data = tmp_path / "metrics.csv"
    data.write_text("\n".join(rows) + "\n")
    from typer.testing import CliRunner

    from hourglass.cli import app
    with caplog.at_level("WARNING"):
        res = CliRunner().invoke(app, ["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae",
                                       "--window", "8", "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    said = res.stderr + caplog.text
    assert ("ignoring non-numeric column(s): cpu ('cpu' is numbers but for 4 of 200 values, e.g. "
            "'high' in row 4: make them numbers, or empty cells for --fill)") in said, said


def test_skab_label_errors_name_the_files_anomaly_column(tmp_path: Path) -> None:
    # What was wrong: evaluate --dataset skab named a column the file does not have: a SKAB file
    # without its 'anomaly' column was 'this file has no labels (column 'label')', and a word in
    # it "label column 'label': row 405 holds 'maybe'" (the reader's name for SKAB's 'anomaly').
    head = "datetime;A;B;anomaly;changepoint"
    rows = [f"2020-03-09 10:{i // 60:02d}:{i % 60:02d};{i % 7}.5;{i % 3}.25;"
            f"{'maybe' if i == 404 else '0.0'};0.0" for i in range(460)]
    data, bare = tmp_path / "0.csv", tmp_path / "1.csv"
    data.write_text("\n".join([head, *rows]) + "\n")
    bare.write_text("\n".join(["datetime;A;B"] + [r.rsplit(";", 2)[0] for r in rows]) + "\n")
    from typer.testing import CliRunner

    from hourglass.cli import app
    model = tmp_path / "m"
    res = CliRunner().invoke(app, ["train", str(data), "--dataset", "skab", "--model", "lstm-ae",
                                   "--window", "8", "--epochs", "1", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    one_line_error(["evaluate", str(model), str(data), "--dataset", "skab"],
                   "label column 'anomaly': row 405 holds 'maybe'")
    one_line_error(["evaluate", str(model), str(bare), "--dataset", "skab"],
                   "skab: this file has no labels (column 'anomaly')")
