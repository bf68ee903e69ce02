"""Why a time step of a series was flagged: each channel's part of the step's score.

A window autoencoder or forecaster scores a window by the error it makes on each channel; its
detector's ``score_channels`` splits every step's score into one part per channel, aligned and
reduced exactly as the scores are (see
:meth:`~hourglass.detectors.windowed.WindowDetector.score_channels`). Here those parts become a
text a person can act on: ``cpu_user=93.1 vs 41.5 expected (71%, 12× normal); disk_io=...``, with
each channel's value at that step as the model saw it (on its time grid, before scaling) and what
the model expected there.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np
import pandas as pd

from hourglass.errors import InputError
from hourglass.explain.tabular import the_way_for

if TYPE_CHECKING:
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.pipeline import Pipeline

__all__ = ["StepErrors", "explain_steps", "flagged_stretches", "series_explainable", "step_errors",
           "steps_table", "time_column", "why_steps"]

#: The columns of a table of explained steps (``hourglass explain`` adds ``severity``).
STEP_COLUMNS = ("step", "score", "flag", "severity", "top_channel", "top_share", "why")

_SUPPORTED = "lstm-ae, gru-ae, lstm-forecaster, tcn-ae, conv2d-ae, cnn-lstm"


class StepErrors(NamedTuple):
    """Per-step scores of a series and their split by channel (one row per grid step).

    Examples
    --------
    >>> e = StepErrors(index=pd.RangeIndex(3), scores=np.array([0.1, 2.0, 0.2]), flags=np.array([0, 1, 0]),
    ...                parts=np.array([[0.05, 0.05], [1.5, 0.5], [0.1, 0.1]]), channels=["cpu", "mem"],
    ...                values=np.array([[0.3, 0.5], [9.0, 0.6], [0.2, 0.5]]), normal_error=None)
    >>> bool(np.allclose(e.parts.sum(axis=1), e.scores))    # the parts add up to the score
    True
    >>> why_steps(e, np.array([1]), top=2)
    (['cpu'], ['cpu=9 (75%); mem=0.6 (25%)'])
    """

    #: the grid: timestamps, or row numbers for a model without a timestamp column
    index: pd.Index
    #: each step's score, exactly as ``Pipeline.score`` gives it
    scores: np.ndarray
    #: 0/1 per step, by the model's threshold
    flags: np.ndarray
    #: ``(steps, channels)``: each channel's part of the step's score (adding up to it)
    parts: np.ndarray
    #: the model's input channels (a ``c__missing`` mask channel counts as a channel)
    channels: list[str]
    #: ``(steps, channels)``: the value of each channel at each step, before scaling
    values: np.ndarray
    #: the error unit of each channel (its mean error on the held-out normal tail), or ``None``
    #: when the model scores plain errors (``score_norm="none"``)
    normal_error: np.ndarray | None
    #: ``(steps, channels)``: what the model expected each channel to be (its reconstruction or
    #: forecast, averaged over the windows about the step), in the values' units; NaN where
    #: nothing predicts the step (a forecaster's first steps); ``None`` when not computed
    expected: np.ndarray | None = None


def series_explainable(pipe: Pipeline) -> str | None:
    """``None`` when the fitted pipeline can explain the time steps of a series, else why not
    (one line).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder, LSTMAutoEncoder
    >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
    >>> df = pd.DataFrame({"cpu": np.sin(np.arange(60) / 3)})
    >>> ts = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
    ...               features=TimeSeriesPreprocessor()).fit(df)
    >>> series_explainable(ts) is None
    True
    >>> series_explainable(Pipeline(AutoEncoder(epochs=1, verbose=0)).fit(df))[:40]
    'these explanations are for time-series m'
    """
    pipe._check_fitted()  # NotFittedError, as pipe.score says it (an AttributeError before)
    det = pipe.detector_
    if getattr(pipe.features_, "output", "tabular") != "timeseries":
        output = getattr(pipe.features_, "output", "tabular")
        return (f"these explanations are for time-series models; this model "
                f"({type(det).__name__}) reads {output} data{the_way_for(pipe)}")
    why_not = det.explain_unavailable() if hasattr(det, "explain_unavailable") else (
        f"{type(det).__name__} cannot split its scores by channel; train one of {_SUPPORTED}")
    return why_not


def step_errors(pipe: Pipeline, df: pd.DataFrame) -> StepErrors:
    """Score the series ``df`` and split every step's score by channel (one network pass).

    The series goes through the model's preprocessing as in ``hourglass score`` (sorted,
    resampled, filled, scaled); the label column, if the model has one, is ignored.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import TCNAutoEncoder
    >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
    >>> t = np.arange(200)
    >>> df = pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 6)})
    >>> pipe = Pipeline(TCNAutoEncoder(window=16, channels=(8,), epochs=2, verbose=0),
    ...                 features=TimeSeriesPreprocessor()).fit(df)
    >>> e = step_errors(pipe, df)
    >>> e.parts.shape, e.channels, bool(np.allclose(e.parts.sum(axis=1), e.scores, rtol=1e-4))
    ((200, 2), ['cpu', 'mem'], True)
    """
    why_not = series_explainable(pipe)
    if why_not is not None:
        raise InputError(why_not)
    label = pipe.info.get("label_col")
    feats = df.drop(columns=[label]) if label and label in df.columns else df
    pre = cast("TimeSeriesPreprocessor", pipe.features_)  # time-series features (checked above)
    scaled, raw = pre.transform_with_values(feats)
    det = pipe.detector_
    scores, parts, expected = det.score_channels(scaled.to_numpy(dtype=np.float32),
                                                 return_scores=True, return_expected=True)
    k = len(pre.channels_)  # scaled channels first, then any 0/1 missing-mask channels
    expected[:, :k] = expected[:, :k] * np.asarray(pre.scale_) + np.asarray(pre.offset_)
    channels = [str(c) for c in scaled.columns]
    values = np.column_stack([raw[c].to_numpy(dtype=np.float64) if c in raw.columns
                              else scaled[c].to_numpy(dtype=np.float64) for c in scaled.columns])
    normal = det.channel_error_scale()
    return StepErrors(scaled.index, np.asarray(scores, dtype=np.float64),
                      np.asarray(det.threshold_predict(scores)).astype(int), parts, channels,
                      values, normal, expected)


def _value_text(value: float) -> str:
    v = float(value)  # (a Python float: numpy scalar calls cost several times more per step)
    if v != v:
        return "<missing>"
    text = f"{v:.5g}"
    # a whole number (a byte or request count) that 5 digits put in exponent form is given in
    # full, as the table explanations give it ('1.2346e+06' is not the 1234567 the series holds,
    # nor '5e+07' the 50000000 it was written as)
    if "e" in text and math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
        text = str(int(v))
    return text


def why_steps(errors: StepErrors, steps: np.ndarray, *, top: int = 3) -> tuple[list[str], list[str]]:
    """For each of ``steps`` (positions on the grid): the channel with the largest part of its
    score and a text naming the ``top`` largest with their values and shares.

    Each channel is quoted with its value and, when known, the value the model expected (its
    reconstruction or forecast of the step). A share is the channel's part of the step's score.
    With ``score_norm="channel"`` (the default) each channel's error is counted in units of its
    own normal error, so a share says how much of the step's *abnormality* the channel carries,
    and the text adds how many times its normal error the channel is off (``12× normal``); with
    ``score_norm="none"`` it is the channel's share of the plain squared (autoencoders) or
    absolute (forecasters) error.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> e = StepErrors(pd.RangeIndex(2), np.array([1.0, 4.0]), np.array([0, 1]),
    ...                np.array([[0.5, 0.5], [1.0, 3.0]]), ["cpu", "disk"],
    ...                np.array([[0.2, 10.0], [0.3, 990.0]]), None, np.array([[0.2, 11], [0.25, 12]]))
    >>> why_steps(e, np.array([1]), top=2)
    (['disk'], ['disk=990 vs 12 expected (75%); cpu=0.3 vs 0.25 expected (25%)'])
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be an integer >= 1, got {top!r}")
    steps = np.asarray(steps, dtype=np.int64)
    parts = errors.parts[steps]
    total = parts.sum(axis=1)
    share = np.divide(parts, total[:, None], out=np.zeros_like(parts), where=total[:, None] > 0)
    k = min(int(top), parts.shape[1])
    order = np.argsort(-parts, axis=1, kind="stable")[:, :k]
    n_ch = len(errors.channels)
    names, texts = [], []
    for row, (step, picked) in enumerate(zip(steps.tolist(), order, strict=True)):
        items = []
        for j in picked:
            extra = ""
            if errors.normal_error is not None:  # the part is error / normal error / channels
                extra = f", {parts[row, j] * n_ch:.3g}× normal"
            said = ""
            if errors.expected is not None and not np.isnan(errors.expected[step, j]):
                said = f" vs {_value_text(errors.expected[step, j])} expected"
            items.append(f"{errors.channels[j]}={_value_text(errors.values[step, j])}{said} "
                         f"({share[row, j]:.0%}{extra})")
        names.append(errors.channels[picked[0]])
        texts.append("; ".join(items))
    return names, texts


