"""Review fixes of log anomaly detection: an event table's message templates in training and
scoring; DeepLog's severity of a session it does not flag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors.deeplog import DeepLog
from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LogParser
from hourglass.serve.log_scoring import LogScorer
from tests.test_review2_rv_logs import _varied_log


@pytest.mark.parametrize("as_file", [False, True])
def test_event_table_training_keys_rows_as_scoring_does(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, as_file: bool) -> None:
    msgs = _varied_log()
    df = pd.DataFrame({"sess": [f"s{i % 20}" for i in range(len(msgs))], "msg": msgs})
    data: object = df
    if as_file:
        data = tmp_path / "events.csv"
        df.to_csv(data, index=False)
    monkeypatch.setattr(EventSessions, "chunk_lines", 50)  # 12 chunks (was: 18 of 20 sessions differed)
    pre = EventSessions(session_column="sess", message_column="msg")
    train = [s.tolist() for s in pre.fit_transform(data)]
    assert train == [s.tolist() for s in pre.transform(data)]
    assert pre.fit_stats_["parsed"] == len(msgs) and pre.fit_stats_["unknown_template"] == 0
    # the same keys as a table read in one chunk, and as the messages parsed as a log
    monkeypatch.setattr(EventSessions, "chunk_lines", 10_000)
    whole = EventSessions(session_column="sess", message_column="msg")
    assert [s.tolist() for s in whole.fit_transform(df)] == train
    assert pre.templates() == whole.templates() == LogParser("raw").fit(msgs).templates()


def test_learn_lines_then_key_chunks_learns_a_line_the_first_read_did_not_see() -> None:
    p = LogParser("raw")
    p.learn_lines(["open file 12", "close file 7"])
    keys = [k for c in p.key_chunks(["open file 1", "reboot now"]) for k in c["key"].tolist()]
    assert keys == [1, 3] and p.stats_.unknown_template == 0


def test_a_session_deeplog_does_not_flag_is_not_rated_critical(tmp_path: Path) -> None:
    ops = ["open", "read", "write", "seek", "stat", "close"]
    lines = [f"{ops[i % 6]} file blk_{i // 6} done" for i in range(300)]
    Pipeline(DeepLog(window=3, top_g=3, hidden=16, layers=1, epochs=30, lr=0.03, verbose=0,
                     random_state=0),
             features=EventSessions(session_regex=r"blk_\d+")).fit(lines).save(tmp_path / "m")
    scorer = LogScorer(tmp_path / "m")
    # blocks cut short after 1..6 events: an early end is ranked 2nd or 3rd at times, rarer than
    # every held-out session but within the top 3 (was: flag 0 with severity "critical")
    got = scorer.score([f"{o} file blk_{n} done" for n in range(1, 7) for o in ops[:n]])["sessions"]
    calm = [s for s in got if s["flag"] == 0]
    assert any(s["calibrated"] > 0.9999 for s in calm)
    assert {s["severity"] for s in calm} == {"low"}
    assert {s["severity"] for s in got if s["flag"] == 1} == {"critical"}
    det = scorer.pipeline.detector_
    s = np.array([float(det.threshold_.value_), float(det.threshold_.value_) + 0.5, np.nan])
    assert det.severity(s).tolist() == ["low", "critical", None]
