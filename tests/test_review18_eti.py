"""Entity features: which numbers under a time's name are times (left out of the per-bucket
aggregates) and which are durations or counters (aggregated)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.entity import EntityWindows, _is_time


def _fit(df: pd.DataFrame) -> EntityWindows:
    return EntityWindows(entity_col="host", timestamp_col="ts", bucket="5min").fit(df)


def _hosts(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": np.array(["a", "b", "c", "d"])[rng.integers(0, 4, n)],
                         "ts": pd.date_range("2024-01-01", periods=n, freq="1min"),
                         "bytes": rng.integers(1, 1000, n)})


def test_large_counters_and_durations_are_aggregated() -> None:
    # a cumulative cpu_time in ns, a wait_time of 1e8-5e8 and an uptime in ms: medians over 1e8,
    # but no epoch times (spread over orders of magnitude, or below 1973 in every unit)
    df = _hosts()
    rng = np.random.default_rng(1)
    df["cpu_time"] = rng.uniform(3e8, 7e11, len(df))
    df["wait_time"] = rng.uniform(1e8, 5e8, len(df))
    df["uptime"] = rng.uniform(1e8, 1e10, len(df))
    ew = _fit(df)
    assert ew.numeric_ == ["bytes", "cpu_time", "wait_time", "uptime"]
    assert ew.not_aggregated_ == {}
    agg = ew.aggregate(df)
    assert {"cpu_time:sum", "wait_time:max", "uptime:mean"} <= set(agg.columns)


def test_epoch_times_and_dates_still_left_out() -> None:
    # the tabular roles' test: all within one unit's epoch range, spanning under 5% (0: unset)
    rng = np.random.default_rng(2)
    secs = pd.Series(1.7e9 + rng.uniform(0, 86400 * 30, 50))  # not in order: no clock by order
    assert _is_time("login_time", secs)
    assert _is_time("login_time", pd.Series(np.r_[secs.to_numpy() * 1e3, 0.0]))  # ms, one unset
    assert _is_time("login_time", secs.astype(str))  # written as text
    assert _is_time("login_date", pd.Series([20240105, 20231231, 20240301]))
    assert not _is_time("cpu_time", pd.Series([3e8, 7e11, 2e10]))
    assert not _is_time("wait_time", pd.Series([4e8, 1e8, 5e8, 2e8]))
    assert not _is_time("response_time", pd.Series([0.2, 0.1, 0.5]))
    df = _hosts()
    df["login_time"] = 1.7e9 + rng.uniform(0, 86400 * 30, len(df))
    ew = _fit(df)
    assert ew.numeric_ == ["bytes"] and ew.not_aggregated_ == {"login_time": "times"}


def test_one_entity_counter_in_time_order_is_aggregated() -> None:
    # one process's cumulative cpu_time and one host's uptime, reported in time order, never
    # decrease, as a clock does: by their values they are counters still (the row roles keep
    # them), aggregated, as they are in a file of several hosts
    rng = np.random.default_rng(3)
    n = 120
    one = pd.DataFrame({"host": "web1", "ts": pd.date_range("2024-01-01", periods=n, freq="1min"),
                        "bytes": rng.integers(1, 1000, n),
                        "cpu_time": np.cumsum(rng.uniform(1e6, 5e7, n)),
                        "uptime": 3600.0 + 60.0 * np.arange(n)})
    ew = _fit(one)
    assert ew.numeric_ == ["bytes", "cpu_time", "uptime"] and ew.not_aggregated_ == {}
    many = _hosts(n)  # hosts taking turns, each with its own counter
    many["cpu_time"] = many.groupby("host")["bytes"].cumsum() * 1e6
    assert _fit(many).numeric_ == ["bytes", "cpu_time"]
    # a file sorted by host: each host's counter never decreases, the whole column does
    assert _fit(many.sort_values(["host", "ts"], kind="stable")).numeric_ == ["bytes", "cpu_time"]


def test_clock_shared_by_hosts_taking_turns_is_left_out() -> None:
    # seconds since the capture began, over the rows of four hosts in turn: a clock, never
    # decreasing across entities, left out as before (with a gap and a placeholder too)
    df = _hosts()
    df["rel_time"] = np.arange(len(df)) * 0.5
    ew = _fit(df)
    assert ew.numeric_ == ["bytes"] and ew.not_aggregated_ == {"rel_time": "times"}
    text = df.assign(rel_time=df["rel_time"].astype(str).where(df.index % 7 != 3, "-"))
    assert _fit(text).not_aggregated_ == {"rel_time": "times"}
    assert _is_time("rel_time", pd.Series([0.0, 1.5, 2.0]))  # no entities given: by order alone
    assert not _is_time("rel_time", pd.Series([0.0, 1.5, 2.0]), pd.Series(["a", "a", "a"]))