def explain_steps(pipe: Pipeline, df: pd.DataFrame, *, top: int = 3,
                  flagged_only: bool = False) -> pd.DataFrame:
    """Explain the time steps of the series ``df``: for each step its score and flag, the channel
    with the largest part of the score (``top_channel``, and ``top_share``) and ``why``, naming
    the ``top`` largest parts with the channels' values (see :func:`why_steps` for what a share
    means).

    A reconstruction error names where a window breaks the patterns the model learnt: a channel
    that moves against its usual partners carries most of it, but a shift in one channel can
    spill some error onto channels reconstructed from it. A step's score averages the windows
    covering it (``score_reduce="mean"``), so a short spike also colours the steps around it.

    Parameters
    ----------
    pipe
        A fitted time-series :class:`~hourglass.Pipeline` whose detector can split its score
        by channel (``lstm-ae``, ``gru-ae``, ``lstm-forecaster``, ``tcn-ae``, ``conv2d-ae``,
        ``cnn-lstm``).
    df
        The series, in the columns the model was trained on.
    top
        How many channels ``why`` names (>= 1).
    flagged_only
        Keep only the steps the model's threshold flags.

    Returns
    -------
    pandas.DataFrame
        One row per (kept) grid step: ``step`` (position on the grid), the timestamp column (if
        the model has one; ``timestamp`` if it is called ``step``, ``score``...), ``score``,
        ``flag``, ``top_channel``, ``top_share``, ``why``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import LSTMAutoEncoder
    >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
    >>> t = np.arange(400)
    >>> df = pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 6)})
    >>> pipe = Pipeline(LSTMAutoEncoder(window=16, hidden=16, epochs=10, verbose=0),
    ...                 features=TimeSeriesPreprocessor()).fit(df)
    >>> odd = df.copy()
    >>> odd.loc[300:310, "mem"] += 3
    >>> why = explain_steps(pipe, odd)
    >>> bool(why.loc[300:310, "top_channel"].eq("mem").all())
    True
    """
    errors = step_errors(pipe, df)  # checks the features are a time series'
    steps = np.flatnonzero(errors.flags == 1) if flagged_only else np.arange(len(errors.scores))
    timestamp_col = cast("TimeSeriesPreprocessor", pipe.features_).timestamp_col
    return steps_table(errors, steps, top=top, timestamp_col=timestamp_col)


