"""Session ids' surrounding spaces, odd spellings of ports and IPv4 addresses, and the OpenAPI
schema of ``"explain"``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from hourglass.features.sessions import EventSessions
from hourglass.features.sessions.live import line_events

_ROWS = [(" a ", "login"), ("a", "read"), ("b", "login"), (" b", "exit"), ("a ", "exit")]


def _grouped(found) -> list[tuple[str, list[int]]]:
    return [(i, s.tolist()) for i, s in zip(found.ids, found.sequences, strict=True)]


# what was wrong: a session id ' a ' in JSON lines, Parquet or a DataFrame (so the service's rows
# too) was a session of its own beside 'a', where the same rows in a CSV (cells read stripped)
# were one session 'a'
def test_session_ids_spaces_alike_in_every_format(tmp_path: Path) -> None:
    df = pd.DataFrame(_ROWS, columns=["user", "event"])
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_parquet(tmp_path / "t.parquet")
    (tmp_path / "t.jsonl").write_text("".join(json.dumps({"user": u, "event": e}) + "\n"
                                              for u, e in _ROWS))
    pre = EventSessions(session_column="user", key_column="event").fit(df)
    want = _grouped(pre.sessions(tmp_path / "t.csv"))
    assert [i for i, _ in want] == ["a", "b"]
    for data in (df, tmp_path / "t.parquet", tmp_path / "t.jsonl"):
        assert _grouped(pre.sessions(data)) == want, data


# what was wrong: a raw log's header field holding ' a ' named session ' a ' in 'score' and in
# 'stream' (line_events); it is 'a' in both, as an event table's id is
def test_header_field_session_ids_stripped_in_batch_and_stream() -> None:
    ids = [(" a ", "open"), ("a", "read"), ("b", "open"), (" b", "close")]
    lines = [f"{u}|op {op} done" for u, op in ids]
    pre = EventSessions(format=r"(?P<user>[^|]*)\|(?P<content>.*)", session_column="user").fit(lines)
    assert pre.sessions(lines).ids == ["a", "b"]
    assert line_events(pre, lines, 1, {})["session"] == ["a", "a", "b", "b"]
