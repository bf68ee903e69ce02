"""The pipeline a user trains, saves, loads and scores with."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Collection, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from hourglass._arrays import from_torch
from hourglass._columns import counted, counted_plural
from hourglass._logs import held_records
from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.detectors.base import BaseDetector, labels_refused
from hourglass.errors import HourglassWarning, InputError, NotFittedError
from hourglass.features.roles import MISSING
from hourglass.features.tabular import TabularPreprocessor
from hourglass.features.validation import check_labels
from hourglass.thresholds import HELD_OUT, TRAINING, Threshold

__all__ = ["Pipeline", "PipelineNotFittedError", "threshold_fit_info", "threshold_fit_named"]

#: Formats whose rows carry only some of the table's fields (Windows events: each event type
#: its own ``EventData``; Zeek's JSON logs leave unset fields out): a field absent from the data
#: is a missing value, not an error.
SPARSE_FORMATS = frozenset({"evtx", "windows-json", "winlogbeat", "zeek-conn", "suricata-eve", "cef", "leef",
                            "panos", "kv", "cloudtrail", "auditd", "okta", "entra-signin",
                            "k8s-audit", "gcp-audit"})

logger = logging.getLogger(__name__)

# the columns held back by the held_extra_warning blocks open in this thread (context), by the
# pipeline's id: held on the pipeline itself, another thread's transform of it while a block was
# open had its warning taken into that block's, given late and as the block's columns
#: set while a caller that says itself which label-like columns are features (a Benchmark, which
#: names them once for every model it fits) fits: :func:`_warn_label_named_columns` is quiet then
_LABELS_TOLD: ContextVar[bool] = ContextVar("hourglass_labels_told", default=False)
_HELD_EXTRA: ContextVar[dict[int, dict[str, None]] | None] = ContextVar("hourglass_held_extra", default=None)


class PipelineNotFittedError(NotFittedError, SklearnNotFittedError):
    """A :class:`Pipeline` used before ``fit``: hourglass's
    :class:`~hourglass.errors.NotFittedError` that is scikit-learn's ``NotFittedError`` too, as a
    detector's is, so that one ``except sklearn.exceptions.NotFittedError`` catches either.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.exceptions import NotFittedError as SkNotFitted
    >>> try:
    ...     Pipeline().score(pd.DataFrame({"a": [1.0]}))
    ... except SkNotFitted as exc:
    ...     print(isinstance(exc, NotFittedError), exc)
    True Pipeline is not fitted; call fit(df) first
    """


@contextlib.contextmanager
def _placeholder_threshold_quiet() -> Iterator[None]:
    """Drop the threshold module's log records that this thread logs while a placeholder rule
    is fitted (a labelled rule replaces it right after): its small-sample warning is about a
    cut-off never used. Another thread's (another pipeline's fit) are logged as ever."""
    with held_records("hourglass.thresholds.base"):
        yield

#: What a warm start keeps of the parent's preprocessing, per input kind (``info["warm_start"]``).
_FROZEN = {
    "table": "frozen: the parent's columns, features and scaling",
    "series": "frozen: the parent's channels, scaling, time grid (freq) and fill",
    "entity": ("frozen: the parent's entity column, timestamp column, bucket, aggregated columns "
               "and the scaling of the bucket features"),
    "events": ("frozen: the parent's session rule, template miner and key vocabulary (a template "
               "or key it never saw is its 'unknown' key; sessions holding one are not trained on)"),
}


#: ``info`` entries that describe one fitted model (its size, threshold, lineage, versions):
#: :meth:`Pipeline.fit` drops those of an earlier fit. What describes the data (``source``,
#: ``dataset``, ``label_col``, ``events_per_day``, ...) stays.
_FIT_RECORDS = ("n_train_rows", "n_features", "optional_fields", "fit_seconds", "torch_threads",
                "threshold", "threshold_value", "stream_threshold", "stream_threshold_value",
                "warm_start", "rethresholded_from", "federated", "versions", "n_labelled_anomalies")

#: what a fitted pipeline has warned of (once per model): a refit is a new model
_WARNED_ONCE = ("_warned_extra", "_checked_zeek_sets", "_warned_zeek_words", "_warned_windows_forms",
                "_warned_sensor_events")


def _optional_in(df: pd.DataFrame, features: Any) -> list[str]:
    """The model columns of ``df`` (its fitted ``features``' :func:`_missing_in`) with a missing
    value in some row: a table's columns, or an entity model's but its entity and time columns,
    which every row needs (:meth:`Pipeline.with_absent_fields`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> f = SimpleNamespace(output="entity", entity_col="u", timestamp_col="t",
    ...                     columns_=["u", "t", "app"], categorical_=["app"])
    >>> _optional_in(pd.DataFrame({"u": ["a", None], "t": [1, 2], "app": ["x", None]}), f)
    ['app']
    """
    if getattr(features, "output", "tabular") == "entity":
        keys = {features.entity_col, features.timestamp_col}
        return _missing_in(df, [c for c in features.columns_ if c not in keys],
                           dict.fromkeys(features.categorical_, "categorical"))
    return _missing_in(df, features.columns_, getattr(features, "roles_", None))


def _missing_in(df: pd.DataFrame, columns: Any, roles: Any = None) -> list[str]:
    """The ``columns`` of ``df`` holding a missing value in some row, as the preprocessing reads
    one: ``None``, NaN, empty text, and in a numeric, port or IP column (``roles``) a ``-`` or
    ``(empty)`` (their encoders read those as missing; a category's ``-`` is a value).

    Examples
    --------
    >>> df = pd.DataFrame({"a": ["1", "-"], "b": ["x", " "], "c": ["-", "y"], "d": [1.0, None],
    ...                    "p": ["-", "80"]})
    >>> _missing_in(df, ["a", "b", "c", "d", "p"], {"a": "numeric", "c": "categorical", "p": "port"})
    ['a', 'b', 'd', 'p']
    """
    from hourglass.features.roles import NUMBER_GAPS

    roles = roles or {}
    out = []
    for c in columns:
        if c not in df.columns:
            continue
        s = df[c]
        missing = bool(s.isna().any())
        if not missing and not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
                                or pd.api.types.is_datetime64_any_dtype(s)):
            text = s.astype("string").str.strip()
            numeric_like = roles.get(c, "numeric") in ("numeric", "port", "ip")
            unset = ("",) + (NUMBER_GAPS if numeric_like else ())
            missing = bool(text.isin(unset).any())
        if missing:
            out.append(str(c))
    return out


def threshold_fit_info(detector: BaseDetector) -> dict[str, Any]:
    """``info["threshold_fit"]`` for a threshold fitted by the detector's own ``fit``: on its
    held-out normal rows, or on its training rows when it held none out."""
    n = int(detector.val_scores_.size)
    held_out = detector.val_scores_source() == HELD_OUT
    on = ("held-out normal training rows (never trained on)" if held_out else
          "the training rows themselves (no held-out rows: validation_fraction=0 or too few rows)")
    return {"on": on, "scores": detector.val_scores_source(), "rows": n, "anomalous": 0, "normal": n}


#: what a model's score is of (what ``n_train_rows`` and ``info["threshold_fit"]["rows"]`` count),
#: by its features' ``output``: a table row otherwise
FIT_UNITS = {"entity": "(entity, bucket) rows", "timeseries": "steps", "events": "sessions"}


def threshold_fit_named(fit: Any, unit: str) -> Any:
    """``info["threshold_fit"]`` with its ``on`` text naming ``unit`` for rows (a log model's said
    "held-out normal training rows" of ``"rows": 4`` sessions); its fields as saved, so a model
    saved before reads the same.

    Examples
    --------
    >>> threshold_fit_named({"on": "held-out normal training rows (never trained on)", "rows": 4},
    ...                     "sessions")
    {'on': 'held-out normal training sessions (never trained on)', 'rows': 4}
    >>> threshold_fit_named({"on": "the training rows themselves (no held-out rows: ...)"}, "steps")["on"]
    'the training steps themselves (no held-out steps: ...)'
    """
    if not isinstance(fit, dict) or unit == "rows" or not isinstance(fit.get("on"), str):
        return fit
    return {**fit, "on": re.sub(r"\b(training|held-out|validation) rows\b", rf"\1 {unit}", fit["on"])}


#: ``info`` keys of a parent that a warm-started pipeline does not inherit: records of the
#: parent's own fit and training read (its file, the rows skipped or sampled, its held-out slice,
#: ``--extra-normal`` recordings, entity bucket counts, log parse counts, a re-threshold, a
#: federated run's sites, rounds and shared threshold).
_PARENT_ONLY = frozenset({
    "versions", "threshold_fit", "fit_seconds", "warm_start", "torch_threads", "rethresholded_from",
    "source", "sampled", "skipped_rows", "held_out", "extra_normal", "entity", "parse", "federated",
})


def _refederated(info: dict[str, Any], det: BaseDetector) -> bool:
    """For a federated model re-thresholded on the held-out scores it keeps (its sites', in site
    order): each site's share above the new threshold in ``info["federated"]["held_out"]`` (the
    record of the share above the old one would say a site is flagged as before; ``None`` for a
    site that held out no row). ``True`` when
    ``info`` is such a model's and was updated."""
    fed = info.get("federated")
    sites = fed.get("held_out") if isinstance(fed, dict) else None
    scores = det.val_scores_
    if (not isinstance(sites, list) or not all(isinstance(s, dict) for s in sites)
            or sum(int(s.get("rows") or 0) for s in sites) != scores.size):
        return False
    start = 0
    for site in sites:
        rows = int(site.get("rows") or 0)
        part = scores[start:start + rows]
        site["flagged"] = round(float(det.threshold_predict(part).mean()), 6) if rows else None
        start += rows
    return True


def _replay_card(replay: Any, unit: str) -> str:
    """The model card's words for a warm start's replayed old data (``info["warm_start"]["replay"]``):
    a series' steps and an entity model's buckets beside the new ones, a table's rows among them
    (``hourglass train --warm-start --replay-data`` trains a table on both as one); ``""``
    without.

    Examples
    --------
    >>> _replay_card({"steps": 150, "source": "old.csv"}, "steps")
    ' (+ 150 steps replayed from old.csv)'
    >>> _replay_card({"rows": 95, "source": "old.csv"}, "rows")
    ' (of which 95 replayed from old.csv)'
    """
    if not isinstance(replay, dict):
        return ""
    count = next((replay[k] for k in ("steps", "buckets") if replay.get(k) is not None), None)
    where = f" from {replay['source']}" if replay.get("source") else ""
    if count is not None:
        return f" (+ {count} {unit} replayed{where})"
    if replay.get("rows") is not None:
        return f" (of which {replay['rows']} replayed{where})"
    return ""


def refuse_series_beyond_scale(X: np.ndarray, df: pd.DataFrame, features: Any, what: str = "the new "
                                "series") -> None:
    """Refuse a time-series warm start's series ``df`` (``X``: it as the frozen preprocessing
    ``features`` reads it) where a channel holds a value that preprocessing cannot read: one
    so far past the values it was fitted on (a sensor glitch of 1e30, a counter reset) that
    its scaling reads it as its extreme (``_CLIP``). A table's warm start leaves such rows out
    (:func:`_without_beyond_scale`); a series cannot lose a step, and trained on as normal such
    a step set the error scales and the threshold refitted on the held-out tail beyond every
    score (the new model flagged nothing). The first such step is named by its time (or its
    row, for a series without a timestamp column); ``what``: whose series it is.

    Examples
    --------
    >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
    >>> pre = TimeSeriesPreprocessor().fit(pd.DataFrame({"cpu": [1.0, 2.0, 3.0]}))
    >>> new = pd.DataFrame({"cpu": [2.0, 1e30, 1.0]})
    >>> refuse_series_beyond_scale(pre.transform(new), new, pre)
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: warm start: the new series: channel(s) cpu hold a value the ...
    """
    from hourglass.features.timeseries import _CLIP, _first_row

    channels = list(features.channels_)
    extreme = np.abs(X[:, :len(channels)]) >= np.float32(_CLIP)
    steps = np.flatnonzero(extreme.any(axis=1))
    if not len(steps):
        return
    said = ", ".join(str(c) for c, hit in zip(channels, extreme.any(axis=0), strict=True) if hit)
    index = features.transform_frame(df).index  # the grid: times, else the rows in order
    first = (str(index[steps[0]]) if isinstance(index, pd.DatetimeIndex)
             else f"row {_first_row(df) + int(steps[0]) + 1}")
    at = first if len(steps) == 1 else f"{len(steps):,} steps, the first at {first}"
    raise InputError(f"warm start: {what}: channel(s) {said} hold a value the model's frozen scale "
                     f"cannot read (far past the values it was trained on) at {at}; trained on as normal, "
                     "it would set the error scales and the threshold beyond every score; leave "
                     "that stretch out, or train a new model to learn such values")


def _refuse_labels_per_table_row(y: object | None, df: object, X: Any, features: Any, method: str) -> None:
    """Refuse ``y`` given one label per row of ``df`` when ``features`` makes other rows of them
    (sessions, (entity, bucket) rows, time steps): it was said as 'y: has 3,000 labels for 192
    rows', as if the labels were too many."""
    if y is None or not isinstance(df, pd.DataFrame) or len(df) == len(X):
        return
    try:
        n = int(np.size(from_torch(y, "y")))  # (np.asarray of a grad tensor: torch's RuntimeError)
    except ValueError:  # ragged: check_labels says it
        return
    if n != len(df):
        return
    unit = {"events": "sessions", "timeseries": "time steps"}.get(
        getattr(features, "output", "tabular"), "rows")
    if getattr(features, "output", None) == "entity":
        unit = "(entity, bucket) rows"
    raise InputError(f"y: has {n:,} labels, one per row of the data, but {type(features).__name__} "
                     f"makes {len(X):,} {unit} of them, which the detector is fitted on: {method} "
                     f"takes one label (1: anomaly) per one of those, in the order the features "
                     "give them")


def _every_one(n: int, plural: str) -> str:
    """'every one of the ``n`` ``plural``', or for one 'the one' of them (not 'every one of the
    1 new rows').

    Examples
    --------
    >>> _every_one(1, "new rows"), _every_one(3, "new rows")
    ('the one new row', 'every one of the 3 new rows')
    """
    return f"the one {plural.removesuffix('s')}" if n == 1 else f"every one of the {n:,} {plural}"


def beyond_scale_rows(X: np.ndarray, features: TabularPreprocessor) -> tuple[np.ndarray, list[str]]:
    """Which rows of ``X`` (the output of the fitted ``features``) hold a numeric feature its
    scaling cannot read: a ±inf or a number so far past the values it was fitted on that it
    reads as the scale's extreme (``_CLIP``); and the numeric columns holding one.

    Examples
    --------
    >>> pre = TabularPreprocessor().fit(pd.DataFrame({"n": [1.0, 2.0, 3.0]}))
    >>> rows, columns = beyond_scale_rows(pre.transform(pd.DataFrame({"n": [2.0, float("inf")]})), pre)
    >>> rows.tolist(), columns
    ([False, True], ['n'])
    """
    from hourglass.features.tabular import _CLIP

    k = len(features.numeric_)
    if not k or not len(X):
        return np.zeros(len(X), dtype=bool), []
    extreme = np.abs(X[:, :k]) >= np.float32(_CLIP)
    columns = [str(c) for c, hit in zip(features.numeric_, extreme.any(axis=0), strict=True) if hit]
    return extreme.any(axis=1), columns


def _without_beyond_scale(X: np.ndarray, y: object | None, features: TabularPreprocessor,
                          unit: str = "rows", what: str = "new",
                          ) -> tuple[np.ndarray, object | None, dict[str, Any] | None]:
    """The rows of a warm start's feature matrix ``X`` (and of their labels ``y``) whose numeric
    features the frozen preprocessing ``features`` can read, and what was left out (``None``:
    nothing). A ±inf in a column that held none when the parent was fitted (CIC's ``Infinity``
    rates), or a number far past its scale, is the scale's extreme (:data:`_CLIP`) as scoring
    reads it: trained on as normal and held out, such a row set the threshold there (2e18),
    so that the new model flagged nothing. A first fit imputes them and learns an indicator; a
    warm start cannot add one, so the rows are left out, counted and said. ``unit``: what a row
    is, in the messages (an entity model's ``(entity, bucket) rows``); ``what``: whose rows they
    are (``"replayed"``: an entity model's replayed old buckets, aggregated on their own).

    Examples
    --------
    >>> pre = TabularPreprocessor().fit(pd.DataFrame({"n": [1.0, 2.0, 3.0]}))
    >>> X = pre.transform(pd.DataFrame({"n": [2.0, float("inf"), 1.0]}))
    >>> X2, _, beyond = _without_beyond_scale(X, None, pre)
    >>> len(X2), beyond["rows"], beyond["columns"]
    (2, 1, ['n'])
    """
    rows, columns = beyond_scale_rows(X, features)
    n = int(rows.sum())
    if not n:
        return X, y, None
    said = ", ".join(columns[:5]) + (" ..." if len(columns) > 5 else "")
    if n == len(X):
        raise InputError(f"warm start: {_every_one(n, f'{what} {unit}')} holds a value the model's frozen "
                         f"scale cannot read (column(s) {said}: infinite, or far past the values it was "
                         "trained on); train a new model to learn them")
    logger.warning("warm start: %d of the %d %s %s left out: column(s) %s hold a value the model's "
                   "frozen scale cannot read (infinite, or far past the values it was trained on), "
                   "which trained on as normal would set the threshold beyond every score; train a "
                   "new model to learn them", n, len(X), what, unit, said)
    if y is not None:
        y = check_labels(y, len(X))[~rows]
    return X[~rows], y, {"rows": n, "columns": columns}


def _warn_labels_as_feature(df: pd.DataFrame, labels: np.ndarray, columns: list[Any]) -> None:
    """Warn when one of ``columns`` (the input columns the model reads) is named like a label
    (``label``, ``attack_cat``, ...) or holds the labels ``y`` themselves: a feature that tells
    which rows are the known anomalies teaches the model the labels, not the anomalies, and is
    missing (or is the answer) where the model scores."""
    from hourglass._labels import label_like
    from hourglass.detectors.base import _caller_outside_package

    if not labels.any():  # no known anomaly to tell (a column of zeros is no label)
        return
    by_name = {str(k): k for k in df.columns}  # the features name columns as text (1 is '1')
    named = set(label_like(map(str, df.columns)))  # ('y' beside an 'x' is an axis)
    for c in columns:
        told = str(c) in named
        col = by_name.get(str(c))
        if not told and col is not None and df[col].dtype.kind in "biuf":
            told = bool(np.array_equal(df[col].to_numpy(dtype=np.float64, na_value=np.nan), labels))
        if told:
            warnings.warn(f"Pipeline.fit: column {c!r} is a feature and looks like the labels y: the "
                          "model learns the known anomalies from it; leave it out of df (or give "
                          f"TabularPreprocessor(drop=[{c!r}]))", HourglassWarning,
                          stacklevel=_caller_outside_package())
            return


def _warn_label_named_columns(features: Any) -> None:
    """Warn when the fitted ``features`` read a column named like a label (``label``,
    ``attack_cat``, ``is_attack``...; :func:`~hourglass._labels.label_like`) as input, the
    model given no labels ``y``: its values (an attack row's verdict among them) are learnt as
    normal and read when scoring, so the model flags the verdicts, not the traffic, and data
    without the column lacks one the model reads. ``hourglass train`` says so as a warning; the
    Python API said nothing."""
    from hourglass._labels import label_like
    from hourglass.detectors.base import _caller_outside_package

    if _LABELS_TOLD.get():
        return
    output = getattr(features, "output", "tabular")
    if output == "entity":  # its entity and time columns are keys, not features
        keys = {str(features.entity_col), str(features.timestamp_col)}
        columns = [c for c in map(str, features.columns_) if c not in keys]
    elif output == "tabular":
        columns = list(map(str, getattr(features, "columns_", [])))
    else:  # a series' channels; event sessions read no columns as features
        columns = list(map(str, getattr(features, "channels_", [])))
    named = label_like(columns)
    if named:
        one = len(named) == 1
        said = ", ".join(map(repr, named))
        warnings.warn(f"Pipeline.fit: column{'' if one else 's'} {said} "
                      f"{'looks like a label' if one else 'look like labels'}, and without y "
                      f"{'it is a feature' if one else 'they are features'}: the model learns "
                      "every row's value (an attack's too) as normal and scores by it; train on "
                      f"the normal rows without {'it' if one else 'them'} "
                      f"(df[df[{named[0]!r}] == NORMAL].drop(columns=[{said}]))",
                      HourglassWarning, stacklevel=_caller_outside_package())


@contextlib.contextmanager
def _said_of_x_val() -> Iterator[None]:
    """Within the block, an :class:`InputError` is said of ``X_val`` (``X_val: ...``), not read
    as one about the training rows: the error itself is its cause ('hourglass train', which
    carves X_val from the training file, tells that file's rows with it); of the error's own
    type (a TimeRangeError stays one), its attributes (param, detail) kept, as _at_site keeps
    them."""
    try:
        yield
    except InputError as exc:
        told = type(exc).__new__(type(exc), f"X_val: {exc}")
        told.__dict__.update(exc.__dict__)
        raise told from exc


def _needs_labelled_rows(rule: Threshold | None, X_val: object, y_val: object, method: str,
                         data: str) -> bool:
    """Whether ``rule`` is fitted on labelled validation rows; refuses ``X_val`` without ``y_val``
    (or the reverse), and a rule that needs them without them (``method``, ``data``: for the
    message)."""
    needs_labels = rule is not None and bool(getattr(rule, "requires_labels", False))
    if (X_val is None) != (y_val is None):
        raise InputError(f"{method}: give both X_val and y_val (labelled validation rows)")
    if rule is not None and needs_labels and X_val is None:
        raise InputError(f"the threshold rule {rule.describe()} needs labelled validation rows: "
                         f"{method}(df, X_val=..., y_val=...) with both normal and anomalous rows "
                         f"carved from {data}")
    return needs_labels


def _counted_rows(n: object, plural: str) -> str:
    """A count of ``info`` (as saved: an edited one may be no integer) and its noun, singular
    for one (:func:`~hourglass._columns.counted_plural`)."""
    return counted_plural(n, plural) if isinstance(n, int) and not isinstance(n, bool) else f"{n} {plural}"


def _fit_on_card(fit_on: dict[str, Any], det: BaseDetector | None, unit: str) -> str:
    """The model card's line on what the threshold was fitted on (``fit_on``:
    ``info["threshold_fit"]`` as shown), with how a forecaster's steps gave its scores: the
    held-out tail's first ``window`` steps, or the labelled validation series' (``left_out``),
    have no forecast of their own, so the count is of scores, fewer than the steps.

    Examples
    --------
    >>> line = _fit_on_card({"on": "labelled validation steps given to fit (X_val, y_val)",
    ...                      "rows": 112, "normal": 109, "anomalous": 3, "left_out": 8}, None, "steps")
    >>> line.split(": ", 1)[1]
    "112 steps (109 normal, 3 anomalous; the series' first 8 steps left out: no forecast of their own)"
    """
    rows = fit_on.get("rows", det.val_scores_.size if det is not None else 0)
    counts = f"{fit_on.get('normal', rows)} normal, {fit_on.get('anomalous', 0)} anomalous"
    left_out = fit_on.get("left_out")
    scores = fit_on.get("scores")
    how = ""
    if det is not None and (scores == TRAINING or (scores == HELD_OUT and isinstance(rows, int))):
        how = det._scores_said(int(rows) if scores == HELD_OUT else 0, held=scores == HELD_OUT)
    if isinstance(left_out, int) and left_out > 0:
        counts += f"; the series' first {counted(left_out, 'step')} left out: no forecast of their own"
    elif how:
        unit = "scores"
        counts += f"; {how}"
    return f"{fit_on.get('on', f'held-out normal training {unit}')}: {_counted_rows(rows, unit)} ({counts})"


def _features_card(feats: Any, det: BaseDetector) -> str:
    """The model card's line on what the detector reads: a table's input columns and features,
    or a log model's input and the distinct keys it learnt (a log preprocessor has no table
    columns or features to count: "0 input columns → 0 features" was said of every model of an
    event table or a key file).

    Examples
    --------
    >>> from hourglass.features import TabularPreprocessor
    >>> class Fitted(TabularPreprocessor):
    ...     columns_, feature_names_ = ["a", "b"], ["a", "b_x", "b_y"]
    >>> _features_card(Fitted(), None)
    '2 input columns → 3 features (Fitted)'
    >>> class One(TabularPreprocessor):
    ...     columns_, feature_names_ = ["a"], ["a"]
    >>> _features_card(One(), None)
    '1 input column → 1 feature (One)'
    """
    name = type(feats).__name__
    if getattr(feats, "output", None) != "events":
        return (f"{counted(len(getattr(feats, 'columns_', ())), 'input column')} → "
                f"{counted(len(getattr(feats, 'feature_names_', ())), 'feature')} ({name})")
    if getattr(feats, "is_table", False):
        roles = (("session", feats.session_column), ("key", feats.key_column),
                 ("message", feats.message_column), ("time", feats.time_column))
        read = [f"{col!r} ({role})" for role, col in roles if col is not None]
        source = f"event table columns {', '.join(read)}"
    elif feats.format == "keys":
        source = "key file (one session of integer keys per line)"
    else:
        source = f"{feats.format} log lines"
    templates = len(getattr(feats, "feature_names_", ()))
    keys = len(getattr(det, "vocab_", ()))
    return (f"{source} → " + (f"{counted(templates, 'template')}, " if templates else "")
            + f"{counted(keys, 'distinct key')} in the training sessions ({name})")


#: What a preprocessing instance has (``hourglass.features.registry``'s classes): the pipeline
#: fits and applies it, saves it and reads its ``output`` kind.
_FEATURES_CONTRACT = ("fit_transform", "transform", "get_params", "to_dict", "output")


def _check_parts(detector: object, features: object) -> None:
    """Raise ``InputError`` unless ``detector`` is a hourglass detector instance and ``features``
    a preprocessing instance (a name, a class or another library's estimator failed deep inside
    ``fit`` with an ``AttributeError`` on ``get_tags``/``get_params``)."""
    if not isinstance(detector, BaseDetector):
        if isinstance(detector, str):
            hint = f"hourglass.detectors.get({detector!r})() for a registered name"
        elif isinstance(detector, type):
            hint = f"an instance, e.g. {detector.__name__}(...)"
        else:
            hint = "e.g. AutoEncoder(); hourglass.detectors.available() lists them"
        raise InputError(f"detector must be a hourglass detector ({hint}), got {detector!r}",
                         param="detector")
    # what the registry's classes provide and the pipeline calls (a scikit-learn transformer has
    # fit_transform and get_params too, and failed in fit on its missing feature_names_)
    if isinstance(features, type) or not all(hasattr(features, a) for a in _FEATURES_CONTRACT):
        if isinstance(features, type):
            hint = f"an instance, e.g. {features.__name__}(...)"
        elif hasattr(features, "fit_transform"):  # another library's transformer
            hint = ("its state is saved as JSON in the model, which another library's transformer's "
                    "is not: TabularPreprocessor(scaler='standard', ...) imputes, encodes and scales; "
                    "None for the default")
        else:
            hint = "e.g. TabularPreprocessor() or EventSessions(...); None for the default"
        raise InputError(f"features must be a hourglass preprocessing ({hint}), got {features!r}",
                         param="features")


class Pipeline:
    """Preprocessing, detector and threshold as one object, saved as one artefact.

    Parameters
    ----------
    detector
        Any registered detector (default: the hourglass :class:`AutoEncoder`).
    features
        Preprocessing (default: :class:`TabularPreprocessor` with its defaults, for tabular
        detectors; a time-series or events detector needs its own, e.g.
        :class:`~hourglass.features.EventSessions`).
    threshold
        Threshold rule; overrides the detector's own. Fitted on scores of the held-out slice of
        the training rows, never on the rows the model was trained on (unless the detector
        holds nothing out: ``info["threshold_fit"]`` and the rule's ``describe()`` say so).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline, AutoEncoder, thresholds
    >>> rng = np.random.default_rng(0)
    >>> train = pd.DataFrame({"bytes": rng.exponential(100, 400), "proto": ["tcp"] * 400})
    >>> pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=100, verbose=0),
    ...                 threshold=thresholds.Percentile(99)).fit(train)
    >>> pipe.predict(pd.DataFrame({"bytes": [100.0], "proto": ["icmp"]})).tolist()
    [1]
    """

    artefact_: dict[str, Any]  # set by load(): the artefact's path and content hash

    def __init__(
        self,
        detector: BaseDetector | None = None,
        features: Any | None = None,
        threshold: Threshold | None = None,
    ) -> None:
        self.detector = detector
        self.features = features
        self.threshold = threshold
        self.info: dict[str, Any] = {}

    _PARTS = ("detector", "features", "threshold")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn's ``get_params``, which ``sklearn.base.clone``
        calls: a clone is the pipeline unfitted, with clones of its parts).

        Parameters
        ----------
        deep
            Also each part's own parameters, as ``detector__epochs``, ``features__scaler``,
            ``threshold__q``.

        Returns
        -------
        dict
            Parameter name → value.

        Examples
        --------
        >>> from hourglass import Pipeline, AutoEncoder, thresholds
        >>> pipe = Pipeline(AutoEncoder(epochs=3), threshold=thresholds.Percentile(99))
        >>> params = pipe.get_params()
        >>> params["detector__epochs"], params["threshold__q"], params["features"]
        (3, 99, None)
        """
        out: dict[str, Any] = {name: getattr(self, name) for name in self._PARTS}
        if deep:
            for name in self._PARTS:
                part = out[name]
                if hasattr(part, "get_params") and not isinstance(part, type):
                    out.update({f"{name}__{k}": v for k, v in part.get_params(deep=True).items()})
        return out

    def set_params(self, **params: Any) -> Pipeline:
        """Set constructor arguments, or a part's own by ``part__name`` (scikit-learn's
        ``set_params``: ``detector__epochs=5``, ``features__scaler="robust"``; ``threshold__q=99.9``
        replaces the rule with one of that setting, as a detector's ``set_params`` does). A
        fitted pipeline keeps its fit (``detector_``, ``features_``): fit again.

        Parameters
        ----------
        **params
            New values by name.

        Returns
        -------
        Pipeline
            ``self``.

        Raises
        ------
        hourglass.errors.InputError
            A name that is no parameter, or a part's parameter where the part is ``None``.

        Examples
        --------
        >>> from hourglass import Pipeline, AutoEncoder, thresholds
        >>> pipe = Pipeline(AutoEncoder(), threshold=thresholds.Percentile(99))
        >>> pipe = pipe.set_params(detector__epochs=5, threshold__q=99.5)
        >>> pipe.detector.epochs, pipe.threshold.q
        (5, 99.5)
        """
        unknown = [k for k in params if k.partition("__")[0] not in self._PARTS]
        if unknown:
            raise InputError(f"Pipeline has no parameter {unknown[0]!r}; it takes detector, features "
                             "and threshold, and their own parameters as detector__epochs, "
                             "features__scaler, threshold__q", param=unknown[0])
        for name in self._PARTS:
            if name in params:
                setattr(self, name, params[name])
        for name in self._PARTS:
            own = {k.partition("__")[2]: v for k, v in params.items() if k.startswith(f"{name}__")}
            if not own:
                continue
            part = getattr(self, name)
            first = f"{name}__{next(iter(own))}"
            if part is None or isinstance(part, type) or not hasattr(part, "get_params"):
                raise InputError(f"{first}: {name} is {part!r}, which has no parameters to set; "
                                 f"give {name} first (e.g. Pipeline({name}=...))", param=name)
            if isinstance(part, Threshold):  # a rule has no set_params: a new one, as a detector's
                taken = part.get_params()
                if any(k not in taken for k in own):
                    k = next(k for k in own if k not in taken)
                    raise InputError(f"threshold__{k}: {type(part).__name__} has no parameter {k!r}; "
                                     f"it takes {', '.join(taken) or 'none'}", param="threshold")
                self.threshold = type(part)(**{**taken, **own})
            else:
                part.set_params(**own)
        return self

    def __repr__(self) -> str:
        # its parts as given (a notebook's cell showed '<...Pipeline object at 0x7f...>')
        shown = [f"{k}={v!r}" for k, v in self.get_params(deep=False).items() if v is not None]
        return f"Pipeline({', '.join(shown)})"

    def __sklearn_tags__(self) -> Any:
        # what scikit-learn's check_is_fitted reads first (then the fitted attributes, '_' last)
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False))

    def fit(self, df: pd.DataFrame, y: object | None = None, *, X_val: pd.DataFrame | None = None,
            y_val: object | None = None) -> Pipeline:
        """Fit the preprocessing and the detector on (normal) training rows ``df``.

        ``y`` marks known anomalies (1; 0 normal) for the detectors tagged ``supports_labels``
        (others warn and ignore it): one label per row the detector is fitted on, a table row,
        or with other features one per session, (entity, bucket) row or time step, in the order
        the features give them.

        The threshold is fitted on the detector's held-out slice of ``df`` — unless a labelled
        validation set ``X_val``/``y_val`` (1 = anomaly) is given: then it is fitted on the scores
        of those rows (required for rules that need labels, such as best F1; a forecaster's
        first ``window`` steps, whose scores are copies of the first forecast's, are left out:
        ``detector_.unpredicted_steps``; a ``y_val`` whose every anomalous, or every normal,
        step lies among them is refused, naming them). Carve ``X_val`` from the labelled training data, never
        from the data you evaluate on.
        ``info["threshold_fit"]`` records which. A fit that fails leaves the pipeline as it was
        (unfitted, or with its earlier fit), not with new features and the old detector.

        Parameters
        ----------
        df
            Training rows (normal, unless ``y`` marks some).
        y
            Optional 0/1 labels (1 = known anomaly), as above.
        X_val, y_val
            Optional labelled validation rows for the threshold (both or neither).

        Returns
        -------
        Pipeline
            ``self``, fitted (``features_``, ``detector_``, ``info``).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
        >>> pipe.info["n_train_rows"], pipe.threshold_.describe()
        (50, 'percentile 99.0 of held-out normal scores')
        """
        before = {**self.__dict__, "info": dict(self.info)}
        try:
            return self._fit(df, y, X_val=X_val, y_val=y_val)
        except BaseException as exc:
            # the step that failed, for a caller that maps a row number to its file: the features
            # of the training rows, or (once detector_ is set) the detector and validation rows
            new_detector = self.__dict__.get("detector_") is not before.get("detector_")
            setattr(exc, "fit_stage", "detector" if new_detector else "features")  # noqa: B010
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit(self, df: pd.DataFrame, y: object | None, *, X_val: pd.DataFrame | None,
             y_val: object | None) -> Pipeline:
        detector = self.detector if self.detector is not None else AutoEncoder()
        template = self.features if self.features is not None else TabularPreprocessor()
        _check_parts(detector, template)
        kind = detector.get_tags()["input"]
        if self.features is None and kind != "tabular":
            raise InputError(f"{type(detector).__name__} takes {kind} input: pass the matching "
                             "preprocessing as Pipeline(features=...)")
        # entity features produce (entity, bucket) rows, which a tabular detector reads
        produces = getattr(template, "detector_input", getattr(template, "output", "tabular"))
        if produces != kind:
            raise InputError(f"{type(template).__name__} produces {produces} input but "
                             f"{type(detector).__name__} takes {kind} input")
        self.features_: Any = type(template)(**template.get_params())  # any preprocessing class
        X = self.features_.fit_transform(df)
        _refuse_labels_per_table_row(y, df, X, self.features_, "Pipeline.fit")
        if y is None and isinstance(df, pd.DataFrame):
            _warn_label_named_columns(self.features_)
        if (y is not None and detector.get_tags()["supports_labels"] and isinstance(df, pd.DataFrame)
                and getattr(self.features_, "output", None) == "tabular"):
            _warn_labels_as_feature(df, check_labels(y, len(X)),
                                    list(getattr(self.features_, "columns_", [])))
        rule = self.threshold if self.threshold is not None else detector.get_params().get("threshold")
        needs_labels = _needs_labelled_rows(rule, X_val, y_val, "Pipeline.fit", "the training data")
        self.detector_ = detector.clone()
        # before training, so that a wrong y_val is said now (after detector_: the CLI reads an
        # error raised from here on as one about the validation rows)
        val = self._validation_rows(X_val, y_val)
        if needs_labels:
            self.detector_.set_params(threshold=None)  # placeholder until the labelled fit below
        elif self.threshold is not None:
            self.detector_.set_params(threshold=self.threshold)
        with _placeholder_threshold_quiet() if needs_labels else contextlib.nullcontext():
            self.detector_.fit(X, y)
        self._fit_threshold(rule, val)
        # a refit (or a fit of a loaded, warm-started or re-thresholded pipeline) describes the
        # new model only: what an earlier fit recorded would go on in the model card and artefact
        if isinstance(self.info.get("federated"), dict):
            # a federated run's source names that run ("federated training (rows stay at the
            # sites)"), not data that describes this fit: the card said so of a plain refit
            self.info.pop("source", None)
        for key in _FIT_RECORDS:
            self.info.pop(key, None)
        # nor is it the artefact a loaded pipeline was read from: its path and content hash went
        # on as the parent a later warm_start or with_threshold recorded (another model's)
        self.__dict__.pop("artefact_", None)
        # nor has it warned yet: the warnings given once per model (columns it ignores, Zeek
        # words, Windows spellings) were given once per object, and a refit warned of none
        for flag in _WARNED_ONCE:
            self.__dict__.pop(flag, None)
        # an event table counts sessions, a series its time steps (duplicates merged, resampled),
        # an entity model its (entity, bucket) rows (as its warm start and 'hourglass train' do)
        per_row = (isinstance(df, pd.DataFrame) and kind == "tabular"
                   and getattr(self.features_, "output", "tabular") != "entity")
        self.info["n_train_rows"] = len(df) if per_row else len(X)
        if y is not None and self.detector_.get_tags()["supports_labels"]:
            # trained on as known anomalies (semi-supervised): not normal rows, as the card said
            self.info["n_labelled_anomalies"] = int((check_labels(y, len(X)) == 1).sum())
        self.info["n_features"] = len(self.features_.feature_names_)
        torch = sys.modules.get("torch")
        if torch is not None:  # sums split over threads round differently: a seed repeats a run
            self.info["torch_threads"] = int(torch.get_num_threads())  # on as many threads
        output = getattr(self.features_, "output", "tabular")
        if isinstance(df, pd.DataFrame) and ((per_row and output == "tabular") or output == "entity"):
            self.info["optional_fields"] = _optional_in(df, self.features_)
        return self

    def _validation_rows(self, X_val: pd.DataFrame | None,
                         y_val: object | None) -> tuple[Any, np.ndarray] | None:
        """``X_val`` through the fitted features, and ``y_val`` checked against it (one 0/1 label
        per row, session or step the detector scores); ``None`` without validation rows."""
        if X_val is None:
            return None
        with _said_of_x_val():
            Xv = self.features_.transform(X_val)
        return Xv, check_labels(y_val, len(Xv), what="y_val")

    def _fit_threshold(self, rule: Threshold | None, val: tuple[Any, np.ndarray] | None,
                       method: str = "fit") -> None:
        """Fit ``rule`` on the labelled validation rows ``val`` (:meth:`_validation_rows`) when
        given (the detector's own fit has already fitted it on its held-out normal rows
        otherwise); record which in ``info``: rows given to ``method`` (``hourglass train``,
        which carves them from the training file, says so itself)."""
        if val is None:
            self.info["threshold_fit"] = threshold_fit_named(threshold_fit_info(self.detector_),
                                                             self.score_unit())
            return
        Xv, labels = val
        # a forecaster's first window steps have no forecast of their own: their scores are
        # copies of the first forecast's, paired with their own labels (BestF1 lowered its cut
        # to catch the copies of a step labelled anomalous): left out, as from held-out scores
        skip = int(getattr(self.detector_, "unpredicted_steps", 0))
        with _said_of_x_val():  # ('series has 8 time steps, shorter than one window': X_val's)
            val_scores = self.detector_.score(Xv)[skip:]
        # a class of y_val whose every step is among those: the rule's 'no anomalous rows'
        # would deny labels y_val has; said as what happened to them
        lost = [name for value, name in ((1, "anomalous"), (0, "normal"))
                if (labels[:skip] == value).any() and not (labels[skip:] == value).any()]
        labels = labels[skip:]
        try:
            self.detector_.set_threshold(rule if rule is not None else self.detector_.threshold_,
                                         scores=val_scores, y=labels)
        except InputError:
            if not lost:
                raise
            raise InputError(
                f"y_val: every {lost[0]} step of the validation series is among its first {skip} "
                f"steps, which {type(self.detector_).__name__} makes no forecast for (window="
                f"{skip}): their scores are copies of the first forecast's, left out of the "
                f"threshold's fit; give a validation series with {lost[0]} steps after its first "
                f"{skip}", param="y_val") from None
        self.info["threshold_fit"] = threshold_fit_named({
            "on": f"labelled validation rows given to {method} (X_val, y_val)",
            "rows": int(labels.size), "anomalous": int((labels == 1).sum()),
            "normal": int((labels == 0).sum()),
            **({"left_out": skip} if skip else {})}, self.score_unit())

    def warm_start(self, df: pd.DataFrame, y: object | None = None, *,
                   X_val: pd.DataFrame | None = None, y_val: object | None = None,
                   replay: pd.DataFrame | None = None, **params: Any) -> Pipeline:
        """A new pipeline: this fitted one's detector trained further on (normal) rows ``df``.

        ``y`` marks known anomalies among the new rows as in :meth:`fit` (one label per row the
        detector trains on, of ``df`` alone: the rows of ``replay`` are normal ones).

        The preprocessing stays **frozen**: the same columns, features and scaling as this
        pipeline's (``df`` must have this model's input columns, checked as :meth:`score`
        checks them; a category value never seen in the first training data stays "unseen").
        The detector continues from its weights (:meth:`BaseDetector.warm_start
        <hourglass.detectors.base.BaseDetector.warm_start>`; detectors tagged ``warm_start``
        only) with a fresh held-out slice of ``df`` for early stopping; the threshold rule
        and the calibration are fitted again on that slice (or on ``X_val``/``y_val``, as in
        :meth:`fit`, which a rule needing labels requires). Adam restarts (its state is not
        saved). ``params``: training settings to change (``epochs``, ``lr``,
        ``random_state``, ...). ``info["warm_start"]`` records the parent (its artefact's
        content hash when it was loaded from one and not fitted since; a re-thresholded parent's
        ``rethresholded_from``, where the rule kept came from; ``threshold_given`` when
        ``params`` gave a ``threshold`` rule instead), the rows used and the
        date; the parent's records of its own training read (``info`` ``source``,
        ``held_out``, ``extra_normal``, ...) are not carried over. ``self`` is unchanged.

        For a time-series pipeline ``df`` is the new series: its channels, scaling, time grid
        (``freq``) and fill stay the parent's, the held-out slice is the contiguous last
        ``validation_fraction`` of its steps (as in a first fit), and the stream threshold is
        fitted again on that tail's causal scores (:meth:`WindowDetector.warm_start
        <hourglass.detectors.windowed.WindowDetector.warm_start>`); a value the frozen scaling
        cannot read (:func:`refuse_series_beyond_scale`) is refused. ``replay`` (series):
        an old normal series (e.g. part of the parent's training data) trained on too, against
        forgetting: transformed with the frozen preprocessing on its own and put in front of
        ``df`` as a separate recording (no window spans the join); the held-out tail stays
        the last ``validation_fraction`` of ``df``'s steps. ``info["warm_start"]["replay"]``
        records its steps; ``info["n_train_rows"]`` counts them with the new ones (as
        ``hourglass train --warm-start`` does), ``info["warm_start"]["rows"]`` the new ones.

        For an entity-bucket pipeline (:class:`~hourglass.features.EntityWindows`) ``df`` holds
        the new table rows: they are grouped with the parent's entity column, timestamp column
        and bucket, aggregated over the parent's columns and scaled as the parent scaled its
        buckets; the held-out slice is a seeded share of the (entity, bucket) rows trained on
        (the new ones, and the replayed ones with ``replay``), and
        ``info["warm_start"]["rows"]`` counts buckets. ``replay``: old normal rows, aggregated
        on their own (an old bucket never merges with a new one of the same entity and time)
        and trained on beside the new buckets; ``info["warm_start"]["replay"]`` counts them, and
        ``info["n_train_rows"]`` counts them with the new ones.

        For a log pipeline ``df`` is the new log (or event table): it is parsed with the
        parent's session rule and template miner, whose templates stay as they are (a template
        first seen here becomes the "unknown" key, as at scoring time); the detector's key
        vocabulary is frozen too, and sessions holding an unknown key are counted
        (``info["warm_start"]["unknown"]``) and left out of the training
        (:meth:`EventsInput.warm_start <hourglass.detectors.events.EventsInput.warm_start>`).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> old = pd.DataFrame({"bytes": rng.exponential(100, 400), "proto": ["tcp"] * 400})
        >>> pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=20, verbose=0)).fit(old)
        >>> new = pd.DataFrame({"bytes": rng.exponential(300, 400), "proto": ["tcp"] * 400})
        >>> pipe2 = pipe.warm_start(new, epochs=10)
        >>> pipe2.info["warm_start"]["rows"], pipe2.features_.feature_names_ == pipe.features_.feature_names_
        (400, True)
        """
        import datetime

        from hourglass.features.registry import features_from_dict

        self._check_fitted()
        det = self.detector_
        if not det.get_tags()["warm_start"]:
            det.warm_start(df)  # raises the one-line refusal naming what is supported
        start = time.perf_counter()
        events = getattr(self.features_, "output", "tabular") == "events"
        for given, what in ((df, "the new data"), (replay, "replay")):
            if not events and isinstance(given, pd.DataFrame) and given.empty and len(given.columns):
                # (the preprocessing's words were 'no rows to score', for rows to train on)
                raise InputError(f"warm start: {what} has no rows to train on (empty data)")
        parse = None
        if events:  # the parent's session rule and template miner: a new template is "unknown"
            sessions = self.features_.sessions(df)
            if not len(sessions):
                where = f"{df}: " if isinstance(df, str | os.PathLike) else ""  # a file: name it
                st = sessions.stats  # the counts (no warning says them before this one line)
                # (an event table's rows too: empty keys, malformed rows, times that do not read)
                said = self.features_._counts(st) if st.get("lines") else ""
                what, unit = self.features_._input_words()  # an event table's rows, a log's lines
                raise InputError(f"{where}warm start: no sessions found in the new {what} (every {unit} "
                                 "was skipped or had no session id" + (f": {said})" if said else ")"))
            X = sessions.sequences
            parse = {k: v for k, v in sessions.stats.items() if k != "sessions"}
        else:
            X = self.transform(df)
        entity = getattr(self.features_, "output", "tabular") == "entity"
        series = getattr(self.features_, "output", "tabular") == "timeseries"
        if series:
            refuse_series_beyond_scale(X, df, self.features_)
        # as fit counts them: sessions, (entity, bucket) rows, a series' time steps (resampled to
        # its grid, duplicates merged), else table rows
        n_new = len(X) if events or entity or series or not isinstance(df, pd.DataFrame) else len(df)
        _refuse_labels_per_table_row(y, df, X, self.features_, "Pipeline.warm_start")
        beyond = None
        # (an entity model's bucket features are scaled by its own table preprocessing: a bucket
        # summing an Infinity set the threshold at 8e13 as a table row did)
        scaling = self.features_.tabular_ if entity else self.features_
        if isinstance(scaling, TabularPreprocessor) and isinstance(X, np.ndarray):
            X, y, beyond = _without_beyond_scale(X, y, scaling,
                                                 unit="(entity, bucket) rows" if entity else "rows")
            n_new = len(X)
        n_x = len(X)  # y's length: one label per new row (replayed ones are added below)
        replayed = None
        asked = {**det.get_params(), **params}.get("validation_fraction")
        if replay is not None:
            X, params, replayed = self._with_replay(X, replay, params)
            if y is not None:  # the replayed rows are old normal ones: labelled 0, where they sit
                labels, old_rows = check_labels(y, n_x), np.zeros(len(X) - n_x, dtype=np.int8)
                y = np.r_[old_rows, labels] if series else np.r_[labels, old_rows]
        old = det.threshold_
        given = "threshold" in params  # a rule of the caller's: the parent's is not kept
        rule = params.pop("threshold", type(old)(**old.get_params()))
        needs_labels = _needs_labelled_rows(rule, X_val, y_val, "Pipeline.warm_start", "the new data")
        new = Pipeline(detector=self.detector, features=self.features, threshold=self.threshold)
        new.features_ = features_from_dict(self.features_.to_dict())  # frozen: a copy of the fitted state
        val = new._validation_rows(X_val, y_val)
        try:
            # a rule that needs labels is fitted on X_val below: the detector's default rule
            # stands in meanwhile, its small-sample warning about a cut-off never used (as in fit)
            with _placeholder_threshold_quiet() if needs_labels else contextlib.nullcontext():
                new.detector_ = det.warm_start(X, y, threshold=None if needs_labels else rule, **params)
        except InputError as exc:
            if getattr(exc, "too_few_rows", False):  # one row to train on: the way on, as the CLI says it
                old_ones = ("replay=OLD_ROWS" if entity else "concatenate them to the new ones")
                unit = "(entity, bucket) rows" if entity else "rows"
                again = InputError(f"{exc}; give the warm start more normal {unit} (or old ones too: "
                                   f"{old_ones}), or fit a new Pipeline")
                # (the command line words its own advice after the detector's refusal)
                setattr(again, "too_few_rows", True)  # noqa: B010
                setattr(again, "refusal", str(exc))  # noqa: B010
                raise again from None
            trained = getattr(exc, "last_series_steps", None)
            if trained is None or replayed is None:
                raise
            # the new series is the last of the joined ones: said in its own steps
            again = InputError(f"warm start: the new series has {n_new} steps, of which {trained} "
                               f"before its held-out tail; with replay it trains on at least one "
                               f"window ({int(det._length())} steps) of its own before that tail: "
                               "pass a longer new series")
            setattr(again, "last_series_steps", trained)  # noqa: B010
            raise again from None
        if replayed is not None and asked is not None:  # the share asked for, of the new steps
            # (scaled to the joined series for this fit only): a later warm start holds out as much
            new.detector_.set_params(validation_fraction=asked)
        # the parent's re-threshold is no record of this model: retrained, its threshold refitted;
        # nor is what the parent's training read (its file, rows skipped or sampled, held-out
        # slice, extra recordings, buckets, parse counts): info["warm_start"]["parent"] names it
        new.info = {k: v for k, v in self.info.items() if k not in _PARENT_ONLY}
        # the parent's count of labelled anomalies is no record of this model's training rows
        new.info.pop("n_labelled_anomalies", None)
        if y is not None and new.detector_.get_tags()["supports_labels"]:
            kept = getattr(new.detector_, "warm_labelled_anomalies_", None)  # a log's: sessions kept
            new.info["n_labelled_anomalies"] = (int((check_labels(y, len(X)) == 1).sum()) if kept is None
                                                else kept)
        torch = sys.modules.get("torch")
        if torch is not None:  # as fit records it
            new.info["torch_threads"] = int(torch.get_num_threads())
        if "optional_fields" in new.info and isinstance(df, pd.DataFrame):  # and the new rows'
            seen = {*_optional_in(df, self.features_), *(new.info["optional_fields"] or ())}
            new.info["optional_fields"] = [c for c in self.features_.columns_ if c in seen]
        new._fit_threshold(rule, val, "warm_start")
        history = getattr(new.detector_, "history_", None)
        parent = getattr(self, "artefact_", None) or {}
        for key in ("stream_threshold", "stream_threshold_value"):
            new.info.pop(key, None)  # the parent's; refitted below when the detector has one
        stream = getattr(new.detector_, "stream_threshold_", None)
        if stream is not None:  # what 'hourglass stream' applies (one window ending at each step)
            new.info.update({"stream_threshold": stream.describe(), "stream_threshold_value": stream.value_})
        new.info.update({
            # what the detector trained on (and held out of), as fit and 'hourglass train' count
            # it: the replayed steps or buckets too
            "n_train_rows": n_new if replayed is None else int(len(X)),
            "fit_seconds": time.perf_counter() - start,
            "threshold": new.threshold_.describe(), "threshold_value": new.threshold_.value_,
            "warm_start": {
                "parent": {"content_hash": parent.get("content_hash"), "path": parent.get("path"),
                           "n_train_rows": self.info.get("n_train_rows"),
                           "source": self.info.get("source"),
                           # the rule kept here came from it: the record of where it came from
                           **({"rethresholded_from": self.info["rethresholded_from"]}
                              if self.info.get("rethresholded_from") else {})},
                "rows": n_new,
                "held_out_rows": int(len(new.detector_.val_index_)),
                "epochs_run": None if history is None else len(history.train_loss),
                "best_epoch": None if history is None else history.best_epoch,
                "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "preprocessing": _FROZEN["series" if series else "events" if events
                                         else "entity" if entity else "table"],
                "optimiser": "Adam restarted from zero moments (optimiser state is not saved)",
                "previous": self.info.get("warm_start"),
                # the threshold rule was the caller's, not the parent's (nor its re-threshold's)
                **({"threshold_given": True} if given else {}),
            },
        })
        if replayed is not None:
            new.info["warm_start"]["replay"] = replayed
        if beyond is not None:
            new.info["warm_start"]["rows_beyond_scale"] = beyond
        if events:
            new.info["warm_start"].update({"parse": parse, "unknown": new.detector_.warm_unknown_})
            new.info["n_train_rows"] = new.detector_.warm_unknown_["trained_sessions"]
        return new

    def with_threshold(self, rule: Threshold | str, *, events_per_day: float | None = None) -> Pipeline:
        """A copy of this fitted pipeline with another threshold rule, fitted on the held-out
        normal scores the model keeps (``detector_.val_scores_``): no retraining, no data.

        ``rule`` is a :class:`~hourglass.thresholds.Threshold` or a spec such as ``"fpr:0.001"``
        (:func:`~hourglass.thresholds.threshold_from_spec`; a per-day budget takes its event rate
        from ``events_per_day``, else from ``info["events_per_day"]``, else, for a time series
        on a fixed ``freq`` grid, from its steps per day, as training does). A time-series model's
        stream threshold is fitted with the same rule on its causal held-out scores. Refused: a
        rule that needs labels (best F1: fit with ``X_val``/``y_val`` instead), a model that
        keeps no held-out scores (federated with ``held_out="summaries"``), a time-series model
        saved without causal held-out scores (its stream threshold could not follow), a rule
        that cannot be fitted on the scores (e.g. ``fpr:0.001`` on too few), and an
        ``events_per_day`` that is not a number > 0 and finite (a saved model with one would
        not load). ``info`` records
        the new rule, ``events_per_day`` where given (the model's event rate then, whatever the
        rule, as training's), and, in ``info["rethresholded_from"]``, the previous rule and value and the
        parent (its artefact's content hash when it was loaded from one and not fitted since). ``self``
        is unchanged.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> df = pd.DataFrame({"bytes": rng.exponential(100, 4000), "port": rng.integers(0, 9, 4000)})
        >>> pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0)).fit(df)
        >>> quiet = pipe.with_threshold("fpr:0.01")
        >>> quiet.threshold_.value_ > pipe.threshold_.value_, pipe.threshold_.describe()
        (True, 'percentile 99.0 of held-out normal scores')
        >>> quiet.info["rethresholded_from"]["threshold"]
        'percentile 99.0 of held-out normal scores'
        """
        import copy
        import datetime

        from hourglass.thresholds import threshold_from_spec
        from hourglass.thresholds.budget import per_day

        self._check_fitted()
        if events_per_day is not None:
            past = False  # an int past float's range (its digits may be too many to print)
            try:
                finite = 0 < float(events_per_day) < float("inf")
            except OverflowError:
                finite, past = False, True
            except (TypeError, ValueError):  # not a number
                finite = False
            if not finite:
                shown = "an integer past float's range" if past else repr(events_per_day)
                raise InputError(f"with_threshold: events_per_day must be a number > 0 and finite, "
                                 f"got {shown}")
        rate = events_per_day if events_per_day is not None else self.info.get("events_per_day")
        if rate is None and getattr(self.features_, "output", "") == "timeseries":
            from hourglass._times import steps_per_day

            rate = steps_per_day(getattr(self.features_, "freq", None))  # its grid (as train takes it)
        if isinstance(rule, str):
            rule = threshold_from_spec(rule, events_per_day=rate)
        if not isinstance(rule, Threshold):
            raise InputError(f"with_threshold: expected a Threshold or a spec string, got {rule!r}")
        det = self.detector_
        if rule.requires_labels:
            raise InputError(f"{rule.describe()}: needs labelled validation rows, which a saved "
                             "model does not keep; fit it with Pipeline.fit(df, X_val=..., y_val=...)")
        if det.val_scores_.size == 0:
            raise InputError("this model keeps no held-out scores to fit a threshold on (a "
                             "federated model trained with held_out='summaries')")
        if callable(getattr(det, "stream_threshold_missing", None)) \
                and getattr(det, "stream_val_scores_", None) is None:
            raise InputError("this time-series model keeps no causal held-out scores (saved before "
                             "stream thresholds existed), so its stream threshold could not follow "
                             "a new rule; retrain it")
        if per_day(rule) and getattr(rule, "events_per_day", None) is None:
            rule = type(rule)(**{**rule.get_params(), "events_per_day": rate})
            if rate is None:
                raise InputError(f"{rule.describe()}: a per-day budget needs the event rate, which "
                                 "this model does not know; pass events_per_day")
        new = Pipeline(detector=self.detector, features=self.features, threshold=rule)
        new.features_ = copy.deepcopy(self.features_)
        new.detector_ = copy.deepcopy(det).set_threshold(rule)
        old = self.threshold_
        parent = getattr(self, "artefact_", None) or {}
        new.info = copy.deepcopy(self.info)
        for key in ("stream_threshold", "stream_threshold_value"):
            new.info.pop(key, None)
        stream = getattr(new.detector_, "stream_threshold_", None)
        if stream is not None:
            new.info.update({"stream_threshold": stream.describe(), "stream_threshold_value": stream.value_})
        if events_per_day is not None:
            new.info["events_per_day"] = float(events_per_day)
        fit_on = threshold_fit_named(threshold_fit_info(new.detector_), new.score_unit())
        if _refederated(new.info, new.detector_):  # the same scores: what they are stays said
            fit_on["on"] = (self.info.get("threshold_fit") or {}).get("on", fit_on["on"])
        new.info.update({
            "threshold": new.threshold_.describe(), "threshold_value": new.threshold_.value_,
            "threshold_fit": fit_on,
            "rethresholded_from": {
                "content_hash": parent.get("content_hash"), "path": parent.get("path"),
                "threshold": old.describe(), "threshold_value": old.value_,
                "threshold_fit": self.info.get("threshold_fit"),
                "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "previous": self.info.get("rethresholded_from")},
        })
        return new

    def _with_replay(self, X: np.ndarray, replay: pd.DataFrame, params: dict[str, Any],
                     ) -> tuple[np.ndarray, dict[str, Any], dict[str, Any]]:
        """:meth:`warm_start`'s ``replay``: the old series transformed on its own and joined in
        front of the new one ``X``, the join passed as a seam, ``validation_fraction`` scaled so
        that the held-out tail stays that share of the new steps."""
        kind = getattr(self.features_, "output", "tabular")
        if kind == "entity":  # old buckets as aggregated on their own: none merges with a new one
            # an old bucket the frozen scaling cannot read (a summed Infinity) is left out and
            # counted as a new one is: trained on or held out, it set the threshold there
            X_old, _, beyond = _without_beyond_scale(self.transform(replay), None, self.features_.tabular_,
                                                     unit="(entity, bucket) rows", what="replayed")
            return (np.concatenate([X, X_old]), params,
                    {"buckets": int(len(X_old)), "new_buckets": int(len(X)),
                     **({"beyond_scale": beyond} if beyond is not None else {})})
        if kind != "timeseries":  # (a log's advice was a table's)
            how = ("for a log, give its old lines (or event table rows) with the new ones"
                   if kind == "events" else "for a table, concatenate old normal rows to the new ones")
            raise InputError(f"warm start: replay is for time-series and entity-bucket pipelines; {how}")
        X_old = self.transform(replay)
        refuse_series_beyond_scale(X_old, replay, self.features_, "the replayed series")
        length = int(self.detector_._length())
        if len(X_old) < length:
            raise InputError(f"warm start: the replayed series has {len(X_old)} steps, shorter than "
                             f"one window ({length})")
        frac = float(params.get("validation_fraction",
                                self.detector_.get_params().get("validation_fraction", 0.0)))
        joined = np.concatenate([X_old, X])
        params = {**params, "seams": [len(X_old)],
                  "validation_fraction": frac * len(X) / len(joined)}
        return joined, params, {"steps": int(len(X_old)), "new_steps": int(len(X))}

    def _check_fitted(self) -> None:
        if not hasattr(self, "detector_"):
            raise PipelineNotFittedError("Pipeline is not fitted; call fit(df) first")

    @property
    def sparse_fields(self) -> bool:
        """Whether a column the model reads may be absent from the data and is then read as
        missing values (imputed as in training): so for models trained on Windows events
        (``evtx``, ``windows-json``, ``winlogbeat``), where each event type carries only its own
        fields and a file without, say, a Sysmon event has no ``Image`` at all, on Zeek conn logs
        (``zeek-conn``), whose JSON form leaves unset fields out, and on Suricata EVE, CEF, LEEF,
        PAN-OS and key=value lines, CloudTrail, Linux audit events, the identity logs and the
        control-plane audit logs (``suricata-eve``, ``cef``, ``leef``, ``panos``, ``kv``,
        ``cloudtrail``, ``auditd``, ``okta``, ``entra-signin``, ``k8s-audit``, ``gcp-audit``),
        whose event types each carry their own fields (and older PAN-OS versions fewer). Other
        tables must carry every column the model was trained on. An entity-bucket model trained
        on such data reads it the same way (every row still needs its entity and time).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import AutoEncoder
        >>> df = pd.DataFrame({"EventID": [4624, 4688] * 20, "Image": [None, "cmd.exe"] * 20})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> pipe.sparse_fields
        False
        >>> pipe.info["dataset"] = "windows-json"
        >>> pipe.score(pd.DataFrame({"EventID": [4624]})).shape
        (1,)
        """
        self._check_fitted()
        return self.info.get("dataset") in SPARSE_FORMATS and \
            getattr(self.features_, "output", "tabular") in ("tabular", "entity")

    @property
    def optional_fields(self) -> list[str]:
        """The columns a row sent to ``stream`` or the service may leave out, as a missing value:
        those with missing values in the training rows (JSON exporters such as Elastic's omit an
        empty field rather than write ``null``). The model's other columns are required in every
        row (unless its fields are all sparse, :attr:`sparse_fields`).

        Examples
        --------
        >>> import pandas as pd
        >>> from hourglass import AutoEncoder
        >>> df = pd.DataFrame({"bytes": [1.0, 2.0] * 20, "geo": ["FR", None] * 20})
        >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).optional_fields
        ['geo']
        """
        return list(self.info.get("optional_fields") or [])

    def with_absent_fields(self, df: pd.DataFrame, *, force: bool = False,
                           only: Collection[str] | None = None) -> pd.DataFrame:
        """``df`` with each model column it lacks added as missing values when the model's
        fields are sparse (:attr:`sparse_fields`) or ``force`` (a chunk of a JSON-lines file
        whose other rows have the field), else ``df`` itself; with ``only``, of those columns
        alone (:attr:`optional_fields`: a file read to its end, none of whose rows has them).
        Data that has none of the model's columns is left as it is (then refused as another
        kind of data).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import AutoEncoder
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> pipe.with_absent_fields(df[["bytes"]].head(2), force=True)
           bytes proto
        0    0.0  None
        1    1.0  None
        >>> pipe.with_absent_fields(df[["bytes"]]).columns.tolist()   # a table model's fields: not sparse
        ['bytes']
        >>> pipe.with_absent_fields(df[["bytes"]], force=True, only=()).columns.tolist()
        ['bytes']
        """
        if not (force or self.sparse_fields) or not isinstance(df, pd.DataFrame):
            return df
        have = set(map(str, df.columns))
        f = self.features_
        if getattr(f, "output", "tabular") == "entity":  # every row needs its entity and time
            keys = {f.entity_col, f.timestamp_col}
            absent = [c for c in f.columns_ if c not in have and c not in keys]
            roles = dict.fromkeys(f.categorical_, "categorical")
        else:
            absent = [c for c in f.columns_ if c not in have]
            roles = f.roles_
        if not absent or len(absent) == len(f.columns_):
            return df
        if only is not None:
            absent = [c for c in absent if c in set(only)]
            if not absent:
                return df
        fill = {c: (np.full(len(df), np.nan) if roles.get(c, "numeric") == "numeric"
                    else np.full(len(df), None, dtype=object)) for c in absent}
        return pd.concat([df, pd.DataFrame(fill, index=df.index)], axis=1)  # one block, not one insert each

    def with_zeek_words(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with the booleans of a Zeek ``bool`` field (``local_orig``) written back as
        ``T``/``F`` for a model that learnt them as those words (trained on a Zeek TSV log before
        such fields were read as booleans), so that it scores them as it learnt them, not as
        values never seen; ``df`` itself otherwise (other models, a JSON log's model).

        Examples
        --------
        >>> from hourglass import AutoEncoder
        >>> df = pd.DataFrame({"bytes": [1.0, 2.0] * 20, "local_orig": ["T", "F"] * 20})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> pipe.info["dataset"] = "zeek-conn"
        >>> pipe.with_zeek_words(pd.DataFrame({"bytes": [1.0], "local_orig": [True]}))["local_orig"].tolist()
        ['T']
        """
        if self.info.get("dataset") != "zeek-conn" or not isinstance(df, pd.DataFrame):
            return df
        words: dict[str, pd.Series] = {}
        categories = getattr(self.features_, "categories_", None) or {}
        if not getattr(self, "_checked_zeek_sets", False):
            self._checked_zeek_sets = True
            self._warn_zeek_sets(df, categories)
        for c, cats in categories.items():
            if c not in df.columns or not cats or not set(cats) <= {"T", "F", MISSING}:
                continue
            col = df[c]
            if pd.api.types.is_bool_dtype(col.dtype) or (
                    pd.api.types.is_object_dtype(col.dtype) and col.notna().any()
                    and pd.api.types.infer_dtype(col, skipna=True) == "boolean"):
                words[c] = col.map({True: "T", False: "F"}).astype(object)
        if not words:
            return df
        if not getattr(self, "_warned_zeek_words", False):
            self._warned_zeek_words = True
            logger.info("column(s) %s: booleans read as the model learnt them, 'T'/'F' (a model "
                        "trained on a Zeek TSV log read them as words; retrain to read them as the "
                        "JSON log's true/false)", ", ".join(words))
        return df.assign(**words)

    def sonicwall_ends(self) -> tuple[str, ...]:
        """The ends of a SonicWall line (``src``, ``dst``, ``natSrc``, ``natDst``) this model
        learnt as one value each, ``10.0.0.5:51234:X0`` (trained before the kv format read them
        apart: it knows ``src`` but no ``srcPort``); ``()`` for any other model.

        Examples
        --------
        >>> from hourglass import AutoEncoder
        >>> df = pd.DataFrame({"bytes": [1.0, 2.0] * 20, "dst": ["8.8.8.8:53:X1", "1.1.1.1:443:X1"] * 20})
        >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).sonicwall_ends()
        ('dst',)
        """
        from hourglass.ingest.kv import ends_learnt_whole

        f = self.features_
        if getattr(f, "output", "tabular") == "entity":
            return ends_learnt_whole([*getattr(f, "columns_", ()), getattr(f, "entity_col", None)])
        return ends_learnt_whole(getattr(f, "roles_", None) or ())

    def with_sonicwall_ends(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with a SonicWall line's ends joined back into one value each
        (:meth:`sonicwall_ends`: ``src`` ``10.0.0.5``, ``srcPort`` ``51234``, ``srcInterface``
        ``X0`` as ``10.0.0.5:51234:X0``) for a model that learnt them so, so that it scores them
        as it learnt them; ``df`` itself otherwise, and where ``df`` is no SonicWall log's (its
        rows no ``id=firewall sn=...``: a flow table's ``src`` beside ``srcPort`` is its own).

        Examples
        --------
        >>> from hourglass import AutoEncoder
        >>> df = pd.DataFrame({"bytes": [1.0, 2.0] * 20, "dst": ["8.8.8.8:53:X1", "1.1.1.1:443:X1"] * 20})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> new = pd.DataFrame({"id": ["firewall"], "sn": ["0017C5A1B2C3"], "bytes": [1.0],
        ...                     "dst": ["8.8.8.8"], "dstPort": [53], "dstInterface": ["X1"]})
        >>> pipe.with_sonicwall_ends(new).to_dict("list")["dst"]
        ['8.8.8.8:53:X1']
        """
        from hourglass.ingest.kv import frame_ends_joined

        if not isinstance(df, pd.DataFrame):
            return df
        ends = self.sonicwall_ends()
        return frame_ends_joined(df, ends) if ends else df

    def with_windows_forms(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with each Windows event value the model never saw but saw written another way
        (a ``Keywords`` mask as signed decimal or hex text, a ``ProviderGuid`` or a classic log's
        ``Channel`` in either letter case: exports of one event log differ so) read as the spelling
        the model learnt, for a model trained on Windows events (``evtx``, ``windows-json``); ``df``
        itself otherwise.
        A model trained in one spelling per value (``info["windows_forms"]`` ``"one"``: ``hourglass
        train`` respells its training rows so, see :func:`~hourglass.features.spellings.one_form`) reads
        every such value in that spelling, as its training rows were read.

        Examples
        --------
        >>> from hourglass import AutoEncoder
        >>> df = pd.DataFrame({"n": [1.0, 2.0] * 20, "Keywords": ["0x8020000000000000"] * 40})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> pipe.info["dataset"] = "windows-json"
        >>> new = pd.DataFrame({"n": [1.0], "Keywords": [-9214364837600034816]})
        >>> pipe.with_windows_forms(new)["Keywords"].tolist()
        ['0x8020000000000000']
        """
        from hourglass.features.spellings import mixed_forms, one_form, windows_forms
        from hourglass.ingest.evtx import WINDOWS_FORMS

        if self.info.get("dataset") not in WINDOWS_FORMS or not isinstance(df, pd.DataFrame):
            return df
        # (a model saved before training so learnt the spellings of its file: each its category;
        # one saved before a column, Channel, was so spelt learnt its values as written: kept)
        one = self.info.get("windows_forms") == "one"
        learnt = getattr(self.features_, "categories_", None) or {}
        forms = (one_form(df, getattr(self.features_, "roles_", None), learnt) if one
                 else windows_forms(df, learnt))
        if not forms:
            return df
        # (in one spelling, a value is respelt whether or not training wrote it so, 0x0 in both:
        # said where the data write one value more than one way, as training says it)
        said = mixed_forms(df, forms) if one else list(map(str, forms))
        if said and not getattr(self, "_warned_windows_forms", False):
            self._warned_windows_forms = True
            if one:
                logger.info("column(s) %s: values written more than one way (a Keywords mask in hex "
                            "or decimal, a GUID's or a channel's letter case) read in one spelling, "
                            "as the model learnt them", ", ".join(said))
            else:
                logger.info("column(s) %s: values written another way than in training (a Keywords "
                            "mask in hex or decimal, a GUID's or a channel's letter case) read as the "
                            "model learnt them", ", ".join(said))
        return df.assign(**forms)

    def _warn_sensor_events(self, df: Any) -> None:
        """Warn, once per model, when ``df`` holds Suricata ``stats`` events (the sensor's own
        counters) and the model, one of a Suricata EVE file, never learnt that event type:
        their network fields all missing and their ``event_type`` never seen, each one scores
        as an anomaly (a model trained on flows flagged every one), which says nothing of the
        network. A model trained on a file that holds them learnt them: no word."""
        from hourglass.ingest.eve import SENSOR_EVENT, SURICATA_EVE

        if (getattr(self, "_warned_sensor_events", False) or self.info.get("dataset") != SURICATA_EVE.name
                or not isinstance(df, pd.DataFrame) or "event_type" not in df.columns):
            return
        learnt = (getattr(self.features_, "categories_", None) or {}).get("event_type")
        rare = (getattr(self.features_, "other_", None) or {}).get("event_type", [])
        if learnt is None or SENSOR_EVENT in learnt or SENSOR_EVENT in rare:
            return
        sensor = df["event_type"].to_numpy(dtype=object) == SENSOR_EVENT
        if not sensor.any():
            return
        self._warned_sensor_events = True
        known = [repr(v) for v in learnt if v != MISSING]
        types = ", ".join(known[:6]) + (" ..." if len(known) > 6 else "")
        logger.warning("the data holds Suricata %r events (the sensor's counters, not network events; "
                       "%d of the %d rows of the first batch that held one), an event type this model "
                       "never learnt (it learnt %s): each scores as an anomaly; leave them out of the "
                       "data (jq -c 'select(.event_type != \"%s\")', or an eve-log output of their own "
                       "in suricata.yaml), or train on a file that holds them", SENSOR_EVENT,
                       int(sensor.sum()), len(df), types or "none", SENSOR_EVENT)

    @staticmethod
    def _warn_zeek_sets(df: pd.DataFrame, categories: dict[str, list[str]]) -> None:
        """Warn once, naming them, of the categorical columns a model learnt as a Zeek TSV log's
        sets and vectors were once read (``a,b``) that ``df`` holds as their JSON text
        (``["a", "b"]``, as the JSON log and the TSV log now read): every such value reads as
        never seen, and the model must be retrained."""
        old = []
        for c, cats in categories.items():
            seen = [v for v in cats if v != MISSING]
            if c not in df.columns or not seen or any(v.startswith("[") for v in seen) \
                    or pd.api.types.is_numeric_dtype(df[c].dtype) or pd.api.types.is_bool_dtype(df[c].dtype):
                continue
            values = df[c].iloc[:1000].dropna()
            if len(values) and values.astype(str).str.startswith("[").all():
                old.append(c)
        if old:
            logger.warning("column(s) %s: the model learnt them as a Zeek TSV log's sets were once "
                           "read ('a,b'); they read now as the JSON log holds them ('[\"a\", \"b\"]'), "
                           "values it never saw that raise every score: retrain the model",
                           ", ".join(old))

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The feature matrix the detector sees for ``df``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
        >>> pipe.transform(df).shape
        (50, 2)
        """
        self._check_fitted()
        df = self.with_sonicwall_ends(self.with_absent_fields(df))  # (a SonicWall end learnt whole)
        df = self.with_windows_forms(self.with_zeek_words(df))
        self._warn_sensor_events(df)
        X = self.features_.transform(df)
        self._warn_extra(self._unread(self.features_.extra_columns(df), df))
        return X

    def _unread(self, extra: list[str], df: Any) -> list[str]:
        """Of ``extra`` (columns of ``df`` the model does not read), those worth a warning: not
        the columns the model's format drops whatever the data (CloudTrail's ``errorMessage``,
        ``requestParameters.*``: each API its own, so new ones came with every file; Winlogbeat's
        ECS copies of the columns beside them, ``event.code``, ``process.*``), nor, for a
        model of sparse fields, a column without a value in any row."""
        if not extra:
            return extra
        from hourglass.ingest.formats import all_formats, format_roles

        spec = all_formats().get(str(self.info.get("dataset")))
        if spec is not None:  # (the roles of all the data's columns: Winlogbeat drops an ECS copy,
            # event.code, process.*, by the columns beside it, winlog.event_id, the event data)
            roles = format_roles(spec, df.columns if isinstance(df, pd.DataFrame) else extra)
            extra = [c for c in extra if roles.get(c) != "drop"]
        if extra and self.sparse_fields and isinstance(df, pd.DataFrame):
            # a column without a value in any row is a field the data does not have, as a model of
            # sparse fields reads it (with_absent_fields): no column it ignores. These formats'
            # readers give every row the format's columns (CloudTrail's errorCode, missing but on
            # a failed call), which a model saved before they did lacks: it warned on every file
            extra = [c for c in extra if df[c].notna().to_numpy().any()]
        return extra

    def _warn_extra(self, extra: list[str]) -> None:
        """Warn of ``extra``, the columns the model ignores (once per set of them, not once per
        chunk), or hold them back for :meth:`held_extra_warning` when this thread is in one."""
        held = (_HELD_EXTRA.get() or {}).get(id(self))
        if held is not None:
            held.update(dict.fromkeys(extra))
            return
        if extra and tuple(extra) != getattr(self, "_warned_extra", None):
            self._warned_extra = tuple(extra)
            logger.warning("ignoring %d column(s) the model was not trained on: %s", len(extra),
                           ", ".join(extra[:5]) + (" ..." if len(extra) > 5 else ""))

    @contextlib.contextmanager
    def held_extra_warning(self) -> Iterator[None]:
        """Within it, :meth:`transform`'s warning of the columns the model ignores is held back,
        and given once, for all of them, when the block ends without an error. A JSON-lines file
        is known to lack a model column only once every row is read (a later row may have it):
        its refusal came after that warning, two lines for one error where a CSV file's was one.
        Only this thread's (asyncio task's) transforms are held: another thread scoring the same
        pipeline meanwhile warns of its own columns at once, as outside the block.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> with pipe.held_extra_warning():   # (the warning comes here, at the end)
        ...     pipe.transform(df.assign(note="x")).shape
        (50, 2)
        """
        held: dict[str, None] = {}
        token = _HELD_EXTRA.set({**(_HELD_EXTRA.get() or {}), id(self): held})
        try:
            yield
        finally:
            _HELD_EXTRA.reset(token)
        self._warn_extra(list(held))  # (not reached when the block raised)

    def score(self, df: pd.DataFrame, y: object | None = None) -> np.ndarray:
        """Anomaly score per row (higher = more anomalous).

        Not scikit-learn's ``score(X, y)`` (one number rating a fitted model): ``y`` is refused
        with a ``TypeError``, as a detector's ``score`` refuses it. To rate or select pipelines
        with labels in scikit-learn, give a scorer (``scoring="roc_auc"``), which reads
        :meth:`decision_function`.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
        >>> pipe.score(df).shape
        (50,)
        """
        if y is not None:
            raise labels_refused("Pipeline.score(df)")
        X = self.transform(df)
        return self.detector_.score(X)

    def decision_function(self, df: pd.DataFrame) -> np.ndarray:
        """Alias of :meth:`score` (PyOD's name, as on the detectors): what scikit-learn's
        ``scoring="roc_auc"`` ranks rows by, where it would otherwise take the two columns of
        :meth:`predict_proba`.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
        >>> bool(np.array_equal(pipe.decision_function(df), pipe.score(df)))
        True
        """
        return self.score(df)

    def calibrated_score(self, df: pd.DataFrame) -> np.ndarray:
        """Anomaly probability in [0, 1] per row (share of held-out normal scores below it).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
        >>> p = pipe.calibrated_score(df)
        >>> bool(((p >= 0) & (p <= 1)).all())
        True
        """
        scores = self.score(df)  # first: an unfitted pipeline's NotFittedError, not an AttributeError
        return self.detector_.calibrate(scores)

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        """0 (normal) / 1 (anomaly) per row.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
        >>> set(pipe.predict(df).tolist()) <= {0, 1}
        True
        """
        scores = self.score(df)
        return self.detector_.threshold_predict(scores)

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        """``[P(normal), P(anomaly)]`` per row (rows × 2), the anomaly column being
        :meth:`calibrated_score` (as the detectors' ``predict_proba``).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
        >>> proba = pipe.predict_proba(df)
        >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0))
        ((50, 2), True)
        """
        p = self.calibrated_score(df)
        return np.column_stack([1.0 - p, p])

    def score_unit(self) -> str:
        """What one score of this fitted pipeline is of: ``rows``, ``sessions`` (log models),
        ``steps`` (time series) or ``(entity, bucket) rows``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).score_unit()
        'rows'
        """
        return FIT_UNITS.get(getattr(self.features_, "output", ""), "rows")

    def shown_threshold_fit(self) -> Any:
        """``info["threshold_fit"]`` (what the threshold was fitted on) as shown to users: its
        ``on`` text naming :meth:`score_unit`, as a model saved before said "rows" of sessions
        or steps; ``None`` without a record.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> pipe.shown_threshold_fit()["on"]
        'held-out normal training rows (never trained on)'
        """
        return threshold_fit_named(self.info.get("threshold_fit"), self.score_unit())

    def model_card(self) -> dict[str, str]:
        """What a reader of a report needs to know about this model, as plain strings.

        Returns
        -------
        dict
            Heading → text: the data, features, model, threshold rule and what it was fitted
            on, calibration, events per day, training time and library versions.

        Raises
        ------
        hourglass.errors.NotFittedError
            Before :meth:`fit`.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> card = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).model_card()
        >>> card["data"]
        'n/a (generic layout); 50 training rows'
        """
        self._check_fitted()
        from hourglass.detectors import registry
        from hourglass.pipeline.artefact import _versions

        info, det = self.info, self.detector_
        params = {k: v for k, v in det.get_params(deep=False).items()
                  if k not in ("threshold", "verbose", "device")}
        fit_on = self.shown_threshold_fit() or {}  # null in a hand-edited config: no record
        # a model fitted here has no record yet: the versions it runs under, which save records
        # (sorted below, as the saved JSON has them)
        versions = (info["versions"] if "versions" in info else _versions()) or {}
        feats = self.features_
        # what n_train_rows counts (as fit and warm_start count it)
        unit = self.score_unit()
        card = {
            "data": (f"{info.get('source', 'n/a')} ({info.get('dataset') or 'generic layout'}); "
                     f"{info.get('n_train_rows', 'n/a')} training {unit}"
                     + (f" ({info['n_labelled_anomalies']} of them labelled anomalies: fit with y)"
                        if info.get("n_labelled_anomalies") else "")
                     + (f", label column {info['label_col']!r}" if info.get("label_col") else "")
                     + (f", normal = {info['normal']}" if info.get("normal") else "")),
            "features": _features_card(feats, det),
            "model": f"{registry.name_of(type(det))}: {params}",
            "threshold rule": f"{self.threshold_.describe()} = {self.threshold_.value_:.6g}",
            "threshold fitted on": _fit_on_card(fit_on, det, unit),
            **self._stream_card(),
            "calibration": (f"anomaly probability = share of "
                            f"{counted_plural(int(det.calibrator_.n_fit_), det.val_scores_source())} "
                            "below the score, GPD tail above the 0.98 quantile"),
            "training time": ((f"{info['fit_seconds']:.1f} s" if info.get("fit_seconds") is not None
                               else "n/a")
                              + (f" on {counted(info['torch_threads'], 'torch thread')} (a seed repeats the "
                                 "model on as many)" if info.get("torch_threads") else "")),
            "events per day": (f"{info['events_per_day']:,.0f}" if info.get("events_per_day")
                               else "unknown"),
            "library versions": ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) or "n/a",
        }
        ws = info.get("warm_start")
        if ws:
            parent = ws.get("parent") or {}
            card["warm start"] = (
                f"continued on {ws.get('rows')} {unit}{_replay_card(ws.get('replay'), unit)} on "
                f"{ws.get('date')} from "
                f"{parent.get('path') or 'a model in memory'}"
                + (f" (content hash {str(parent['content_hash'])[:12]})"
                   if parent.get("content_hash") else "")
                + f", itself trained on {parent.get('n_train_rows')} {unit}; preprocessing frozen"
                + ("; itself a warm start" if ws.get("previous") else ""))
            was = parent.get("rethresholded_from")
            if isinstance(was, dict) and not ws.get("threshold_given"):  # the rule kept: the
                # parent's re-threshold set it
                card["warm start"] += (f"; its threshold rule set when the parent was re-thresholded on "
                                       f"{was.get('date')} (before: {was.get('threshold')})")
            elif isinstance(was, dict):  # a rule given anew: the parent's re-threshold is lineage only
                card["warm start"] += (f"; the parent re-thresholded on {was.get('date')} (before: "
                                       f"{was.get('threshold')}); the threshold rule given at the warm "
                                       "start, not the parent's")
            beyond = ws.get("rows_beyond_scale")
            if isinstance(beyond, dict):  # a table (or its buckets): new rows the scaling could not read
                card["warm start"] += (f"; {_counted_rows(beyond.get('rows'), f'new {unit}')} left out "
                                       "(a value beyond the "
                                       f"frozen scale in {', '.join(map(str, beyond.get('columns') or []))})")
            replay = ws.get("replay")
            old = replay.get("beyond_scale") if isinstance(replay, dict) else None
            if isinstance(old, dict):  # an entity model's replayed buckets the scaling could not read
                card["warm start"] += (f"; {_counted_rows(old.get('rows'), f'replayed {unit}')} left out "
                                       "(a value beyond the "
                                       f"frozen scale in {', '.join(map(str, old.get('columns') or []))})")
            unknown = ws.get("unknown")
            if unknown:  # a log model: how much of the new log its frozen vocabulary missed
                card["warm start"] += (
                    f"; {unknown.get('unknown_events')} of {unknown.get('events')} new events had "
                    f"an unknown key ({unknown.get('sessions_with_unknown')} sessions, not trained on)")
        rt = info.get("rethresholded_from")
        if rt:
            card["re-thresholded"] = (
                f"on {rt.get('date')} from {rt.get('threshold')}"
                + (f" = {rt['threshold_value']:.6g}" if rt.get("threshold_value") is not None else "")
                + (f" (content hash {str(rt['content_hash'])[:12]})" if rt.get("content_hash") else "")
                + "; refitted on the same held-out scores, not retrained")
        fed = info.get("federated")
        if fed:
            rows, names = fed.get("rows") or [], fed.get("site_names") or []
            own = len(rows) == 1 and fed.get("sites") != 1 and names  # a site's own model: its rows only
            told = f"site {names[0]}'s {rows[0]} rows" if own else f"{' + '.join(map(str, rows))} rows"
            def n(count: object, word: str) -> str:  # (1 site, 2 sites)
                return f"{count} {word}" + ("" if count == 1 else "s")
            card["federated"] = (
                f"{n(fed.get('sites'), 'site')} ({told}), "
                f"{fed.get('aggregation', 'FedAvg')}, {n(fed.get('rounds'), 'round')} x "
                f"{n(fed.get('local_epochs'), 'local epoch')}; preprocessing from merged site statistics")
        return card

    def _stream_card(self) -> dict[str, str]:
        """The model card's line on the stream threshold (time-series models only)."""
        det = self.detector_
        if not callable(getattr(det, "stream_threshold_missing", None)):
            return {}
        stream = self.stream_threshold_
        if stream is None:
            return {"stream threshold": (f"none ({det.stream_threshold_missing()}); "
                                         "'hourglass stream' applies the threshold above")}
        return {"stream threshold": (f"{stream.describe()} = {stream.value_:.6g} ('hourglass "
                                     f"stream': {counted(int(stream.n_fit_), 'step')}, each scored by "
                                     "the one window ending at it)")}

    @property
    def model_name(self) -> str:
        """The model's name as the CLI, the service and alerts give it: the registry name it
        was trained under (``info["model"]``), else its detector's registry name.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import AutoEncoder
        >>> df = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 5})
        >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).model_name
        'autoencoder'
        """
        self._check_fitted()
        name = self.info.get("model")
        if name:
            return str(name)
        from hourglass.detectors import registry

        try:
            return registry.name_of(type(self.detector_))
        except (KeyError, ValueError):
            return type(self.detector_).__name__

    @property
    def threshold_(self) -> Threshold:
        """The fitted threshold object."""
        self._check_fitted()
        return self.detector_.threshold_

    @property
    def stream_threshold_(self) -> Threshold | None:
        """The threshold ``hourglass stream`` applies to a time-series model's causal scores
        (each step scored by the one window ending at it): the rule of :attr:`threshold_`
        fitted on the causal scores of the held-out tail. ``None`` for other models, for a
        time-series model saved before stream thresholds existed (or whose rule could not be
        fitted on those scores), and for one whose threshold was fitted on labelled validation
        rows (``fit(..., X_val=, y_val=)``), whose scores are averaged over windows: the stream
        then applies :attr:`threshold_`. A forecaster of horizon 1 scores each step by the one
        window ending at it, as the stream does: fitted so, its stream threshold is that one.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, thresholds
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
        >>> series = pd.DataFrame({"cpu": np.sin(np.arange(200) / 4)})
        >>> pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
        ...                 features=TimeSeriesPreprocessor(), threshold=thresholds.Percentile(99)
        ...                 ).fit(series)
        >>> pipe.stream_threshold_.describe()
        'percentile 99 of causal held-out normal scores (the window ending at each step)'
        """
        self._check_fitted()
        return getattr(self.detector_, "stream_threshold_", None)

    def save(self, path: str | os.PathLike[str], *,
             replace: bool | Callable[[Path], bool] | None = None) -> None:
        """Write the artefact directory (``config.json`` + ``weights.safetensors``).

        Parameters
        ----------
        path
            The directory to write; :func:`hourglass.load` reads it back.
        replace
            Whether a model at ``path`` may be replaced (default: yes); ``False`` refuses one
            that another process saved there meanwhile, keeping it; a function of the folder
            decides for the model found there (:func:`hourglass.pipeline.artefact.save`).

        Examples
        --------
        >>> import os, tempfile, numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder, load
        >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     pipe.save(os.path.join(tmp, "model"))
        ...     sorted(os.listdir(os.path.join(tmp, "model")))
        ...     bool(np.array_equal(load(os.path.join(tmp, "model")).score(df), pipe.score(df)))
        ['config.json', 'weights.safetensors']
        True
        """
        from hourglass.pipeline.artefact import save

        save(self, path, replace=replace)
