"""Review 7 (log sessions): key-sequence lines, time windows, live sessions, event tables."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from hourglass.detectors.deeplog import DeepLog
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions, group_events, read_key_sequences
from hourglass.pipeline import Pipeline
from hourglass.serve.log_stream import LogStreamScorer
from tests.test_logs import hdfs_log


@pytest.fixture(scope="module")
def keys_pipe() -> Pipeline:
    return Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0),
                    features=EventSessions(format="keys")).fit(["1 2 3"] * 20)


def test_key_lines_read_alike_in_batch_and_stream(keys_pipe: Pipeline) -> None:
    odd = ["5_0 1", "+5 3", "\u00b2 3", "\u0663 4", "99999999999999999999 1"]
    _, seqs, counts = read_key_sequences([*odd, "1 2"])
    # int() alone read '5_0' as key 50, '+5' as 5 and an Arabic-Indic digit as 3
    assert [s.tolist() for s in seqs] == [[1, 2]] and counts["unmatched"] == len(odd)
    scorer = LogStreamScorer(keys_pipe)
    for text in odd:  # each one stops a stream with --on-bad-rows error
        bad = scorer.first_bad_line([(1, "1 2"), (2, ""), (3, text)])
        assert bad is not None and bad[0] == 2, text
    assert scorer.first_bad_line([(1, " 7 8 "), (2, "")]) is None


@pytest.mark.parametrize(("window", "step", "want"), [
    (0.1, None, [[1], [2], [3], [4]]),                   # 0.3 went to the window of 0.2
    (0.3, 0.1, [[1, 2, 3], [2, 3, 4], [3, 4], [4]]),    # the window of 0.3 was lost
])
def test_time_windows_hold_the_events_at_their_start(window, step, want) -> None:  # type: ignore[no-untyped-def]
    ev = pd.DataFrame({"key": [1, 2, 3, 4], "line": [1, 2, 3, 4], "content": list("abcd"),
                       "time": [0.0, 0.1, 0.2, 0.3]})
    ids, seqs, _, _ = group_events(ev, window=window, step=step)
    assert [s.tolist() for s in seqs] == want
    assert ids[-1] == "1970-01-01T00:00:00.300000"


def test_blank_key_cell_is_empty_in_every_table_format(tmp_path) -> None:  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"user": ["a", "a", "b", "b", "a"], "event": ["login", "", "login", " ", "exit"]})
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_json(tmp_path / "t.jsonl", orient="records", lines=True)
    for name in ("t.csv", "t.jsonl"):  # JSON kept '' (and ' ') as a key named so; CSV read none
        pre = EventSessions(session_column="user", key_column="event").fit(tmp_path / name)
        s = pre.sessions(tmp_path / name)
        assert pre.templates() == {1: "exit", 2: "login"}, name
        assert [q.tolist() for q in s.sequences] == [[2, 1], [2]] and s.stats["events_without_key"] == 2


def test_stream_of_a_strict_model_follows_its_own_bad_line_rule() -> None:
    lines = hdfs_log(12)
    pipe = Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0),
                    features=EventSessions(format="hdfs", session_regex=r"blk_-?\d+", strict=True)).fit(lines)
    scorer = LogStreamScorer(pipe)
    batch = [(21, lines[0]), (22, "garbage line"), (23, lines[1])]
    bad = scorer.first_bad_line(batch)  # --on-bad-rows error: stops here, naming line 22
    assert bad is not None and bad[0] == 1 and bad[1].startswith("line 22:")
    scorer.feed(batch)  # skip: counted (the parser raised 'line 2: ...', sessions left unchecked)
    assert scorer.counts()["unmatched"] == 1 and scorer.counts()["events"] == 2
    assert pipe.features_.parser_.strict  # the caller's pipeline is left as it was


@pytest.mark.parametrize("column", [{"message_column": "msg"}, {"key_column": "ev"}])
def test_table_with_a_session_regex_is_one_clear_error(column) -> None:  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"msg": ["login u1", "read u1", "login u2"], "ev": ["a", "b", "a"]})
    with pytest.raises(InputError, match="session_regex: an event table groups by session_column"):
        EventSessions(session_regex=r"u\d+", **column).fit(df)  # was KeyError: 'content'


def test_key_stream_names_a_bad_line_by_its_place_in_the_stream(keys_pipe: Pipeline, caplog) -> None:  # type: ignore[no-untyped-def]
    scorer = LogStreamScorer(keys_pipe)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        scorer.feed([(21, "1 2 3"), (22, ""), (23, "1 x"), (24, "9 9")])
    assert "(first: line 23)" in caplog.text  # was 'line 3', its place in the micro-batch
    sessions, _, nums, _ = scorer._key_events(["1 2 3", "", "1 x", "9 9"], 21)
    assert sessions == ["21"] * 3 + ["24"] * 2 and nums == [21] * 3 + [24] * 2
    ids, _, counts = read_key_sequences(["1 2", "", "x"], first_line=21)
    assert ids == ["21"] and counts["first_unmatched"] == 23


def test_key_column_beyond_int64_is_named_not_a_crash() -> None:
    df = pd.DataFrame({"user": ["a", "a", "b", "b"], "ev": [1.0, 2.0, float("inf"), 3.0]})
    pre = EventSessions(session_column="user", key_column="ev").fit(df)  # was OverflowError
    assert pre.key_names_ == ["1", "2", "3", "inf"]  # whole floats named as integers
    big = pd.DataFrame({"user": ["a", "a", "b"], "ev": [1, 2, 2**63 - 1]})
    pre = EventSessions(session_column="user", key_column="ev").fit(big)  # int(float(n)) was 2**63
    assert [q.tolist() for q in pre.sessions(big).sequences] == [[1, 2], [2**63 - 1]]
    with pytest.raises(InputError, match="trained on integer keys, found 'inf'"):
        pre.sessions(pd.DataFrame({"user": ["a", "a"], "ev": [1.0, float("inf")]}))
