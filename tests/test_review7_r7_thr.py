"""Review 7 (thresholds and evaluation): regression tests of the defects fixed in this round."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.thresholds import POT, Calibrator


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
