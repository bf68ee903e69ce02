"""The drift check of a loaded model: an :class:`~hourglass.thresholds.AlertRateMonitor` whose
reference is the threshold that flags what is being scored (used by ``hourglass score``,
``hourglass stream`` and the ``/health`` of the scoring service)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hourglass.thresholds import AlertRateMonitor, Fixed
from hourglass.thresholds.monitor import mean_run_length

__all__ = ["drift_flags", "drift_monitor"]


def drift_monitor(pipe: Any, window: int = 1000, *, causal: bool = False) -> AlertRateMonitor:
    """A monitor of the flags ``pipe`` gives, against the rate its threshold promises.

    Time-series models raise alerts in runs of neighbouring steps: the monitor counts runs
    (``run_length`` measured on the held-out normal scores, in time order). With ``causal`` (a
    step-by-step stream), a series model's stream threshold and its causal held-out scores are
    the reference where the model has them, since those flag the streamed steps; without a
    stream threshold, the rate at which the threshold fitted on averaged scores (which the
    stream then applies) flags the causal held-out scores. Raises
    :class:`~hourglass.errors.InputError` when the threshold's rate cannot be known.

    Examples
    --------
    >>> import pandas as pd
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"bytes": np.arange(200.0), "proto": ["tcp", "udp"] * 100})
    >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
    >>> mon = drift_monitor(pipe, 500)
    >>> round(mon.expected, 4), mon.n_ref, mon.window   # percentile 99 of 20 held-out scores
    (0.0567, 20, 500)
    """
    det = pipe.detector_
    threshold, normal = det.threshold_, det.val_scores_
    run_length = 1.0
    if getattr(pipe.features_, "output", "tabular") == "timeseries":
        stream = getattr(det, "stream_threshold_", None)
        causal_scores = getattr(det, "stream_val_scores_", None)
        if causal and causal_scores is not None and np.asarray(causal_scores).size:
            if stream is not None:
                threshold, normal = stream, causal_scores
            else:  # the stream applies the cut-off fitted on averaged scores to causal ones, which
                # it flags more often (4.4% of them for a percentile 99 of averaged scores): its
                # rate on the causal held-out scores is the one to expect
                threshold = Fixed(float(threshold.value_)).fit(causal_scores, on=det.val_scores_source())
                normal = causal_scores
        run_length = mean_run_length(threshold.predict(np.asarray(normal)))
    unit = {"timeseries": "steps", "events": "sessions", "entity": "buckets"}.get(
        getattr(pipe.features_, "output", ""), "rows")
    return AlertRateMonitor.from_threshold(threshold, normal, window, run_length=run_length, unit=unit)


def drift_flags(pipe: Any, flags: Any) -> list[int]:
    """The flags of a scored series' steps that a drift check counts: all of them, but a
    forecaster's first ``window`` steps (``detector_.unpredicted_steps``), whose flags copy the
    first forecast's: the rate the check expects is that of the held-out forecasts, one per
    step, and a series (a request of the service) would otherwise count its first forecast
    ``window + 1`` times.

    Parameters
    ----------
    pipe
        The fitted pipeline that flagged the steps.
    flags
        0/1 flags of the series' steps, in time order.

    Returns
    -------
    list of int
        The flags to feed the drift check, in time order.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> forecaster = SimpleNamespace(detector_=SimpleNamespace(unpredicted_steps=3))
    >>> drift_flags(forecaster, [1, 1, 1, 1, 0]), drift_flags(SimpleNamespace(detector_=None), [1, 0])
    ([1, 0], [1, 0])
    """
    skip = int(getattr(pipe.detector_, "unpredicted_steps", 0))
    return np.asarray(flags).astype(int).ravel()[skip:].tolist()
