"""Time-series preprocessing: align onto a time grid, fill gaps, scale per channel, and windows.

* :class:`TimeSeriesPreprocessor` turns a DataFrame (optionally with a timestamp column) into a
  float32 matrix ``time × channels`` on one regular grid, with a fitted per-channel scaling.
* :func:`sliding_windows` gives windows as a strided *view* of the series (no copy), so scoring
  a long series only ever materialises one batch of windows.
* :func:`windows_to_points` maps one score per window back to one score per time step.

Choices (documented, tested):

* unsorted timestamps are sorted, with a warning; duplicate timestamps are merged by the
  aggregation (``agg``, default mean), with a warning;
* irregular timestamps without ``freq`` are an error naming the option (``freq="5min"`` resamples
  onto a grid, ``freq="rows"`` treats consecutive rows as equally spaced);
* missing values (in the data or created by resampling) without a ``fill`` policy are an error
  naming the column and the first timestamp;
* without ``timestamp_col``, a column picked as a channel that is evidently epoch seconds
  (:func:`epoch_channel`) is an error naming ``timestamp_col`` (every later time would look
  anomalous); a text column of date-times is ignored with a warning that names it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pandas.tseries.frequencies import to_offset

from hourglass._columns import listed_columns, near_names, read_as_log
from hourglass._logs import quiet_warnings
from hourglass._numbers import label_numbers, to_numbers
from hourglass._params import ParamsClone, check_numeric_params
from hourglass._times import cut_cell, frequency, parse_timestamps, read_timestamps, stripped_text
from hourglass.errors import InputError
from hourglass.features._unfitted import not_fitted
from hourglass.features.roles import (
    NUMBER_GAPS,
    identifier_name,
    near_unique,
    separated_hint,
    separated_number,
    unit_number,
)
from hourglass.features.tabular import _constant_span, _is_duration, _not_a_frame
from hourglass.features.validation import check_name_lists, saved_settings, signalling_nan_named

__all__ = ["TimeSeriesPreprocessor", "epoch_channel", "sliding_windows", "window_starts", "windows_to_points",
           "windows_to_points_channels"]

logger = logging.getLogger(__name__)

#: What a column of times among the channels of a series without a timestamp column is told, in
#: a Python user's words (the CLI says its option, ``--timestamp-col``: ``cli._options.cli_advice``).
TIMESTAMP_ADVICE = "make it the timestamp column (timestamp_col=...)"
#: What a gap in a series without a fill policy is told, in a Python user's words (the CLI says
#: its option, ``--fill``: ``cli._options.cli_advice``): at training, at scoring.
SET_FILL = "set fill ('ffill', 'interpolate' or 'zero') to fill gaps"
RETRAIN_FILL = "retrain it with fill 'ffill', 'interpolate' or 'zero'"
#: What a channel constant in training (a sensor stuck through it) is told, in a Python user's
#: words (the CLI says its option, ``--drop``: ``cli._options.cli_advice``).
STUCK_ADVICE = "leave it out (drop=[...])"
#: ... and what a channel of numbers but for a few words is told to make of them.
EMPTY_FOR_FILL = "or empty cells for the fill policy (fill=...)"

_CLIP = 1e9  # scaled values stay finite in float32, as in the tabular features
_FILLS = ("none", "ffill", "interpolate", "zero")
_SCALERS = ("standard", "minmax", "none")
_AGGS = ("mean", "max", "min", "median", "sum", "last", "first")
_REDUCE = ("mean", "max")


def window_starts(n: int, length: int, stride: int = 1) -> np.ndarray:
    """Start rows of the windows over ``n`` steps; the last window always ends at step ``n``.

    Examples
    --------
    >>> window_starts(10, 4, 3).tolist()
    [0, 3, 6]
    >>> window_starts(11, 4, 3).tolist()
    [0, 3, 6, 7]
    """
    if length < 1 or stride < 1:
        raise ValueError(f"window length and stride must be >= 1, got {length} and {stride}")
    if n < length:
        raise InputError(f"series has {n} time step{'' if n == 1 else 's'}, shorter than one "
                         f"window of {length}")
    starts = np.arange(0, n - length + 1, stride, dtype=np.int64)
    if starts[-1] != n - length:
        starts = np.append(starts, n - length)
    return starts


def sliding_windows(X: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """Windows ``(n_windows, length, channels)`` of a ``(time, channels)`` array starting every
    ``stride`` steps, as a read-only strided *view* (no data is copied).

    With ``stride > 1`` the last few steps may be left out; :func:`window_starts` adds the
    end-aligned window, and ``sliding_windows(X, length)[starts[lo:hi]]`` materialises one batch.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> W = sliding_windows(X, 3, 2)
    >>> W.shape, bool(np.shares_memory(W, X)), W[1, 0].tolist()
    ((2, 3, 2), True, [4.0, 5.0])
    """
    if X.ndim != 2:
        raise InputError(f"expected a 2-D series (time × channels), got {X.ndim}-D")
    if X.shape[0] < length:
        steps = f"{X.shape[0]} time step{'' if X.shape[0] == 1 else 's'}"
        raise InputError(f"series has {steps}, shorter than one window of {length}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    view = sliding_window_view(X, length, axis=0)  # (n - length + 1, channels, length)
    return view.transpose(0, 2, 1)[::stride]  # still a view: (n_windows, length, channels)


def windows_to_points(
    scores: np.ndarray,
    n: int,
    starts: np.ndarray,
    *,
    span: tuple[int, int],
    how: str = "mean",
) -> np.ndarray:
    """One score per time step from one score per window.

    Window ``i`` vouches for steps ``starts[i] + span[0]`` to ``starts[i] + span[1] - 1``:
    the whole window for a reconstruction model (``span = (0, length)``), only the predicted
    steps for a forecaster (``span = (context, context + horizon)``). A step's score is the
    ``mean`` or ``max`` of the scores of the windows vouching for it. Steps no window vouches
    for (a forecaster's first ``context`` steps: nothing predicts them) take the score of the
    nearest step that has one.

    Examples
    --------
    >>> import numpy as np
    >>> windows_to_points(np.array([1.0, 3.0]), 4, np.array([0, 1]), span=(0, 3)).tolist()
    [1.0, 2.0, 2.0, 3.0]
    >>> windows_to_points(np.array([1.0, 3.0]), 4, np.array([0, 1]), span=(0, 3), how="max").tolist()
    [1.0, 3.0, 3.0, 3.0]
    >>> windows_to_points(np.array([5.0, 7.0]), 4, np.array([0, 1]), span=(2, 3)).tolist()
    [5.0, 5.0, 5.0, 7.0]
    """
    if how not in _REDUCE:
        raise ValueError(f"score_reduce: unknown {how!r}; choose from {_REDUCE}")
    s = np.asarray(scores, dtype=np.float64)
    lo = np.clip(starts + span[0], 0, n)
    hi = np.clip(starts + span[1], 0, n)
    if how == "mean":
        total, count = _covering_sums(s, n, np.asarray(starts, dtype=np.int64), span)
        out = np.divide(total, count, out=np.full(n, np.nan), where=count > 0)
    else:
        out = np.full(n, -np.inf)
        width = int(span[1] - span[0])
        # every window has the same width: scatter each offset in turn (width passes of O(n))
        for k in range(width):
            idx = lo + k
            ok = idx < hi
            np.maximum.at(out, idx[ok], s[ok])
        out[np.isneginf(out)] = np.nan
    covered = ~np.isnan(out)
    if not covered.all():
        out = out[_nearest_covered(covered)]
    return out


def _covering_sums(s: np.ndarray, n: int, starts: np.ndarray, span: tuple[int, int]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``n`` steps, the sum of the scores ``s`` of the windows vouching for it and
    how many they are, each step's sum added up from its own windows only. A running sum over
    the series, added to and subtracted from, would carry the rounding error of one huge window
    score (a sensor value far outside training) into the score of every later step.

    Windows starting at consecutive steps (what ``score`` gives) take O(n): the sums over
    ``width`` consecutive scores are a suffix sum inside one block of ``width`` plus a prefix
    sum inside the next, never a difference; other starts add one offset at a time.

    Examples
    --------
    >>> s = np.array([1.0, 4e17, 1.0, 1.0, 1.0])
    >>> _covering_sums(s, 7, np.arange(5), (0, 3))[0][-3:].tolist()
    [3.0, 2.0, 1.0]
    >>> _covering_sums(np.array([1.0, 2.0]), 4, np.array([0, 2]), (0, 2))[0].tolist()
    [1.0, 1.0, 2.0, 2.0]
    """
    width, m = int(span[1] - span[0]), len(starts)
    if m and (np.diff(starts) == 1).all():
        # windows i - width + 1 .. i of the scores padded with width - 1 zeros in front vouch for
        # step starts[0] + span[0] + i: sliding sums u of width over the padded scores
        z = np.zeros(-(-(m + 2 * (width - 1)) // width) * width + width)
        z[width - 1:width - 1 + m] = s
        blocks = z.reshape(-1, width)
        prefix = np.cumsum(blocks, axis=1).ravel()
        suffix = np.cumsum(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
        j = np.arange(m + width - 1)
        u = suffix[j] + np.where(j % width > 0, prefix[np.minimum(j + width - 1, len(prefix) - 1)],
                                 0.0)
        i = np.arange(n) - int(starts[0]) - int(span[0])
        ok = (i >= 0) & (i < len(u))
        total = np.where(ok, u[np.clip(i, 0, len(u) - 1)], 0.0)
        ic = np.clip(i, 0, m + width - 2)
        count = np.where(ok, np.minimum(ic, m - 1) - np.maximum(ic - width + 1, 0) + 1, 0)
        return total, count.astype(np.float64)
    total, count = np.zeros(n), np.zeros(n)
    for k in range(int(span[0]), int(span[1])):
        idx = starts + k
        ok = (idx >= 0) & (idx < n)
        np.add.at(total, idx[ok], s[ok])
        np.add.at(count, idx[ok], 1.0)
    return total, count


def _nearest_covered(covered: np.ndarray) -> np.ndarray:
    """For each step, the nearest step some window vouches for (itself when covered; the earlier
    one on a tie)."""
    n = len(covered)
    pos = np.flatnonzero(covered)
    nearest = pos[np.clip(np.searchsorted(pos, np.arange(n)), 0, len(pos) - 1)]
    prev = pos[np.clip(np.searchsorted(pos, np.arange(n)) - 1, 0, len(pos) - 1)]
    return np.where(np.abs(prev - np.arange(n)) <= np.abs(nearest - np.arange(n)), prev, nearest)


def windows_to_points_channels(
    parts: np.ndarray,
    n: int,
    starts: np.ndarray,
    *,
    span: tuple[int, int],
    how: str = "mean",
) -> np.ndarray:
    """Per-channel parts of window scores mapped to time steps ``(n, channels)`` the way
    :func:`windows_to_points` maps the window scores, so that a step's parts add up to the step
    score that :func:`windows_to_points` gives for the windows' totals ``parts.sum(axis=1)``.

    ``parts`` is ``(n_windows, channels)``: each window's score split over the channels. With
    ``how="mean"`` each channel is averaged over the windows vouching for a step (the mean is
    linear, so the parts add up to the mean score); with ``how="max"`` a step takes the parts of
    the window with the largest total among those vouching for it (the window whose score is the
    step's score). Steps no window vouches for take the parts of the nearest step that has them,
    as in :func:`windows_to_points`.

    Examples
    --------
    >>> import numpy as np
    >>> parts = np.array([[1.0, 0.0], [1.0, 2.0]])
    >>> windows_to_points_channels(parts, 4, np.array([0, 1]), span=(0, 3)).tolist()
    [[1.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 2.0]]
    >>> windows_to_points_channels(parts, 4, np.array([0, 1]), span=(0, 3), how="max").tolist()
    [[1.0, 0.0], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]
    """
    if how not in _REDUCE:
        raise ValueError(f"score_reduce: unknown {how!r}; choose from {_REDUCE}")
    p = np.asarray(parts, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != len(starts):
        raise ValueError(f"parts must be (windows, channels) with one row per start, got {p.shape}")
    if how == "mean":
        cols = [windows_to_points(p[:, c], n, starts, span=span) for c in range(p.shape[1])]
        return np.stack(cols, axis=1) if cols else np.zeros((n, 0))
    total = p.sum(axis=1)
    lo = np.clip(starts + span[0], 0, n)
    hi = np.clip(starts + span[1], 0, n)
    best = np.full(n, -np.inf)
    width = int(span[1] - span[0])
    for k in range(width):  # as windows_to_points: one O(n) pass per offset
        idx = lo + k
        ok = idx < hi
        np.maximum.at(best, idx[ok], total[ok])
    arg = np.full(n, -1, dtype=np.int64)
    for k in range(width):
        idx = lo + k
        w = np.flatnonzero((idx < hi) & (total == best[np.minimum(idx, n - 1)]))
        arg[idx[w]] = w  # any window reaching the maximum: their totals are equal
    covered = arg >= 0
    if not covered.all():
        arg = arg[_nearest_covered(covered)]
    return p[arg]


def _present_text(s: pd.Series) -> pd.Series:
    """The values of column ``s`` present, as stripped text: no missing, empty or placeholder
    ('-', 'N/A'; a historian's digital state, 'Bad Input') value."""
    present = stripped_text(s.dropna())
    return present[(present != "") & ~present.isin(NUMBER_GAPS)]


def _numeric_channel(s: pd.Series) -> bool:
    """Whether column ``s`` is a channel: numbers, or text that is numbers in (nearly) every row
    (a stray word in it is then an error naming the row, as at scoring, not a silently lost
    channel), or durations (read in seconds)."""
    if pd.api.types.is_bool_dtype(s):
        return False
    if pd.api.types.is_numeric_dtype(s) or _is_duration(s):
        return True
    present = _present_text(s)
    return bool(len(present)) and pd.to_numeric(present.iloc[:2000], errors="coerce").notna().mean() >= 0.99


def _mostly_numbers(df: pd.DataFrame, ignored: list[str]) -> str:
    """For the first of the ``ignored`` columns of ``df`` whose values are mostly numbers, why
    it is no channel: `` ('cpu' is numbers but for 12 of 600 values, e.g. 'high' in row 51:
    make them numbers, or empty cells for the fill policy (fill=...))``; else ``""``.

    Examples
    --------
    >>> print(_mostly_numbers(pd.DataFrame({"cpu": ["1", "2", "high", "4"]}), ["cpu"]).split(":")[0])
     ('cpu' is numbers but for 1 of 4 values, e.g. 'high' in row 3
    >>> _mostly_numbers(pd.DataFrame({"host": ["a", "b"]}), ["host"])
    ''
    >>> print(_mostly_numbers(pd.DataFrame({"cpu": ["0,5", "1,25"]}), ["cpu"]).split(":")[0])
     ('cpu' holds numbers with separators, e.g. '0,5'
    """
    for c in ignored:  # numbers with decimal commas (a regional export): said so, not 'no numbers'
        example = separated_number(df[c])
        if example is not None:
            return (f" ({c!r} holds numbers with separators, e.g. {example!r}: write them with a "
                    "decimal point and no separators to use the column as a channel)")
    for c in ignored:  # a sensor's readings written with their unit ('21.5 °C')
        example = unit_number(df[c])
        if example is not None:
            return (f" ({c!r} holds numbers with a unit, e.g. {example!r}: write the numbers "
                    "alone, in one unit, to use the column as a channel)")
    for c in ignored:
        text = _present_text(df[c])
        words = pd.to_numeric(text, errors="coerce").isna().to_numpy(dtype=bool)
        if len(text) and words.mean() < 0.5:
            i = int(np.flatnonzero(words)[0])
            at = ""
            if df.index.is_unique:  # the row as score's error names it
                at = f" in row {_first_row(df) + int(df.index.get_loc(text.index[i])) + 1}"
            return (f" ({c!r} is numbers but for {int(words.sum())} of {len(text)} values, e.g. "
                    f"{text.iloc[i]!r}{at}: make them numbers, {EMPTY_FOR_FILL})")
    return ""


# names a time column goes by (lower case; '_', '-', ' ', '.' and '@' removed), and its prefixes
# and suffixes ('unix_ts', 'epoch_s', 'event_timestamp')
_TIME_NAMES = frozenset({"t", "ts", "time", "times", "timestamp", "datetime", "date", "epoch"})
_TIME_PREFIXES = ("epoch", "unix")
_TIME_SUFFIXES = ("timestamp", "epoch")
_EPOCH_MIN, _EPOCH_MAX = 1e8, 9.2e9          # epoch seconds of 1973 to 2261 (pandas' range)
_CLOCK_MIN, _CLOCK_MAX = 946_684_800, 4_102_444_800  # 2000-01-01 to 2100-01-01, for unnamed ones


_EPOCH_UNITS = ("second", "millisecond", "microsecond", "nanosecond")  # what _times reads


def epoch_channel(name: str, s: pd.Series) -> str | None:
    """Why column ``name`` reads as epoch timestamps rather than a measurement, or ``None``.

    Conservative, as a channel it would be refused: either it is named as a time (``ts``,
    ``time``, ``timestamp``, ``epoch``, ``unix_ts`` ...) and never decreases, not constant,
    with whole values between 1e8 and 9.2e9 seconds; or, whatever its name, it is strictly
    increasing in whole seconds of 2000-2100 on a regular clock (at least 90% of its steps the
    same, of 1 s to 1 day). The same holds in milliseconds, microseconds and nanoseconds (the
    units a timestamp column is read in: 1.7e12 is a time of 2023 in milliseconds). A counter
    that grows by what it counts (bytes, requests) has irregular steps.

    Examples
    --------
    >>> epoch_channel("ts", pd.Series([1_714_521_600, 1_714_521_660, 1_714_521_720]))
    'named as a time, whole numbers from 1714521600 to 1714521720, never decreasing'
    >>> epoch_channel("value", pd.Series(range(1_714_521_600, 1_714_521_900, 60)))
    'strictly increasing whole numbers from 1714521600 to 1714521840 on a regular 60 s clock'
    >>> epoch_channel("timestamp", pd.Series([1_714_521_600_000, 1_714_521_660_000, 1_714_521_720_000]))
    'named as a time, whole numbers from 1714521600000 to 1714521720000, never decreasing (milliseconds)'
    >>> epoch_channel("requests", pd.Series([10, 20, 35, 41])) is None
    True
    >>> epoch_channel("bytes", pd.Series([1.0e9, 1.2e9, 1.21e9, 1.5e9, 1.9e9])) is None
    True
    """
    found = _epoch_unit(name, s)
    return None if found is None else found[1]


def _epoch_unit(name: str, s: pd.Series) -> tuple[str, str] | None:
    """:func:`epoch_channel`'s finding as ``(unit, why)``: the epoch unit (``second``,
    ``millisecond`` ...) and why; ``None`` when the column is no epoch time."""
    if pd.api.types.is_complex_dtype(s) or _is_duration(s):  # no time (a complex channel is
        return None  # refused by _frame; a duration is a length of time, read in seconds)
    v = to_numbers(s).to_numpy(dtype=np.float64, na_value=np.nan)
    if len(v) < 3 or not np.isfinite(v).all() or not (v == np.round(v)).all():
        return None
    d = np.diff(v)
    lo, hi = float(v[0]), float(v[-1])
    key = "".join(ch for ch in str(name).lower() if ch not in "_- @.")
    named = key in _TIME_NAMES or key.startswith(_TIME_PREFIXES) or key.endswith(_TIME_SUFFIXES)
    for k, unit in enumerate(_EPOCH_UNITS):  # the units' ranges do not overlap: one matches
        f = 1000.0 ** k
        said = "" if k == 0 else f" ({unit}s)"
        if named and (d >= 0).all() and hi > lo and _EPOCH_MIN * f <= lo and hi < _EPOCH_MAX * f:
            return unit, (f"named as a time, whole numbers from {lo:.0f} to {hi:.0f}, never "
                          f"decreasing{said}")
        if not ((d > 0).all() and _CLOCK_MIN * f <= lo and hi <= _CLOCK_MAX * f):
            continue
        step = float(np.median(d))
        if f <= step <= 86_400 * f and (d == step).mean() >= 0.9:
            return unit, (f"strictly increasing whole numbers from {lo:.0f} to {hi:.0f} on a "
                          f"regular {step / f:g} s clock{said}")
    return None


def _reads_as_times(s: pd.Series) -> bool:
    """Whether text column ``s`` holds date-times (``2024-05-01 00:00``, ISO 8601) in (nearly)
    every row."""
    present = stripped_text(s.dropna().iloc[:200])
    dated = present.str.contains(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}", regex=True)
    return bool(len(present)) and float(dated.fillna(False).mean()) >= 0.95


class TimeSeriesPreprocessor(ParamsClone):
    """Align a multivariate series onto one time grid, fill gaps and scale each channel.

    Parameters
    ----------
    timestamp_col
        Column with the timestamps; ``None``: rows are consecutive, equally spaced steps.
    freq
        Grid step as a pandas offset (``"1s"``, ``"5min"``): values are aggregated into grid
        buckets with ``agg`` (empty buckets become missing; 0 for ``sum``; a bucket of missing
        values only is missing); buckets start at multiples of the step from 1970-01-01 UTC,
        whichever day a series starts on. ``None``: the
        timestamps must already be regular (else an error naming this option). ``"rows"``:
        timestamps only order the rows, which are taken as equally spaced (SKAB's protocol counts
        rows).
    agg
        Aggregation of several values in one grid bucket (and of duplicate timestamps); another
        than ``"mean"`` is refused at fit where nothing is combined (no ``timestamp_col``, or
        ``freq="rows"``).
    fill
        Missing values: ``"none"`` (an error naming the column and the first timestamp),
        ``"ffill"`` (carry the last value forward, at most ``fill_limit`` steps),
        ``"interpolate"`` (linear in time, at most ``fill_limit`` steps) or ``"zero"`` (0 after
        scaling, i.e. the training mean with the standard scaler).
    fill_limit
        Longest gap (in grid steps) ``ffill``/``interpolate``/``zero`` may bridge (a longer one is an
        error naming the column and where); ``None``: any.
    missing_mask
        Add a 0/1 channel ``<col>__missing`` per channel that had missing values in training,
        1 where a value was filled.
    scaler
        Per-channel ``"standard"``, ``"minmax"`` or ``"none"``, fitted on the training series. A
        channel constant in training (but for floating-point rounding, in the column's own
        precision: ``0.3`` beside ``0.1 + 0.2``, a bucket's mean of equal values) is only centred.
    columns
        Channels to use; ``None``: every numeric column except ``timestamp_col`` and ``drop``.
    drop
        Columns to ignore (labels, identifiers).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ts": ["2024-01-01 00:00", "2024-01-01 00:02", "2024-01-01 00:01"],
    ...                    "cpu": [1.0, 3.0, 2.0]})
    >>> pre = TimeSeriesPreprocessor(timestamp_col="ts", scaler="none").fit(df)
    >>> pre.transform(df).ravel().tolist()
    [1.0, 2.0, 3.0]
    """

    output = "timeseries"  # the detector input kind this produces

    def __init__(
        self,
        timestamp_col: str | None = None,
        freq: str | None = None,
        agg: str = "mean",
        fill: str = "none",
        fill_limit: int | None = None,
        missing_mask: bool = False,
        scaler: str = "standard",
        columns: Sequence[str] | None = None,
        drop: Sequence[str] = (),
    ) -> None:
        self.timestamp_col = timestamp_col
        self.freq = freq
        self.agg = agg
        self.fill = fill
        self.fill_limit = fill_limit
        self.missing_mask = missing_mask
        self.scaler = scaler
        self.columns = columns
        self.drop = drop

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments (JSON-ready).

        Parameters
        ----------
        deep
            Ignored (no nested estimators); accepted for scikit-learn (``clone``, pipelines).

        Examples
        --------
        >>> params = TimeSeriesPreprocessor(timestamp_col="ts", freq="1min").get_params()
        >>> params["timestamp_col"], params["freq"], params["agg"], params["scaler"]
        ('ts', '1min', 'mean', 'standard')
        """
        return {"timestamp_col": self.timestamp_col, "freq": self.freq, "agg": self.agg,
                "fill": self.fill, "fill_limit": self.fill_limit,
                "missing_mask": bool(self.missing_mask), "scaler": self.scaler,
                "columns": None if self.columns is None else list(self.columns),
                "drop": [] if self.drop is None else list(self.drop)}

    def _check_params(self) -> None:
        check_numeric_params(self, error=InputError, refuse_none=True)  # (missing_mask=None)
        if self.freq is not None and not isinstance(self.freq, str):  # pandas' own TypeError
            raise InputError(f"freq must be a pandas frequency such as '1min' (text), got {self.freq!r}",
                             param="freq")
        check_name_lists(self, "columns", "drop")
        if self.columns is not None:  # a channel named twice was modelled once, but its scaling
            # and name counted twice: the saved model was refused at load
            seen = [str(c) for c in self.columns]
            twice = sorted({c for c in seen if seen.count(c) > 1})
            if twice:
                raise InputError(f"columns: {', '.join(map(repr, twice[:5]))} named more than "
                                 "once; name each channel once", param="columns")
        if self.fill not in _FILLS:
            raise InputError(f"fill: unknown {self.fill!r}; choose from {', '.join(_FILLS)}",
                             param="fill")
        if self.scaler not in _SCALERS:
            raise InputError(f"scaler: unknown {self.scaler!r}; choose from {', '.join(_SCALERS)}",
                             param="scaler")
        if self.agg not in _AGGS:
            raise InputError(f"agg: unknown {self.agg!r}; choose from {', '.join(_AGGS)}",
                             param="agg")
        if self.fill_limit is not None:  # pandas' 'Limit must be an integer' took 2.0 and '2' too
            try:
                whole = not isinstance(self.fill_limit, bool) and float(self.fill_limit).is_integer()
            except (TypeError, ValueError):
                whole = False
            if not whole or int(float(self.fill_limit)) < 1:
                raise InputError(f"fill_limit: must be >= 1 and a whole number, or None, got "
                                 f"{self.fill_limit!r}", param="fill_limit")
        if self.freq not in (None, "rows"):
            try:  # (1H, 1d, 5T: spelled as pandas keeps them, as --bucket and --lateness are)
                offset = pd.tseries.frequencies.to_offset(self._grid_freq())
            except ValueError:
                raise InputError(f"freq: {self.freq!r} is not a pandas frequency such as '1s' or "
                                 "'5min' (or 'rows')", param="freq") from None
            try:  # a series' steps are fixed lengths: months and business days vary, and a
                step = pd.Timedelta(offset)  # week (W: W-SUN) is cut at a weekday
            except ValueError:
                what = (f"weeks that end on a weekday (pandas reads it as {offset.freqstr!r}), not "
                        f"a fixed length; write '{7 * offset.n}D' for steps of {7 * offset.n} days"
                        if isinstance(offset, pd.offsets.Week) else "a calendar step of varying "
                        "length; a series needs a fixed one, such as '1h', '1D' or '7D'")
                raise InputError(f"freq: {self.freq!r} is {what}", param="freq") from None
            if step <= pd.Timedelta(0):
                raise InputError(f"freq: {self.freq!r} is not a positive step", param="freq")

    # -- alignment ----------------------------------------------------------------------------
    def _frame(self, df: pd.DataFrame, cols: Sequence[str], fitting: bool = False, *,
               quiet: bool = False, training: bool = False) -> pd.DataFrame:
        """The numeric channels on the time grid, missing values still NaN. ``fitting``: the
        errors name the options to set (``freq``); else the fitted model's, to retrain with.
        ``training``: the errors read as ``fitting``'s, nothing refitted (another recording of
        the training series). ``quiet``: no warning about unsorted or duplicate times (the
        labels of a series whose values said them)."""
        if not isinstance(df, pd.DataFrame):
            raise InputError(_not_a_frame(df))
        if len(df) == 0:
            raise InputError("no rows (empty series)")
        df = df.rename(columns=str)
        _refuse_repeats(df, {*cols, *([] if self.timestamp_col is None else [str(self.timestamp_col)])})
        missing = [c for c in cols if c not in df.columns]
        if missing:
            have = [str(c) for c in df.columns]
            # a log given to a series model: said so, not its first line as a column name
            near = read_as_log(have) or near_names(missing, have)  # SRC_BYTES or ' src_bytes '
            raise InputError(f"column(s) the model needs are missing: {listed_columns(missing[:3])}"
                             f"{' ...' if len(missing) > 3 else ''}; " + (near or "the data has "
                             f"{listed_columns(have[:8])}{' ...' if len(have) > 8 else ''}"))
        values = {}
        for c in cols:
            s = df[c]
            if _is_duration(s):
                if getattr(self, "durations_", "seconds") == "seconds":
                    s = s.dt.total_seconds()  # as the tabular features read it, whatever its unit
                else:  # a model saved before durations were read in seconds: fitted on the numbers
                    self._warn_duration_unit(c, s)  # of the dtype's unit, read so
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                # a boolean (JSON true/false) is no reading: refused, as a table model refuses it
                flags = (s.notna().to_numpy(dtype=bool) if pd.api.types.is_bool_dtype(s) else
                         np.fromiter((isinstance(v, (bool, np.bool_)) for v in s), bool, len(s)))
                if flags.any():
                    i = int(np.flatnonzero(flags)[0])
                    raise InputError(f"column {c!r}: expected numbers, found {bool(s.iloc[i])!r} "
                                     f"(row {_first_row(df) + i + 1})")
                if not (pd.api.types.is_bool_dtype(s) or _is_duration(s)):
                    # an empty cell, '-', 'N/A' or a historian's 'Bad Input' is a missing value,
                    # as the table reader and the tabular features read them
                    text = stripped_text(s)
                    s = s.mask(((text == "") | text.isin(NUMBER_GAPS)).to_numpy(dtype=bool, na_value=False))
                conv = to_numbers(s)  # a JSON integer of 400 digits: inf, as its text in a CSV file
                # (an Arrow column's text that is no number converts to NaN, which Arrow does
                # not count as missing: read as floats, or it passed as a gap to fill)
                if pd.api.types.is_complex_dtype(conv):  # refused below, its imaginary parts kept
                    bad = conv.isna() & s.notna()
                else:
                    bad = pd.Series(np.isnan(conv.to_numpy(dtype=np.float64, na_value=np.nan))
                                    & s.notna().to_numpy(dtype=bool), index=s.index)
                if bad.any():
                    i = int(np.flatnonzero(bad.to_numpy())[0])
                    raise InputError(f"column {c!r}: expected numbers, found {cut_cell(s.iloc[i])} "
                                     f"(row {_first_row(df) + i + 1}){separated_hint(s.iloc[i])}")
                s = conv
            if pd.api.types.is_complex_dtype(s):  # float64 would drop the imaginary parts unsaid
                raise InputError(f"column {c!r}: holds complex numbers (dtype {df[c].dtype}); "
                                 "expected real numbers")
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            if np.isinf(v).any():
                i = int(np.flatnonzero(np.isinf(v))[0])
                raise InputError(f"column {c!r}: infinite value at row {_first_row(df) + i + 1}")
            values[c] = v
        training = fitting or training  # the errors name the training options
        if self.timestamp_col is None:
            return pd.DataFrame(values, index=pd.RangeIndex(len(df)))
        ts_col = str(self.timestamp_col)
        if ts_col not in df.columns:
            near = near_names([ts_col], df.columns)  # TS or ' ts ' for ts, as for a channel
            raise InputError(f"timestamp column {ts_col!r} not found; columns are "
                             f"{listed_columns(list(df.columns)[:8])}" + (f"; {near}" if near else ""))
        try:
            if fitting:  # the training data's date order, kept so that later data is read alike
                times, self.dayfirst_ = read_timestamps(df[ts_col], ts_col)
            else:
                times = parse_timestamps(df[ts_col], ts_col,
                                         dayfirst=getattr(self, "dayfirst_", None))
        except InputError as exc:  # rows of the file, as the other errors here name them
            if _first_row(df):  # the same error (a DateOrderError keeps its type and detail)
                exc.args = (_rows_from(str(exc), _first_row(df)),)
            raise
        frame = pd.DataFrame(values, index=times.rename(ts_col))
        if not quiet:
            self._warn_merged_entities(df, times, cols)
        if not frame.index.is_monotonic_increasing:
            if not quiet:
                logger.warning("timestamps are not sorted; sorting %d rows by %s (the output, and "
                               "a detector's scores, follow the sorted time order, not the input's "
                               "rows)", len(frame), ts_col)
            frame = frame.sort_index(kind="stable")
        if self.freq == "rows":
            return frame
        if self.freq is not None:
            step = pd.Timedelta(pd.tseries.frequencies.to_offset(self._grid_freq()))
            steps = (frame.index[-1] - frame.index[0]) / step
            if steps > max(1_000_000, 100 * len(frame)):  # e.g. one time stamp years off
                # score/evaluate/explain have no --freq: the grid is the model's (the CLI
                # names its option for the parameter: param)
                hint = ("choose a coarser freq" if training else
                        f"retrain with a coarser freq than the model's {self.freq}")
                raise InputError(f"column {ts_col!r}: the {self.freq} grid from {frame.index[0]} to "
                                 f"{frame.index[-1]} has {steps:,.0f} steps for {len(frame):,} rows; "
                                 f"check the time stamps, or {hint}", param="freq")
            # steps aligned on the epoch, as entity buckets are: pandas' default origin, the first
            # row's midnight, put a step that does not divide a day (7min, 13s, 7D) elsewhere in
            # each file, so the same minute fell in another step when a series was scored from
            # another day on (a step that divides a day lies on the same grid either way)
            return self._merge(frame.resample(self._grid_freq(), origin="epoch"))
        if frame.index.has_duplicates:
            n_dup = int(frame.index.duplicated().sum())
            if n_dup == len(frame) - 1 and len(frame) > 1:
                raise InputError(f"column {ts_col!r}: all {len(frame)} rows have the same timestamp "
                                 f"({frame.index[0]}); a series needs times that advance")
            if not quiet:
                logger.warning("%d duplicate timestamp(s) merged by %s (first at %s)", n_dup,
                               self.agg, frame.index[frame.index.duplicated()][0])
            frame = self._merge(frame.groupby(level=0))
        if len(frame) > 2:
            steps = np.diff(frame.index.asi8)
            if not (steps == steps[0]).all():
                # the usual step, not the first one (NAB's TravelTime_387 starts with 14 min of
                # mostly 10 min steps): what a user would resample to
                seen, counts = np.unique(steps, return_counts=True)
                usual = int(seen[np.argmax(counts)])
                i = int(np.flatnonzero(steps != usual)[0])
                unit = frame.index.unit  # asi8 counts this unit (pandas 3 parses to µs)
                step = _span(pd.Timedelta(usual, unit))
                what = (f"timestamps are irregular (step {step} but "
                        f"{_span(pd.Timedelta(int(steps[i]), unit))} after {frame.index[i]})")
                if not training:  # score/evaluate/explain have no --freq: it is the model's
                    raise InputError(
                        f"{what}; the model was trained on regular steps without a freq: retrain "
                        f"it with freq (e.g. '{step}' to resample onto a grid, or 'rows' to treat "
                        "rows as equally spaced), or give it regular steps", param="freq")
                raise InputError(
                    f"{what}; set freq, e.g. '{step}' to resample onto a grid of that step, or "
                    "'rows' to treat rows as equally spaced", param="freq")
        if len(frame) > 1:
            self._check_step(frame.index[1] - frame.index[0], fitting, training)
        return frame

    def _warn_merged_entities(self, df: pd.DataFrame, times: pd.DatetimeIndex,
                              cols: Sequence[str]) -> None:
        """Warn when a column tells apart the rows that share a timestamp, or a grid step of
        ``freq`` (a ``device_id`` of a file of several devices polled on one clock): merged by
        ``agg`` (or, with ``freq="rows"``, taken in turn as steps), their readings make one
        series of the devices' mean, no series of one device, where a model was told of
        duplicate times at most. Such a column is one that is no channel, or a channel named as
        an identifier (its ids averaged as readings), of at least two values, not near-unique
        (an event's id tells every row apart: rows of one step to combine), whose value and the
        time (or step) repeat in under a tenth of the rows merged."""
        ts_col = str(self.timestamp_col)
        grid = self.freq not in (None, "rows")
        at = times
        if grid:  # the grid step of each row, as resample counts it from the epoch
            step = pd.Timedelta(to_offset(self._grid_freq())) // pd.Timedelta(1, unit=times.unit)
            at = pd.Index(times.asi8 // max(int(step), 1))
        if not at.has_duplicates:
            return
        dup = at.duplicated(keep=False)
        n_merged = int(at.duplicated().sum())
        for c in df.columns:
            if c == ts_col or (c in cols and not identifier_name(c)):
                continue
            s = df[c]
            try:
                n_values = int(s.nunique())
                if n_values < 2 or near_unique(n_values, int(s.notna().sum())):
                    continue
                keyed = pd.DataFrame({"t": at[dup], "k": s.to_numpy()[dup]})
                if int(keyed.duplicated().sum()) * 10 >= n_merged:
                    continue
            except (TypeError, ValueError, NotImplementedError):  # unhashable values (a JSON
                continue  # list or object; an Arrow list column pandas cannot hash): no identifier
            first = keyed["t"].min()
            seen = " and ".join(cut_cell(v) for v in
                                pd.unique(keyed["k"][keyed["t"] == first].to_numpy())[:2])
            when = times[dup][np.asarray(keyed["t"] == first)].min()
            how = ("taken in turn as the steps of one series" if self.freq == "rows" else
                   f"merged by {self.agg} into one series")
            logger.warning("column %r tells apart rows that share a %s (%s at %s; %d values): they "
                           "are %s, not a series per %s; give the rows of one %s at a time (a model "
                           "each), or make %r the entity of entity features", c,
                           f"{self.freq} step" if grid else "timestamp", seen, when, n_values, how,
                           c, c, c)
            return

    def _check_step(self, step: pd.Timedelta, fitting: bool, training: bool = False) -> None:
        """Fitting: keep the training series' step (``step_``). Else refuse a series whose
        regular step is another: a window of it spans another stretch of time than the model
        learnt (hourly rows scored by a model of minutes), and its scores would mean nothing.
        ``training``: the series is more training data; the error names ``freq`` to train with."""
        if fitting:
            self.step_: str | None = _span(step)
            return
        trained = getattr(self, "step_", None)  # None: saved before the step was kept
        if trained is not None and step != pd.Timedelta(to_offset(trained)):
            if training:
                raise InputError(
                    f"column {str(self.timestamp_col)!r}: the timestamps step {_span(step)}, and "
                    f"the training series steps {trained}: a window would span another stretch of "
                    f"time; give it {trained} steps (resample the data), or set freq '{trained}' "
                    "to resample every series onto that grid", param="freq")
            raise InputError(
                f"column {str(self.timestamp_col)!r}: the timestamps step {_span(step)}, and the "
                f"model was trained on steps of {trained} without a freq: a window would span "
                f"another stretch of time; give it {trained} steps (resample the data), or retrain "
                f"with freq '{trained}' to resample any series onto that grid", param="freq")

    def _warn_duration_unit(self, c: str, s: pd.Series) -> None:
        """Warn once per channel that duration channel ``c`` is read in its dtype's unit, as this
        model (saved before durations were read in seconds) was fitted on it."""
        warned: set[str] = self.__dict__.setdefault("_duration_warned", set())
        if c not in warned:
            warned.add(c)
            logger.warning("column %r: a duration read as numbers of its dtype's unit (%s), as this "
                           "model, saved before durations were read in seconds, was fitted on it; "
                           "data in another unit reads wrong: retrain to read it in seconds", c,
                           s.dtype)

    def _merge(self, groups: Any) -> pd.DataFrame:
        """The values of each grid bucket (or timestamp) combined by ``agg``: a bucket with no
        value is missing, except for ``sum``, whose empty bucket is 0 (totals per step from event
        rows: a minute without events is a true 0, and models trained so keep scoring). A bucket
        whose rows are all missing values is missing for ``sum`` too (pandas' sum of them is 0: a
        sensor that did not report read as a measured 0, past the fill policy and the missing
        mask)."""
        with np.errstate(over="ignore"):  # values near float64's largest: an inf step, no log warning
            if self.agg != "sum":
                return groups.agg(self.agg)
            out = groups.sum(min_count=1)
        empty = (groups.size() == 0).to_numpy()
        if empty.any():
            out.iloc[empty] = 0.0
        return out

    def _limit(self) -> int | None:
        """``fill_limit`` as the int pandas takes (``2.0`` from a config is 2; exact, not through
        a float, past 2**53)."""
        if self.fill_limit is None:
            return None
        return self.fill_limit if type(self.fill_limit) is int else int(float(self.fill_limit))

    def _fill(self, frame: pd.DataFrame) -> pd.DataFrame:
        limit = self._limit()
        if limit is not None:  # no gap is longer than the series: pandas' fill takes a C int and
            limit = min(limit, max(len(frame), 1))  # stopped on a larger one (OverflowError)
        if self.fill == "ffill":
            frame = frame.ffill(limit=limit)
        elif self.fill == "interpolate":
            frame = frame.interpolate(limit=limit, limit_area="inside")
        return frame

    def _raise_missing(self, frame: pd.DataFrame, fitting: bool = False, first_row: int = 0,
                       ) -> None:
        na = frame.isna().to_numpy()
        if not na.any():
            return
        rows, cols = np.nonzero(na)
        first = int(np.argmin(rows))
        col, row = frame.columns[cols[first]], rows[first]
        where = (f"timestamp {frame.index[row]}" if self.timestamp_col is not None
                 else f"row {first_row + row + 1}")
        param: str | None = None  # the parameter the hint names (the CLI names its option)
        if self.fill != "none":
            ends = {"ffill": "is at the start", "interpolate": "is at the start or the end"}
            if self.fill_limit is None:  # no limit: only an end of the series stays open
                hint = (f"the gap {ends.get(self.fill, 'is at an end')} of the series, where "
                        f"{self.fill} has no value to fill from")
            else:
                hint = (f"the gap is longer than fill_limit={self.fill_limit}"
                        f"{' or ' + ends[self.fill] if self.fill in ends else ''}")
                # the caller's parameter when fitting; a fitted model's own when scoring (score
                # has no --fill-limit to name: the error is about the data, and names its file)
                param = "fill_limit" if fitting else None
            if not fitting:
                hint += " (the model's fill policy: retrain with another one, or fill the data)"
        elif fitting:
            hint = SET_FILL
        else:  # score/evaluate/explain have no --fill: it is the model's
            hint = (f"the model was trained without a fill policy: {RETRAIN_FILL}, or fill the gaps "
                    "in the data")
        others = int(na.sum()) - int(na[:, cols[first]].sum())  # the count is the column's own
        more = f" (and {others} in other columns)" if others else ""
        raise InputError(f"column {col!r}: {int(na[:, cols[first]].sum())} missing value(s){more}, "
                         f"first at {where}; {hint}", param=param)

    def _grid(self, df: pd.DataFrame, cols: Sequence[str], fitting: bool = False,
              training: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The channels on the grid, raw (NaN where missing) and filled (gaps checked);
        ``fitting`` and ``training`` as :meth:`_frame` takes them."""
        with signalling_nan_named(df):
            frame = self._frame(df, cols, fitting, training=training)
        filled = self._fill(frame)
        fitting = fitting or training  # from here on it only words the errors
        if self.fill != "zero":
            # the gaps a fill left open, whole: ffill/interpolate with a limit fill the first
            # fill_limit steps of a longer gap, and the error counted and placed only the rest
            # (a 60-step gap from 07:40 was '55 missing value(s), first at 07:45')
            left = filled.isna().to_numpy()
            if not left.any():
                return frame, filled
            gaps = _gaps_holding(frame.isna().to_numpy(), left)
        elif (limit := self._limit()) is not None:  # zeros bridge gaps of at most fill_limit steps
            gaps = _long_gaps(frame.isna().to_numpy(), limit)
        else:
            return frame, filled
        self._raise_missing(pd.DataFrame(np.where(gaps, np.nan, 0.0), index=frame.index,
                                         columns=frame.columns), fitting, _first_row(df))
        return frame, filled

    # -- fit / transform ----------------------------------------------------------------------
    def fit(self, df: pd.DataFrame) -> TimeSeriesPreprocessor:
        """Learn the channels and the per-channel scaling from a training series.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"ts": ["2024-01-01 00:00", "2024-01-01 00:02", "2024-01-01 00:01"],
        ...                    "cpu": [1.0, 3.0, 2.0], "mem": [4.0, 4.0, 8.0]})
        >>> pre = TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
        >>> pre.channels_
        ['cpu', 'mem']
        """
        self._fit(df)
        return self

    def _fit(self, df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Fit; return the training grid as :meth:`_grid` does (for :meth:`fit_transform`). A fit
        that fails leaves the preprocessor as it was (a refused refit kept the new step with the
        old channels)."""
        before = dict(self.__dict__)
        try:
            with signalling_nan_named(df):
                return self._fit_grid(df)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _grid_freq(self) -> Any:
        """``freq`` as pandas keeps it (``1H``: ``1h``, ``1d``: ``1D``, ``5T``: ``5min``); the
        parameter itself stays as given (fit changes no parameter)."""
        return frequency(self.freq) if isinstance(self.freq, str) else self.freq

    def _fit_grid(self, df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        self._check_params()
        if not isinstance(df, pd.DataFrame):
            raise InputError(_not_a_frame(df))
        self.step_ = None  # the regular step of a series without freq, set by _frame
        self.durations_ = "seconds"  # a duration channel's values (a model saved before: "unit")
        if self.timestamp_col is None and self.freq not in (None, "rows"):  # never applied
            raise InputError(f"freq: {self.freq!r} resamples by time and needs the timestamp "
                             "column (timestamp_col); without one the rows are the steps",
                             param=("freq", "timestamp_col"))
        if self.agg != "mean" and (self.timestamp_col is None or self.freq == "rows"):  # never applied
            why = ("without a timestamp column (timestamp_col) the rows are the steps"
                   if self.timestamp_col is None else "with freq 'rows' each row is its own step")
            raise InputError(f"agg: {self.agg!r} combines the rows of one freq grid step or of one "
                             f"timestamp, and {why}: nothing is combined; leave it out",
                             param=("agg", "timestamp_col"))
        df = df.rename(columns=str)  # a NumPy array's frame names its columns 0, 1, ...: '0', '1'
        skip = {*map(str, () if self.drop is None else self.drop), str(self.timestamp_col)}
        if self.columns is None:  # every column not dropped may be a channel
            _refuse_repeats(df, {c for c in df.columns if c not in skip})
        if self.columns is not None:
            cols = [str(c) for c in self.columns]
            if self.timestamp_col is not None and str(self.timestamp_col) in cols:
                raise InputError(f"columns: {str(self.timestamp_col)!r} is the timestamp column "
                                 "(timestamp_col), not a channel; leave it out of columns",
                                 param="columns")
            dropped = {str(c) for c in (() if self.drop is None else self.drop)}
            both = [c for c in cols if c in dropped]  # the channel was modelled, the drop ignored
            if both:
                raise InputError(f"columns: {both[0]!r} is in drop too; give it one place (a "
                                 "channel in columns, or a column in drop)", param="columns")
        else:
            cols = [str(c) for c in df.columns if str(c) not in skip and _numeric_channel(df[c])]
            ignored = [str(c) for c in df.columns if str(c) not in skip and str(c) not in cols]
            if ignored:
                times = [c for c in ignored if self.timestamp_col is None and _reads_as_times(df[c])]
                hint = (f" ({times[0]!r} holds times: to use them, {TIMESTAMP_ADVICE}; rows are "
                        "taken as equally spaced steps)"
                        if times else _mostly_numbers(df, ignored))
                logger.warning("ignoring non-numeric column(s): %s%s", ", ".join(ignored[:5]), hint,
                               extra={"advice": TIMESTAMP_ADVICE if times else EMPTY_FOR_FILL}
                               if hint else None)
            if self.timestamp_col is None:  # a time as a channel: every later step looks new
                for c in cols:  # (channels named in ``columns`` are the caller's choice)
                    found = _epoch_unit(c, df[c])
                    if found is not None:
                        unit, why = found
                        raise InputError(
                            f"column {c!r} looks like epoch-{unit} timestamps ({why}): as a "
                            "channel, every time after training would look anomalous; set it as "
                            "the timestamp column (timestamp_col), or leave it out (drop)",
                            param=("timestamp_col", "drop"))
        if not cols:
            raise InputError("no numeric channels to model")
        frame, filled = self._grid(df, cols, fitting=True)
        self.masked_ = [c for c in cols if self.missing_mask and frame[c].isna().any()]
        X = filled.to_numpy(dtype=np.float64)
        # an overflow is named below; a channel with no value at all (fill="zero" of an
        # all-missing column) gets offset 0 and scale 1 below, without numpy's "Mean of empty
        # slice" warnings among the output
        with np.errstate(over="ignore", invalid="ignore"), quiet_warnings(RuntimeWarning):
            lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
            # a channel of one value but for float rounding (0.3 beside 0.1 + 0.2, a bucket's mean
            # of equal values) is only centred, as a constant one: its spread is no scale; in
            # the channel's own precision (a float32 column's last place is float32's), as a table's
            dtypes = [str(df[c].dtype) for c in cols]
            varies = np.array([not (np.isfinite(a) and np.isfinite(b) and _constant_span(a, b, d))
                               for a, b, d in zip(lo.tolist(), hi.tolist(), dtypes, strict=True)],
                              dtype=bool)
            if self.scaler == "standard":
                mu, sd = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
                self.offset_, self.scale_ = mu, np.where(varies & (sd > 0), sd, 1.0)
            elif self.scaler == "minmax":
                self.offset_, self.scale_ = lo, np.where(varies & (hi > lo), hi - lo, 1.0)
            else:
                self.offset_, self.scale_ = np.zeros(len(cols)), np.ones(len(cols))
        stuck = [j for j in range(len(cols)) if not varies[j] and np.isfinite(lo[j])]
        if stuck:  # a sensor stuck through training: its normal noise later is all the model sees
            logger.warning("%d channel(s) constant in training: %s; any later change of such a "
                           "channel scores as anomalous, in units the model never scaled (a stuck "
                           "sensor's noise once it works, as an alarm flag's first 1): %s, or train "
                           "on a series where it moves", len(stuck), ", ".join(
                               f"{cols[j]!r} ({lo[j]:.6g})" for j in stuck[:5]) + (
                               " ..." if len(stuck) > 5 else ""), STUCK_ADVICE,
                           extra={"advice": STUCK_ADVICE})
        counters = [(c, w) for c in cols if (w := _counter_wraps(frame[c].to_numpy(dtype=np.float64)))
                    is not None]
        if counters:  # a running total: every later value lies past the training range
            named = ", ".join(f"{c!r}" + (f" (wrapping round {w} time(s))" if w else "")
                              for c, w in counters[:5]) + (" ..." if len(counters) > 5 else "")
            logger.warning("%d channel(s) never decrease in training but to wrap round (a "
                           "cumulative counter?): %s; the model learns such a running total, not its "
                           "rate, and a wrap or a later value past those it learnt scores as "
                           "anomalous: give the change per step (a rate) instead, or %s",
                           len(counters), named, STUCK_ADVICE, extra={"advice": STUCK_ADVICE})
        bad = ~(np.isfinite(self.offset_) & np.isfinite(self.scale_)) & np.isfinite(X).any(axis=0)
        if bad.any():  # e.g. -1e308 and 1e308: their spread is not a float
            j = int(np.flatnonzero(bad)[0])
            raise InputError(f"column {cols[j]!r}: values from {np.nanmin(X[:, j]):.3g} to "
                             f"{np.nanmax(X[:, j]):.3g} are too large to scale ({self.scaler}); "
                             "drop the column or fix its values")
        self.offset_ = np.nan_to_num(self.offset_)
        self.scale_ = np.nan_to_num(self.scale_, nan=1.0)
        self.channels_ = cols
        self.columns_ = [*cols] + ([str(self.timestamp_col)] if self.timestamp_col else [])
        self.feature_names_ = [*cols, *(f"{c}__missing" for c in self.masked_)]
        return frame, filled

    def transform_frame(self, df: pd.DataFrame, *, training: bool = False) -> pd.DataFrame:
        """The model input as a DataFrame indexed by the grid (timestamps or row numbers).
        ``training``: ``df`` is more training data (another normal recording the detector is
        fitted on), so an error names the options to train with (``freq``, ``fill``), not the
        fitted model's to retrain with.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"ts": ["2024-01-01 00:00", "2024-01-01 00:02", "2024-01-01 00:01"],
        ...                    "cpu": [1.0, 3.0, 2.0], "mem": [4.0, 4.0, 8.0]})
        >>> pre = TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
        >>> pre.transform_frame(df).round(3)  # doctest: +NORMALIZE_WHITESPACE
                               cpu    mem
        ts
        2024-01-01 00:00:00 -1.225 -0.707
        2024-01-01 00:01:00  0.000  1.414
        2024-01-01 00:02:00  1.225 -0.707
        """
        if not hasattr(self, "channels_"):
            raise not_fitted("TimeSeriesPreprocessor is not fitted; call fit(df) first")
        return self._scaled(*self._grid(df, self.channels_, training=training))

    def transform_with_values(self, df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """:meth:`transform_frame` and, on the same grid, each channel's value before scaling
        (resampled and filled as the model saw it; a gap left open is NaN): what an explanation
        quotes to a person.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"cpu": [1.0, 3.0, 5.0]})
        >>> scaled, values = TimeSeriesPreprocessor().fit(df).transform_with_values(df)
        >>> values["cpu"].tolist(), scaled.shape
        ([1.0, 3.0, 5.0], (3, 1))
        """
        if not hasattr(self, "channels_"):
            raise not_fitted("TimeSeriesPreprocessor is not fitted; call fit(df) first")
        frame, filled = self._grid(df, self.channels_)
        return self._scaled(frame, filled), filled

    def _scaled(self, frame: pd.DataFrame, filled: pd.DataFrame) -> pd.DataFrame:
        mask = frame[self.masked_].isna().astype(np.float64) if self.masked_ else None
        with np.errstate(over="ignore"):  # a value far outside training: huge but finite
            out = ((filled - self.offset_) / self.scale_).clip(-_CLIP, _CLIP)
        if self.fill == "zero":
            out = out.fillna(0.0)
        if mask is not None:
            out = pd.concat([out, mask.add_suffix("__missing")], axis=1)
        return out.astype(np.float32)

    def transform(self, df: pd.DataFrame, *, training: bool = False) -> np.ndarray:
        """The model input: float32 ``time × channels`` (one row per grid step); ``training``
        as :meth:`transform_frame` takes it.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"ts": ["2024-01-01 00:00", "2024-01-01 00:02", "2024-01-01 00:01"],
        ...                    "cpu": [1.0, 3.0, 2.0], "mem": [4.0, 4.0, 8.0]})
        >>> pre = TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
        >>> X = pre.transform(df)
        >>> X.dtype, X.shape
        (dtype('float32'), (3, 2))
        """
        return np.ascontiguousarray(self.transform_frame(df, training=training)
                                    .to_numpy(dtype=np.float32))

    def fit_transform(self, df: pd.DataFrame) -> np.ndarray:
        """``fit(df)`` then ``transform(df)`` (the training series is put on the grid once).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"ts": ["2024-01-01 00:00", "2024-01-01 00:02", "2024-01-01 00:01"],
        ...                    "cpu": [1.0, 3.0, 2.0], "mem": [4.0, 4.0, 8.0]})
        >>> pre = TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
        >>> bool((TimeSeriesPreprocessor(timestamp_col="ts").fit_transform(df) == pre.transform(df)).all())
        True
        """
        return np.ascontiguousarray(self._scaled(*self._fit(df)).to_numpy(dtype=np.float32))

    def align_labels(self, df: pd.DataFrame, labels: object, column: str = "labels") -> np.ndarray:
        """Per-row 0/1 labels of ``df`` moved onto the same grid as :meth:`transform` (a grid
        step is anomalous when any row in it is; a step with no row, when the steps with rows
        on both sides of it are anomalous), so scores and labels line up.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"ts": ["2024-01-01 00:00:00", "2024-01-01 00:00:20",
        ...                           "2024-01-01 00:01:10"], "v": [1.0, 2.0, 3.0]})
        >>> pre = TimeSeriesPreprocessor("ts", freq="1min").fit(df)
        >>> pre.align_labels(df, [0, 1, 0]).tolist()
        [1, 0]
        >>> gap = pd.DataFrame({"ts": ["2024-01-01 00:00", "2024-01-01 00:03"], "v": [1.0, 2.0]})
        >>> TimeSeriesPreprocessor("ts", freq="1min", fill="interpolate").fit(gap).align_labels(
        ...     gap, [1, 1]).tolist()
        [1, 1, 1, 1]
        """
        if not hasattr(self, "channels_"):
            raise not_fitted("TimeSeriesPreprocessor is not fitted; call fit(df) first")
        raw = pd.Series(np.asarray(labels, dtype=object).ravel())
        # (true/false as 1/0: a CSV's 0, 1 beside true are text, JSON's true a boolean)
        y = label_numbers(raw).to_numpy(dtype=np.float64)
        bad = ~np.isin(y, (0.0, 1.0))  # text, a missing label or another class: never 'normal'
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            # a blank cell (read as NaN) or a null is named as what the user wrote: no label;
            # so is N/A, null, ? as text (JSON lines, Parquet), as a CSV's reader reads it
            from hourglass.ingest.tables import NULL_VALUES

            v = raw.iloc[i]
            held = "no label" if (pd.api.types.is_scalar(v) and pd.isna(v)) or (
                isinstance(v, str) and v.strip() in NULL_VALUES) else repr(v)
            raise InputError(f"{column}: row {_first_row(df) + i + 1} holds {held}, "
                             f"{int(bad.sum())} row(s) "
                             "in all; a series is labelled 0 (normal) or 1 (anomaly) in every row")
        if y.size != len(df):
            raise InputError(f"{y.size} labels for {len(df)} rows")
        # the labels' own column, never the timestamps' name (a series timed by a column 'y'
        # had its labels overwritten by its times: wrong metrics, or an error about 'y')
        name = "y" if str(self.timestamp_col) != "y" else "label"
        lab = pd.DataFrame({name: y, **({str(self.timestamp_col): df[str(self.timestamp_col)]
                                         .to_numpy()} if self.timestamp_col else {})})
        pre = TimeSeriesPreprocessor(self.timestamp_col, self.freq, agg="max", fill="zero",
                                     scaler="none", columns=(name,))
        pre.dayfirst_ = getattr(self, "dayfirst_", None)  # the times read as the series' are
        grid = pre._frame(lab, [name], quiet=True)[name]  # the series' rows said: once
        # a step with no row (a gap the fill policy bridged) lies inside an anomaly when the
        # steps with rows on both sides of it are anomalous: a labelled stretch (NAB's windows
        # are time ranges) stays one event, not one event per stretch between gaps
        inside = (grid.ffill() == 1) & (grid.bfill() == 1)
        return grid.fillna(inside.astype(np.float64)).to_numpy().astype(np.int8)

    def extra_columns(self, df: pd.DataFrame) -> list[str]:
        """Columns of ``df`` that the fitted preprocessing does not use.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"ts": ["2024-01-01 00:00", "2024-01-01 00:02", "2024-01-01 00:01"],
        ...                    "cpu": [1.0, 3.0, 2.0], "mem": [4.0, 4.0, 8.0]})
        >>> pre = TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
        >>> pre.extra_columns(df.assign(host="a"))
        ['host']
        """
        if not hasattr(self, "channels_"):  # (not 'no attribute columns_')
            raise not_fitted("TimeSeriesPreprocessor is not fitted; call fit(df) first")
        known = set(self.columns_) | set(map(str, () if self.drop is None else self.drop))
        return [str(c) for c in df.columns if str(c) not in known]

    # -- state --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON fitted state.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"ts": ["2024-01-01 00:00", "2024-01-01 00:02", "2024-01-01 00:01"],
        ...                    "cpu": [1.0, 3.0, 2.0], "mem": [4.0, 4.0, 8.0]})
        >>> pre = TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
        >>> state = pre.to_dict()
        >>> state["class"], state["channels"]
        ('TimeSeriesPreprocessor', ['cpu', 'mem'])
        >>> bool((TimeSeriesPreprocessor.from_dict(state).transform(df) == pre.transform(df)).all())
        True
        """
        if not hasattr(self, "channels_"):
            raise not_fitted("TimeSeriesPreprocessor is not fitted")
        params = {**self.get_params(), "freq": self._grid_freq()}  # (1H saved as 1h)
        return {"class": "TimeSeriesPreprocessor", "params": params,
                "channels": self.channels_, "masked": self.masked_, "columns": self.columns_,
                "feature_names": self.feature_names_,
                "offset": [float(v) for v in self.offset_], "scale": [float(v) for v in self.scale_],
                "durations": getattr(self, "durations_", "seconds"),
                **({} if getattr(self, "dayfirst_", None) is None else {"dayfirst": self.dayfirst_}),
                **({} if getattr(self, "step_", None) is None else {"step": self.step_})}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TimeSeriesPreprocessor:
        """Rebuild from :meth:`to_dict` output.

        Examples
        --------
        >>> import pandas as pd
        >>> pre = TimeSeriesPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0, 4.0]}))
        >>> TimeSeriesPreprocessor.from_dict(pre.to_dict()).feature_names_
        ['a']
        """
        try:
            params = saved_settings(d["params"], names=["timestamp_col"])
            if isinstance(params.get("freq"), str):  # a model saved with 1H or 1d: as pandas keeps it
                params["freq"] = frequency(params["freq"])
            self = cls(**params)
            self.channels_ = list(d["channels"])
            self.masked_ = list(d["masked"])
            self.columns_ = list(d["columns"])
            self.feature_names_ = list(d["feature_names"])
            self.offset_ = np.asarray(d["offset"], dtype=np.float64)
            self.scale_ = np.asarray(d["scale"], dtype=np.float64)
            self.dayfirst_ = None if d.get("dayfirst") is None else bool(d["dayfirst"])
            self.step_ = None if d.get("step") is None else frequency(str(d["step"]))
            # saved before durations were read in seconds: they were numbers of their dtype's unit
            self.durations_ = d.get("durations", "unit")
            if self.durations_ not in ("seconds", "unit"):
                raise ValueError(f"durations: {self.durations_!r}")
            if self.step_ is not None:
                pd.Timedelta(to_offset(self.step_))  # a step that does not parse: said at load
            if self.timestamp_col and self.columns_[-1:] != [str(self.timestamp_col)]:
                # as fit writes them (the timestamp column last): a name edited in one place only
                last = self.columns_[-1] if self.columns_ else None
                raise ValueError(f"features.params.timestamp_col {self.timestamp_col!r} is not the "
                                 f"timestamp column saved last in features.columns ({last!r})")
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"preprocessing state is malformed ({exc})") from None
        self._check_params()  # a freq or fill that no longer parses: said at load, not at scoring
        n = len(self.channels_)
        if not (self.offset_.shape == self.scale_.shape == (n,) and np.isfinite(self.offset_).all()
                and np.isfinite(self.scale_).all() and (self.scale_ != 0).all()):
            raise InputError(f"preprocessing state is malformed (offset/scale: {n} finite values "
                             "expected, scales non-zero)")
        # as fit writes them: the masked channels among the channels, and one feature per channel
        # then per masked channel (a name edited in one list only failed at scoring as a KeyError,
        # or scaled each channel by another's offset and scale)
        if not (all(isinstance(c, str) for c in self.channels_) and set(self.masked_) <= set(self.channels_)
                and self.feature_names_ == [*self.channels_, *(f"{c}__missing" for c in self.masked_)]):
            raise InputError("preprocessing state is malformed (channels, masked channels and feature "
                             "names do not match)")
        # the columns read from the data are names too (a list or object there loaded, and every
        # score then failed with a traceback: "unhashable type: 'list'")
        if not all(isinstance(c, str) for c in self.columns_):
            raise InputError("preprocessing state is malformed (columns: a list of column names "
                             "expected)")
        return self


