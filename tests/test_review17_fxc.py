"""Event tables read as sessions: session ids of a CSV against JSON lines and Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hourglass.features.sessions import EventSessions


def _ids(path: Path) -> dict[str, list[int]]:
    pre = EventSessions(session_column="sid", key_column="event", time_column="ts").fit(path)
    s = pre.sessions(path)
    return {i: q.tolist() for i, q in zip(s.ids, s.sequences, strict=True)}


def test_csv_whole_number_ids_written_with_a_fraction_name_the_same_session_as_json_and_parquet(
        tmp_path: Path) -> None:
    # an integer id column with an empty cell is written 7.0 by pandas: the CSV named session
    # '7.0' where the same table as JSON lines or Parquet (and the CSV before) named '7', and a
    # --labels file's '7' labelled none of them
    df = pd.DataFrame({"sid": [7.0, 7.0, 8.0, None, 10.0], "event": ["a", "b", "c", "a", "b"],
                       "ts": [1, 2, 3, 4, 5]})
    got = {}
    for name, write in (("t.csv", df.to_csv), ("t.jsonl", None), ("t.parquet", df.to_parquet)):
        path = tmp_path / name
        if write is None:
            df.to_json(path, orient="records", lines=True)
        else:
            write(path, **({"index": False} if name.endswith(".csv") else {}))
        got[name] = _ids(path)
    assert got["t.csv"] == got["t.jsonl"] == got["t.parquet"] == {"7": [1, 2], "8": [3], "10": [2]}


def test_csv_ids_as_written_keep_leading_zeros_and_names(tmp_path: Path) -> None:
    # only a whole number's '.0' goes: '007', '7.5', '1e3' and '7.0x' stay as written
    f = tmp_path / "e.csv"
    f.write_text("sid,event,ts\n007,a,1\n7,b,2\n7.5,c,3\n1e3,a,4\n7.0x,b,5\n-3.00,c,6\n")
    assert _ids(f) == {"007": [1], "7": [2], "7.5": [3], "1e3": [1], "7.0x": [2], "-3": [3]}


def test_csv_ids_padded_with_spaces_are_the_ids(tmp_path: Path) -> None:
    # 'ts, sid, event' style: ' 7' was session 7 (read as a number) and then a session ' 7' of its
    # own, which the (stripped) ids of a --labels file never match
    f = tmp_path / "p.csv"
    f.write_text("ts, sid, event\n1, 7,a\n2,7,b\n3, u1 ,c\n")
    assert _ids(f) == {"7": [1, 2], "u1": [3]}
