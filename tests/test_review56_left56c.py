"""Review round 56 (left56c): small log items left by the log reviewers."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.detectors.deeplog import DeepLog
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline

REGEX = r"blk_\d+"


def _block(b: int) -> list[str]:
    return [f"receiving blk_{b} from 10.0.0.{b % 9}", f"received blk_{b} bytes {b}", f"close blk_{b}"]


@pytest.fixture(scope="module")
def block_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    train = [line for b in range(30) for line in _block(b)]
    dl = DeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=2, verbose=0)
    pipe = Pipeline(detector=dl, features=EventSessions(format="raw", session_regex=REGEX)).fit(train)
    path = tmp_path_factory.mktemp("l56c") / "M"
    pipe.save(path)
    return path


def test_scoring_a_log_of_another_system_warns_of_the_unknown_template_share(
        block_model: Path, tmp_path: Path) -> None:
    # What was wrong: a log model scored on another system's log (every line an unknown
    # template) said only the counts ('4 lines, 4 had a template unseen in training') and flagged
    # every session; no hint that the log was the wrong one. Past half of the parsed lines, a
    # one-line warning now names the share and the likely cause (score and evaluate alike).
    other = tmp_path / "other.log"
    other.write_text("sshd blk_1 accepted password for root\nsshd blk_1 session opened\n"
                     "sshd blk_2 accepted password for bob\nsshd blk_2 session closed\n")
    runner = CliRunner()
    r = runner.invoke(app, ["score", str(block_model), str(other), "-o", str(tmp_path / "a.csv")])
    assert r.exit_code == 0, r.output
    assert "4 of 4 parsed lines (100%) had a template unseen in training" in r.stderr
    assert "another system, or in another format" in r.stderr
    r = runner.invoke(app, ["evaluate", str(block_model), str(other), "--all-sessions", "anomaly"])
    assert "4 of 4 parsed lines (100%) had a template unseen in training" in r.stderr, r.output
    # the model's own kind of log: no such warning (one unknown line of seven is no sign)
    own = tmp_path / "own.log"
    own.write_text("\n".join([*_block(100), *_block(101), "mystery blk_101 event"]) + "\n")
    r = runner.invoke(app, ["score", str(block_model), str(own), "-o", str(tmp_path / "b.csv")])
    assert r.exit_code == 0, r.output
    assert "1 had a template unseen in training" in r.stderr
    assert "another system" not in r.stderr


def test_empty_time_windows_are_not_said_to_be_skipped_sessions(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a time-window model's summary said '5,994 empty sessions skipped' (Linux's
    # Loghub log at --window 600), under an info line '5,994 empty window(s) skipped': read as
    # data left out, when they are stretches of time without a line (no line lost). A window
    # model now says 'N time windows had no line (no session)'; a key file's or an id rule's
    # empty sessions (blank lines) keep their words.
    import logging

    import pandas as pd

    from hourglass.cli.logs import _summary_line
    from hourglass.features.sessions.grouping import group_events

    stats = {"lines": 2000, "unmatched": 1, "empty_sessions_skipped": 5994}
    said = _summary_line(stats, EventSessions(format="syslog", window=600))
    assert said == "2,000 lines, 1 matched no header format, 5,994 time windows had no line (no session)"
    assert _summary_line({"lines": 3, "empty_sessions_skipped": 1}, EventSessions(format="keys")) == (
        "3 lines, 1 empty session skipped")
    ev = pd.DataFrame({"key": [1, 2], "line": [1, 2], "content": ["a", "b"], "time": [0.0, 180.0]})
    with caplog.at_level(logging.INFO, logger="hourglass"):
        group_events(ev, window=60.0)
    assert "2 time window(s) had no line (no session)" in caplog.text
    assert "skipped" not in caplog.text
