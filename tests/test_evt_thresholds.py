"""POT / SPOT / DSPOT, BestF1, AlertBudget and calibration: accuracy on known distributions,
false-alarm rates, serialisation and bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from scipy import stats

from hourglass.errors import InputError
from hourglass.thresholds import (
    DSPOT,
    POT,
    SPOT,
    AlertBudget,
    BestF1,
    BestFBeta,
    Calibrator,
    Percentile,
    events_per_day,
    threshold_from_dict,
    threshold_from_spec,
)

# POT on n = 20,000 samples: stated tolerance on the relative error of the (1 - q) quantile.
# Heavy tails (Pareto) extrapolate less precisely, so they get a wider band at the same q.
CASES = [
    ("exponential", stats.expon(), 1e-4, 0.08),
    ("normal", stats.norm(loc=3.0), 1e-4, 0.05),
    ("pareto(3)", stats.pareto(3.0), 1e-3, 0.15),
]


@pytest.mark.parametrize(("name", "dist", "q", "tol"), CASES, ids=[c[0] for c in CASES])
def test_pot_recovers_true_quantile(name: str, dist: stats.rv_continuous, q: float, tol: float) -> None:
    errors = []
    for seed in range(3):
        s = dist.rvs(size=20_000, random_state=np.random.default_rng(seed))
        t = POT(q).fit(s)
        assert t.fit_ is not None, "a GPD tail was fitted"
        errors.append(t.value_ / dist.isf(q) - 1)
    assert max(abs(e) for e in errors) < tol, (name, errors)


def test_pot_beats_percentile_beyond_the_sample() -> None:
    """With 2,000 scores a percentile cannot resolve q = 1e-4; the GPD tail can."""
    rng = np.random.default_rng(5)
    s = rng.exponential(size=2000)
    truth = -np.log(1e-4)
    pot = POT(1e-4).fit(s).value_
    pct = Percentile(100 * (1 - 1e-4)).fit(s).value_
    assert abs(pot - truth) < abs(pct - truth)


def test_realised_false_alarm_rate_on_fresh_normal_data() -> None:
    """Fit on one held-out normal sample, check the rate on another: within 2x of what was asked."""
    rng = np.random.default_rng(11)
    fit_on, fresh = rng.gamma(2.0, size=20_000), rng.gamma(2.0, size=400_000)
    for rule, asked in [(POT(1e-3), 1e-3), (POT(1e-4), 1e-4), (AlertBudget(20, per="10k"), 2e-3),
                        (AlertBudget(100, per="day", events_per_day=200_000), 5e-4)]:
        realised = float(rule.fit(fit_on).predict(fresh).mean())
        assert asked / 2 <= realised <= asked * 2, (rule, realised)


def test_spot_keeps_false_alarms_near_q_on_a_stationary_stream() -> None:
    rng = np.random.default_rng(3)
    q = 1e-3
    t = SPOT(q, refit_every=25).fit(rng.exponential(size=5000))
    stream = rng.exponential(size=100_000)
    flags = t.update(stream)
    assert q / 2 <= flags.mean() <= 2 * q
    assert abs(t.value_ / -np.log(q) - 1) < 0.1  # threshold stays near the true quantile
    back = threshold_from_dict(json.loads(json.dumps(t.to_dict())))
    assert back.value_ == t.value_ and back.update(stream[:500]).tolist() == t.update(stream[:500]).tolist()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dspot_keeps_false_alarms_near_q_under_drift(seed: int) -> None:
    rng = np.random.default_rng(seed)
    q = 3e-3
    x = np.linspace(0, 8, 22_000) + rng.exponential(size=22_000)  # level drifts upwards
    flags = DSPOT(q, depth=30, refit_every=25).fit(x[:2000]).update(x[2000:])
    assert q / 2 <= flags.mean() <= 2 * q
    assert Percentile(100 * (1 - q)).fit(x[:2000]).predict(x[2000:]).mean() > 0.2  # a fixed cut drowns


def test_spot_does_not_learn_from_alarms() -> None:
    t = SPOT(1e-2, refit_every=1).fit(np.random.default_rng(0).exponential(size=2000))
    before = len(t.peaks_)
    assert t.update([1e6, 1e6]).tolist() == [1, 1]
    assert len(t.peaks_) == before


def test_best_f1_picks_the_best_cut_and_needs_labels() -> None:
    rng = np.random.default_rng(0)
    s = np.r_[rng.normal(0, 1, 500), rng.normal(3, 1, 100)]
    y = np.r_[np.zeros(500, int), np.ones(100, int)]
    t = BestF1().fit(s, y)
    grid = np.linspace(-1, 5, 601)
    f1 = [2 * ((s > g) & (y == 1)).sum() / ((s > g).sum() + 100) for g in grid]
    assert t.best_score_ >= max(f1) - 1e-9
    assert BestFBeta(0.5).fit(s, y).value_ >= BestFBeta(2.0).fit(s, y).value_  # precision-leaning is stricter
    with pytest.raises(InputError, match="labelled validation"):
        BestF1().fit(s)
    with pytest.raises(InputError, match="no anomalous rows"):
        BestF1().fit(s, np.zeros(600, int))
    assert threshold_from_dict(t.to_dict()).best_score_ == t.best_score_


def test_labels_select_normal_rows_for_unsupervised_rules() -> None:
    s = np.r_[np.arange(100.0), [1e6] * 10]
    y = np.r_[np.zeros(100, int), np.ones(10, int)]
    assert Percentile(99).fit(s, y).value_ == Percentile(99).fit(s[:100]).value_
    with pytest.raises(InputError, match="no normal rows"):
        POT(1e-3).fit(s[100:], y[100:])


def test_too_few_peaks_falls_back_with_a_warning() -> None:
    s = np.random.default_rng(0).exponential(size=200)  # 4 peaks over the 0.98 quantile
    with pytest.warns(UserWarning, match="peaks"):
        t = POT(1e-3).fit(s)
    assert t.fit_ is None and t.value_ == pytest.approx(np.quantile(s, 1 - 1e-3))
    assert "empirical" in t.describe()


@pytest.mark.parametrize("spec", ["pot:0", "pot:1", "pot:-0.1", "pot:abc", "spot:2", "budget:50",
                                  "budget:0/10k", "budget:10000/10k", "budget:5/week", "best-f1:3",
                                  "best-fbeta:0"])
def test_bad_specs_are_clear_errors(spec: str) -> None:
    with pytest.raises(InputError):
        threshold_from_spec(spec)


def test_budget_needs_a_rate_and_must_be_below_it() -> None:
    s = np.arange(10_000.0)
    with pytest.raises(InputError, match="event rate"):
        threshold_from_spec("budget:50/day").fit(s)
    with pytest.raises(InputError, match="not below the event count"):
        threshold_from_spec("budget:500/day", events_per_day=400).fit(s)
    t = threshold_from_spec("budget:50/day", events_per_day=10_000).fit(s)
    assert t.q_ == 0.005 and t.expected_per_day_ == 50 and int(t.predict(s).sum()) == 50


def test_events_per_day_from_timestamps() -> None:
    ts = ["2024-01-01T00:00:00Z", "2024-01-01T12:00:00Z", "2024-01-02T00:00:00Z"]
    assert events_per_day(ts) == 3.0
    with pytest.raises(InputError, match=r"column .ts.: row 2 is not a timestamp"):
        events_per_day(["2024-01-01", "not a time"], column="ts")
    with pytest.raises(InputError, match="all timestamps are equal"):
        events_per_day(["2024-01-01"] * 3)


def test_calibration_is_monotone_and_matches_normal_rarity() -> None:
    rng = np.random.default_rng(2)
    normal = rng.lognormal(size=20_000)
    cal = Calibrator().fit(normal)
    grid = np.linspace(0, 200, 5000)
    p = cal.transform(grid)
    assert np.all(np.diff(p) >= 0) and p.min() >= 0 and p.max() <= 1
    fresh = rng.lognormal(size=200_000)
    for level in (0.5, 0.99, 0.999):
        assert abs(float((cal.transform(fresh) > level).mean()) - (1 - level)) < 0.5 * (1 - level)
    sev = cal.severity(fresh)
    assert set(sev) <= {"low", "medium", "high", "critical"}
    assert 0.5e-3 < float((sev == "critical").mean() + (sev == "high").mean()) < 2e-3
    back = Calibrator.from_dict(json.loads(json.dumps(cal.to_dict())))
    np.testing.assert_array_equal(back.transform(grid), p)


def test_calibration_of_few_normal_scores_still_ranks_far_scores_as_rare() -> None:
    # 40 held-out scores: too few peaks for the GPD tail. Up to the largest normal score the map
    # is the empirical one (at most 1 - 0.5/40: 'low'); beyond it an exponential tail, so a
    # score thousands of times past every normal one is 'critical', not 'low'.
    normal = np.random.default_rng(3).exponential(size=40)
    cal = Calibrator().fit(normal)
    assert cal.tail_ is None
    top = float(normal.max())
    grid = np.r_[np.linspace(0, top, 200), top * np.array([1.0001, 1.2, 2.0, 5.0, 1000.0])]
    p = cal.transform(grid)
    assert np.all(np.diff(p) >= 0) and p.max() <= 1
    assert p[199] == pytest.approx(1 - 0.5 / 40) and p[200] == pytest.approx(p[199], abs=1e-4)
    assert cal.severity([top]).tolist() == ["low"] and cal.severity([1000 * top]).tolist() == ["critical"]
    back = Calibrator.from_dict(json.loads(json.dumps(cal.to_dict())))
    np.testing.assert_array_equal(back.transform(grid), p)


def test_no_warnings_on_regular_fits() -> None:
    s = np.random.default_rng(8).normal(size=10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        POT(1e-4).fit(s)
        Calibrator().fit(s)


def test_dspot_depth_from_the_cli_spec_and_the_hint_when_too_few_scores() -> None:
    import numpy as np
    import pytest

    from hourglass.errors import InputError
    from hourglass.thresholds import threshold_from_spec

    t = threshold_from_spec("dspot:1e-2/5")
    assert t.depth == 5 and np.isfinite(t.fit(np.random.default_rng(0).normal(size=3000)).value_)
    with pytest.raises(InputError, match=r"smaller depth \(DSPOT\(depth=\.\.\.\)\)"):  # Python words
        threshold_from_spec("dspot:1e-2").fit(np.zeros(120))
    with pytest.raises(InputError, match="depth 'x' is not a whole number"):
        threshold_from_spec("dspot:1e-2/x")
