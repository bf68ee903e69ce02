"""Regression tests: DSPOT on finite scores whose deviations overflow, the calibrator's tail
scale on such scores, real_scores on object arrays, expected_alert_rate on NaN normal scores."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.thresholds import DSPOT, Calibrator, Fixed, expected_alert_rate
from hourglass.thresholds.base import real_scores


def test_dspot_refuses_a_deviation_past_the_largest_float() -> None:
    """Finite scores 3e308 apart: a score minus the mean of the d before it overflowed to inf
    with a RuntimeWarning 'overflow encountered in subtract', and the fit gave a NaN cut-off
    (value_ nan) that flags nothing."""
    rng = np.random.default_rng(0)
    x = -1.5e308 + rng.exponential(size=2000) * 1e306
    x[rng.choice(np.arange(100, 1900), size=40, replace=False)] = 1.5e308
    x[-50:] = rng.exponential(size=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning, no 'too heavy' warning first
        with pytest.raises(InputError, match=r"^DSPOT: a score lies more than the largest float "
                                             r"from the mean of the 50 before it; scale the scores"):
            DSPOT(1e-3, depth=50).fit(x)


def test_dspot_refuses_a_cut_off_past_the_largest_float() -> None:
    """Deviations all finite, but the last score (1.5e308) plus the tail quantile of the
    deviations (1e308) is past the largest float: value_ was inf, a cut-off nothing passes."""
    rng = np.random.default_rng(0)
    x = rng.exponential(size=3000) * 1e300
    x[rng.choice(np.arange(1, 2998, 2), size=200, replace=False)] = 1e308 + rng.exponential(size=200) * 1e306
    x[-1] = 1.5e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match=r"^DSPOT: the cut-off .* lies past the largest float"):
            DSPOT(1e-3, depth=1).fit(x)


def test_calibrator_tail_scale_of_scores_far_apart_is_finite_and_quiet() -> None:
    """Normal scores 2.5e308 apart: the exponential tail's scale (the mean excess of the top
    fifth over the 80th percentile) overflowed with a RuntimeWarning on every transform batch,
    and an inf scale read every score above the largest normal one as the same probability."""
    rng = np.random.default_rng(0)
    x = np.minimum(np.r_[-1.5e308 + rng.exponential(size=19_800) * 1e306,
                         1e308 + rng.exponential(size=200) * 1e306], 1.7e308)
    cal = Calibrator().fit(x)
    assert cal.tail_ is None  # the GPD tail is too heavy: the exponential tail is used
    u = float(np.interp(0.8, cal.knot_probs_ / cal.knot_probs_[-1], cal.knots_))
    above = cal.knots_[cal.knots_ > u]
    exact = sum(Fraction(float(a)) - Fraction(u) for a in above) / above.size
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cal._tail_scale() == float(exact)  # the exact mean excess, 1.5e307
        p = cal.transform(np.array([-1.5e308, 0.0, 1.05e308, 1.7e308]))
    assert p[0] == 0.0 and 0.98 < p[1] < p[2] < p[3] < 1.0


def test_calibrator_transform_of_an_excess_past_the_largest_float_is_quiet() -> None:
    """A score 1.7e308 over normal scores near -1e308: its excess overflowed (a RuntimeWarning);
    it reads as a probability of 1, as before."""
    x = -1e308 + np.random.default_rng(0).exponential(size=50) * 1e306
    cal = Calibrator().fit(x)
    assert cal.tail_ is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cal.transform([1.7e308]).tolist() == [1.0]


def test_calibrator_tail_scale_of_ordinary_scores_is_the_mean_excess_as_before() -> None:
    rng = np.random.default_rng(3)
    cal = Calibrator().fit(rng.exponential(size=120))
    u = float(np.interp(0.8, cal.knot_probs_ / cal.knot_probs_[-1], cal.knots_))
    above = cal.knots_[cal.knots_ > u]
    assert cal._tail_scale() == float(np.mean(above - u))


@pytest.mark.parametrize("scores", [
    np.array([np.array(1 + 1j), np.array(2.0)], dtype=object),  # read as [1, 2] with a ComplexWarning
    np.array([np.array([1 + 1j]), 2.0], dtype=object),
    np.array([1.0, np.complex64(1 + 1j)], dtype=object),
    [0.5, 1 + 1j],
])
def test_real_scores_refuses_complex_numbers_in_an_object_array(scores: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match=r"^X: scores must be real numbers, found complex numbers$"):
            real_scores(scores, "X")


def test_real_scores_reads_an_object_array_of_real_numbers_as_before() -> None:
    """The check looks at the set of element types once (it was a Python test per element)."""
    a = np.array([1, 2.5, np.float32(3.0), np.array(4.0), True], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert real_scores(a, "X").tolist() == [1.0, 2.5, 3.0, 4.0, 1.0]
    big = np.arange(100_000.0).astype(object)
    assert np.array_equal(real_scores(big, "X"), np.arange(100_000.0))


@pytest.mark.parametrize("normal", [[np.nan, np.nan, 2.0, 0.1], [np.inf, 0.1]])
def test_expected_alert_rate_refuses_nan_or_inf_normal_scores(normal: list[float]) -> None:
    """A NaN held-out normal score counted as one not flagged: a rate of 0.25 for
    [nan, nan, 2.0, 0.1] above 1.0 (0.5 on the two real scores); Threshold.fit refuses them."""
    rule = Fixed(1.0).fit([0.0, 1.0, 2.0])
    with pytest.raises(InputError, match=r"^expected_alert_rate: normal_scores contain NaN or inf$"):
        expected_alert_rate(rule, normal)
    assert expected_alert_rate(rule, [2.0, 0.1]).rate == 0.5
