"""Alert grouping: one alert per (key values, time window) instead of one per flagged row.

A port scan or a brute force from one source flags thousands of rows; an analyst wants one
alert per source and window with a count (what SIEMs call alert grouping or throttling).
:class:`AlertGroups` gathers the flagged rows' alerts (as ``hourglass score`` / ``stream`` build
them: ``row``, ``score``, ``severity``, ``calibrated``, optional ``top_column``/``why`` and kept
fields) by the values of the ``--group-by`` columns within tumbling windows and gives back one
grouped alert per (key values, window):

``group_by`` (the key columns), each key column and its value, ``count`` (flagged rows),
``first_row``/``last_row`` (row numbers as ``score`` counts them, from 0), ``first_time``/
``last_time`` (time windows), ``window_start``/``window_end`` (its window: times, or row numbers
for row windows; the end is not in it), ``max_score``, ``severity``
(the highest), ``max_calibrated``, ``top_row`` (the highest-scoring row) with its
``top_column``/``why`` and kept fields.

Windows are aligned to the epoch (``10m``: 14:00-14:10, 14:10-14:20...), or, for a window of
``N`` rows (a bare number, for data without times), rows ``0..N-1``, ``N..2N-1``... A group is
handed back once its window has closed: for time windows when the newest time seen passes its
end, for row windows when that many rows have been seen; the rest at :meth:`close`. With
``ordered=True`` (``hourglass score``) time closes windows only while the rows' times never went
back; from the first row that does, every group is kept until the end (a row for a window
already handed back then starts a second group for it; each such row is counted in ``late``). A stream
(``ordered=False``) closes by the newest time whatever the order (late rows likewise). At most
``max_groups`` groups stay open: beyond it the one with the oldest first row is handed back
early (counted in ``evicted``). Groups handed back together come in the order of their first row.

A flagged row without a time (``hourglass score --on-bad-rows skip`` over a time column with an
unreadable value) fits no time window: :meth:`AlertGroups.add_untimed` hands it back at once as
a one-row group whose ``window_start``/``window_end`` and ``first_time``/``last_time`` are
``None`` (counted in ``untimed``).
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hourglass.errors import InputError

__all__ = ["CUT_OFF", "GROUP_FIELDS", "AlertGroups", "group_to_ecs", "parse_group_by", "parse_group_window"]

#: The fields of a grouped alert besides its key columns and kept fields.
GROUP_FIELDS = ("group_by", "count", "first_row", "last_row", "first_time", "last_time",
                "window_start", "window_end", "max_score", "severity", "max_calibrated", "top_row",
                "top_column", "why")
_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
_EPOCH = dt.datetime(1970, 1, 1)
_OWN = {"row", "score", "severity", "calibrated", "top_column", "why", "flag"}
CUT_OFF = "\x00cut_off"
"""The key under which a flagged row's alert may carry the cut-off it met (``stream --adapt``:
a streaming threshold moves), for its group's ECS alert: a name no input column has, so that a
kept or key column named ``threshold`` neither hides it nor is replaced by it. It never reaches
the output (:func:`group_to_ecs` takes it out)."""


def parse_group_by(text: str | Sequence[str]) -> list[str]:
    """The key columns of ``--group-by`` (comma-separated, repeatable).

    Examples
    --------
    >>> parse_group_by("src_ip, dst_port"), parse_group_by(["src_ip", "user"])
    (['src_ip', 'dst_port'], ['src_ip', 'user'])
    """
    parts = [text] if isinstance(text, str) else list(text)
    cols = [c.strip() for p in parts for c in p.split(",")]
    if not cols or any(not c for c in cols):
        raise InputError(f"--group-by: expected column names separated by commas, got {text!r}")
    taken = sorted(set(cols) & set(GROUP_FIELDS))
    if taken:
        raise InputError(f"--group-by {taken[0]}: a grouped alert has its own {taken[0]!r} field; "
                         "rename the input column to group by it")
    if len(set(cols)) != len(cols):
        raise InputError(f"--group-by: a column is named twice in {text!r}")
    return cols


def parse_group_window(text: str) -> tuple[str, int]:
    """``("time", nanoseconds)`` for a time length (``30s``, ``10m``, ``1h``), ``("rows", N)``
    for a bare whole number of rows.

    Examples
    --------
    >>> parse_group_window("10m"), parse_group_window("1000")
    (('time', 600000000000), ('rows', 1000))
    >>> parse_group_window("10x")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: --group-window: expected a time length such as 30s, 10m or 1h, \
