"""Review of the thresholds: degenerate score tails, state round trips, edge cases."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from hourglass.thresholds import DSPOT, POT, SPOT, Calibrator, threshold_from_dict
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
    assert cal.transform([4.5])[0] < 1 - 0.1 / s.size  # was 1 - 2e-12


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


def test_calibrator_rates_a_tied_value_by_the_share_below_it() -> None:
    # all-equal held-out scores: every normal row at that value read 1 - 0.5/n, 'high' or
    # 'critical'; 1% of the scores capped at their largest value read 'critical'
    cal = Calibrator().fit(np.ones(1000))
    assert cal.transform([1.0]).tolist() == [0.0] and cal.severity([1.0]).tolist() == ["low"]
    assert cal.severity([2.0]).tolist() == ["critical"]  # above every normal score: still rare
    s = _capped()
    cal = Calibrator().fit(s)
    p = cal.transform(np.r_[np.linspace(0, 6, 6001), 4.5])
    assert p[-1] == pytest.approx(float((s < 4.5).mean()), abs=1e-3) and cal.severity([4.5])[0] == "low"
    assert np.all(np.diff(p[:-1]) >= 0) and cal.transform([4.5001])[0] > 0.999
    back = Calibrator.from_dict(json.loads(json.dumps(cal.to_dict())))
    np.testing.assert_array_equal(back.transform(p), cal.transform(p))
    smooth = Calibrator().fit(np.random.default_rng(1).exponential(size=3000)).to_dict()
    assert "knot_probs_below" not in smooth  # untied scores: the artefact as before


def test_calibrator_with_ties_stays_monotone() -> None:
    for seed in range(12):
        rng = np.random.default_rng(seed)
        n = [50, 400, 3000][seed % 3]
        s = [np.round(rng.exponential(size=n) * 2) / 2, np.minimum(rng.exponential(size=n), 2.0),
             rng.integers(0, 3, n).astype(float),
             np.r_[np.zeros(n // 2), rng.normal(size=n - n // 2)]][seed % 4]
        cal = Calibrator().fit(s)
        grid = np.unique(np.r_[np.linspace(s.min() - 1, 2 * s.max() + 1, 3000), s, s + 1e-9, s - 1e-9])
        p = cal.transform(grid)
        assert np.all(np.diff(p) >= 0) and 0 <= p.min() and p.max() <= 1, seed


def test_spot_refits_on_a_capped_stream_do_not_flag_the_tied_scores() -> None:
    # a refit piled up on the cap and cut just below it: 40 of 15,000 normal scores flagged at
    # a risk of 1e-4 (1.5 expected)
    s = _capped(20_000)
    with pytest.warns(UserWarning, match="tied or capped"):
        t = SPOT(1e-4).fit(s[:5000])
    assert int(t.update(s[5000:]).sum()) <= 5 and t.value_ >= 4.5
