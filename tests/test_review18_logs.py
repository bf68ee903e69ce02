"""Logs: raw log files, their sessions and the log models, from the command line and in Python."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LogParser, file_lines
from tests._cli import one_line_error

pytest.importorskip("drain3")

HDFS = "081110 {t:06d} 100 INFO dfs.DataNode: {msg}"


def hdfs_lines(blocks: int, start: int = 0) -> list[str]:
    ops = ("Receiving block blk_{b} src: /10.0.0.{n}:50010",
           "PacketResponder {n} for block blk_{b} terminating", "Verification succeeded for blk_{b}")
    return [HDFS.format(t=100000 + 3 * b + i, msg=op.format(b=b, n=b % 7))
            for b in range(start, start + blocks) for i, op in enumerate(ops)]


@pytest.fixture(scope="module")
def log_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hourglass.cli.app import app
    from tests._cli import runner

    folder = tmp_path_factory.mktemp("logs18")
    data = folder / "train.log"
    data.write_text("\n".join(hdfs_lines(60)) + "\n")
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                              "--model", "deeplog", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    return model


# -- a bad line of a log file is named with its file ------------------------------------------
def test_strict_error_names_the_file_and_its_line(tmp_path: Path, log_model: Path) -> None:
    data = tmp_path / "new.log"
    data.write_text("\n".join([*hdfs_lines(2), "not an hdfs line", *hdfs_lines(1, 5)]) + "\n")
    one_line_error(["score", str(log_model), str(data), "-o", str(tmp_path / "a.jsonl"), "--strict"],
                   f"{data}: line 7: does not match the 'hdfs' header format", tmp_path / "a.jsonl")
    one_line_error(["train", str(data), "--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model",
                    "deeplog", "--strict", "-o", str(tmp_path / "m")],
                   f"{data}: line 7: does not match the 'hdfs' header format", tmp_path / "m")


def test_a_folder_s_bad_line_is_named_in_its_own_file(tmp_path: Path, log_model: Path) -> None:
    """A folder is read as one copy of its files: its line 7 is line 1 of the second file."""
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.log").write_text("\n".join(hdfs_lines(2)) + "\n")
    with gzip.open(folder / "b.log.gz", "wt") as fh:
        fh.write("not an hdfs line\n" + "\n".join(hdfs_lines(1, 5)) + "\n")
    one_line_error(["score", str(log_model), str(folder), "-o", str(tmp_path / "a.jsonl"), "--strict"],
                   "b.log.gz: line 1: does not match the 'hdfs' header format", tmp_path / "a.jsonl")


def test_training_errors_name_the_log_file(tmp_path: Path) -> None:
    args = ["--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model", "deeplog", "-o",
            str(tmp_path / "m")]
    empty, blank, other = tmp_path / "empty.log", tmp_path / "blank.log", tmp_path / "other.log"
    empty.write_text("")
    blank.write_text("\n \n")
    other.write_text("Jun 14 15:16:01 combo sshd[1]: hello\n")
    one_line_error(["train", str(empty), *args], f"{empty}: the log is empty", tmp_path / "m")
    one_line_error(["train", str(blank), *args], f"{blank}: the log is empty: its 2 line(s)", tmp_path / "m")
    one_line_error(["train", str(other), *args],
                   f"{other}: no log line matched the header format 'hdfs'", tmp_path / "m")
    good = tmp_path / "good.log"
    good.write_text("\n".join(hdfs_lines(10)) + "\n")
    with pytest.raises(InputError, match=f"^{good}: no sessions found in the training log"):
        EventSessions(format="hdfs", session_regex="zzz").fit_transform(str(good))


def test_skipped_lines_warning_names_the_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "x.log"
    data.write_text("\n".join([*hdfs_lines(2), "garbage", *hdfs_lines(1, 4)]) + "\n")
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        LogParser("hdfs").fit(file_lines(data))
    assert f"1 of 10 lines matched no 'hdfs' header (first: {data}: line 7); skipped" in caplog.text
    with caplog.at_level(logging.WARNING, logger="hourglass"):  # lines in memory: no file to name
        LogParser("hdfs").fit([*hdfs_lines(2), "garbage"])
    assert "(first: line 7); skipped" in caplog.text
    with pytest.raises(InputError, match=r"^line 7: does not match"):
        EventSessions(format="hdfs", session_regex=r"blk_\d+", strict=True).fit([*hdfs_lines(2), "garbage"])


# -- keys a model never saw are counted for key files and integer keys too -----------------------
@pytest.fixture(scope="module")
def key_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hourglass.cli.app import app
    from tests._cli import runner

    folder = tmp_path_factory.mktemp("keys18")
    (folder / "train.txt").write_text("1 2 3 4 5\n" * 40)
    res = runner.invoke(app, ["train", str(folder / "train.txt"), "--format", "keys", "--model", "deeplog",
                              "--epochs", "1", "-o", str(folder / "m")])
    assert res.exit_code == 0, res.output
    return folder / "m"


def test_unseen_keys_are_counted_by_score_as_by_stream_and_service(tmp_path: Path, key_model: Path) -> None:
    from hourglass.cli.app import app
    from hourglass.serve.log_scoring import LogScorer
    from tests._cli import runner

    data = tmp_path / "new.txt"
    data.write_text("1 2 3\n1 99 3\n7 7\n")  # three events of keys never seen
    res = runner.invoke(app, ["score", str(key_model), str(data), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    # (events, not keys: 99 and 7 are two keys; "3 keys were never seen" read as three keys)
    assert "3 lines, 3 events had a key never seen in training; scored 3 sessions" in res.stderr
    res = runner.invoke(app, ["stream", str(key_model)], input=data.read_text())
    assert "3 events with a key never seen in training" in res.stderr, res.output
    result = LogScorer(key_model).score([[1, 2, 3], [1, 99, 3], [7, 7]])
    assert result["unknown_templates"] == 3 and result["parse"]["unknown_template"] == 3


def test_unseen_integer_keys_of_a_table_are_counted(tmp_path: Path) -> None:
    import pandas as pd

    from hourglass.cli.logs import _read_sessions
    from hourglass.detectors import DeepLog
    from hourglass.pipeline import Pipeline

    df = pd.DataFrame({"user": [f"u{i // 2}" for i in range(40)], "ev": [1, 2] * 20})
    pipe = Pipeline(DeepLog(window=2, top_g=1, hidden=8, epochs=1, verbose=0),
                    features=EventSessions(session_column="user", key_column="ev")).fit(df)
    new = tmp_path / "new.csv"
    pd.DataFrame({"user": ["a", "a", "b"], "ev": [1, 88, 1]}).to_csv(new, index=False)
    sessions = _read_sessions(pipe.features_, new, strict=False, detector=pipe.detector_)
    assert sessions.stats["unknown_template"] == 1  # key 88, never seen (was 0: not counted)


# -- a log without one session: the error is the one line said -----------------------------------
def test_no_session_is_one_line_not_warnings_first(tmp_path: Path, log_model: Path) -> None:
    data = tmp_path / "nosession.log"  # a line matching no header, and lines without a block id
    data.write_text("\n".join([HDFS.format(t=1, msg="Verification succeeded"), "garbage"] * 3) + "\n")
    one_line_error(["score", str(log_model), str(data), "-o", str(tmp_path / "a.csv")],
                   f"{data}: no sessions found (6 lines, 3 matched no header format", tmp_path / "a.csv")
    one_line_error(["train", str(data), "--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model",
                    "deeplog", "-o", str(tmp_path / "m")],
                   f"{data}: no sessions found in the training log", tmp_path / "m")


def test_skipped_lines_are_still_warned_when_there_are_sessions(caplog: pytest.LogCaptureFixture) -> None:
    lines = [*hdfs_lines(3), "garbage", HDFS.format(t=1, msg="no block here")]
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre = EventSessions(format="hdfs", session_regex=r"blk_\d+")
        pre.fit_transform(lines)
        assert caplog.text.count("1 of 11 lines matched no 'hdfs' header (first: line 10)") == 1
        assert caplog.text.count("1 event(s) had no session id; left out") == 1
        caplog.clear()
        assert len(pre.sessions(lines)) == 3
    assert "1 of 11 lines matched no 'hdfs' header (first: line 10)" in caplog.text
    assert "1 event(s) had no session id; left out" in caplog.text
    assert not pre.parser_.defer_warnings  # scoring elsewhere warns at once again


# -- an event ensemble's alert names the member that raised it, as the README says --------------
def test_ensemble_alert_names_its_member() -> None:
    import numpy as np

    from hourglass.detectors import EventEnsemble
    from hourglass.explain import session_alerts
    from hourglass.features.sessions import Sessions

    ens = EventEnsemble(detectors=(("deeplog", {"window": 2, "top_g": 1, "hidden": 8, "layers": 1}),),
                        epochs=2, verbose=0).fit([np.array([1, 2, 3, 4])] * 30)
    s = Sessions(["a"], [np.array([1, 9, 3])], [np.array([5, 6, 7])])
    alerts = session_alerts(ens, s, ens.score(s.sequences), np.array([1]), {})
    assert alerts[0]["unexpected"]["member"] == "deeplog"
    assert alerts[0]["unexpected"]["line"] in (5, 6, 7)


def test_warm_start_without_a_session_is_one_line_with_the_counts(tmp_path: Path, log_model: Path) -> None:
    data = tmp_path / "nosession.log"
    data.write_text("\n".join([HDFS.format(t=1, msg="Verification succeeded"), "garbage"] * 2) + "\n")
    one_line_error(["train", str(data), "--warm-start", str(log_model), "-o", str(tmp_path / "m2")],
                   "warm start: no sessions found in the new log (every line was skipped or had no session "
                   "id: 4 lines, 2 matched no header format, 2 events had no session id)", tmp_path / "m2")


def test_stream_all_refusal_fits_a_whole_session_model(tmp_path: Path) -> None:
    """An event-count autoencoder writes one alert per flagged session, not per event."""
    from hourglass.cli.app import app
    from tests._cli import runner

    data = tmp_path / "train.log"
    data.write_text("\n".join(hdfs_lines(30)) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                              "--model", "event-count-autoencoder", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(model), "--all"], input=hdfs_lines(1)[0] + "\n")
    assert res.exit_code == 2 and "per flagged session as it closes" in res.stderr, res.output
