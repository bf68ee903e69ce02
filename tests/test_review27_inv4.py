"""Review 27 (inv4): the metrics and threshold rules against independent references
(scikit-learn, numpy, brute-force loops)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score

from hourglass.evaluate.metrics import binary_metrics, precision_at_k, threshold_curve
from hourglass.evaluate.timeseries import point_adjust


def _curve_by_loop(y: np.ndarray, s: np.ndarray, thresholds: np.ndarray) -> dict[str, list[float]]:
    """precision, recall, FPR and alert share of "flag if score > t", one threshold at a time."""
    out: dict[str, list[float]] = {"precision": [], "recall": [], "fpr": [], "alert_share": []}
    for t in thresholds:
        flag = s > t
        tp, fp = int((flag & (y == 1)).sum()), int((flag & (y == 0)).sum())
        out["precision"].append(tp / (tp + fp) if tp + fp else 1.0)
        out["recall"].append(tp / max(int(y.sum()), 1))
        out["fpr"].append(fp / max(int((y == 0).sum()), 1))
        out["alert_share"].append(float(flag.mean()))
    return out


def test_threshold_curve_candidates_are_quantiles_of_scores_far_apart() -> None:
    # what was wrong: threshold_curve took np.quantile of the scores, which overflows between two
    # scores more than the largest float apart (-1e308 and 1e308): a candidate threshold of -inf
    # (no quantile of the scores; it flagged every row) in place of their quantile 0, and numpy's
    # 'overflow encountered in subtract' warning on stderr; it now takes the thresholds module's
    # overflow-safe quantile, as Percentile does
    y = np.array([0, 1, 0, 1])
    s = np.array([-1e308, 1e308, -1e308, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning either
        c = threshold_curve(y, s, n_points=5)
    assert np.isfinite(c["threshold"]).all()
    assert c["threshold"].tolist() == [-1e308, 0.0, 1e308]
    ref = _curve_by_loop(y, s, c["threshold"])
    for key, values in ref.items():
        assert c[key].tolist() == pytest.approx(values)


def test_threshold_curve_matches_a_loop_on_ties_and_tiny_n() -> None:
    # pins the curve (each candidate a quantile of the scores, "flag if score > t") against a
    # loop, on tied scores and 1-3 rows
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 7, 40):
        for s in (rng.normal(size=n), rng.integers(0, 3, n).astype(float), np.full(n, 0.5)):
            y = (rng.random(n) < 0.4).astype(int)
            c = threshold_curve(y, s, n_points=6)
            assert c["threshold"].tolist() == np.unique(np.quantile(s, np.linspace(0, 1, 6))).tolist()
            ref = _curve_by_loop(y, s, c["threshold"])
            for key, values in ref.items():
                assert c[key].tolist() == pytest.approx(values)


def test_binary_metrics_and_precision_at_k_match_references_on_ties() -> None:
    # pins binary_metrics against scikit-learn (ties, constant scores, one class, 1-3 rows) and
    # precision@k against the mean over every order of the rows (ties taken in a random order)
    rng = np.random.default_rng(1)
    for _ in range(80):
        n = int(rng.choice([1, 2, 3, 4, 5]))
        s = rng.integers(0, 3, n).astype(float) if rng.random() < 0.7 else np.full(n, 0.25)
        y = (rng.random(n) < 0.5).astype(int)
        p = (rng.random(n) < 0.5).astype(int)
        m = binary_metrics(y, s, p)
        if 0 < y.sum() < n:
            assert m["roc_auc"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
            assert m["pr_auc"] == pytest.approx(average_precision_score(y, s), abs=1e-12)
        else:
            assert m["roc_auc"] is None and m["pr_auc"] is None
        for key, ref in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
            if key == "precision" and not p.any():  # nothing flagged: no precision (None), not 0.0
                assert m[key] is None
                continue
            assert m[key] == pytest.approx(ref(y, p, zero_division=0), abs=1e-12)
        for k in (1, 2, 3):
            kk = min(k, n)
            shares = [y[list(perm)][np.argsort(-s[list(perm)], kind="stable")][:kk].mean()
                      for perm in itertools.permutations(range(n))]
            assert precision_at_k(y, s, k) == pytest.approx(float(np.mean(shares)), abs=1e-12)


def test_point_adjust_matches_a_loop() -> None:
    # pins point_adjust against its definition (every step of an event flagged once one is)
    rng = np.random.default_rng(2)
    for _ in range(200):
        n = int(rng.integers(1, 30))
        y = (rng.random(n) < 0.4).astype(int)
        p = (rng.random(n) < 0.2).astype(int)
        ref = p.copy()
        i = 0
        while i < n:
            if y[i]:
                j = i
                while j < n and y[j]:
                    j += 1
                if p[i:j].any():
                    ref[i:j] = 1
                i = j
            else:
                i += 1
        assert point_adjust(y, p).tolist() == ref.tolist()
