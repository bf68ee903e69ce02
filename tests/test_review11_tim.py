"""Regression tests: timestamps, table input and output edge cases."""

from __future__ import annotations

import pandas as pd
import pytest

from hourglass._times import read_timestamps, unreadable_times
from hourglass.errors import InputError


def test_epoch_times_written_as_text_read_as_epoch_times() -> None:
    # JSON strings, or a CSV column that a '-' made text: what unreadable_times calls readable
    text = pd.Series(["1774656051", "1774656051000", 1774656052], dtype=object)
    assert not unreadable_times(text, "ts").any()
    ts, order = read_timestamps(text, "ts")
    assert order is None
    assert list(ts) == [pd.Timestamp("2026-03-28 00:00:51")] * 2 + [pd.Timestamp("2026-03-28 00:00:52")]
    with pytest.raises(InputError, match=r"row 2 is not a timestamp \('-'; the column holds epoch"):
        read_timestamps(pd.Series(["1774656051", "-", "1774656052"]), "ts")
    # a column of dates still reads as dates
    assert read_timestamps(pd.Series(["2026-01-01", "2026-01-02"]), "ts")[0][1] == pd.Timestamp("2026-01-02")
