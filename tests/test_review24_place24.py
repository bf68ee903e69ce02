"""Regression tests: past a record skipped with ``--on-bad-rows skip`` the line formats (CEF,
LEEF, PAN-OS, key=value), JSON pages of events, CloudTrail files and EVTX place it, so a row
written after it is numbered by its own data row (from 0), not by the rows kept."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.ingest import ReadStats
from hourglass.ingest.cef import CEF, LEEF
from hourglass.ingest.cloudtrail import CLOUDTRAIL
from hourglass.ingest.kv import KV
from hourglass.ingest.okta import OKTA
from hourglass.ingest.panos import PANOS
from tests.test_panos import TRAFFIC

CEF_LINE = "CEF:0|Acme|FW|1|7|conn|3|src=10.0.0.5 dpt=443 cnt={}\n"
LEEF_LINE = "LEEF:1.0|Acme|FW|1|42|src=10.0.0.1\tdstPort={}\n"
KV_LINE = "date=2024-11-14 time=22:13:20 srcip=10.0.0.5 dstport={} action=accept\n"


def _read(spec: Any, path: Path) -> tuple[pd.DataFrame, ReadStats]:
    stats = ReadStats()
    df = pd.concat(list(spec.iter_chunks(path, on_bad_rows="skip", stats=stats)), ignore_index=True)
    return df, stats


# What was wrong: a malformed line of a line format was skipped without its place
# (stats.skipped(line)), so the row after it (data row 2) was numbered 1, the rows kept, with
# the rows-kept note. The reader now places it: the row's number is its data row.
@pytest.mark.parametrize(("spec", "good", "bad"), [
    (CEF, CEF_LINE.format(1) + CEF_LINE.format(2), "CEF:broken\n"),
    (LEEF, LEEF_LINE.format(1) + LEEF_LINE.format(2), "LEEF:broken\n"),
    (KV, KV_LINE.format(1) + KV_LINE.format(2), "no pairs here\n"),
    (PANOS, TRAFFIC + "\n" + TRAFFIC + "\n", "1,2024/11/14 22:13:21,x\n"),
], ids=["cef", "leef", "kv", "panos"])
def test_line_formats_place_a_skipped_line(tmp_path: Path, spec: Any, good: str, bad: str) -> None:
    first, second = good.splitlines(keepends=True)
    data = tmp_path / "events.log"
    data.write_text(first + bad + second)
    df, stats = _read(spec, data)
    assert len(df) == 2 and stats.bad_rows == 1 and stats.bad_lines == [2]
    assert stats.rows_of(np.arange(2)).tolist() == [0, 2]
    assert stats.first_skip is None and not stats.shifted(2)


# What was wrong (as above), for a line longer than the limit a line format skips.
def test_a_line_format_places_a_line_too_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.ingest.cef as cef

    monkeypatch.setattr(cef, "MAX_LINE_BYTES", 1 << 20)
    data = tmp_path / "events.cef"
    data.write_text(CEF_LINE.format(1) + "CEF:0|" + "x" * (1 << 21) + "\n" + CEF_LINE.format(2))
    df, stats = _read(CEF, data)
    assert len(df) == 2 and stats.rows_of(np.arange(2)).tolist() == [0, 2]
    assert stats.first_skip is None


# What was wrong (as above), for a JSON page of events: an event that is no object was skipped
# without its place.
def test_a_json_page_places_a_skipped_event(tmp_path: Path) -> None:
    event = {"eventType": "user.session.start", "published": "2026-01-05T08:00:00Z",
             "actor": {"alternateId": "a@example.com"}, "outcome": {"result": "SUCCESS"}}
    data = tmp_path / "okta.json"
    data.write_text(json.dumps([event, 5, event]) + "\n")
    df, stats = _read(OKTA, data)
    assert len(df) == 2 and stats.bad_rows == 1
    assert stats.rows_of(np.arange(2)).tolist() == [0, 2] and stats.first_skip is None


# What was wrong (as above), for a CloudTrail file: a record that is no object (and a line that
# is no CloudTrail record among the files) was skipped without its place.
def test_cloudtrail_places_a_skipped_record(tmp_path: Path) -> None:
    record = {"eventVersion": "1.08", "eventTime": "2026-01-05T08:00:00Z", "eventSource":
              "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "us-east-1"}
    data = tmp_path / "trail.json"
    data.write_text(json.dumps({"Records": [record, 5, record]}) + "\n"
                    + json.dumps({"detail-type": "AWS API Call via CloudTrail", "detail": record})
                    + "\n" + json.dumps({"Records": [record]}) + "\n")
    df, stats = _read(CLOUDTRAIL, data)
    assert len(df) == 3 and stats.bad_rows == 2
    assert stats.rows_of(np.arange(3)).tolist() == [0, 2, 4] and stats.first_skip is None


class _Parser:
    """Stands in for evtx.PyEvtxParser: a record, a damaged one, then the parser stops."""

    def __init__(self, path: str, threads: int) -> None:
        pass

    def records_json(self) -> Any:
        event = {"Event": {"System": {"EventID": 4624, "Computer": "WS1"}}}
        yield {"event_record_id": 1, "timestamp": "", "data": json.dumps(event)}
        raise RuntimeError("bad record")


# What was wrong (as above), for EVTX: a damaged record was skipped without its place.
def test_evtx_places_a_damaged_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.ingest import iter_table

    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_Parser))
    data = tmp_path / "Security.evtx"
    data.write_bytes(b"ElfFile\x00" + bytes(4088))
    stats = ReadStats()
    df = pd.concat(list(iter_table(data, fmt="evtx", on_bad_rows="skip", stats=stats)))
    assert len(df) == 1 and stats.bad_rows == 1
    assert stats.gaps == [1] and stats.first_skip is None


# What was wrong: score's drift warning named the window's last row by the rows scored ("over
# the last 25 rows (row 24)": it fires on a partial window here), so past a skipped row (data
# row 1) it named the row before the one meant, unlike the output's 'row'. It now names its
# data row, as 'row' does (row 25), in the warning and the end summary.
@pytest.mark.parametrize("bad", ["5,x\n", "5,6,9\n"], ids=["refused", "fields"])
def test_drift_warning_names_the_data_row(tmp_path: Path, bad: str) -> None:
    from hourglass.cli import app
    from tests._cli import ab_model, runner

    ab_model(tmp_path)
    data = tmp_path / "far.csv"
    data.write_text("a,b\n0.5,0.5\n" + bad + "".join(f"{50 + i},{-50 - i}\n" for i in range(300)))
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(data), "--on-bad-rows", "skip",
                              "--drift-window", "100", "-o", str(out)])
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split())
    assert "over the last 25 rows (row 25)" in said, said
    assert "(at row 25;" in said and "row 24" not in said, said
    assert pd.read_csv(out)["row"].iloc[24] == 25


# What was wrong (item 1, end to end): score of a CEF file past a malformed line wrote the rows
# after it one lower than their data rows (0 1 2 for data rows 0 2 3), with the rows-kept note.
def test_score_of_cef_writes_data_rows(tmp_path: Path) -> None:
    from hourglass.cli import app
    from hourglass.cli._output import ROWS_KEPT_NOTE
    from tests._cli import runner

    rng = np.random.default_rng(0)
    lines = [f"CEF:0|Acme|FW|1|7|conn|3|src=10.0.0.{rng.integers(1, 9)} dpt=443 "
             f"in={rng.integers(100, 900)} out={rng.integers(100, 900)}\n" for _ in range(1500)]
    train = tmp_path / "train.cef"
    train.write_text("".join(lines))
    res = runner.invoke(app, ["train", str(train), "--epochs", "1", "--hidden", "4,2",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    data = tmp_path / "new.cef"
    data.write_text(lines[0] + "CEF:broken\n" + lines[1] + lines[2])
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(data), "--on-bad-rows", "skip",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(out)["row"].tolist() == [0, 2, 3]
    assert "skipped 1 malformed row(s)" in res.stderr
    assert ROWS_KEPT_NOTE not in " ".join(res.stderr.split())
