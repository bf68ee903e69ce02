"""Binary detection metrics with anomaly = positive class, and per-class detection rates."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from hourglass._labels import normal_names
from hourglass.errors import InputError
from hourglass.features.validation import check_labels
from hourglass.thresholds.base import quantile, real_scores

__all__ = ["binary_metrics", "check_scores", "class_codes", "per_class_detection"]


def _safe_div(a: float, b: float) -> float:
    return float(a / b) if b else 0.0


def check_scores(scores: object, what: str = "scores") -> np.ndarray:
    """``scores`` as a flat float64 array, or :class:`InputError` naming the first score that is
    not a finite number by its row, counted from 1 as a bad label is (scikit-learn's metrics
    would say only "Input contains NaN"), or saying the scores are complex numbers.

    Examples
    --------
    >>> check_scores([0.5, float("nan")])
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: scores: 1 NaN or infinite score(s); first at row 2
    """
    s = real_scores(scores, what, "expected").ravel()
    bad = np.flatnonzero(~np.isfinite(s))
    if bad.size:
        raise InputError(f"{what}: {bad.size} NaN or infinite score(s); first at row {int(bad[0]) + 1}")
    return s


def _confusion(y: np.ndarray, p: np.ndarray) -> tuple[int, int, int, int]:
    """``tp, fp, tn, fn`` of 0/1 decisions ``p`` against 0/1 labels ``y``."""
    return (int(((p == 1) & (y == 1)).sum()), int(((p == 1) & (y == 0)).sum()),
            int(((p == 0) & (y == 0)).sum()), int(((p == 0) & (y == 1)).sum()))


def _precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float | None, float, float]:
    # nothing flagged: no share of the alerts is true, ``None`` (shown n/a), not a measured 0.0
    # that reads as if every alert were false; recall and F1 of no alert are a true 0
    precision = _safe_div(tp, tp + fp) if tp + fp else None
    recall = _safe_div(tp, tp + fn)
    # F1 = 2PR / (P + R) = 2tp / (2tp + fp + fn), the latter one rounding of exact counts (as
    # scikit-learn's f1_score): the former, of two rounded shares, was a last bit off it
    return precision, recall, _safe_div(2 * tp, 2 * tp + fp + fn)


def binary_metrics(y_true: object, scores: object, y_pred: object) -> dict[str, Any]:
    """Precision, recall (= detection rate), F1, FPR, ROC-AUC, PR-AUC and the confusion matrix.

    Parameters
    ----------
    y_true
        1 for anomalies (attacks), 0 for normal rows.
    scores
        Anomaly scores (higher = more anomalous), for the threshold-free metrics.
    y_pred
        0/1 decisions at the model's threshold.

    Returns
    -------
    dict
        Plain keys: ``roc_auc``, ``pr_auc``, ``precision``, ``recall``, ``detection_rate``,
        ``f1``, ``fpr``, ``accuracy``, ``tp``, ``fp``, ``tn``, ``fn``, ``n``, ``n_anomalies``.
        AUCs are ``None`` when only one class is present, ``precision`` when nothing is
        flagged (no alert, no share of them true; recall and F1 are then 0.0).

    Examples
    --------
    >>> m = binary_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], [0, 1, 0, 1])
    >>> m["roc_auc"], m["f1"], m["fpr"]
    (0.75, 0.5, 0.5)
    >>> m = binary_metrics([0, 1, 1], [0.2, 0.9, 0.8], [0, 0, 0])  # nothing flagged
    >>> m["precision"], m["recall"], m["f1"]
    (None, 0.0, 0.0)
    """
    s = check_scores(scores)
    y = check_labels(y_true, s.size, what="y_true")
    p = check_labels(y_pred, s.size, what="y_pred")
    if s.size == 0:
        raise InputError("no rows to evaluate")
    tp, fp, tn, fn = _confusion(y, p)
    precision, recall, f1 = _precision_recall_f1(tp, fp, fn)
    both = 0 < y.sum() < y.size
    return {
        "roc_auc": float(roc_auc_score(y, s)) if both else None,
        "pr_auc": float(average_precision_score(y, s)) if both else None,
        "precision": precision,
        "recall": recall,
        "detection_rate": recall,
        "f1": f1,
        "fpr": _safe_div(fp, fp + tn),
        "accuracy": _safe_div(tp + tn, y.size),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "n": int(y.size),
        "n_anomalies": int(y.sum()),
    }


def per_class_detection(
    classes: object,
    y_pred: object,
    mapping: Mapping[str, str] | None = None,
    *,
    normal: str | Sequence[str] = ("normal",),
) -> dict[str, dict[str, float | int]]:
    """Share of rows of each class that were flagged.

    For attack classes this is the detection rate; for the normal class it is the
    false-positive rate. With ``mapping`` (e.g. NSL-KDD attack → DoS/Probe/R2L/U2R), rows are
    grouped by category first; names missing from the map keep their own name.

    Parameters
    ----------
    classes
        Class name per row (e.g. the attack type; ``"normal"`` for normal rows).
    y_pred
        0/1 decisions per row.
    mapping
        Optional class name → category; names missing from it keep their own name.
    normal
        Names of the normal class(es), listed last.

    Returns
    -------
    dict
        Per class (or category): ``n`` rows, ``detected`` (flagged) rows and their ``rate``;
        attack classes first, then the normal ones, each group sorted by name.

    Raises
    ------
    hourglass.errors.InputError
        When the lengths differ or a decision is not 0/1.

    Examples
    --------
    >>> per_class_detection(["normal", "smurf", "smurf", "nmap"], [0, 1, 0, 1],
    ...                     {"smurf": "DoS", "nmap": "Probe"})["DoS"]
    {'n': 2, 'detected': 1, 'rate': 0.5}
    """
    import pandas as pd

    normal = normal_names(normal)
    names = np.asarray(classes).ravel()
    # text labels (evaluate's) as they are: astype(str) made a fixed-width copy of every row
    # (4 bytes a character of the longest label), and class_codes then a new str of each
    if names.dtype != object or pd.api.types.infer_dtype(names, skipna=False) != "string":
        names = names.astype(str)
    pred = np.asarray(y_pred).ravel()
    if names.size != pred.size:
        raise InputError(f"{names.size} class labels for {pred.size} predictions")
    pred = check_labels(pred, pred.size, what="y_pred").astype(np.int64)
    # counted in one pass (a mask per class was quadratic: 20,000 label values took 6 s)
    inverse, uniq = class_codes(names, mapping, normal)
    counts = np.bincount(inverse, minlength=uniq.size)
    hits = np.bincount(inverse, weights=pred, minlength=uniq.size)
    out: dict[str, dict[str, float | int]] = {}
    for i in sorted(range(uniq.size), key=lambda k: (str(uniq[k]) in normal, str(uniq[k]))):
        n, hit = int(counts[i]), int(round(hits[i]))
        out[str(uniq[i])] = {"n": n, "detected": hit, "rate": _safe_div(hit, n)}
    return out


def class_codes(names: np.ndarray, mapping: Mapping[str, str] | None = None,
                normal: str | Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, the distinct names) of the text labels ``names``, each mapped through
    ``mapping`` first (a name missing from it, or one of ``normal``, keeps its own name).

    Hashed, not sorted, and mapped once per distinct name: ``np.unique`` of 2 million labels
    took 5 s and a lookup per row 1 s more; the order of the names is their first appearance.

    Examples
    --------
    >>> codes, names = class_codes(np.array(["smurf", "normal", "nmap", "smurf"]), {"smurf": "DoS"})
    >>> codes.tolist(), names.tolist()
    ([0, 1, 2, 0], ['DoS', 'normal', 'nmap'])
    """
    import pandas as pd

    codes, uniq = pd.factorize(np.asarray(names).ravel())
    uniq = np.asarray(uniq, dtype=object)
    normal = normal_names(normal)
    if mapping:
        mapped = np.array([v if v in normal else mapping.get(v, v) for v in uniq.tolist()], dtype=object)
        merged, uniq = pd.factorize(mapped)  # two names of one category count as one
        codes, uniq = merged[codes], np.asarray(uniq, dtype=object)
    return np.asarray(codes, dtype=np.int64), uniq


