"""The entity side of ``hourglass train`` / ``score`` / ``evaluate``: a table's rows grouped per
entity (``--entity-col``) per time bucket (``--bucket`` on ``--timestamp-col``), one score per
(entity, bucket)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import counted, shown_column
from hourglass.cli._options import option_message
from hourglass.cli._output import severity_counts
from hourglass.cli._schema import ECS_TIME, ids_as_written, warn_label_as_feature
from hourglass.cli._skip import skip_text_in_numbers
from hourglass.cli._spool import shown
from hourglass.cli.tables import (
    about_file,
    at_file_rows,
    at_kept_rows,
    attack_capture,
    label_counts,
    read_data,
    resolve_spec,
    skip_unreadable_rows,
    skip_unreadable_times,
    split_labels,
    unlabelled_rows,
    warn_other_spellings,
)
from hourglass.detectors import registry
from hourglass.errors import HourglassError, InputError
from hourglass.features.entity import (
    ENTITY_CASES,
    ENTITY_IP_FORM,
    KEYS,
    EntityWindows,
    parse_bucket,
)
from hourglass.ingest import ReadStats, column_normal, label_strings
from hourglass.ingest.formats import format_roles
from hourglass.pipeline import Pipeline
from hourglass.serve.entity_scoring import bucket_rows, with_bucket_times
from hourglass.thresholds import threshold_from_spec

__all__ = ["CHUNK_LATENESS", "bucket_labels", "evaluate_entity", "format_time", "normal_buckets",
           "score_entity", "time_span", "train_entity", "wants_entity", "warn_bucket_length"]

logger = logging.getLogger("hourglass")

#: How far out of time order ``score`` reads a file in chunks (rows of buckets within this of the
#: newest time are held); a row older than that makes it read the file whole.
CHUNK_LATENESS = "1h"
SCORE_CHUNK_BYTES = 0  # the readers' default; tests set a small one


def format_time(entity_col: str | None, timestamp_col: str | None, fmt: str | None,
                data: Path) -> str | None:
    """``--timestamp-col``, or for an entity model (``--entity-col``) without it the event-time
    field of DATA's format (CEF's ``rt``, audit's ``timestamp``, CloudTrail's ``eventTime``);
    ``None`` where the format names none (JSON lines, CSV: ``train`` then takes Elastic Common
    Schema's ``@timestamp``, as a table model does). Which one the buckets are cut on is said
    once the data is read (:func:`own_or_ecs_time`: a file without it may have ``@timestamp``
    instead)."""
    if entity_col is None or timestamp_col is not None:
        return timestamp_col
    spec, _, _ = resolve_spec(None, None, None, fmt or "auto", data)
    return getattr(spec, "time_col", None)


def own_or_ecs_time(df: pd.DataFrame, timestamp_col: str, own: bool,
                    fmt_name: str | None = None) -> str:
    """``timestamp_col``; where it is the data format's own event time (``own``: not typed) and
    ``df`` lacks it but has Elastic Common Schema's ``@timestamp`` (an OTRF/Mordor
    ``windows-json`` export), ``@timestamp``, said on stderr, as a table model takes it
    (:func:`~hourglass.cli._schema.format_time_column`). With ``fmt_name`` (``train``), the
    format's own time kept is said too: one line names the column the buckets are cut on."""
    if own and timestamp_col not in df.columns and ECS_TIME in df.columns:
        logger.info("buckets cut on %r, Elastic Common Schema's event time (the data has no %r, "
                    "its format's own; --timestamp-col to choose another)", ECS_TIME, timestamp_col)
        return ECS_TIME
    if own and fmt_name is not None and timestamp_col in df.columns:
        whose = ("Elastic Common Schema's event time" if timestamp_col == ECS_TIME
                 else f"the {fmt_name} format's event time")
        logger.info("buckets cut on %r, %s (--timestamp-col to choose another)", timestamp_col, whose)
    return timestamp_col


def check_entity_case(value: str) -> None:
    """Refuse an ``--entity-case`` other than ``exact`` or ``fold`` (before any data is read)."""
    if value not in ENTITY_CASES:
        raise HourglassError(f"--entity-case: expected {' or '.join(ENTITY_CASES)}, got {value!r}")


def refuse_missing_drops(drop: list[str], df: pd.DataFrame, where: object) -> None:
    """Refuse a ``--drop`` column that ``df`` (the data read, ``where``) lacks, as a table
    model's ``train`` and ``inspect`` refuse it: a typo (``--drop lable``) kept the column meant
    to be dropped as a feature without a word, where a missing ``--aggregate``, ``--distinct`` or
    ``--role`` column is refused.

    Examples
    --------
    >>> refuse_missing_drops(["lable"], pd.DataFrame(columns=["ts", "label"]), "flows.csv")
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --drop: no column 'lable' in flows.csv; columns are ts, label
    """
    missing = [c for c in drop if c not in df.columns]
    if not missing:
        return
    from hourglass._columns import listed_columns, near_names
    from hourglass.ingest.tables import nested_note

    near = nested_note(missing[:1], df.columns) or near_names(missing[:1], df.columns)
    raise HourglassError(f"--drop: no column {missing[0]!r} in {where}; " + (
        near or f"columns are {listed_columns(list(df.columns)[:8])}{' ...' if df.shape[1] > 8 else ''}"))


def refuse_key_drops(drop: list[str], entity_col: str, timestamp_col: str | None) -> None:
    """Refuse a ``--drop`` of the entity or timestamp column: the rows are grouped on them
    whatever ``--drop`` says (as ``--role COLUMN=drop`` of either is refused)."""
    for col, what in ((entity_col, "entity"), (timestamp_col, "timestamp")):
        if col in drop:
            raise HourglassError(f"--drop {shown_column(col)}: is the {what} column, which groups the "
                                 "rows into (entity, bucket) rows and is never aggregated; leave it out")


def wants_entity(entity_col: str | None, bucket: str | None, timestamp_col: str | None) -> bool:
    """Whether ``train`` builds an entity-bucket model (``--entity-col``; ``--bucket`` and
    ``--timestamp-col`` go with it)."""
    if entity_col is None:
        if bucket is not None:
            raise HourglassError("--bucket: groups rows per entity; give --entity-col COLUMN "
                                 "and --timestamp-col COLUMN with it")
        return False
    if timestamp_col is None:
        raise HourglassError("--entity-col: needs --timestamp-col COLUMN (the rows' times) to "
                             "cut buckets; the data's format names no event time of its own")
    return True


def _read(data: Path, fmt: str, on_bad_rows: str, stats: ReadStats, ids: str | None = None,
          ) -> pd.DataFrame:
    return _read_spec(data, fmt, on_bad_rows, stats, ids)[0]


def _read_spec(data: Path, fmt: str, on_bad_rows: str, stats: ReadStats, ids: str | None = None,
               ) -> tuple[pd.DataFrame, Any]:
    """(rows, format spec) of DATA; a CSV's entity ids (column ``ids``) as written (see
    :func:`ids_as_written`)."""
    spec, _, _ = resolve_spec(None, None, None, fmt, data)
    df = read_data(data, ids_as_written(spec, ids), on_bad_rows, stats)
    if len(df) == 0:
        raise HourglassError(f"{data}: no data rows")
    return df, spec