or a number of rows such as 1000, got '10x'
    >>> parse_group_window("1e30")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: --group-window: '1e30' is above 2**63-1 (9223372036854775807), \
the largest whole number an option takes
    >>> parse_group_window("300000d")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: --group-window: '300000d' is too long (at most 106,751 days)
    """
    from hourglass._limits import too_large
    from hourglass._numbers import read_whole
    from hourglass.features.entity import parse_bucket

    s = str(text).strip()
    rows = read_whole(s)  # (as the options read a whole number: 1_000, 1e3; not '١٠٠٠')
    if rows is not None:
        if rows > 0:
            said = too_large(rows)
            if said is not None:  # a count, as the options' (1e30 rows: windows no SQLite integer holds)
                raise InputError(f"--group-window: {text!r} is {said}")
            return "rows", rows
    elif s[-1:].isalpha():
        try:
            return "time", int(parse_bucket(s).value)  # the entity buckets' time lengths
        except InputError as exc:  # a length past what times hold: said as --bucket says it
            if str(exc).startswith(f"bucket: {s!r} is too long"):  # (not 'expected a time length')
                raise InputError(f"--group-window: {str(exc).removeprefix('bucket: ')}") from None
    raise InputError("--group-window: expected a time length such as 30s, 10m or 1h, or a number "
                     f"of rows such as 1000, got {text!r}")


@dataclass
class _Group:
    key: tuple[Any, ...]
    window: int | None  # window start (ns, or row number); None: a row without a time
    first_row: int
    first_time: int | None
    top: dict[str, Any]  # the highest-scoring row's alert
    count: int = 0
    last_row: int = -1
    last_time: int | None = None
    max_calibrated: float = float("-inf")
    rank: int = 0
    severity: Any = None
    kept: dict[str, Any] = field(default_factory=dict)


class AlertGroups:
    """Flagged rows' alerts gathered per (key values, window); see the module docstring.

    Parameters
    ----------
    group_by
        The key columns (their values come with each :meth:`add`).
    window
        ``("time", ns)`` or ``("rows", n)``, as :func:`parse_group_window` gives it.
    ordered
        Close time windows only while the times seen never went back (batch scoring).
    max_groups
        Most open groups; beyond it the oldest is handed back early.
    aware
        Whether the times are UTC (ISO text with ``+00:00``) or naive.

    Examples
    --------
    >>> g = AlertGroups(["src_ip"], ("rows", 100))
    >>> for row, score in [(3, 2.0), (7, 5.0), (150, 1.0)]:
    ...     _ = g.add({"row": row, "score": score, "severity": "high", "calibrated": 0.99},
    ...               key=("10.0.0.5",))
    >>> [(a["count"], a["max_score"], a["first_row"]) for a in g.advance(rows=120)]
    [(2, 5.0, 3)]
    >>> [(a["src_ip"], a["count"], a["window_start"]) for a in g.close()]
    [('10.0.0.5', 1, 100)]
    """

    def __init__(self, group_by: Sequence[str], window: tuple[str, int], *, ordered: bool = True,
                 max_groups: int | None = None, aware: bool = False) -> None:
        self.group_by, (self.unit, self.size) = list(group_by), window
        self.ordered, self.max_groups, self.aware = ordered, max_groups, aware
        self.open: dict[tuple[tuple[Any, ...], int], _Group] = {}
        self.newest: int | None = None  # newest time (or rows) seen
        self.in_order = True
        self.closed_before: int | None = None  # windows starting before this were handed back
        self.counts = {"flagged": 0, "groups": 0, "evicted": 0, "late": 0, "untimed": 0}
        # the newest row (its number + 1) or time added since: a group beyond max_groups whose
        # window ended by it is due, not written early (a batch's rows come before its advance)
        self._seen: int | None = None
        # with max_groups: the open groups by first row, a heap (stale entries skipped when
        # popped, dropped when they outnumber the open groups), so that writing the oldest early
        # costs a log, not a pass over every open group for each flagged row beyond the cap
        self._oldest: list[tuple[int, int, Any, _Group]] = []
        self._seq = itertools.count()

    def _window(self, row: int, time_ns: int | None) -> int:
        if self.unit == "rows":
            return row - row % self.size
        if time_ns is None:
            raise InputError(f"row {row}: no time to place it in a --group-window")
        return time_ns - time_ns % self.size

    def add(self, alert: Mapping[str, Any], *, key: tuple[Any, ...], time_ns: int | None = None,
            ) -> list[dict[str, Any]]:
        """Count one flagged row's ``alert`` into its group; the groups handed back early
        (beyond ``max_groups``), usually none."""
        row = int(alert["row"])
        window = self._window(row, time_ns)
        mark = row + 1 if self.unit == "rows" else time_ns
        if mark is not None:
            self._seen = mark if self._seen is None else max(self._seen, mark)
        if self.closed_before is not None and window < self.closed_before:
            self.counts["late"] += 1  # every such row (its window was handed back), not each group
        g = self.open.get((_ident(key), window))
        if g is None:
            g = self.open[(_ident(key), window)] = _Group(key, window, row, time_ns, dict(alert))
            self._note_first(g)
        self.counts["flagged"] += 1
        g.count += 1
        g.last_row = max(g.last_row, row)
        if row < g.first_row:
            g.first_row = row
            self._note_first(g)
        if time_ns is not None:
            g.first_time = time_ns if g.first_time is None else min(g.first_time, time_ns)
            g.last_time = time_ns if g.last_time is None else max(g.last_time, time_ns)
        score = float(alert["score"])
        if score > float(g.top["score"]) or g.count == 1:
            g.top = dict(alert)
        calibrated = alert.get("calibrated")
        if calibrated is not None:
            g.max_calibrated = max(g.max_calibrated, float(calibrated))
        rank = _RANK.get(str(alert.get("severity")), 0)
        if g.severity is None or rank > g.rank:
            g.rank, g.severity = rank, alert.get("severity")
        if self.max_groups is not None and len(self.open) > self.max_groups:
            oldest = self.open.pop(self._pop_oldest())
            if not self._due(oldest):  # its window still open: cut short by the cap
                self.counts["evicted"] += 1
            return self._emit([oldest])
        return []

    def _due(self, g: _Group) -> bool:
        """Whether ``g``'s window ended by the newest row or time added (and, for ordered
        batch scoring, the times have not gone back): the next :meth:`advance` hands it back."""
        newest = self._seen if self.newest is None or self._seen is None else max(self._seen, self.newest)
        return (g.window is not None and newest is not None and g.window + self.size <= newest
                and (not self.ordered or self.in_order))

    def _note_first(self, g: _Group) -> None:
        """Note an open group's (new) first row for :meth:`_pop_oldest` (with ``max_groups``)."""
        if self.max_groups is None:
            return
        if len(self._oldest) > 2 * len(self.open) + 64:  # mostly groups handed back since
            self._oldest = [(o.first_row, next(self._seq), k, o) for k, o in self.open.items()]
            heapq.heapify(self._oldest)
            return
        heapq.heappush(self._oldest, (g.first_row, next(self._seq), (_ident(g.key), g.window), g))

    def _pop_oldest(self) -> tuple[tuple[Any, ...], int]:
        """The key of the open group with the oldest first row (ties: the first opened)."""
        while True:
            first, _, key, g = heapq.heappop(self._oldest)
            if self.open.get(key) is g and g.first_row == first:
                return key

    def add_untimed(self, alert: Mapping[str, Any], *, key: tuple[Any, ...]) -> list[dict[str, Any]]:
        """A flagged row that has no time (time windows): its own one-row group, handed back
        at once, with no window or time (``None``); counted in ``untimed``.

        Examples
        --------
        >>> g = AlertGroups(["src_ip"], ("time", 600 * 10**9))
        >>> [(a["count"], a["window_start"], a["first_time"]) for a in g.add_untimed(
        ...     {"row": 4, "score": 3.0, "severity": "high", "calibrated": 0.9}, key=("10.0.0.5",))]
        [(1, None, None)]
        """
        row = int(alert["row"])
        g = _Group(key, None, row, None, dict(alert), count=1, last_row=row, rank=_RANK.get(
            str(alert.get("severity")), 0), severity=alert.get("severity"))
        calibrated = alert.get("calibrated")
        if calibrated is not None:
            g.max_calibrated = float(calibrated)
        self.counts["flagged"] += 1
        self.counts["untimed"] += 1
        return self._emit([g])

    def advance(self, *, times: Iterable[int] | None = None, rows: int | None = None,
                ) -> list[dict[str, Any]]:
        """Note the times of the rows just scored (every row, flagged or not) or the number of
        rows scored so far; hand back the groups whose window has closed."""
        if rows is not None:
            mark = rows
        else:
            import numpy as np

            arr = np.asarray(list(times) if times is not None and not hasattr(times, "__len__")
                             else times if times is not None else [], dtype=np.int64)
            mark_t = self.newest
            if arr.size:
                if (mark_t is not None and arr[0] < mark_t) or bool((np.diff(arr) < 0).any()):
                    self.in_order = False
                top = int(arr.max())
                mark_t = top if mark_t is None else max(mark_t, top)
            if mark_t is None or (self.ordered and not self.in_order):
                self.newest = mark_t
                return []
            mark = mark_t
        self.newest = mark
        return self._close_before(mark)

    def _close_before(self, mark: int) -> list[dict[str, Any]]:
        """Hand back the groups whose window ends at or before ``mark``."""
        due = [k for k, g in self.open.items() if g.window is not None and g.window + self.size <= mark]
        start = mark - mark % self.size
        self.closed_before = start if self.closed_before is None else max(self.closed_before, start)
        return self._emit([self.open.pop(k) for k in due])

    def elapse(self, seconds: float) -> list[dict[str, Any]]:
        """Let event time run on ``seconds`` past the newest time seen (a quiet stream's wall
        clock) and hand back the groups then due; the newest time itself is not moved."""
        if self.unit != "time" or self.newest is None:
            return []
        return self._close_before(self.newest + int(seconds * 1e9))

    def close(self) -> list[dict[str, Any]]:
        """Hand back every open group (end of input)."""
        groups = list(self.open.values())
        self.open.clear()
        return self._emit(groups)

    def _time(self, ns: int | None) -> str | None:
        if ns is None:
            return None
        # ~20x faster than pandas; truncated to the microsecond, not rounded: a time of 100 ns
        # before a window's end (a Windows event's 01:09:59.9999996) stays inside its window
        when = _EPOCH + dt.timedelta(microseconds=int(ns) // 1000)
        return (when.replace(tzinfo=dt.UTC) if self.aware else when).isoformat()

    def _emit(self, groups: list[_Group]) -> list[dict[str, Any]]:
        out = []
        for g in sorted(groups, key=lambda g: g.first_row):
            doc: dict[str, Any] = {"group_by": ",".join(self.group_by)}
            doc.update(zip(self.group_by, g.key, strict=True))
            timed = self.unit == "time"
            window = None if g.window is None else (self._time(g.window) if timed else g.window)
            end = None if g.window is None else \
                (self._time(g.window + self.size) if timed else g.window + self.size)
            doc.update({
                "count": g.count, "first_row": g.first_row, "last_row": g.last_row,
                "first_time": self._time(g.first_time), "last_time": self._time(g.last_time),
                "window_start": window, "window_end": end,
                "max_score": float(g.top["score"]), "severity": g.severity,
                "max_calibrated": None if g.max_calibrated == float("-inf") else g.max_calibrated,
                "top_row": int(g.top["row"])})
            if not timed:
                del doc["first_time"], doc["last_time"]
            for k in ("top_column", "why"):
                if k in g.top:
                    doc[k] = g.top[k]
            doc.update({k: v for k, v in g.top.items() if k not in _OWN and k not in doc})
            out.append(doc)
        self.counts["groups"] += len(out)
        return out


_BOOLEAN = object()  # (marks a true/false key value apart from the number Python equates it with)


def _ident(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A group's key values as the open groups are looked up by: a true/false value apart from
    the number Python's equality makes it (``True == 1``), so that the rows whose key is ``1``
    and those whose key is ``true`` are two groups, each showing its own value, as ``"1"`` and
    ``1`` are.

    Examples
    --------
    >>> _ident((True, 1)) == _ident((1, 1)), _ident(("10.0.0.5", 443)) == ("10.0.0.5", 443)
    (False, True)
    """
    def boolean(v: Any) -> bool:  # (numpy's too)
        return isinstance(v, bool) or getattr(getattr(v, "dtype", None), "kind", "") == "b"

    if not any(boolean(v) for v in key):
        return key
    return tuple((_BOOLEAN, bool(v)) if boolean(v) else v for v in key)


def group_to_ecs(group: Mapping[str, Any], rule: Any, *, kept: Sequence[str] = (),
                 now: Any = None) -> dict[str, Any]:
    """A grouped alert as one ECS document: ``@timestamp`` and ``event.start`` its first time,
    ``event.end`` its last, ``event.duration`` between them (ns); ``event.severity`` and
    ``event.risk_score`` from its highest severity and calibrated probability; the key columns
    and ``kept`` fields in their ECS fields (``src_ip`` -> ``source.ip``...); the count (ECS
    has no count field) in ``hourglass.count`` and the message.

    Examples
    --------
    >>> from hourglass.serve.ecs import AlertRule
    >>> g = {"group_by": "src_ip", "src_ip": "10.0.0.5", "count": 812, "first_row": 100,
    ...      "last_row": 911, "first_time": "2024-01-01T14:00:03", "last_time": "2024-01-01T14:09:58",
    ...      "window_start": "2024-01-01T14:00:00", "window_end": "2024-01-01T14:10:00",
    ...      "max_score": 4.2, "severity": "critical", "max_calibrated": 0.9999, "top_row": 340}
    >>> doc = group_to_ecs(g, AlertRule("autoencoder", "3f9a", threshold=1.5))
    >>> doc["source"], doc["event"]["end"], doc["event"]["severity"], doc["hourglass"]["count"]
    ({'ip': '10.0.0.5'}, '2024-01-01T14:09:58.000Z', 99, 812)
    >>> doc["message"]
    'hourglass autoencoder: 812 anomalous rows from src_ip=10.0.0.5, rows 100-911 (highest: row 340, \
score 4.2 > threshold 1.5, critical)'
    """
    from hourglass.serve.ecs import _parse_iso, _timestamp, to_ecs

    keys = [k for k in str(group["group_by"]).split(",") if k]
    fields = {k: group.get(k) for k in (*keys, *kept)}
    alert = {k: v for k, v in group.items() if k not in fields and k != CUT_OFF}
    if group.get(CUT_OFF) is not None:  # the cut-off its highest row met (--adapt)
        alert["threshold"] = group[CUT_OFF]
    alert["score"], alert["calibrated"] = group["max_score"], group.get("max_calibrated")
    # a row without a readable time (--on-bad-rows skip): the scoring time, not its kept value;
    # likewise a kept (or key) time of windows of rows (no time read) that is none (empty,
    # unreadable; the commands stop at one without --on-bad-rows skip)
    untimed = "window_start" in group and group["window_start"] is None
    raw = None
    if group.get("first_time") is None and rule.time_field in fields:
        if untimed or not _reads_as_time(fields[rule.time_field], rule):
            value = fields.pop(rule.time_field)  # a key's stays under hourglass.group
            raw = value if rule.time_field not in keys else None
    elif group.get("first_time") is not None and rule.time_field in kept and rule.time_field not in keys:
        raw = fields.get(rule.time_field)  # the top row's (--keep): @timestamp is the first time
    doc = to_ecs(alert, rule, fields=fields, timestamp=group.get("first_time"), now=now)
    hg = doc["hourglass"]
    if raw is not None:
        hg.setdefault("fields", {})[rule.time_field] = raw
    hg.pop("score", None), hg.pop("calibrated", None)
    hg["group"] = {k: group.get(k) for k in keys}
    if group.get("first_time") is not None:
        event = doc["event"]
        event["start"] = _timestamp(group["first_time"], "first_time")
        event["end"] = _timestamp(group["last_time"], "last_time")
        length = _parse_iso(event["end"]) - _parse_iso(event["start"])  # in whole microseconds:
        event["duration"] = length // dt.timedelta(microseconds=1) * 1000  # float seconds lost 1 µs
    who = ", ".join(f"{k}={_key_text(group.get(k))}" for k in keys)
    n = group["count"]
    level = f", {group['severity']}" if group.get("severity") else ""
    # the cut-off its highest row met (a streaming threshold moves: --adapt), else the model's
    cut = alert.get("threshold", rule.threshold)
    vs = f" > threshold {float(cut):.4g}" if cut is not None else ""
    why = f": {group['why']}" if group.get("why") else ""
    doc["message"] = (f"hourglass {rule.name}: {n} anomalous row{'s' if n != 1 else ''} from {who}, "
                      f"rows {group['first_row']}-{group['last_row']} (highest: row {group['top_row']}, "
                      f"score {float(group['max_score']):.4g}{vs}{level}){why}")
    if untimed:
        doc["message"] += " [no readable time: not in a window]"
    return doc


def _reads_as_time(value: Any, rule: Any) -> bool:
    """Whether a kept value of the model's time column reads as the event time of an ECS
    document (:func:`~hourglass.serve.ecs.to_ecs` would stop at one that does not)."""
    from hourglass.serve.ecs import _timestamp

    if value is None:
        return True  # no time: to_ecs takes the scoring time
    try:
        _timestamp(value, str(rule.time_field), rule.time_dayfirst)
    except InputError:
        return False
    return True


def _key_text(value: Any) -> str:
    """A group's key value as the alert's JSON writes it (``null``, ``true``, ``443``), not as
    Python prints it (``None``, ``True``, ``443.0``).

    Examples
    --------
    >>> import numpy as np
    >>> [_key_text(v) for v in (None, float("nan"), float("inf"), True, np.False_, 443.0, "10.0.0.5")]
    ['null', 'null', 'null', 'true', 'false', '443', '10.0.0.5']
    >>> _key_text(dt.datetime(2024, 1, 1, 0, 0, 28))
    '2024-01-01T00:00:28'
    """
    if isinstance(value, (dt.date, dt.time)):  # (pandas' Timestamp too) its ISO text, as in JSON
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy's own scalars
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "null"  # (JSON has no NaN or infinity)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    return str(value)
