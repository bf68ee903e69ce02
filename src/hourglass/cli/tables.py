"""The table side of ``hourglass train`` / ``score`` / ``evaluate`` / ``demo``: read a table (or a
named format), split off its labels, train a pipeline on its normal rows, score it in chunks."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from hourglass._columns import QUOTED_TEXT, counted, listed_columns, near_names, one_name_each
from hourglass._params import share_count
from hourglass.cli._output import err
from hourglass.cli._schema import (
    in_one_form,
    preprocessor_for,
    resolve_spec,
    text_as_trained,
    warn_label_as_feature,
    warn_label_split,
)
from hourglass.cli._skip import SKIP_ADVICE, nested_rows, skip_unreadable_rows, skip_unreadable_times
from hourglass.cli._spool import shown
from hourglass.detectors import registry
from hourglass.errors import HourglassError, InputError
from hourglass.features.roles import SEPARATED_NUMBERS
from hourglass.ingest import (
    DatasetSpec,
    ReadStats,
    column_normal,
    label_strings,
    labels_seen,
    read_table,
    reservoir_sample,
)
from hourglass.ingest.evtx import WINDOWS_FORMS
from hourglass.ingest.readers import check_path
from hourglass.ingest.tables import CHUNK_BYTES, UNKNOWN_ROW, nested_note, prefetch
from hourglass.pipeline import Pipeline
from hourglass.thresholds import events_per_day as events_per_day_from
from hourglass.thresholds import threshold_from_spec

_T = TypeVar("_T")

__all__ = ["UNKNOWN_ROW", "about_file", "at_file_rows", "at_kept_rows", "attack_capture", "label_counts",
           "no_rows_error", "preprocessor_for", "read_data", "read_for_training", "refused_rows",
           "resolve_spec", "score_chunks", "scores_frame", "skip_bad_values", "skip_unreadable_rows",
           "skip_unreadable_times", "split_labels", "train_pipeline", "unlabelled_rows",
           "warn_other_spellings"]


#: ``row N``, ``data row N``, or a quoted value (the user's text: ``found 'row 3'``), kept as it
#: is; a quote opens one after no letter or digit (not the apostrophe of "the model's")
_ROW_REF = re.compile(f"({QUOTED_TEXT})" + r"|\b(data )?row (\d+)\b")


def at_file_rows(exc: InputError, rows: int | np.ndarray, stats: ReadStats | None = None) -> InputError:
    """``exc`` with each ``row N`` or ``data row N`` (the N-th row of the frame that was read,
    scored or trained on) told as the file's data row: ``rows`` is the file position (from 0) of
    the frame's first row (a chunk), or of each of its rows (the normal rows a model trains on;
    ``-1``: not known, a skipped row may come before it, told as :data:`UNKNOWN_ROW`).
    With ``stats``, the read's counts, a row whose line the reader tells (a CSV's, JSON lines':
    :meth:`ReadStats.row_line`) is told as ``line L``, the line a text editor shows and
    ``stream`` names (a record's first line; the header, blank and comment lines counted); a
    Parquet row, and one whose line is not told, as ``row N``, its data row (from 1), whether
    the message said ``row N`` or ``data row N`` (an error and a warning name it alike).

    Examples
    --------
    >>> str(at_file_rows(InputError("column 'b': expected numbers, found 'x' (row 2)"), 100))
    "column 'b': expected numbers, found 'x' (row 102)"
    >>> str(at_file_rows(InputError("column 'b': 1 missing value(s), first at row 1"), np.array([4, 9])))
    "column 'b': 1 missing value(s), first at row 5"
    >>> str(at_file_rows(InputError("column 'b': found 'x' (row 2)"), np.array([0, -1])))
    "column 'b': found 'x' (a row whose data row is not known)"
    >>> str(at_file_rows(InputError("data row 2: a value"), np.array([0, -1])))
    'a row whose data row is not known: a value'
    >>> str(at_file_rows(InputError("data row 2: a value"), 10))
    'row 12: a value'
    >>> stats = ReadStats()
    >>> stats.lines_of = lambda at: at + 2  # (a header line)
    >>> str(at_file_rows(InputError("column 'b': expected numbers, found 'x' (row 2)"), 100, stats))
    "column 'b': expected numbers, found 'x' (line 103)"
    >>> str(at_file_rows(InputError("column 'b': expected numbers, found 'row 1' (row 2)"), 0, stats))
    "column 'b': expected numbers, found 'row 1' (line 3)"
    """
    def file_row(m: re.Match[str]) -> str:
        if m.group(1):  # a quoted value, the user's text: kept
            return m.group(1)
        i = int(m.group(3)) - 1
        if isinstance(rows, int):
            row = rows + i
        elif not 0 <= i < len(rows):
            return m.group(0)
        elif rows[i] < 0:  # (a row of a sample, or past a skipped row not placed: no line either)
            return UNKNOWN_ROW
        else:
            row = int(rows[i])
        line = stats.row_line(row) if stats is not None else None
        return f"line {line}" if line is not None else f"row {row + 1}"

    return InputError(_ROW_REF.sub(file_row, str(exc)), param=exc.param)


def at_kept_rows(exc: InputError, stats: ReadStats | None, kept: np.ndarray) -> InputError:
    """:func:`at_file_rows` of a frame whose rows are at the positions ``kept`` (from 0) among
    the rows a read kept (``stats``, its counts): each row told by its line where the reader
    tells it, else by its data row (``stats`` ``None``: the positions are the rows')."""
    return at_file_rows(exc, kept) if stats is None else at_file_rows(exc, stats.known(kept), stats)


def about_file(exc: InputError, name: object) -> InputError:
    """``exc`` with the file it is about in front (``NAME: message``), unless it names it there
    already: a missing column or a bad value is then told of the right file when a command reads
    two (warm start's NEW and ``--replay-data``, ``export --check-data``).

    Examples
    --------
    >>> str(about_file(InputError("column(s) the model needs are missing: b"), "new.csv"))
    'new.csv: column(s) the model needs are missing: b'
    >>> str(about_file(InputError("new.csv: line 3: expected 2 fields"), "new.csv"))
    'new.csv: line 3: expected 2 fields'
    """
    text, name = str(exc), shown(name)
    if text.startswith(f"{name}:") or text.startswith(f"{name} "):
        return exc
    return InputError(f"{name}: {text}", param=exc.param)


def read_data(path: Path, spec: DatasetSpec | None, on_bad_rows: str = "error",
              stats: ReadStats | None = None, label_col: str | None = None) -> pd.DataFrame:
    """The whole table at ``path`` (read as ``spec`` when a format is known). ``label_col``: a
    column read as text from a later value that is no number on (labels ``0``/``1`` with an
    ``attack`` past the first block), as a file whose first block holds it reads it; the others
    are read strictly."""
    loose: dict[str, Any] = {} if label_col is None else {"used": _ReadColumns((), lambda c: c != label_col)}
    if spec is None:
        return read_table(path, on_bad_rows=on_bad_rows, stats=stats, **loose)
    if loose and not _takes_used(spec, "read"):
        loose = {}
    return spec.read(path, on_bad_rows=on_bad_rows, stats=stats, **loose)


def _columns_are(df: pd.DataFrame) -> str:
    """``columns are a, b, ...``, or what a one-column header says about the file's separator.

    Examples
    --------
    >>> _columns_are(pd.DataFrame(columns=["a", "b"]))
    'columns are a, b'
    >>> "the file seems ';'-separated" in _columns_are(pd.DataFrame(columns=["a;b;label"]))
    True
    >>> _columns_are(pd.DataFrame(columns=["Jun 9 06:06:20 host sshd[1]: Accepted"]))[-36:]
    'a header regex, --model deeplog ...)'
    """
    cols = [str(c) for c in df.columns]
    if len(cols) == 1 and len(cols[0].split()) >= 4:  # a header that is a sentence, as score says it
        return (f"the data reads as one text column (first line {cols[0][:80]!r}): a log? a table "
                "model reads table columns; a log needs a log model (train --format hdfs, bgl, "
                "syslog, journald, raw or a header regex, --model deeplog ...)")
    if len(cols) == 1:
        sep = next((s for s in (";", "|") if s in cols[0]), None)
        if sep is not None:
            return (f"one column, {cols[0][:60]!r}: the file seems {sep!r}-separated; give it a "
                    "header line that names its columns with that delimiter")
    return f"columns are {listed_columns(cols[:8])}{' ...' if len(cols) > 8 else ''}"


def _log_lines(s: pd.Series, sample: int = 200) -> bool:
    """Whether column ``s`` holds a log's lines: text whose first ``sample`` present values are,
    at the median, three words or more (``wlan0: STA 3c:52:82:11:22:33 IEEE 802.11:
    authenticated``), not a list of names or numbers (a domain, a user, a reading a value).

    Examples
    --------
    >>> _log_lines(pd.Series(["wlan0: AP-STA-CONNECTED 3c:52:82:11:22:33", "wlan0: STA x WPA: done"]))
    True
    >>> _log_lines(pd.Series(["example.com", "mail.acme.org"])), _log_lines(pd.Series([1.5, 2.0]))
    (False, False)
    """
    if pd.api.types.is_numeric_dtype(s):
        return False
    words = s.dropna().iloc[:sample].astype(str).str.split().str.len()
    return bool(len(words)) and float(words.median()) >= 3


def split_labels(
    df: pd.DataFrame, label_col: str | None, normal: list[str], where: str
) -> tuple[pd.DataFrame, np.ndarray | None, np.ndarray | None]:
    """Drop the label column; return (features, labels as strings, is_anomaly)."""
    if label_col is None:
        return df, None, None
    if label_col not in df.columns:  # --label-col labels, read as labels.verdict ...; LABEL
        near = nested_note([label_col], df.columns) or near_names([label_col], df.columns)
        raise HourglassError(f"{where}: no label column {label_col!r}; {near or _columns_are(df)}")
    if not normal:
        raise HourglassError("--normal: give the label value(s) of normal rows")
    labels = label_strings(df[label_col])
    # --normal false on a column of booleans is its False (any case of a boolean spelling), and
    # --normal 0.0 on a column of numbers its 0 (matched by value)
    match = column_normal(normal, df[label_col])
    # each distinct value once (hashed): which are normal, and how many rows each anomalous one
    # has for the warning below (sorting millions of labels, np.unique, tripled the split's time)
    codes, values = pd.factorize(labels, use_na_sentinel=False)
    normal_value = np.isin(np.asarray(values, dtype=object), match)
    is_normal = normal_value[codes]
    if not is_normal.any():
        seen = sorted(set(labels.tolist()))
        raise HourglassError(f"{where}: no rows with {label_col} in {normal}; {labels_seen(seen, normal)}")
    # a value counted as anomalous that is a normal one spelt otherwise: those rows were left out
    # of training, or counted as attacks, without a word
    n = np.bincount(codes, minlength=len(values))
    warn_other_spellings({str(v): int(n[i]) for i, v in enumerate(values) if not normal_value[i]},
                         normal, label_col, where)
    warn_unmatched_normal(normal, df[label_col], values, label_col, where)
    return df.drop(columns=[label_col]), labels, (~is_normal).astype(np.int8)


def warn_unmatched_normal(normal: list[str], column: pd.Series, values: Any, label_col: str,
                          where: str) -> None:
    """One warning line naming each ``--normal`` value that matched no row (``--normal normal
    --normal typo``: the typo was dropped without a word, where ``--normal typo`` alone is
    refused), with the values the label column ``column`` holds (``values``: its distinct labels,
    as :func:`label_strings` spells them). A value the column has in another spelling is left
    to :func:`warn_other_spellings`, which names it.

    Examples
    --------
    >>> import io
    >>> h = logging.StreamHandler(buf := io.StringIO()); logging.getLogger("hourglass").addHandler(h)
    >>> warn_unmatched_normal(["normal", "typo"], pd.Series(["normal", "attack"]),
    ...                       ["normal", "attack"], "y", "f.csv")
    >>> logging.getLogger("hourglass").removeHandler(h); buf.getvalue().strip()
    "f.csv: --normal 'typo' matched no row of label column 'y' (values seen: attack, normal)"
    """
    from hourglass.ingest.formats import boolean_labels, normal_labels, numeric_labels, other_spellings

    if len(normal) < 2:   # one value alone that matches no row is refused (split_labels)
        return
    seen = sorted({str(v) for v in values})
    kinds = boolean_labels(column), numeric_labels(column)
    unmatched = [v for v in normal if not set(normal_labels([v], *kinds)) & set(seen)
                 and not other_spellings(seen, [v])]
    if unmatched:
        logging.getLogger("hourglass").warning(
            "%s: --normal %s matched no row of label column %r (%s)", where,
            ", ".join(map(repr, unmatched)), label_col, labels_seen(seen, unmatched))


def label_counts(labels: np.ndarray) -> dict[str, int]:
    """How many of ``labels`` hold each value (as a string), counted by hashing: sorting the
    labels of millions of rows (``np.unique``) tripled the time of a labelled read's split."""
    out: dict[str, int] = {}
    for value, count in pd.Series(labels, dtype=object).value_counts(sort=False, dropna=False).items():
        out[str(value)] = out.get(str(value), 0) + int(count)
    return out


def warn_other_spellings(counts: dict[str, int], normal: list[str], label_col: str, where: str,
                         unit: str = "rows") -> None:
    """:func:`split_labels`' warning from the count of ``unit`` (rows; a log's sessions) of each
    label value counted as an anomaly (a read in chunks adds them up): one line naming each value
    that is a ``normal`` value in another case or number spelling."""
    from hourglass._columns import shown_apart
    from hourglass.ingest.formats import other_spellings

    spelt = other_spellings(list(counts), normal)
    if spelt:
        said = ", ".join(f"{shown_apart(v, normal)} ({counts[v]:,} {unit})" for v in spelt)
        logging.getLogger("hourglass").warning(
            "%s: %s %s: %s, a normal value (%s) spelt otherwise, and counted as anomalous; give it "
            "to --normal too if those %s are normal", where, label_col,
            "values" if len(spelt) > 1 else "value", said, ", ".join(map(repr, normal)), unit)


def attack_capture(labels: np.ndarray, normal: list[str], label_col: str, where: str) -> str | None:
    """``None`` when some row of ``labels`` is normal (or no ``normal`` is given); else the words
    saying no row is, for ``evaluate``'s warning that every row counts as an anomaly (an attack
    capture alone is worth evaluating: the detection rate per class). A normal value spelt
    otherwise ('Benign' for benign) is a ``--normal`` slip, refused rather than hidden."""
    from hourglass.ingest.formats import other_spellings

    if not normal or np.isin(labels, normal).any():
        return None
    seen = sorted(set(labels.tolist()))
    what = f"{where}: no row has {label_col} in {normal} ({labels_seen(seen, normal)})"
    spelt = other_spellings(seen, normal)
    if spelt:
        raise HourglassError(f"{what}; give --normal {spelt[0]} (counting every row as an "
                             "anomaly would hide it)")
    return what


def unlabelled_rows(labels: np.ndarray, normal: list[str], label_col: str, where: str,
                    fate: str, *, stats: ReadStats | None = None) -> np.ndarray:
    """Mask of the rows that have a label. A row with an empty label is neither normal nor an
    attack: counting it as an attack (it is not a normal value) would skew training or the
    metrics, so it is left out, with one warning line that says how many and where: the first
    one's data row, as ``stats`` (the read's counts, the rows it skipped) tells it
    (:meth:`~hourglass.ingest.ReadStats.data_row`; how many only where a skipped row may come
    before it, its position among ``labels`` then not being the file's row).

    Examples
    --------
    >>> unlabelled_rows(np.array(["a", "", "b"], dtype=object), ["a"], "y", "f.csv", "left out").tolist()
    [True, False, True]
    """
    labelled = labels != ""
    if "" in normal or labelled.all():
        return np.ones(len(labels), dtype=bool) if "" in normal else labelled
    if not labelled.any():
        raise HourglassError(f"{where}: label column {label_col!r} is empty in every row "
                             f"({counted(len(labels), 'row')})")
    at = int(np.flatnonzero(~labelled)[0])
    row = ReadStats.place_in(stats, at)
    first = f" (first: {row})" if row is not None else ""
    logging.getLogger("hourglass").warning(
        "%s: %d row(s) have no value in label column %r%s; %s",
        where, int((~labelled).sum()), label_col, first, fate)
    return labelled


def train_pipeline(
    df: pd.DataFrame, *, spec: DatasetSpec | None, label_col: str | None, normal: list[str],
    model: str, params: dict[str, Any], threshold: str | None, categorical: list[str],
    drop: list[str], source: str, roles: dict[str, str] | None = None, scaler: str = "minmax",
    time_col: str | None = None, events_per_day: float | None = None, val_fraction: float = 0.2,
    sampled: dict[str, Any] | None = None, stats: ReadStats | None = None,
) -> Pipeline:
    """Train a pipeline on the normal rows of ``df`` (the shared core of train and demo).

    With a labelled threshold rule (best-f1), a seeded share ``val_fraction`` of *all* rows of
    ``df`` (attacks included) is carved out first: the model never trains on it and the
    threshold is fitted on its scores and labels. ``time_col`` gives the event rate for
    per-day alert budgets and reports; it is never a feature. ``sampled`` (``rows`` of ``of``):
    ``df`` is a uniform sample of the file, whose event rate is the file's. ``stats``: the read's
    counts, to number the first unlabelled row as the file's (see :func:`unlabelled_rows`).
    """
    log = logging.getLogger("hourglass")
    cols = _columns_are(df)
    if "seems" in cols or ("reads as one text column" in cols and _log_lines(df.iloc[:, 0])):
        # one text column would train a model of nothing: a table of another separator, or a log
        # of no known header (hostapd's, wpa_supplicant's lines) whose first line named it (a
        # list of names under a header of words, 'Fully Qualified Domain Name', is a table)
        raise HourglassError(f"{source}: {cols}")
    windows = spec is not None and spec.name in WINDOWS_FORMS
    df = in_one_form(df, source, roles, spec)  # one category per value, however exports wrote it
    features = preprocessor_for(df, source, spec=spec, categorical=categorical, drop=drop,
                                roles=roles, scaler=scaler, time_col=time_col)  # before any work
    dayfirst = None
    rows = np.arange(len(df))  # each row's position in the file, for row numbers in errors (-1:
    rows = rows if stats is None else stats.known(rows)  # not known, a skipped row before it)
    if time_col is not None:
        from hourglass._times import read_timestamps

        try:  # the order kept: later files alike
            times, dayfirst = read_timestamps(df[time_col], time_col)
        except InputError as exc:  # its rows: positions among the rows read, told as the file's
            raise about_file(at_file_rows(exc, rows, stats), source) from None  # (as score names it)
        # a uniform sample spans about the file's time but holds a share of its rows
        share = sampled["of"] / max(sampled["rows"], 1) if sampled else 1.0
        rate = events_per_day_from(times, column=time_col) * share
        events_per_day = events_per_day if events_per_day is not None else rate
        df = df.drop(columns=[time_col])
    thr = (threshold_from_spec(threshold, events_per_day=events_per_day, name="--threshold")
           if threshold else None)
    if label_col is not None and label_col in df.columns:
        labelled = unlabelled_rows(label_strings(df[label_col]), normal, label_col, source,
                                   "not trained on", stats=stats)
        df = df if labelled.all() else df.loc[labelled].reset_index(drop=True)
        rows = rows[labelled]
    feats, _, is_anom = split_labels(df, label_col, normal, source)
    labelled_feats, labelled_anom = feats, is_anom  # (for the warning of a column telling labels)
    X_val = y_val = None
    val_rows = rows[:0]
    carve: dict[str, Any] = {}
    if thr is not None and thr.requires_labels:
        if is_anom is None:
            raise HourglassError(f"--threshold {threshold}: needs a labelled training file "
                                 "(--label-col and --normal, or --dataset) to carve a validation "
                                 "slice with attack rows from")
        if not 0 < val_fraction < 1:
            raise HourglassError(f"--val-fraction: must be in (0, 1), got {val_fraction}")
        rng = np.random.default_rng(int(params.get("random_state", 0)))
        in_val = np.zeros(len(feats), dtype=bool)
        in_val[rng.permutation(len(feats))[: share_count(val_fraction, len(feats))]] = True
        y_val = is_anom[in_val]
        if not (y_val == 1).any() or not (y_val == 0).any():
            raise HourglassError(f"--threshold {threshold}: the validation slice "
                                 f"({int(in_val.sum())} rows) needs both normal and attack rows; "
                                 "raise --val-fraction or use a file with attacks")
        X_val = feats.loc[in_val]
        feats, is_anom, rows, val_rows = feats.loc[~in_val], is_anom[~in_val], rows[~in_val], rows[in_val]
        carve = {"on": "labelled validation rows carved from the training data",
                 "source": source, "fraction": val_fraction, "seed": params.get("random_state", 0),
                 "note": "carved from the training file before training; never trained on"}
    if is_anom is not None:
        n_all = len(feats)
        feats, rows = feats.loc[is_anom == 0], rows[is_anom == 0]
        log.info("training on %d normal rows of %d (label column %r)", len(feats), n_all, label_col)
    cls = registry.get(model)
    detector = cls(**params)
    pipe = Pipeline(detector=detector, features=features, threshold=thr)
    start = time.perf_counter()
    try:
        pipe.fit(feats, X_val=X_val, y_val=y_val)
    except InputError as exc:  # a row number counts the rows trained on: tell the file's row
        from_val = X_val is not None and getattr(exc, "fit_stage", None) == "detector"  # carved rows
        # the carved rows are the file's: said as the file's, not as the API's X_val
        cause = exc.__cause__
        said = (cause if from_val and isinstance(cause, InputError) and str(exc) == f"X_val: {cause}"
                else exc)
        told = at_file_rows(said, val_rows if from_val else rows, stats)
        if getattr(exc, "fit_stage", None) == "features" and exc.param is None:  # about the data:
            told = about_file(told, source)  # named as score names it (not an option's error)
        raise told from None
    used = list(getattr(pipe.features_, "roles_", {}))
    if label_col is not None and hasattr(pipe.features_, "feature_columns"):  # beside a label: only
        made = set(pipe.features_.feature_columns())  # what makes features (attack_cat is constant,
        used = [c for c in used if c in made]  # so dropped, on normal rows)
    warn_label_as_feature(used, label_col, source)
    if label_col is not None and labelled_anom is not None:
        warn_label_split(labelled_feats, labelled_anom, used, label_col, source)
    held = float(getattr(detector, "validation_fraction", 0.0))
    pipe.info["threshold_fit"].update(carve)
    pipe.info.update({
        "source": source, "dataset": spec.name if spec else None, "label_col": label_col,
        "normal": normal, "model": registry.name_of(cls),
        "fit_seconds": time.perf_counter() - start, "n_train_rows": len(feats),
        "held_out": {"fraction": held, "rows": len(pipe.detector_.val_index_),
                     "seed": params.get("random_state", 0),
                     "used_for": ("early stopping, calibration and the threshold (unless a "
                                  "labelled validation slice is used); never trained on"
                                  if len(pipe.detector_.val_index_) else
                                  "none held out: calibration and the threshold use training scores"),
                     "which": "positions among the normal training rows, in weights.safetensors "
                              "as detector.val_index"},
        "threshold": pipe.threshold_.describe(), "threshold_value": pipe.threshold_.value_,
        "time_col": time_col, "events_per_day": events_per_day,
        **({} if dayfirst is None else {"time_dayfirst": dayfirst}),
        **({"windows_forms": "one"} if windows else {}),  # scoring reads values so spelt
    })
    return pipe


def read_for_training(path: Path, spec: DatasetSpec | None, on_bad_rows: str, stats: ReadStats,
                      budget_mb: float, sample_rows: int, seed: int, label_col: str | None = None,
                      asked: bool = False) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """The whole file, or a uniform reservoir sample when it is larger than the memory budget
    (``label_col``: see :func:`read_data`). ``asked``: whether ``--sample-rows`` was typed; a
    file read whole although it holds more rows is then said (the sample was not taken)."""
    size = check_path(path).stat().st_size * (5 if path.name.lower().endswith(".gz") else 1)
    if spec is None or size <= budget_mb * 2**20 or not hasattr(spec, "iter_chunks"):
        df = read_data(path, spec, on_bad_rows, stats, label_col)
        if asked and len(df) > sample_rows:
            logging.getLogger("hourglass.cli").warning(
                "--sample-rows %s: not used: %s is within --memory-budget (%s MB), so every one of "
                "its %s rows is read; give a lower --memory-budget to train on a sample",
                f"{sample_rows:,}", path, f"{budget_mb:g}", f"{len(df):,}")
        return df, None
    loose: dict[str, Any] = ({"used": _ReadColumns((), lambda c: c != label_col)}
                             if label_col is not None and _takes_used(spec) else {})
    sample, seen = reservoir_sample(spec.iter_chunks(path, on_bad_rows=on_bad_rows, stats=stats, **loose),
                                    sample_rows, seed=seed, source=path)
    stats.note_skip(0)  # rows left out of the sample: a position in it is no data row of the file
    # the budget as given (0.05, not a rounded 0) and a size below 1 MB in bytes, not '~0 MB'
    budget = float(budget_mb)
    given = f"{int(budget):,}" if budget.is_integer() else f"{budget:,}"
    shown = f"~{size / 2**20:,.0f} MB" if size >= 2**20 else f"~{size:,} bytes"
    err.print(f"{path} is {shown} (> --memory-budget {given} MB): "
              f"training on a uniform sample of {len(sample):,} of {seen:,} rows", highlight=False)
    return sample, {"rows": len(sample), "of": seen, "seed": seed}


def scores_frame(pipe: Pipeline, df: pd.DataFrame) -> pd.DataFrame:
    """Raw score, 0/1 flag, calibrated anomaly probability and severity per row."""
    scores = pipe.score(df)
    det = pipe.detector_
    return pd.DataFrame({"score": scores, "flag": det.threshold_predict(scores),
                         "calibrated": det.calibrate(scores), "severity": det.severity(scores)})


def score_chunks(pipe: Pipeline, data: Path, spec: DatasetSpec | None, on_bad_rows: str,
                 stats: ReadStats, label_col: str | None = None, normal: list[str] | None = None,
                 chunk_bytes: int = CHUNK_BYTES, extra_drop: tuple[str, ...] = (),
                 reads: Collection[str] | None = (),
                 reads_also: Callable[[str], bool] | None = None,
                 look: Callable[[pd.DataFrame], None] | None = None,
                 ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """(input chunk, score/flag frame) pairs, streamed with bounded memory for tabular models.

    Non-tabular models (sequences, windows) need the whole input at once and get it in one piece.
    ``reads``: the columns the caller reads from the chunks besides the model's and time
    columns (``--keep``, group keys, suppression rules' columns); ``None``: any column (every
    column read strictly); ``reads_also``: whether the caller reads a column of some other name
    too (the columns an ECS alert takes, by their names); ``look``: called on each chunk as read,
    before it is scored (:meth:`KeptColumns.look`: a ``--keep`` error before any warning of the
    scoring). Another column whose values turn from
    numbers to text in a later chunk is text from there on instead of stopping the run: the
    model does not read it. So is the label column (read as text, :func:`label_strings`): labels
    ``0``/``1`` with an ``attack`` past the first block are read as a file whose first block
    holds it reads them.
    """
    check_label = label_col is not None
    label_col = label_col or pipe.info.get("label_col")
    spec = text_as_trained(spec, pipe.features_)  # a text category read as written, as trained
    tabular = getattr(pipe.features_, "output", "tabular") == "tabular"
    streaming = tabular and spec is not None and hasattr(spec, "iter_chunks")
    used: Collection[str] | None = None if reads is None else {
        *map(str, getattr(pipe.features_, "columns_", ())), *reads,
        *(str(c) for c in (pipe.info.get("time_col"), *extra_drop) if c)}
    if used is not None and reads_also is not None:
        used = _ReadColumns(used, reads_also)
    if used is not None and streaming and not _takes_used(spec):
        used = None  # a format of register_format's protocol without the keyword: read strictly
    loose = {} if used is None else {"used": used}
    chunks = (prefetch(spec.iter_chunks(data, on_bad_rows=on_bad_rows,
                                        stats=stats, chunk_bytes=chunk_bytes, **loose)) if streaming
              else iter([read_data(data, spec, on_bad_rows, stats)]))
    # a chunk of JSON lines can lack a field that rows further on have: missing in its rows;
    # only a model column no row of the file has is the usual error, once the file is read, but
    # for one with missing values in training (optional_fields), which stream and the service
    # take left out of every row: missing there too
    vary = streaming and rows_vary_in_columns(pipe, spec, data) and not pipe.sparse_fields
    optional = set(pipe.optional_fields)
    needed: list[str] = [c for c in getattr(pipe.features_, "columns_", []) if c not in optional] \
        if vary else []
    # a model of sparse fields reads a column no row has as missing values; one that every
    # training row had (Hostname, SourceName) and no row of the file has is data of another
    # export (an .evtx file for a windows-json model), each row scored as missing it: said (for
    # a model that recorded which columns some training rows lacked: one saved before that, or
    # whose rows were not scored one by one, does not say which columns every training row had)
    always = [c for c in map(str, getattr(pipe.features_, "columns_", [])) if c not in optional] \
        if tabular and pipe.sparse_fields and pipe.info.get("optional_fields") is not None else []
    had_always: set[str] = set()
    seen: set[str] = set()
    present: dict[str, None] = {}  # every column of the file, in order, for the error below
    # a model column a JSON line sends as an object (read as its fields): refused, or skipped
    # and counted, as stream and the service refuse it (else scored as a missing value)
    objects = list(map(str, getattr(pipe.features_, "columns_", ()))) if tabular else []
    had: set[str] = set()  # the model columns some chunk so far had
    offset = 0
    # the columns the model ignores are told of once the file is read, not before its error
    with pipe.held_extra_warning() if vary else contextlib.nullcontext():
        for df in chunks:
            if look is not None:
                look(df)
            n_chunk = len(df)
            pos = np.arange(n_chunk)  # the rows kept, as positions in the chunk as read
            # (a column no row so far had: the missing column's error, which names the object)
            had.update(c for c in objects if c in df.columns)
            check = objects if pipe.sparse_fields else [c for c in objects if c in had]
            sent = nested_rows(df, check, on_bad_rows, stats, data, offset)
            if sent.any():
                df, pos = df.loc[~sent].reset_index(drop=True), pos[~sent]
                if not len(df):
                    offset += n_chunk
                    continue
            if check_label and label_col not in df.columns:
                split_labels(df, label_col, normal or [], str(data))  # raises the clear error
            meta = [str(c) for c in (label_col, pipe.info.get("time_col"), *extra_drop) if c in df.columns]
            if always:
                had_always.update(c for c in always if c in df.columns)
            if vary:
                columns = {c for c in df.columns if c not in meta}
                seen.update(c for c in needed if c in columns)
                present.update(dict.fromkeys(str(c) for c in df.columns if c not in meta))
            features = functools.partial(_features, pipe=pipe, meta=meta, absent=vary)
            feats = features(df)
            try:
                result: pd.DataFrame | None = scores_frame(pipe, feats)
            except InputError as exc:  # its row numbers count from this chunk's first row
                skip = on_bad_rows == "skip" and tabular
                if not skip or _BAD_VALUE.search(str(exc)) is None:
                    raise refused_rows(exc, stats.read_known(offset + pos), stats, data,
                                       tabular=tabular) from None
                scored = functools.partial(_scored, pipe, features)
                df, result = skip_bad_values(pipe, df, scored, exc, stats, offset, data, pos=pos)
            offset += n_chunk
            if result is None:  # every row of the chunk skipped
                continue
            yield df, result
        unread = [c for c in always if c not in had_always] if offset else []
        if unread:
            logging.getLogger("hourglass").warning(
                "column(s) %s: in every training row, in no row of %s: read as missing values, "
                "which raises every score (data of another export than the model's %s?)",
                listed_columns(unread[:5]) + (f" (and {len(unread) - 5} more)" if len(unread) > 5 else ""),
                shown(data), pipe.info.get("dataset"))
        never = [c for c in needed if c not in seen] if present else []  # no rows: the caller says so
        if never:
            more = f" (and {len(never) - 3} more)" if len(never) > 3 else ""
            # the words a CSV file's missing column gets (features.tabular): the columns it has
            have = listed_columns(list(present)[:4])[:80] + (" ..." if len(present) > 4 else "")
            nested = nested_note(never, present) or near_names(never, present) or f"the data has {have}"
            raise HourglassError(f"{shown(data)}: column(s) the model needs are missing: "
                                 f"{listed_columns(never[:3])}{more}; {nested}")


def refused_rows(exc: InputError, at: np.ndarray, stats: ReadStats, data: object, *,
                 tabular: bool) -> InputError:
    """A scorer's refusal ``exc`` of the rows at the data rows ``at`` (from 0, as
    :meth:`ReadStats.read_known` gives them) told as the file's (:func:`at_file_rows`: ``line
    L`` where the reader tells it) and of ``data`` (:func:`about_file`); for a table model
    (``tabular``) refusing one row's value (text in a numeric column, an inf where nothing is
    imputed) with the advice to skip such rows, which ``--on-bad-rows skip`` does. ``score``,
    ``evaluate`` and ``export --check-data`` word the same refusal alike through it.

    Examples
    --------
    >>> stats = ReadStats()
    >>> stats.lines_of = lambda at: at + 2  # (a header line)
    >>> exc = InputError("column 'b': expected numbers, found 'x' (row 2)")
    >>> print(refused_rows(exc, np.arange(5), stats, "x.csv", tabular=True))
    x.csv: column 'b': expected numbers, found 'x' (line 3) (use --on-bad-rows skip to skip such rows)
    """
    refused = about_file(at_file_rows(exc, at, stats), data)
    # one row's value: skip helps (not where every number is written with a decimal comma)
    if tabular and _BAD_VALUE.search(str(exc)) is not None and SEPARATED_NUMBERS not in str(exc):
        refused = InputError(f"{refused}{SKIP_ADVICE}", param=refused.param)
    return refused


#: a scorer's refusal of one row's value (text in a numeric column; NaN/inf where the model
#: imputes nothing): what ``--on-bad-rows skip`` leaves out, as a stream does the line
_BAD_VALUE = re.compile(r"expected numbers, found .*\(row (\d+)\)|missing or infinite value\(s\), "
                        r"first at row (\d+)")


def no_rows_error(data: object, stats: ReadStats) -> HourglassError:
    """The error of a scoring command that found no data row to score in ``data``: with the
    rows skipped, and the first value the model refused where that was why.

    Examples
    --------
    >>> stats = ReadStats(bad_rows=2, refused="column 'b': no number (row 1)")
    >>> print(no_rows_error("x.csv", stats))
    x.csv: no data rows (2 malformed row(s) skipped; the first refused value: column 'b': no number (row 1))
    """
    why = f"; the first refused value: {stats.refused}" if stats.refused else ""
    return HourglassError(f"{shown(data)}: no data rows" + (
        f" ({stats.bad_rows} malformed row(s) skipped{why})" if stats.bad_rows else ""))


def _features(df: pd.DataFrame, *, pipe: Pipeline, meta: list[str], absent: bool) -> pd.DataFrame:
    """A chunk's columns the model scores (the label and time columns dropped; with ``absent``
    the fields no row of the chunk has added as missing)."""
    feats = df.drop(columns=meta) if meta else df
    return pipe.with_absent_fields(feats, force=True) if absent else feats


def _scored(pipe: Pipeline, features: Callable[[pd.DataFrame], pd.DataFrame], df: pd.DataFrame
            ) -> pd.DataFrame:
    """The scores of a chunk ``df`` (its ``features`` scored by ``pipe``)."""
    return scores_frame(pipe, features(df))


def skip_bad_values(pipe: Pipeline, df: pd.DataFrame, work: Callable[[pd.DataFrame], _T],
                    exc: InputError, stats: ReadStats, offset: int, data: object,
                    pos: np.ndarray | None = None) -> tuple[pd.DataFrame, _T | None]:
    """A chunk's rows whose values the model refuses (``exc``, which ``work`` of ``df`` raised:
    text in a numeric column, ...) left out and counted as skipped in ``stats``, and ``work``
    of the others (their scores, their feature matrix; ``None`` when none is left). Another
    error stops the run, its row told as the file's (``data``). ``pos``: the positions of
    ``df``'s rows in the chunk as read (rows left out before: a JSON object sent); all of them
    by default."""
    pos = np.arange(len(df)) if pos is None else pos  # the rows kept, as positions in the chunk
    if stats.refused is None:  # said if no row is left to score; its row left out where the
        text = str(at_file_rows(exc, stats.read_known(offset + pos), stats))  # reader skipped rows before it
        stats.refused = text.replace(f" ({UNKNOWN_ROW})", "").replace(f", first at {UNKNOWN_ROW}", "")
    finder = getattr(pipe.features_, "unreadable_rows", None)
    bad = finder(df) if finder is not None else np.zeros(len(df), dtype=bool)
    while True:
        if not bad.any():  # not found by the column check: the row the error names
            m = _BAD_VALUE.search(str(exc))
            i = int((m.group(1) or m.group(2)) if m else 0) - 1
            if not 0 <= i < len(df):
                raise about_file(at_file_rows(exc, stats.read_known(offset + pos), stats), data) from None
            bad = np.zeros(len(df), dtype=bool)
            bad[i] = True
        naming = True  # (ascending rows: once one is past the lines named, the rest are too)
        for at in pos[bad].tolist():  # (the rows before it: the chunk's first are the file's)
            # its line, where the reader tells it (pos: places in the chunk as the reader read it)
            line = stats.line_of(offset + at) if naming else None
            stats.left_out(line, offset + at)
            naming = line is not None and stats.may_name(line + 1)
        df, pos = df[~bad].reset_index(drop=True), pos[~bad]
        if not len(df):
            return df, None
        try:
            return df, work(df)
        except InputError as again:
            if _BAD_VALUE.search(str(again)) is None:
                raise about_file(at_file_rows(again, stats.read_known(offset + pos), stats), data) from None
            exc, bad = again, np.zeros(len(df), dtype=bool)


class _ReadColumns(Collection[str]):
    """The columns a caller reads: the named ones, and any other that ``also`` accepts.

    Examples
    --------
    >>> cols = _ReadColumns({"bytes"}, lambda c: c.endswith("_ip"))
    >>> "bytes" in cols, "src_ip" in cols, "note" in cols, sorted(cols)
    (True, True, False, ['bytes'])
    """

    def __init__(self, named: Collection[str], also: Callable[[str], bool]) -> None:
        self.named, self.also = set(named), also

    def __contains__(self, name: object) -> bool:
        return name in self.named or (isinstance(name, str) and self.also(name))

    def __iter__(self) -> Iterator[str]:
        return iter(self.named)

    def __len__(self) -> int:
        return len(self.named)


def _takes_used(spec: Any, method: str = "iter_chunks") -> bool:
    """Whether the format's ``iter_chunks`` (or ``method``) takes ``used=`` (the protocol's
    optional keyword)."""
    import inspect

    try:
        params = inspect.signature(getattr(spec, method)).parameters
    except (TypeError, ValueError):
        return False
    return "used" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class KeptColumns:
    """The ``--keep`` columns of each scored chunk. A JSON-lines file (or a Windows event log)
    may lack a field in a whole chunk of rows and have it further on: there a field absent from
    a chunk is empty in its rows, and only a field no row of the file has is an error (raised by
    :meth:`check`, inside the output's atomic block, so nothing is written). Other tables have
    the same columns in every chunk: a column a chunk lacks is an error at once.

    Examples
    --------
    >>> kept = KeptColumns(["src_ip"], "flows.jsonl", lenient=True)
    >>> kept.add(pd.DataFrame({"bytes": [1]}))["src_ip"].tolist()
    [None]
    >>> kept.check()
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --keep: no column 'src_ip' in flows.jsonl
    """

    def __init__(self, keep: list[str] | None, data: Any, *, lenient: bool) -> None:
        self.keep, self.data, self.lenient = list(keep or []), data, lenient
        self.seen: set[str] = set()
        self.columns: dict[str, None] = {}  # every column read, in order, for the error's note

    def add(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with every kept column (absent ones empty, where that is allowed)."""
        missing = [c for c in self.keep if c not in df.columns]
        self.seen.update(c for c in self.keep if c in df.columns)
        if missing:
            self.columns.update(dict.fromkeys(map(str, df.columns)))
        if missing and not self.lenient:
            raise self._error(missing[0])
        if not missing:
            return df
        return pd.concat([df, pd.DataFrame({c: np.full(len(df), None, dtype=object) for c in missing},
                                           index=df.index)], axis=1)

    def look(self, df: pd.DataFrame) -> None:
        """Raise, before ``df`` is scored, for a kept column it lacks where :meth:`add` would (a
        column a later chunk may have, for JSON lines, but a list ``a,b`` of its columns where
        one name goes: that is no column of any row).

        Examples
        --------
        >>> KeptColumns(["src_ip,host"], "flows.jsonl", lenient=True).look(  # doctest: +ELLIPSIS
        ...     pd.DataFrame({"src_ip": [1], "host": ["h"]}))
        Traceback (most recent call last):
        ...
        hourglass.errors.HourglassError: --keep: no column 'src_ip,host' in flows.jsonl; give ...
        """
        for c in self.keep:
            if c not in df.columns and (not self.lenient or one_name_each("--keep", c, df.columns)):
                self.columns.update(dict.fromkeys(map(str, df.columns)))
                raise self._error(c)

    def check(self) -> None:
        """Raise if a kept column was in no chunk at all."""
        never = [c for c in self.keep if c not in self.seen]
        if never:
            raise self._error(never[0])

    def _error(self, column: str) -> HourglassError:
        # --keep source, read as source.ip ...; --keep a,b, a list where one name goes
        nested = nested_note([column], self.columns) or one_name_each("--keep", column, self.columns)
        return HourglassError(f"--keep: no column {column!r} in {self.data}"
                              f"{f'; {nested}' if nested else ''}")


def rows_vary_in_columns(pipe: Pipeline, spec: DatasetSpec | None, data: Path) -> bool:
    """Whether the rows of ``data`` may each have their own fields (JSON lines, Windows events),
    so that a chunk of them can lack a field the file has."""
    from hourglass.ingest.readers import detect_format

    fmt = getattr(spec, "fmt", None) or detect_format(data)
    return pipe.sparse_fields or fmt in ("jsonl", "evtx")
