"""Metrics for detectors: threshold-free (ROC-AUC, PR-AUC) and at the operating point, alert
volume, precision@k, per-class detection; event-wise and point-adjusted (always beside
point-wise) and VUS-PR for time series; :mod:`hourglass.evaluate.report` writes the HTML report.

An error names a bad score, label or decision by its row (a series' value by its step) counted
from 1, the first element row 1, as the CLI and the service name rows: ``[0.1, nan]`` is
``first at row 2``, and so is a missing label in the second place."""

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
