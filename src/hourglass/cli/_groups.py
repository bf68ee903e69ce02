"""``--group-by`` / ``--group-window`` of ``hourglass score`` and ``stream``: the options checked,
the rows' key values and times read, the grouped alerts rendered (hourglass or ECS)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import counted, listed_columns, near_names
from hourglass._times import FUTURE_LIMIT
from hourglass.errors import HourglassError, InputError
from hourglass.ingest.tables import NULL_VALUES, UNKNOWN_ROW, ReadStats, nested_note
from hourglass.serve.grouping import (
    AlertGroups,
    _reads_as_time,
    group_to_ecs,
    parse_group_by,
    parse_group_window,
)

__all__ = ["NO_TIME", "Grouping", "check_group_options", "group_window_of", "grouping_only"]

_ROW = re.compile(r"\brow (\d+)\b")
NO_TIME = np.iinfo(np.int64).min  # a row's time in :meth:`Grouping.times` when it does not read (NaT)
#: the key values a CSV's reader reads as an empty cell (``N/A``, ``null``, ``?``, ``''``...), which
#: JSON lines, a Parquet file and ``stream`` bring as text: a key of none of them (``null``)
_NULL_KEYS = frozenset(NULL_VALUES)


def check_group_options(group_by: str | None, group_window: str | None, kind: str, model: str,
                        *, timestamp_col: str | None = None, all_rows: bool = False,
                        keep: Sequence[str] | None = None) -> None:
    """Refuse the grouping options where they do not apply (before any output is opened)."""
    if group_by is None:
        for value, name, what in ((group_window, "--group-window", "window"),
                                  (timestamp_col, "--timestamp-col", "time column")):
            if value is not None:
                raise HourglassError(grouping_only(name, what, kind, model))
        return
    if kind != "table":
        raise HourglassError(f"--group-by: groups the alerts of table models, not of {kind} models "
                             f"({model}); leave it out")
    if timestamp_col is not None and group_window is not None and \
            parse_group_window(group_window)[0] == "rows":  # (its time would be read for nothing)
        raise HourglassError(f"--timestamp-col {timestamp_col}: the rows' time of time windows; "
                             f"--group-window {group_window.strip()} is a number of rows (give a time "
                             "length such as 10m, or leave --timestamp-col out)")
    if keep:
        from hourglass.cli._common import refuse_kept_outputs
        from hourglass.serve.grouping import GROUP_FIELDS

        refuse_kept_outputs(keep, set(GROUP_FIELDS))
    if all_rows:
        raise HourglassError("--all: writes every row; --group-by writes one alert per group of "
                             "flagged rows (drop one of them)")
    # the key columns' spelling (',' alone, a column twice), which stream read only once its
    # output was open: a refusal then left a new, empty output and its descriptor held
    parse_group_by(group_by)


def grouping_only(option: str, what: str, kind: str, model: str) -> str:
    """The refusal of a grouping ``option`` given without ``--group-by``: give ``--group-by``
    with it, for a table model; leave it out for another, whose alerts are never grouped (it
    advised --group-by, which that model then refused).

    Examples
    --------
    >>> grouping_only("--max-groups", "most open groups", "table", "autoencoder")
    '--max-groups: the most open groups of grouped alerts; give --group-by COLS with it'
    >>> grouping_only("--timestamp-col", "time column", "entity", "autoencoder")
    '--timestamp-col: the time column of grouped alerts, which only table models write (this is \
an entity model, autoencoder); leave it out'
    """
    if kind == "table":
        return f"{option}: the {what} of grouped alerts; give --group-by COLS with it"
    article = "an" if kind[0] in "aeiou" else "a"
    return (f"{option}: the {what} of grouped alerts, which only table models write (this is "
            f"{article} {kind} model, {model}); leave it out")


def group_window_of(group_window: str | None, time_col: str | None, *,
                    idle_timeout: float | None = None) -> tuple[str, int]:
    """The window of ``--group-window`` (default: 10 minutes with a time column, else 10000
    rows): ``("time", nanoseconds)`` or ``("rows", N)``. Refuses a time window without a time
    column and ``idle_timeout`` (``stream --idle-timeout``, which lets event time run on with the
    wall clock) with a window of rows, which only the rows themselves close.

    Examples
    --------
    >>> group_window_of(None, "ts"), group_window_of(None, None), group_window_of("5m", "ts")
    (('time', 600000000000), ('rows', 10000), ('time', 300000000000))
    >>> group_window_of("100", None, idle_timeout=30)
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --idle-timeout 30: closes time windows by the wall clock; \
windows of 100 rows (--group-window 100) close only as the rows pass them: leave it out
    """
    if group_window is None:
        window = ("time", int(pd.Timedelta("10min").value)) if time_col else ("rows", 10_000)
    else:
        window = parse_group_window(group_window)
    if window[0] == "time" and time_col is None:
        raise HourglassError(f"--group-window {group_window}: a time window needs each row's "
                             "time: give --timestamp-col (the model has none), or a number of "
                             "rows such as --group-window 1000")
    if window[0] == "rows" and idle_timeout is not None:
        given = (f"--group-window {group_window.strip()}" if group_window is not None
                 else "the default without a time column; give --timestamp-col for time windows")
        raise HourglassError(f"--idle-timeout {idle_timeout:g}: closes time windows by the wall "
                             f"clock; windows of {window[1]} rows ({given}) close only as the rows "
                             "pass them: leave it out")
    return window


def shown_value(value: Any) -> str:
    """A cell as a warning or an error quotes it: its repr, cut short past 80 characters (a
    300-character time printed whole).

    Examples
    --------
    >>> shown_value("garbage"), shown_value("x" * 100)[-6:]
    ("'garbage'", 'xxx...')
    """
    scalar = (hasattr(value, "item") and not isinstance(value, str) and getattr(value, "ndim", 1) == 0
              and type(value).__name__ != "datetime64")  # (a numpy number: as Python's)
    text = repr(value.item() if scalar else value)
    return text if len(text) <= 80 else text[:60] + "..."


@dataclass
class Grouping:
    """The grouping of one run: key columns, window, the time column and the open groups."""

    keys: list[str]
    window: tuple[str, int]
    time_col: str | None
    groups: AlertGroups
    kept: tuple[str, ...] = ()
    rule: Any = None  # an AlertRule: render ECS documents
    window_text: str = "10m"
    dayfirst: bool | None = None  # numeric dates in the model's training order (its time column)
    untimed_rows: int = 0  # rows without a readable time (--on-bad-rows skip)
    first_untimed: tuple[str, Any] = ("", None)  # the first: "row N" (or "line N"), value
    skip: bool = False  # --on-bad-rows skip
    ecs_untimed: int = 0  # flagged rows whose ECS time does not read (windows of rows, skip)
    first_ecs_untimed: tuple[str, Any] = ("", None)  # the first: "row N" (or "line N"), value
    ahead_rows: int = 0  # stream: rows whose time is past FUTURE_LIMIT ahead of the clock (skip)
    first_ahead: tuple[str, Any] = ("", None)  # the first: "line N", value

    @classmethod
    def from_options(cls, group_by: str, group_window: str | None, time_col: str | None, *,
                     ordered: bool, max_groups: int | None = None, keep: Sequence[str] = (),
                     rule: Any = None, info: dict[str, Any] | None = None,
                     skip: bool = False) -> Grouping:
        """Parse the options; a time window needs a time column (``info``: the model's, whose
        time column's numeric dates are read in its training order); ``skip``: ``--on-bad-rows
        skip``."""
        keys = parse_group_by(group_by)
        window = group_window_of(group_window, time_col)
        if window[0] == "rows":
            time_col = None
        groups = AlertGroups(keys, window, ordered=ordered, max_groups=max_groups)
        text = group_window.strip() if group_window is not None else \
            ("10m" if window[0] == "time" else "10000")
        info = info or {}
        dayfirst = info.get("time_dayfirst") if time_col == info.get("time_col") else None
        return cls(keys, window, time_col, groups, tuple(keep), rule, text, dayfirst, skip=skip)

    @property
    def ecs_time_field(self) -> str | None:
        """The model's time column when an ECS document of a window of rows takes its event
        time from its top row's value of it (kept, or a key), else ``None``: a flagged row's
        value is checked by :meth:`ecs_time_reads`."""
        field = getattr(self.rule, "time_field", None) if self.window[0] == "rows" else None
        return field if field and (field in self.keys or field in self.kept) else None

    def ecs_time_reads(self, value: Any, place: str | Callable[[], str]) -> bool:
        """Whether a flagged row's value of :attr:`ecs_time_field` reads as a time; with
        ``skip`` one that does not is counted (its alert takes the scoring time) and ``True``.
        ``place``: how a message names the row, or a function that tells it (asked for the
        first such row only: a CSV row's line is found by reading the file to it)."""
        if _reads_as_time(value, self.rule):
            return True
        if not self.skip:
            return False
        self.count_ecs_untimed(place, value)
        return True

    def count_ecs_untimed(self, place: str | Callable[[], str], value: Any) -> None:
        """Count a flagged row without a readable time (``--on-bad-rows skip``): the warning of
        :meth:`ecs_time_note` names the first (a long value cut short; ``place`` as for
        :meth:`ecs_time_reads`)."""
        if not self.ecs_untimed:
            self.first_ecs_untimed = (place() if callable(place) else place,
                                      "empty" if value is None else shown_value(value))
        self.ecs_untimed += 1

    def ecs_time_note(self, where: str) -> str | None:
        """The warning of the flagged rows counted by :meth:`ecs_time_reads`, or ``None``."""
        if not self.ecs_untimed:
            return None
        place, value = self.first_ecs_untimed
        return (f"{where}: column {self.ecs_time_field!r}: {self.ecs_untimed:,} flagged row(s) "
                f"without a readable time (first: {f'{place}, ' if place else ''}{value}); a "
                "grouped alert whose highest-scoring row is one of them carries the scoring time")

    def with_keys(self, df: pd.DataFrame, where: str, *, lenient: bool = False) -> pd.DataFrame:
        """``df`` with its key columns. With ``lenient`` (JSON lines, whose rows each have their
        own fields) a key field absent from a whole chunk is empty (null) in its rows, and only
        a field no row of the file has is an error (:meth:`check_seen`)."""
        self._seen = getattr(self, "_seen", set()) | {c for c in self.keys if c in df.columns}
        self._columns = list(dict.fromkeys([*getattr(self, "_columns", []), *map(str, df.columns)]))
        absent = [c for c in self.keys if c not in df.columns]
        if not lenient or not absent:
            self.check_columns(list(df.columns), where)
            return df
        self.check_columns([*df.columns, *absent], where)
        return df.assign(**{c: np.full(len(df), None, dtype=object) for c in absent})

    def check_seen(self, where: str) -> None:
        """Refuse a key column that no chunk had (after :meth:`with_keys` with ``lenient``)."""
        self.check_columns([*getattr(self, "_columns", []),
                            *(c for c in self.keys if c in getattr(self, "_seen", set()))], where)

    def check_columns(self, columns: Sequence[str], where: str) -> None:
        """Refuse a key or time column the data lacks, naming the columns it has."""
        missing = [c for c in (*self.keys, *([self.time_col] if self.time_col else [])) if c not in columns]
        if missing:
            option = "--group-by" if missing[0] in self.keys else "--timestamp-col"
            have = list(columns)
            # --group-by source, read as source.ip ...; or a near name (in case or spelling)
            nested = nested_note(missing[:1], have) or near_names(missing[:1], have)
            if nested:
                raise HourglassError(f"{option}: no column {missing[0]!r} in {where}; {nested}")
            raise HourglassError(f"{option}: no column {missing[0]!r} in {where}; columns are "
                                 f"{listed_columns(have[:12])}{' ...' if len(have) > 12 else ''}")

    def times(self, values: Any, first_row: int, where: str, lines: Sequence[int] | None = None,
              *, skip: bool = False, stats: Any = None, wall: float | None = None) -> np.ndarray | None:
        """The times (ns) of a chunk's rows; an unreadable one names its data row (1-based
        within the file, as the rest of hourglass does) or its input line (``lines``).

        With ``skip`` (``--on-bad-rows skip``) a row without a readable time is :data:`NO_TIME`
        instead, counted in ``untimed_rows`` (the first in ``first_untimed``: data row or input
        line, value; no data row where ``stats``, the read's counts, says a skipped row may come
        before it, ``first_row`` then not counting the file's rows);
        a chunk without one readable time, before any was read, still names its first row.

        With ``wall`` (a stream: this machine's clock, epoch seconds) a time more than
        :data:`~hourglass._times.FUTURE_LIMIT` ahead of it (a device clock saying 2100) is no
        window's time, which would close every open group and make every later flagged row a
        late group of its own: an error naming its line, or with ``skip`` :data:`NO_TIME` (the
        row scored, placed in no window), counted in ``ahead_rows``."""
        out = self._times(values, first_row, where, lines, skip=skip, stats=stats)
        if wall is None or out is None:
            return out
        from hourglass._times import future_problem

        limit = int(wall * 1e9) + int(FUTURE_LIMIT.value)
        ahead = np.flatnonzero((out > limit) & (out != NO_TIME))
        if not len(ahead):
            return out
        first = int(ahead[0])
        value = values.iloc[first] if isinstance(values, pd.Series) else list(values)[first]
        place = (f"line {lines[first]}" if lines is not None
                 else ReadStats.place_in(stats, first_row + first) or "")
        if not skip:
            problem = future_problem(int(out[first]), value, str(self.time_col), wall)
            raise HourglassError(f"{where}: {place}: {problem}")
        if not self.ahead_rows:
            self.first_ahead = (place, shown_value(value))
        self.ahead_rows += len(ahead)
        out = out.copy()
        out[ahead] = NO_TIME
        return out

    def _times(self, values: Any, first_row: int, where: str, lines: Sequence[int] | None = None,
               *, skip: bool = False, stats: Any = None) -> np.ndarray | None:
        """:meth:`times` without the check of times ahead of the clock."""
        if self.time_col is None:
            return None
        from hourglass._times import parse_timestamps, unreadable_times

        col = values if isinstance(values, pd.Series) else pd.Series(list(values))
        col = col.reset_index(drop=True)
        bad = unreadable_times(col, self.time_col, self.dayfirst) if skip else np.zeros(len(col), bool)
        if bad.all() and self.groups.newest is None:
            bad[:] = False  # no time read yet: the column may be the wrong one, named below
        read = np.flatnonzero(~bad)  # the rows read (a row named in an error is one of them)
        try:
            ts = parse_timestamps(col.iloc[read] if bad.any() else col, self.time_col,
                                  dayfirst=self.dayfirst) if len(read) else pd.DatetimeIndex([])
        except InputError as exc:
            def place(m: re.Match[str]) -> str:
                i = int(m.group(1)) - 1
                i = int(read[i]) if 0 <= i < len(read) else i
                if lines is not None:
                    return f"line {lines[i]}" if 0 <= i < len(lines) else m.group(0)
                return ReadStats.place_in(stats, first_row + i) or UNKNOWN_ROW

            raise HourglassError(f"{where}: {_ROW.sub(place, str(exc))}") from None
        if ts.tz is not None:
            self.groups.aware = True
        if not bad.any():
            return np.asarray(ts.as_unit("ns").asi8)
        first = int(np.flatnonzero(bad)[0])
        if not self.untimed_rows:
            told = ReadStats.place_in(stats, first_row + first)
            self.first_untimed = (f"line {lines[first]}" if lines is not None else told or "",
                                  shown_value(col.iloc[first]))
        self.untimed_rows += int(bad.sum())
        out = np.full(len(col), NO_TIME, dtype=np.int64)
        out[~bad] = np.asarray(ts.as_unit("ns").asi8)
        return out

    def add(self, alerts: Sequence[dict[str, Any]], keys: Sequence[tuple[Any, ...]],
            times: Sequence[int | None]) -> list[dict[str, Any]]:
        """Count flagged rows' alerts in; the groups handed back early."""
        out: list[dict[str, Any]] = []
        for alert, key, t in zip(alerts, keys, times, strict=True):
            plain = tuple(_plain(v) for v in key)
            if t is None and self.window[0] == "time":  # no readable time (skip): its own alert
                out += self.groups.add_untimed(alert, key=plain)
            else:
                out += self.groups.add(alert, key=plain, time_ns=t)
        return out

    def untimed_note(self, where: str) -> str | None:
        """The warning of the rows without a readable time (``times(skip=True)``), or ``None``."""
        if not self.untimed_rows:
            return None
        place, value = self.first_untimed
        n = self.groups.counts["untimed"]
        return (f"{where}: {self.untimed_rows:,} row(s) without a readable time in column "
                f"{self.time_col!r} (first: {f'{place}, ' if place else ''}{value}) were scored "
                f"but placed in no window; {n:,} of them flagged, each written as its own alert "
                "without a window (window_start null)")

    def ahead_note(self, where: str) -> str | None:
        """The warning of the rows whose time was past the clock (``times(wall=..., skip=True)``),
        or ``None``."""
        if not self.ahead_rows:
            return None
        place, value = self.first_ahead
        return (f"{where}: {self.ahead_rows:,} row(s) whose time in column {self.time_col!r} is more "
                f"than {FUTURE_LIMIT.days} day ahead of this machine's clock (first: "
                f"{f'{place}, ' if place else ''}{value}) were scored but placed in no window (a "
                "device clock gone wrong would close every open group); flagged, each is written "
                "as its own alert without a window (window_start null)")

    def render(self, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The grouped alerts as written: as they are, or ECS documents."""
        if self.rule is None:
            return groups
        return [group_to_ecs(g, self.rule, kept=self.kept) for g in groups]

    def summary(self) -> str:
        """``N flagged rows -> M grouped alerts (...)``."""
        c = self.groups.counts
        unit = (f"{self.window_text} windows" if self.window[0] == "time"
                else f"windows of {counted(self.window[1], 'row')}")
        extra = [f"{c['evicted']:,} written early (--max-groups)"] if c["evicted"] else []
        if c["untimed"]:
            ahead = " or with one ahead of the clock" if self.ahead_rows else ""
            extra.append(f"{c['untimed']:,} flagged row(s) without a readable time{ahead}, each its own "
                         "alert")
        if c["late"]:
            extra.append(f"{c['late']:,} flagged row(s) came after their window was written "
                         "(out of time order) and started a second group")
        more = f"; {'; '.join(extra)}" if extra else ""
        return (f"grouped {counted(c['flagged'], 'flagged row')} -> {counted(c['groups'], 'alert')} "
                f"(by {','.join(self.keys)}, {unit}){more}")


def _plain(value: Any) -> Any:
    """A key value as JSON holds it (numpy scalars plain, NaN/NA -> None, and so is the text of
    a missing cell, ``N/A``, ``null``, ``''``..., as a CSV's reader reads it; a whole float a whole
    number: a port column with a missing cell is read as floats, yet its key is port 80, as a
    streamed line writes it, not 80.0); an array or object (a streamed JSON line's field) as its
    JSON text, keys sorted, as ``score`` reads a JSON-lines file's arrays: one group per distinct
    value, never an unhashable key.

    Examples
    --------
    >>> _plain(["b", "a"]), _plain({"y": 1, "x": None}), _plain(float("nan")), _plain("10.0.0.5")
    ('["b", "a"]', '{"x": null, "y": 1}', None, '10.0.0.5')
    >>> _plain(np.float64(80.0)), _plain(80.0), _plain(0.5), _plain(True)
    (80, 80, 0.5, True)
    >>> _plain("N/A"), _plain("null"), _plain(""), _plain(" N/A"), _plain("-")
    (None, None, None, ' N/A', '-')
    >>> _plain(np.datetime64("2024-01-01T00:00:28", "ns")), _plain(np.datetime64("NaT", "ns"))
    (Timestamp('2024-01-01 00:00:28'), None)
    """
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, (np.datetime64, np.timedelta64)):  # (item() of a nanosecond one: an int)
        if np.isnat(value):
            return None
        try:
            return pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
        except (ValueError, OverflowError):  # beyond pandas' range: as the outputs write it
            return value
    if isinstance(value, str) and value in _NULL_KEYS:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    try:
        if value is None or pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return whole(value)


def whole(value: Any) -> Any:
    """``value``, a whole float as the whole number it is (a CSV's integer column with a missing
    cell is read as floats; a streamed JSON line has 80, not 80.0): what grouped alerts write.

    Examples
    --------
    >>> whole(22.0), whole(22.5), whole("22"), whole(float("inf"))
    (22, 22.5, '22', inf)
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value
