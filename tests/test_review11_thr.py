"""Thresholds and time-series evaluation: regression tests of defects fixed in this round."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.thresholds import Calibrator, Percentile, events_per_day


def test_percentile_of_scores_spanning_more_than_the_largest_float_is_no_minus_inf() -> None:
    # numpy interpolates with hi - lo, which overflowed: the cut-off was -inf, every score flagged
    s = np.array([-1e308, 1e308])
    t = Percentile(99).fit(s)
    assert t.value_ == 9.8e307
    assert t.predict([0.0, -1e308, 1e308]).tolist() == [0, 0, 1]
    assert Percentile(50).fit(s).value_ == 0.0
    cal = Calibrator().fit([-1e308, 0.0, 1e308])
    assert np.isfinite(cal.knots_).all()
    p = cal.transform([-1e308, 0.0, 1e308])
    assert bool(p[0] < p[1] < p[2])


def test_events_per_day_of_no_timestamps_is_an_error_not_nan() -> None:
    with pytest.raises(InputError, match="no timestamps"):
        events_per_day([])
