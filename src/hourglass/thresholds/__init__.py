"""Score → decision. A threshold object is fitted on held-out normal scores and saved in the
artefact as plain JSON."""

from hourglass.thresholds.base import (
    Contamination,
    Fixed,
    Percentile,
    Threshold,
    threshold_from_dict,
    threshold_from_spec,
)

__all__ = ["Contamination", "Fixed", "Percentile", "Threshold", "threshold_from_dict", "threshold_from_spec"]