def _counter_wraps(v: np.ndarray) -> int | None:
    """How often channel values ``v`` (a training series, NaN for a gap) wrap round, when they
    read as a cumulative counter, else ``None``: at least 10 values, rising from one to the
    next at least a quarter of the time and never falling, but for wraps (a fall from the top
    tenth of their range to the bottom tenth: a uint16 or uint32 register restarting at 0), each
    wrap after four rises or more on average (a channel toggling between its top and bottom, a
    valve's 0/1, is none).

    Examples
    --------
    >>> _counter_wraps(np.array([5.0, 9, 9, 14, 20, 31, 40, 41, 52, 60, 2, 7]))
    1
    >>> _counter_wraps(np.array([21.0, 21.2, 20.9, 21.1, 21.3, 21.0, 21.2, 21.1, 20.8, 21.0])) is None
    True
    >>> toggles, huge = np.array([0.0, 1] * 10), np.array([-1e308, 1e308] * 10)
    >>> _counter_wraps(toggles) is None, _counter_wraps(huge) is None
    (True, True)
    """
    v = v[np.isfinite(v)]
    if len(v) < 10:
        return None
    lo, hi = float(v.min()), float(v.max())
    if not hi > lo:
        return None
    span = hi / 2 - lo / 2  # (half the range: no overflow for values near float64's largest)
    with np.errstate(over="ignore"):  # (a step between such values is +-inf: its sign is what counts)
        d = np.diff(v)
    down = d < 0
    wraps = down & (v[1:] <= lo + 0.2 * span) & (v[:-1] >= hi - 0.2 * span)
    rises = int((d > 0).sum())
    # (a counter rises many times between wraps: a channel going from its top to its bottom and
    # back at every step, a valve's 0/1 toggling, is no counter, however many its 'wraps')
    if (down & ~wraps).any() or rises < 0.25 * len(d) or 4 * int(wraps.sum()) > rises:
        return None
    return int(wraps.sum())


