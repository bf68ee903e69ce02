"""Regression tests: threshold rules, calibration and the alert-rate monitor on edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hourglass.thresholds import POT, SPOT, Calibrator

BIG = 2.0 ** 1020  # about 1.1e307: a few hundred such excesses sum past the largest float


def test_pot_tail_fit_of_scores_near_the_largest_float_is_the_scaled_fit() -> None:
    """The peaks' mean overflowed (every candidate's likelihood -inf) and sigma / gamma did too:
    POT warned 'too heavy to extrapolate' and fell back to the empirical quantile."""
    s = np.random.default_rng(0).exponential(size=20_000)
    small = POT(1e-5).fit(s)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning, no fallback warning
        big = POT(1e-5).fit(s * BIG)
    assert big.fit_ is not None
    assert big.value_ / BIG == pytest.approx(small.value_, rel=1e-3)
    assert big.fit_.gamma == pytest.approx(small.fit_.gamma, abs=1e-3)


def test_calibrator_tail_of_scores_near_the_largest_float() -> None:
    s = np.random.default_rng(0).exponential(size=20_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = Calibrator().fit(s * BIG)
        p_big = big.transform(np.array([5.0, 12.0]) * BIG)
    assert big.tail_ is not None
    np.testing.assert_allclose(p_big, Calibrator().fit(s).transform([5.0, 12.0]), atol=1e-6)


def test_spot_fitted_on_more_peaks_than_max_peaks_keeps_the_tail_share() -> None:
    """The oldest initial peaks were dropped but not the scores they came from: the tail share
    (peaks / scores) was 4x too small and the first refit dropped the threshold from 7.0 to 5.6
    (Exp(1) scores, risk 1e-3: true 6.9), flagging about 3x the risk."""
    rng = np.random.default_rng(0)
    s = rng.exponential(size=50_000)  # about 1,000 peaks over the 0.98 quantile; 200 kept
    t = SPOT(1e-3, max_peaks=200, refit_every=10).fit(s)
    assert len(t.peaks_) / t.n_obs_ == pytest.approx(np.mean(s > t.t_), rel=1e-9)
    t.update(rng.exponential(size=600))  # about 12 new peaks: one refit
    assert t.fit_ is not None and t.fit_.n_peaks == 200
    assert t.value_ == pytest.approx(-np.log(1e-3), abs=0.5)