def time_column(timestamp_col: str | None) -> str | None:
    """The name of the steps' timestamp column in a table of explained steps: the model's
    timestamp column, or ``timestamp`` when that name is one of the table's own columns
    (:data:`STEP_COLUMNS`: a series timed by a column called ``score`` or ``step``).

    Examples
    --------
    >>> time_column("ts"), time_column("score"), time_column(None)
    ('ts', 'timestamp', None)
    """
    if timestamp_col is None:
        return None
    return "timestamp" if str(timestamp_col) in STEP_COLUMNS else str(timestamp_col)


def steps_table(errors: StepErrors, steps: np.ndarray, *, top: int = 3,
                timestamp_col: str | None = None) -> pd.DataFrame:
    """The table :func:`explain_steps` returns, for the grid positions ``steps`` of ``errors``
    (``timestamp_col`` names the column of the steps' timestamps; none without it; named
    ``timestamp`` when it is one of the table's own column names, see :func:`time_column`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> e = StepErrors(pd.RangeIndex(2), np.array([1.0, 4.0]), np.array([0, 1]),
    ...                np.array([[0.5, 0.5], [1.0, 3.0]]), ["cpu", "disk"],
    ...                np.array([[0.2, 10.0], [0.3, 990.0]]), None)
    >>> steps_table(e, np.array([1]), top=1)[["step", "top_channel", "top_share", "why"]].values.tolist()
    [[1, 'disk', 0.75, 'disk=990 (75%)']]
    """
    steps = np.asarray(steps, dtype=np.int64)
    names, texts = why_steps(errors, steps, top=top)
    total = errors.scores[steps]
    top_part = errors.parts[steps].max(axis=1) if len(steps) else np.zeros(0)
    out = pd.DataFrame({"step": steps})
    name = time_column(timestamp_col)
    if name is not None:
        out[name] = np.asarray(errors.index)[steps]
    out["score"] = total
    out["flag"] = errors.flags[steps]
    text = pd.array([], dtype="string")  # no step: text columns still (a file's column types)
    out["top_channel"] = names if names else text
    # the parts add up to the score up to float rounding: share of their sum, as in 'why'
    part_sum = errors.parts[steps].sum(axis=1) if len(steps) else np.zeros(0)
    out["top_share"] = np.divide(top_part, part_sum, out=np.zeros_like(top_part), where=part_sum > 0)
    out["why"] = texts if texts else text
    return out.set_index(pd.Index(steps))


