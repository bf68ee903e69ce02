"""Metrics agree with scikit-learn; per-class rates group attack names into categories."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from hourglass.errors import InputError
from hourglass.evaluate import binary_metrics, per_class_detection


def test_binary_metrics_match_sklearn() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = y + rng.normal(scale=0.8, size=500)
    p = (s > 0.5).astype(int)
    m = binary_metrics(y, s, p)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, s))
    assert m["pr_auc"] == pytest.approx(average_precision_score(y, s))
    assert m["f1"] == pytest.approx(f1_score(y, p))
    assert m["precision"] == pytest.approx(precision_score(y, p))
    assert m["recall"] == pytest.approx(recall_score(y, p)) == m["detection_rate"]
    assert m["fpr"] == pytest.approx(((p == 1) & (y == 0)).sum() / (y == 0).sum())
    assert m["tp"] + m["fp"] + m["tn"] + m["fn"] == 500


def test_single_class_has_no_auc() -> None:
    m = binary_metrics([0, 0, 0], [0.1, 0.2, 0.3], [0, 0, 1])
    assert m["roc_auc"] is None and m["fpr"] == pytest.approx(1 / 3)


def test_bad_labels() -> None:
    with pytest.raises(InputError, match="0 \\(normal\\) or 1"):
        binary_metrics([0, 2], [0.1, 0.2], [0, 1])
    with pytest.raises(InputError, match="labels for"):
        binary_metrics([0, 1, 1], [0.1, 0.2], [0, 1])


def test_per_category_detection() -> None:
    out = per_class_detection(
        ["normal", "neptune", "smurf", "nmap", "normal", "mystery"], [1, 1, 0, 1, 0, 1],
        {"neptune": "DoS", "smurf": "DoS", "nmap": "Probe"})
    assert out["DoS"] == {"n": 2, "detected": 1, "rate": 0.5}
    assert out["Probe"]["rate"] == 1.0
    assert out["mystery"]["n"] == 1
    assert out["normal"]["rate"] == 0.5
    assert list(out)[-1] == "normal"


def test_evaluate_scores_reads_text_labels_as_numbers() -> None:
    # labels "0"/"1" (as read from a CSV column of text): the one-class test counted "0" as nonzero
    # and blanked precision, F1 and FPR
    from hourglass.evaluate import evaluate_scores

    text = evaluate_scores(["0", "1", "0", "1"], [.1, .9, .2, .8], [0, 1, 0, 1], ks=(1,))
    num = evaluate_scores([0, 1, 0, 1], [.1, .9, .2, .8], [0, 1, 0, 1], ks=(1,))
    for key in ("precision", "recall", "f1", "fpr", "roc_auc"):
        assert text[key] == num[key] and text[key] is not None


@pytest.mark.parametrize(("y", "s", "n", "match"), [
    ([], [], 5, "no scores"),
    ([0, 1], [0.1, 0.2], -1, "n_points must be an integer >= 1"),
    ([0, 1], [0.1, 0.2], 0, "n_points must be an integer >= 1"),
    ([0, 1], [0.1, 0.2], 2.5, "n_points must be an integer >= 1"),
])
def test_threshold_curve_names_empty_scores_and_a_bad_n_points(y: list[int], s: list[float], n: object,
                                                              match: str) -> None:
    from hourglass.evaluate.metrics import threshold_curve

    with pytest.raises(InputError, match=match):
        threshold_curve(y, s, n_points=n)  # type: ignore[arg-type]
