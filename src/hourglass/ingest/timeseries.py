"""Time-series datasets: SKAB, NAB and the ASD/SMD text format, with each one's protocol split.

Every reader returns one DataFrame per series with the channels, a timestamp column where the
data has one, and a 0/1 ``label`` column where labels exist. :class:`TimeSeriesDataset` says
which part of a file is for training and which for testing under the protocol of the
literature (each folder's SOURCE.md):

* ``skab``: ``;``-separated files; ``anomaly`` is the label, ``changepoint`` is metadata; the
  first 400 rows of each file train, the rest test (SKAB's leaderboard). ``anomaly-free.csv``
  has no labels and is all training data. Timestamps order the rows; rows count as steps
  (SKAB's 1 Hz clock has small gaps, and the protocol counts rows). The first rows are the
  first in time order, whatever order a file (a JSON-lines or CSV copy) holds them in.
* ``nab``: ``timestamp,value`` files; labels are the official windows of
  ``labels/combined_windows.json`` (found by walking up from the file), inclusive of both ends.
  Training part: NAB's probationary period, the first ``min(floor(0.15 * n), 750)`` rows of an
  ``n``-row series (NAB's ``getProbationPeriod``: 15%, capped at 15% of 5,000 rows; an uncapped
  15% trained on labelled anomaly windows of the long series, ``machine_temperature_system_failure``
  and five of the tweet series, and tested on less).
* ``asd`` / ``smd``: header-less comma-separated rows (``train/<entity>.txt[.gz]``,
  ``test/<entity>.txt[.gz]``; a first line of column names alone is left out), labels one per
  line in ``test_label/<entity>.txt`` (a first line of one word, ``label``, left out). A file under
  ``train/`` is all training data; a file under ``test/`` is all test data, labelled.
"""

from __future__ import annotations

import csv
import gzip
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass._columns import listed_columns
from hourglass._eol import without_boms
from hourglass._limits import loads_json
from hourglass._logs import held_records
from hourglass._times import parse_timestamps, unreadable_times
from hourglass.errors import InputError, no_file, read_problem
from hourglass.ingest.readers import read_table
from hourglass.ingest.tables import READ_ERRORS, check_log_text, open_lines

logger = logging.getLogger(__name__)

__all__ = ["TIMESERIES_DATASETS", "TimeSeriesDataset", "get_timeseries_dataset",
           "read_interpretation_labels", "read_nab", "read_skab", "read_smd"]

LABEL = "label"
#: What a NAB series without its label windows is told to do instead, in a Python user's words
#: (the CLI says its option, ``leave --dataset out``: ``cli._options.cli_advice``).
NOT_NAB = "read it as a plain series (read_table), not as NAB"
#: a ``test_label`` file's header: one word (a letter first; no number, no comma or space)
_HEADER_WORD = re.compile(r"[^\W\d_][\w.-]*")
#: the key of ``DataFrame.attrs`` where :func:`read_nab` names the windows file its labels are from
WINDOWS_READ = "nab_windows"
#: the key of ``DataFrame.attrs`` where :func:`read_smd` names the label file it looked for, in
#: vain, for a file under ``test/``
LABELS_LOOKED_FOR = "smd_labels_looked_for"