def _refuse_repeats(df: pd.DataFrame, read: set[str]) -> None:
    """An :class:`InputError` when a column in ``read`` has its name more than once in ``df``
    (columns named as text): ``df[c]`` would be a table, not a column."""
    if df.columns.has_duplicates:
        dup = sorted(set(df.columns[df.columns.duplicated()]) & read)
        if dup:
            raise InputError(f"column names repeat: {', '.join(map(repr, dup[:5]))} (as text); "
                             "every column the series is read from needs its own name")


def _first_row(df: pd.DataFrame) -> int:
    """Rows before ``df``'s first in the table it was cut from, for error messages: the start of
    its default (range) index, so that a protocol's test part (``iloc[400:]``) names the rows of
    the file; 0 for any other index.

    Examples
    --------
    >>> _first_row(pd.DataFrame({"a": range(10)}).iloc[4:]), _first_row(pd.DataFrame(index=["x"]))
    (4, 0)
    """
    index = df.index
    return int(index.start) if isinstance(index, pd.RangeIndex) and index.step == 1 else 0


def _rows_from(message: str, first_row: int) -> str:
    """``message`` with each ``row N`` (counted in a part of a table) counted in the table the
    part was cut from, whose first ``first_row`` rows come before it; quoted values are left
    as they are.

    Examples
    --------
    >>> _rows_from("column 'ts': row 2 ('x') has no UTC offset but row 1 has one", 400)
    "column 'ts': row 402 ('x') has no UTC offset but row 401 has one"
    >>> _rows_from("column 'ts': row 3 is not a timestamp ('row 3')", 40)
    "column 'ts': row 43 is not a timestamp ('row 3')"
    """
    return re.sub(r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|\brow (\d+)\b",
                  lambda m: m[1] or f"row {int(m[2]) + first_row}", message)


