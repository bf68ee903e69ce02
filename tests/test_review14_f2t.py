"""Regression tests: complex scores at every threshold entry point, SPOT's overflowing excesses,
a federated near-unique text column beside a '-'-only site."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.evaluate.metrics import check_scores
from hourglass.thresholds import SPOT, Calibrator, Percentile
from hourglass.thresholds.base import real_scores

_COMPLEX = [np.array([0.5, 1 + 5j]), [np.complex64(0.5), 2.0],
            np.array([np.complex128(0.5 + 1j), 2.0], dtype=object)]


@pytest.mark.parametrize("scores", _COMPLEX)
def test_complex_scores_are_refused_by_predict_update_and_the_calibrator(scores: object) -> None:
    """Threshold.predict, SPOT.update and Calibrator.fit/transform/severity read 1+5j as 1 with
    only a ComplexWarning (a score of 1 not flagged, a calibrated probability of its real part)."""
    train = np.random.default_rng(0).exponential(size=2000)
    pct, spot, cal = Percentile(50).fit(train), SPOT(1e-2).fit(train), Calibrator().fit(train)
    value = spot.value_
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an InputError, not a ComplexWarning
        with pytest.raises(InputError, match=r"^Percentile: scores must be real numbers, found complex num"):
            pct.predict(scores)
        with pytest.raises(InputError, match=r"^SPOT\.update: scores must be real numbers, found complex"):
            spot.update(scores)
        for call in (Calibrator().fit, cal.transform, lambda s: cal.severity(s, probabilities=True)):
            with pytest.raises(InputError, match=r"^Calibrator: scores must be real numbers, found complex"):
                call(scores)
        with pytest.raises(InputError, match=r"^scores: expected real numbers, found complex numbers$"):
            check_scores(scores)
    assert spot.value_ == value and spot.n_obs_ == SPOT(1e-2).fit(train).n_obs_  # nothing learnt


def test_real_scores_keeps_real_input_and_the_old_words_for_bad_values() -> None:
    s = np.array([0.5, 2.0])
    assert real_scores(s, "X") is s  # a float64 batch as is: no copy on the per-batch path
    assert real_scores([[1, 2]], "X").dtype == np.float64 and real_scores([[1, 2]], "X").shape == (1, 2)
    assert real_scores(np.array([1.0, None], dtype=object), "X").tolist()[0] == 1.0  # None as NaN
    text = r"^X: scores must be numbers \(could not convert string to float: 'a'\)$"
    with pytest.raises(InputError, match=text):  # numpy's words on the value, as before
        real_scores([1.0, "a"], "X")
    with pytest.raises(InputError, match=r"^X: scores must be numbers \(an integer past float's range\)$"):
        real_scores([10**400], "X")
    with pytest.raises(InputError, match=r"^Calibrator: scores must be numbers"):
        Calibrator().fit(["a", "b"])  # a bare ValueError before


def test_spot_fit_on_overflowing_excesses_warns_only_that_the_tail_is_too_heavy() -> None:
    """Finite scores 2.5e308 apart: SPOT's initial peaks (score - t) overflowed to inf with a
    RuntimeWarning "overflow encountered in subtract" beside the 'too heavy' UserWarning."""
    rng = np.random.default_rng(0)
    x = np.minimum(np.r_[-1.5e308 + rng.exponential(size=19_800) * 1e306,
                         1e308 + rng.exponential(size=200) * 1e306], 1.7e308)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spot = SPOT(1e-5).fit(x)
    assert [w.category for w in caught] == [UserWarning], [str(w.message) for w in caught]
    assert "too heavy" in str(caught[0].message)
    assert spot.value_ == 1.0474193057462095e+308 and math.inf in spot.peaks_  # as before
