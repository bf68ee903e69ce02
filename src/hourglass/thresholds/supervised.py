"""Thresholds chosen with labels: best F-beta on a labelled *validation* set (never the test set)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from hourglass.errors import InputError
from hourglass.thresholds.base import Threshold, cut_between

__all__ = ["BestF1", "BestFBeta"]


def _exact_best(f: np.ndarray, i: int, tp: np.ndarray, fn: np.ndarray, fp: np.ndarray,
                b2: Fraction) -> int:
    """The first (highest) cut-off of the largest F-beta among those whose float ``f`` is within
    1e-9 of the largest ``f[i]``, compared exactly, ``b2`` being beta squared as written (its
    shortest decimal): for a beta such as 0.3, whose square is no binary fraction, cut-offs of
    equal F-beta rounded apart, and a lower one (more alerts) could win by a last bit (F0.3
    109/220 both at 4 of 20 attacks with 3 false alarms and at 9 with 9: the latter was kept).

    Examples
    --------
    >>> f = np.array([0.4954545454545454, 0.4954545454545455])
    >>> _exact_best(f, 1, np.array([4, 9]), np.array([16, 11]), np.array([3, 9]), Fraction("0.09"))
    0
    """
    near = np.flatnonzero(f >= f[i] * (1.0 - 1e-9))
    if near.size < 2:
        return i

    def exact(j: int) -> Fraction:
        t = int(tp[j])
        return Fraction(0) if t == 0 else (1 + b2) * t / ((1 + b2) * t + b2 * int(fn[j]) + int(fp[j]))

    # max keeps the first of equal values: the highest cut-off, as argmax on the floats
    return int(max(near.tolist(), key=exact))


class BestFBeta(Threshold):
    """The threshold that maximises F-beta on labelled validation scores (1 = anomaly).

    Needs both classes: ``fit(scores, y)``. Carve the validation rows from the labelled
    *training* data; choosing a threshold on the test set reports a score no deployment gets.
    ``beta < 1`` favours precision (fewer false alarms), ``beta > 1`` recall. Of cut-offs with
    equal F-beta the highest (fewest alerts) is kept.

    Parameters
    ----------
    beta
        Weight of recall against precision (> 0).

    Examples
    --------
    >>> t = BestFBeta(beta=1.0).fit([0.1, 0.2, 0.3, 0.8, 0.9], [0, 0, 0, 1, 1])
    >>> t.predict([0.25, 0.85]).tolist(), t.best_score_
    ([0, 1], 1.0)
    """

    _params: ClassVar[tuple[str, ...]] = ("beta",)
    requires_labels: ClassVar[bool] = True

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = beta

    def _check_params(self) -> None:
        if not float(self.beta) > 0:
            raise InputError(f"{type(self).__name__}: beta must be > 0, got {self.beta}", param="beta")

    def _fit(self, scores: np.ndarray, y: object | None) -> float:
        labels = np.asarray(y, dtype=np.int8)
        if not (labels == 1).any():
            raise InputError(f"{type(self).__name__}: the validation set has no anomalous rows; "
                             "best F-beta needs both classes (use POT or Percentile instead)")
        order = np.argsort(-scores, kind="stable")
        s, lab = scores[order], labels[order]
        tp = np.cumsum(lab)
        fp = np.cumsum(1 - lab)
        last = np.r_[s[1:] != s[:-1], True]  # cut after the last row of a run of equal scores
        tp, fp, cut_scores = tp[last], fp[last], s[last]
        with np.errstate(over="ignore"):  # a beta past 1e154: beta ** 2 is no float
            b2 = float(np.float64(self.beta) ** 2)
        precision = tp / (tp + fp)
        recall = tp / labels.sum()
        b2_exact: Fraction | None = None
        if np.isinf(b2):  # F-beta's limit as beta grows: the recall
            f = recall
        elif np.isfinite((1 + b2) * labels.size):
            # from the counts, (1 + b2) tp / ((1 + b2) tp + b2 fn + fp): for beta 1 (0.5, 2) one
            # rounding of exact numbers, so cut-offs of equal F-beta get equal floats and argmax
            # keeps the highest (fewest alerts). Of the rounded shares, 2PR / (P + R), a tie could
            # round up at a lower cut-off: F1 2/3 both at 3 of 4 attacks with 2 false alarms and
            # at every row flagged took the latter
            fn = labels.sum() - tp
            f = np.where(tp > 0, (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp), 0.0)
            b2_exact = Fraction(repr(float(self.beta))) ** 2
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                f = np.where(precision + recall > 0,
                             (1 + b2) * precision * recall / (b2 * precision + recall), 0.0)
        i = int(np.argmax(f))
        if b2_exact is not None:  # ties of the beta as written (see _exact_best)
            i = _exact_best(f, i, tp, labels.sum() - tp, fp, b2_exact)
        self.best_score_ = float(f[i])
        self.best_precision_ = float(precision[i])
        self.best_recall_ = float(recall[i])
        self.n_anomalous_ = int(labels.sum())
        self.n_normal_ = int(labels.size - labels.sum())
        top = float(cut_scores[i])
        if i + 1 < cut_scores.size:
            lower = float(cut_scores[i + 1])
        else:  # every row flagged: below the lowest score (top - 1 is top itself from 2 ** 53 on)
            lower = top - 1.0 if top - 1.0 < top else top - abs(top)
        return cut_between(lower, top)  # flags rows scoring >= cut_scores[i]

    def _extra_state(self) -> dict[str, Any]:
        if not hasattr(self, "best_score_"):
            return {}
        return {"validation": {"f_beta": self.best_score_, "precision": self.best_precision_,
                               "recall": self.best_recall_, "n_normal": self.n_normal_,
                               "n_anomalous": self.n_anomalous_}}

    def _load_extra_state(self, d: dict[str, Any]) -> None:
        v = d.get("validation")
        if v:
            self.best_score_, self.best_precision_ = float(v["f_beta"]), float(v["precision"])
            self.best_recall_ = float(v["recall"])
            self.n_normal_, self.n_anomalous_ = int(v["n_normal"]), int(v["n_anomalous"])

    def describe(self) -> str:
        return f"best F{float(self.beta):g} on a labelled validation set"


class BestF1(BestFBeta):
    """:class:`BestFBeta` with ``beta = 1``.

    Examples
    --------
    >>> BestF1().fit([0.1, 0.5, 0.9], [0, 1, 1]).value_
    0.3
    """

    _params: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.beta = 1.0

    def describe(self) -> str:
        return "best F1 on a labelled validation set"
