"""The model side of the scoring service: one loaded table model, JSON rows in, plain lists out.

Nothing here knows about HTTP: :class:`TableScorer` turns a list of ``{column: value}`` records
into the same score, flag, calibrated probability and severity per row as ``hourglass score``
writes for the same rows, or raises :class:`~hourglass.errors.InputError` with a one-line message.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hourglass.errors import InputError

if TYPE_CHECKING:
    from hourglass.serve.log_scoring import LogScorer
    from hourglass.serve.series_scoring import SeriesScorer

__all__ = ["TableScorer", "load_scorer", "records_frame"]

logger = logging.getLogger(__name__)

_SHOWN_COLUMNS = 5


def records_frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str],
                  needed: frozenset[str] | None = None) -> pd.DataFrame:
    """JSON records as a table, every record carrying every one of ``columns`` (``null`` is a
    missing value; a key left out is an :class:`InputError` naming the row and the column).

    Examples
    --------
    >>> records_frame([{"a": 1, "b": None}], ["a", "b"]).shape
    (1, 2)
    >>> records_frame([{"a": 1, "b": 2}, {"a": 3}], ["a", "b"])
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: row 2: missing column 'b' (each row needs a, b)
    """
    if len(rows) == 0:
        raise InputError("rows: no rows to score (empty list)")
    needed = frozenset(columns) if needed is None else needed
    for i, row in enumerate(rows):
        if not needed <= row.keys():  # a set comparison in C: no loop per column in Python
            absent = next(c for c in columns if c not in row)
            shown = ", ".join(columns[:_SHOWN_COLUMNS]) + (" ..." if len(columns) > _SHOWN_COLUMNS else "")
            raise InputError(f"row {i + 1}: missing column {absent!r} (each row needs {shown})")
    return pd.DataFrame.from_records(rows)


def load_scorer(model_dir: str | os.PathLike[str]) -> TableScorer | SeriesScorer | LogScorer:
    """The scorer for the model saved in ``model_dir``, whatever input it reads: a
    :class:`TableScorer`, :class:`~hourglass.serve.series_scoring.SeriesScorer` or
    :class:`~hourglass.serve.log_scoring.LogScorer`.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import LSTMAutoEncoder
    >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> series = pd.DataFrame({"cpu": np.sin(np.arange(80) / 4)})
    >>> Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
    ...          features=TimeSeriesPreprocessor()).fit(series).save(out)
    >>> scorer = load_scorer(out)
    >>> scorer.kind, scorer.describe()["min_rows"]
    ('timeseries', 8)
    """
    from hourglass.pipeline import load
    from hourglass.serve.log_scoring import LogScorer
    from hourglass.serve.series_scoring import SeriesScorer

    pipe = load(model_dir)
    kind = getattr(pipe.features_, "output", "tabular")
    cls = {"timeseries": SeriesScorer, "events": LogScorer}.get(kind, TableScorer)
    return cls.from_pipeline(pipe, str(model_dir))


class TableScorer:
    """A saved table model, loaded once, that scores rows given as JSON records.

    Parameters
    ----------
    model_dir
        Directory written by ``hourglass train`` / :meth:`Pipeline.save`. Loading refuses
        tampered or incompatible artefacts (:class:`~hourglass.errors.ArtefactError`); a model
        that reads time series or logs is refused with an :class:`InputError`.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(out)
    >>> scorer = TableScorer(out)
    >>> scorer.columns
    ['bytes', 'proto']
    >>> result = scorer.score([{"bytes": 3.0, "proto": "tcp"}, {"bytes": 7, "proto": "icmp"}])
    >>> sorted(result), len(result["scores"])
    (['calibrated', 'flags', 'scores', 'severity'], 2)
    >>> scorer.score([{"bytes": 3.0}])
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: row 1: missing column 'proto' (each row needs bytes, proto)
    """

    kind = "tabular"

    def __init__(self, model_dir: str | os.PathLike[str]) -> None:
        from hourglass.pipeline import load

        self._adopt(load(model_dir), str(model_dir))

    @classmethod
    def from_pipeline(cls, pipe: Any, source: str = "model") -> TableScorer:
        """A scorer over a pipeline already loaded (``source`` names it in errors); the same
        checks as loading from a directory."""
        scorer = cls.__new__(cls)
        scorer._adopt(pipe, source)
        return scorer

    def _adopt(self, pipe: Any, model_dir: str) -> None:
        from hourglass.explain import explainable

        kind = getattr(pipe.features_, "output", "tabular")
        name = str(pipe.info.get("model") or type(pipe.detector_).__name__)
        if kind != "tabular":
            raise InputError(f"{model_dir}: TableScorer serves table models; this model "
                             f"({name}) reads {kind} data (load_scorer picks its scorer)")
        self.pipeline = pipe
        self.model_name = name
        self.columns: list[str] = list(pipe.features_.columns_)
        self._needed = frozenset(self.columns)
        # the label and time columns were never features: dropped from a request, as score does
        self._meta = [c for c in (pipe.info.get("label_col"), pipe.info.get("time_col")) if c]
        self.explain_unavailable: str | None = explainable(pipe)
        # one request at a time through the model: torch already spreads one batch over the
        # cores, and the pipeline keeps small per-call state (the extra-column warning)
        self._lock = threading.Lock()

    @property
    def can_adapt(self) -> bool:
        """Whether the model's threshold can learn from scores as they stream (SPOT, DSPOT)."""
        return callable(getattr(self.pipeline.detector_.threshold_, "update", None))

    def describe(self) -> dict[str, Any]:
        """What a client needs to know before sending rows (the ``/health`` answer's body)."""
        pipe = self.pipeline
        roles = pipe.features_.roles_
        return {
            "model": self.model_name,
            "input": "tabular",
            "request": '{"rows": [{column: value, ...}, ...]}: one object per row with every '
                       "column below",
            "threshold": pipe.threshold_.describe(),
            "threshold_value": float(pipe.threshold_.value_),
            "columns": [{"name": c, "role": roles.get(c, "numeric")} for c in self.columns],
            "explain": self.explain_unavailable is None,
        }

    def frame(self, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """``rows`` as the table the model reads; every row must carry every model column
        (``null`` is a missing value, imputed as in training; a key left out is an error)."""
        df = records_frame(rows, self.columns, self._needed)
        meta = [c for c in self._meta if c in df.columns]
        return df.drop(columns=meta) if meta else df

    def score(self, rows: Sequence[Mapping[str, Any]], *, explain: int | None = None,
              explain_flagged: bool = False, adapt: bool = False) -> dict[str, list[Any]]:
        """Score, flag (0/1), calibrated anomaly probability and severity per row, and with
        ``explain`` (columns named per row) the ``top_column`` and ``why`` of each row (with
        ``explain_flagged``, of the flagged rows only: the others get ``None``). With ``adapt``, a
        streaming threshold (SPOT, DSPOT: :attr:`can_adapt`) flags the rows in order and learns
        from the unflagged ones, so the next call sees the moved threshold."""
        if adapt and not self.can_adapt:
            raise InputError(f"adapt: the threshold of this model ({self.pipeline.threshold_.describe()}) "
                             "does not adapt; train with --threshold spot:Q or dspot:Q")
        if explain is not None and self.explain_unavailable is not None:
            raise InputError(f"explain: {self.explain_unavailable}")
        df = self.frame(rows)
        with self._lock:
            scores = self.pipeline.score(df)
            det = self.pipeline.detector_
            result: dict[str, list[Any]] = {
                "scores": np.asarray(scores, dtype=np.float64).tolist(),
                "flags": np.asarray(det.threshold_.update(scores) if adapt
                                    else det.threshold_predict(scores)).astype(int).tolist(),
                "calibrated": np.asarray(det.calibrate(scores), dtype=np.float64).tolist(),
                "severity": [str(s) for s in det.severity(scores)],
            }
            if explain is not None:
                from hourglass.explain import explain_rows

                pick = (np.asarray(result["flags"]) == 1 if explain_flagged
                        else np.ones(len(df), dtype=bool))
                result["top_column"] = [None] * len(df)
                result["why"] = [None] * len(df)
                if pick.any():
                    why = explain_rows(self.pipeline, df.loc[pick] if not pick.all() else df, top=explain)
                    for i, top, text in zip(np.flatnonzero(pick).tolist(), why["top_column"].astype(str),
                                            why["why"].astype(str), strict=True):
                        result["top_column"][i], result["why"][i] = top, text
        return result
