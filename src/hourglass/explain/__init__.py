"""Explanations: why a row or a session was flagged."""

from hourglass.explain.events import session_alerts

__all__ = ["session_alerts"]
