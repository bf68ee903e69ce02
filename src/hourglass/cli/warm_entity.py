"""``hourglass train NEW --warm-start MODEL`` for an entity-bucket model: NEW's rows grouped and
aggregated as MODEL grouped its own (entity column, timestamp column, bucket, aggregated columns
and their scaling frozen), the detector trained further on the normal buckets, a new model saved."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

from hourglass._columns import counted, listed_columns
from hourglass.cli._common import refuse_normal_without_label
from hourglass.cli._output import (
    err,
    fitted_text,
    out,
    report_skipped,
    threshold_text,
    warm_epochs_text,
)
from hourglass.cli._spool import shown
from hourglass.errors import HourglassError, InputError

__all__ = ["warm_entity"]

#: The entity options of ``train``: parameter name → option.
_OPTIONS = {"entity_col": "--entity-col", "entity_case": "--entity-case",
            "timestamp_col": "--timestamp-col", "time_col": "--time-col",
            "bucket": "--bucket", "aggregate": "--aggregate", "distinct": "--distinct"}


def check_entity_options(parent: Any, parent_dir: Path, given: dict[str, Any]) -> None:
    """Refuse an entity option of ``given`` (parameter name → value, the options typed) that
    contradicts ``parent``'s grouping; the same value is accepted (and changes nothing).
    ``--memory-budget``/``--sample-rows`` are refused: an entity model reads its data whole."""
    from hourglass.features.entity import parse_bucket

    f = parent.features_
    frozen = "a warm start keeps its entity column, timestamp column, bucket and aggregated columns"
    for name, value in given.items():
        if name in ("memory_budget", "sample_rows"):
            raise HourglassError(f"--{name.replace('_', '-')}: not used by entity models "
                                 f"({parent.model_name}); leave it out")
        if name == "entity_col" and value != f.entity_col:
            raise HourglassError(f"--entity-col {value}: {parent_dir} groups rows per "
                                 f"{f.entity_col!r}; {frozen}")
        if name == "entity_case":
            from hourglass.cli.entity import check_entity_case

            check_entity_case(value)
            have = getattr(f, "entity_case", "exact")
            if value != have:
                raise HourglassError(f"--entity-case {value}: {parent_dir} compares entity names "
                                     f"{'case-folded' if have == 'fold' else 'exactly'} "
                                     f"(--entity-case {have}); a warm start keeps it")
        if name in ("timestamp_col", "time_col") and value != f.timestamp_col:
            raise HourglassError(f"{_OPTIONS[name]} {value}: {parent_dir} reads the times in "
                                 f"{f.timestamp_col!r}; {frozen}")
        if name == "bucket" and parse_bucket(value) != parse_bucket(f.bucket):
            raise HourglassError(f"--bucket {value}: {parent_dir} cuts {f.bucket} buckets; {frozen} "
                                 "(train a new model for another bucket length)")
        if name in ("aggregate", "distinct"):
            # as sets: a column named twice (here, or when the parent was trained) is one
            have = list(dict.fromkeys(f.numeric_ if name == "aggregate" else f.categorical_))
            if sorted(set(value)) != sorted(have):
                raise HourglassError(f"{_OPTIONS[name]}: {parent_dir} "
                                     f"{'aggregates' if name == 'aggregate' else 'counts distinct'} "
                                     f"{listed_columns(have) or 'no columns'}; {frozen}")


def _read_rows(path: Path, parent: Any, parent_dir: Path, *, label_col: str | None,
               normal: list[str] | None, fmt: str, on_bad_rows: str, stats: Any, what: str,
               replayed: bool = False) -> tuple[Any, dict[str, Any]]:
    """The rows of ``path``, checked against the parent's columns, and how they are labelled
    (``label_col``, ``normal``, ``inherited``: the parent's label column; ``stats``, the read's
    counts, which number the first unlabelled row). ``replayed``
    (``--replay-data``): ``--label-col`` names NEW's column; an OLD file without it (the
    training file of a model trained without labels) is read as the parent's data."""
    from hourglass.cli.entity import _read, absent_filled
    from hourglass.cli.tables import skip_unreadable_rows

    f = parent.features_
    df = _read(path, fmt, on_bad_rows, stats, f.entity_col)
    for col, role in ((f.entity_col, "entity"), (f.timestamp_col, "timestamp")):
        if col not in df.columns:
            have = listed_columns(list(df.columns)[:6])
            raise HourglassError(f"{what}: no column {col!r} (the {role} column of {parent_dir}; "
                                 f"columns: {have}{' ...' if df.shape[1] > 6 else ''})")
    # --on-bad-rows skip: a row without a readable time, or with text that is no number in a
    # column the model sums, is skipped and counted, as train and score skip it
    # (and a row sending a column the model reads as a JSON object is refused, as score does)
    df = skip_unreadable_rows(df, f.timestamp_col, getattr(f, "dayfirst_", None), f.read_numbers(),
                              on_bad_rows, stats, what, nested=f.columns_)
    if replayed and label_col is not None and label_col not in df.columns:
        label_col, normal = None, None
    inherited = label_col is None and parent.info.get("label_col") in df.columns
    if inherited:  # --normal typed: its values, not the parent's, name NEW's normal rows
        label_col, normal = parent.info["label_col"], list(normal or parent.info.get("normal") or [])
    if not replayed:  # as train refuses it: --normal was ignored, every bucket trained on as normal
        refuse_normal_without_label(normal, label_col)
    # Windows events: a field no row has is missing; in JSON lines one with missing values in
    # training (optional_fields): as in score
    df = absent_filled(parent, df, path, fmt)
    needed = [c for c in f.read_columns() if c not in df.columns]  # (one no feature reads may lack)
    if needed:  # as 'hourglass score' words it
        raise HourglassError(f"{what}: column(s) the model needs are missing: {listed_columns(needed[:3])}"
                             f"{' ...' if len(needed) > 3 else ''}")
    return df, {"label_col": label_col, "normal": normal, "inherited": inherited, "stats": stats,
                "replayed": replayed}


