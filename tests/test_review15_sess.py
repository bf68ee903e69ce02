"""Log sessions: event tables, time windows, live sessions, raw logs and their explanations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import hourglass.ingest.tables as table_reader
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions, group_events, read_key_sequences
from hourglass.ingest.logs import LogParser


def events_jsonl(path: Path, with_user: Callable[[int], bool]) -> Path:
    """25 JSON-lines events keyed a, b, c in turn; record ``i`` has a user (u0/u1) and a time
    where ``with_user(i)``, else neither field."""
    with path.open("w") as f:
        for i in range(25):
            record: dict[str, object] = {"event": "abc"[i % 3]}
            if with_user(i):
                record.update(user=f"u{i % 2}", ts=1.7e9 + i)
            f.write(json.dumps(record) + "\n")
    return path


def test_json_lines_table_whose_later_records_lack_a_field(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # JSON lines are read in batches of records, each with the fields its records have: a batch
    # past the records with a user or a time stopped the read with "no column 'user'"
    monkeypatch.setattr(table_reader, "_JSONL_CHUNK_ROWS", 10)
    path = events_jsonl(tmp_path / "events.jsonl", lambda i: i < 12)
    pre = EventSessions(session_column="user", key_column="event", time_column="ts")
    assert [s.tolist() for s in pre.fit_transform(str(path))] == [[1, 3, 2, 1, 3, 2], [2, 1, 3, 2, 1, 3]]
    sessions = pre.sessions(str(path))
    assert sessions.ids == ["u0", "u1"]
    assert sessions.stats["events_without_session"] == 13 and sessions.stats["events_without_time"] == 13
    windows = EventSessions(window=5, key_column="event", time_column="ts").fit(str(path))
    assert len(windows.sessions(str(path))) == 3  # the 12 timed events; the others left out
    with pytest.raises(InputError, match="no column 'host'"):  # a name the file lacks: still named
        EventSessions(session_column="host", key_column="event").fit(str(path))


def test_duration_and_period_time_columns_are_times(tmp_path: Path) -> None:
    # a Parquet duration (offsets from a capture's start) or a pandas period as time_column
    # stopped with "TypeError: Cannot subtract tz-naive and tz-aware datetime-like objects"
    offsets = pd.to_timedelta([1, 2, 90], unit="s")
    path = tmp_path / "events.parquet"
    pd.DataFrame({"e": [1, 2, 3], "t": offsets}).to_parquet(path)
    for data in (str(path), pd.DataFrame({"e": [1, 2, 3], "t": offsets})):
        pre = EventSessions(window=60, key_column="e", time_column="t")
        assert [s.tolist() for s in pre.fit_transform(data)] == [[1, 2], [3]]
    periods = pd.period_range("2024-01-01", periods=3, freq="min")
    pre = EventSessions(window=90, key_column="e", time_column="t")
    sessions = pre.fit(pd.DataFrame({"e": [1, 2, 3], "t": periods})).sessions(
        pd.DataFrame({"e": [1, 2, 3], "t": periods}))
    assert sessions.ids == ["2024-01-01T00:00:00", "2024-01-01T00:01:30"]


@pytest.mark.parametrize(("window", "step", "want_ids", "want"), [
    (0.1, None, ["50", "50.300000", "50.700000", "51.100000"], [[1], [2], [3], [4]]),
    (0.4, 0.2, ["50", "50.200000", "50.400000", "50.600000", "50.800000", "51"],
     [[1, 2], [2], [3], [3], [4], [4]]),
])
def test_sub_second_windows_of_epoch_times(window: float, step: float | None, want_ids: list[str],
                                           want: list[list[int]]) -> None:
    # an epoch time holds its fraction to 2.4e-7 s (1117838570.3 is ...70.29999995): the event
    # at .3 s went to the window of .2 s and the one at 1.1 s to that of 1.0 s, and the windows
    # were named with the float's error ('22:42:50.200000048')
    ev = pd.DataFrame({"key": [1, 2, 3, 4], "line": [1, 2, 3, 4],
                       "time": [1117838570.0, 1117838570.3, 1117838570.7, 1117838571.1]})
    ids, seqs, _, _ = group_events(ev, window=window, step=step)
    assert [s.tolist() for s in seqs] == want
    assert ids == [f"2005-06-03T22:42:{i}" for i in want_ids]


def test_table_chunk_whose_messages_are_all_empty() -> None:
    # a chunk of an event table with no message text (the last rows of a file, records without
    # the field) stopped with "ValueError: No objects to concatenate"
    df = pd.DataFrame({"u": ["a", "a", "b", "b"], "m": [None, "", "open 1", "close 2"],
                       "t": [1.7e9, 1.7e9 + 1, 1.7e9 + 2, 1.7e9 + 3]})
    pre = EventSessions(session_column="u", message_column="m", time_column="t")
    pre.chunk_lines = 2
    assert [s.tolist() for s in pre.fit_transform(df)] == [[1, 2]]
    sessions = pre.sessions(df.iloc[::-1])  # the empty messages in the last chunk
    assert sessions.ids == ["b"] and sessions.stats["events_without_key"] == 2
    with pytest.raises(InputError, match="holds no message text"):
        EventSessions(session_column="u", message_column="m").fit(df.iloc[:2])


def test_chunk_without_a_key_keeps_integer_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a batch of JSON lines without the key field (an object column of nothing) made the integer
    # keys of the whole model names, numbered 1, 2, 3 in text order
    monkeypatch.setattr(table_reader, "_JSONL_CHUNK_ROWS", 4)
    path = tmp_path / "events.jsonl"
    with path.open("w") as f:
        for i in range(12):
            record: dict[str, object] = {"u": "ab"[i % 2]}
            if i < 4 or i >= 8:
                record["e"] = 4624 + i % 3
            f.write(json.dumps(record) + "\n")
    pre = EventSessions(session_column="u", key_column="e")
    assert [s.tolist() for s in pre.fit_transform(str(path))] == [[4624, 4626, 4626, 4625],
                                                                  [4625, 4624, 4624, 4626]]
    assert pre.key_names_ is None and pre.templates() == {}


def test_table_day_month_order_kept_only_when_told() -> None:
    # a first chunk of 05/02/2024 rows (no day above 12) was guessed month first and that guess
    # kept for every later chunk and saved with the model: scoring read 05/02 as 2 May
    df = pd.DataFrame({"e": ["x", "y", "x", "y"],
                       "ts": ["05/02/2024 10:00", "05/02/2024 10:01",
                              "13/02/2024 10:00", "13/02/2024 10:01"]})
    pre = EventSessions(window=3600, key_column="e", time_column="ts")
    pre.chunk_lines = 2
    pre.fit(df)  # (its first chunk is read month first: nothing told otherwise yet)
    assert pre.dayfirst_ is True and pre.to_dict()["dayfirst"] is True
    assert pre.sessions(df).ids == ["2024-02-05T10:00:00", "2024-02-13T10:00:00"]
    iso = EventSessions(window=3600, key_column="e", time_column="ts")
    iso.chunk_lines = 2
    assert iso.fit(df.assign(ts=["2024-02-05 10:00"] * 4)).dayfirst_ is None


def test_one_text_given_for_lines_is_refused() -> None:
    # iterated, a path gave one line per character: 8 one-letter templates from 'hdfs.log', and
    # '12 3' read as three key sequences
    with pytest.raises(InputError, match=r"got one str \('hdfs.log'\)"):
        LogParser("raw").fit("hdfs.log")
    parser = LogParser("raw").fit(["open file 1", "close file 2"])
    with pytest.raises(InputError, match="expected lines of text"):
        parser.parse(Path("new.log"))
    with pytest.raises(InputError, match="expected lines of text"):
        read_key_sequences("12 3")
    assert [s.tolist() for s in read_key_sequences(["12 3"])[1]] == [[12, 3]]


@pytest.mark.parametrize("given", [[1700000000, None, None, 1700000100, None],
                                   ["1700000000", None, None, "1700000100", ""]])
def test_epoch_times_with_most_cells_empty(given: list[object]) -> None:
    # the share of numbers was taken over every row: with most cells empty, Python ints went to
    # the date reader (1700000000 as nanoseconds: the window of 1970-01-01) and text ones read
    # as no time at all
    df = pd.DataFrame({"e": ["x", "y", "x", "y", "x"], "ts": given}, dtype=object)
    pre = EventSessions(window=60, key_column="e", time_column="ts")
    sessions = pre.fit(df).sessions(df)
    assert sessions.ids == ["2023-11-14T22:13:00", "2023-11-14T22:15:00"]
    assert sessions.stats["events_without_time"] == 3