def read_skab(path: str | os.PathLike[str], *, scoring: bool = False) -> pd.DataFrame:
    """One SKAB file: ``datetime``, 8 sensors, ``label`` (from ``anomaly``) and ``changepoint``.
    A file with a ``label`` column beside ``anomaly`` is refused where labels are read (training,
    extra normal data, a warm start); ``scoring`` it leaves that column out. The same rows as
    Parquet, JSON lines or a CSV of another delimiter are read as any table is.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "0.csv")
    >>> _ = open(p, "w").write("datetime;A;anomaly;changepoint\\n2020-01-01 00:00:00;1.5;0.0;0.0\\n")
    >>> read_skab(p).columns.tolist()
    ['datetime', 'A', 'label', 'changepoint']
    """
    p = Path(path)
    if not p.is_file():
        raise no_file(p)
    from hourglass.ingest.readers import table_format

    df = None
    if table_format(p) == "csv":
        try:
            df = pd.read_csv(p, sep=";")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            check_log_text(p)  # gzip without .gz, UTF-16 ...: said so, not 'not a SKAB file'
            raise InputError(f"{p}: not a SKAB file ({exc})") from None
        except READ_ERRORS as exc:  # e.g. a truncated .gz (EOFError: click would say only 'Aborted!')
            raise InputError(f"{p}: cannot read ({read_problem(exc)})") from None
    if df is None:  # Parquet, JSON lines ...: read as any table is
        df = read_table(p)
    elif "datetime" not in df.columns:
        # the same rows as a ','-separated CSV (a copy converted by a tool): read as any table
        # is, so `score` takes what `stream` and the service take; what that reading says (the
        # delimiter, a duplicate header name) only if it is used: a SKAB file without its header
        # line is said by the error below alone
        with held_records("hourglass.ingest") as said:
            other = read_table(p)
        if "datetime" in other.columns:
            df = other
            for record in said:
                logging.getLogger(record.name).handle(record)
    if "datetime" not in df.columns or df.shape[1] < 2:
        found = ", ".join(map(str, df.columns[:4]))  # a ','-separated file: its whole header
        raise InputError(f"{p}: expected ';'-separated SKAB columns starting with 'datetime', "
                         f"found {found[:100]}{' ...' if len(found) > 100 else ''}")
    if len(df) == 0:
        raise InputError(f"{p}: no data rows")
    if "anomaly" in df.columns:
        if LABEL in df.columns:  # two 'label' columns: a DataFrame where a column was expected
            if not scoring:
                raise InputError(f"{p}: has both 'anomaly' (SKAB's labels, read as {LABEL!r}) and "
                                 f"a column {LABEL!r}; rename or remove {LABEL!r}")
            df = df.drop(columns=[LABEL])
        df = df.rename(columns={"anomaly": LABEL})
    return df


def _find_upwards(start: Path, relative: str) -> Path | None:
    for folder in [start, *start.parents]:
        if (folder / relative).is_file():
            return folder / relative
    return None