def _at_rows(exc: InputError, stats: Any, n: int) -> InputError:
    """``exc``, an error naming rows of a file's ``n`` rows kept, with each told as the file's
    data row where ``stats`` (the read's :class:`~hourglass.ingest.ReadStats`, or ``None``) knows
    it, else as not known."""
    import numpy as np

    from hourglass.cli.tables import at_kept_rows

    return at_kept_rows(exc, stats, np.arange(n))


def _date_order(new: Any, old: Any, column: str, new_name: str, old_name: str,
                new_stats: Any = None, old_stats: Any = None) -> bool | None:
    """The one order NEW's and OLD's numeric dates are read in, for a parent that keeps none:
    what either file's dates show (a day or a month above 12), NEW's own where OLD shows none;
    a one-line error naming both files where they show opposite orders (a file's rows told by
    its read's ``new_stats``/``old_stats``); ``None``: no numeric dates."""
    import pandas as pd

    from hourglass._times import infer_dayfirst, shown_dayfirst

    def shown_order(values: Any, name: str, stats: Any) -> bool | None:
        try:
            return shown_dayfirst(values, column)
        except InputError as exc:  # the file's own 'puts the day first but row N the month'
            raise HourglassError(f"{name}: {_at_rows(exc, stats, len(values))}") from None

    a = shown_order(new, new_name, new_stats)
    b = shown_order(old, f"--replay-data {old_name}", old_stats)
    if a is not None and b is not None and a != b:
        order = {True: "the day first (DD/MM/YYYY)", False: "the month first (MM/DD/YYYY)"}
        raise HourglassError(f"--replay-data {old_name}: its dates put {order[b]}, those of "
                             f"{new_name} {order[a]}; the model reads one order: write one file's "
                             "times in the other's order, or as ISO 8601 (YYYY-MM-DD)")
    if a is not None or b is not None:
        return a if a is not None else b
    both = pd.concat([new, old], ignore_index=True)  # none tells: one guess from both (a warning)
    return infer_dayfirst(both, column)


