"""Review round 52 (mut52): mutation testing of the core; each test kills a mutant that the
suite let through (the mutation is named in each test's comment)."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.evaluate.metrics import binary_metrics, evaluate_scores
from hourglass.evaluate.timeseries import timeseries_metrics


def test_binary_metrics_refuses_no_rows() -> None:
    # What was wrong: nothing tested binary_metrics on no rows; dropping its "no rows to evaluate"
    # check (mutation `if s.size == 0` -> `if False`) went unnoticed, and it then returned a
    # report of all-zero rates for n=0 without a word.
    with pytest.raises(InputError, match="no rows to evaluate"):
        binary_metrics([], [], [])


def test_precision_at_k_kept_when_k_equals_the_row_count() -> None:
    # What was wrong: evaluate_scores keeps each k "up to the row count", but no test had k equal
    # to it; the mutation `k <= s.size` -> `k < s.size` (dropping precision@n) survived.
    y = [0, 1, 0, 0, 1, 0, 0, 0, 0, 1]
    s = np.linspace(0.0, 1.0, 10)
    r = evaluate_scores(y, s, [0] * 10, ks=(5, 10, 11))
    assert r["precision_at_k"] == {"5": pytest.approx(1 / 5), "10": pytest.approx(3 / 10)}