def read_nab(path: str | os.PathLike[str], windows: str | os.PathLike[str] | None = None,
             *, need_labels: bool = True, labels: bool = True) -> pd.DataFrame:
    """One NAB series (``timestamp``, ``value``) with ``label`` = 1 inside the official windows.

    ``windows`` is ``combined_windows.json``; by default it is looked up as
    ``labels/combined_windows.json`` in the folders above the file, and the series' key is its
    path relative to the ``data`` folder (``realKnownCause/nyc_taxi.csv``, also for a gzipped
    ``nyc_taxi.csv.gz``). With
    ``need_labels=False`` (scoring new data), a series without windows (no windows file, or
    none for it) is read without a ``label`` column instead of refused. With ``labels=False``
    (scoring) no windows are looked up at all: a broken windows file does not stop scoring.
    Labels from windows: the frame's ``attrs["nab_windows"]`` names the windows file.

    Parameters
    ----------
    path
        The series' CSV file (gzipped too), with NAB's columns ``timestamp`` and ``value``.
    windows
        NAB's ``combined_windows.json``; ``None``: looked up above the file.
    need_labels
        ``False``: a series without windows is read without a ``label`` column, not refused.
    labels
        ``False``: no windows are looked up; the series is read as it is.

    Returns
    -------
    pandas.DataFrame
        The series' rows, with a 0/1 ``label`` column where windows were read.

    Raises
    ------
    hourglass.errors.InputError
        Not NAB's columns, no (readable) windows for the series where labels are needed, or a
        time stamp that is no date and time.

    Examples
    --------
    >>> import json, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     series = Path(tmp, "data", "realKnownCause", "taxi.csv")
    ...     series.parent.mkdir(parents=True)
    ...     _ = series.write_text("timestamp,value\\n" + "".join(
    ...         f"2014-07-01 0{h}:00:00,{v}\\n" for h, v in enumerate([10, 12, 95, 11])))
    ...     Path(tmp, "labels").mkdir()
    ...     _ = Path(tmp, "labels", "combined_windows.json").write_text(json.dumps(
    ...         {"realKnownCause/taxi.csv": [["2014-07-01 02:00:00.000000", "2014-07-01 02:30:00.000000"]]}))
    ...     df, plain = read_nab(series), read_nab(series, labels=False)
    >>> df
                timestamp  value  label
    0 2014-07-01 00:00:00     10      0
    1 2014-07-01 01:00:00     12      0
    2 2014-07-01 02:00:00     95      1
    3 2014-07-01 03:00:00     11      0
    >>> plain.columns.tolist()
    ['timestamp', 'value']
    """
    p = Path(path)
    df = read_table(p)
    if not {"timestamp", "value"} <= set(df.columns):
        raise InputError(f"{p}: expected NAB columns timestamp,value; found {listed_columns(df.columns)}")
    if not labels:
        return df
    # the folders above the file and its category, also for a path given relative to the
    # current folder ('x.csv' inside data/realKnownCause has no parents of its own to walk up)
    where = Path(os.path.abspath(p))
    wpath = Path(windows) if windows else _find_upwards(where.parent, "labels/combined_windows.json")
    if wpath is None and not need_labels:
        return df
    if wpath is None:
        raise InputError(f"{p}: NAB's labels/combined_windows.json not found in the folders above "
                         "the file; keep NAB's layout (data/<category>/<series>.csv beside labels/), "
                         f"or give the series a 0/1 label column and {NOT_NAB}")
    try:
        table = loads_json(without_boms(wpath.read_text(encoding="utf-8")))  # (a BOM: Notepad)
    except (OSError, ValueError, RecursionError) as exc:  # (JSON and UTF-8 errors are ValueErrors)
        said = "nested too deep" if isinstance(exc, RecursionError) else str(exc).split("; use sys.")[0]
        raise InputError(f"{wpath}: unreadable windows file ({said})") from None
    if not isinstance(table, dict):  # '5' or a list: 'in' raised TypeError or matched no key
        raise InputError(f"{wpath}: expected a JSON object of series -> windows (NAB's "
                         f"combined_windows.json), found a JSON {type(table).__name__}")
    key = f"{where.parent.name}/{where.name}"
    if key not in table and key.lower().endswith(".gz"):  # a gzip-compressed copy: the series' key
        key = key[:-3]
    if key not in table and not need_labels:
        return df
    if key not in table:
        raise InputError(f"{wpath}: no windows for {key!r}")
    try:  # read as the preprocessing reads them (epoch units, day-first dates, offsets to UTC):
        # pandas alone read epoch seconds as nanoseconds of 1970 and refused 13/02/2014, so the
        # windows labelled no row of a series the model reads fine
        ts = pd.Series(parse_timestamps(df["timestamp"], "timestamp"))
    except InputError as exc:  # the file and the row that is no time
        bad = unreadable_times(df["timestamp"], "timestamp")
        if not bad.any():
            raise InputError(f"{p}: {exc}") from None
        row = int(bad.argmax())
        value = df["timestamp"].iloc[row]
        shown = value.item() if isinstance(value, np.generic) else value  # 1e+30, not np.float64(...)
        said = "is missing" if pd.isna(value) else f"{shown!r} is no date and time"
        raise InputError(f"{p}: data row {row + 1}: timestamp {said}") from None
    if ts.dt.tz is not None:  # times with an offset ('...Z'): compared in UTC, as NAB's are
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    label = np.zeros(len(df), dtype=np.int8)
    try:
        for lo, hi in table[key]:
            lo, hi = _utc_naive(lo), _utc_naive(hi)
            if hi < lo:  # an end before its start marked no row: the window silently lost
                raise InputError(f"{wpath}: a window of {key!r} ends before it starts "
                                 f"({lo} > {hi}); a window is [start, end]")
            label[((ts >= lo) & (ts <= hi)).to_numpy()] = 1
    except (TypeError, ValueError):
        raise InputError(f"{wpath}: the windows of {key!r} are not pairs of date-times as text "
                         f"('2014-02-19 10:50:00', as NAB writes them), got {str(table[key])[:80]}"
                         ) from None
    if len(table[key]) and not label.any() and ts.notna().any():
        # windows of another copy of the series (other dates, another time zone): every step
        # was labelled normal, and evaluate's figures were of a series with no anomaly, unsaid
        logger.warning("%s: no window of %r covers a time of %s (its times run %s to %s): every "
                       "step is labelled normal; are the windows for another copy of the series?",
                       wpath, key, p, ts.min(), ts.max())
    df[LABEL] = label
    df.attrs[WINDOWS_READ] = str(wpath)  # the labels are the windows' (not a column of the file's)
    return df


