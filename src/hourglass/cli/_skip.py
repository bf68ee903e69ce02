"""Rows a table command leaves out with ``--on-bad-rows skip``: no readable time, text in a
summed column, or a column the model reads sent as a JSON object. Light on imports (pandas
and numpy only), so that ``inspect`` uses it without loading the models."""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hourglass.errors import HourglassError, InputError

if TYPE_CHECKING:
    from hourglass.ingest import ReadStats

__all__ = ["SKIP_ADVICE", "nested_rows", "skip_nested_rows", "skip_text_in_numbers", "skip_unreadable_rows",
           "skip_unreadable_times"]

#: what a table command's error for one bad row adds where ``--on-bad-rows skip`` would leave
#: that row out and go on (a malformed line, a model column sent as a JSON object, text in a
#: numeric column), as the readers' own errors say it
SKIP_ADVICE = " (use --on-bad-rows skip to skip such rows)"


def skip_unreadable_times(df: pd.DataFrame, column: str, dayfirst: bool | None, on_bad_rows: str,
                          stats: ReadStats, where: object) -> pd.DataFrame:
    """``df`` without the rows whose ``column`` holds no readable time, counted in ``stats``
    as skipped rows, with ``--on-bad-rows skip`` (else ``df``: the read names the first one);
    a column without one readable time is an error naming it, either way."""
    return skip_unreadable_rows(df, column, dayfirst, (), on_bad_rows, stats, where)


def skip_unreadable_rows(df: pd.DataFrame, column: str, dayfirst: bool | None, numbers: Sequence[str],
                         on_bad_rows: str, stats: ReadStats, where: object, *,
                         nested: Sequence[str] = ()) -> pd.DataFrame:
    """:func:`skip_unreadable_times`, and, with ``numbers`` (an entity model's summed columns),
    the rows whose value in one of them is text that is no number (blank, ``-`` and
    ``(empty)`` are missing values, not text; where no row would be left, the transform names
    the first one, as it did); each kind said once, its first row named by its data row (by
    its value alone where rows the read skipped may come before it).

    With ``nested`` (the columns the model reads: an entity model's entity, time and feature
    columns), a row of JSON lines that sends one of them as a JSON object (read as its fields,
    ``src_ip.a``) is an :class:`InputError` naming its line and the column, as ``stream`` and
    the service refuse it, else scored as if the value were missing (the entity
    ``<missing>``); with ``--on-bad-rows skip`` it is skipped and counted, at its place."""
    df = skip_nested_rows(df, nested, on_bad_rows, stats, where)
    if on_bad_rows != "skip":
        return df
    bad = _time_mask(df, column, dayfirst, where, stats)
    bad |= _number_mask(df, numbers, where, ~bad, stats)
    if not bad.any():
        return df
    stats.bad_rows += int(bad.sum())
    stats.note_skip(int(np.flatnonzero(bad)[0]))
    return df.loc[~bad].reset_index(drop=True)


def skip_nested_rows(df: pd.DataFrame, columns: Sequence[str], on_bad_rows: str, stats: ReadStats,
                     where: object) -> pd.DataFrame:
    """``df`` (the rows a reader handed out, none left out yet) without the rows that send one
    of ``columns`` as a JSON object (``{"src_ip": {"a": 1}}``: ``src_ip`` missing there, its
    field ``src_ip.a`` not), each counted in ``stats`` as left out at its place (with
    ``--on-bad-rows skip``); otherwise the first such row is an :class:`InputError` naming its
    line (its data row where the reader tells no line) and the column (:func:`nested_rows`).

    Examples
    --------
    >>> from hourglass.ingest import ReadStats
    >>> df = pd.DataFrame({"src_ip": ["a", None, "b"], "src_ip.a": [None, 1.0, None]})
    >>> stats = ReadStats()
    >>> skip_nested_rows(df, ["src_ip"], "skip", stats, "x.jsonl")["src_ip"].tolist()
    ['a', 'b']
    >>> stats.bad_rows, stats.rows_of(np.arange(2)).tolist()
    (1, [0, 2])
    >>> skip_nested_rows(df, ["src_ip"], "error", ReadStats(), "x.jsonl")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: x.jsonl: row 2: missing column 'src_ip': the row has 'src_ip' ...
    """
    bad = nested_rows(df, columns, on_bad_rows, stats, where)
    return df.loc[~bad].reset_index(drop=True) if bad.any() else df