def _check_k(k: object) -> None:
    """Refuse a precision@k ``k`` that is not an integer >= 1 (an integral float is one)."""
    if isinstance(k, bool) or not (isinstance(k, numbers.Integral) or (isinstance(k, float)
                                                                      and k.is_integer())) \
            or not 0 < k:  # type: ignore[operator]
        shown = "an integer past float's range" if isinstance(k, int) and k.bit_length() > 1024 else repr(k)
        raise InputError(f"precision@k: k must be an integer >= 1, got {shown}")


def precision_at_k(y_true: object, scores: object, k: int) -> float:
    """Share of anomalies among the ``k`` highest-scoring rows.

    Rows tied at the ``k``-th highest score share its places: the tied group counts with its own
    share of anomalies (the expected precision when ties are taken in a random order), so the
    figure does not depend on the order of the rows (row order made a model scoring every row
    alike look perfect on a file listing its attacks first, and useless listed last).

    Parameters
    ----------
    y_true
        0 (normal) / 1 (anomaly) per row.
    scores
        Anomaly score per row, higher = more anomalous.
    k
        How many of the highest-scoring rows to look at (all rows when there are fewer).

    Returns
    -------
    float
        The share of anomalies among them, in [0, 1].

    Examples
    --------
    >>> precision_at_k([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.7], 2)
    1.0
    >>> precision_at_k([1, 0, 0, 0], [0.5, 0.5, 0.5, 0.5], 2)  # one anomaly among 4 tied rows
    0.25
    """
    s = check_scores(scores)
    y = check_labels(y_true, s.size, what="y_true")
    _check_k(k)
    if s.size == 0:  # the share of none is NaN (numpy's 'Mean of empty slice' warning beside it)
        raise InputError("precision@k: no rows to rank")
    k = min(int(k), s.size)
    cut = np.partition(s, s.size - k)[s.size - k]  # the k-th highest score
    above, tied = s > cut, s == cut
    n_above = int(np.count_nonzero(above))
    hits = float(np.count_nonzero(y[above])) + (k - n_above) * float(np.mean(y[tied]))
    return hits / k


