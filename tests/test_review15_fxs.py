"""Event tables, time windows and the log parser: orders, names and refusals kept."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.sessions import EventSessions, group_events


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


def test_window_names_written_at_once_as_timestamps_write_them() -> None:
    # each window was named through a Timestamp rounded to the microsecond (seconds per 200k
    # windows); the names written at once are the same strings
    from hourglass.features.sessions.grouping import _window_ids

    rng = np.random.default_rng(7)
    for step in (1.0, 60.0, 3600.0, 0.2, 0.001):
        for t0 in (-86400.0 * 400, 0.0, 1117838570.0, 1.7e9, float(rng.integers(0, 9 * 10**9))):
            starts = t0 + np.sort(rng.integers(0, 10**6, 300)) * step
            want = [pd.Timestamp(round(t * 1e6), unit="us").isoformat() for t in starts]
            if step >= 1:  # whole seconds: as a Timestamp of the float start names them
                assert want == [pd.Timestamp(t, unit="s").isoformat() for t in starts]
            assert _window_ids(starts, True) == want
    assert _window_ids(np.array([1117838570.2000000477]), True) == ["2005-06-03T22:42:50.200000"]
    ev = pd.DataFrame({"key": [1, 2, 3], "line": [1, 2, 3], "time": [1.7e9, 1.7e9 + 61, 1.7e9 + 200]})
    ids, seqs, _, _ = group_events(ev, window=60)
    assert ids == ["2023-11-14T22:13:00", "2023-11-14T22:14:00", "2023-11-14T22:16:00"]
    assert [s.tolist() for s in seqs] == [[1], [2], [3]]
