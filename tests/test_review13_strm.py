"""Streaming of metric series and raw logs: edge cases of valid and malformed input."""

from __future__ import annotations

import io
import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import LSTMAutoEncoder
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.serve.series_stream import SeriesStreamScorer


@pytest.fixture(scope="module")
def series_pipe() -> Pipeline:
    t = pd.date_range("2024-01-01", periods=60, freq="1min")
    df = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(60) / 4),
                       "mem": np.cos(np.arange(60) / 5)})
    return Pipeline(LSTMAutoEncoder(window=4, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor("ts")).fit(df)


def test_series_stream_huge_integer_is_a_bad_line(series_pipe: Pipeline) -> None:
    # a JSON integer of 400 digits in a channel or the timestamp (no float holds it) stopped the
    # stream with an OverflowError traceback; it is a bad line, named
    stream = SeriesStreamScorer.from_pipeline(series_pipe)
    big = 10 ** 400
    rows = [(1, {"ts": "2024-01-01 00:00:00", "cpu": big, "mem": 0.5}),
            (2, {"ts": big, "cpu": 0.1, "mem": 0.5}),
            (3, {"ts": "2024-01-01 00:01:00", "cpu": 0.1, "mem": 0.5})]
    _, bad = stream.feed(rows)
    assert [line for line, _ in bad] == [1, 2]
    assert "channel 'cpu': expected a finite number, got an integer of 401 digits" in bad[0][1]
    assert "timestamp 'ts': not a time (an integer of 401 digits)" in bad[1][1]
    assert stream.counts()["steps"] == 1
    _, bad = stream.feed([(4, {"ts": big, "cpu": 0.1, "mem": 0.5})])  # alone in its batch
    assert bad == [(4, "timestamp 'ts': not a time (an integer of 401 digits)")]


def test_series_service_huge_integer_is_an_input_error(series_pipe: Pipeline) -> None:
    # the service's series scorer let a 400-digit JSON integer reach pandas' conversion: an
    # OverflowError, answered as a 500; it is the infinite value its text reads as in a file
    from hourglass.errors import InputError
    from hourglass.serve.series_scoring import SeriesScorer

    scorer = SeriesScorer.from_pipeline(series_pipe)
    t = pd.date_range("2024-01-01", periods=6, freq="1min").astype(str)
    rows = [{"ts": s, "cpu": 0.1, "mem": 0.2} for s in t]
    rows[3]["cpu"] = -10 ** 400
    with pytest.raises(InputError, match=r"column 'cpu': infinite value at row 4"):
        scorer.score(rows)
    rows[3]["cpu"] = 0.1
    for i, r in enumerate(rows):
        r["ts"] = 1_704_067_200 + 60 * i
    rows[3]["ts"] = 10 ** 400
    with pytest.raises(InputError, match=r"column 'ts': row 4 is not a timestamp"):
        scorer.score(rows)
    rows[3]["ts"] = 1_704_067_200 + 180
    assert len(scorer.score(rows)["scores"]) == 6


def test_series_stream_a_bad_line_does_not_set_the_utc_offset_rule(series_pipe: Pipeline) -> None:
    # the first line's time (with a UTC offset) fixed the rule for the whole stream although the
    # line was bad (a null channel) and skipped: every later step without an offset was refused,
    # 'earlier steps have one' when no step had been taken
    stream = SeriesStreamScorer.from_pipeline(series_pipe)
    first = (1, {"ts": "2024-01-01T00:00:00+02:00", "cpu": None, "mem": 0.5})
    rows = [(i + 2, {"ts": f"2024-01-01 00:0{i + 1}:00", "cpu": 0.1, "mem": 0.5}) for i in range(5)]
    _, bad = stream.feed([first, *rows])
    assert [line for line, _ in bad] == [1]
    assert stream.counts()["steps"] == 5
    _, bad = stream.feed([(7, {"ts": "2024-01-01T00:07:00+00:00", "cpu": 0.1, "mem": 0.5})])
    assert bad and "has a UTC offset but earlier steps none" in bad[0][1]  # taken steps decide
    stream = SeriesStreamScorer.from_pipeline(series_pipe)  # the same, first line in its own batch
    stream.feed([first])
    _, bad = stream.feed(rows)
    assert bad == [] and stream.counts()["steps"] == 5


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_that_comes_with_the_end_of_input_still_ends_the_stream_by_it(
        monkeypatch: pytest.MonkeyPatch, signum: int, code: int) -> None:
    # SIGTERM (systemctl stop: the producer ends too) noted after the batcher's last wait, as the
    # input ended or while the last batch was scored, was dropped when the block ended: exit 0,
    # not the 143 (130 for Ctrl-C) the stream promises
    import typer

    import hourglass.cli.stream as stream

    monkeypatch.setattr(stream, "end_by_sigterm", lambda *_: None)  # (else the test process ends)
    summaries: list[int] = []
    sink = io.StringIO()
    with pytest.raises(typer.Exit) as info:
        with stream.stream_guard(sink, None, lambda: summaries.append(1), lambda: True):
            signal.raise_signal(signum)  # noted by the stream's handler, not raised
            time.sleep(0.05)
    assert info.value.exit_code == code
    assert summaries == [1]
    with stream.stream_guard(sink, None, lambda: summaries.append(2), lambda: True):
        pass  # the next stream in the process does not inherit it
    assert summaries == [1, 2]


def test_key_sequence_lines_of_a_batch_beyond_max_sessions_end_not_evicted() -> None:
    # every key-sequence line is a whole session, closed with its batch; a batch of more lines
    # than --max-sessions had its first ones 'evicted' (counted in the summary, their end-of-
    # session alerts marked "closed": "evicted") although each had ended
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.serve.log_stream import LogStreamScorer

    pipe = Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0),
                    features=EventSessions(format="keys")).fit(["1 2 3"] * 10)
    lines = [(i + 1, "1 2") for i in range(4)]
    wide = LogStreamScorer(pipe).feed(lines)
    narrow_scorer = LogStreamScorer(pipe, max_sessions=1)
    narrow = narrow_scorer.feed(lines)
    assert narrow == wide
    assert {a.get("closed") for a in narrow if a["key"] == "<end>"} <= {"end"}
    counts = narrow_scorer.counts()
    assert counts["evicted"] == 0 and counts["sessions"] == 4 and counts["live"] == 0