def _utc_naive(value: object) -> pd.Timestamp:
    """A window bound, date-time text as NAB writes it, as a time without offset (UTC, when it
    has one); anything else is a :class:`ValueError` (an epoch number read as nanoseconds of
    1970 marked no row of the series).

    Examples
    --------
    >>> _utc_naive("2014-02-19 10:50:00+01:00"), _utc_naive("2014-02-19 10:50:00.000000")
    (Timestamp('2014-02-19 09:50:00'), Timestamp('2014-02-19 10:50:00'))
    """
    if not isinstance(value, str):  # a number was read as nanoseconds of 1970: no row marked
        raise ValueError("not a date-time text")
    t = pd.Timestamp(value)
    if t is pd.NaT:
        raise ValueError("no time")
    return t.tz_convert("UTC").tz_localize(None) if t.tz is not None else t


def read_smd(path: str | os.PathLike[str], *, labels: bool = True) -> pd.DataFrame:
    """One ASD/SMD entity file: header-less numbers → columns ``m1``…``mD`` (a first line of
    column names alone, no field a number, is left out: the columns are ``m1``…``mD`` all the
    same; one mixing names and numbers is an :class:`InputError` naming it); for a file under
    ``test/``, the labels of ``../test_label/<entity>.txt`` (or ``.txt.gz``; a first line of one
    word, ``label``, left out: the labels count data rows) as ``label`` (when
    that file exists and ``labels``: scoring reads no labels, and a label file that does not
    match the series does not stop it).

    Examples
    --------
    >>> import tempfile, os
    >>> root = tempfile.mkdtemp(); os.makedirs(f"{root}/test"); os.makedirs(f"{root}/test_label")
    >>> _ = open(f"{root}/test/e.txt", "w").write("0.1,0.2\\n0.3,0.4\\n")
    >>> _ = open(f"{root}/test_label/e.txt", "w").write("0\\n1\\n")
    >>> read_smd(f"{root}/test/e.txt")[["m1", "label"]].values.tolist()
    [[0.1, 0.0], [0.3, 1.0]]
    """
    p = Path(path)
    if not p.is_file():
        raise no_file(p)
    first: list[str] = []
    at = 0  # the first line of content (blank lines above it skipped, as the label file's are)
    try:
        # a first line of column names alone (a copy saved with its header): left out, the
        # columns named m1..mD all the same (as a header-less copy of the entity names them)
        at, first = _first_line(p)
        header = bool(first) and not any(map(_number, first))
        df = pd.read_csv(p, header=None, dtype=np.float64, skiprows=[at] if header else None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, UnicodeDecodeError):
        check_log_text(p)  # gzip without .gz, UTF-16 ...: said so, not 'expected numbers'
        if any(map(_number, first)) and not all(map(_number, first)):
            raise InputError(f"{p}: line {at + 1} mixes numbers and text ({','.join(first)[:80]!r}); "
                             "expected comma-separated numbers (ASD/SMD format), under one line "
                             "of column names at most: name every column in it, or remove it"
                             ) from None
        raise InputError(f"{p}: expected comma-separated numbers (ASD/SMD format), under one "
                         "line of column names at most") from None
    except READ_ERRORS as exc:
        raise InputError(f"{p}: cannot read ({read_problem(exc)})") from None
    df.columns = [f"m{i + 1}" for i in range(df.shape[1])]
    entity = p.name[:-3] if p.name.lower().endswith(".gz") else p.name  # (.gz in any case)
    # the folders of the file, also for a path relative to the current folder ('e.txt' inside
    # test/: its parent '.' is no 'test', and the test file was read unlabelled, all training)
    folder = Path(os.path.abspath(p)).parent
    label_file = folder.parent / "test_label" / entity
    for suffix in (".gz", ".GZ"):  # gzip-compressed, as the series may be
        if not label_file.is_file():
            label_file = label_file.with_name(entity + suffix)
    if labels and folder.name == "test" and label_file.is_file():
        found = _labels(label_file)
        if found.size != len(df):
            raise InputError(f"{label_file}: {found.size} labels for {len(df)} rows of {p}")
        df[LABEL] = found.astype(np.int8)
    elif labels and folder.name == "test":  # (named where labels are needed: evaluate)
        df.attrs[LABELS_LOOKED_FOR] = str(folder.parent / "test_label" / entity)
    return df