def nested_rows(df: pd.DataFrame, columns: Sequence[str], on_bad_rows: str, stats: ReadStats,
                where: object, offset: int = 0) -> np.ndarray:
    """Which rows of ``df`` (the rows a reader handed out from position ``offset`` on, none left
    out yet: a chunk) send one of ``columns`` as a JSON object, read as its fields: with
    ``--on-bad-rows skip`` each is counted in ``stats`` as left out at its place; otherwise the
    first is an :class:`InputError` naming its line (its data row where the reader tells no
    line) and the column, as ``stream`` and the service refuse it. A row that sends the column
    as ``null`` beside dotted fields of its name (``{"user": null, "user.domain": "corp"}``,
    which the reader tells: :attr:`ReadStats.plain_beside_fields`) sends no object.

    Examples
    --------
    >>> from hourglass.ingest import ReadStats
    >>> df = pd.DataFrame({"user": [None, None], "user.domain": ["corp", "corp"]})
    >>> stats = ReadStats(plain_beside_fields={"user": [5]})
    >>> nested_rows(df, ["user"], "skip", stats, "x.jsonl", offset=4).tolist()
    [True, False]
    """
    bad = np.zeros(len(df), dtype=bool)
    model = set(columns)
    dotted = [k for k in df.columns if isinstance(k, str) and "." in k and k not in model]
    if not dotted or not len(df):  # (no object sent: the usual table)
        return bad
    first: tuple[int, str] | None = None
    for c in dict.fromkeys(columns):
        fields = [k for k in dotted if k.startswith(f"{c}.")]
        if not fields:
            continue
        these = np.array(df[fields].notna().any(axis=1), dtype=bool)
        if c in df.columns:
            these &= np.asarray(df[c].isna(), dtype=bool)
        plain = stats.plain_beside_fields.get(c, [])  # ascending: this chunk's by bisection
        lo, hi = bisect.bisect_left(plain, offset), bisect.bisect_left(plain, offset + len(df))
        these[np.asarray(plain[lo:hi], dtype=np.int64) - offset] = False  # null beside its fields
        if these.any():
            i = int(np.flatnonzero(these)[0])
            first = min(first, (i, c)) if first is not None else (i, c)
        bad |= these
    if first is None:
        return bad
    if on_bad_rows != "skip":
        from hourglass.ingest.tables import nested_note
        from hourglass.serve.scoring import nested_refusal

        i, c = first
        line = stats.line_of(offset + i)
        known = int(stats.read_known(np.array([offset + i]))[0])
        at = (f"line {line}" if line is not None else f"row {known + 1}" if known >= 0
              else "a row")
        sent = df.iloc[i]
        note = nested_note([c], [k for k in dotted if pd.notna(sent[k])]).replace("the data has",
                                                                               "the row has")
        raise InputError(f"{where}: {at}: {nested_refusal(c, note)}{SKIP_ADVICE}")
    positions = np.flatnonzero(bad)
    lines = [stats.line_of(offset + int(i)) for i in positions[:10]]
    for n, i in enumerate(positions.tolist()):
        stats.left_out(lines[n] if n < len(lines) else None, offset + i)
    logging.getLogger("hourglass").warning(
        "%s: skipped %d row(s) sending a column the model reads as a JSON object (first: %s"
        "column %r)", where, len(positions), f"line {lines[0]}, " if lines[0] is not None
        else "", first[1])
    return bad


