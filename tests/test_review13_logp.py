"""Raw logs, their templates and sessions: edge cases of valid input and option interactions."""

from __future__ import annotations

import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from hourglass.features.sessions.live import line_events
from hourglass.ingest.logs import LogParser

pytest.importorskip("drain3")

HDFS = ["081109 203615 148 INFO dfs.DataNode: open blk_1 size 1",
        "081109 203616 149 INFO dfs.DataNode: close blk_1 size 2",
        "081109 203617 148 INFO dfs.DataNode: open blk_2 size 3"]


@pytest.mark.parametrize("column", ["line", "key", "content", "time"])
def test_a_session_column_that_is_no_header_field_is_refused(column: str) -> None:
    # 'line' and 'key' grouped each line or template into a session of its own, 'content' each
    # message (and failed in a live log with KeyError), 'time' the event time in batch but the
    # header's text in a live log: each is refused, naming the header's fields
    with pytest.raises(InputError, match=rf"^session_column: no field '{column}' in the 'hdfs' "
                                         r"header.*its fields are date, pid, level, component$") as info:
        EventSessions(format="hdfs", session_column=column).fit_transform(HDFS)
    assert info.value.param == "session_column"
    pre = EventSessions(format="hdfs", session_column="pid").fit(HDFS)  # a header field: as before
    assert pre.sessions(HDFS).ids == ["148", "149"]
    assert line_events(pre, HDFS, 1, {})["session"] == ["148", "149", "148"]


@pytest.mark.parametrize("bad", [None, float("nan"), b"open blk_1", 5])
def test_a_line_that_is_no_text_is_an_input_error_naming_it(bad: object) -> None:
    # a None, a NaN of a Series of lines or bytes raised TypeError ('argument of type
    # 'NoneType' is not iterable'), naming no line
    with pytest.raises(InputError, match=rf"^line 2: expected a line of text, got {type(bad).__name__}"):
        LogParser("raw").fit(["open blk_1", bad])  # type: ignore[list-item]
    fitted = LogParser("raw").fit(["open blk_1"])
    with pytest.raises(InputError, match=r"^line 3: expected a line of text"):
        fitted.parse(["open blk_2", "x", bad])  # type: ignore[list-item]
    keys = EventSessions(format="keys").fit(None)
    with pytest.raises(InputError, match=r"^input: line 2: expected a line of text"):
        keys.sessions(["1 2", bad])
