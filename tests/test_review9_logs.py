"""Regression tests for the raw-log, key=value, audit and flow readers and the log CLI."""

from __future__ import annotations

import pytest

from hourglass.errors import InputError
from hourglass.ingest.logs import LogParser


@pytest.mark.parametrize("group", ["key", "line", "time", "template"])
def test_header_group_named_like_a_parser_column_is_refused(group: str) -> None:
    """A header group named ``key`` was silently replaced by the template key (``--session-col
    key`` grouped by template): refused, naming the group."""
    fmt = rf"^(?P<{group}>\S+) (?P<content>.*)$"
    with pytest.raises(InputError, match=f"group '{group}'"):
        LogParser(fmt).fit(["s1 open file 3", "s2 close file 4"])
    with pytest.raises(InputError, match=f"group '{group}'"):
        LogParser(fmt).learn_lines(["s1 open file 3"])


def test_builtin_time_group_and_other_groups_still_read() -> None:
    events = LogParser(r"^(?P<user>\S+) (?P<content>.*)$").fit(["s1 open file 3"]).events_
    assert events["user"].tolist() == ["s1"]
    hdfs = LogParser("hdfs").fit(["081109 203615 148 INFO dfs.DataNode: Receiving block blk_1"])
    assert hdfs.events_["time"].notna().all()