def _first_line(path: Path) -> tuple[int, list[str]]:
    """The index (from 0) of the first line of ``path`` that is not blank (nor only blanks), the
    line pandas' reader, skipping blank lines, takes first, and its comma-separated fields,
    stripped (quotes as a CSV reader takes them); ``(0, [])`` for a file of blank lines. Bytes
    that are no UTF-8 raise ``UnicodeDecodeError``, as the reader would."""
    with open_lines(path) as fh:
        for index, line in enumerate(fh):
            text = line.decode("utf-8")
            text = without_boms(text) if index == 0 else text
            if text.strip():
                return index, [f.strip() for f in next(csv.reader([text]))]
    return 0, []


def _number(field: str) -> bool:
    """Whether ``field`` reads as a number (``nan`` and ``inf`` too, as the reader takes them);
    an empty field (a missing value) counts as one: no name.

    Examples
    --------
    >>> _number("0.5"), _number("nan"), _number(""), _number("cpu")
    (True, True, True, False)
    """
    try:
        float(field)
    except ValueError:
        return not field
    return True


_UNIVERSAL_EOL = re.compile(r"\r\n?|\n")  # a line's end, as Python's text files take it


def _labels(path: Path) -> np.ndarray:
    """The labels of an ASD/SMD ``test_label`` file, one a line (blank lines and ``#`` comments
    skipped, as ``np.loadtxt`` reads them); a first line of one word, no number (``label``: a
    header, as a series file may have one), is left out, the labels counting data rows only;
    any other line that is not 0 or 1 (a word below the first, ``0.5``, ``nan``, ``2``,
    ``label,x``) is an :class:`InputError` naming the file and the line."""
    try:
        raw = path.read_bytes()
        # utf-8-sig: a byte-order mark (a file saved by a Windows editor) is no part of line 1
        text = without_boms((gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a text file of labels ({exc})") from None
    except READ_ERRORS as exc:  # (a truncated .gz too)
        raise InputError(f"{path}: cannot read ({read_problem(exc)})") from None
    labels: list[float] = []
    first = True  # no line of content read yet: a header word may stand here
    # lines as the series' reader and a text editor count them (an LF, a CR LF or a CR ends
    # one): str.splitlines also broke at a form feed, NEL or U+2028 in a line, which shifted
    # the line number an error names and could read one line as two labels
    for number, line in enumerate(_UNIVERSAL_EOL.split(text), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        try:
            label = float(value)
        except ValueError:
            label = math.nan
            if first and _HEADER_WORD.fullmatch(value):  # 'label' alone: a header, left out
                first = False
                continue
        first = False
        if label not in (0.0, 1.0):  # 0.5 or nan read as int8 became a silent 0 (normal)
            raise InputError(f"{path}: line {number}: expected one 0/1 label a line, got "
                             f"{value[:40]!r}")
        labels.append(label)
    return np.asarray(labels, dtype=np.float64)


def read_interpretation_labels(path: str | os.PathLike[str], *, end_inclusive: bool = True
                               ) -> list[tuple[int, int, list[int]]]:
    """``start-end:d1,d2,…`` lines → ``(start, end_exclusive, [dims])`` (dims 1-based as written).

    ASD's ranges are end-inclusive, SMD's end-exclusive (``end_inclusive=False``). Every line
    names its dimensions (the metrics that interpret the anomaly): a line without any is an
    error naming it.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "e.txt")
    >>> _ = open(p, "w").write("5-7:1,3")
    >>> read_interpretation_labels(p)
    [(5, 8, [1, 3])]
    """
    out = []
    try:
        with open(path, "rb") as raw:  # gzip by its magic bytes (a '.GZ' file was read as text)
            opener = gzip.open if raw.read(2) == b"\x1f\x8b" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                line = (without_boms(line) if lineno == 1 else line).strip()  # (BOMs: not line 1's)
                if not line:
                    continue
                try:
                    span, _, dims = line.partition(":")
                    lo, hi = (int(v) for v in span.split("-"))
                    got = (lo, hi + int(end_inclusive), [int(d) for d in dims.split(",") if d])
                    if not got[2]:  # '5-7' or '5-7:' interprets the range by no dimension
                        raise ValueError
                except ValueError:
                    raise InputError(f"{path}: line {lineno}: expected start-end:d1,d2,.., got "
                                     f"{line[:60]!r}") from None
                # an end before the start was an empty range, a dimension 0 none of the 1-based
                # ones: read silently, they marked nothing
                if hi < lo or any(d < 1 for d in got[2]):
                    raise InputError(f"{path}: line {lineno}: expected start <= end and "
                                     f"dimensions from 1, got {line[:60]!r}")
                out.append(got)
    except UnicodeDecodeError as exc:  # a binary file, or a missing one: one error naming it
        raise InputError(f"{path}: not a text file of labels ({exc})") from None
    except READ_ERRORS as exc:
        raise InputError(f"{path}: cannot read ({read_problem(exc)})") from None
    return out


@dataclass(frozen=True)
class TimeSeriesDataset:
    """How to read a named time-series dataset, and its protocol's train/test parts.

    Attributes
    ----------
    name
        Name used on the command line (``--dataset``).
    timestamp_col
        Column holding timestamps, or ``None``.
    freq
        Grid for :class:`~hourglass.features.timeseries.TimeSeriesPreprocessor` (``"rows"``:
        timestamps only order the rows).
    drop
        Metadata columns that are never channels (besides ``label``).
    train_rows
        Rows at the start of a labelled file that form the training part (``None``: see
        ``train_fraction``).
    train_fraction
        Share at the start of a labelled file for training, when ``train_rows`` is ``None``
        (``None`` with ``train_rows`` ``None``: a file is either all train or all test);
        rounded down.
    train_cap
        With ``train_fraction``: the most training rows (NAB's 750).
    source_label
        The file's own name of the column read as ``label`` (SKAB's ``anomaly``), or ``None``.

    Examples
    --------
    >>> nab = TIMESERIES_DATASETS["nab"]
    >>> nab.train_fraction, nab.train_cap
    (0.15, 750)
    >>> df = pd.DataFrame({"value": range(20), "label": [0] * 18 + [1, 1]})
    >>> len(nab.train_part(df)), len(nab.test_part(df))    # 15% of 20 rows, rounded down
    (3, 17)
    >>> len(TIMESERIES_DATASETS["skab"].train_part(df))    # SKAB: the first 400 rows (all 20 here)
    20
    """

    name: str
    timestamp_col: str | None
    freq: str | None
    drop: tuple[str, ...] = ()
    train_rows: int | None = None
    train_fraction: float | None = None
    train_cap: int | None = None
    source_label: str | None = None

    def read(self, path: str | os.PathLike[str], *, need_labels: bool = True,
             scoring: bool = False) -> pd.DataFrame:
        """Read one series of this dataset (with a ``label`` column where labels exist).
        ``need_labels=False``: a NAB series without windows is read unlabelled; ``scoring``: no
        label is looked up outside the file (no NAB windows or ASD/SMD label file), and a SKAB
        file's own 'label' column beside 'anomaly' is left out, not refused ('anomaly' is still
        read as ``label``).

        Examples
        --------
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp, "valve1.csv")
        ...     _ = path.write_text("datetime;x;anomaly;changepoint\\n"
        ...                         "2020-03-09 10:14:33;0.5;0;0\\n2020-03-09 10:14:34;0.9;1;1\\n")
        ...     df = TIMESERIES_DATASETS["skab"].read(path)
        ...     plain = TIMESERIES_DATASETS["skab"].read(path, scoring=True)
        >>> df.columns.tolist(), df["label"].tolist()      # SKAB's 'anomaly' read as label
        (['datetime', 'x', 'label', 'changepoint'], [0, 1])
        >>> plain.columns.tolist() == df.columns.tolist()  # scoring: 'anomaly' still the label
        True
        """
        if self.name == "skab":
            return read_skab(path, scoring=scoring)
        if self.name == "nab":
            return read_nab(path, need_labels=need_labels, labels=not scoring)
        return read_smd(path, labels=not scoring)

    def _cut(self, df: pd.DataFrame) -> int | None:
        if LABEL not in df.columns:
            return None  # unlabelled (SKAB's anomaly-free file, ASD/SMD train files): all train
        if self.train_rows is not None:
            return min(self.train_rows, len(df))
        if self.train_fraction is not None:
            cut = math.floor(self.train_fraction * len(df))
            return cut if self.train_cap is None else min(cut, self.train_cap)
        return 0  # a labelled ASD/SMD test file: all test

    def _time_order(self, df: pd.DataFrame) -> np.ndarray | None:
        """Positions of ``df``'s rows in time order (ties in file order), or ``None`` where
        they are in it already, or have no time column or a time that does not read (the
        preprocessor names it): the protocol's head and tail are the first and last steps of
        the series, which the preprocessor sorts by time, not the first and last rows of a file
        written in another order (its test part was rows from all over the series)."""
        col = self.timestamp_col
        if col is None or col not in df.columns:
            return None
        try:
            times = parse_timestamps(df[col], col)
        except InputError:
            return None
        if times.is_monotonic_increasing:
            return None
        return np.argsort(times.asi8, kind="stable")

    def _part(self, df: pd.DataFrame, cut: int, head: bool) -> pd.DataFrame:
        """The first ``cut`` steps of ``df`` (``head``) or the rest, in time order; the rows
        keep their place in the file (the preprocessor sorts them, naming a bad row by it)."""
        order = self._time_order(df)
        if order is None:
            return df.iloc[:cut] if head else df.iloc[cut:]
        return df.iloc[np.sort(order[:cut] if head else order[cut:])]

    def train_part(self, df: pd.DataFrame) -> pd.DataFrame:
        """The protocol's training rows of one file (its normal, unlabelled head: its first
        steps in time order, whatever order the file holds its rows in).

        Examples
        --------
        >>> df = pd.DataFrame({"value": range(20), "label": [0] * 18 + [1, 1]})
        >>> len(TIMESERIES_DATASETS["nab"].train_part(df))    # NAB: the first 15%, rounded down
        3
        >>> TIMESERIES_DATASETS["nab"].train_part(df.head(5))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hourglass.errors.InputError: nab: this file has no training part under the protocol (5 rows: ...
        """
        cut = self._cut(df)
        part = df if cut is None else self._part(df, cut, head=True)
        if len(part) == 0:
            why = ("an ASD/SMD test file? train on train/<entity>" if self.train_fraction is None
                   else f"{len(df)} rows: {self.train_fraction:.0%} of them rounded down is none")
            raise InputError(f"{self.name}: this file has no training part under the protocol "
                             f"({why})")
        return part

    def test_part(self, df: pd.DataFrame) -> pd.DataFrame:
        """The protocol's test rows of one file (labelled): the steps after its training
        part, in time order.

        Examples
        --------
        >>> df = pd.DataFrame({"value": range(20), "label": [0] * 18 + [1, 1]})
        >>> TIMESERIES_DATASETS["nab"].test_part(df)["value"].tolist()[:3]   # after the 3 training rows
        [3, 4, 5]
        >>> TIMESERIES_DATASETS["nab"].test_part(df.drop(columns="label"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hourglass.errors.InputError: nab: this file has no labels (column 'label'); evaluate on a ...
        """
        cut = self._cut(df)
        if cut is None:
            looked = df.attrs.get(LABELS_LOOKED_FOR)
            if looked is not None:  # an ASD/SMD test file whose test_label/ file is not there
                raise InputError(f"{self.name}: this file has no labels: no {looked}(.gz), the "
                                 "test_label/ file beside its test/ folder; evaluate on a labelled file")
            raise InputError(f"{self.name}: this file has no labels (column "
                             f"{self.source_label or LABEL!r}); evaluate on a labelled file")
        part = self._part(df, cut, head=False)
        if len(part) == 0:
            raise InputError(f"{self.name}: no test rows after the first {cut}")
        return part


TIMESERIES_DATASETS: dict[str, TimeSeriesDataset] = {
    "skab": TimeSeriesDataset("skab", "datetime", "rows", drop=("changepoint",), train_rows=400,
                              source_label="anomaly"),
    "nab": TimeSeriesDataset("nab", "timestamp", None, train_fraction=0.15,
                             train_cap=750),
    "asd": TimeSeriesDataset("asd", None, None),
    "smd": TimeSeriesDataset("smd", None, None),
}


def get_timeseries_dataset(name: str) -> TimeSeriesDataset | None:
    """The named time-series dataset, or ``None`` when ``name`` is not one.

    Examples
    --------
    >>> get_timeseries_dataset("SKAB").train_rows
    400
    """
    return TIMESERIES_DATASETS.get(name.strip().lower())
