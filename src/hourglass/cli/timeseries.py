"""The time-series side of ``hourglass train`` / ``evaluate`` / ``score``: read a series (or a
named dataset's file), align it with :class:`TimeSeriesPreprocessor`, and report time-series
metrics (point-wise first, point-adjusted labelled)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from hourglass._columns import counted, counted_as, listed_columns, one_name_each, shown_column
from hourglass._labels import label_like
from hourglass._limits import WHOLE_TOP
from hourglass._numbers import label_numbers
from hourglass._times import cut_cell, frequency
from hourglass.cli._common import check_model_dir, model_params
from hourglass.cli._options import option_message
from hourglass.cli._output import fitted_text, print_stream_threshold, severity_counts, threshold_text
from hourglass.cli._schema import warn_label_as_feature
from hourglass.cli._spool import shown, shown_name
from hourglass.detectors import registry
from hourglass.detectors.windowed import WindowDetector
from hourglass.errors import HourglassError, InputError
from hourglass.evaluate import timeseries_metrics, tsb_sliding_window
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest import ReadStats, label_strings, read_table, write_table
from hourglass.ingest.timeseries import LABEL, WINDOWS_READ, TimeSeriesDataset, get_timeseries_dataset
from hourglass.pipeline import Pipeline
from hourglass.pipeline.pipeline import threshold_fit_info, threshold_fit_named
from hourglass.thresholds import threshold_from_spec

__all__ = ["UNTIMED_MODEL_HINT", "at_series_lines", "evaluate_timeseries", "is_timeseries_dataset",
           "labelled_not_normal", "not_normal_steps", "read_series", "refuse_joined_files", "report_train",
           "rows_by_line",
           "score_command", "score_timeseries", "scored_steps_text", "train_command",
           "train_timeseries", "wants_timeseries", "warn_extra_columns"]

logger = logging.getLogger("hourglass")

#: what to do with several files for a model that reads rows as steps (trained without a timestamp column)
UNTIMED_MODEL_HINT = ("the model reads rows as steps (trained without --timestamp-col): give the files "
                      "one at a time")

#: every registered time-series detector, as errors list them (ganomaly-1d included: a fixed list
#: left it out of "--freq/--fill... are for time-series models (...)")
_TS_MODELS = ", ".join(name for name, entry in registry.entries().items() if entry.input == "timeseries")


def wants_timeseries(model: str, dataset: str | None, *ts_options: object) -> bool:
    """Whether ``train`` takes the time-series path; refuses mixed requests with a clear error."""
    is_ts_model = registry.get(model).get_tags()["input"] == "timeseries"
    if is_timeseries_dataset(dataset) and not is_ts_model:
        raise HourglassError(f"--dataset {dataset} is a time series: choose a time-series model "
                             f"(--model {_TS_MODELS})")
    if not is_ts_model and any(o is not None for o in ts_options):
        raise HourglassError(f"--freq/--fill/--fill-limit/--freq-agg are for time-series models "
                             f"({_TS_MODELS})")
    return is_ts_model


def is_timeseries_dataset(name: str | None) -> bool:
    """Whether ``--dataset NAME`` names a time-series dataset (skab, nab, asd, smd)."""
    return name is not None and get_timeseries_dataset(name) is not None


def _read(path: Path, ds: TimeSeriesDataset | None, need_labels: bool = True, *,
          scoring: bool = False, stats: ReadStats | None = None) -> pd.DataFrame:
    from hourglass.cli._spool import folder_shown, piped, source_files

    # NAB's windows (when needed: new data of a NAB model needs none) and ASD/SMD's test_label
    # file are found from the file's folder, which the copy of a pipe lacks: the series was read
    # unlabelled, a test file all trained on
    labelled = ds is not None and not scoring and (ds.name in ("asd", "smd") or
                                                   (ds.name == "nab" and need_labels))
    pipe = piped(path) if labelled else None
    if ds is not None and pipe is not None:
        where = "NAB's labels/combined_windows.json" if ds.name == "nab" else \
            f"{ds.name.upper()}'s test_label/ file"
        raise HourglassError(f"--dataset {ds.name}: {pipe} has no folder, and the series' labels "
                             f"({where}) are found from the file's folder; give the file's path")
    if ds is not None and folder_shown(path) is not None:  # SKAB, NAB: each file its own series
        files = source_files(path)
        if len(files) != 1:
            raise HourglassError(f"--dataset {ds.name}: one series a file, and {folder_shown(path)} "
                                 "are several; give them one at a time")
        # a pattern (or folder) of one file: that file, where it lies (NAB's windows and ASD/SMD's
        # test_label files are found from its folder, not from the temporary copy's)
        path = files[0]
    if ds is not None:
        return ds.read(path, need_labels=need_labels, scoring=scoring)
    from hourglass._eol import without_boms
    from hourglass.ingest import sniff_format
    from hourglass.ingest.tables import read_head

    # a Zeek TSV log ('#fields' header lines) is no plain TSV: read as one it failed on its first
    # header line ("expected 1 fields"), naming --format, which a time-series model refuses (a
    # Zeek JSON log reads as JSON lines)
    if path.is_file() and getattr(sniff_format(path), "name", None) == "zeek-conn" and \
            without_boms(read_head(path, 4096)).lstrip().startswith(b"#"):
        from hourglass.ingest.flows import ZEEK_CONN

        return ZEEK_CONN.read(path, stats=stats)
    return read_table(path, stats=stats)


def read_series(path: Path, dataset: str | None, *, need_labels: bool = True,
                scoring: bool = False, stats: ReadStats | None = None) -> pd.DataFrame:
    """The whole series in PATH, read with the named dataset's reader when one is given.
    ``need_labels=False`` (score, explain, warm start): new data of a NAB model needs no label
    windows; ``scoring`` (score, explain): no label is read at all. ``stats``: the read's
    counts (a file's without a dataset), for :func:`rows_by_line`."""
    return _read(path, _dataset(dataset), need_labels, scoring=scoring, stats=stats)


def at_series_lines(exc: InputError, stats: ReadStats | None) -> InputError:
    """``exc`` with the rows it names (the series' data rows, in the file's order) told by the
    file's lines where the read of ``stats`` tells them (a CSV's, JSON lines'); else ``exc`` as
    it is (a Parquet file, a dataset's reader)."""
    from hourglass.cli.tables import at_file_rows

    return at_file_rows(exc, 0, stats) if stats is not None and stats.lines_of is not None else exc


@contextmanager
def rows_by_line(data: Path, stats: ReadStats, *, named: bool = False) -> Iterator[None]:
    """Within it, an error that names a row of the series read from ``data`` with ``stats``
    (``found 'oops' (row 450)``: its data row, counted in the file's order, before the rows are
    sorted by time) names it by the file's line where the reader tells it (a CSV's, JSON
    lines'), in its file: ``DATA: ... (line 451)``, the header counted, as a table model's error
    and ``stream`` name it; a quoted value is left as it is. A Parquet file's row stays its data
    row; a dataset's reader (SKAB, NAB ...) gives no ``stats``. ``named`` (a model applied to
    ``data``: score, explain, evaluate): every error not about an option names ``data`` too (a
    missing channel, a gap without a fill policy), as a table model's ``score`` names its file."""
    from hourglass.cli.tables import about_file

    try:
        yield
    except InputError as exc:
        told = str(at_series_lines(exc, stats))
        if told != str(exc) or (named and exc.param is None):  # (its own type kept: a DateOrderError's)
            exc.args = (str(about_file(InputError(told), data)),)
        raise


def refuse_joined_files(path: Path, timestamp_col: str | None, hint: str) -> None:
    """Refuse a folder or pattern of several files as one series whose rows are its steps (no
    timestamp column): the files were joined end to end in name order (``conn.log.2`` before
    ``conn.log.1``, whatever their times), and the model trained on, or scored, windows across
    each join, a jump no recording makes. ``hint``: what to do instead."""
    from hourglass.cli._spool import folder_shown, source_files

    files = source_files(path)
    if timestamp_col is not None or len(files) < 2:
        return
    raise HourglassError(f"{folder_shown(path) or path}: {len(files)} files, and without a timestamp "
                         "column the rows are the time steps: they would be joined end to end in name "
                         f"order into one series, with windows across each join; {hint}")


def _dataset(name: str | None) -> TimeSeriesDataset | None:
    if name is None:
        return None
    ds = get_timeseries_dataset(name)
    if ds is None:
        raise HourglassError(f"--dataset: {name!r} is not a time-series dataset "
                             "(skab, nab, asd, smd)")
    return ds


def train_timeseries(
    data: Path, *, dataset: str | None, model: str, params: dict[str, Any],
    threshold: str | None, timestamp_col: str | None, freq: str | None, fill: str | None,
    fill_limit: int | None, label_col: str | None, drop: list[str],
    extra_normal: list[Path] | None = None, events_per_day: float | None = None,
    agg: str | None = None,
) -> Pipeline:
    """Train a time-series pipeline on DATA (a named dataset's protocol training part).

    ``extra_normal``: further normal recordings with DATA's columns. Each is aligned with the
    preprocessing fitted on DATA's training part (so channels are scaled as DATA's), they are
    joined in front of it, and the detector gets the joins as ``seams`` (no window spans one);
    the held-out tail stays the end of DATA's training part (``validation_fraction`` of its
    rows)."""
    ds = _dataset(dataset)
    refuse_dataset_label_col(ds, label_col)
    _refuse_extra_is_data(data, extra_normal or [])
    if timestamp_col is None and ds is None:  # (a dataset's folder is refused as one file a series)
        for given in (data, *(extra_normal or ())):
            refuse_joined_files(given, None, "give one recording as DATA and each other one with "
                                "its own --extra-normal FILE (no window spans two), or give "
                                "--timestamp-col to order their rows by time")
    stats = ReadStats()
    df = _read(data, ds, stats=stats)
    label = label_col or (LABEL if ds is not None else None)
    train_df = ds.train_part(df) if ds is not None else df
    if label_col is not None and label_col not in df.columns:
        raise HourglassError(f"{data}: no label column {label_col!r}")
    time_col = timestamp_col or (ds.timestamp_col if ds else None)
    if time_col is not None and time_col in (label, *drop):  # it was dropped, then not found
        said = (("--label-col", "not a label; give the column of 0/1 labels") if time_col == label
                else ("--drop", "never a channel; leave it out of --drop"))
        raise HourglassError(f"{said[0]} {shown_column(time_col)}: is the timestamp column (it orders the "
                             f"steps), {said[1]}")
    if label is not None and label in train_df.columns:
        _warn_labelled_training(train_df[label], label, data, protocol=len(train_df) < len(df))
    missing = [c for c in drop if c not in df.columns]
    if missing:  # a typo would silently keep the channel the user meant to drop
        listed = one_name_each("--drop", missing[0], df.columns)  # --drop a,b: one name goes
        raise HourglassError(f"--drop: no column {missing[0]!r} in {data}; " + (listed or (
            f"columns are {listed_columns(list(df.columns)[:8])}{' ...' if df.shape[1] > 8 else ''}")))
    grid = frequency(freq) if freq else (ds.freq if ds else None)  # (1H: saved as 1h)
    if agg is not None and (time_col is None or grid == "rows"):  # nothing it would combine
        untimed = ds.name if ds is not None and time_col is None else None  # ASD, SMD: numbers only
        why = (f"--dataset {untimed}'s files have no time column: the rows are the steps" if untimed
               else "without a timestamp column (--timestamp-col) the rows are the steps" if time_col is None
               else f"with --freq rows{' (--dataset ' + ds.name + ')' if ds and not freq else ''} "
               "each row is its own step")
        raise HourglassError(f"--freq-agg {agg}: combines the rows of one --freq grid step or of one "
                             f"timestamp, and {why}: nothing is combined; leave it out"
                             + ("" if untimed else ", or give --timestamp-col" if time_col is None else
                                ", or give --freq a time step (e.g. --freq 1min)"))
    features = TimeSeriesPreprocessor(
        timestamp_col=time_col,
        freq=grid, agg=agg or "mean", fill=fill or "none",
        fill_limit=fill_limit,
        drop=tuple(c for c in (*drop, *(ds.drop if ds else ()), label) if c))
    cls = registry.get(model)
    thr = (threshold_from_spec(threshold, events_per_day=events_per_day, name="--threshold")
           if threshold else None)
    pipe = Pipeline(detector=cls(**params), features=features, threshold=thr)
    start = time.perf_counter()
    own = train_df.drop(columns=[label]) if label in train_df.columns else train_df
    extra_stats = [ReadStats() for _ in extra_normal or ()]
    extras = [_read_extra(p, ds, label, own, data, features.drop, stats=s)
              for p, s in zip(extra_normal or (), extra_stats, strict=True)]
    extra_steps: list[int] = []
    if extras:
        part = " (its protocol's training part)" if len(train_df) < len(df) else ""
        with rows_by_line(data, stats):  # (an extra file's error names its own lines, below)
            extra_steps = _fit_with_extra(pipe, own, extras, list(extra_normal or ()), data=f"{data}{part}",
                                          stats=extra_stats)
    else:
        try:  # (a protocol's training part is named below)
            with rows_by_line(data, stats, named=len(train_df) == len(df)):
                pipe.fit(own)
        except InputError as exc:  # 'series has 400 time steps' of a 600-row file: say which part
            if len(train_df) < len(df) and exc.param is None:  # (an option's error names the option)
                exc.args = (f"{shown(data)}: the {ds.name if ds else ''} protocol's training part (its "
                            f"first {len(train_df):,} of {len(df):,} rows): {exc}",)
            raise
    _warn_label_channel(pipe.features_.channels_, data, label)
    held = float(getattr(pipe.detector_, "validation_fraction", 0.0))
    if len(train_df) < len(df):  # a dataset protocol's training part
        logger.info("trained on the first %d of %d rows of %s", len(train_df), len(df), data)
    n_extra = [int(len(x)) for x in extras]
    pipe.info.update({
        "source": shown(data), "dataset": ds.name if ds else None, "label_col": label,
        "normal": [], "model": registry.name_of(cls), "input": "timeseries",
        "fit_seconds": time.perf_counter() - start, "n_train_rows": pipe.info["n_train_rows"],
        # rows read, and the time steps they gave (resampled, duplicate times merged)
        "extra_normal": [{"source": shown(p), "rows": n, "steps": k} for p, n, k in
                         zip(extra_normal or (), n_extra, extra_steps, strict=True)],
        "held_out": {"fraction": held, "rows": len(pipe.detector_.val_index_),
                     "used_for": "early stopping and the threshold; never trained on",
                     "which": "the last steps of the training series (a contiguous tail)"},
        "threshold": pipe.threshold_.describe(), "threshold_value": pipe.threshold_.value_,
    })
    stream = pipe.stream_threshold_
    if stream is not None:  # what 'hourglass stream' applies (one window ending at each step)
        pipe.info.update({"stream_threshold": stream.describe(),
                          "stream_threshold_value": stream.value_})
    return pipe


def _refuse_extra_is_data(data: Path, extra_normal: Sequence[Path]) -> None:
    """Refuse an ``--extra-normal`` file that is DATA (or one of the files of its folder or
    pattern): DATA's held-out tail would be trained on in the extra copy, and the threshold
    fitted on steps the model has learnt (too low: normal data flagged)."""
    from hourglass.cli._spool import reads_file, source_files

    which = "itself" if len(source_files(data)) == 1 else "(one of the files it reads)"
    for extra in extra_normal:
        if str(extra) != "-" and reads_file(data, extra):
            raise HourglassError(f"--extra-normal {extra}: is DATA {which}: its steps, the held-out "
                                 "tail included, would be trained on, and the threshold fitted on "
                                 "steps the model has learnt; give another recording of normal "
                                 "operation, or leave it out")


def refuse_dataset_label_col(ds: TimeSeriesDataset | None, label_col: str | None, *,
                             warm: bool = False, inherited: bool = False) -> None:
    """Refuse ``--label-col COL`` with a dataset reader (COL not its ``label``): the reader labels
    the steps itself, and its labels were left unchecked (a warm start trained on its anomalous
    steps) or cut the protocol and stayed a channel the model read (``train``). ``warm``: the
    check of a warm start; ``inherited``: the reader is the parent model's (no ``--dataset``)."""
    if ds is None or label_col in (None, LABEL):
        return
    reader = f"the model's dataset {ds.name}" if inherited else f"--dataset {ds.name}"
    why = ("whose anomalous steps a warm start refuses" if warm
           else "which its protocol splits by")
    hint = "" if warm else ", or --drop a column you do not want modelled"
    raise HourglassError(f"--label-col {label_col}: {reader} labels its steps itself (column "
                         f"{LABEL!r}, {why}); leave --label-col out{hint}")


def _warn_label_channel(channels: Sequence[str], data: Path, label_col: str | None = None) -> None:
    """Warn when a channel is named like a label (``label``, ``anomaly``...): modelled as a
    measurement, its anomalous steps are input the model learns, as table models warn; beside
    ``label_col`` (``--label-col anomaly`` and SKAB's ``changepoint``) too."""
    if label_col is not None:
        warn_label_as_feature(channels, label_col, str(data), what="a channel")
        return
    named = label_like(channels, None)
    if named:
        logger.warning("%s: column %r looks like a label, and without --label-col it is a channel "
                       "the model reads; give --label-col %s (or --drop %s)", data, named[0],
                       named[0], named[0])


def not_normal_steps(labels: pd.Series) -> np.ndarray:
    """Mask of the rows of a series' label column ``labels`` not labelled normal: a series is
    labelled 0 (normal) or 1 (anomaly), so only 0 (``0.0``, a boolean ``False``, the text
    ``false`` of a CSV column of 0 and 1 beside true/false) is normal; 1, text (``normal``
    too), a missing label and an integer no float holds are not known to be.

    Examples
    --------
    >>> not_normal_steps(pd.Series([0, 1.0, "normal", None, False], dtype=object)).tolist()
    [False, True, True, True, False]
    """
    y = label_numbers(labels)  # an integer of 400 digits: inf, not normal; 'false' normal
    return (y.fillna(1) != 0).to_numpy()


def labelled_not_normal(labels: pd.Series, label: str, where: object, part: str) -> str | None:
    """``None`` when every row of ``labels`` is labelled normal (:func:`not_normal_steps`); else
    the words of ``train``'s warning and a warm start's refusal: how many rows of ``part`` (the
    training series, the protocol's training part) of ``where`` are not, the first, and how many
    have no label.

    Examples
    --------
    >>> said = labelled_not_normal(pd.Series([0, 1, None]), "label", "s.csv", "the training series")
    >>> said[:80]
    "s.csv: 2 of the 3 rows of the training series are not labelled normal in 'label'"
    >>> said[81:]
    '(first: row 2; 1 without a label: a missing label is not known to be normal)'
    >>> labelled_not_normal(pd.Series([0.0, False]), "label", "s.csv", "the training series")
    >>> said = labelled_not_normal(pd.Series(["Normal", "Normal"]), "Normal/Attack", "s.csv",
    ...                            "the training series")
    >>> said[said.index("(first"):][:90]
    "(first: row 1; 2 hold text, 'Normal' first: a series is labelled 0 (normal) or 1 (anomaly)"
    """
    bad = not_normal_steps(labels)
    if not bad.any():
        return None
    first = int(np.flatnonzero(bad)[0])
    given = label_strings(labels)
    missing = int((given == "").sum())
    which = (f"; {missing} without a label: a missing label is not known to be normal"
             if missing else "")
    # SWaT's and WADI's 'Normal'/'Attack': not normal to a series (0 or 1), said so, not left
    # to read as the user's normal rows miscounted
    text = np.asarray(label_numbers(labels).isna(), dtype=bool) & (given != "")
    if text.any():
        shown_text = cut_cell(labels.iloc[int(np.flatnonzero(text)[0])])
        which += (f"; {int(text.sum())} hold text, {shown_text} first: a series is labelled 0 "
                  "(normal) or 1 (anomaly), so a text label, 'normal' too, is not known to be "
                  "normal; write 0 and 1")
    return (f"{where}: {int(bad.sum())} of the {len(labels)} rows of {part} are not labelled normal "
            f"in {label!r} (first: row {first + 1}{which})")


def _warn_labelled_training(labels: pd.Series, label: str, data: Path, *, protocol: bool) -> None:
    """A series cannot leave its anomalous steps out (windows need consecutive steps): say that
    the model trains on them, rather than let --label-col look like it filtered them."""
    part = "the protocol's training part" if protocol else "the training series"
    said = labelled_not_normal(labels, label, data, part)
    if said is not None:
        logger.warning("%s; a time-series model trains on every step, these included: train on a "
                       "normal stretch", said)


def _read_extra(path: Path, ds: TimeSeriesDataset | None, label: str | None,
                own: pd.DataFrame, data: Path, ignored: Sequence[str],
                stats: ReadStats | None = None) -> pd.DataFrame:
    """An ``--extra-normal`` file: read like DATA, its labels (if any) all normal, the same
    columns as DATA's training part (labels and the ``ignored`` columns aside: dropped ones,
    which it may lack). A NAB recording needs no label windows: it is normal data. ``stats``:
    the read's counts (its rows' lines)."""
    extra = _read(path, ds, need_labels=False, stats=stats)
    if label is not None and label in extra.columns:
        n_bad = int(not_normal_steps(extra[label]).sum())
        if n_bad:
            raise HourglassError(f"--extra-normal {path}: {counted_as(n_bad, ('row has', 'rows have'))} "
                                 f"{label!r} not 0; extra "
                                 "data must be normal")
        extra = extra.drop(columns=[label])
    skip = {*map(str, ignored), str(label)}
    want = [str(c) for c in own.columns if str(c) not in skip]
    got = [str(c) for c in extra.columns if str(c) not in skip]
    if set(want) != set(got):
        missing = [c for c in want if c not in got]
        unexpected = [c for c in got if c not in want]
        parts = ([f"missing {listed_columns(missing)}"] if missing else []) + (
            [f"unexpected {listed_columns(unexpected)}"] if unexpected else [])  # no 'missing none'
        raise HourglassError(f"--extra-normal {path}: columns differ from {data}'s: "
                             f"{'; '.join(parts)}")
    for col in own.columns:            # an ignored column it lacks: present, never read
        if col not in extra.columns:
            extra[col] = np.nan
    return extra[own.columns]


def _fit_with_extra(pipe: Pipeline, own: pd.DataFrame, extras: list[pd.DataFrame],
                    sources: list[Path] | None = None, data: str = "DATA",
                    stats: list[ReadStats] | None = None) -> list[int]:
    """``Pipeline.fit`` for DATA's training part ``own`` with extra normal recordings in front:
    preprocessing fitted on ``own`` only, the detector on the joined series with its seams.
    Returns the time steps of each recording (on the model's grid). ``data``: how an error
    names DATA; ``stats``: each recording's read counts, for an error to name its row's line."""
    template = pipe.features
    assert template is not None and pipe.detector is not None
    pipe.features_ = type(template)(**template.get_params())
    X_own = pipe.features_.fit_transform(own)
    parts = []
    for i, x in enumerate(extras):
        try:
            parts.append(pipe.features_.transform(x, training=True))  # errors name train's options
        except InputError as exc:  # name the file: DATA itself is fine
            where = sources[i] if sources else f"#{i + 1}"
            told = at_series_lines(exc, stats[i] if stats else None)
            # (the parameter the library's error names, as train's option: the wrapper has no param)
            said = option_message(str(told), exc.param)
            raise HourglassError(f"--extra-normal {where}: {said}") from None
    assert isinstance(pipe.detector, WindowDetector)  # --extra-normal: time-series models only
    length = pipe.detector._length()
    for i, x in enumerate(parts):  # no training window fits inside it: trained on none of it
        if len(x) < length:
            where = sources[i] if sources else f"#{i + 1}"
            raise HourglassError(f"--extra-normal {where}: {len(x):,} steps on the model's grid, "
                                 f"shorter than one window ({length} steps): no training window "
                                 "fits inside it; give a longer recording, or leave it out")
    seams = np.cumsum([len(x) for x in parts]).tolist()
    pipe.detector_ = pipe.detector.clone()
    if pipe.threshold is not None:
        pipe.detector_.set_params(threshold=pipe.threshold)
    X = np.concatenate([*parts, X_own])
    # the held-out tail is validation_fraction of DATA's own rows, not of the joined series
    frac = float(pipe.detector_.get_params().get("validation_fraction", 0.0))
    pipe.detector_.set_params(validation_fraction=frac * len(X_own) / len(X))
    assert isinstance(pipe.detector_, WindowDetector)  # --extra-normal: time-series models only
    try:
        pipe.detector_.fit(X, seams=seams)
    except InputError as exc:
        trained = getattr(exc, "last_series_steps", None)
        if trained is None:
            raise
        # DATA is the last of the joined series: said as the file, in its own steps
        raise HourglassError(f"{data}: {len(X_own):,} steps on the model's grid, of which {trained:,} "
                             "before its held-out tail; with --extra-normal, training takes at least "
                             f"one window ({pipe.detector_._length()} steps) of DATA's own before "
                             "that tail: give a longer DATA series") from None
    finally:  # the share asked for (of DATA's rows), not of this joined series: what the model
        # card says and what a warm start of the saved model holds out of its new series
        pipe.detector_.set_params(validation_fraction=frac)
    pipe.info["n_train_rows"] = len(X)  # time steps, the extra recordings' included
    pipe.info["threshold_fit"] = threshold_fit_named(threshold_fit_info(pipe.detector_), "steps")
    pipe.info.setdefault("n_features", len(pipe.features_.feature_names_))
    # the threads a seed repeats the model on, as Pipeline.fit records them (the model card of a
    # model trained with extra normal data said none)
    torch = sys.modules.get("torch")
    if torch is not None:
        pipe.info["torch_threads"] = int(torch.get_num_threads())
    return [len(x) for x in parts]


def warn_extra_columns(pipe: Pipeline, df: pd.DataFrame, label: str | None = None) -> None:
    """One warning line naming the columns of ``df`` the model does not read (a channel added
    since training is not modelled), as table models say it; the model's label column and
    ``label`` (evaluate's) aside."""
    labels = {pipe.info.get("label_col"), label}
    extra = [c for c in pipe.features_.extra_columns(df) if c not in labels]
    if extra:
        logger.warning("ignoring %d column(s) the model was not trained on: %s", len(extra),
                       listed_columns(extra[:5]) + (" ..." if len(extra) > 5 else ""))


def score_timeseries(pipe: Pipeline, df: pd.DataFrame, grid_out: list[np.ndarray] | None = None,
                     *, warn_extra: bool = True) -> pd.DataFrame:
    """Score, flag, calibrated anomaly probability and severity per grid step, with the step's
    timestamp (or row number): the columns a table model's rows get, one row per step. The
    timestamps' column has the model's timestamp column's name, or ``timestamp`` when that name
    is one of the output's own (``score``, ``flag``, ``calibrated``, ``severity``).

    ``grid_out``, when given, receives the aligned, scaled series the detector saw.
    ``warn_extra``: warn about columns the model does not read (evaluate does it once its
    labels are checked, so that an error stays the one line)."""
    label = pipe.info.get("label_col")
    feats = df.drop(columns=[label]) if label in df.columns else df
    grid = pipe.features_.transform_frame(feats)
    if warn_extra:  # after the checks: an error stays the one line
        warn_extra_columns(pipe, feats)
    values = grid.to_numpy(dtype=np.float32)
    if grid_out is not None:
        grid_out.append(values)
    det = pipe.detector_
    scores = det.score(values)
    out = pd.DataFrame({"score": scores, "flag": det.threshold_predict(scores),
                        "calibrated": det.calibrate(scores), "severity": det.severity(scores)})
    name = str(pipe.features_.timestamp_col or "step")
    if name in out.columns:  # a series timed by a column called 'score' (explain does the same)
        name = "timestamp"
    out.insert(0, name, grid.index.to_numpy() if pipe.features_.timestamp_col else
               np.arange(len(grid)))
    return out


def evaluate_timeseries(pipe: Pipeline, data: Path, dataset: str | None,
                        label_col: str | None, arrays: dict[str, Any] | None = None,
                        ) -> tuple[dict[str, Any], Table]:
    """Metrics of a saved time-series model on a labelled series (a dataset's test part).

    ``arrays``, when given, receives the aligned labels, scores and flags (for the HTML report).
    """
    name = dataset or pipe.info.get("dataset")
    ds = _dataset(name)
    refuse_joined_files(data, pipe.features_.timestamp_col, UNTIMED_MODEL_HINT)
    # a NAB model's reader, not asked for (--dataset): a series outside NAB's layout (no label
    # windows for it) is any labelled series, evaluated whole on its own label column; it was
    # refused, saying to leave out a --dataset that was never given
    own_labels = dataset is None and ds is not None and ds.name == "nab"
    stats = ReadStats()
    df = _read(data, ds, need_labels=not own_labels, stats=stats)
    if own_labels and WINDOWS_READ not in df.attrs:
        ds = None
    n_rows = len(df)
    if ds is not None:
        df = ds.test_part(df)
    label = label_col or pipe.info.get("label_col") or LABEL
    if ds is not None and label not in df.columns and label == ds.source_label:
        label = LABEL  # SKAB's own 'anomaly' column, which its reader gives as 'label'
    if label not in df.columns:
        windows = (", and no NAB label windows for it (labels/combined_windows.json in the folders "
                   "above the file)" if own_labels else "")
        raise HourglassError(f"--label-col: {data} has no label column {label!r}{windows}")
    if label in pipe.features_.channels_:  # its values would be scored, labels read as input
        raise HourglassError(f"--label-col {label}: is a channel the model scores, not a label; "
                             "give the column that marks each step normal or not (or retrain "
                             f"with --label-col {label} or --drop {label})")
    start = time.perf_counter()
    grid: list[np.ndarray] = []
    try:
        with rows_by_line(data, stats, named=ds is None):  # (a protocol's part names it below)
            result = score_timeseries(pipe, df, grid, warn_extra=False)
    except InputError as exc:  # 'series has 200 time steps' of a 600-row file: say which part
        if ds is not None and exc.param is None:
            first = n_rows - len(df)  # the rows before the test part
            exc.args = (f"{shown(data)}: the {ds.name} protocol's test part (its rows {first + 1:,} "
                        f"to {first + len(df):,}): {exc}",)
        raise
    seconds = time.perf_counter() - start
    said = ds.source_label if ds is not None and label == LABEL and ds.source_label else label
    with rows_by_line(data, stats, named=True):
        y = pipe.features_.align_labels(df, df[label].to_numpy(), column=f"label column {said!r}")
    warn_extra_columns(pipe, df, label)
    # a forecaster's first window steps have no forecast of their own: their scores are copies
    # of the first forecast's, paired with their own labels (a step labelled anomalous there was
    # caught, or missed, by another step's score): left out, as the threshold's fit leaves them
    skip = int(getattr(pipe.detector_, "unpredicted_steps", 0))
    y_eval = np.asarray(y)[skip:]
    early = int((np.asarray(y)[:skip] == 1).sum())
    if early:  # labelled anomalies the metrics do not see: said, not silently gone
        logger.warning("%s: %d anomalous step(s) (label column %r) among its first %d steps, "
                       "which %s makes no forecast for: left out of the metrics%s", shown(data), early,
                       said, skip, type(pipe.detector_).__name__,
                       "" if (y_eval == 1).any() else " (no anomalous step is left to evaluate)")
    score, flag = result["score"].to_numpy()[skip:], result["flag"].to_numpy()[skip:]
    # VUS-PR's largest buffer as TSB-AD's benchmarks choose it: the ACF period of channel one
    metrics = timeseries_metrics(y_eval, score, flag, sliding_window=tsb_sliding_window(grid[0]))
    if arrays is not None:
        arrays.update(y=y_eval, score=score, flag=flag, y_left_out=np.asarray(y)[:skip])
    report = {**metrics, "threshold": pipe.threshold_.describe(),
              "threshold_value": pipe.threshold_.value_, "score_seconds": seconds,
              "threshold_fit": pipe.shown_threshold_fit(),  # as a table model's --json
              # the flagged steps the metrics count (tp + fp), not the copies left out
              "severity_counts": severity_counts(result["severity"].to_numpy()[skip:], flag),
              "n_steps": len(result), "unpredicted_steps_left_out": skip,
              "evaluated_rows": "the protocol's test part" if ds is not None else "the whole file"}
    t = Table(title=f"{shown_name(data)}: threshold {pipe.threshold_.describe()}", header_style="bold")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for key, text in (("f1", "point F1"), ("precision", "point precision"),
                      ("recall", "point recall"), ("fpr", "point FPR"), ("pr_auc", "PR-AUC"),
                      ("roc_auc", "ROC-AUC"),
                      ("vus_pr", f"VUS-PR (buffer 0-{metrics['vus_sliding_window']})"),
                      ("vus_roc", f"VUS-ROC (buffer 0-{metrics['vus_sliding_window']})"),
                      ("event_recall", "event recall"), ("event_precision", "event precision"),
                      ("mean_time_to_detect", "mean time to detect (steps)"),
                      ("pa_f1", "F1 point-adjusted (flattering)")):
        v = metrics.get(key)
        t.add_row(text, "n/a" if v is None else f"{v:.4f}")
    t.add_row("tp / fp / tn / fn", " / ".join(f"{metrics[k]:,}" for k in ("tp", "fp", "tn", "fn")))
    t.add_row("steps (anomalous) / events", f"{metrics['n']:,} ({metrics['n_anomalies']:,}) / "
                                           f"{metrics['n_events']:,}")
    if skip:
        t.add_row("first steps left out (no forecast)", f"{skip:,}")
    return report, t


def _steps_per_day(freq: str | None, threshold: str) -> float:
    """Time steps per day of the ``--freq`` grid, for a per-day alert budget.

    Examples
    --------
    >>> _steps_per_day("30min", "budget:5/day")
    48.0
    """
    from hourglass._times import steps_per_day

    steps = steps_per_day(freq)
    if steps is None:
        raise HourglassError(f"--threshold {threshold}: a per-day budget on a time series needs "
                             "a fixed --freq grid (e.g. --freq 1min); or use budget:N/10k")
    return steps


def train_command(
    data: Path, output: Path, *, dataset: str | None, model: str, epochs: int | None,
    batch_size: int | None, lr: float | None, window: float | None, threshold: str | None,
    seed: int, device: str, params: list[str], timestamp_col: str | None, freq: str | None,
    fill: str | None, fill_limit: int | None, label_col: str | None, drop: list[str],
    quiet: bool, extra_normal: list[Path] | None = None, hidden: str | None = None,
    agg: str | None = None,
) -> Pipeline:
    """``hourglass train`` for a time-series model: check everything, train, save."""
    cls = registry.get(model)
    if window is not None and (not np.isfinite(window) or window != int(window)):
        # (int() of inf raised OverflowError, a traceback; of nan a line naming no option);
        # a whole number too small is the model's to refuse: it names its own minimum (2 steps,
        # ganomaly-1d's convolutions 7 and more)
        raise HourglassError(f"--window: a time-series window is a whole number of steps, "
                             f"got {window:g}")
    if window is not None and window > WHOLE_TOP:  # (said as typed: 1e+30, not the float's digits)
        raise HourglassError(f"--window: {window:g} steps is above 2**63-1 ({WHOLE_TOP}), the largest "
                             "whole number an option takes")
    kwargs = model_params(cls, model, seed=seed, device=device, quiet=quiet, epochs=epochs,
                          batch_size=batch_size, lr=lr, hidden=hidden, extra=params,
                          **({} if window is None else {"window": int(window)}))
    if fill_limit is not None and fill in (None, "none"):  # would be silently ignored
        raise HourglassError("--fill-limit: bounds the gaps --fill bridges; give --fill ffill, "
                             "interpolate or zero too")
    per_day = None
    if threshold:
        rule = threshold_from_spec(threshold, name="--threshold")
        if rule.requires_labels:
            raise HourglassError(f"--threshold {threshold}: needs labelled validation rows, and a "
                                 "time series trains on normal steps only; use percentile, fpr, pot, "
                                 "spot, dspot, budget, contamination or fixed")
        if getattr(rule, "per", None) == "day":
            per_day = _steps_per_day(freq or getattr(_dataset(dataset), "freq", None), threshold)
    check_model_dir(output, data)
    pipe = train_timeseries(data, dataset=dataset, model=model, params=kwargs,
                            threshold=threshold, timestamp_col=timestamp_col, freq=freq,
                            fill=fill, fill_limit=fill_limit, label_col=label_col, drop=drop,
                            extra_normal=extra_normal, events_per_day=per_day, agg=agg)
    pipe.save(output)
    return pipe


def report_train(pipe: Pipeline, output: Path, err: Console, out: Console) -> None:
    """The lines ``hourglass train`` prints for a time-series model."""
    info = pipe.info
    # steps, as the total is counted (a model saved before they were kept: its rows)
    extra = sum(e.get("steps", e["rows"]) for e in info.get("extra_normal", []))
    err.print(f"trained {info['model']} on "
              f"{fitted_text(info['n_train_rows'], len(pipe.detector_.val_index_), 'steps')} "
              f"{f'(incl. {extra} extra normal) ' if extra else ''}"
              f"({counted(len(pipe.features_.feature_names_), 'channel')}) in {info['fit_seconds']:.1f}s; "
              f"threshold {threshold_text(info)}", highlight=False)
    print_stream_threshold(info)
    det = pipe.detector_
    scores = getattr(det, "linear_path_scores_", None)
    if scores:
        err.print(f"linear_path auto -> {det.linear_path_} (synthetic-anomaly ROC-AUC on the "
                  f"held-out tail: none {scores['none']:.4f}, pca {scores['pca']:.4f})",
                  highlight=False)
    out.print(f"model saved to {output}", highlight=False)


def score_command(pipe: Pipeline, data: Path, output: Path, *, dataset: str | None,
                  keep: list[str] | None, anomalies_only: bool, ecs_rule: Any = None,
                  drift: Any = None, table: str = "alerts") -> str:
    """``hourglass score`` for a time-series model; returns the summary line. With ``ecs_rule``
    (an :class:`~hourglass.serve.ecs.AlertRule`), one ECS document per flagged step (JSONL);
    ``drift`` (a :class:`~hourglass.cli._drift.DriftCheck`) gets the steps' flags."""
    if keep:
        raise HourglassError("--keep: not available for time-series models (the output has one "
                             "row per time step, with its timestamp)")
    refuse_joined_files(data, pipe.features_.timestamp_col, UNTIMED_MODEL_HINT)
    stats = ReadStats()
    df = read_series(data, dataset or pipe.info.get("dataset"), need_labels=False, scoring=True, stats=stats)
    with rows_by_line(data, stats, named=True):
        result = score_timeseries(pipe, df)
    line = scored_steps_text(len(result), len(df), pipe.features_.freq, int(result["flag"].sum()))
    if drift is not None:  # (a forecaster's first steps, copies of its first forecast: not counted)
        from hourglass.serve.drift import drift_flags

        drift.update(drift_flags(pipe, result["flag"].to_numpy()))
    if ecs_rule is not None:
        from hourglass.serve.ecs import frame_alerts
        from hourglass.serve.sinks import alert_columns, alert_file

        time_col = str(result.columns[0])
        steps = result.rename(columns={time_col: "timestamp" if pipe.features_.timestamp_col
                                       else "step"})
        times = list(result[time_col]) if pipe.features_.timestamp_col else None
        with alert_file(output, alert_columns("time-series", ecs=True), table=table) as sink:
            sink.write(frame_alerts(steps, ecs_rule, times=times))
        return line
    if anomalies_only:
        result = result[result["flag"] == 1]
    write_table(result, output, table=table)
    return line


def scored_steps_text(steps: int, rows: int, freq: str | None, flagged: int) -> str:
    """The summary of ``score`` on a series: the steps scored and flagged, and the input rows
    they came from where those are another number (resampled to ``freq``, or duplicate times
    merged).

    Examples
    --------
    >>> scored_steps_text(480, 1440, "5min", 3)
    'scored 480 time steps (resampled from 1,440 rows to 5min), 3 flagged'
    >>> scored_steps_text(98, 100, None, 0)
    'scored 98 time steps (from 100 rows: rows at one time merged), 0 flagged'
    >>> scored_steps_text(100, 100, "1min", 1)
    'scored 100 time steps, 1 flagged'
    >>> scored_steps_text(1147, 1147, "rows", 1132)
    'scored 1,147 time steps, 1,132 flagged'
    """
    if steps == rows:
        how = ""
    elif freq and freq != "rows":
        how = f" (resampled from {rows:,} rows to {freq})"
    else:
        how = f" (from {rows:,} rows: rows at one time merged)"
    return f"scored {steps:,} time steps{how}, {flagged:,} flagged"
