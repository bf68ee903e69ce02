"""Metrics and thresholds against independent references (review 32, met32): scikit-learn's
metrics, numpy's quantile and definitions written out loop by loop."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from hourglass.evaluate.metrics import alert_volume, binary_metrics, evaluate_scores
from hourglass.evaluate.timeseries import timeseries_metrics


def test_timeseries_metrics_one_class_figures_are_none_as_evaluate_scores_gives_them() -> None:
    # timeseries_metrics (the library) gave a calm series recall, precision, F1, event and
    # point-adjusted figures of 0.0, and a series anomalous throughout precision 1.0 and FPR 0.0,
    # while evaluate_scores and the CLI's evaluate of the same labels said n/a (None): the same
    # data, two routes, two answers
    s, p = np.array([0.0, 0.1, 0.9, 0.2]), np.array([0, 0, 1, 0])
    for y in (np.zeros(4, dtype=int), np.ones(4, dtype=int)):
        ts = timeseries_metrics(y, s, p, sliding_window=None)
        table = evaluate_scores(y, s, p, ks=())
        for key in ("precision", "recall", "detection_rate", "f1", "fpr"):
            assert ts[key] == table[key], (int(y[0]), key)
    calm = timeseries_metrics(np.zeros(4, dtype=int), s, p, sliding_window=None)
    assert {k: calm[k] for k in ("event_recall", "event_precision", "event_f1", "pa_precision",
                                 "pa_recall", "pa_f1")} == dict.fromkeys(
        ("event_recall", "event_precision", "event_f1", "pa_precision", "pa_recall", "pa_f1"))
    assert calm["fpr"] == 0.25 and calm["tp"] == 0 and calm["fp"] == 1
    busy = timeseries_metrics(np.ones(4, dtype=int), s, p, sliding_window=None)
    assert busy["recall"] == 0.25 and busy["event_recall"] == 1.0 and busy["pa_recall"] == 1.0
    assert busy["fpr"] is None and busy["pa_f1"] is None
    # both classes: figures as before
    both = timeseries_metrics([0, 1, 1, 0], s, p, sliding_window=None)
    assert both["recall"] == 0.5 and both["precision"] == 1.0 and both["pa_f1"] == 1.0


def test_f1_is_scikit_learns_to_the_last_bit() -> None:
    # F1 was 2PR / (P + R) of the two rounded shares, a last bit off scikit-learn's (one rounding
    # of 2tp / (2tp + fp + fn)): hourglass evaluate --json said 0.7328579264947889 where
    # f1_score on the score output and labels gave 0.7328579264947888
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(1140, dtype=int), np.zeros(860, dtype=int)]
    p = np.r_[np.ones(668, dtype=int), np.zeros(472, dtype=int), np.ones(15, dtype=int),
              np.zeros(845, dtype=int)]
    assert binary_metrics(y, rng.random(y.size), p)["f1"] == f1_score(y, p) == 0.7328579264947888
    for _ in range(300):
        n = int(rng.integers(1, 200))
        y, p = rng.integers(0, 2, n), rng.integers(0, 2, n)
        assert binary_metrics(y, rng.random(n), p)["f1"] == f1_score(y, p, zero_division=0.0)


def test_alerts_per_10k_is_the_count_over_the_rows_rounded_once() -> None:
    # alerts per 10k were 1e4 times the mean of the flags (two roundings): 683 alerts in 2,000
    # rows were 3415.0000000000005 per 10k in evaluate --json; now 1e4 * 683 / 2000 exactly
    flags = np.r_[np.ones(683, dtype=int), np.zeros(1317, dtype=int)]
    out = alert_volume(flags, events_per_day=500_000)
    assert out == {"alerts_per_10k": 3415.0, "alerts_per_day": 170750.0}
    # an event rate near the largest float still gives a finite figure
    assert alert_volume([1, 0, 1], events_per_day=1e308)["alerts_per_day"] == 2 / 3 * 1e308


def test_best_f1_keeps_the_highest_of_cut_offs_with_equal_f1() -> None:
    # BestFBeta took F-beta of the rounded precision and recall, 2PR / (P + R): two cut-offs of
    # equal F1 (2/3: 3 of 4 attacks with 2 false alarms, or every row flagged) rounded apart and
    # argmax took the lower one, flagging all 8 validation rows; F-beta from the counts ties
    # exactly and the highest cut-off (fewest alerts) is kept, as for any other tie
    from fractions import Fraction

    from hourglass.thresholds import BestF1
    from hourglass.thresholds.supervised import BestFBeta

    s, y = [3.0, 9.0, 11.0, 1.0, 10.0, 4.0, 0.0, 0.0], [1, 1, 0, 0, 0, 1, 0, 1]
    t = BestF1().fit(s, y)
    assert t.predict(s).tolist() == [1, 1, 1, 0, 1, 1, 0, 0] and t.best_score_ == 2 / 3
    # against the exact F-beta of every cut-off, the first (highest) maximum
    rng = np.random.default_rng(1)
    for _ in range(400):
        n = int(rng.integers(3, 30))
        s_, y_ = rng.integers(0, 8, n).astype(float), rng.integers(0, 2, n)
        if not 0 < y_.sum() < n:
            continue
        for beta in (1.0, 0.5, 2.0):
            b2 = Fraction(beta) ** 2
            best, cut = Fraction(-1), 0.0
            for u in sorted(set(s_.tolist()), reverse=True):
                tp = int(((s_ >= u) & (y_ == 1)).sum())
                fp, fn = int(((s_ >= u) & (y_ == 0)).sum()), int(y_.sum()) - tp
                f = (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)
                if f > best:
                    best, cut = f, u
            flags = BestFBeta(beta).fit(s_, y_).predict(s_)
            assert flags.tolist() == (s_ >= cut).astype(int).tolist(), (beta, s_, y_)
