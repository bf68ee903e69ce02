"""``hourglass stream``: what a stream that stops early still scores and writes."""

from __future__ import annotations

import gzip
import io
import json

import pytest
import typer

from hourglass.cli import stream as stream_module
from hourglass.cli import stream_logs
from hourglass.detectors.deeplog import DeepLog
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline
from hourglass.serve.log_stream import LogStreamScorer
from hourglass.serve.sinks import JsonLinesSink


def fit_block_model() -> Pipeline:
    """A DeepLog model of a raw log whose sessions are block ids (open, read, close each)."""
    log = [f"{op} blk_{b}" for b in range(40) for op in ("open", "read", "close")]
    return Pipeline(detector=DeepLog(window=2, top_g=1, hidden=16, layers=1, epochs=40, lr=0.03,
                                     verbose=0, random_state=0),
                    features=EventSessions(format="raw", session_regex=r"blk_\d+")).fit(log)


@pytest.fixture(scope="module")
def block_model() -> Pipeline:
    return fit_block_model()


def test_a_log_stream_cut_by_a_read_error_still_closes_its_open_sessions(
        block_model: Pipeline) -> None:
    # a truncated .gz (or an I/O error) stopped the stream with every session read so far still
    # open: their ends were never checked (whole-session models: never scored), no alert at all
    # for lines that were read; they close as at a line that stops the stream
    data = gzip.compress(b"open blk_900\nread blk_900\nclose blk_900\nopen blk_901\n")[:-6]
    out = io.BytesIO()
    scorer = LogStreamScorer(block_model)
    with pytest.raises(typer.Exit) as stop:
        stream_logs.run(scorer, stream_module._gunzip_if_gzip(io.BytesIO(data).read, "<stdin>"),
                        JsonLinesSink(out), where="<stdin>", batch=10, max_delay=0.05,
                        on_bad_rows="skip", output=None)
    assert stop.value.exit_code == 2
    alerts = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(a["session"], a["key"], a["closed"]) for a in alerts] == [("blk_901", "<end>", "end")]
    assert scorer.counts()["live"] == 0


def test_audit_events_open_at_a_read_error_are_completed_before_it_is_raised() -> None:
    # the records of an audit event read before a truncated .gz (an I/O error) were dropped:
    # only Ctrl-C and SIGTERM completed the events still open; a read error does so too
    from hourglass.errors import HourglassError

    data = gzip.compress(b"record 1\nrecord 2\n")[:-6]
    batches = stream_module.LineBatcher(stream_module._gunzip_if_gzip(io.BytesIO(data).read, "x"),
                                        size=10, max_delay=0.05)
    seen = []
    with pytest.raises(HourglassError, match="cannot read the gzip stream"):
        for batch in stream_module._ended(batches, events=object()):
            seen.append([line for _, line in batch])
    assert seen == [[b"record 1", b"record 2"], [stream_module._INPUT_END]]


def test_utf16_on_standard_input_is_decoded_as_an_input_file_is() -> None:
    # 'stream < rows.jsonl' of a UTF-16 file (Windows tools) read its first line by json's own
    # guess and stopped at line 2 ("'utf-16-be' codec can't decode byte 0x00"); a log model's
    # lines were NUL-riddled text; it is decoded, as --input FILE decodes it
    text = '{"user": "zoë", "n": 1}\n{"user": "ann", "n": 2}\n\n{"user": "bo", "n": 3}\n'
    for encoding, packed in (("utf-16", False), ("utf-16-be", False), ("utf-16", True)):
        data = text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode(encoding)
        data = gzip.compress(data) if packed else data
        read = stream_module._gunzip_if_gzip(io.BytesIO(data).read, "<stdin>")
        lines = [pair for batch in stream_module.LineBatcher(read, size=10, max_delay=0.05)
                 for pair in batch]
        rows, numbers, problem = stream_module._parse(lines, "<stdin>", "error", [])
        assert problem is None
        assert rows == [{"user": "zoë", "n": 1}, {"user": "ann", "n": 2}, {"user": "bo", "n": 3}]
        assert numbers == [1, 2, 4]


def test_the_drift_check_of_a_log_stream_sees_every_part_of_a_split_session() -> None:
    # a session longer than max_events is scored in parts; each part closed was one flag the
    # drift check never got (closed sessions were counted as sessions - live, not the parts)
    from hourglass.detectors.sequence_ae import EventCountAutoEncoder

    log = [f"{op} blk_{b}" for b in range(30) for op in ("open", "read", "close")]
    pipe = Pipeline(detector=EventCountAutoEncoder(hidden=[4], epochs=1, verbose=0, random_state=0),
                    features=EventSessions(format="raw", session_regex=r"blk_\d+")).fit(log)
    scorer = LogStreamScorer(pipe, max_events=2)

    class Drift:
        monitor = object()

        def __init__(self) -> None:
            self.flags: list[int] = []

        def update(self, flags: object) -> None:
            self.flags.extend(int(f) for f in flags)  # type: ignore[attr-defined]

        def summary(self) -> None:
            pass

    drift = Drift()
    data = b"open blk_1\nread blk_1\nclose blk_1\nopen blk_2\nread blk_2\nclose blk_2\n"
    stream_logs.run(scorer, io.BytesIO(data).read, JsonLinesSink(io.BytesIO()), where="<stdin>",
                    batch=10, max_delay=0.05, on_bad_rows="skip", output=None, drift=drift)
    counts = scorer.counts()
    assert (counts["sessions"], counts["split"]) == (2, 2)
    assert len(drift.flags) == 4  # blk_1 and blk_2, each in two parts
