"""Serving and thresholds: values read as files read them, refusals that can be followed,
calibrated probabilities unchanged."""

from __future__ import annotations

import warnings

import numpy as np

from hourglass.thresholds.evt import GPDFit


def test_gpd_survival_is_the_formula_bit_for_bit_and_quiet_near_the_float_maximum() -> None:
    rng = np.random.default_rng(1)
    fit = GPDFit(t=1.0, gamma=0.37, sigma=0.81, n_peaks=250, n=5000)
    x = 1.0 + rng.pareto(2.0, size=20000)
    y = np.maximum(x - fit.t, 0.0)
    want = fit.n_peaks / fit.n * np.maximum(1.0 + fit.gamma * y / fit.sigma, 0.0) ** (-1.0 / fit.gamma)
    np.testing.assert_array_equal(fit.survival(x), want)  # a saved model calibrates as it did
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for g in (0.37, -0.4, 2.5):
            big = GPDFit(t=-1e308, gamma=g, sigma=1e-3, n_peaks=250, n=5000).survival(
                np.array([1.7e308, np.finfo(float).max]))
            assert np.array_equal(big, [0.0, 0.0])
