"""Thresholds and time-series evaluation: regression tests of defects fixed in this round."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.thresholds import (
    DSPOT,
    POT,
    AlertBudget,
    Calibrator,
    Percentile,
    events_per_day,
    expected_alert_rate,
)


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


def test_a_tail_rule_that_fell_back_to_the_empirical_quantile_expects_its_real_rate() -> None:
    # too few held-out scores for a GPD tail (or an order statistic): the cut-off is an empirical
    # quantile between the two largest scores, flagging about 1 / (n + 1) of fresh normal rows;
    # the what-if table and the drift monitor took the risk q (1e-4) as its rate, 30x too low
    rng = np.random.default_rng(0)
    want = (300 * 1e-4 + 1 - 1e-4) / 301
    for make in (lambda: POT(1e-4), lambda: AlertBudget(1, per="10k")):
        actual = []
        for _ in range(200):  # the rate of one held-out draw varies: its mean over draws
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # POT's fallback warning
                t = make().fit(rng.random(300))  # uniform normal scores: a cut-off c flags 1 - c
            assert getattr(t, "fit_", None) is None and getattr(t, "method_", "empirical") == "empirical"
            assert expected_alert_rate(t).rate == pytest.approx(want)
            actual.append(1.0 - t.value_)
        assert float(np.mean(actual)) == pytest.approx(want, rel=0.2)
    # a fitted tail (or an order statistic with enough scores above it) keeps the rule's risk
    big = rng.exponential(size=20_000)
    pot = POT(1e-4).fit(big)
    assert pot.fit_ is not None and expected_alert_rate(pot).rate == 1e-4
    assert expected_alert_rate(AlertBudget(50, per="10k").fit(big)).rate == pytest.approx(5e-3)


def test_dspot_fits_scores_whose_sum_is_past_the_largest_float() -> None:
    # the moving means came from a cumulative sum: inf - inf made the threshold NaN, which
    # flags nothing
    s = np.random.default_rng(0).exponential(size=2000)
    base = DSPOT(1e-2, depth=50).fit(s)
    big = DSPOT(1e-2, depth=50).fit(1e306 * s)
    assert big.value_ / 1e306 == pytest.approx(base.value_, rel=0.01)
    assert big.update(1e306 * np.array([0.5, 1e2])).tolist() == [0, 1]
