"""``hourglass stream``: edge cases of its input, options and output."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import typer

from hourglass.cli import stream as stream_module
from hourglass.cli import stream_logs
from hourglass.detectors.deeplog import DeepLog
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline
from hourglass.serve.log_stream import LogStreamScorer
from hourglass.serve.sinks import JsonLinesSink, SQLiteSink, alert_columns


@pytest.fixture(scope="module")
def keys_model() -> Pipeline:
    return Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0, random_state=0),
                    features=EventSessions(format="keys")).fit(["1 2 3"] * 20)


@pytest.mark.parametrize("mode", ["skip", "error"])
def test_a_log_line_longer_than_the_limit_is_a_bad_line_not_its_first_bytes(
        keys_model: Pipeline, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    # its first bytes were parsed as a whole line: a truncated session of 32 keys scored
    monkeypatch.setattr(stream_module, "MAX_LINE_BYTES", 64)
    scorer = LogStreamScorer(keys_model)
    data = b"1 2 3\n" + b"1 2 " * 40 + b"\n1 2 3\n"
    run = lambda: stream_logs.run(scorer, io.BytesIO(data).read,  # noqa: E731
                                  JsonLinesSink(io.BytesIO()), where="<stdin>", batch=10,
                                  max_delay=0.05, on_bad_rows=mode, output=None)
    if mode == "skip":
        run()
        counts = scorer.counts()
        assert (counts["parsed"], counts["unmatched"], counts["events"]) == (2, 1, 6)
    else:
        with pytest.raises(typer.Exit) as stop:
            run()
        assert stop.value.exit_code == 2
        assert scorer.counts()["events"] == 3  # the line before it only


def test_a_sqlite_output_refused_for_its_columns_leaves_no_new_file(tmp_path: Path) -> None:
    # stream -o new.sqlite --keep Score: refused ('score' is one name to SQLite), yet an empty
    # database in write-ahead-log mode was left behind
    out = tmp_path / "new.sqlite"
    with pytest.raises(InputError, match="one name to SQLite"):
        SQLiteSink(out, alert_columns("table", keep=["Score"]))
    assert list(tmp_path.iterdir()) == []
    # a database that was there stays, whatever is refused
    SQLiteSink(out, alert_columns("table")).close()
    with pytest.raises(InputError, match="one name to SQLite"):
        SQLiteSink(out, alert_columns("table", keep=["Score"]))
    assert out.is_file()


def test_a_log_models_idle_timeout_of_0_is_named_as_the_option(keys_model: Pipeline) -> None:
    # the line was "MODEL: idle_timeout must be > 0 seconds, got 0.0": the model blamed
    from hourglass.errors import HourglassError

    with pytest.raises(HourglassError,
                       match=r"^--idle-timeout: must be a finite number of seconds > 0, got 0$"):
        stream_logs.open_log_scorer(keys_model, Path("m"), explain=None, keep=None, adapt=False,
                                    all_rows=False, max_sessions=10, idle_timeout=0.0)