def alert_volume(y_pred: object, events_per_day: float | None = None) -> dict[str, float | None]:
    """Alerts per 10,000 events and, given the event rate, expected alerts per day.

    Parameters
    ----------
    y_pred
        0 / 1 (alert) per event.
    events_per_day
        Events a day in production (> 0), or ``None``.

    Returns
    -------
    dict
        ``alerts_per_10k`` and ``alerts_per_day`` (``None`` without ``events_per_day``).

    Examples
    --------
    >>> alert_volume([0] * 99 + [1], events_per_day=5000)
    {'alerts_per_10k': 100.0, 'alerts_per_day': 50.0}
    """
    p = np.asarray(y_pred).ravel()
    if p.size == 0:
        raise InputError("no rows to count alerts on")
    p = check_labels(p, p.size, what="y_pred")
    rate = None
    if events_per_day is not None:
        try:
            rate = None if isinstance(events_per_day, bool) or not isinstance(events_per_day, numbers.Real) \
                else float(events_per_day)
        except OverflowError:  # an int past float's range
            rate = float("inf")
        if rate is None or not 0 < rate < float("inf"):
            shown = "an integer past float's range" if isinstance(events_per_day, int) \
                and rate == float("inf") else repr(events_per_day)
            raise InputError(f"events_per_day must be a number > 0, got {shown}")
    # from the count, one rounding (the mean's share times 1e4: 683 alerts in 2,000 rows were
    # 3415.0000000000005 per 10k in evaluate --json)
    flagged = int(np.count_nonzero(p))
    per_day = None
    if rate is not None:
        per_day = flagged * rate / p.size
        if per_day == float("inf"):  # a rate near the largest float: the share first
            per_day = flagged / p.size * rate
    return {"alerts_per_10k": 1e4 * flagged / p.size, "alerts_per_day": per_day}


def threshold_curve(y_true: object, scores: object, n_points: int = 200) -> dict[str, np.ndarray]:
    """Precision, recall, FPR and alert share for candidate thresholds spanning the scores.

    Candidates are ``n_points`` quantiles of the scores (so the curve has detail where the data
    is), each used as "flag if score > threshold". Multiply ``alert_share`` by the event rate
    for alerts per day.

    Parameters
    ----------
    y_true
        1 for anomalies, 0 for normal rows.
    scores
        Finite anomaly scores (higher = more anomalous).
    n_points
        Candidate thresholds (quantiles of the scores; ties merged), >= 1.

    Returns
    -------
    dict
        Arrays of one value per distinct candidate: ``threshold``, ``precision`` (1 where
        nothing is flagged), ``recall``, ``fpr`` and ``alert_share``.

    Raises
    ------
    hourglass.errors.InputError
        No scores, a non-finite score, labels that are not 0/1 or of another length, or a
        wrong ``n_points``.

    Examples
    --------
    >>> c = threshold_curve([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], n_points=5)
    >>> c["recall"].tolist()[0], c["alert_share"].tolist()[-1]
    (1.0, 0.0)
    """
    if (isinstance(n_points, bool) or not isinstance(n_points, numbers.Integral)
            or int(n_points) < 1):
        raise InputError(f"threshold_curve: n_points must be an integer >= 1, got {n_points!r}")
    s = check_scores(scores)
    if s.size == 0:
        raise InputError("threshold_curve: no scores (the curve needs at least one)")
    y = check_labels(y_true, s.size, what="y_true")
    # (the thresholds module's quantile: numpy's overflowed between scores more than the largest
    # float apart, a candidate -inf in place of the quantile of -1e308 and 1e308)
    thr = np.unique(quantile(s, np.linspace(0, 1, int(n_points))))
    order = np.sort(s)
    # rows strictly above each threshold, per class
    pos, neg = np.sort(s[y == 1]), np.sort(s[y == 0])
    tp = pos.size - np.searchsorted(pos, thr, side="right")
    fp = neg.size - np.searchsorted(neg, thr, side="right")
    flagged = order.size - np.searchsorted(order, thr, side="right")
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 1.0)
        recall = tp / max(pos.size, 1)
        fpr = fp / max(neg.size, 1)
    return {"threshold": thr, "precision": precision, "recall": recall, "fpr": fpr,
            "alert_share": flagged / s.size}


