"""Score → decision. A threshold object is fitted on held-out normal scores (or, for best-F1, a
labelled validation set) and saved in the artefact as plain JSON. :class:`Calibrator` maps raw
scores to a 0–1 anomaly probability and a severity.

Examples
--------
>>> import numpy as np
>>> from hourglass import thresholds
>>> held_out = np.random.default_rng(0).exponential(size=5000)   # normal scores, never trained on
>>> rule = thresholds.threshold_from_spec("pot:1e-4").fit(held_out)
>>> rule.predict([1.0, 50.0]).tolist()
[0, 1]
"""

from hourglass.thresholds.base import (
    HELD_OUT,
    TRAINING,
    Contamination,
    Fixed,
    Percentile,
    Threshold,
    threshold_from_dict,
    threshold_from_spec,
)
from hourglass.thresholds.bound import FalseAlarmBound, min_normal_scores
from hourglass.thresholds.budget import AlertBudget, events_per_day
from hourglass.thresholds.calibration import SEVERITIES, Calibrator
from hourglass.thresholds.monitor import AlertRateMonitor, DriftEvent, expected_alert_rate
from hourglass.thresholds.pot import DSPOT, POT, SPOT
from hourglass.thresholds.supervised import BestF1, BestFBeta

__all__ = ["DSPOT", "HELD_OUT", "POT", "SEVERITIES", "SPOT", "TRAINING", "AlertBudget", "AlertRateMonitor",
           "BestF1", "BestFBeta", "Calibrator", "Contamination", "DriftEvent", "FalseAlarmBound", "Fixed",
           "Percentile", "Threshold", "events_per_day", "expected_alert_rate", "min_normal_scores",
           "threshold_from_dict", "threshold_from_spec"]