def _about_new_rows(exc: InputError, parent: Any, rows: Any, at: Any, data: Path | str,
                    stats: Any = None) -> None:
    """Raise the error ``exc`` of a warm start on a file's normal ``rows`` (positions ``at``, see
    :func:`~hourglass.cli.entity.normal_buckets`) with its row told as that file's line or data
    row (``stats``, its read's counts) and the file (``data``) named, where those rows raise it
    (else return; the error path only): NEW's rows, or OLD's replayed ones."""
    from hourglass.cli.tables import about_file, at_file_rows

    try:
        parent.transform(rows)
    except InputError as again:
        if str(again) == str(exc):
            raise about_file(at_file_rows(exc, at, stats), data) from None


def _rows(df: Any, path: Path, parent: Any, read: dict[str, Any],
          dayfirst: bool | None = None) -> tuple[Any, dict[str, Any]]:
    """The rows of ``df`` (read from ``path`` by :func:`_read_rows`, ``read`` its labelling) in
    the parent's normal buckets (a bucket holding a labelled attack row left out whole, as
    ``train`` does); and what was read (rows, label column, normal values, rows left out, and
    ``dayfirst``: the order its numeric dates are read in). A parent that keeps no date order
    reads numeric dates (``01/02/2026``) in ``dayfirst``'s, else in the whole file's (as
    ``train`` does: the attack rows left out may hold the only dates that tell it)."""
    from hourglass._times import infer_dayfirst
    from hourglass.cli.entity import normal_buckets

    f = parent.features_
    label_col, normal, inherited = read["label_col"], read["normal"], read["inherited"]
    n_rows = len(df)
    if getattr(f, "dayfirst_", None) is None:  # else the fitted order, as the fit reads the rows
        if dayfirst is None:
            try:
                dayfirst = infer_dayfirst(df[f.timestamp_col], f.timestamp_col)
            except InputError as exc:  # its rows: positions among the rows kept, told as the file's
                raise _at_rows(exc, read.get("stats"), len(df)) from None
        if dayfirst is not None:
            f = _in_order(f, dayfirst)
    if label_col is None and parent.info.get("label_col"):  # a bad time's error before the warning
        f.row_keys(df)
    rows, left_out, unlabelled, at = normal_buckets(df, f, label_col, list(normal or []), path,
                                                    read.get("stats"))
    notes: list[tuple[int, str]] = []  # said once every file has been read: errors come alone
    if inherited:
        notes.append((logging.INFO, f"{path}: label column {label_col!r} (as the parent model's), "
                                    f"normal = {normal}"))
    elif label_col is None and parent.info.get("label_col"):  # attack buckets would be trained on
        notes.append((logging.WARNING, f"{path}: no label column {parent.info['label_col']!r} (the "
                                       "parent model's): every bucket is trained on as normal; give "
                                       "--label-col and --normal if the file holds labels"))
    elif label_col is None and not read.get("replayed"):  # as train and a table's warm start warn
        from hourglass._labels import label_like

        named = [c for c in label_like(df.columns) if c not in set(map(str, f.columns_))]
        if named:  # a verdict column is ignored: its attack buckets would be trained on
            notes.append((logging.WARNING, f"{path}: column {named[0]!r} looks like a label, and "
                                           "without --label-col every bucket (attacks included) is "
                                           f"trained on as normal; give --label-col {named[0]} "
                                           "--normal VALUE to train on the normal buckets only"))
    return rows, {"label_col": label_col, "normal": list(normal or []), "rows": n_rows,
                  "rows_trained": len(rows), "rows_left_out_with_attacks": left_out,
                  "rows_left_out_without_label": unlabelled, "notes": notes,
                  "dayfirst": getattr(f, "dayfirst_", None), "at": at}


def _in_order(features: Any, dayfirst: bool) -> Any:
    """A copy of fitted ``features`` that reads numeric dates day first (``dayfirst``) or month
    first."""
    from hourglass.features.registry import features_from_dict

    copy = features_from_dict(features.to_dict())
    copy.dayfirst_ = dayfirst
    return copy


