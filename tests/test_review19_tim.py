"""Regression tests: timestamps and clock columns read alike by every reader."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

CLOCK = 1.7e9 + np.arange(10) * 60.0  # ten minutes of epoch seconds


@pytest.mark.parametrize("values", [
    np.r_[CLOCK, -1.0],  # -1 for a time never set, as 0 is
    np.r_[CLOCK[:5], CLOCK[5:] * 1000],  # one feed's seconds, another's milliseconds
    np.r_[CLOCK[:5] * 1e6, CLOCK[5:] * 1e9, 0.0],
])
def test_a_clock_with_an_unset_minus_one_or_mixed_units_is_dropped_from_tabular_models(
        values: np.ndarray) -> None:
    from hourglass.features.entity import _is_time
    from hourglass.features.roles import infer_role

    s = pd.Series(values)
    assert infer_role("flow_start_time", s, max_categories=50) == ("drop", "times")
    text = pd.Series([str(int(v)) for v in values])  # numbers stored as text, alike
    assert infer_role("flow_start_time", text, max_categories=50) == ("drop", "times")
    # the entity features leave it out by its values alone (one host, no turns to tell)
    assert _is_time("flow_start_time", s, pd.Series(["h1"] * len(s)))


@pytest.mark.parametrize("values", [
    [3e8, 2e10, 7e11],  # a cumulative cpu_time_ns over orders of magnitude
    [1.7e9, 1.7e12 * 1.5],  # seconds and milliseconds, but years apart
    [-5.0, 1.0e8, 9.0e8],  # a counter over years of seconds
])
def test_counters_under_a_time_name_stay_features(values: list[float]) -> None:
    from hourglass.features.roles import infer_role

    assert infer_role("cpu_time_ns", pd.Series(values), max_categories=50)[0] == "numeric"
