"""Explanations: why a row, a time step or a session was flagged."""

from hourglass.explain.entity import (
    BUCKET_COLUMNS,
    bucket_reasons,
    bucket_verdicts,
    explain_buckets,
    top_values,
)
from hourglass.explain.events import session_alerts
from hourglass.explain.tabular import (
    METHODS,
    column_attributions,
    column_errors,
    explain_rows,
    explainable,
    explanation_method,
    unknown_method,
)
from hourglass.explain.timeseries import (
    explain_steps,
    flagged_stretches,
    series_explainable,
    step_errors,
)

__all__ = ["BUCKET_COLUMNS", "METHODS", "bucket_reasons", "bucket_verdicts", "column_attributions",
           "column_errors", "explain_buckets", "explain_rows", "explain_steps", "explainable",
           "explanation_method", "flagged_stretches", "series_explainable", "session_alerts",
           "step_errors", "top_values", "unknown_method"]