def skip_text_in_numbers(df: pd.DataFrame, numbers: Sequence[str], on_bad_rows: str,
                         stats: ReadStats, where: object) -> pd.DataFrame:
    """``df`` without the rows whose value in one of ``numbers`` (an entity model's summed
    columns) is text that is no number, counted in ``stats`` as skipped rows, with
    ``--on-bad-rows skip`` (else ``df``: the fit names the first one), as
    :func:`skip_unreadable_rows` skips them (for rows whose times were already checked)."""
    if on_bad_rows != "skip" or not len(numbers):
        return df
    bad = _number_mask(df, numbers, where, np.ones(len(df), dtype=bool), stats)
    if not bad.any():
        return df
    stats.bad_rows += int(bad.sum())
    stats.note_skip(int(np.flatnonzero(bad)[0]))
    return df.loc[~bad].reset_index(drop=True)


def _time_mask(df: pd.DataFrame, column: str, dayfirst: bool | None, where: object,
               stats: ReadStats) -> np.ndarray:
    """The rows of ``df`` whose ``column`` holds no readable time (said, the first named)."""
    from hourglass._times import unreadable_times, zone_name_hint

    if column not in df.columns:
        return np.zeros(len(df), dtype=bool)
    bad = np.asarray(unreadable_times(df[column], column, dayfirst), dtype=bool)
    if not bad.any():
        return bad
    if bad.all():
        zone = zone_name_hint(df[column].iloc[0])
        raise HourglassError(f"column {column!r}: no row of {where} holds a readable time "
                             f"({_at(stats, 0, ': ')}{_said(df[column].iloc[0])})"
                             + (zone or f"; is {column!r} the time column?"))
    first = int(np.flatnonzero(bad)[0])
    logging.getLogger("hourglass").warning(
        "%s: skipped %d row(s) without a readable time in column %r (first: %s%s)",
        where, int(bad.sum()), column, _at(stats, first), _said(df[column].iloc[first]))
    return bad


def _number_mask(df: pd.DataFrame, columns: Sequence[str], where: object,
                 others: np.ndarray, stats: ReadStats) -> np.ndarray:
    """The rows of ``df`` whose value in one of ``columns`` is text that is no number (said, the
    first named); none where no row of ``others`` (the rows not skipped otherwise) would be left."""
    from hourglass._numbers import to_numbers
    from hourglass.features.roles import NUMBER_GAPS

    bad = np.zeros(len(df), dtype=bool)
    first: tuple[int, str] | None = None
    for c in columns:
        s = df[c] if c in df.columns else None
        if s is None or pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        these = to_numbers(s).isna().to_numpy() & s.notna().to_numpy()  # (400 digits: inf)
        if these.any():
            text = s.astype("string").str.strip()
            these &= ((text != "") & ~text.isin(NUMBER_GAPS)).fillna(False).to_numpy(dtype=bool)
        if these.any():
            i = int(np.flatnonzero(these)[0])
            first = min(first, (i, c)) if first is not None else (i, c)
        bad |= these
    if first is None or not (others & ~bad).any():
        return np.zeros(len(df), dtype=bool)
    i, c = first
    logging.getLogger("hourglass").warning(
        "%s: skipped %d row(s) whose summed column holds text that is no number (first: %s"
        "column %r: %s)", where, int(bad.sum()), _at(stats, i), c, _said(df[c].iloc[i]))
    return bad


def _at(stats: ReadStats, i: int, then: str = ", ") -> str:
    """``line L`` (where the reader tells its line: CSV, JSON lines) or ``row N`` (its data row)
    and ``then`` for the row at position ``i`` of the rows read, or nothing where rows the read
    skipped may come before it (``i`` is then not the file's)."""
    row = stats.data_row(i)
    if row is None:
        return ""
    line = stats.row_line(row - 1)
    return f"{f'line {line}' if line is not None else f'row {row}'}{then}"


def _said(value: Any) -> str:
    """A cell as a skipped-row warning names it: ``empty``, or its value as written (not numpy's
    ``np.float64(nan)``)."""
    return "empty" if pd.isna(value) else repr(value.item() if hasattr(value, "item") else value)
