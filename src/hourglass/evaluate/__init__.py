"""Metrics for detectors: threshold-free (ROC-AUC, PR-AUC) and at the operating point; event-wise
and point-adjusted (always beside point-wise) for time series."""

from hourglass.evaluate.metrics import binary_metrics, per_class_detection
from hourglass.evaluate.timeseries import events, point_adjust, time_to_detect, timeseries_metrics

__all__ = ["binary_metrics", "events", "per_class_detection", "point_adjust", "time_to_detect",
           "timeseries_metrics"]