def evaluate_scores(
    y_true: object,
    scores: object,
    y_pred: object,
    *,
    classes: object | None = None,
    categories: Mapping[str, str] | None = None,
    normal: str | Sequence[str] = ("normal",),
    events_per_day: float | None = None,
    ks: tuple[int, ...] = (10, 100, 1000),
) -> dict[str, Any]:
    """Everything ``hourglass evaluate`` reports: :func:`binary_metrics`, alert volume,
    precision@k, and detection per class / per category when class names are given.

    With one class only (an attack capture, or normal traffic alone) the metrics that need the
    other class are ``None`` (shown as n/a), not a trivial 1 or 0: without normal rows the
    precision, F1 and false-positive rate; without anomalies the precision, F1, recall and
    detection rate; either way each precision@k. Nothing flagged, the precision (the share of
    true alerts among none) is ``None`` too; the F1 is 0 where there are anomalies, all missed.

    Parameters
    ----------
    y_true
        1 for anomalies, 0 for normal rows.
    scores
        Finite anomaly scores (higher = more anomalous).
    y_pred
        0/1 decisions at the model's threshold.
    classes
        Optional class name per row, for detection per class.
    categories
        Optional class name → category, for detection per category (needs ``classes``).
    normal
        Names of the normal class(es).
    events_per_day
        Event rate, for alerts per day (``None``: not reported).
    ks
        The ``k`` of precision@k (those above the row count are left out).

    Returns
    -------
    dict
        The keys of :func:`binary_metrics`, ``alerts_per_10k``, ``alerts_per_day``,
        ``events_per_day``, ``precision_at_k`` (by ``str(k)``), and with ``classes``
        ``per_class`` (and ``per_category``) as :func:`per_class_detection` gives them.

    Raises
    ------
    hourglass.errors.InputError
        No rows, a non-finite score, labels or decisions that are not 0/1 or of another
        length, or a ``k`` that is not a positive integer.

    Examples
    --------
    >>> r = evaluate_scores([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], [0, 1, 0, 1], ks=(1,))
    >>> r["precision_at_k"], r["alerts_per_10k"]
    ({'1': 1.0}, 5000.0)
    >>> r = evaluate_scores([1, 1, 1], [0.2, 0.9, 0.8], [0, 1, 1])
    >>> r["recall"], r["fpr"], r["precision"]
    (0.6666666666666666, None, None)
    >>> r = evaluate_scores([0, 1, 1], [0.2, 0.9, 0.8], [0, 0, 0])  # nothing flagged
    >>> r["precision"], r["recall"], r["f1"]
    (None, 0.0, 0.0)
    """
    s = check_scores(scores)
    ks = tuple(ks)  # (a generator is read twice)
    for k in ks:  # every k, also those past the rows or not ranked (one class)
        _check_k(k)
    # an integral float is that integer: its key is "10", not "10.0" (10 and 10.0 are one k)
    ks = tuple(dict.fromkeys(int(k) for k in ks))
    out = binary_metrics(y_true, s, y_pred)
    y = check_labels(y_true, s.size, what="y_true")  # 0/1 as numbers ("0"/"1" text too)
    one_class = bool(y.size) and not 0 < int(np.count_nonzero(y)) < y.size
    if one_class:  # see above
        out.update(dict.fromkeys(("precision", "f1", "fpr") if np.all(y != 0) else
                                 ("precision", "f1", "recall", "detection_rate")))
    out.update(alert_volume(y_pred, events_per_day))
    out["events_per_day"] = events_per_day
    # one class: the share of anomalies among the top k is that of every row (1 or 0), as trivial
    # as the precision
    out["precision_at_k"] = {str(k): None if one_class else precision_at_k(y_true, s, k)
                             for k in ks if k <= s.size}
    if classes is not None:
        out["per_class"] = per_class_detection(classes, y_pred, normal=normal)
        if categories:
            out["per_category"] = per_class_detection(classes, y_pred, categories, normal=normal)
    return out
