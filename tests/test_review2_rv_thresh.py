"""Review of the thresholds: degenerate score tails, state round trips, edge cases."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from hourglass.thresholds import DSPOT, POT, Calibrator, threshold_from_dict
from hourglass.thresholds.evt import GPDFit, tail_quantile


def _capped(n: int = 5000, cap: float = 4.5, seed: int = 0) -> np.ndarray:
    """Normal scores that saturate: about 1% of them tied at the cap."""
    return np.minimum(np.random.default_rng(seed).exponential(size=n), cap)


def test_pot_on_capped_scores_does_not_flag_every_tied_normal_score() -> None:
    # the GPD piled up at the cap (shape < -1) and put the cut-off a hair below it: all 49
    # held-out normal scores at the cap (1%) were flagged for a risk of 1e-4
    s = _capped()
    with pytest.warns(UserWarning, match="tied or capped"):
        t = POT(1e-4).fit(s)
    assert t.fit_ is None and int(t.predict(s).sum()) == 0
    with pytest.warns(UserWarning, match="tied or capped"):
        z, fit = tail_quantile(np.r_[np.zeros(4800), np.ones(150), 2 * np.ones(50)], 1e-4)
    assert fit is None and z == 2.0


def test_calibrator_does_not_rate_tied_top_normal_scores_certain() -> None:
    s = _capped()
    cal = Calibrator().fit(s)
    assert cal.tail_ is None  # no GPD tail on a pile of tied scores
    assert cal.transform([4.5])[0] == pytest.approx(1 - 0.5 / s.size)  # was 1 - 2e-12


def test_regular_tails_keep_their_gpd_fit() -> None:
    s = np.random.default_rng(8).exponential(size=10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = POT(1e-4).fit(s)
    assert t.fit_ is not None and int(t.predict(s).sum()) <= 3


def test_a_tail_too_heavy_to_extrapolate_falls_back_instead_of_overflowing() -> None:
    # r ** -gamma overflowed: OverflowError, a traceback out of 'hourglass train'
    assert GPDFit(t=0.0, gamma=80.0, sigma=1.0, n_peaks=100, n=5000).quantile(1e-8) == math.inf
    s = np.random.default_rng(0).pareto(0.05, 5000)  # shape about 65: 1e-8 is beyond every float
    with pytest.warns(UserWarning, match="too heavy"):
        t = POT(1e-8).fit(s)
    assert t.fit_ is None and math.isfinite(t.value_) and t.value_ <= s.max()
    json.dumps(t.to_dict(), allow_nan=False)


def test_dspot_state_round_trips_exactly_after_updates() -> None:
    # the running window sum was re-added at load: the reloaded threshold differed in the last
    # bits and drifted apart from the one that went on streaming
    s = np.random.default_rng(0).exponential(size=3000) + np.linspace(0, 3, 3000)
    a = DSPOT(1e-3, depth=20, refit_every=5).fit(s[:1000])
    a.update(s[1000:2000])
    b = threshold_from_dict(json.loads(json.dumps(a.to_dict())))
    assert b.to_dict() == a.to_dict()
    np.testing.assert_array_equal(a.update(s[2000:]), b.update(s[2000:]))
    assert a.to_dict() == b.to_dict() and a.value_ == b.value_
