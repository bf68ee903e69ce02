"""Event tables, time windows and the log parser: orders, names and refusals kept."""

from __future__ import annotations

import pandas as pd

from hourglass.features.sessions import EventSessions


def test_table_day_month_order_told_by_the_span_is_kept() -> None:
    # hourly rows of 1 and 2 February (no day above 12: a day read day first, a month the other
    # way) told day first by their span, but the order was not kept: scoring 03/02/2024 read it
    # as 2 March
    ts = pd.date_range("2024-02-01", periods=48, freq="h").strftime("%d/%m/%Y %H:%M")
    train = pd.DataFrame({"e": ["x", "y"] * 24, "ts": ts})
    pre = EventSessions(window=3600, key_column="e", time_column="ts").fit(train)
    assert pre.dayfirst_ is True and pre.to_dict()["dayfirst"] is True
    score = pd.DataFrame({"e": ["x", "y"], "ts": ["03/02/2024 10:00", "03/02/2024 10:30"]})
    assert pre.sessions(score).ids == ["2024-02-03T10:00:00"]
    guess = EventSessions(window=3600, key_column="e", time_column="ts")  # one date: a guess only
    assert guess.fit(train.assign(ts="05/02/2024 10:00")).dayfirst_ is None
