"""The model side of the service for time-series models: the rows of one series in, one score
per row out.

The rows go through the same path as ``hourglass score`` on a file: the fitted
:class:`~hourglass.features.timeseries.TimeSeriesPreprocessor` puts them on the model's grid
(sorting, merging duplicate timestamps, resampling, checking gaps) and the detector scores the
grid, so scores and error messages are those of the CLI. Each row then gets the score of its grid
step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hourglass._times import parse_timestamps
from hourglass.errors import InputError
from hourglass.ingest.tables import flatten_json
from hourglass.serve.drift import drift_flags
from hourglass.serve.scoring import ModelScorer, records_frame

if TYPE_CHECKING:
    from hourglass.serve.ecs import AlertRule

__all__ = ["SeriesScorer", "window_steps"]



def window_steps(detector: Any) -> int:
    """Time steps in one of ``detector``'s windows (a forecaster's context plus horizon): the
    shortest series it scores.

    Examples
    --------
    >>> from hourglass.detectors import LSTMForecaster
    >>> window_steps(LSTMForecaster(window=12))
    13
    """
    return int(getattr(detector, "shortest_series", None) or detector.window)


def rows_span_steps(pre: Any) -> bool:
    """Whether a series' rows may make more grid steps than there are rows: a ``freq`` grid
    whose empty buckets are filled (a ``fill`` policy, or ``agg="sum"``, whose empty bucket is 0);
    without a grid, or with gaps refused, each row is at most one step.

    Examples
    --------
    >>> from hourglass.features.timeseries import TimeSeriesPreprocessor as TS
    >>> [rows_span_steps(TS("ts", freq="1min", fill="ffill")), rows_span_steps(TS("ts", freq="1min")),
    ...  rows_span_steps(TS("ts", freq="rows", fill="ffill")),
    ...  rows_span_steps(TS("ts", freq="1min", agg="sum"))]
    [True, False, False, True]
    """
    freq = getattr(pre, "freq", None)
    return freq not in (None, "rows") and (getattr(pre, "fill", "none") != "none"
                                           or getattr(pre, "agg", None) == "sum")


class SeriesScorer(ModelScorer):
    """A saved time-series model, loaded once, that scores a series sent as JSON rows.

    Parameters
    ----------
    model_dir
        Directory written by ``hourglass train`` for a time-series model (``lstm-ae``, ...).

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import LSTMAutoEncoder
    >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
    >>> t = pd.date_range("2024-01-01", periods=80, freq="1min")
    >>> series = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(80) / 4)})
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
    ...          features=TimeSeriesPreprocessor("ts")).fit(series).save(out)
    >>> scorer = SeriesScorer(out)
    >>> scorer.columns, scorer.min_rows
    (['cpu', 'ts'], 8)
    >>> result = scorer.score(series.iloc[:10].to_dict("records"))
    >>> len(result["scores"]), result["steps"]
    (10, 10)
    >>> scorer.score(series.iloc[:5].to_dict("records"))
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: series has 5 time steps, shorter than one window of 8 (window=8); ...
    """

    kind = "timeseries"
    serves = "time-series models"

    def _setup(self, pipe: Any) -> None:
        pre = pipe.features_
        self.channels: list[str] = list(pre.channels_)
        self.timestamp_col: str | None = None if pre.timestamp_col is None else str(pre.timestamp_col)
        self.columns: list[str] = list(pre.columns_)
        self._needed = frozenset(self.columns)
        self.min_rows = window_steps(pipe.detector_)
        self.rows_span_steps = rows_span_steps(pre)  # min_rows: grid steps, fewer rows may span
        self._label = pipe.info.get("label_col")
        from hourglass.explain.timeseries import series_explainable

        self.explain_unavailable: str | None = series_explainable(pipe)

    def describe(self) -> dict[str, Any]:
        """What a client needs to know before sending a series (the ``/health`` body).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
        >>> t = pd.date_range("2024-01-01", periods=80, freq="1min")
        >>> series = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(80) / 4)})
        >>> pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
        ...                 features=TimeSeriesPreprocessor("ts")).fit(series)
        >>> scorer = SeriesScorer.from_pipeline(pipe)
        >>> scorer.describe()["columns"]
        [{'name': 'cpu', 'role': 'channel'}, {'name': 'ts', 'role': 'timestamp'}]
        """
        pre = self.pipeline.features_
        ts = self.timestamp_col
        need = f"{ts!r} and the channels" if ts else "every channel"
        return {
            **self._describe(self.explain_unavailable is None),
            "request": f'{{"rows": [{{column: value, ...}}, ...]}}: one object per '
                       f"{'reading' if pre.freq not in (None, 'rows') else 'time step'} with "
                       f"{need}, {self.length_text()} (one window)",
            "columns": [{"name": c, "role": "channel"} for c in self.channels]
                       + ([{"name": ts, "role": "timestamp"}] if ts else []),
            "timestamp_column": ts,
            "freq": pre.freq,
            "min_rows": self.min_rows,
        }

    def length_text(self) -> str:
        """How long a series must be: ``at least N rows``; on a ``freq`` grid whose gaps are
        filled (:attr:`rows_span_steps`), ``spanning at least N steps of <freq>``; on one whose
        gaps are refused, as many steps with a row in each (rows within one step are combined,
        so N rows closer together than a step are too few).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
        >>> t = pd.date_range("2024-01-01", periods=80, freq="1min")
        >>> series = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(80) / 4)})
        >>> pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
        ...                 features=TimeSeriesPreprocessor("ts")).fit(series)
        >>> scorer = SeriesScorer.from_pipeline(pipe)
        >>> scorer.length_text()          # one window of 8
        'at least 8 rows'
        """
        pre = self.pipeline.features_
        if self.rows_span_steps:
            return f"spanning at least {self.min_rows} steps of {pre.freq}"
        if pre.freq not in (None, "rows"):
            # a grid whose gaps are refused: rows closer than a step share it (combined), so
            # N rows at a finer rate than the grid are fewer than N steps
            return (f"spanning at least {self.min_rows} steps of {pre.freq}, a row in each (the "
                    f"rows of one step combined: {getattr(pre, 'agg', 'mean')})")
        return f"at least {self.min_rows} rows"

    def frame(self, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """``rows`` as the series table ``hourglass score`` would read from a file.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
        >>> t = pd.date_range("2024-01-01", periods=80, freq="1min")
        >>> series = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(80) / 4)})
        >>> pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
        ...                 features=TimeSeriesPreprocessor("ts")).fit(series)
        >>> scorer = SeriesScorer.from_pipeline(pipe)
        >>> scorer.frame([{"ts": "2024-01-02 00:00:00", "cpu": 0.1}])
           cpu                   ts
        0  0.1  2024-01-02 00:00:00
        """
        df = records_frame(rows, self.columns, self._needed)
        if self._label and self._label in df.columns:
            df = df.drop(columns=[self._label])
        # an array as its JSON text, as score reads a file (objects: flat_record); a JSON integer
        # of 400 digits is read by the features as a file's is (inf)
        return flatten_json(df)

    def score(self, rows: Sequence[Mapping[str, Any]], *, explain: int | None = None,
              explain_flagged: bool = False) -> dict[str, Any]:
        """Score, flag, calibrated probability and severity of each row's time step, in the
        order the rows were sent, and ``steps``: how many grid steps were scored.

        With ``explain`` (channels named per row; models that split their score by channel,
        :attr:`explain_unavailable` is ``None``), also ``top_channel`` and ``why`` of each row's
        step: the channels with the largest parts of its score, their values and shares (see
        :func:`~hourglass.explain.timeseries.why_steps`); with ``explain_flagged``, of the rows
        whose step is flagged only (the others get ``None``). One network pass gives the scores
        and their parts, so the scores are the same with or without ``explain``.

        Examples
        --------
        >>> import tempfile, numpy as np, pandas as pd
        >>> from pathlib import Path
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import TCNAutoEncoder
        >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
        >>> t = np.arange(120)
        >>> series = pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 5)})
        >>> out = Path(tempfile.mkdtemp()) / "model"
        >>> Pipeline(TCNAutoEncoder(window=8, channels=(4,), epochs=1, verbose=0),
        ...          features=TimeSeriesPreprocessor()).fit(series).save(out)
        >>> result = SeriesScorer(out).score(series.iloc[:12].to_dict("records"), explain=1)
        >>> result["top_channel"][0] in ("cpu", "mem"), result["why"][0].count("%")
        (True, 1)
        """
        return self._score(rows, explain=explain, explain_flagged=explain_flagged)[0]

    def score_steps(self, rows: Sequence[Mapping[str, Any]], *, explain: int | None = None,
                    explain_flagged: bool = False) -> tuple[dict[str, Any], list[int]]:
        """:meth:`score`'s answer and the flag of each grid step, in time order (what a drift
        check of steps counts: a step of several rows is one step, as ``hourglass score``
        counts it; a forecaster's first ``window`` steps, copies of its first forecast, are
        left out: :func:`~hourglass.serve.drift.drift_flags`).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
        >>> t = pd.date_range("2024-01-01", periods=80, freq="1min")
        >>> series = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(80) / 4)})
        >>> pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
        ...                 features=TimeSeriesPreprocessor("ts")).fit(series)
        >>> scorer = SeriesScorer.from_pipeline(pipe)
        >>> result, step_flags = scorer.score_steps(series.tail(10).to_dict("records"))
        >>> result["steps"], len(step_flags), set(step_flags) <= {0, 1}
        (10, 10, True)
        """
        result, _, grid = self._score(rows, explain=explain, explain_flagged=explain_flagged)
        return result, drift_flags(self.pipeline, grid["flags"])

    def _score(self, rows: Sequence[Mapping[str, Any]], *, explain: int | None,
               explain_flagged: bool) -> tuple[dict[str, Any], np.ndarray, dict[str, Any]]:
        """:meth:`score`'s answer, each row's grid step, and the grid's ``index``, ``scores``,
        ``flags``, ``calibrated`` and ``severity`` per step."""
        if explain is not None and self.explain_unavailable is not None:
            raise InputError(f"explain: {self.explain_unavailable}")
        df = self.frame(rows)
        det = self.pipeline.detector_
        errors = None
        with self._lock:  # the detector keeps no per-call state, but torch spreads one batch
            if explain is None:
                grid = self.pipeline.features_.transform_frame(df)
                scores = np.asarray(det.score(grid.to_numpy(dtype=np.float32)), dtype=np.float64)
                index = grid.index
            else:
                from hourglass.explain.timeseries import step_errors

                errors = step_errors(self.pipeline, df)
                index, scores = errors.index, errors.scores
            flags, calibrated, severity = self._verdicts(scores)
        at = self._steps_of_rows(df, index)
        result: dict[str, Any] = {
            "scores": scores[at].tolist(), "flags": flags[at].tolist(),
            "calibrated": calibrated[at].tolist(), "severity": severity[at].tolist(),
            "steps": len(index)}
        if errors is not None:
            result.update(self._explain(errors, at, flags, int(explain), explain_flagged))  # type: ignore[arg-type]
        grid = {"index": index, "scores": scores, "flags": flags, "calibrated": calibrated,
                "severity": severity}
        return result, at, grid

    def score_ecs(self, items: Sequence[Mapping[str, Any]], rule: AlertRule, *, explain: Any = None,
                  now: dt.datetime | None = None, flags_out: list[int] | None = None) -> dict[str, Any]:
        """One ECS document per flagged time step of the series, as ``hourglass score
        --alert-format ecs`` writes: the step's time (a model with a timestamp column; else its
        ``step`` number) is ``@timestamp``, ``hourglass.rows`` lists the positions (from 0) of the
        rows sent that fall in the step; with ``explain``, the step's ``top_channel`` and ``why``.
        ``flags_out``, when given, is extended with the flag of each grid step, in time order.

        Examples
        --------
        >>> import tempfile, numpy as np, pandas as pd
        >>> from pathlib import Path
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
        >>> from hourglass.serve.ecs import AlertRule
        >>> t = pd.date_range("2024-01-01", periods=80, freq="1min")
        >>> series = pd.DataFrame({"ts": t.astype(str), "cpu": np.sin(np.arange(80) / 4)})
        >>> out = Path(tempfile.mkdtemp()) / "model"
        >>> Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
        ...          features=TimeSeriesPreprocessor("ts")).fit(series).save(out)
        >>> scorer = SeriesScorer(out)
        >>> rows = series.iloc[:10].to_dict("records")
        >>> rows[4]["cpu"] = 50.0
        >>> answer = scorer.score_ecs(rows, AlertRule.from_model(out, scorer.pipeline))
        >>> answer["rows"], answer["steps"], "2024-01-01T00:04:00.000Z" in [
        ...     a["@timestamp"] for a in answer["alerts"]]
        (10, 10, True)
        """
        from hourglass.serve.ecs import to_ecs

        result, at, grid = self._score(items, explain=explain, explain_flagged=True)
        if flags_out is not None:
            flags_out.extend(drift_flags(self.pipeline, grid["flags"]))
        now = now or dt.datetime.now(dt.UTC)
        docs = []
        for k in np.flatnonzero(grid["flags"] == 1).tolist():
            alert: dict[str, Any] = ({"timestamp": grid["index"][k]} if self.timestamp_col
                                     else {"step": k})
            alert.update(score=float(grid["scores"][k]), calibrated=float(grid["calibrated"][k]),
                         severity=str(grid["severity"][k]))
            rows_in = np.flatnonzero(at == k).tolist()
            first = rows_in[0] if rows_in else None
            if explain is not None and first is not None and result["why"][first] is not None:
                alert["top_channel"], alert["why"] = result["top_channel"][first], result["why"][first]
            alert["rows"] = rows_in
            docs.append(to_ecs(alert, rule, now=now))
        return {"alerts": docs, "count": len(docs), "rows": len(items), "steps": result["steps"]}

    @staticmethod
    def _explain(errors: Any, at: np.ndarray, flags: np.ndarray, top: int,
                 flagged_only: bool) -> dict[str, list[str | None]]:
        """``top_channel`` and ``why`` per row (``at``: each row's step), each step explained once."""
        from hourglass.explain.timeseries import why_steps

        steps = np.unique(at[flags[at] == 1] if flagged_only else at)
        names, texts = why_steps(errors, steps, top=top)
        slot = np.full(len(flags), -1, dtype=np.int64)
        slot[steps] = np.arange(len(steps))
        top_channel: list[str | None] = [None] * len(at)
        why: list[str | None] = [None] * len(at)
        for i, k in enumerate(slot[at].tolist()):
            if k >= 0:
                top_channel[i], why[i] = names[k], texts[k]
        return {"top_channel": top_channel, "why": why}

    def _steps_of_rows(self, df: pd.DataFrame, index: pd.Index) -> np.ndarray:
        """The grid step of each row of ``df`` (rows are sorted by time, merged or resampled
        into steps by the preprocessing)."""
        n = len(df)
        ts = self.timestamp_col
        if ts is None:
            return np.arange(n)
        times = parse_timestamps(df[ts], ts, dayfirst=getattr(self.pipeline.features_, "dayfirst_", None))
        if self.pipeline.features_.freq == "rows":  # sorted, never merged: one step per row
            order = np.argsort(times.asi8, kind="stable")
            at = np.empty(n, dtype=np.int64)
            at[order] = np.arange(n)
            return at
        # a step holds the rows from its time up to the next step's (a resampled bucket is
        # labelled by its left edge; merged duplicates share their time)
        at = np.asarray(pd.DatetimeIndex(index).searchsorted(times, side="right"), dtype=np.int64) - 1
        if at.min() < 0 or at.max() >= len(index):  # never for the grids the preprocessor builds
            raise InputError(f"column {ts!r}: cannot place every row on the model's time grid")
        return at
