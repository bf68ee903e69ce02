"""Thresholds: JSON state of rules built with numpy numbers, the expected rate of a percentile."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.thresholds import (
    DSPOT,
    POT,
    SPOT,
    AlertBudget,
    AlertRateMonitor,
    BestFBeta,
    Contamination,
    Fixed,
    Percentile,
    expected_alert_rate,
    threshold_from_dict,
)
from hourglass.thresholds.calibration import Calibrator


@pytest.mark.parametrize("rule", [
    DSPOT(1e-3, depth=np.int64(20)), SPOT(np.float32(1e-3), refit_every=np.int64(5)),
    AlertBudget(np.int64(5), per="10k"), BestFBeta(np.float32(2.0)), Contamination(np.float32(0.1)),
    Fixed(np.int64(3)), Percentile(np.float64(99.5))])
def test_a_rule_with_numpy_numbers_saves_as_plain_json(rule: object) -> None:
    s = np.random.default_rng(0).exponential(size=3000)
    fitted = rule.fit(s, (s > 3).astype(int)) if isinstance(rule, BestFBeta) else rule.fit(s)
    back = threshold_from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert back.value_ == fitted.value_ and back.describe() == fitted.describe()
    cal = Calibrator(level=np.float32(0.98), n_knots=np.int64(65)).fit(s)
    again = Calibrator.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again.transform([5.0]) == cal.transform([5.0])


@pytest.mark.filterwarnings("ignore:POT. only")
def test_a_pipeline_whose_rule_has_a_numpy_depth_saves_and_loads(tmp_path: Path) -> None:
    from hourglass import AutoEncoder, Pipeline, load

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.exponential(size=1500), "b": rng.normal(size=1500)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    threshold=DSPOT(1e-3, depth=np.int64(5))).fit(df)
    pipe.save(tmp_path / "m")  # was a TypeError: Object of type int64 is not JSON serializable
    back = load(tmp_path / "m")
    assert back.threshold_.depth == 5 and back.threshold_.value_ == pipe.threshold_.value_


@pytest.mark.filterwarnings("ignore:POT. only")
def test_the_expected_rate_of_a_percentile_of_few_scores_is_its_real_rate() -> None:
    s = np.random.default_rng(3).exponential(size=120)
    # percentile 99.9 sits between the two largest of 120 scores, below the cut-off POT falls
    # back to, yet it promised 0.1% where POT promised 0.84%
    low, high = Percentile(99.9).fit(s), POT(1e-4).fit(s)
    assert low.value_ < high.value_
    assert expected_alert_rate(low).rate > expected_alert_rate(high).rate
    assert expected_alert_rate(low).rate == pytest.approx(low.expected_rate(120))
    # measured: the share of fresh normal scores above the percentile of 120 held-out ones
    rng = np.random.default_rng(4)
    rates = [float((rng.exponential(size=2000) > Percentile(99).fit(rng.exponential(size=120)).value_).mean())
             for _ in range(300)]
    assert float(np.mean(rates)) == pytest.approx(expected_alert_rate(Percentile(99).fit(s)).rate, rel=0.1)
    assert AlertRateMonitor.from_threshold(low).expected == expected_alert_rate(low).rate


def test_the_expected_rate_of_a_contamination_below_one_score_is_one_in_n_plus_one() -> None:
    s = np.random.default_rng(5).exponential(size=300)
    rule = Contamination(0.001).fit(s)  # 0.3 of a score: none flagged, the cut-off is the largest
    assert rule.value_ == s.max() and int(rule.predict(s).sum()) == 0
    assert expected_alert_rate(rule).rate == pytest.approx(1 / 301)  # was 0.001, 3x too few
    rng = np.random.default_rng(6)
    fresh = [float((rng.exponential(size=2000) > Contamination(0.001).fit(rng.exponential(size=300)).value_)
                   .mean()) for _ in range(300)]
    assert float(np.mean(fresh)) == pytest.approx(1 / 301, rel=0.15)
    # 6 of 300 scores, its cut-off halfway to the 7th: k + 1/2 in n + 1 (review 58: was 0.02)
    assert expected_alert_rate(Contamination(0.02).fit(s)).rate == pytest.approx(6.5 / 301)


@pytest.mark.parametrize("scores", [-np.random.default_rng(0).exponential(size=500),
                                    np.random.default_rng(0).pareto(0.3, size=3000)])
def test_a_score_near_the_largest_float_calibrates_to_one_without_a_warning(scores: np.ndarray) -> None:
    cal = Calibrator().fit(scores)
    assert cal.tail_ is not None  # the GPD tail's survival (was an 'overflow encountered' warning)
    assert cal.transform([1e308, 1.7e308]).tolist() == [1.0, 1.0]
    assert cal.severity([1e308]).tolist() == ["critical"]
