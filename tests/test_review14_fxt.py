"""Regression tests: GPD tail fits at the float range's edge, complex scores, federated roles."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.evaluate.metrics import binary_metrics, check_scores
from hourglass.thresholds import POT, Calibrator, Percentile
from hourglass.thresholds.budget import AlertBudget
from hourglass.thresholds.evt import GPDFit, fit_gpd

TOP = 2.0 ** 1023  # the largest power of 2 a float holds: 2 ** 1024 overflows


def _near_max() -> np.ndarray:
    """Scores up to 1.7e308: the largest excess over the 0.98 quantile is past 2 ** 1023."""
    s = np.random.default_rng(0).exponential(size=20_000)
    return s / s.max() * 1.7e308


def test_fit_gpd_of_excesses_past_2_pow_1023_is_the_scaled_fit() -> None:
    """The scale was 2 ** (exponent of the largest excess): 2 ** 1024 raised OverflowError."""
    y = np.random.default_rng(1).exponential(size=400)
    y = y / y.max() * 1.9  # largest excess 1.9 * 2 ** 1023
    gamma, sigma = fit_gpd(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big_gamma, big_sigma = fit_gpd(y * TOP)
    assert big_gamma == gamma
    assert big_sigma == sigma * TOP


def test_pot_calibrator_and_budget_fit_scores_up_to_the_largest_float() -> None:
    """POT, the calibrator (fitted by every detector) and AlertBudget raised OverflowError."""
    x = _near_max()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = POT(1e-3).fit(x)
        small = POT(1e-3).fit(x / TOP)
        assert Calibrator().fit(x).tail_ is None  # its risk's quantile is past the largest float
        budget = AlertBudget(1, per="10k").fit(x)
    assert big.fit_ is not None and small.fit_ is not None
    assert big.value_ == small.value_ * TOP
    assert big.fit_.gamma == small.fit_.gamma
    assert budget.value_ == AlertBudget(1, per="10k").fit(x / TOP).value_ * TOP


def _overflowing_excesses() -> np.ndarray:
    """Finite scores 2.5e308 apart: some excesses over the 0.98 quantile are inf."""
    rng = np.random.default_rng(0)
    x = np.r_[-1.5e308 + rng.exponential(size=19_800) * 1e306,
              1e308 + rng.exponential(size=200) * 1e306]
    return np.minimum(x, 1.7e308)


def test_infinite_excesses_fall_back_as_too_heavy_without_recursion() -> None:
    """An inf excess gave frexp(inf) -> scale 1 -> the same fit again: RecursionError."""
    x = _overflowing_excesses()
    with pytest.warns(UserWarning, match="too heavy"):
        pot = POT(1e-5).fit(x)
    assert pot.fit_ is None
    assert pot.value_ == 1.0474193057462095e+308  # the empirical quantile, as before the scaled fit
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning from numpy either
        assert Calibrator().fit(x).tail_ is None
        assert fit_gpd(np.r_[np.inf, 1.0, 2.0]) == (0.0, math.inf)


def test_gpd_quantile_is_not_nan_when_sigma_over_gamma_overflows_and_growth_is_0() -> None:
    """sigma / gamma = inf times r ** -gamma - 1 = 0 gave NaN, which isinf let through."""
    fit = GPDFit(t=1e307, gamma=1e-8, sigma=1e307, n_peaks=100, n=1000)
    assert fit.quantile(0.1 * (1 - 1e-9)) == pytest.approx(1e307)


@pytest.mark.parametrize("scores", [np.array([0.5, 1 + 1j, 0.2]),
                                    np.array([0.5, 2.0, 0.2], dtype=np.complex64),
                                    [np.complex128(0.5 + 1j), 0.2, 2.0]])
def test_complex_scores_are_refused_not_cut_to_their_real_part(scores: object) -> None:
    """check_scores and Threshold.fit read 1+1j as 1 with only a ComplexWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an InputError, not a ComplexWarning
        with pytest.raises(InputError, match=r"^scores: expected real numbers, found complex numbers$"):
            check_scores(scores)
        with pytest.raises(InputError, match="scores: expected real numbers, found complex"):
            binary_metrics([0, 1, 0], scores, [0, 1, 0])
        with pytest.raises(InputError, match=r"^Percentile: scores must be real numbers, found complex"):
            Percentile(50).fit(scores)
        with pytest.raises(InputError, match=r"^POT: scores must be real numbers, found complex"):
            POT(1e-3).fit(scores)


def test_federated_text_column_with_a_dash_only_site_gets_the_pooled_role() -> None:
    """Two 40-row sites of 40 ids and a site of 100 '-': the sites with values were near-unique
    together, so the column was dropped without counting the '-' rows; the pooled fit hashes it."""
    import pandas as pd

    from hourglass.features import TabularPreprocessor
    from hourglass.features.statistics import merge_schema, site_schema

    def ids(prefix: str) -> pd.DataFrame:
        return pd.DataFrame({"session": [f"{prefix}{i}" for i in range(40)], "y": np.arange(40.0)})

    parts = [ids("a"), ids("b"), pd.DataFrame({"session": ["-"] * 100, "y": np.arange(100.0)})]
    params = TabularPreprocessor().get_params()
    merged = merge_schema([site_schema(params, p) for p in parts])["columns"]["session"]
    pooled = TabularPreprocessor().fit(pd.concat(parts, ignore_index=True))
    assert pooled.roles_["session"] == "hash"
    assert merged["role"] == "hash"
    # without the '-' site the ids are near-unique pooled too: dropped either way
    assert merge_schema([site_schema(params, p) for p in parts[:2]])["columns"]["session"]["role"] == "drop"
