"""Regression tests: complex scores at every threshold entry point, SPOT's overflowing excesses,
a federated near-unique text column beside a '-'-only site."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from hourglass.errors import HourglassWarning, InputError
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
    pct, spot, cal = Percentile(50).fit(train), SPOT(1e-2), Calibrator().fit(train)
    spot.fit(train)
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
    again = SPOT(1e-2)
    again.fit(train)
    assert spot.value_ == value and spot.n_obs_ == again.n_obs_  # nothing learnt


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
        spot = SPOT(1e-5)
        spot.fit(x)
    # (hourglass' advice: a HourglassWarning, which is a UserWarning)
    assert [w.category for w in caught] == [HourglassWarning], [str(w.message) for w in caught]
    assert "too heavy" in str(caught[0].message)
    assert spot.value_ == 1.0474193057462095e+308 and math.inf in spot.peaks_  # as before


@pytest.mark.parametrize("sizes", [(60,), (60, 30)])
def test_federated_near_unique_text_beside_a_dash_only_site_stays_dropped(sizes: tuple[int, ...]) -> None:
    """max_categories=200: sites of near-unique ids and a site of only '-'. Counting the '-'
    rows, the column is no longer near-unique, so the near-unique sites (which send no values)
    met the '-' site's categories: "the sites read it differently", an InputError, where the
    column was dropped. No one-hot can be built from sites that send no values: dropped."""
    import pandas as pd

    from hourglass.features import TabularPreprocessor
    from hourglass.features.statistics import merge_schema, schema_preprocessor, site_schema

    parts = [pd.DataFrame({"session": [f"s{k}-{i}" for i in range(n)], "y": np.arange(float(n))})
             for k, n in enumerate(sizes)]
    parts.append(pd.DataFrame({"session": ["-"] * 1000, "y": np.arange(1000.0)}))
    params = TabularPreprocessor(max_categories=200).get_params()
    merged = merge_schema([site_schema(params, p) for p in parts], max_categories=200)
    assert merged["columns"]["session"]["role"] == "drop"
    assert merged["columns"]["session"]["why"].startswith("near-unique text")
    assert schema_preprocessor(params, merged).roles_["session"] == "drop"
    # two 40-row sites of 40 ids and 100 '-' (max_categories=50): still hashed as pooled
    ids = [pd.DataFrame({"session": [f"{p}{i}" for i in range(40)], "y": np.arange(40.0)}) for p in "ab"]
    dash = pd.DataFrame({"session": ["-"] * 100, "y": np.arange(100.0)})
    params = TabularPreprocessor().get_params()
    merged = merge_schema([site_schema(params, p) for p in [*ids, dash]])
    assert merged["columns"]["session"]["role"] == "hash"


@pytest.mark.parametrize("use_scipy", [True, False])
def test_fit_gpd_of_an_infinite_excess_is_the_too_heavy_sigma_by_itself(use_scipy: bool) -> None:
    """An inf excess gave (0, inf) only because the candidates' NaN likelihoods never beat the
    first one; it is now said outright, with no fit (and no warning) attempted."""
    from hourglass.thresholds.evt import fit_gpd

    y = np.r_[np.random.default_rng(0).exponential(size=50), np.inf]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fit_gpd(y, use_scipy=use_scipy) == (0.0, math.inf)
        assert fit_gpd(y, use_scipy=use_scipy, boundary=False) == (0.0, math.inf)


def test_expected_alert_rate_refuses_complex_normal_scores() -> None:
    # the monitor's measured rate cast complex held-out scores to their real parts (a warning alone)
    from hourglass.thresholds import Fixed
    from hourglass.thresholds.monitor import expected_alert_rate

    rule = Fixed(1.0).fit(np.array([0.5, 2.0]))
    assert expected_alert_rate(rule, [0.5, 2.0, 0.1, 0.2]).rate == 0.25
    with pytest.raises(InputError, match="normal_scores: scores must be real numbers, found complex"):
        expected_alert_rate(rule, np.array([0.5, 2 + 1j]))
