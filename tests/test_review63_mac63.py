"""macOS fleet telemetry (unified log exports, Endpoint Security, OpenBSM) through every path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from hourglass.cli.stream import _parse
from hourglass.ingest.tables import iter_table


def _unified_event(i: int) -> dict[str, Any]:
    """One event as macOS's ``log show --style ndjson`` writes it."""
    return {"traceID": 9947395432517636 + i, "eventMessage": f"Accepted publickey for alice port {50000 + i}",
            "eventType": "logEvent", "source": None, "formatString": "%{public}s",
            "activityIdentifier": 0, "subsystem": "", "category": "", "threadID": 1234567 + i,
            "bootUUID": "46B9E1A0-A0EC-4A77-B066-3EC6B960DC13", "processImagePath": "/usr/sbin/sshd",
            "senderImagePath": "/usr/sbin/sshd",
            "timestamp": f"2024-05-01 08:00:{i % 60:02d}.123456-0700", "machTimestamp": 3_000_000_000 + i,
            "messageType": "Default", "processID": 812 + i, "senderProgramCounter": 11931,
            "parentActivityIdentifier": 0, "timezoneName": "", "userID": 501}


def test_log_show_ndjson_closing_count_is_no_row(tmp_path: Path) -> None:
    # What was wrong: the object `log show --style ndjson` writes after its events,
    # {"count":N,"finished":1}, was read as an event: every unified log column missing, two
    # columns `count` and `finished` of its own, and it was the export's top alert (13.4 against
    # 0.45 for the planted `curl | sh`), in score and stream alike.
    path = tmp_path / "unified.ndjson"
    lines = [json.dumps(_unified_event(i), separators=(",", ":")) for i in range(5)]
    path.write_text("\n".join(lines) + '\n{"count":5,"finished":1}\n')
    df = pd.concat(list(iter_table(path, fmt="jsonl")))
    assert len(df) == 5 and "count" not in df and "finished" not in df
    # stream, the closing count in a batch of its own (--batch 1)
    previous: list[Any] = [None]
    rows: list[dict[str, Any]] = []
    for number, raw in enumerate([*lines, '{"count":5,"finished":1}'], 1):
        got, _, problem = _parse([(number, raw.encode())], "<stdin>", "error", [], previous=previous)
        assert problem is None
        rows += got
    assert len(rows) == 5 and all("eventMessage" in r for r in rows)
    # a table of such counts keeps its rows
    counts = tmp_path / "counts.jsonl"
    counts.write_text('{"count":5,"finished":1}\n{"count":7,"finished":1}\n')
    assert len(pd.concat(list(iter_table(counts, fmt="jsonl")))) == 2