def test_log_service_key_sequences_refuse_what_is_no_key() -> None:
    # LogScorer cast each session to int64 first: 2.5 became key 2 unsaid, a 30-digit key was an
    # OverflowError, and a negative key was named by the detector as 'session 0' (ids from 1)
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.errors import InputError
    from hourglass.features.sessions import EventSessions
    from hourglass.serve.log_scoring import LogScorer

    pipe = Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0),
                    features=EventSessions(format="keys")).fit(["1 2 3"] * 10)
    scorer = LogScorer.from_pipeline(pipe)
    for sessions, shown in (([[1, 2, 3], [1, 2.5]], "session 2: .*found '2.5'"),
                            ([[1, 10 ** 30]], "session 1: .*found '1000000000000"),
                            ([[1, -5, 3]], "session 1: .*found '-5'")):
        with pytest.raises(InputError, match=shown):
            scorer.score(sessions)
    whole = scorer.score([[1, 2.0, 3]])["sessions"][0]["score"]  # a whole float is that key
    assert whole == scorer.score([[1, 2, 3]])["sessions"][0]["score"]
    # keys just below 2**63 (float64 rounds them to 2**63) and unsigned arrays are keys
    for keys in ([1, 2, 2**63 - 1], [1, 2, 2**63 - 512], np.array([1, 2, 3], dtype=np.uint64)):
        assert len(scorer.score([keys])["sessions"]) == 1
    with pytest.raises(InputError, match=r"session 1: .*found '9223372036854775808'"):
        scorer.score([[1, 2**63]])


def test_series_stream_reads_numbers_in_text_as_score_does(series_pipe: Pipeline) -> None:
    # a channel sent as '1_000' or '１２' (full-width digits) was read by Python's float() as a
    # number and scored, where 'score' and the service refuse the same row ('expected numbers')
    stream = SeriesStreamScorer.from_pipeline(series_pipe)
    rows = [(i + 1, {"ts": f"2024-01-01 00:0{i}:00", "cpu": v, "mem": 0.5})
            for i, v in enumerate(["1_000", "１２", " 0.5 ", "1e-3"])]
    _, bad = stream.feed(rows)
    assert [line for line, _ in bad] == [1, 2]
    assert "channel 'cpu': expected a number, got '1_000'" in bad[0][1]
    assert stream.counts()["steps"] == 2
