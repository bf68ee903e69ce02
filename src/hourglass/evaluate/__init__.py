"""Metrics for detectors: threshold-free (ROC-AUC, PR-AUC) and at the operating point, alert
volume, precision@k, per-class detection; :mod:`hourglass.evaluate.report` writes the HTML report."""

from hourglass.evaluate.metrics import (
    alert_volume,
    binary_metrics,
    evaluate_scores,
    per_class_detection,
    precision_at_k,
    threshold_curve,
)

__all__ = ["alert_volume", "binary_metrics", "evaluate_scores", "per_class_detection",
           "precision_at_k", "threshold_curve"]
