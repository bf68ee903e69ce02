"""VUS-PR and VUS-ROC (TSB-AD's definitions): hand-checked values, a loop-by-loop version of the
definitions, and the behaviour a range-aware volume must have."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from hourglass.errors import InputError
from hourglass.evaluate import timeseries_metrics, tsb_sliding_window, vus_pr, vus_roc


def _naive_vus(y: np.ndarray, s: np.ndarray, L: int, n_thr: int) -> tuple[float, float]:
    """The definitions step by step: one soft-label vector per buffer, one prediction vector per
    threshold, plain loops (slow, obviously right). Returns (VUS-PR, VUS-ROC)."""
    n = len(y)
    runs, i = [], 0
    while i < n:
        if y[i]:
            j = i
            while j + 1 < n and y[j + 1]:
                j += 1
            runs.append((i, j))
            i = j + 1
        else:
            i += 1
    thresholds = np.sort(s)[::-1][np.linspace(0, n - 1, n_thr).astype(int)]
    aps, aucs = [], []
    for w in range(L + 1):
        h = w // 2
        soft = y.astype(float)
        for a, b in runs:
            for d in range(1, h + 1):
                if b + d < n:
                    soft[b + d] += math.sqrt(1 - d / w)
                if a - d >= 0:
                    soft[a - d] += math.sqrt(1 - d / w)
        soft = np.minimum(soft, 1.0)
        spans = []                                   # widened ranges, merged when they touch
        for a, b in runs:
            lo, hi = max(a - h, 0), min(b + h, n - 1)
            if spans and spans[-1][1] >= a - h:
                spans[-1] = (spans[-1][0], hi)
            else:
                spans.append((lo, hi))
        ap, prev = 0.0, 0.0
        curve = [(0.0, 0.0)]                         # (FPR, TPR), in threshold order
        for t in thresholds:
            pred = s >= t
            lab = np.where(y == 1, 1.0, soft * pred)
            tp = float(lab[pred].sum())
            p_new = (y.sum() + lab.sum()) / 2
            exist = np.mean([pred[lo:hi + 1].any() for lo, hi in spans])
            rec = min(tp / p_new, 1.0) * exist
            ap += (rec - prev) * tp / pred.sum()
            prev = rec
            curve.append(((pred.sum() - tp) / (n - p_new), rec))
        curve.append((1.0, 1.0))
        aps.append(ap)
        aucs.append(sum((f1 - f0) * (t0 + t1) / 2 for (f0, t0), (f1, t1) in itertools.pairwise(curve)))
    return float(np.mean(aps)), float(np.mean(aucs))


def _labels(n: int, runs: list[tuple[int, int]]) -> np.ndarray:
    y = np.zeros(n, dtype=np.int8)
    for a, b in runs:
        y[a:b] = 1
    return y


def test_hand_checked_case() -> None:
    # one event at steps 3-4; the score fires only at step 2, one step early. Thresholds: the
    # top one (predicts {2}) then 0 (predicts all 8 steps). Buffers w = 0..4:
    # w = 0, 1: no buffer; {2} misses (recall 0), all steps: recall 1, precision 2/8 -> AP 0.25.
    # w >= 2: soft labels sqrt(1 - d/w) at distance d <= w // 2 on both sides.
    def ap(soft_near: float, soft_total: float) -> float:
        rec0 = soft_near / (2 + soft_near / 2)          # {2}: TP = its soft label, P' = P + B/2
        prec_all = (2 + soft_total) / 8
        return rec0 * soft_near + (1 - rec0) * prec_all
    a2 = ap(math.sqrt(1 / 2), 2 * math.sqrt(1 / 2))
    a3 = ap(math.sqrt(2 / 3), 2 * math.sqrt(2 / 3))
    a4 = ap(math.sqrt(3 / 4), 2 * (math.sqrt(3 / 4) + math.sqrt(1 / 2)))
    expected = (0.25 + 0.25 + a2 + a3 + a4) / 5
    got = vus_pr([0, 0, 0, 1, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0], sliding_window=4,
                 n_thresholds=8)
    assert got == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.46211, abs=1e-5)


def test_matches_the_definition_loop_by_loop() -> None:
    rng = np.random.default_rng(0)
    for trial in range(12):
        n = int(rng.integers(20, 120))
        y = np.zeros(n, dtype=np.int8)
        for _ in range(int(rng.integers(1, 5))):
            a = int(rng.integers(0, n))
            y[a:a + int(rng.integers(1, 15))] = 1
        s = (rng.random(n) if trial % 2 else y + rng.normal(0, 0.6, n)).round(1)  # with ties
        L, thr = int(rng.integers(0, 16)), int(rng.choice([7, 40, 250]))
        ref_pr, ref_roc = _naive_vus(y, s, L, thr)
        assert vus_pr(y, s, L, thr) == pytest.approx(ref_pr, abs=1e-12)
        assert vus_roc(y, s, L, thr) == pytest.approx(ref_roc, abs=1e-12)


def test_vus_roc_with_buffer_0_is_the_plain_roc_auc() -> None:
    # one labelled range and a threshold at every step: the existence ratio is 1 exactly when
    # some labelled step is flagged, so TPR is the point recall and the curve is the ROC curve
    rng = np.random.default_rng(5)
    for _ in range(5):
        n = int(rng.integers(30, 200))
        a = int(rng.integers(0, n - 10))
        y = _labels(n, [(a, a + int(rng.integers(1, 10)))])
        s = y * rng.uniform(0, 2) + rng.normal(size=n)          # distinct scores, imperfect
        assert vus_roc(y, s, sliding_window=0, n_thresholds=n) == pytest.approx(
            roc_auc_score(y, s), abs=1e-12)
    y = _labels(400, [(50, 80), (200, 240)])
    assert vus_roc(y, y.astype(float), sliding_window=30) == pytest.approx(1.0)
    assert vus_roc(np.zeros(50), np.arange(50.0)) is None
    # a near miss earns buffer credit under VUS-ROC too
    early = np.roll(y, -5).astype(float) + 0.01 * rng.random(y.size)
    assert vus_roc(y, early, sliding_window=30) > vus_roc(y, early, sliding_window=0) + 0.02


def test_perfect_score_is_one_and_single_class_is_none() -> None:
    y = _labels(500, [(50, 80), (200, 203), (206, 240), (480, 500)])
    assert vus_pr(y, y.astype(float), sliding_window=40) == pytest.approx(1.0)
    assert vus_pr(y, y * 5.0 + 1.0, sliding_window=0) == pytest.approx(1.0)
    assert vus_pr(np.zeros(50), np.arange(50.0)) is None
    assert vus_pr(np.ones(50), np.arange(50.0)) is None


def test_random_scores_sit_near_the_anomaly_share() -> None:
    y = _labels(4000, [(300 + 400 * i, 340 + 400 * i) for i in range(9)])   # 9% anomalous
    rng = np.random.default_rng(1)
    rand = [vus_pr(y, rng.random(y.size), sliding_window=20) for _ in range(5)]
    assert 0.5 * y.mean() < np.mean(rand) < 2 * y.mean()
    # a constant score flags everything at once: precision = (P + buffer mass) / n
    assert vus_pr(y, np.zeros(y.size), sliding_window=0) == pytest.approx(y.mean())


def test_less_noise_and_smaller_lag_score_higher() -> None:
    y = _labels(3000, [(400, 450), (1200, 1230), (2000, 2100), (2600, 2620)])
    rng = np.random.default_rng(2)
    noise = rng.normal(size=y.size)
    by_noise = [vus_pr(y, y + sigma * noise, sliding_window=30) for sigma in (0.1, 0.5, 1.0, 2.0)]
    assert by_noise == sorted(by_noise, reverse=True)
    assert by_noise[0] > 0.95 and by_noise[-1] < 0.6
    # a detector that fires a few steps before each event beats one that fires far off, and
    # (unlike point-wise PR-AUC, which gives both the same) it gets credit from the buffer
    def early(lag: int) -> np.ndarray:
        return np.roll(y, -lag).astype(float) + 0.01 * rng.random(y.size)
    near, far = vus_pr(y, early(5), sliding_window=30), vus_pr(y, early(80), sliding_window=30)
    assert near > far + 0.1
    # the wider the buffer, the more credit the near miss gets
    assert vus_pr(y, early(5), sliding_window=60) > near > vus_pr(y, early(5), sliding_window=10)


def test_bad_input() -> None:
    with pytest.raises(InputError, match="NaN"):
        vus_pr([0, 1, 0], [0.1, np.nan, 0.2])
    with pytest.raises(InputError, match="y_true"):
        vus_pr([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="sliding_window"):
        vus_pr([0, 1, 0], [0.1, 0.2, 0.3], sliding_window=-1)
    with pytest.raises(ValueError, match="n_thresholds"):
        vus_pr([0, 1, 0], [0.1, 0.2, 0.3], n_thresholds=0)


def test_timeseries_metrics_reports_vus_pr() -> None:
    y = _labels(300, [(100, 130)])
    s = y + np.random.default_rng(3).normal(0, 0.3, y.size)
    m = timeseries_metrics(y, s, (s > 0.5).astype(int), sliding_window=20)
    assert m["vus_pr"] == pytest.approx(vus_pr(y, s, sliding_window=20))
    assert m["vus_roc"] == pytest.approx(vus_roc(y, s, sliding_window=20))
    assert 0.5 < m["vus_roc"] <= 1.0
    assert m["vus_sliding_window"] == 20


def test_tsb_sliding_window_finds_the_period() -> None:
    t = np.arange(5000)
    x = np.c_[np.sin(2 * np.pi * t / 37), np.random.default_rng(4).normal(size=t.size)]
    assert tsb_sliding_window(x) == 37                    # first channel, like TSB-AD
    assert tsb_sliding_window(np.sin(2 * np.pi * t / 1000)) == 125   # beyond 300: fallback