def warm_entity(data: Path, output: Path, parent: Any, parent_dir: Path, *, label_col: str | None,
                normal: list[str] | None, fmt: str, on_bad_rows: str, params: dict[str, Any],
                replay_data: Path | None, replay: float, seed: int) -> None:
    """The entity-bucket warm start: NEW's normal buckets (and, with ``replay_data``, a seeded
    sample of ``replay`` times as many of OLD's, aggregated on their own), the detector trained
    further from its weights, the threshold and calibration refitted on a fresh held-out slice
    of the buckets, saved to ``output``."""
    import numpy as np
    import pandas as pd

    from hourglass.cli.entity import (
        time_span,
        warn_bucket_length,
        warn_early_times,
        warn_few_buckets,
        warn_missing_entity,
    )
    from hourglass.cli.warm import _kept_rule, replay_count
    from hourglass.features.entity import parse_bucket
    from hourglass.ingest import ReadStats

    if parent.threshold_.requires_labels:  # not reachable from 'train': refused there
        raise HourglassError(f"--warm-start {parent_dir}: its threshold needs labelled buckets")
    name = parent.model_name
    f = parent.features_
    reading: dict[str, Any] = {"label_col": label_col, "normal": normal, "fmt": fmt,
                               "on_bad_rows": on_bad_rows}
    stats = ReadStats()
    new_df, new_read = _read_rows(data, parent, parent_dir, stats=stats, what=str(data), **reading)
    old = None
    replayed: dict[str, Any] | None = None
    order = None
    if replay_data is not None:
        old_stats = ReadStats()
        old_df, old_read = _read_rows(replay_data, parent, parent_dir, stats=old_stats,
                                      what=f"--replay-data {replay_data}", replayed=True, **reading)
        if getattr(f, "dayfirst_", None) is None:  # one order for both files, from both
            order = _date_order(new_df[f.timestamp_col], old_df[f.timestamp_col], f.timestamp_col,
                                str(data), str(replay_data), stats, old_stats)
    rows, seen = _rows(new_df, data, parent, new_read, dayfirst=order)
    if replay_data is not None:
        old_rows, old_seen = _rows(old_df, replay_data, parent, old_read, dayfirst=seen["dayfirst"])
        seen["notes"] += old_seen["notes"]
        seen["dayfirst"] = old_seen["dayfirst"]  # NEW's order, else OLD's
    if getattr(f, "dayfirst_", None) is None and seen["dayfirst"] is not None:
        # a parent that keeps no date order: NEW's numeric dates read in the order of the whole
        # file, as the normal buckets were cut, not in the one the normal rows alone tell
        parent = copy.copy(parent)
        parent.features_ = f = _in_order(f, seen["dayfirst"])
    if replay_data is not None:
        n_new = len(pd.MultiIndex.from_arrays(f.row_keys(rows)).unique())
        codes = pd.MultiIndex.from_arrays(f.row_keys(old_rows)).factorize()[0]
        n_old = int(codes.max()) + 1
        want = replay_count(replay, n_new, n_old)
        pick = np.random.default_rng(seed).choice(n_old, size=want, replace=False)
        # none to replay (a small NEW, a small --replay): trained on NEW alone, as a table model is
        replay_rows = np.isin(codes, pick)
        old = old_rows.loc[replay_rows].reset_index(drop=True) if want else None
        old_at = old_seen["at"][replay_rows]  # their positions in OLD, for an error's row
        replayed = {"source": shown(replay_data), "multiple": replay, "buckets": want, "of": n_old,
                    "seed": seed, "skipped_rows": old_stats.bad_rows,
                    "which": "a seeded sample of OLD's normal (entity, bucket) rows, aggregated on "
                             "their own (none merges with a new bucket)"}
    try:
        with _kept_rule(parent, parent_dir, "entity", replayed=None if replayed is None else
                        (replay, replayed["buckets"], replayed["of"])):
            pipe = parent.warm_start(rows, replay=old, **params)
    except InputError as exc:
        _about_new_rows(exc, parent, rows, seen["at"], data, stats)
        if old is not None:  # else OLD's replayed rows raise it: told as OLD's, named so
            _about_new_rows(exc, parent, old, old_at, f"--replay-data {replay_data}", old_stats)
        raise
    for level, note in seen["notes"]:
        logging.getLogger("hourglass").log(level, "%s", note)
    if replay_data is not None:  # then replayed is not None
        report_skipped(old_stats, replay_data)
    det = pipe.detector_
    held = len(det.val_index_)
    ws = pipe.info["warm_start"]
    ws["parent"]["path"] = str(parent_dir)
    ws["new_rows"] = seen["rows_trained"]
    if replayed is not None:  # the buckets replayed: those the frozen scaling reads (the warm start's count)
        ws["replay"] = replayed = {**replayed, **ws.get("replay", {})}
    buckets = int(ws["rows"])
    ent, times = f.row_times(rows)  # NEW's normal rows, as train --entity-col words its warnings
    pipe.info.update({
        "source": shown(data), "format": None, "label_col": seen["label_col"], "normal": seen["normal"],
        "skipped_rows": stats.bad_rows,
        "n_train_rows": buckets + (replayed["buckets"] if replayed else 0),
        "entity": {"entity_col": f.entity_col, "timestamp_col": f.timestamp_col, "bucket": f.bucket,
                   "rows": seen["rows"], "rows_trained": seen["rows_trained"],
                   "rows_left_out_with_attacks": seen["rows_left_out_with_attacks"],
                   "rows_left_out_without_label": seen["rows_left_out_without_label"],
                   "buckets": buckets, "entities": int(pd.unique(ent).size)},
        "held_out": {"fraction": float(getattr(det, "validation_fraction", 0.0)), "rows": held,
                     "seed": seed,
                     "used_for": ("early stopping, calibration and the threshold; never trained on"
                                  if held else "none held out: calibration and the threshold use "
                                  "training scores"),
                     "which": "positions among the new (entity, bucket) rows (then the replayed "
                              "ones), in weights.safetensors as detector.val_index"},
    })
    pipe.save(output)
    report_skipped(stats, data)
    sizes = (pd.DataFrame({"entity": ent, "bucket_start": times.floor(parse_bucket(f.bucket))})
             .groupby(["entity", "bucket_start"], sort=False).size())
    warn_few_buckets(int(pipe.info["n_train_rows"]), int(pd.unique(ent).size),
                     len(f.feature_names_), f.bucket, time_span(times), data,
                     warm=True)  # the data's span, not the buckets'
    warn_bucket_length(times, sizes.to_numpy(), f.bucket, data, warm=True)
    warn_early_times(times, f.timestamp_col, data)
    # rows without an entity value, grouped as one entity and trained on: said as train says it
    warn_missing_entity(pd.DataFrame({"entity": ent}).value_counts("entity").rename("rows").reset_index(),
                        f.entity_col, len(rows), data)
    if old is not None:
        old_ent = f.row_keys(old)[0]
        warn_missing_entity(pd.DataFrame({"entity": old_ent}).value_counts("entity").rename("rows")
                            .reset_index(), f.entity_col, len(old), f"--replay-data {replay_data}")
    # n_train_rows counts the replayed buckets too (the held-out slice is drawn from all of them)
    what = (f": {buckets:,} of {data} + {replayed['buckets']:,} replayed from {replay_data}"
            if replayed else f" of {data}")
    err.print(f"continued {name} from {parent_dir} on "
              f"{fitted_text(pipe.info['n_train_rows'], held, '(entity, bucket) rows')}{what} "
              f"({counted(seen['rows_trained'], 'row')}; {warm_epochs_text(ws)}; "
              f"entity, bucket, aggregates and scaling frozen) in {pipe.info['fit_seconds']:.1f}s; "
              f"threshold {threshold_text(pipe.info)}", highlight=False)
    out.print(f"model saved to {output}", highlight=False)
