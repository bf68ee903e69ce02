"""Explanations: why a row or a session was flagged."""

from hourglass.explain.events import session_alerts
from hourglass.explain.tabular import (
    METHODS,
    column_attributions,
    column_errors,
    explain_rows,
    explainable,
    explanation_method,
)

__all__ = ["METHODS", "column_attributions", "column_errors", "explain_rows", "explainable",
           "explanation_method", "session_alerts"]
