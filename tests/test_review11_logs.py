"""Regression tests for raw-log parsing, log sessions and the log detectors' inputs."""

from __future__ import annotations

import numpy as np

from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LogParser

_STAMPED = r"^(?P<timestamp>\S+) (?P<content>.*)$"


def test_epoch_milliseconds_in_a_timestamp_group_are_times() -> None:
    """A header regex's ``timestamp`` group in epoch milliseconds read as no time at all (NaN:
    taken for seconds past 2262), so ``window`` found no event; each number is now read in the
    unit its size gives, as every time column is."""
    ms = 1_700_000_000_000
    lines = [f"{ms + 1000 * i} open file {i}" for i in range(4)] + ["1700000003 close file 9"]
    ev = LogParser(_STAMPED).fit(lines).events_
    np.testing.assert_allclose(ev["time"].to_numpy(), [1.7e9, 1.7e9 + 1, 1.7e9 + 2, 1.7e9 + 3, 1.7e9 + 3])
    us = LogParser(_STAMPED).fit([f"{ms * 1000 + 5_000_000} a 1", "12.5 b 2"]).events_
    assert us["time"].tolist() == [1.7e9 + 5, 12.5]  # seconds since boot stay seconds
    sessions = EventSessions(format=_STAMPED, window=2).fit(lines).sessions(lines)
    assert [len(s) for s in sessions.sequences] == [2, 3]

