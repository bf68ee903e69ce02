"""Review 56 (logs from real systems, end to end): regression tests of the defects fixed."""

from __future__ import annotations

import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions

# an Android logcat-style header (threadtime): a time stamp without a year, which reads as none
_LOGCAT = (r"^(?P<timestamp>\d\d-\d\d \d\d:\d\d:\d\d\.\d+) +(?P<pid>\d+) +(?P<tid>\d+) (?P<level>\w) "
           r"(?P<component>[^:]+): (?P<content>.*)$")
_ISO = r"^(?P<timestamp>\S+ \S+) (?P<level>\w+) (?P<content>.*)$"


def _iso_lines(n: int) -> list[str]:
    ops = ("open", "read", "close")
    return [f"2015-07-29 17:{i // 6:02d}:{i % 60:02d},000 INFO {ops[i % 3]} file {i}" for i in range(n)]


def test_window_events_without_a_readable_time_name_the_first_line_and_its_text(
        caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: with time-window sessions of a raw log, a line whose time stamp did not
    # read was only counted ('3 event(s) had no readable time (no window); left out'), and a log
    # none of whose stamps read (Android logcat's '03-17 16:13:38.811', no year) stopped with
    # 'no event has a readable time stamp in this input': neither named a line or the text, where
    # an event table's same count names its first row and value ("first: row 6, 'x'").
    lines = _iso_lines(30)
    lines[7] = "2015-13-45 99:99:99,000 INFO read file 7"  # no such date
    pre = EventSessions(format=_ISO, window=60).fit(lines)
    with caplog.at_level("WARNING"):
        found = pre.sessions(lines)
    assert found.stats["events_without_session"] == 1
    assert "(first: line 8, '2015-13-45 99:99:99,000')" in caplog.text
    logcat = [f"03-17 16:13:{i:02d}.811  1702  2395 D WindowManager: step {i % 3}" for i in range(20)]
    with pytest.raises(InputError, match=r"no event has a readable time stamp in this input "
                                         r"\(first: line 1, '03-17 16:13:00\.811'\)"):
        EventSessions(format=_LOGCAT, window=60).fit_transform(logcat)
