"""Entity features' time rule: which numbers under a time's name are left out as times."""
from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.entity import EntityWindows

N = 40
TS = pd.date_range("2024-01-01", periods=N, freq="1min").astype(str)


def test_one_entity_written_two_ways_keeps_its_counter() -> None:
    # 'h1' and 'h1 ' (and 'H1' under entity_case="fold") are one entity: its cumulative cpu_time
    # is its own counter, aggregated as for a file that writes the name one way
    base = pd.DataFrame({"host": ["h1"] * N, "ts": TS, "cpu_time": np.arange(N) * 1e9,
                         "bytes": np.arange(N, dtype=float)})
    assert "cpu_time" in EntityWindows("host", "ts").fit(base).numeric_
    spaced = base.assign(host=["h1", "h1 "] * (N // 2))
    assert "cpu_time" in EntityWindows("host", "ts").fit(spaced).numeric_
    cased = base.assign(host=["h1", "H1"] * (N // 2))
    assert "cpu_time" in EntityWindows("host", "ts", entity_case="fold").fit(cased).numeric_
    # two hosts in turn: a clock they share, still left out
    two = base.assign(host=["h1", "h2"] * (N // 2))
    ew = EntityWindows("host", "ts").fit(two)
    assert "cpu_time" not in ew.numeric_ and ew.not_aggregated_["cpu_time"] == "times"


def test_epoch_times_with_an_unset_sentinel_are_times() -> None:
    # a logon_time in epoch seconds with -1 for 'never', rows of two hosts out of order: times,
    # left out (they were summed per bucket)
    rng = np.random.default_rng(0)
    logon = np.where(np.arange(N) % 7 == 0, -1.0, 1.7e9 + rng.integers(0, 100_000, N))
    df = pd.DataFrame({"host": rng.choice(["a", "b"], N), "ts": TS, "logon_time": logon,
                       "bytes": np.arange(N, dtype=float)})
    ew = EntityWindows("host", "ts").fit(df)
    assert ew.numeric_ == ["bytes"] and ew.not_aggregated_["logon_time"] == "times"
    # a duration of 1e8..5e8 ns with a -1 is still a duration, summed
    wait = np.where(np.arange(N) % 7 == 0, -1.0, rng.uniform(1e8, 5e8, N))
    assert "wait_time" in EntityWindows("host", "ts").fit(df.assign(wait_time=wait)).numeric_


def test_a_column_that_never_changes_is_no_clock() -> None:
    # a wait_time of 0 throughout (or 5 throughout), hosts in turn: aggregated, as for one host
    # (it was left out as 'times'; a change at scoring time is what the model should see)
    df = pd.DataFrame({"host": ["a", "b"] * (N // 2), "ts": TS, "bytes": np.arange(N, dtype=float)})
    for value in (0.0, 5.0):
        ew = EntityWindows("host", "ts").fit(df.assign(wait_time=value))
        assert "wait_time" in ew.numeric_, ew.not_aggregated_
    one = EntityWindows("host", "ts").fit(df.assign(host="a", wait_time=0.0))
    assert "wait_time" in one.numeric_
    # a shared clock over hosts in turn (seconds since the capture began) is still left out
    ew = EntityWindows("host", "ts").fit(df.assign(capture_time=np.arange(N) * 60.0))
    assert ew.not_aggregated_["capture_time"] == "times"
