"""Raw logs: header time stamps, sessions and the log models' paths (training, scoring, streaming)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LogParser

pytest.importorskip("drain3")

STAMPED = r"^(?P<timestamp>\d{6} +\d{1,2}:?\d\d:?\d\d) (?P<content>.*)$"


@pytest.mark.parametrize(("stamps", "expected"), [
    # HDFS's layout under a header regex of one's own: yymmdd HHMMSS
    (["081109 235930", "081110 000010"], ["2008-11-09 23:59:30", "2008-11-10 00:00:10"]),
    # MySQL's log before 5.7: yymmdd H:MM:SS, an hour of one digit after two spaces
    (["151104 11:22:33", "151105  9:02:03"], ["2015-11-04 11:22:33", "2015-11-05 09:02:03"]),
])
def test_six_digit_dates_read_year_first(stamps: list[str], expected: list[str]) -> None:
    lines = [f"{s} connect user {i}" for i, s in enumerate(stamps)]
    events = LogParser(STAMPED).fit(lines).parse(lines)
    got = pd.to_datetime(events["time"].to_numpy(), unit="s").astype(str).tolist()
    assert got == expected  # was month first, year last: 2009-08-11 and 2010-08-11, a year apart


def test_six_digit_dates_cut_windows_across_midnight() -> None:
    lines = [f"0811{d} {t} step {i % 3} done" for i, (d, t) in
             enumerate([("09", "235910"), ("09", "235950"), ("10", "000005"), ("10", "000040")])]
    pre = EventSessions(format=STAMPED, window=60)
    sessions = pre._fit(lines, group=True)
    assert sessions is not None
    assert sessions.ids == ["2008-11-09T23:59:00", "2008-11-10T00:00:00"]
    assert [s.tolist() for s in sessions.lines] == [[1, 2], [3, 4]]
    assert sessions.stats["empty_sessions_skipped"] == 0  # was 525,599 empty windows (a year)


def test_six_digit_date_that_is_no_date_has_no_time() -> None:
    lines = ["151340 10:00:00 month 13 day 40", "151104 10:00:00 fine"]
    t = LogParser(STAMPED).fit(lines).parse(lines)["time"].to_numpy()
    assert np.isnan(t[0]) and t[1] == pd.Timestamp("2015-11-04 10:00:00").timestamp()


def test_stream_session_alert_is_scores_less_the_quoted_text() -> None:
    from typer.testing import CliRunner

    from hourglass.cli import app
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.explain import session_alerts
    from hourglass.pipeline import Pipeline
    from hourglass.serve.log_stream import LogStreamScorer

    log = [f"{op} file blk_{b} size {b * 7}" for b in range(60) for op in ("open", "read", "close")]
    pipe = Pipeline(detector=EventCountAutoEncoder(hidden=(4, 2), epochs=3, verbose=0),
                    features=EventSessions(format="raw", session_regex=r"blk_\d+")).fit(log)
    new = ["open file blk_900 size 1", "read file blk_900 size 1", "read file blk_900 size 1",
           "read file blk_900 size 1", "open file blk_901 size 2", "close file blk_901 size 2"]
    scorer = LogStreamScorer(pipe)
    streamed = scorer.feed(list(enumerate(new, 1))) + scorer.finish()
    sessions = pipe.features_.sessions(new)
    det = pipe.detector_
    scores = det.score(sessions.sequences)
    scored = session_alerts(det, sessions, scores, det.threshold_predict(scores),
                            pipe.features_.templates())
    assert streamed and [a["session"] for a in streamed] == [a["session"] for a in scored]
    for live, batch in zip(streamed, scored, strict=True):
        assert "text" in batch["unexpected"] and "text" not in live["unexpected"]
        quoted = {"text", "parameters", "parameters_omitted"}
        assert {k: v for k, v in live.items() if k != "closed"} == \
            {**batch, "unexpected": {k: v for k, v in batch["unexpected"].items() if k not in quoted}}
    # what stream --help and the README promise: score's alert less the quoted text
    help_text = " ".join(CliRunner().invoke(app, ["stream", "--help"], terminal_width=200).output.split())
    assert "less the unexpected event's \"text\" and \"parameters\"" in help_text


def test_event_table_six_digit_dates_read_year_first() -> None:
    df = pd.DataFrame({"event": ["x", "y", "x", "y"],
                       "ts": ["081109 235910", "081109 235950", "081110 000005", "081110 000040"]})
    sessions = EventSessions(window=60, key_column="event", time_column="ts")._fit(df, group=True)
    assert sessions is not None
    assert sessions.ids == ["2008-11-09T23:59:00", "2008-11-10T00:00:00"]  # was 2009-08-11, 2010-08-11
    assert sessions.stats["empty_sessions_skipped"] == 0


def test_journald_lone_surrogate_escape_is_replaced_and_saved(tmp_path: Path) -> None:
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.pipeline import Pipeline

    msgs = ["Started unit {i}", "Stopped unit {i}", "bad \\ud800 char {i}"]
    log = tmp_path / "journal.json"
    log.write_text("".join(
        f'{{"MESSAGE": "{msgs[i % 3].format(i=i)}", "__REALTIME_TIMESTAMP": '
        f'"{1_700_000_000_000_000 + i}", "_PID": "{i // 3}"}}\n' for i in range(90)))
    pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EventSessions(format="journald", session_column="pid")).fit(str(log))
    assert pipe.features_.fit_stats_["bad_encoding"] == 30  # counted as bytes replaced are
    assert any("\ufffd" in t for t in pipe.features_.templates().values())
    pipe.save(tmp_path / "m")  # was: 'utf-8' codec can't encode character '\ud800' (no model)
    from hourglass import load

    loaded = load(tmp_path / "m")
    assert np.array_equal(loaded.score(str(log)), pipe.score(str(log)))
