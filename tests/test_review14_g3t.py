"""Regression tests: DSPOT on finite scores whose deviations overflow, the calibrator's tail
scale on such scores, real_scores on object arrays, expected_alert_rate on NaN normal scores."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.thresholds import DSPOT


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