def absent_filled(pipe: Pipeline, df: pd.DataFrame, data: Path, fmt: str) -> pd.DataFrame:
    """``df`` (DATA read whole) with the model's fields no row has added as missing: every one
    for sparse fields (Windows events); in JSON lines, those with missing values in training
    (:attr:`~hourglass.pipeline.Pipeline.optional_fields`), as ``stream`` takes rows that all
    leave them out; a column the model needs that no row has stays absent (refused)."""
    from hourglass.cli.tables import rows_vary_in_columns

    if pipe.sparse_fields:
        return pipe.with_absent_fields(df)
    spec, _, _ = resolve_spec(None, None, None, fmt, data)
    if rows_vary_in_columns(pipe, spec, data):
        return pipe.with_absent_fields(df, force=True, only=pipe.optional_fields)
    return df


_ENTITY_ROLES = ("numeric", "categorical", "drop")


def entity_roles(spec: Any, given: dict[str, str], df: pd.DataFrame, keys: tuple[str, ...],
                 ) -> dict[str, str] | None:
    """The column roles an entity model's inferred columns start from: the format's own (Windows
    events: record numbers and process ids dropped, event ids, tasks, opcodes as codes) for the
    columns ``df`` has, then ``--role`` (a column ``df`` lacks, or a key column, is refused)."""
    from hourglass.ingest.evtx import ROW_ONLY_ROLES
    from hourglass.ingest.winlogbeat import WINLOGBEAT_ROW_ONLY

    roles = {c: r for c, r in format_roles(spec, df.columns).items()
             if c in df.columns and c not in keys and c not in ROW_ONLY_ROLES
             and c not in WINLOGBEAT_ROW_ONLY}
    roles = {c: ("categorical" if r in ("hash", "ip", "port") else r) for c, r in roles.items()}
    for col, role in given.items():
        if role not in _ENTITY_ROLES:
            raise HourglassError(f"--role {col}={role}: an entity model's roles are "
                                 f"{', '.join(_ENTITY_ROLES)}")
        if col in keys:
            raise HourglassError(f"--role {col}={role}: {col!r} is the entity or timestamp column")
        if col not in df.columns:
            raise HourglassError(f"--role {col}={role}: no column {col!r} in the data")
        roles[col] = role
    return roles or None


