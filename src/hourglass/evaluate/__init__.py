"""Metrics for detectors: threshold-free (ROC-AUC, PR-AUC) and at the operating point, alert
volume, precision@k, per-class detection; event-wise and point-adjusted (always beside
point-wise) and VUS-PR for time series; :mod:`hourglass.evaluate.report` writes the HTML report."""

from hourglass.evaluate.metrics import (
    alert_volume,
    binary_metrics,
    evaluate_scores,
    per_class_detection,
    precision_at_k,
    threshold_curve,
)
from hourglass.evaluate.timeseries import events, point_adjust, time_to_detect, timeseries_metrics
from hourglass.evaluate.vus import tsb_sliding_window, vus_pr, vus_roc, vus_volumes

__all__ = ["alert_volume", "binary_metrics", "evaluate_scores", "events", "per_class_detection",
           "point_adjust", "precision_at_k", "threshold_curve", "time_to_detect",
           "timeseries_metrics", "tsb_sliding_window", "vus_pr", "vus_roc",
           "vus_volumes"]