def _long_gaps(na: np.ndarray, limit: int) -> np.ndarray:
    """Where ``na`` ``(time, channels)`` is a missing value in a run of more than ``limit``
    consecutive missing steps of its channel (the gaps ``fill_limit`` leaves open).

    Examples
    --------
    >>> na = np.array([[1], [1], [0], [1], [1], [1]], dtype=bool)
    >>> _long_gaps(na, 2).ravel().tolist()
    [False, False, False, True, True, True]
    """
    out = np.zeros(na.shape, dtype=bool)
    for j in range(na.shape[1]):
        edges = np.diff(np.r_[0, na[:, j].astype(np.int8), 0])
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            if hi - lo > limit:
                out[lo:hi, j] = True
    return out


def _gaps_holding(na: np.ndarray, left: np.ndarray) -> np.ndarray:
    """The runs of consecutive missing steps of ``na`` ``(time, channels)`` that hold a value
    still missing in ``left`` (what a fill left open), each run whole.

    Examples
    --------
    >>> na = np.array([[1], [1], [1], [0], [1]], dtype=bool)
    >>> left = np.array([[0], [0], [1], [0], [0]], dtype=bool)
    >>> _gaps_holding(na, left).ravel().tolist()
    [True, True, True, False, False]
    """
    out = np.zeros(na.shape, dtype=bool)
    for j in np.flatnonzero(left.any(axis=0)).tolist():
        edges = np.diff(np.r_[0, na[:, j].astype(np.int8), 0])
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            if left[lo:hi, j].any():
                out[lo:hi, j] = True
    return out | left  # (a value left open is missing in na too; kept should it not be)


def _span(step: pd.Timedelta) -> str:
    """A time step as a ``freq`` string (what ``--freq`` takes), not pandas' ``0 days 00:01:00``.

    Examples
    --------
    >>> _span(pd.Timedelta("60s")), _span(pd.Timedelta("11min")), _span(pd.Timedelta("1500ms"))
    ('1min', '11min', '1500ms')
    """
    text = to_offset(step).freqstr  # pandas 2.1 (allowed) spells 1T, 1500L, 2H: as 2.2 on, by frequency
    return frequency(text if text[:1].isdigit() else f"1{text}")
