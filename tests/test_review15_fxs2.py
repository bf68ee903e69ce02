"""Event tables read in batches: .evtx fields some batches lack, and a time column checked in
the first chunk that holds a time value."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from hourglass.ingest.evtx import iter_evtx
from tests.test_evtx import _event, _FakeParser


def test_evtx_field_missing_from_some_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # .evtx records are read in batches each with the fields its records have: a field only the
    # first batch's (or only a later batch's) records have stopped the read with
    # "no column 'TargetUserName'"
    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_FakeParser))
    defaults = iter_evtx.__kwdefaults__
    assert defaults is not None
    monkeypatch.setitem(defaults, "chunk_rows", 10)  # batches of 10 records, not 50,000
    path = tmp_path / "Security.evtx"
    path.write_bytes(b"ElfFile\x00" + bytes(4088))
    logons = [_event(4624, data={"TargetUserName": f"u{i % 2}"}) for i in range(10)]
    clears = [_event(1102) for _ in range(5)]
    for records, lacking in ((logons + clears, 5), (clears + logons, 5), (clears * 2 + logons[:5], 10)):
        monkeypatch.setattr(_FakeParser, "records", records)
        pre = EventSessions(session_column="TargetUserName", key_column="EventID").fit(str(path))
        sessions = pre.sessions(str(path))
        assert sessions.ids == ["u0", "u1"]
        assert sessions.stats["lines"] == len(records)
        assert sessions.stats["events_without_session"] == lacking
    with pytest.raises(InputError, match=r"no column 'TargetUser'; columns are timestamp, "):
        EventSessions(session_column="TargetUser", key_column="EventID").fit(str(path))


def test_time_column_checked_in_first_chunk_holding_a_time() -> None:
    # a first chunk without a time value made the column's check skip: a time column with not
    # one readable value was accepted and every row counted as lacking a time
    bad = pd.DataFrame({"u": ["a", "b"] * 4, "e": list("xyzwxyzw"),
                        "ts": [None] * 4 + ["soon", "later", "x", "y"]})
    pre = EventSessions(session_column="u", key_column="e", time_column="ts")
    pre.chunk_lines = 4
    with pytest.raises(InputError, match=r"'ts' \(time_column\) holds no readable time \(e.g. 'soon'\)"):
        pre.fit(bad)
    good = bad.assign(ts=[None] * 4 + [1.7e9 + i for i in range(4)])  # later times read: fine
    sessions = pre.fit(good).sessions(good)
    assert sessions.stats["events_without_time"] == 4 and sessions.ids == ["a", "b"]
    late = good.assign(ts=[None] * 4 + [1.7e9, 1.7e9 + 1, "x", "y"])  # a later chunk's bad rows count
    pre.chunk_lines = 2
    assert pre.fit(late).sessions(late).stats["events_without_time"] == 6
