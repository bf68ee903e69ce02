"""Streaming a time-series model: one step (a JSON row) at a time, each scored as it arrives.

:class:`SeriesStreamScorer` keeps the last ``window - 1`` scaled steps. Each new step, once a
full window is there, is scored **causally**: by the model's score of the one window that *ends*
at it. ``hourglass score`` on a whole series gives a step the mean (or max) over *every* window
covering it, which needs up to ``window - 1`` future steps; a live stream cannot wait for them,
so its scores are not those of ``score`` on the same file: a single window's score varies more
than a mean of many. So the stream applies the model's **stream threshold**
(``Pipeline.stream_threshold_``): the same rule as ``score``'s threshold, fitted at training on
the causal scores of the held-out tail (the window ending at each of its steps); its calibrated
probability and severity come from those causal scores too. A model saved before stream
thresholds existed has none: the stream then applies the threshold fitted on the averaged
scores, and :attr:`SeriesStreamScorer.threshold_note` says so. The first ``window - 1`` steps
(and those after a restart) have no full window yet and are not scored.

A step goes through the model's fitted preprocessing (channel order, scaling, clipping; a
missing-value mask channel is 0). What the stream does not do: resample (a model trained with
``freq="5min"`` is refused) or fill a missing value (such a line is bad). Timestamps, when the
model has a timestamp column: a time that is not after the previous step's (out of order or
duplicate) is a bad line; for a model whose steps were regular (no ``freq``) the step length is
the training series' step (a stream at another one is refused, its lines bad: two steps in a
row of a length that is no whole number of the model's steps, or ``window`` steps in a row of
one that is; a model saved before the step was kept takes the first length two steps in a row
have, until then the first step's), and a different one (a gap, a missed sample) restarts the
window there, counted as a restart, since the model never saw a window across a gap.
``freq="rows"``: any later time is the next step. Numeric dates (``01/02/2026``) are read in
the order the model keeps; for a model that keeps none (trained on ISO or epoch times), in the
order the stream's first such dates show (or the guess, warned), kept: a later date in the other
order is a bad line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import near_names
from hourglass._times import (
    DateOrderError,
    TimeRangeError,
    _Dates,
    batch_dayfirst,
    future_problem,
    read_timestamps,
)
from hourglass.errors import InputError
from hourglass.features.roles import NUMBER_GAPS, separated_hint
from hourglass.features.timeseries import _CLIP, _span
from hourglass.serve.scoring import ModelScorer
from hourglass.serve.series_scoring import window_steps

__all__ = ["SeriesStreamScorer"]

#: what a resampling model (freq) that the stream refuses should be instead, in a Python user's
#: words; the CLI says it with its options (``cli._options.cli_advice``)
NOT_RESAMPLED = "or train with freq 'rows' or regular steps"


def step_time(ns: int, aware: bool) -> str:
    """A step's time (``ns`` since the epoch, UTC when ``aware``) as ``hourglass score`` writes
    a series' timestamp column to JSON lines.

    Examples
    --------
    >>> step_time(1583750089 * 10**9, False), step_time(1583750089 * 10**9, True)
    ('2020-03-09T10:34:49', '2020-03-09T10:34:49+00:00')
    """
    when = pd.Timestamp(ns, unit="ns")
    return (when.tz_localize("UTC") if aware else when).isoformat()


class SeriesStreamScorer(ModelScorer):
    """A saved time-series model that scores a series step by step, as its rows arrive.

    Build it with :meth:`from_pipeline` (or from a model directory); feed it ``(line, row)``
    pairs with :meth:`feed`. Nothing is kept but the last ``window - 1`` steps, counters and the
    day/month order of numeric dates, once the stream's first ones fixed it (a model that keeps
    none).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import LSTMAutoEncoder
    >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
    >>> t = np.arange(80)
    >>> series = pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 5)})
    >>> pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
    ...                 features=TimeSeriesPreprocessor()).fit(series)
    >>> stream = SeriesStreamScorer.from_pipeline(pipe)
    >>> rows = list(enumerate(series.iloc[:10].to_dict("records"), start=1))
    >>> out, bad = stream.feed(rows, all_steps=True)
    >>> len(out), out[0]["row"], stream.counts()["warming_up"], bad
    (3, 7, 7, [])
    """

    kind = "timeseries"
    serves = "time-series models"

    def _setup(self, pipe: Any) -> None:
        pre, det = pipe.features_, pipe.detector_
        if pre.freq not in (None, "rows"):
            raise InputError(f"stream does not resample: this model was trained with freq="
                             f"{pre.freq!r} (steps aggregated into buckets); score whole files "
                             f"with 'hourglass score', {NOT_RESAMPLED}")
        if not callable(getattr(det, "window_scores", None)):
            raise InputError(f"{type(det).__name__} does not score windows one by one")
        self.channels: list[str] = [str(c) for c in pre.channels_]
        self.n_masked = len(pre.masked_)
        self.timestamp_col: str | None = None if pre.timestamp_col is None else str(pre.timestamp_col)
        self.dayfirst: bool | None = getattr(pre, "dayfirst_", None)  # numeric dates as in training
        self._own_order = self.dayfirst is None  # else the order the stream's first dates show (_times)
        self.rows_only = pre.freq == "rows"
        self.window = window_steps(det)
        missing = det.stream_threshold_missing() if callable(
            getattr(det, "stream_threshold_missing", None)) else "the model has none"
        self._stream = None if missing is not None else det.stream_threshold_
        #: why the model has no stream threshold (``None`` when it has one)
        self.stream_missing: str | None = missing
        # calibration from the causal held-out scores where the model has them
        self._calibrator = getattr(det, "stream_calibrator_", None) or det.calibrator_
        #: ``None`` when the stream threshold is applied, else one line on why the threshold
        #: fitted on averaged scores is
        self.threshold_note: str | None = None if missing is None else (
            f"no stream threshold ({missing}): the threshold fitted on averaged scores "
            f"({float(pipe.threshold_.value_):.6g}) is applied to causal scores, so its false-alarm "
            "rate is not the rule's")
        self._offset = np.asarray(pre.offset_, dtype=np.float64)
        self._scale = np.asarray(pre.scale_, dtype=np.float64)
        from hourglass.explain.timeseries import series_explainable

        self.explain_unavailable: str | None = series_explainable(pipe)
        if self.explain_unavailable is None:
            try:  # per-step parts refuse a setting changed since fit (score_reduce), windows do not
                det._check_fitted()
            except InputError as exc:
                self.explain_unavailable = str(exc)
        width = len(self.channels) + self.n_masked
        self._tail = np.empty((0, width), dtype=np.float32)  # the last window - 1 scaled steps
        self._tail_raw = np.empty((0, len(self.channels)), dtype=np.float64)
        self._last_time: int | None = None
        self._aware: bool | None = None  # whether the stream's times carry a UTC offset
        self._step: int | None = None
        self._last_length: int | None = None  # the time from the step before to the last one
        self._step_agreed = False  # whether two steps in a row had the step length
        self._run = 0  # how many steps in a row had the last one's length
        self._prev_time: int | None = None  # the time of the step taken before the last one
        # the time of a step refused as not after the last one taken but after the one before
        # it (None after a step taken): a second such step after it tells that the last step's
        # time ran ahead of the series (_check_time)
        self._back: int | None = None
        self._went_back = False  # the step _check_time last took restarts as the clock gone back
        trained = getattr(pre, "step_", None)  # the training series' step (None: saved before)
        self._trained: str | None = None if self.rows_only else trained
        if self._trained is not None:  # the step is the model's: another one is no gap but an error
            self._step = int(pd.Timedelta(pd.tseries.frequencies.to_offset(self._trained)).value)
            self._step_agreed = True
        self._counts = {"rows": 0, "steps": 0, "scored": 0, "warming_up": 0, "flagged": 0,
                        "restarts": 0, "bad": 0}

    @property
    def threshold(self) -> float:
        """The threshold on a step's causal score: the model's stream threshold, or the one
        fitted on averaged scores when it has none (:attr:`threshold_note`)."""
        rule = self._stream if self._stream is not None else self.pipeline.threshold_
        return float(rule.value_)

    @property
    def threshold_fitted_on(self) -> str:
        """What the threshold the stream applies (:attr:`threshold`) was fitted on, in a few
        words: those of :func:`~hourglass.detectors.windowed.stream_fitted_on` (the causal
        held-out scores, ...), or averaged scores (the model has no stream threshold).

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> scorer = SeriesStreamScorer.__new__(SeriesStreamScorer)
        >>> scorer._stream = None  # a model saved before stream thresholds existed
        >>> scorer.threshold_fitted_on
        'averaged scores'
        """
        from hourglass.detectors.windowed import stream_fitted_on

        return "averaged scores" if self._stream is None else stream_fitted_on(self._stream)

    def _verdicts(self, scores: np.ndarray, flags: Any = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flag, calibrated probability and severity of causal scores: from the stream threshold
        and the calibration on causal held-out scores (the averaged ones' without them)."""
        if flags is None:
            flags = (self._stream.predict(scores) if self._stream is not None
                     else self.pipeline.detector_.threshold_predict(scores))
        return (np.asarray(flags).astype(int),
                np.asarray(self._calibrator.transform(scores), dtype=np.float64),
                np.asarray(self._calibrator.severity(scores)).astype(str))

    def counts(self) -> dict[str, int]:
        """Rows read, steps kept, steps scored, steps without a full window yet, flagged steps,
        window restarts at time gaps, bad rows (and ``clock_back``, once a step taken ran ahead:
        :meth:`_check_time`)."""
        return dict(self._counts)

    # -- one row ------------------------------------------------------------------------------
    def _values(self, row: Mapping[str, Any]) -> np.ndarray:
        out = np.empty(len(self.channels), dtype=np.float64)
        for j, c in enumerate(self.channels):
            if c not in row:  # 'CPU' or ' cpu' for cpu: named, as score names such a column
                near = near_names([c], map(str, row), "the row has")
                raise InputError(f"missing channel {c!r}" + (f": {near}" if near else ""))
            v = row[c]
            if v is None:
                raise InputError(f"channel {c!r} is null (stream does not fill gaps; every step "
                                 "needs every channel)")
            if isinstance(v, str) and (not v.strip() or v.strip() in NUMBER_GAPS):
                # (what 'score' reads as a missing value, not as a word that is no number)
                raise InputError(f"channel {c!r} is a missing value ({v!r}; stream does not fill "
                                 "gaps; every step needs every channel)")
            if isinstance(v, bool) or (isinstance(v, str) and (not v.isascii() or "_" in v)):
                # (Python reads '1_000' and '１２' as numbers, 'score' does not: such a step would
                # be scored here and refused there)
                raise InputError(f"channel {c!r}: expected a number, got {v!r}")
            try:
                x = float(v)
            except (TypeError, ValueError):  # ('0,5': a decimal comma, said as 'score' says it)
                raise InputError(f"channel {c!r}: expected a number, got {v!r}{separated_hint(v)}") from None
            except OverflowError:  # a JSON integer of 400 digits: no float holds it
                raise InputError(f"channel {c!r}: expected a finite number, got an integer of "
                                 f"{len(str(abs(v)))} digits") from None
            if not math.isfinite(x):
                raise InputError(f"channel {c!r}: expected a finite number, got {v!r}")
            out[j] = x
        return out

    def _times(self, rows: Sequence[tuple[int, Mapping[str, Any]]], hint: bool | None = None
               ) -> list[tuple[int, bool] | InputError]:
        """Each row's time in ns and whether it carried a UTC offset (one parse for the batch),
        or why it has none. Numeric dates (``01/02/2026``) of a model that keeps no date order
        are read in the order the stream's first such dates show (the whole batch's, ``hint``
        for its rows read one by one), kept once one is read, as the entity stream does: batch
        by batch in each batch's order, one date was two days."""
        ts = self.timestamp_col
        assert ts is not None
        out: list[tuple[int, bool] | InputError] = [InputError(f"missing timestamp {ts!r}")] * len(rows)
        have = [i for i, (_, row) in enumerate(rows) if row.get(ts) is not None]
        if len(have) < len(rows):  # 'TS' for ts: named, as score names such a column
            for i, (_, row) in enumerate(rows):
                near = "" if ts in row else near_names([ts], map(str, row), "the row has")
                if near:
                    out[i] = InputError(f"missing timestamp {ts!r}: {near}")
        values = pd.Series([rows[i][1][ts] for i in have], dtype=object)
        dayfirst = self.dayfirst if self.dayfirst is not None else hint
        try:
            when, order = read_timestamps(values, ts, dayfirst=dayfirst)
        except (InputError, OverflowError) as exc:  # one bad value: each on its own, to name it
            if isinstance(exc, DateOrderError) and len(have) > 1:  # the other-order rows in one pass
                dates = _Dates(values.astype("string").str.strip())
                against = set((dates.month_rows if dayfirst else dates.day_rows).tolist())
                for k in against:
                    out[have[k]] = InputError(f"timestamp {ts!r}: {values.iloc[k]!r} "
                                              f"{exc.stream_detail(self._own_order)}")
                rest = [i for k, i in enumerate(have) if k not in against]
                for i, one in zip(rest, self._times([rows[i] for i in rest], hint), strict=True):
                    out[i] = one
                return out
            if len(have) > 1 and dayfirst is None:  # the order the batch shows, not one row's
                hint = batch_dayfirst(values, ts)
            for i in have:  # (OverflowError: an epoch integer of 400 digits, past any float)
                value = rows[i][1][ts]
                if len(have) > 1:
                    out[i] = self._times([rows[i]], hint)[0]
                    continue
                shown = (f"an integer of {len(str(abs(value)))} digits"  # (read as inf, no time)
                         if type(value) is int and value.bit_length() > 1023 else repr(value))
                why = f": {exc.detail}" if isinstance(exc, TimeRangeError) else ""  # (as a file's)
                out[i] = InputError(f"timestamp {ts!r}: {value!r} {exc.stream_detail(self._own_order)}"
                                    if isinstance(exc, DateOrderError)
                                    else f"timestamp {ts!r}: not a time ({shown}{why})")
            return out
        if self.dayfirst is None and have:
            self.dayfirst = order
        aware = when.tz is not None  # (a batch mixing the two is refused above: one row each)
        if aware:
            when = when.tz_convert("UTC").tz_localize(None)
        for i, v in zip(have, when.as_unit("ns").asi8.tolist(), strict=True):
            ahead = future_problem(v, rows[i][1][ts], ts)  # a clock saying 2100: all else out of order
            out[i] = (v, aware) if ahead is None else InputError(ahead)
        return out

    def _same_zone(self, aware: bool, value: Any) -> None:
        """Refuse a time with a UTC offset after steps without one, or the other way round (as
        'score' refuses a file mixing them); the steps taken decide, not the bad lines."""
        if self._aware is not None and aware != self._aware:
            raise InputError(f"timestamp {self.timestamp_col!r}: {value!r} has "
                             f"{'a' if aware else 'no'} UTC offset but earlier steps "
                             f"{'have one' if self._aware else 'none'}; give every time "
                             "an offset, or none")

    def _scaled(self, raw: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            out = ((raw - self._offset) / self._scale).clip(-_CLIP, _CLIP).astype(np.float32)
        if self.n_masked:
            out = np.concatenate([out, np.zeros((len(out), self.n_masked), dtype=np.float32)], axis=1)
        return out

    # -- a micro-batch ------------------------------------------------------------------------
    def feed(self, rows: Sequence[tuple[int, Mapping[str, Any]]], *, explain: int | None = None,
             all_steps: bool = False, stop_at_bad: bool = False
             ) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
        """Score the rows ``(line number, row)`` in order; the alerts of the flagged steps (every
        scored step with ``all_steps``, with ``flag``) and the bad rows ``(line, problem)``. An
        alert's ``row`` is its step's place among the steps taken, from 0 (a bad row takes none;
        ``hourglass stream`` writes the data row instead, by the alert's ``line``).

        Every window of the batch goes to the detector in one call (one per stretch between
        restarts). With ``stop_at_bad`` the rows after the first bad one are not read (the
        alerts of those before it are returned). With ``explain`` each alert names
        ``top_channel`` and ``why``: the channels with the largest parts of the window's score.
        """
        if explain is not None and self.explain_unavailable is not None:
            raise InputError(f"explain: {self.explain_unavailable}")
        bad: list[tuple[int, str]] = []
        # stretches of consecutive steps: (tail, tail_raw, [(line, row, raw, stamp), ...])
        stretches: list[tuple[np.ndarray, np.ndarray, list[tuple[int, Mapping[str, Any], np.ndarray, Any]]]]
        stretches = [(self._tail, self._tail_raw, [])]
        times: Sequence[tuple[int, bool] | InputError | None] = (
            self._times(rows) if self.timestamp_col is not None else [None] * len(rows))
        for (line, row), when in zip(rows, times, strict=True):
            self._counts["rows"] += 1
            try:
                raw = self._values(row)
                if isinstance(when, InputError):
                    raise when
                if when is not None:
                    self._same_zone(when[1], row[str(self.timestamp_col)])
                restart = self._check_time(None if when is None else when[0])
                if when is not None:
                    self._aware = when[1]  # the first step taken sets it
            except InputError as exc:
                self._counts["bad"] += 1
                bad.append((line, str(exc)))
                if stop_at_bad:
                    break
                continue
            if restart:
                what = "clock_back" if self._went_back else "restarts"  # (clock_back: once there is one)
                self._counts[what] = self._counts.get(what, 0) + 1
                self._went_back = False
                self._flush_tail(stretches)
                stretches.append((self._tail[:0], self._tail_raw[:0], []))
            # the step's time as 'score' writes it (ISO 8601; UTC where the input had an
            # offset), not the value as sent: an epoch number or 03/09/2020 read as a time
            stamp = None if when is None else step_time(*when)
            stretches[-1][2].append((line, row, raw, stamp))
        self._flush_tail(stretches)
        alerts: list[dict[str, Any]] = []
        for tail, tail_raw, steps in stretches:
            if steps:
                alerts.extend(self._score_stretch(tail, tail_raw, steps, explain, all_steps))
        return alerts, bad

    def _check_time(self, when: int | None) -> bool:
        """Whether this step restarts the window (a gap); an error when it is not later."""
        if when is None:
            return False
        last = self._last_time
        between = last is not None and self._prev_time is not None and self._prev_time < when < last
        if (between and self._back is not None and when > self._back
                and last is not None and (self._step is None or last - when >= self.window * self._step)):
            # two steps in a row between the last two taken, in order: the last step's time ran
            # ahead of the series (a sample from a clock gone wrong, hours ahead), not one late
            # row; refusing every step until the series passed that time would leave the stream
            # blind for that long. The window restarts at this step. (A replay of steps already
            # taken, a shipper sending them again, comes at or before the one before: refused.
            # Steps less than a window behind the last, two sent after a later one, are late
            # steps refused as before: waiting for the series to pass the last step leaves fewer
            # steps unscored than a window restarted, and no clock ran ahead.)
            self._back, self._went_back, self._prev_time = None, True, None  # (feed counts it)
            self._last_time, self._last_length, self._run = when, None, 0
            return True
        if last is not None and when <= last:
            self._back = when if between else None
            raise InputError(f"timestamp {self.timestamp_col!r}: not after the previous step's "
                             f"({'duplicate' if when == last else 'out of order'}; stream needs "
                             "increasing times)")
        self._back = None
        if last is None or self.rows_only:
            self._last_time, self._prev_time = when, last
            return False
        length, before = when - last, self._last_length
        run = self._run + 1 if length == before else 1  # steps in a row of this length
        if self._trained is not None and self._step is not None and length != self._step and (
                (run > 1 and length % self._step) or run >= self.window):
            # the stream is at another step than the model learnt: a repeated length that is no
            # whole number of its steps, or gaps of whole steps so regular that no window fills
            # (a repeated missed sample is a gap: the window restarts). Refused before this
            # line's time is kept: the next is measured from the last step taken.
            # (it advised "retrain with --freq" the model's own step: a model with a freq
            # resamples, which the stream refuses; one trained on steps of the stream's length
            # takes them)
            steps = _span(pd.Timedelta(length))
            raise InputError(f"timestamp {self.timestamp_col!r}: the stream steps {steps}, and the "
                             f"model was trained on steps of {self._trained}: a window would span "
                             f"another stretch of time; send {self._trained} steps, or train a model "
                             f"on a series of {steps} steps")
        self._last_time, self._last_length, self._run, self._prev_time = when, length, run, last
        if self._step is None or (not self._step_agreed and length == before):
            self._step = length  # the first length; then the first one two steps in a row agree
            self._step_agreed = length == before  # on (a stream that began at a missed sample:
        return length != self._step  # its first length was a gap, and every later one is not)

    def _flush_tail(self, stretches: list[Any]) -> None:
        """Keep the last ``window - 1`` steps of the last stretch as the next batch's tail."""
        tail, tail_raw, steps = stretches[-1]
        if steps:
            raw = np.vstack([tail_raw, np.stack([s[2] for s in steps])])
            scaled = np.vstack([tail, self._scaled(np.stack([s[2] for s in steps]))])
        else:
            raw, scaled = tail_raw, tail
        keep = self.window - 1
        self._tail, self._tail_raw = scaled[-keep:].copy(), raw[-keep:].copy()

    def _score_stretch(self, tail: np.ndarray, tail_raw: np.ndarray,
                       steps: list[tuple[int, Mapping[str, Any], np.ndarray, Any]],
                       explain: int | None, all_steps: bool) -> list[dict[str, Any]]:
        new_raw = np.stack([s[2] for s in steps])
        series = np.vstack([tail, self._scaled(new_raw)])
        first = self._counts["steps"]
        self._counts["steps"] += len(steps)
        n_windows = len(series) - self.window + 1
        n_warm = len(steps) - max(n_windows, 0)
        self._counts["warming_up"] += n_warm
        if n_windows <= 0:
            return []
        det = self.pipeline.detector_
        with self._lock:
            scores = np.asarray(det.window_scores(series), dtype=np.float64)
            flags, calibrated, severity = self._verdicts(scores)
        self._counts["scored"] += n_windows
        self._counts["flagged"] += int(flags.sum())
        shown = np.flatnonzero(flags == 1) if not all_steps else np.arange(n_windows)
        why: dict[int, tuple[str, str]] = {}
        if explain is not None:
            raw = np.vstack([tail_raw, new_raw])
            for k in np.flatnonzero(flags == 1).tolist():
                why[k] = self._why(series[k:k + self.window], raw[k + self.window - 1], explain)
        threshold = self.threshold
        alerts = []
        for k in shown.tolist():
            line, _row, _raw, stamp = steps[n_warm + k]
            alert: dict[str, Any] = {"row": first + n_warm + k, "line": line}
            if self.timestamp_col is not None:
                alert["timestamp"] = stamp
            alert.update({"score": float(scores[k]), "threshold": threshold,
                          "calibrated": float(calibrated[k]), "severity": str(severity[k])})
            if all_steps:
                alert["flag"] = int(flags[k])
            if explain is not None:
                alert["top_channel"], alert["why"] = why.get(k, (None, None))
            alerts.append(alert)
        return alerts

    def _why(self, window: np.ndarray, raw: np.ndarray, top: int) -> tuple[str, str]:
        """The channels with the largest parts of one window's score (its last step quoted)."""
        from hourglass.explain.timeseries import StepErrors, why_steps

        det = self.pipeline.detector_
        scores, parts, expected = det.score_channels(window, return_scores=True, return_expected=True)
        k = len(self.channels)
        exp = expected[-1:].copy()
        exp[:, :k] = exp[:, :k] * self._scale + self._offset
        values = np.concatenate([raw, window[-1, k:].astype(np.float64)])[None, :]
        names = [*self.channels, *(f"{c}__missing" for c in self.pipeline.features_.masked_)]
        normal = det.channel_error_scale()
        errors = StepErrors(pd.RangeIndex(1), scores[-1:], np.ones(1, dtype=int), parts[-1:],
                            names, values, normal, exp)
        top_channel, text = why_steps(errors, np.array([0]), top=top)
        return top_channel[0], text[0]
