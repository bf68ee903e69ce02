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
    """The monitor of a loaded pipeline (``window=0``: a check that does nothing).

    Time-series models raise alerts in runs of neighbouring steps; their monitor counts runs
    (``run_length`` measured on the held-out normal scores, in time order). With ``causal`` (the
    step-by-step stream), a series model's stream threshold and its causal held-out scores are
    the reference, where the model has them: those are what flags the streamed steps.
    """

    def __init__(self, pipe: Any, window: int, *, causal: bool = False) -> None:
        import numpy as np

        from hourglass.thresholds import AlertRateMonitor

        self.monitor: AlertRateMonitor | None = None
        if window <= 0:
            return
        det = pipe.detector_
        threshold, normal = det.threshold_, det.val_scores_
        run_length = 1.0
        if getattr(pipe.features_, "output", "tabular") == "timeseries":
            from hourglass.thresholds.monitor import mean_run_length

            stream = getattr(det, "stream_threshold_", None)
            if causal and stream is not None and getattr(det, "stream_val_scores_", None) is not None:
                threshold, normal = stream, det.stream_val_scores_
            run_length = mean_run_length(threshold.predict(np.asarray(normal)))
        try:
            self.monitor = AlertRateMonitor.from_threshold(threshold, normal, window,
                                                           run_length=run_length)
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
