"""Event tables, time windows and the log parser: orders, names and refusals kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hourglass.ingest.tables as table_reader
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions, group_events
from hourglass.ingest import logs
from hourglass.ingest.logs import LogParser
from tests.test_review15_sess import events_jsonl


def test_table_day_month_order_told_by_the_span_is_kept() -> None:
    # hourly rows of 1 and 2 February (no day above 12: a day read day first, a month the other
    # way) told day first by their span, but the order was not kept: scoring 03/02/2024 read it
    # as 2 March
    ts = pd.date_range("2024-02-01", periods=48, freq="h").strftime("%d/%m/%Y %H:%M")
    train = pd.DataFrame({"e": ["x", "y"] * 24, "ts": ts})
    pre = EventSessions(window=3600, key_column="e", time_column="ts").fit(train)
    assert pre.dayfirst_ is True and pre.to_dict()["dayfirst"] is True
    score = pd.DataFrame({"e": ["x", "y"], "ts": ["03/02/2024 10:00", "03/02/2024 10:30"]})
    assert pre.sessions(score).ids == ["2024-02-03T10:00:00"]
    guess = EventSessions(window=3600, key_column="e", time_column="ts")  # one date: a guess only
    assert guess.fit(train.assign(ts="05/02/2024 10:00")).dayfirst_ is None


def test_window_names_written_at_once_as_timestamps_write_them() -> None:
    # each window was named through a Timestamp rounded to the microsecond (seconds per 200k
    # windows); the names written at once are the same strings
    from hourglass.features.sessions.grouping import _window_ids

    rng = np.random.default_rng(7)
    for step in (1.0, 60.0, 3600.0, 0.2, 0.001):
        for t0 in (-86400.0 * 400, 0.0, 1117838570.0, 1.7e9, float(rng.integers(0, 9 * 10**9))):
            starts = t0 + np.sort(rng.integers(0, 10**6, 300)) * step
            want = [pd.Timestamp(round(t * 1e6), unit="us").isoformat() for t in starts]
            if step >= 1:  # whole seconds: as a Timestamp of the float start names them
                assert want == [pd.Timestamp(t, unit="s").isoformat() for t in starts]
            assert _window_ids(starts, True) == want
    assert _window_ids(np.array([1117838570.2000000477]), True) == ["2005-06-03T22:42:50.200000"]
    ev = pd.DataFrame({"key": [1, 2, 3], "line": [1, 2, 3], "time": [1.7e9, 1.7e9 + 61, 1.7e9 + 200]})
    ids, seqs, _, _ = group_events(ev, window=60)
    assert ids == ["2023-11-14T22:13:00", "2023-11-14T22:14:00", "2023-11-14T22:16:00"]
    assert [s.tolist() for s in seqs] == [[1], [2], [3]]


def test_json_lines_field_first_given_after_the_first_batch(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # a field the first batch's records lack (a user, a time only later records have) stopped
    # the read with "no column 'user'" (or "holds no readable time (e.g. 'nan')")
    monkeypatch.setattr(table_reader, "_JSONL_CHUNK_ROWS", 10)
    path = events_jsonl(tmp_path / "events.jsonl", lambda i: i >= 12)
    pre = EventSessions(session_column="user", key_column="event", time_column="ts")
    assert [s.tolist() for s in pre.fit_transform(str(path))] == [[1, 3, 2, 1, 3, 2, 1], [2, 1, 3, 2, 1, 3]]
    sessions = pre.sessions(str(path))
    assert sessions.stats["events_without_session"] == 12 and sessions.stats["events_without_time"] == 12
    windows = EventSessions(window=5, key_column="event", time_column="ts").fit(str(path))
    assert [s.tolist() for s in windows.transform(str(path))] == [[1, 2, 3], [1, 2, 3, 1, 2], [3, 1, 2, 3, 1]]
    for wrong in ({"session_column": "usr"}, {"session_column": "user", "time_column": "tss"},
                  {"window": 5, "time_column": "tss"}):  # a name no record has: named at the end
        with pytest.raises(InputError, match=r"no column '(usr|tss)'; columns are event, user, ts$"):
            EventSessions(key_column="event", **wrong).fit(str(path))
    csv = tmp_path / "events.csv"  # a CSV's header names every column: refused at once
    pd.DataFrame({"event": ["a", "b"], "user": ["u", "u"]}).to_csv(csv, index=False)
    with pytest.raises(InputError, match=r"no column 'usr'; columns are event, user$"):
        EventSessions(session_column="usr", key_column="event").fit(str(csv))


def test_one_text_for_lines_names_the_file_reader_fit_can_read_twice(tmp_path: Path) -> None:
    # the error named read_lines(path), a one-pass generator: fit keys its lines with the
    # templates learnt by the end of each chunk, not the final ones a re-readable file gets
    with pytest.raises(InputError, match=r"a file's lines are hourglass\.ingest\.logs\.file_lines\(path\)$"):
        LogParser("raw").fit("app.log")
    log = tmp_path / "app.log"
    log.write_text("open file 1\nclose file 2\n")
    parser = LogParser("raw").fit(logs.file_lines(log))
    assert "file_lines" in logs.__all__ and parser.parse(logs.file_lines(log))["key"].tolist() == [1, 2]


def test_one_text_for_lines_is_refused_before_the_parser_changes() -> None:
    # the refusal came once reading began: a fitted parser's templates were already replaced
    # ({} after fit('app.log')), and an unfitted one started Drain and then keyed lines as fitted
    parser = LogParser("raw").fit(["open file 1", "close file 2"])
    want = {1: "open file <NUM>", 2: "close file <NUM>"}
    name: Any = "app.log"
    path: Any = Path(name)
    calls = [lambda: parser.fit(name), lambda: list(parser.fit_chunks(name)),
             lambda: list(parser.learn_chunks(name.encode())), lambda: parser.learn_lines(path),
             lambda: list(parser.key_chunks(name)), lambda: list(parser.parse_chunks(name)),
             lambda: parser.parse_fields(name)]
    for call in calls:
        with pytest.raises(InputError, match="expected lines of text"):
            call()
        assert parser.templates() == want and parser.stats_.lines == 2
    assert parser.parse(["close file 9"])["key"].tolist() == [2]
    fresh = LogParser("raw")
    with pytest.raises(InputError, match="expected lines of text"):
        fresh.learn_lines("x")
    with pytest.raises(InputError, match="LogParser is not fitted"):
        fresh.parse(["open file 1"])


@pytest.mark.parametrize(("given", "want_ids"), [
    (["2024-02-05 10:00", "0", None, None, "2024-02-05 10:01", "0"],
     ["2024-02-05T10:00:00", "2024-02-05T10:01:00"]),
    (["1700000000", "bad", "1700000060", "bad"], ["2023-11-14T22:13:00", "2023-11-14T22:14:00"]),
])
def test_time_column_half_numbers_among_its_given_values(given: list[object], want_ids: list[str]) -> None:
    # half of the given values numbers: a "0" placeholder beside each date made the column
    # epoch times (every window 1970-01-01); an unreadable value beside each epoch time stays
    # numbers (the dates reader read none)
    df = pd.DataFrame({"e": ["x", "y"] * (len(given) // 2), "ts": given}, dtype=object)
    sessions = EventSessions(window=60, key_column="e", time_column="ts").fit(df).sessions(df)
    assert sessions.ids == want_ids
