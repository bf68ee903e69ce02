"""Review 7 (thresholds and evaluation): regression tests of the defects fixed in this round."""

from __future__ import annotations

import time

import numpy as np
import pytest

from hourglass.thresholds import (
    POT,
    AlertBudget,
    AlertRateMonitor,
    BestF1,
    Calibrator,
    Contamination,
    threshold_from_spec,
)


@pytest.mark.parametrize("scale", [1e-170, 1e160, 1e300])
def test_pot_and_calibrator_fit_scores_of_any_magnitude(scale: float) -> None:
    # Grimshaw's bound took ym ** 2: OverflowError above 1e154, ZeroDivisionError below 1e-162
    # (a traceback at the end of training: every detector calibrates its held-out scores)
    s = np.random.default_rng(0).exponential(size=2000)
    base = POT(1e-4).fit(s).value_
    assert POT(1e-4).fit(scale * s).value_ / scale == pytest.approx(base, rel=0.01)
    cal = Calibrator().fit(scale * s)
    assert cal.tail_ is not None
    p = cal.transform(scale * np.array([0.5, 3.0, 20.0]))
    assert bool(p[0] < p[1] < p[2] <= 1.0)


@pytest.mark.parametrize("c", [0.29, 0.07, 0.14, 0.1])
def test_contamination_flags_floor_c_n_despite_float_rounding(c: float) -> None:
    # 0.29 * 100 is 28.999999999999996 in floats: a plain floor flagged 28 rows, not 29
    s = np.arange(100.0)
    assert int(Contamination(c).fit(s).predict(s).sum()) == round(c * 100)


@pytest.mark.parametrize(("budget", "n"), [(12, 10_000), (29, 10_000), (6, 20_000), (48, 10_000)])
def test_alert_budget_flags_floor_q_n_despite_float_rounding(budget: int, n: int) -> None:
    # 12 / 10000 * 10000 is 11.999999999999998: 11 flagged where the docstring promises 12
    s = np.arange(float(n))
    t = AlertBudget(budget, per="10k").fit(s)
    assert t.method_ == "empirical"
    assert int(t.predict(s).sum()) == budget * n // 10_000


def test_contamination_flags_a_top_score_one_float_above_the_next() -> None:
    # the midpoint of two neighbouring floats rounds up to the higher one: nothing was flagged
    b = float(np.nextafter(1.0, 0.0))
    s = np.r_[np.linspace(0.1, 0.8, 8), b, 1.0]
    t = Contamination(0.1).fit(s)
    assert b <= t.value_ < 1.0
    assert t.predict(s).tolist() == [0] * 9 + [1]


@pytest.mark.parametrize("scale", [1.0, 1e17, -1e17, 1e300])
def test_best_f1_flags_what_it_scored_at_any_magnitude(scale: float) -> None:
    # best cut = flag every row; it was set at (top + top - 1) / 2, which is top itself from
    # 2 ** 53 on: the row with the lowest score was not flagged (F1 0.5, not the 0.8 it reported)
    s = scale * np.array([1.0, 2.0, 3.0])
    y = [1, 1, 0] if scale > 0 else [0, 1, 1]  # the highest score is the normal row
    t = BestF1().fit(s, y)
    assert t.best_score_ == pytest.approx(0.8)
    assert np.isfinite(t.value_)
    assert t.predict(s).tolist() == [1, 1, 1]


def test_a_fractional_alert_budget_is_accepted() -> None:
    # n is a float ("0.5 per day": one false alarm every two days); the int default 50 made the
    # parameter check refuse it at fit: "AlertBudget: n must be an integer, got 0.5"
    s = np.random.default_rng(0).exponential(size=2000)
    t = threshold_from_spec("budget:0.5/day", events_per_day=1000).fit(s)
    assert t.q_ == pytest.approx(0.0005)
    assert AlertBudget(2.5, per="10k").fit(s).q_ == pytest.approx(0.00025)


def test_alert_rate_monitor_updates_cost_the_new_rows_not_the_window() -> None:
    # each update rolled and summed the whole window: 0.7 s per one-row update with a window of
    # 10M rows (--drift-window), what 'serve' and 'stream' pay per request or batch
    mon = AlertRateMonitor(0.01, window=5_000_000)
    start = time.thread_time()  # CPU seconds of this thread: a loaded machine does not inflate them
    for _ in range(200):
        mon.update([0])
    assert time.thread_time() - start < 3.0
    # the window counts are those of a brute-force sliding window
    rng = np.random.default_rng(0)
    mon = AlertRateMonitor(0.02, window=50, min_rows=1)
    flags = (rng.random(400) < 0.2).astype(int)
    seen: list[int] = []
    for lo, hi in ((0, 3), (3, 40), (40, 41), (41, 170), (170, 400)):
        mon.update(flags[lo:hi])
        seen += flags[lo:hi].tolist()
        assert mon.status()["window_rate"] == sum(seen[-50:]) / min(len(seen), 50)
    assert mon.episodes >= 1
    i = mon.events[0].row
    assert mon.events[0].rate == sum(seen[max(0, i - 49):i + 1]) / min(i + 1, 50)
