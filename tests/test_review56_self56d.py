"""Review round 56 (self56d): the round's last commits, reviewed as a pull request."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.detectors.deeplog import DeepLog
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline


@pytest.fixture(scope="module")
def key_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    train = ["1 2 3 4 5 1 2 3"] * 30
    dl = DeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=1, verbose=0)
    pipe = Pipeline(detector=dl, features=EventSessions(format="keys")).fit(train)
    path = tmp_path_factory.mktemp("s56d") / "K"
    pipe.save(path)
    return path


def test_a_key_file_mostly_of_unseen_keys_warns_too(key_model: Path, tmp_path: Path) -> None:
    # What was wrong: the unknown-share warning (301a6973) divided by the parse count 'parsed',
    # which a key file's sessions never have: a key-file model scored on keys of another system
    # (11 of 20 events unseen, every session flagged) said only the count, never the warning.
    # Where the model counts unseen keys over the sessions' events (a key file, integer keys),
    # the share is now of those events.
    other = tmp_path / "other.txt"
    other.write_text("1 2 3 4 5 1 2 3\n1 9 9 9 9 9 9 9 9 9 9 9\n")
    r = CliRunner().invoke(app, ["score", str(key_model), str(other), "-o", str(tmp_path / "a.csv")])
    assert r.exit_code == 0, r.output
    assert "11 of 20 events (55%) had a key unseen in training" in r.stderr
    assert "another system, or in another format" in r.stderr
    r = CliRunner().invoke(app, ["evaluate", str(key_model), str(other), "--all-sessions", "anomaly"])
    assert "11 of 20 events (55%) had a key unseen in training" in r.stderr, r.output
    # exactly half unseen: no warning (more than half warns)
    half = tmp_path / "half.txt"
    half.write_text("1 2 9 9\n")
    r = CliRunner().invoke(app, ["score", str(key_model), str(half), "-o", str(tmp_path / "b.csv")])
    assert r.exit_code == 0, r.output
    assert "2 events had a key never seen in training" in r.stderr
    assert "another system" not in r.stderr
