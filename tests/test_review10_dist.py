"""Regression tests: federated training, mergeable statistics and ``hourglass threshold``."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.thresholds import FalseAlarmBound
from hourglass.thresholds.bound import min_normal_scores


def test_false_alarm_bound_tiny_rate_is_refused_not_crashed() -> None:
    # the count needed for alpha=1e-30 is past 2**63: SciPy could not round the Python int
    assert min_normal_scores(1e-30, 0.95) > 10**30
    assert min_normal_scores(0.01, 0.95) == 299
    with pytest.raises(InputError, match="needs at least"):
        FalseAlarmBound(1e-30).fit(np.arange(20.0))
