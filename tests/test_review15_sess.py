"""Log sessions: event tables, time windows, live sessions, raw logs and their explanations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hourglass.ingest.tables as table_reader
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions


def test_json_lines_table_whose_later_records_lack_a_field(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # JSON lines are read in batches of records, each with the fields its records have: a batch
    # past the records with a user or a time stopped the read with "no column 'user'"
    monkeypatch.setattr(table_reader, "_JSONL_CHUNK_ROWS", 10)
    path = tmp_path / "events.jsonl"
    with path.open("w") as f:
        for i in range(25):
            record: dict[str, object] = {"event": "abc"[i % 3]}
            if i < 12:
                record.update(user=f"u{i % 2}", ts=1.7e9 + i)
            f.write(json.dumps(record) + "\n")
    pre = EventSessions(session_column="user", key_column="event", time_column="ts")
    assert [s.tolist() for s in pre.fit_transform(str(path))] == [[1, 3, 2, 1, 3, 2], [2, 1, 3, 2, 1, 3]]
    sessions = pre.sessions(str(path))
    assert sessions.ids == ["u0", "u1"]
    assert sessions.stats["events_without_session"] == 13 and sessions.stats["events_without_time"] == 13
    windows = EventSessions(window=5, key_column="event", time_column="ts").fit(str(path))
    assert len(windows.sessions(str(path))) == 3  # the 12 timed events; the others left out
    with pytest.raises(InputError, match="no column 'host'"):  # a name the file lacks: still named
        EventSessions(session_column="host", key_column="event").fit(str(path))
