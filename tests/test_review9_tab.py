"""Regression tests: threshold rules, table readers and writers at the edges of valid input."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.thresholds import FalseAlarmBound, threshold_from_spec
from hourglass.thresholds.supervised import BestFBeta


def test_best_fbeta_huge_beta_is_recall_not_overflow() -> None:
    # beta ** 2 past the largest float raised OverflowError (a traceback after training)
    t = threshold_from_spec("best-fbeta:1e200").fit([0.1, 0.2, 0.5, 0.9], [0, 0, 1, 1])
    assert t.best_recall_ == 1.0 and t.best_score_ == 1.0
    assert t.predict([0.5, 0.9, 0.2]).tolist() == [1, 1, 0]
    # the same cut as a large but representable beta
    assert t.value_ == BestFBeta(beta=1e100).fit([0.1, 0.2, 0.5, 0.9], [0, 0, 1, 1]).value_
