"""Event tables: a time without a year (BSD syslog's 'Mar 03 09:14:07') is no time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from tests._cli import one_line_error


def _events(stamp: list[str]) -> pd.DataFrame:
    n = len(stamp)
    return pd.DataFrame({"s": [f"s{i % 3}" for i in range(n)], "k": ["abcd"[i % 4] for i in range(n)],
                         "ts": stamp})


def test_yearless_column_refused() -> None:
    df = _events([f"Dec 31 23:5{i}:00" for i in range(6)] + [f"Jan 01 00:0{i}:00" for i in range(6)])
    with pytest.raises(InputError, match=r"without a year.*'Dec 31 23:50:00'"):
        EventSessions(session_column="s", key_column="k", time_column="ts").fit(df)


def test_yearless_among_dated_counted_as_unreadable() -> None:
    stamps = [f"2026-03-03 09:00:0{i}" for i in range(9)]
    stamps[0] = "Mar 03 09:14:07"  # first: pandas reads the rest in its layout (the year 1 too)
    df = _events(stamps)
    pre = EventSessions(session_column="s", key_column="k", time_column="ts").fit(df)
    s = pre.sessions(df)
    assert s.stats["events_without_time"] == 1 and s.stats["first_without_time"].startswith("row 1,")
    stamps = ["Mar 03 09:14:07"] * 8 + ["2026-03-03 09:00:00"]  # mostly yearless: still counted
    assert pre.sessions(_events(stamps)).stats["events_without_time"] == 8


def test_yearless_cli_one_line(tmp_path: Path) -> None:
    _events([f"Mar 03 09:14:0{i}" for i in range(9)]).to_csv(tmp_path / "e.csv", index=False)
    one_line_error(["train", str(tmp_path / "e.csv"), "--session-col", "s", "--key-col", "k",
                    "--timestamp-col", "ts", "--model", "deeplog", "-o", str(tmp_path / "m")],
                   "without a year", tmp_path / "m")