def flagged_stretches(errors: StepErrors) -> pd.DataFrame:
    """Runs of consecutive flagged steps (one incident each, as a person reads an alert), with
    the channel named first on most of the run's steps and on what share of them.

    Returns
    -------
    pandas.DataFrame
        One row per run, in time order: ``start`` and ``end`` (grid positions, inclusive),
        ``first`` and ``last`` (their timestamps or row numbers), ``steps``, ``peak`` (the
        highest score), ``main_channel`` (most often the top channel in the run) and
        ``main_share`` (the share of the run's steps that name it first).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> parts = np.array([[1.0, 0], [3.0, 1], [1, 2.0], [0, 0.5], [5.0, 0]])
    >>> e = StepErrors(pd.RangeIndex(5), parts.sum(axis=1), np.array([1, 1, 1, 0, 1]), parts,
    ...                ["cpu", "disk"], parts, None)
    >>> flagged_stretches(e)[["start", "end", "steps", "main_channel", "main_share"]].values.tolist()
    [[0, 2, 3, 'cpu', 0.6666666666666666], [4, 4, 1, 'cpu', 1.0]]
    """
    flags = np.asarray(errors.flags, dtype=int)
    edges = np.diff(np.r_[0, flags, 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    main = np.argmax(errors.parts, axis=1) if errors.parts.size else np.zeros(len(flags), dtype=int)
    index = np.asarray(errors.index)
    rows = []
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        counts = np.bincount(main[lo:hi], minlength=len(errors.channels))
        j = int(np.argmax(counts))
        rows.append({"start": lo, "end": hi - 1, "first": index[lo], "last": index[hi - 1],
                     "steps": hi - lo, "peak": float(errors.scores[lo:hi].max()),
                     "main_channel": errors.channels[j], "main_share": counts[j] / (hi - lo)})
    return pd.DataFrame(rows, columns=["start", "end", "first", "last", "steps", "peak",
                                       "main_channel", "main_share"])
