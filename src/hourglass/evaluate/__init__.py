"""Metrics for detectors: threshold-free (ROC-AUC, PR-AUC) and at the operating point."""

from hourglass.evaluate.metrics import binary_metrics, per_class_detection

__all__ = ["binary_metrics", "per_class_detection"]
