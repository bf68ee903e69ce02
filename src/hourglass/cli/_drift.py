"""The drift check of ``score`` and ``stream``: an :class:`~hourglass.thresholds.AlertRateMonitor`
fed with the flags of the scored rows, its warnings and summary on stderr (never on stdout, never
in the outputs)."""

from __future__ import annotations

import logging
from typing import Any

from hourglass.errors import HourglassError

__all__ = ["DriftCheck"]

logger = logging.getLogger("hourglass")


class DriftCheck:
    """The monitor of a loaded pipeline (:func:`~hourglass.serve.drift.drift_monitor`; ``causal``
    for the step-by-step stream); ``window=0``: a check that does nothing."""

    def __init__(self, pipe: Any, window: int, *, causal: bool = False) -> None:
        from hourglass.serve.drift import drift_monitor
        from hourglass.thresholds import AlertRateMonitor

        self.monitor: AlertRateMonitor | None = None
        if window <= 0:
            return
        try:
            self.monitor = drift_monitor(pipe, window, causal=causal)
        except HourglassError as exc:  # the check is an aid: scoring goes on without it, said once
            logger.warning("drift check off: %s", exc)

    def update(self, flags: Any) -> None:
        """Feed the 0/1 flags of the next rows, in order; a warning line when the check fires,
        an info line when the episode ends."""
        if self.monitor is None:
            return
        for event in self.monitor.update(flags):
            if event.kind == "fired":
                logger.warning("warning: drift check: %s", event.describe())
            else:
                logger.info("drift check: %s", event.describe())

    def summary(self) -> None:
        """The run's alert rate against the expected one and the warnings (stderr)."""
        if self.monitor is not None and self.monitor.rows:
            logger.info("drift check: %s", self.monitor.summary())
