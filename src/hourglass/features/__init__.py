"""Preprocessing: tabular encoders and scalers whose fitted state is plain JSON."""

from hourglass.features.entity import EntityWindows
from hourglass.features.sessions import EventSessions
from hourglass.features.tabular import TabularPreprocessor
from hourglass.features.validation import check_array, check_labels

__all__ = ["EntityWindows", "EventSessions", "TabularPreprocessor", "check_array", "check_labels"]
