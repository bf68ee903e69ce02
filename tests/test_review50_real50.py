"""Commands on real-shaped data, run two ways that must agree."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from hourglass.cli.timeseries import scored_steps_text
from hourglass.features.sessions.grouping import group_events
from tests._cli import one_line_error


def test_series_score_summary_groups_thousands_like_every_other_count() -> None:
    # what was wrong: `hourglass score MODEL sensors.csv` on a time-series model printed
    # "scored 1147 time steps, 1147 flagged" while every other summary (a table's score,
    # stream, the drift line beside it) writes "1,147"
    assert scored_steps_text(1147, 1147, "rows", 1132) == "scored 1,147 time steps, 1,132 flagged"
    assert scored_steps_text(2000, 6000, "5min", 1500) == (
        "scored 2,000 time steps (resampled from 6,000 rows to 5min), 1,500 flagged")


def test_log_empty_window_count_groups_thousands(caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: `hourglass score MODEL bgl.log` on a BGL model with --window 60 over five
    # months of events printed "244369 empty window(s) skipped" right above the summary that
    # says "244,369 empty sessions skipped"; the log line now groups thousands the same way
    ev = pd.DataFrame({"key": [1, 2], "line": [1, 2], "content": ["a", "b"],
                       "time": [0.0, 86400.0]})  # a day apart: 1,439 empty minutes between
    with caplog.at_level(logging.INFO, logger="hourglass"):
        _, _, _, counts = group_events(ev, window=60.0)
    assert counts["empty_sessions_skipped"] == 1439
    assert "1,439 time window(s) had no line (no session)" in caplog.text


def test_raw_log_read_as_table_points_to_a_log_format(tmp_path: Path) -> None:
    # what was wrong: `hourglass inspect BGL.log` (or `train` without --format bgl) on a raw log
    # whose header line has no comma said only "line 8: expected 1 fields, found 3 (use
    # --on-bad-rows skip to skip such rows)", advice that reads the log as a one-column table;
    # it now says a log file needs a log --format first, as the one-column refusal does
    log = tmp_path / "bgl.log"
    log.write_text("- 1117838570 2005.06.03 R02-M1 RAS KERNEL INFO cache parity error corrected\n"
                   "- 1117838573 2005.06.03 R02-M1 RAS KERNEL INFO cache parity error corrected\n"
                   "- 1117838575 2005.06.03 R02-M1 RAS KERNEL FATAL data TLB error, r1=0, r2=3\n")
    for args in (["inspect", str(log)], ["train", str(log), "-o", str(tmp_path / "m")]):
        # (round 58, self58: told at the header, a log line, before any row is read)
        one_line_error(args, "the data reads as one text column (first line '- 1117838570 ",
                       tmp_path / "m")
        one_line_error(args, "a log needs a log model (train --format hdfs", tmp_path / "m")