def _bucket_marks(features: EntityWindows, df: pd.DataFrame, labels: np.ndarray,
                  is_anom: np.ndarray, keys: pd.DataFrame
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``keys``: 1 when any of its rows in ``df`` is anomalous, the most frequent
    anomalous label of its rows (of labels as frequent, the first in row order; ``None`` for a
    bucket without one), 1 when it holds both anomalous and normal rows (a mixed bucket), and
    how many of its rows have a label.
    A row marked ``-1`` in ``is_anom`` has no label: a bucket holding one and no anomalous row
    is neither normal nor anomalous, marked ``-1`` too."""
    ent, start = features.row_keys(df)
    rows = pd.DataFrame({"entity": ent, "bucket_start": start, "y": is_anom, "label": labels})
    groups = ["entity", "bucket_start"]
    y = rows.groupby(groups, sort=False)["y"].max()
    # the least mark of the labelled rows (NaN: none), and whether any row has no label
    least = rows["y"].where(rows["y"] >= 0).groupby([rows[g] for g in groups], sort=False).min()
    unlabelled = rows["y"].lt(0).groupby([rows[g] for g in groups], sort=False).any()
    labelled = rows["y"].ge(0).groupby([rows[g] for g in groups], sort=False).sum()
    top = _top_labels(rows[rows["y"] == 1])
    idx = pd.MultiIndex.from_frame(keys[groups])
    lab = top.reindex(idx).to_numpy(dtype=object, copy=True)
    lab[pd.isna(lab)] = None
    y_b = y.reindex(idx).to_numpy(dtype=np.int8, copy=True)
    y_b[unlabelled.reindex(idx).to_numpy(dtype=bool) & (y_b != 1)] = -1
    return (y_b, lab, ((y_b == 1) & (least.reindex(idx).to_numpy() == 0)).astype(np.int8),
            labelled.reindex(idx).to_numpy(dtype=np.int64))


def _top_labels(bad: pd.DataFrame) -> pd.Series:
    """Per (entity, bucket_start) of the anomalous rows ``bad``: their most frequent ``label``,
    of labels as frequent the first in row order (counted at once, not bucket by bucket).

    Examples
    --------
    >>> bad = pd.DataFrame({"entity": ["a", "a", "b", "a", "b"], "bucket_start": 0,
    ...                     "label": ["dos", "scan", "scan", "scan", "dos"]})
    >>> _top_labels(bad).to_dict()
    {('a', 0): 'scan', ('b', 0): 'scan'}
    """
    if not len(bad):
        return pd.Series([], dtype=object, index=pd.MultiIndex.from_frame(bad[["entity", "bucket_start"]]))
    group = bad.groupby(["entity", "bucket_start"], sort=False).ngroup().to_numpy()
    codes, uniques = pd.factorize(bad["label"].to_numpy(dtype=object))
    width = max(len(uniques), 1)
    pair, first = pd.factorize(group.astype(np.int64) * width + codes)  # (group, label) first seen
    count = np.bincount(pair, minlength=len(first))
    pair_group, pair_label = first // width, first % width
    order = np.lexsort((np.arange(len(first)), -count, pair_group))  # most rows, then first seen
    lead = order[np.r_[True, pair_group[order][1:] != pair_group[order][:-1]]]
    at = np.unique(group, return_index=True)[1]  # each group's first row, in group order (as lead)
    index = pd.MultiIndex.from_frame(bad.iloc[at][["entity", "bucket_start"]])
    return pd.Series(np.asarray(uniques, dtype=object)[pair_label[lead]], index=index)


def bucket_labels(features: EntityWindows, df: pd.DataFrame, labels: np.ndarray,
                  is_anom: np.ndarray, keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``keys`` (entity, bucket start): 1 when any of its rows is anomalous, and its
    label (the most frequent anomalous label of its rows, else the normal one)."""
    y_b, lab, _, _ = _bucket_marks(features, df, labels, is_anom, keys)
    normal = labels[np.asarray(is_anom) == 0]
    return y_b, _normal_filled(lab, str(normal[0]) if len(normal) else "normal")


def _normal_filled(lab: np.ndarray, first_normal: str) -> np.ndarray:
    """The bucket labels ``lab``, the first normal row's label where a bucket has no anomalous one."""
    return np.where(pd.isna(lab), first_normal, lab).astype(str)


#: Fewer training (entity, bucket) rows than this get a warning: a detector of tens of
#: features fitted on a handful of rows, with a threshold from one or two held-out ones.
FEW_BUCKETS = 100


def warn_missing_entity(keys: pd.DataFrame, entity_col: str, n_rows: int, where: object) -> None:
    """Warn when rows without an entity value were grouped as the entity ``<missing>`` (a field
    absent from some events, a null IP): they are scored together, as one host would be."""
    from hourglass.features.roles import MISSING

    rows = int(keys.loc[keys["entity"] == MISSING, "rows"].sum()) if "rows" in keys else 0
    if rows:
        logger.warning("%s: %d of %d rows (%.1f%%) have no %r value; they are grouped as the one "
                       "entity %r", where, rows, n_rows, 100.0 * rows / max(n_rows, 1), entity_col,
                       MISSING)


def warn_few_buckets(n_buckets: int, n_entities: int, n_features: int, bucket: str,
                     span: pd.Timedelta, where: object, *, warm: bool = False) -> None:
    """Warn when a model is trained on fewer than :data:`FEW_BUCKETS` (entity, bucket) rows
    (``warm``: a warm start, whose bucket and columns are the parent's)."""
    if n_buckets < FEW_BUCKETS:
        hint = ("more data (--replay-data adds old buckets)" if warm else
                "a shorter --bucket, more data, or fewer columns (--distinct/--aggregate)")
        logger.warning(
            "%s: only %d (entity, %s bucket) rows to train on (%d %s over %s) for %d "
            "feature(s): the model and its threshold mean little; use %s", where, n_buckets,
            bucket, n_entities, "entity" if n_entities == 1 else "entities", _span_text(span),
            n_features, hint)


#: A share of single-row (entity, bucket) rows at or above this gets a warning: the buckets are
#: too short (or the entities too many) for counts per entity to mean anything.
SINGLE_ROW_SHARE = 0.8


def time_span(times: pd.DatetimeIndex) -> pd.Timedelta:
    """The newest of ``times`` less the oldest, at most :attr:`pandas.Timedelta.max` (times of
    1700 and 2200, both within pandas' range, lie further apart than a time length holds).

    Examples
    --------
    >>> time_span(pd.DatetimeIndex(["2024-01-01", "2024-01-02"]))
    Timedelta('1 days 00:00:00')
    >>> time_span(pd.DatetimeIndex(["1700-01-01", "2200-01-01"])) == pd.Timedelta.max
    True
    """
    if not len(times):
        return pd.Timedelta(0)
    ns = int(times.max().value) - int(times.min().value)  # (Python integers: no wrap round)
    return pd.Timedelta(min(ns, int(pd.Timedelta.max.value)))


def warn_bucket_length(times: pd.DatetimeIndex, rows_per_bucket: np.ndarray, bucket: str,
                       where: object, *, warm: bool = False) -> None:
    """Warn when ``bucket`` does not suit the training rows: longer than their time span (one
    bucket per entity), shorter than their times' resolution (whole seconds cut in 100ms
    buckets), or so short against an entity's rows that most buckets hold one row (``warm``: a
    warm start, whose bucket is the parent's: the advice is a new model).

    Parameters
    ----------
    times
        The training rows' times, as read.
    rows_per_bucket
        The number of rows of each (entity, bucket).
    bucket
        The ``--bucket`` text.
    where
        What the warnings name (the data file).
    """
    td = parse_bucket(bucket)
    span = time_span(times)
    name, use = (("the parent model's bucket", "train a new model (not --warm-start) with a --bucket")
                 if warm else ("--bucket", "use a --bucket"))
    if span < td:
        logger.warning("%s: %s %s is longer than the data's time span (%s): each entity has "
                       "a single bucket, so the model learns from one row per entity; %s "
                       "well under the span", where, name, bucket, _span_text(span), use)
    at = np.unique(times.as_unit("ns").asi8)
    # (the gaps between sorted times as unsigned: exact, where at - at[0] wraps round in int64)
    step = min(int(np.gcd.reduce(np.diff(at.view(np.uint64)))), int(pd.Timedelta.max.value)) \
        if len(at) > 1 else 0
    if td.value < step:
        logger.warning("%s: %s %s is shorter than the resolution of the times (%s): the "
                       "buckets are %s in effect, most of them empty", where, name, bucket,
                       _duration_text(pd.Timedelta(step)), _duration_text(pd.Timedelta(step)))
    single = float(np.mean(rows_per_bucket == 1)) if len(rows_per_bucket) else 0.0
    if single >= SINGLE_ROW_SHARE:
        logger.warning("%s: %.0f%% of the %d (entity, %s bucket) rows hold a single table row: the "
                       "model sees rows one at a time, not what an entity did per bucket; %s "
                       "longer --bucket (or an entity column with fewer values)", where,
                       100.0 * single, len(rows_per_bucket), bucket, use.replace("a --bucket", "a"))


def warn_early_times(times: pd.DatetimeIndex, column: str, where: object) -> None:
    """Warn when every time of ``column`` falls before 1971: small numbers read as epoch seconds
    (a byte count or a port given as ``--timestamp-col``), or times relative to a capture's
    start. Buckets still follow them, but the bucket times written are days of 1970.

    Examples
    --------
    >>> warn_early_times(pd.DatetimeIndex(["2024-01-01"]), "ts", "flows.csv")  # says nothing
    """
    if len(times) and times.max() < pd.Timestamp("1971-01-01", tz=times.tz):
        logger.warning("%s: every time in column %r falls in 1970 (%s to %s): numbers this small "
                       "are read as epoch seconds; check that %r holds the rows' times (relative "
                       "times bucket alike, but are written as days of 1970)", where, column,
                       times.min(), times.max(), column)


def _duration_text(td: pd.Timedelta) -> str:
    """A short time length as a person says it: ``1 s``, ``250 ms``, ``2 min 30 s``."""
    if td < pd.Timedelta("1s"):
        ms = td / pd.Timedelta("1ms")
        return f"{ms:g} ms" if ms >= 1 else f"{td / pd.Timedelta('1us'):g} us"
    return _span_text(td)


def _span_text(span: pd.Timedelta) -> str:
    """A time span as a person says it: ``2 min 24 s``, ``3 h 5 min``, ``2 days 4 h``."""
    secs = max(int(span.total_seconds()), 0)
    days, rest = divmod(secs, 86_400)
    hours, rest = divmod(rest, 3_600)
    mins, secs = divmod(rest, 60)
    parts = [(days, " days" if days != 1 else " day"), (hours, " h"), (mins, " min"), (secs, " s")]
    shown = [f"{v}{unit}" for v, unit in parts if v][:2]
    return " ".join(shown) or "0 s"


def _buckets_per_day(keys: pd.DataFrame, bucket: str) -> float:
    span = (int(keys["bucket_end"].max().value) - int(keys["bucket_start"].min().value)) \
        / pd.Timedelta("1D").value  # (Python integers: 1700 to 2200 is past a time length)
    return float(len(keys) / max(span, parse_bucket(bucket) / pd.Timedelta("1D")))


def normal_buckets(df: pd.DataFrame, features: EntityWindows, label_col: str | None,
                   normal: list[str], data: Path, stats: ReadStats | None = None,
                   ) -> tuple[pd.DataFrame, int, int, np.ndarray]:
    """(rows, rows left out with attacks, rows left out without a label, the rows' positions):
    ``df`` without its label column and without
    every (entity, bucket) of ``features``' grouping that holds an anomalous row (a thinned
    bucket is not normal); rows without a label are left out too, with their buckets (the rest
    of such a bucket is a thinned one, not known to be normal; the first named as ``stats``, the
    read's counts, tells its data row: see :func:`unlabelled_rows`). No ``label_col``:
    ``df`` as it is. The rows left out with attacks are the labelled rows of a bucket holding an
    attack row; those without a label, every other row left out (a row without a label, and the
    labelled rows of its bucket when no attack row marks it): the three counts add up to
    ``len(df)``. The positions are each row's in ``df`` (its data row less one), ``-1`` where
    ``stats`` says a skipped row may come before it: for :func:`at_file_rows`."""
    at = np.arange(len(df)) if stats is None else stats.known(np.arange(len(df)))
    if label_col is None:
        return df, 0, 0, at
    labels = label_strings(df[label_col]) if label_col in df.columns else None
    keep = np.ones(len(df), dtype=bool)
    if labels is not None:
        keep = unlabelled_rows(labels, normal, label_col, str(data),
                               "not trained on, nor the other rows of their buckets", stats=stats)
    _, _, labelled_anom = split_labels(df.loc[keep], label_col, normal, str(data))
    assert labelled_anom is not None
    is_anom = np.zeros(len(df), dtype=np.int8)
    is_anom[keep] = labelled_anom
    feats = df.drop(columns=[label_col])
    probe = EntityWindows(features.entity_col, features.timestamp_col, bucket=features.bucket,
                          numeric=(), categorical=(),
                          entity_case=getattr(features, "entity_case", "exact"),
                          # numeric dates in the order the model reads them (its fit's, or given)
                          dayfirst=getattr(features, "dayfirst_", features.dayfirst))
    # entities named as the model names them (a model saved before: ::ffff:10.0.0.5 as written)
    probe.entity_ip_form_ = getattr(features, "entity_ip_form_", ENTITY_IP_FORM)
    ent, start = probe.row_keys(feats)
    # a row without a label marks its bucket as an attack row does: neither is known normal
    grouped = pd.DataFrame({"e": ent, "b": start, "y": is_anom, "u": ~keep}).groupby(["e", "b"])
    attack = grouped["y"].transform("max").to_numpy() == 1
    normal_rows = ~attack & ~grouped["u"].transform("max").to_numpy()
    rows = feats.loc[normal_rows].reset_index(drop=True)
    if not len(rows):
        raise HourglassError(f"{data}: every bucket holds an anomalous row"
                             + ("" if keep.all() else " or a row without a label")
                             + "; nothing normal to train on")
    with_attacks = int((attack & keep).sum())
    return rows, with_attacks, len(df) - len(rows) - with_attacks, at[normal_rows]


def train_entity(data: Path, output: Path, *, entity_col: str, timestamp_col: str, bucket: str,
                 model: str, params: dict[str, Any], threshold: str | None, label_col: str | None,
                 normal: list[str], fmt: str, on_bad_rows: str, numeric: list[str] | None,
                 distinct: list[str] | None, drop: list[str], scaler: str,
                 roles: dict[str, str] | None = None,
                 entity_case: str = "exact", own_time: bool = False) -> tuple[Pipeline, ReadStats]:
    """Train and save an entity-bucket model on DATA's (normal) rows (``entity_case``: entity
    names compared as written, ``"exact"``, or case-folded, ``"fold"``; ``own_time``:
    ``timestamp_col`` is the format's own event time, not typed: :func:`own_or_ecs_time`)."""
    from hourglass.cli._common import check_model_dir
    from hourglass.cli.logs import check_tabular_model

    parse_bucket(bucket)
    check_entity_case(entity_case)
    if label_col is not None:  # else a column of the data said to be missing from it, below
        for option, col in (("--entity-col", entity_col), ("--timestamp-col", timestamp_col),
                            *(("--aggregate", c) for c in numeric or ()),
                            *(("--distinct", c) for c in distinct or ())):
            if col == label_col:
                raise HourglassError(f"--label-col {label_col}: is also {option} {col}; the label "
                                     "column marks each row normal or not and is not a feature")
    refuse_key_drops(drop, entity_col, timestamp_col)
    named = {**{c: "--aggregate" for c in numeric or ()}, **{c: "--distinct" for c in distinct or ()}}
    both = [c for c in drop if c in named]
    if both:  # else the dropped column is said to be missing from the data, which holds it
        raise HourglassError(f"--drop {shown_column(both[0])}: is also {named[both[0]]} "
                             f"{shown_column(both[0])}; a column is "
                             "either aggregated or dropped")
    clash = next((c for c in drop if (roles or {}).get(c, "drop") != "drop"), None)
    if clash is not None:  # as a table model refuses it: the column was dropped without a word
        typed = shown_column(clash)
        raise HourglassError(f"--drop {typed} and --role {typed}={(roles or {})[clash]}: give the "
                             "column one role; leave one out")
    cls = registry.get(model)
    check_tabular_model(cls, model)
    check_model_dir(output, data)
    stats = ReadStats()
    df, spec = _read_spec(data, fmt, on_bad_rows, stats, entity_col)
    refuse_missing_drops(drop, df, shown(data))
    timestamp_col = own_or_ecs_time(df, timestamp_col, own_time, getattr(spec, "name", fmt))
    refuse_key_drops(drop, entity_col, timestamp_col)
    df = skip_unreadable_times(df, timestamp_col, None, on_bad_rows, stats, data)
    given = bool(numeric or distinct)
    if given and roles:
        raise HourglassError("--role: sets the roles of inferred columns; with --aggregate/--distinct "
                             "the columns are the ones named")
    order = None
    if label_col is not None and timestamp_col in df.columns:
        # the date order of the whole file: the attack rows left out may hold the only dates that
        # tell it (13/02), and a model fitted month first on the rest refused its own file
        from hourglass.features.entity import _read_times

        try:
            order = _read_times(df[timestamp_col], timestamp_col)[1]
        except InputError as exc:  # its rows: positions among the rows kept, told as the file's
            raise about_file(at_kept_rows(exc, stats, np.arange(len(df))), data) from None
    features = EntityWindows(entity_col, timestamp_col, bucket=bucket,
                             numeric=tuple(numeric or ()) if given else None,
                             categorical=tuple(distinct or ()) if given else None,
                             scaler=scaler, drop=tuple(d for d in drop if d != label_col),
                             entity_case=entity_case, dayfirst=order,
                             roles=None if given else entity_roles(
                                 spec, roles or {}, df, (entity_col, timestamp_col, label_col or "")))
    # --on-bad-rows skip: a row with text that is no number in a summed column is skipped and
    # counted, as score skips it (the fit stopped at it)
    df = skip_text_in_numbers(df, features.summed_columns(df, label_col) if on_bad_rows == "skip"
                              else [], on_bad_rows, stats, data)
    n_rows = len(df)
    df, left_out, unlabelled, at = normal_buckets(df, features, label_col, normal, data, stats)
    drop_cols = [c for c in drop if c in df.columns and c not in (entity_col, timestamp_col)]
    if drop_cols:
        df = df.drop(columns=drop_cols)
    try:
        ent, times = features.row_times(df)
    except InputError as exc:  # its row: a position among the rows trained on, told as the file's
        raise about_file(at_file_rows(exc, at, stats), data) from None  # (as score names it)
    sizes = (pd.DataFrame({"entity": ent, "bucket_start": times.floor(parse_bucket(bucket))})
             .groupby(["entity", "bucket_start"], sort=False).size())
    keys = sizes.index.to_frame(index=False)
    keys["bucket_end"] = keys["bucket_start"] + parse_bucket(bucket)
    per_day = _buckets_per_day(keys, bucket)  # the alert rate of a per-day budget
    rule = threshold_from_spec(threshold, events_per_day=per_day, name="--threshold") if threshold else None
    if rule is not None and rule.requires_labels:
        raise HourglassError(f"--threshold {threshold}: a labelled threshold is not available "
                             "for entity-bucket models; use percentile, fpr, contamination, pot, spot, "
                             "dspot, budget or fixed")
    pipe = Pipeline(detector=cls(**params), features=features, threshold=rule)
    start_t = time.perf_counter()
    try:
        pipe.fit(df)
    except InputError as exc:  # its row: a position among the rows trained on, told as the file's
        told = at_file_rows(exc, at, stats)
        if getattr(exc, "fit_stage", None) == "features" and exc.param is None:  # about the data:
            told = about_file(told, data)  # named as score names it (not an option's error)
        raise told from None
    held = len(pipe.detector_.val_index_)
    if label_col is None:  # beside a label its rows are left out, so no verdict is aggregated
        warn_label_as_feature(pipe.features_.columns_[2:], label_col, str(data))  # after the keys
    counts = pd.DataFrame({"entity": ent}).value_counts("entity").rename("rows").reset_index()
    warn_missing_entity(counts, entity_col, len(df), data)
    warn_few_buckets(len(keys), int(keys["entity"].nunique()), len(pipe.features_.feature_names_),
                     bucket, time_span(times), data)  # the data's span, not the buckets'
    warn_bucket_length(times, sizes.to_numpy(), bucket, data)
    warn_early_times(times, timestamp_col, data)
    pipe.info.update({
        "source": shown(data), "dataset": spec.name if spec is not None else None, "format": None,
        "label_col": label_col,
        "normal": normal, "model": registry.name_of(cls), "fit_seconds": time.perf_counter() - start_t,
        "n_train_rows": len(keys),
        "entity": {"entity_col": entity_col, "timestamp_col": timestamp_col, "bucket": bucket,
                   "rows": n_rows, "rows_trained": len(df), "rows_left_out_with_attacks": left_out,
                   "rows_left_out_without_label": unlabelled, "buckets": len(keys),
                   "entities": int(keys["entity"].nunique())},
        "held_out": {"fraction": float(getattr(pipe.detector_, "validation_fraction", 0.0)),
                     "rows": held, "seed": params.get("random_state", 0),
                     "used_for": "early stopping, calibration and the threshold; never trained on",
                     "which": "positions among the training (entity, bucket) rows"},
        "threshold": pipe.threshold_.describe(), "threshold_value": pipe.threshold_.value_,
        "time_col": None, "events_per_day": per_day, "skipped_rows": stats.bad_rows,
    })
    pipe.save(output)
    return pipe, stats


#: Hidden columns carrying each row's label and 0/1 anomaly mark through ``evaluate``'s chunks.
_LABEL, _ANOM = "\x00label", "\x00anomalous"
#: The keys' hidden column of each bucket's labelled rows (:func:`_bucket_marks`).
_ROWS = "\x00rows"


def _in_chunks(pipe: Pipeline, chunks: Any, *, marks: bool = False, source: object = "data",
               ) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    """(keys, features, rows) of every (entity, bucket) of ``chunks``, holding only the rows of
    the buckets within :data:`CHUNK_LATENESS` of the newest time read (a bucket is aggregated once
    the newest time minus that passes its end); ``None`` at the first row older than that (a
    file not in time order), when only a whole read can group its rows. ``marks``: the chunks
    carry each row's label and anomaly mark in the hidden columns ``_LABEL`` and ``_ANOM``, and
    the keys get each bucket's ``y``, top anomalous ``label`` and ``mixed`` (:func:`_bucket_marks`).
    ``None`` too for numeric dates (``01/02/2026``) where the model keeps no date order: only the
    whole file tells it. Each ``None`` logs its reason, naming ``source``."""
    f = pipe.features_
    td = int(parse_bucket(f.bucket).value)
    late = max(int(pd.Timedelta(CHUNK_LATENESS).value), td)
    pending: pd.DataFrame | None = None  # the rows of open buckets, in input order
    pending_starts = np.zeros(0, dtype=np.int64)
    keys: list[pd.DataFrame] = []
    feats: list[np.ndarray] = []
    newest = closed_before = None
    n_rows = 0

    def close(df: pd.DataFrame) -> None:
        df = df.reset_index(drop=True)
        agg = f.aggregate(df)
        k = agg[list(KEYS)]
        if marks:
            k = k.copy()
            k["y"], k["label"], k["mixed"], k[_ROWS] = _bucket_marks(f, df, df[_LABEL].to_numpy(),
                                                           df[_ANOM].to_numpy(), k)
        keys.append(k)
        feats.append(f.encode(agg))

    from hourglass._times import _numeric_dates, _text
    from hourglass.features.entity import _read_times

    order = getattr(f, "dayfirst_", None)
    td_bucket = parse_bucket(f.bucket)
    for chunk in chunks:
        if not len(chunk):
            continue
        if f.timestamp_col not in chunk.columns:
            f.row_keys(chunk)  # its error, as the whole read's
        col = chunk[f.timestamp_col]
        if (order is None and not pd.api.types.is_numeric_dtype(col)
                and _numeric_dates(_text(col.iloc[:100]))):
            # numeric dates (01/02/2026) and a model that knows no order: a chunk would be read
            # in the order its own dates tell (month first where none is above 12), another
            # chunk in another; a whole read takes the file's. The test is read_timestamps' (the
            # first 100 values), and the chunks' first rows cover the file's
            logger.info("%s: numeric dates and a model that keeps no date order: read whole", source)
            return None
        t_ns = _read_times(col, f.timestamp_col, order)[0].floor(td_bucket).as_unit("ns").asi8
        if closed_before is not None and int(t_ns.min()) < closed_before:
            logger.info("%s: rows not in time order (within %s): read whole", source, CHUNK_LATENESS)
            return None
        n_rows += len(chunk)
        pending = chunk if pending is None else pd.concat([pending, chunk], ignore_index=True)
        pending_starts = np.concatenate([pending_starts, t_ns])
        top = int(t_ns.max()) + td  # the newest row's bucket end bounds its time from above
        newest = top if newest is None else max(newest, top)
        mark = newest - td - late  # at most (newest time - lateness), on the bucket grid
        mark -= mark % td
        closed_before = mark if closed_before is None else max(closed_before, mark)
        due = pending_starts < closed_before
        if due.any():  # every row of these buckets is here: a later one would be late (above)
            close(pending.loc[due])
            pending, pending_starts = pending.loc[~due].reset_index(drop=True), pending_starts[~due]
    if pending is not None and len(pending):
        close(pending)
    if not keys:
        return pd.DataFrame(columns=list(KEYS)), np.zeros((0, len(f.feature_names_))), 0
    k = pd.concat(keys, ignore_index=True)
    X = np.concatenate(feats)
    start = pd.DatetimeIndex(k["bucket_start"])
    order = np.lexsort((start.as_unit("ns").asi8, k["entity"].to_numpy(dtype=str)))  # as aggregate()
    return k.iloc[order].reset_index(drop=True), X[order], n_rows


def _read_in_chunks(pipe: Pipeline, data: Path, *, fmt: str, on_bad_rows: str, prepare: Any = None,
                    ) -> tuple[tuple[pd.DataFrame, np.ndarray, int] | None, ReadStats]:
    """:func:`_in_chunks` over DATA read in chunks, with its read counts; ``None`` (and fresh
    counts) for a file to read whole: not time-ordered, numeric dates (``01/02/2026``) where
    the model keeps no date order (only the whole file tells their order), JSON lines (whose
    chunks may lack fields later rows have), a format without a chunked reader, or a bad value
    (the whole read names its row in the file, not in a chunk). ``prepare``: a generator of
    chunks from chunks (with the :data:`_LABEL`/:data:`_ANOM` columns: marked keys); its
    :class:`HourglassError` too makes the file read whole, so that every error is the whole
    read's."""
    from hourglass.cli.tables import rows_vary_in_columns
    from hourglass.ingest.tables import CHUNK_BYTES

    stats = ReadStats()
    spec, _, _ = resolve_spec(None, None, None, fmt, data)
    if spec is None or not hasattr(spec, "iter_chunks") or rows_vary_in_columns(pipe, spec, data):
        return None, stats
    try:
        chunks = ids_as_written(spec, pipe.features_.entity_col).iter_chunks(
            data, on_bad_rows=on_bad_rows, stats=stats, chunk_bytes=SCORE_CHUNK_BYTES or CHUNK_BYTES)
        done = _in_chunks(pipe, chunks if prepare is None else prepare(chunks), marks=prepare is not None,
                          source=data)
    except HourglassError as exc:
        if isinstance(exc, _NoLabelColumn) or (prepare is None and not isinstance(exc, InputError)):
            raise
        done = None
    return done, stats if done is not None else ReadStats()


def score_entity(pipe: Pipeline, data: Path, output: Path, *, fmt: str, on_bad_rows: str,
                 anomalies_only: bool, table: str, ecs_rule: Any = None, rules: Any = None,
                 drift: Any = None) -> tuple[str, ReadStats]:
    """Score DATA's (entity, bucket) rows; write one row (a JSON line) per bucket, or with
    ``ecs_rule`` (an :class:`~hourglass.serve.ecs.AlertRule`) one ECS alert document per flagged
    bucket. With ``rules`` (:class:`~hourglass.serve.suppress.Suppressions` bound to the model's
    buckets), a flagged bucket a rule matches keeps its score, its flag becomes 0 and the
    ``suppressed`` column names the rule; the summary counts them per rule. ``drift`` (a
    :class:`~hourglass.cli._drift.DriftCheck`) is fed the buckets' flags (the alerts left) in
    the order of their start, as ``stream`` closes them.

    A file in time order (within :data:`CHUNK_LATENESS`) is read in chunks, memory following
    the buckets rather than the rows; other files, JSON lines (whose chunks may lack fields
    later rows have), and numeric dates (``01/02/2026``) where the model keeps no date order
    (only the whole file tells their order), are read whole. The scores are the same either
    way."""
    from hourglass.ingest.writers import chunk_writer

    done, stats = _read_in_chunks(pipe, data, fmt=fmt, on_bad_rows=on_bad_rows)
    if done is None:
        f = pipe.features_
        df = _read(data, fmt, on_bad_rows, stats, f.entity_col)
        df = skip_unreadable_rows(df, f.timestamp_col, getattr(f, "dayfirst_", None), f.read_numbers(),
                                  on_bad_rows, stats, data, nested=f.columns_)
        try:
            keys, X = f.transform_with_keys(absent_filled(pipe, df, data, fmt))
        except InputError as exc:  # its rows: positions among the rows kept, told as the file's
            # (and the file named, as a table model's score and an entity model's stream name it)
            raise about_file(at_kept_rows(exc, stats, np.arange(len(df))), data) from None
        n_rows = len(df)
    else:
        keys, X, n_rows = done
        if n_rows == 0:
            raise HourglassError(f"{data}: no data rows")
    result = bucket_rows(pipe, keys, X)
    warn_missing_entity(keys, pipe.features_.entity_col, n_rows, data)
    silencer = None
    if rules is not None:
        from hourglass.cli._suppress import Silencer

        silencer = Silencer(rules, data)
        flags, names = rules.apply_buckets(keys, result["flag"].to_numpy())
        result["flag"], result["suppressed"] = flags, names
        silencer.count(names)
    n, flagged = len(result), int(result["flag"].sum())  # the alerts left
    if drift is not None:
        order = np.argsort(pd.to_datetime(result["bucket_start"]).to_numpy(), kind="stable")
        drift.update(result["flag"].to_numpy()[order])
    if ecs_rule is not None:
        from hourglass.serve.ecs import frame_alerts
        from hourglass.serve.sinks import alert_columns, alert_file

        with alert_file(output, alert_columns("entity", ecs=True), table=table) as sink:
            sink.write(frame_alerts(result.drop(columns=["suppressed"], errors="ignore"), ecs_rule))
    else:
        result = with_bucket_times(result, keys, output)  # a Parquet file's times typed
        if anomalies_only:
            result = result[result["flag"] == 1]
        with chunk_writer(output, table=table) as writer:
            writer.write(result.reset_index(drop=True))
    buckets = counted(n, f"(entity, {pipe.features_.bucket} bucket) row")
    return (f"scored {counted(n_rows, 'row')} as {buckets}, "
            f"{flagged:,} flagged{f', {silencer.text()}' if silencer is not None else ''}"), stats


class _LabelledChunks:
    """``evaluate``'s chunks: per chunk, the rows without a label left out and the label column
    replaced by the hidden :data:`_LABEL`/:data:`_ANOM` columns, with the counts the whole read's
    checks and warning need (:meth:`finish` applies them, with the whole read's words)."""

    def __init__(self, label_col: str, normal: list[str], where: str) -> None:
        self.label_col, self.normal, self.where = label_col, normal, where
        self.rows = self.unlabelled = self.anomalous = 0
        self.first_unlabelled: int | None = None
        self.first_normal: str | None = None
        # the --normal values as the labels spell them (false: False, 0.0: 0), for the metrics
        self.spelt: list[str] = list(normal)
        self.anomalous_values: dict[str, int] = {}  # rows per label value counted as an anomaly

    def __call__(self, chunks: Any) -> Any:
        for chunk in chunks:
            if not len(chunk):
                continue
            if self.label_col not in chunk.columns:
                try:
                    split_labels(chunk, self.label_col, self.normal, self.where)
                except HourglassError as exc:  # the whole read's one-line error
                    raise _NoLabelColumn(str(exc)) from None
            labels = label_strings(chunk[self.label_col])
            keep = np.ones(len(labels), dtype=bool) if "" in self.normal else labels != ""
            if not keep.all():
                if self.first_unlabelled is None:
                    self.first_unlabelled = self.rows + int(np.flatnonzero(~keep)[0]) + 1
                self.unlabelled += int((~keep).sum())
            self.rows += len(chunk)
            # a row without a label stays in its bucket (the bucket is scored as it is), marked
            # -1: the bucket is then left out of the metrics unless an attack row marks it
            column = chunk[self.label_col]
            # false: a column of booleans' False; 0.0: a column of numbers' 0
            normal = column_normal(self.normal, column)
            self.spelt += [v for v in normal if v not in self.spelt]
            anom = np.where(keep, ~np.isin(labels, normal), -1).astype(np.int8)
            self.anomalous += int((anom == 1).sum())
            if (anom == 1).any():  # for the whole read's warning of a normal value spelt otherwise
                for v, c in label_counts(labels[anom == 1]).items():
                    self.anomalous_values[v] = self.anomalous_values.get(v, 0) + c
            if self.first_normal is None and (anom == 0).any():
                self.first_normal = str(labels[anom == 0][0])
            out = chunk.drop(columns=[self.label_col]).reset_index(drop=True)
            out[_LABEL], out[_ANOM] = labels, anom
            yield out

    def finish(self, stats: ReadStats) -> bool:
        """Whether the whole read's checks (:func:`unlabelled_rows`, :func:`split_labels`) pass on
        the counts (its warning, if any, said, its row numbered as ``stats``, the read's counts,
        tells it); ``False``: read whole for the whole read's error."""
        if not self.normal or self.first_normal is None or self.unlabelled == self.rows:
            return False
        if self.unlabelled:
            row = stats.place(int(self.first_unlabelled or 1) - 1)
            logger.warning("%s: %d row(s) have no value in label column %r%s; left out of the "
                           "metrics, with their buckets", self.where, self.unlabelled, self.label_col,
                           f" (first: {row})" if row is not None else "")
        warn_other_spellings(self.anomalous_values, self.normal, self.label_col, self.where)
        return True


class _NoLabelColumn(HourglassError):
    """No label column in the file: said at once, not after reading a large file whole."""


#: How ``evaluate`` labels an (entity, bucket) from its rows' labels (its metrics JSON says it).
BUCKET_LABEL = ("anomalous when any of its rows is; its class is its most frequent anomalous label "
                "(a mixed bucket, holding normal rows too, counts as that class)")


def mixed_note(summary: dict[str, Any]) -> str:
    """The line ``evaluate`` prints under an entity model's metrics: how a bucket was labelled
    and how many anomalous buckets also hold normal rows.

    Examples
    --------
    >>> mixed_note({"anomalous_buckets": 3, "mixed_buckets": 1})
    'a bucket is anomalous when any of its rows is; 1 of the 3 anomalous also hold normal rows'
    """
    n, mixed = int(summary["anomalous_buckets"]), int(summary.get("mixed_buckets", 0))
    return (f"a bucket is anomalous when any of its rows is; {mixed:,} of the {n:,} anomalous also "
            "hold normal rows")


def evaluate_entity(pipe: Pipeline, data: Path, *, label_col: str | None, normal: list[str],
                    fmt: str, on_bad_rows: str) -> tuple[dict[str, Any], dict[str, Any], ReadStats]:
    """Metrics per (entity, bucket): a bucket is anomalous when any of its rows is.

    DATA is read as ``score`` reads it: a time-ordered table in chunks (memory following the
    buckets), anything else whole; the metrics are the same either way."""
    from hourglass.evaluate import evaluate_scores

    label_col = label_col or pipe.info.get("label_col")
    normal = normal or list(pipe.info.get("normal") or [])
    if label_col is None:
        raise HourglassError("--label-col: evaluate needs a row label column (the model was "
                             "trained without one)")
    f = pipe.features_
    if label_col in f.columns_:  # else 'the model needs are missing' of a file with it
        what = {f.entity_col: "the model's entity column",
                f.timestamp_col: "the model's timestamp column"}.get(label_col, "a column the model "
                                                                        "aggregates")
        trained = pipe.info.get("label_col")
        raise HourglassError(f"--label-col {label_col}: is {what}, not a label ("
                             + (f"the model was trained with --label-col {trained}); give the "
                                "column that marks each row normal or not" if trained else
                                "it was trained without --label-col); give the column that marks "
                                "each row normal or not, or retrain with --label-col"))
    start = time.perf_counter()
    marked = _LabelledChunks(label_col, normal, str(data))
    done, stats = _read_in_chunks(pipe, data, fmt=fmt, on_bad_rows=on_bad_rows, prepare=marked)
    if done is not None and done[2] and marked.finish(stats):
        keys, X, n_rows = done
        y, classes = keys["y"].to_numpy(dtype=np.int8), _normal_filled(keys["label"].to_numpy(),
                                                                      str(marked.first_normal))
        mixed, labelled = keys["mixed"].to_numpy(dtype=np.int8), keys[_ROWS].to_numpy(dtype=np.int64)
        keys, n_anom, n_rows = keys[list(KEYS)], marked.anomalous, n_rows - marked.unlabelled
        normal = marked.spelt
    else:
        stats = ReadStats()
        f = pipe.features_
        df = _read(data, fmt, on_bad_rows, stats, f.entity_col)
        df = skip_unreadable_rows(df, f.timestamp_col, getattr(f, "dayfirst_", None), f.read_numbers(),
                                  on_bad_rows, stats, data, nested=f.columns_)
        at = stats.known(np.arange(len(df)))  # the file's data row of each row kept (-1: not known)
        labels_all = label_strings(df[label_col]) if label_col in df.columns else None
        keep = np.ones(len(df), dtype=bool)
        if labels_all is not None:
            # --normal false names a column of booleans' False, --normal 0.0 a column of numbers'
            # 0, as split_labels and train match them: the raw values made a capture of attacks
            # alone of them, or refused them ('did you mean ...?')
            normal = column_normal(normal, df[label_col])
            # a row without a label stays in its bucket (scored as it is), marked -1: the bucket
            # is left out of the metrics unless an attack row marks it
            keep = unlabelled_rows(labels_all, normal, label_col, str(data),
                                   "left out of the metrics, with their buckets", stats=stats)
        capture = None if labels_all is None else attack_capture(labels_all[keep], normal, label_col,
                                                                  str(data))
        if capture is not None:  # an attack capture: evaluated as a table model's (see evaluate)
            logger.warning("%s: every row counts as an anomaly; precision, F1, FPR and the AUCs "
                           "need normal buckets (n/a)", capture)
            assert labels_all is not None  # an attack capture is read from the labels
            feats, labels = df.drop(columns=[label_col]), labels_all
            is_anom = np.where(keep, 1, -1).astype(np.int8)
        else:
            _, split, anom = split_labels(df.loc[keep], label_col, normal, str(data))
            assert split is not None and anom is not None
            feats, labels = df.drop(columns=[label_col]), label_strings(df[label_col])
            is_anom = np.full(len(df), -1, dtype=np.int8)
            is_anom[keep] = anom
        start = time.perf_counter()
        try:
            keys, X = pipe.features_.transform_with_keys(absent_filled(pipe, feats, data, fmt))
        except InputError as exc:  # its rows: positions among the rows labelled, told as the file's
            raise about_file(at_file_rows(exc, at, stats), data) from None  # (named, as score names it)
        y, lab, mixed, labelled = _bucket_marks(pipe.features_, feats, labels, is_anom, keys)
        normal_rows = labels[np.asarray(is_anom) == 0]
        classes = _normal_filled(lab, str(normal_rows[0]) if len(normal_rows) else "normal")
        n_rows, n_anom = int(keep.sum()), int((is_anom == 1).sum())
    result = bucket_rows(pipe, keys, X)
    known = y >= 0  # a bucket holding a row without a label, and no attack row, is neither class
    if not known.any():
        raise HourglassError(f"{data}: every bucket holds a row without a label and no attack row; "
                             "no bucket to evaluate")
    if not known.all():
        result = result.loc[known].reset_index(drop=True)
        y, classes, mixed = y[known], classes[known], mixed[known]
    # the labelled rows of the buckets evaluated (those of a bucket left out are not in the metrics)
    evaluated_rows = n_rows - int(labelled[~known].sum())
    seconds = time.perf_counter() - start
    warn_missing_entity(keys, pipe.features_.entity_col, n_rows, data)
    per_day = pipe.info.get("events_per_day")
    metrics = evaluate_scores(y, result["score"], result["flag"], classes=classes,
                              normal=tuple(normal), events_per_day=per_day)
    summary = {**metrics, "unit": "entity buckets", "buckets": len(result),
               "anomalous_buckets": int(y.sum()), "mixed_buckets": int(mixed.sum()), "rows": evaluated_rows,
               "anomalous_rows": n_anom, "bucket_label": BUCKET_LABEL,
               "threshold": pipe.threshold_.describe(), "threshold_value": pipe.threshold_.value_,
               "score_seconds": seconds,
               # as a table model's --json: what the threshold was fitted on, the flagged buckets' severities
               "threshold_fit": pipe.shown_threshold_fit(),
               "severity_counts": severity_counts(result["severity"], result["flag"])}
    return summary, {"y": y, "score": result["score"].to_numpy(), "flag": result["flag"].to_numpy(),
                     "classes": classes, "normal": list(normal)}, stats


def inspect_entity(df: pd.DataFrame, spec: Any, *, entity_col: str, timestamp_col: str,
                   bucket: str, numeric: list[str] | None, distinct: list[str] | None,
                   drop: list[str], roles: dict[str, str], scaler: str, where: object = "inspect",
                   entity_case: str = "exact", dayfirst: bool | None = None) -> dict[str, Any]:
    """What ``train --entity-col`` would build from ``df`` (the inspected rows; ``dayfirst``: the
    order of numeric dates, as train takes it from the whole file): per column, the
    aggregates it gives per (entity, bucket), or why it gives none; the buckets and entities;
    the features left after scaling (constant and near-duplicate aggregates dropped). A bucket
    that does not suit the rows is warned of as ``train`` warns (naming ``where``)."""
    given = bool(numeric or distinct)
    if given and roles:
        raise HourglassError("--role: sets the roles of inferred columns; with --aggregate/--distinct "
                             "the columns are the ones named")
    parse_bucket(bucket)
    check_entity_case(entity_case)
    refuse_key_drops(drop, entity_col, timestamp_col)
    keys = (entity_col, timestamp_col)
    features = EntityWindows(entity_col, timestamp_col, bucket=bucket,
                             numeric=tuple(numeric or ()) if given else None,
                             categorical=tuple(distinct or ()) if given else None,
                             scaler=scaler, drop=tuple(drop), entity_case=entity_case,
                             dayfirst=dayfirst,
                             roles=None if given else entity_roles(spec, roles, df, keys))
    features.fit(df)
    kept: dict[str, int] = {}
    for agg in features.feature_columns():
        column = agg.rpartition(":")[0] or agg
        kept[column] = kept.get(column, 0) + 1
    ent, times = features.row_times(df)
    sizes = pd.DataFrame({"e": ent, "b": times.floor(parse_bucket(bucket))}).groupby(["e", "b"]).size()
    buckets = sizes.index.to_frame(index=False)
    warn_bucket_length(times, sizes.to_numpy(), bucket, where)  # what train would say
    warn_missing_entity(pd.DataFrame({"entity": buckets["e"], "rows": sizes.to_numpy()}), entity_col,
                        len(df), where)
    warn_early_times(times, timestamp_col, where)
    columns = []
    own = format_roles(spec, df.columns)
    for c in map(str, df.columns):
        if c in keys:
            role, per_bucket, why = ("entity" if c == entity_col else "timestamp"), "", "given"
        elif c in features.numeric_:
            role, per_bucket = "numeric", ", ".join(f"{s}" for s in features.stats)
            why = "--aggregate" if given else (roles.get(c) and f"--role {c}={roles[c]}") or \
                ("the format's role" if c in own else "numbers")
        elif c in features.categorical_:
            role, per_bucket = "categorical", "distinct" + (", top share" if features.top_share else "")
            why = "--distinct" if given else (roles.get(c) and f"--role {c}={roles[c]}") or \
                ("the format's role" if c in own else
                 "a code, text, address or port")
        else:
            role, per_bucket = "-", ""
            # (the library's "named in drop": the option that set it)
            why = option_message(features.not_aggregated_.get(c, "not named (--aggregate/--distinct)"),
                                 "drop")
        columns.append({"column": c, "role": role, "per_bucket": per_bucket, "why": why,
                        "features": kept.get(c, 0) if role in ("numeric", "categorical") else 0})
    return {"entity_col": entity_col, "timestamp_col": timestamp_col, "bucket": bucket,
            "rows": len(df), "buckets": len(buckets), "entities": int(buckets["e"].nunique()),
            "row_count_feature": "count" in kept, "columns": columns,
            "n_features": len(features.feature_names_)}
