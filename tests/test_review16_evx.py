"""Evaluation metrics: precision@k keys."""

from __future__ import annotations

import numpy as np

from hourglass.evaluate import evaluate_scores


def test_precision_at_k_keys_an_integral_float_k_as_the_integer() -> None:
    # k = 10.0 is accepted as k = 10: its key is "10" (was "10.0", so that
    # r["precision_at_k"]["10"] failed and the report's table showed "10.0"); 10 and 10.0 are one k
    y = np.r_[np.zeros(20, int), np.ones(5, int)]
    s = np.arange(25, dtype=float)
    floats = evaluate_scores(y, s, (s > 19).astype(int), ks=(2.0, np.float64(10.0), 10))
    ints = evaluate_scores(y, s, (s > 19).astype(int), ks=(2, 10))
    assert floats["precision_at_k"] == ints["precision_at_k"] == {"2": 1.0, "10": 0.5}
