"""Evaluation, benchmark and explanation: regression tests of defects found and fixed."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.evaluate import binary_metrics, evaluate_scores


def test_precision_at_k_is_na_with_one_class_only() -> None:
    # an attack capture (every row anomalous) had precision@k 1.0 and normal traffic alone 0.0:
    # the share of anomalies among the top k is then every row's, as trivial as the precision
    # that is already n/a there
    attacks = evaluate_scores([1, 1, 1], [0.2, 0.9, 0.8], [0, 1, 1], ks=(1, 2))
    assert attacks["precision_at_k"] == {"1": None, "2": None} and attacks["precision"] is None
    normal = evaluate_scores([0, 0, 0], [0.2, 0.9, 0.8], [0, 1, 1], ks=(1,))
    assert normal["precision_at_k"] == {"1": None}
    both = evaluate_scores([0, 1, 0], [0.2, 0.9, 0.8], [0, 1, 1], ks=(1, 2))
    assert both["precision_at_k"] == {"1": 1.0, "2": 0.5}
    assert np.isclose(both["precision"], 0.5)


def test_a_score_past_floats_range_is_an_input_error() -> None:
    # a Python int of 400 digits stopped the metrics with numpy's OverflowError, not the
    # one-line InputError every other unreadable score gives
    with pytest.raises(InputError, match="scores: expected numbers"):
        binary_metrics([0, 1], [0.5, 10**400], [0, 1])
