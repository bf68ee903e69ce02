"""Binary detection metrics with anomaly = positive class, and per-class detection rates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from hourglass.errors import InputError
from hourglass.features.validation import check_labels

__all__ = ["binary_metrics", "per_class_detection"]


def _safe_div(a: float, b: float) -> float:
    return float(a / b) if b else 0.0


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
        AUCs are ``None`` when only one class is present.

    Examples
    --------
    >>> m = binary_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], [0, 1, 0, 1])
    >>> m["roc_auc"], m["f1"], m["fpr"]
    (0.75, 0.5, 0.5)
    """
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = check_labels(y_true, s.size, what="y_true")
    p = check_labels(y_pred, s.size, what="y_pred")
    if s.size == 0:
        raise InputError("no rows to evaluate")
    tp = int(((p == 1) & (y == 1)).sum())
    fp = int(((p == 1) & (y == 0)).sum())
    tn = int(((p == 0) & (y == 0)).sum())
    fn = int(((p == 0) & (y == 1)).sum())
    precision = _safe_div(tp, tp + fp)
    recall = _safe_div(tp, tp + fn)
    both = 0 < y.sum() < y.size
    return {
        "roc_auc": float(roc_auc_score(y, s)) if both else None,
        "pr_auc": float(average_precision_score(y, s)) if both else None,
        "precision": precision,
        "recall": recall,
        "detection_rate": recall,
        "f1": _safe_div(2 * precision * recall, precision + recall),
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
    normal: tuple[str, ...] = ("normal",),
) -> dict[str, dict[str, float | int]]:
    """Share of rows of each class that were flagged.

    For attack classes this is the detection rate; for the normal class it is the
    false-positive rate. With ``mapping`` (e.g. NSL-KDD attack → DoS/Probe/R2L/U2R), rows are
    grouped by category first; names missing from the map keep their own name.

    Examples
    --------
    >>> per_class_detection(["normal", "smurf", "smurf", "nmap"], [0, 1, 0, 1],
    ...                     {"smurf": "DoS", "nmap": "Probe"})["DoS"]
    {'n': 2, 'detected': 1, 'rate': 0.5}
    """
    names = np.asarray(classes).astype(str).ravel()
    pred = np.asarray(y_pred).ravel().astype(np.int64)
    if names.size != pred.size:
        raise InputError(f"{names.size} class labels for {pred.size} predictions")
    if mapping:
        names = np.array([mapping.get(v, v) if v not in normal else v for v in names])
    out: dict[str, dict[str, float | int]] = {}
    for c in sorted(set(names.tolist()), key=lambda v: (v in normal, v)):
        mask = names == c
        n = int(mask.sum())
        hit = int(pred[mask].sum())
        out[c] = {"n": n, "detected": hit, "rate": _safe_div(hit, n)}
    return out
