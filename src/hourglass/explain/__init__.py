"""Explanations: why a row or a session was flagged."""

from hourglass.explain.events import session_alerts
from hourglass.explain.tabular import column_errors, explain_rows, explainable

__all__ = ["column_errors", "explain_rows", "explainable", "session_alerts"]
