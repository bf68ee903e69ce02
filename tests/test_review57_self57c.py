"""Review 57 (self57c): the round's last merges reviewed as a pull request."""
from __future__ import annotations

import logging

import pandas as pd
import pytest

from hourglass.features.sessions import EventSessions


def test_event_table_year_first_dates_are_warned_of_across_chunks(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: the event table's two-digit-date warning (e8a1ae16) looked at each chunk
    # of the read alone, where a log's timestamp check carries the previous chunk's last stamp:
    # a table read in chunks that each held one day (17/06/09, then 17/06/10 ...) was never
    # warned of, though the same table read whole was.
    rows = [{"user": f"u{i}", "event": f"e{i % 2}", "ts": f"{d} 1{i}:00:00"}
            for d in ("17/06/09", "17/06/10", "17/06/11") for i in range(4)]
    pre = EventSessions(session_column="user", key_column="event", time_column="ts")
    pre.chunk_lines = 4  # one day a chunk
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre.fit(pd.DataFrame(rows))
    said = [r.getMessage() for r in caplog.records if "read with the year last" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in caplog.records]
    assert said[0].startswith("table: column 'ts': '17/06/09' and '17/06/1")
