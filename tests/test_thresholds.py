"""Threshold objects: fitted on held-out scores, serialisable, strict about bad arguments."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from hourglass.errors import InputError, NotFittedError
from hourglass.thresholds import (
    Contamination,
    Percentile,
    threshold_from_dict,
    threshold_from_spec,
)


def test_percentile_matches_numpy() -> None:
    s = np.random.default_rng(0).exponential(size=5000)
    t = Percentile(99.5).fit(s)
    assert t.value_ == pytest.approx(np.percentile(s, 99.5))
    assert t.predict(s).mean() == pytest.approx(0.005, abs=0.001)


def test_contamination_flags_that_share() -> None:
    s = np.random.default_rng(1).normal(size=1000)
    assert Contamination(0.05).fit(s).predict(s).sum() == 50


def test_round_trip_and_spec() -> None:
    t = Percentile(97).fit(np.arange(100.0))
    back = threshold_from_dict(t.to_dict())
    assert back.value_ == t.value_ and back.q == 97
    assert isinstance(threshold_from_spec("contamination:0.02"), Contamination)
    assert threshold_from_spec("percentile").q == 99.0


@pytest.mark.parametrize("spec", ["percentile:150", "percentile:abc", "magic:3", "contamination:0.9"])
def test_bad_specs(spec: str) -> None:
    with pytest.raises(InputError):
        threshold_from_spec(spec)


def test_fit_checks() -> None:
    with pytest.raises(InputError, match="no scores"):
        Percentile().fit([])
    with pytest.raises(InputError, match="NaN"):
        Percentile().fit([1.0, np.nan])
    with pytest.raises(NotFittedError):
        Percentile().predict([1.0])


@pytest.mark.parametrize(("cls", "param", "bad", "msg"), [
    ("POT", "q", float("nan"), "finite"), ("SPOT", "min_peaks", float("inf"), "whole"),
    ("DSPOT", "depth", 2.5, "whole"), ("BestFBeta", "beta", float("inf"), "finite"),
    ("Percentile", "q", float("nan"), "finite"),
])
def test_nan_inf_and_fractional_params_are_named(cls: str, param: str, bad: float, msg: str) -> None:
    import hourglass.thresholds as thresholds

    s = np.random.default_rng(2).exponential(size=500)
    with pytest.raises(ValueError, match=rf"^{cls}: {param} must be .*{msg}"):
        getattr(thresholds, cls)(**{param: bad}).fit(s)


def test_calibrator_rejects_bad_level_and_knots() -> None:
    from hourglass.thresholds import Calibrator

    s = np.random.default_rng(3).normal(size=200)
    for kwargs, name in (({"level": float("inf")}, "level"), ({"n_knots": 1}, "n_knots"),
                         ({"n_knots": float("nan")}, "n_knots")):
        with pytest.raises(InputError, match=name):
            Calibrator(**kwargs).fit(s)


def test_describe_names_the_scores_it_was_fitted_on() -> None:
    from hourglass.thresholds import HELD_OUT, POT, TRAINING, AlertBudget

    s = np.random.default_rng(2).exponential(size=2000)
    assert Percentile(99).fit(s).describe() == "percentile 99 of held-out normal scores"
    assert Percentile(99).fit(s, on=HELD_OUT).describe() == "percentile 99 of held-out normal scores"
    on_train = Percentile(99).fit(s, on=TRAINING)
    assert on_train.describe() == f"percentile 99 of {TRAINING}"
    assert on_train.value_ == Percentile(99).fit(s).value_  # the words change, not the number
    back = threshold_from_dict(on_train.to_dict())
    assert back.describe() == on_train.describe() and back.fitted_on_ == TRAINING
    for rule in (Contamination(0.01), POT(1e-3), AlertBudget(5, per="10k")):
        assert TRAINING in rule.fit(s, on=TRAINING).describe()
        assert TRAINING not in rule.fit(s, on=HELD_OUT).describe()


def test_a_percentile_of_few_scores_warns_of_its_real_rate(caplog: pytest.LogCaptureFixture) -> None:
    """The 99th percentile of 30 held-out scores flags ~4% of fresh normal rows, not 1%: said at fit
    (and checked here by simulation); 1,000 scores are enough, and say nothing."""
    rng = np.random.default_rng(0)
    with caplog.at_level(logging.WARNING, logger="hourglass.thresholds.base"):
        rates = [Percentile(99).fit(rng.normal(size=30)).predict(rng.normal(size=2000)).mean()
                 for _ in range(200)]
    assert np.mean(rates) == pytest.approx(Percentile(99).expected_rate(30), abs=0.004)
    assert "percentile 99 of 30 held-out normal scores: expect about 4.2% of normal data" in caplog.text
    assert "195 or more scores" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hourglass.thresholds.base"):
        Percentile(99).fit(rng.normal(size=1000))
        Percentile(90).fit(rng.normal(size=30))  # 10% of 30 scores is within 1.5x
    assert caplog.text == ""
