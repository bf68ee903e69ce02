"""``hourglass stream`` for an entity-bucket model: JSON rows in, one JSON line per closed
(entity, time bucket) out.

Each row goes into the open bucket of its timestamp. Buckets close by event time: the
*watermark* is the newest timestamp seen minus the allowed lateness (``--lateness``, default one
bucket), and every bucket that ends at or before the watermark is closed, aggregated with the
model's fitted :class:`~hourglass.features.entity.EntityWindows` and scored, exactly as
``hourglass score`` scores that bucket. A row whose bucket is already closed is late: dropped and
counted (warned once). At the end of input every open bucket is closed. Only the rows of open
buckets are kept, so memory is bounded by the rows that fall within ``bucket + lateness`` of the
newest time seen.

A quiet input would leave its last buckets open until more rows come. With ``--idle-timeout S``,
once no line has come for ``S`` seconds, the event time is taken to run on with the wall clock
from the moment the newest row arrived: every bucket ending at or before *newest time + seconds
since it arrived - lateness* is closed and scored, as a row of that time would have closed it.
Only elapsed wall-clock seconds count, never the clock's reading against the rows' times (a
sensor's clock offset or time zone changes nothing; a replay of old rows works alike). A row that
comes later for a bucket closed so is late, as any other.

One check does read the clock: a row more than :data:`hourglass._times.FUTURE_LIMIT` ahead of this machine's
clock (a device whose clock says 2100) is a bad row (``--on-bad-rows``), not the newest time:
taken as such it would close every open bucket and make every later row late.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import counted, listed_columns, near_names
from hourglass._numbers import with_sizes
from hourglass._times import future_problem, not_a_timestamp, time_length
from hourglass.cli._output import err, output_failed_text, settle_bad_lines, skipped_lines_text
from hourglass.errors import HourglassError, InputError
from hourglass.features.roles import NULL_TEXT, separated_hint

__all__ = ["EntityStream", "open_entity_scorer", "parse_lateness", "run"]

#: where a row's time error names its line (filled in by ``feed``, which knows the lines), so
#: that it reads as ``score``'s and the table stream's: ``column 'ts': line 4 is not a timestamp
#: ('soon')``, which :func:`~hourglass.cli._output.settle_bad_lines` then writes as it is
_THIS_LINE = "\x00line"

#: an entity cell that names no entity: blank, or a missing spelling (as EntityWindows reads it)
_NO_ENTITY = frozenset(("", *NULL_TEXT))


def parse_lateness(text: str | None, bucket: pd.Timedelta) -> pd.Timedelta:
    """The allowed lateness of ``--lateness`` (a time length, ``0`` allowed); one ``bucket``
    when not given.

    Examples
    --------
    >>> parse_lateness(None, pd.Timedelta("5min")), parse_lateness("90s", pd.Timedelta("5min"))
    (Timedelta('0 days 00:05:00'), Timedelta('0 days 00:01:30'))
    >>> parse_lateness("0", pd.Timedelta("5min"))
    Timedelta('0 days 00:00:00')
    """
    if text is None:
        return bucket
    from hourglass._numbers import read_number

    s = str(text).strip()
    number = read_number(s)  # (as the options read a number)
    td: pd.Timedelta | None = None
    if number is not None:  # a bare number has no unit: only 0 means something
        td = pd.Timedelta(0) if number == 0 else None
    else:
        try:
            td = time_length(s)
        except (ValueError, TypeError):
            td = None
    if td is None or pd.isna(td) or td < pd.Timedelta(0):
        raise HourglassError(f"--lateness: expected a time length such as 0, 30s, 5min or 1h, got {text!r}")
    return td


def _not_number(value: Any) -> bool:
    """Whether a JSON value of a numeric column is neither a number, null, blank, ``-`` /
    ``(empty)`` (missing) nor numeric text, a size in bytes among it (``'93.25 KB'``, read as
    its bytes as ``score`` reads it): what ``score`` would refuse at that row.

    Examples
    --------
    >>> [_not_number(v) for v in (3, "4.5", "-", "93.25 Bytes", "12.5 GB", "many")]
    [False, False, False, False, False, True]
    """
    if value is None or isinstance(value, bool | int | float):
        return False
    if isinstance(value, str):
        from hourglass.features.roles import NUMBER_GAPS

        text = value.strip()
        if not text or text in NUMBER_GAPS:
            return False
        cell = pd.Series([text])
        number = pd.to_numeric(cell, errors="coerce")
        return bool(pd.isna(number.iloc[0]) and pd.isna(with_sizes(number, cell).iloc[0]))
    return True


class EntityStream:
    """The open (entity, bucket) accumulators of a stream through a loaded entity-bucket
    pipeline, closed by an event-time watermark (see the module docstring).

    :meth:`feed` takes parsed rows with their input line numbers and returns the closed buckets'
    output rows (the columns ``hourglass score`` writes for an entity model) and the bad rows;
    :meth:`close_all` closes what is left at the end of input.
    """

    kind = "entity"

    def __init__(self, pipe: Any, lateness: pd.Timedelta | None = None, explain: int | None = None,
                 idle_timeout: float | None = None, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time, suppression: Any = None) -> None:
        from hourglass.features.entity import parse_bucket

        self.pipeline = pipe
        self.explain = explain  # top features named per flagged bucket ('top_feature', 'why')
        # suppression rules bound to the buckets (Suppressions.for_buckets): a flagged bucket a
        # rule matches closes with flag 0 and 'suppressed' naming the rule
        self.suppression = suppression
        f = pipe.features_
        self.entity_col, self.timestamp_col = str(f.entity_col), str(f.timestamp_col)
        self.dayfirst: bool | None = getattr(f, "dayfirst_", None)  # numeric dates as in training
        self.own_order = self.dayfirst is None  # else the order the stream's first dates told (_times)
        self.columns = list(f.columns_)
        # the summed columns a feature reads (text in another: a missing value, as score takes it)
        self.numeric = f.read_numbers()
        # the model's columns no row has as a key until the first buckets close: refused then, as
        # score refuses a JSON-lines file none of whose rows has one (else a key spelt 'Bytes' for
        # bytes, or left out by every row, was scored as a missing value in every bucket), where
        # the rows have a key that differs from one only in case, surrounding spaces or Unicode
        # spelling, or the model was trained on a CSV, TSV or Parquet table (each of its rows had
        # every column); none for sparse fields (Windows events, Zeek) or one with missing values
        # in training: an event or an exporter may leave out a field it has no value for
        optional = set(pipe.optional_fields)
        # (not one no feature comes from, which rows may leave out: EntityWindows.read_columns)
        self.unseen = {} if pipe.sparse_fields else dict.fromkeys(
            c for c in (self.entity_col, *f.read_columns()) if c not in optional)
        self.dense = pipe.info.get("dataset") in ("csv", "tsv", "parquet")
        self.keys: dict[str, None] = {}  # the rows' keys while some are unseen, for that message
        self.where: str | None = None  # the input that message names (run sets it)
        self.bucket = parse_bucket(f.bucket)
        self.set_lateness(lateness if lateness is not None else self.bucket)
        self.open: dict[int, list[dict[str, Any]]] = {}  # bucket start (ns) -> its rows, in arrival order
        # bucket start (ns) -> how many of its open rows have no entity value: counted among the
        # rows scored as the entity '<missing>' (counts['no_entity']) once their bucket is scored,
        # not before (a bucket still open at the end, or refused, scored none of them)
        self.open_no_entity: dict[int, int] = {}
        self.newest: int | None = None
        self.closed_before: int | None = None  # every bucket starting before this is closed
        self.aware: bool | None = None  # whether the times carry a UTC offset (fixed by the first row)
        self.counts = {"rows": 0, "late": 0, "buckets": 0, "flagged": 0, "idle_closed": 0,
                       "no_entity": 0}
        self.first_late: tuple[int, str, str] | None = None  # line, closed before, newest_text()
        self.newest_from: tuple[int, Any] | None = None  # the newest time's line and entity value
        self.idle_closed = False  # whether the wall clock (tick), not a row's time, closed the last
        self.idle_timeout = idle_timeout  # seconds without a line before the wall clock moves time on
        self.clock = clock  # seconds, for elapsed times only (tests give a fake one)
        self.wall = wall  # epoch seconds now: the bound on rows' times (FUTURE_LIMIT)
        self.last_line: float | None = None  # clock() when the last lines were fed
        self.newest_at: float | None = None  # clock() when the newest time arrived

    def newest_text(self) -> str:
        """Where the newest time seen came from, which set the buckets closed: its time, entity
        and line (a source whose clock runs ahead makes the other sources' rows late); or, where
        the wall clock closed them (:meth:`tick`), that, which no row's time did."""
        from hourglass.cli._groups import shown_value

        if self.newest is None or self.newest_from is None:
            return ""
        if self.idle_closed:
            return (f"closed by the wall clock after {self.idle_timeout:g} s without a line "
                    "(--idle-timeout)")
        line, entity = self.newest_from
        return (f"the newest time seen, {pd.Timestamp(self.newest)}, came from {self.entity_col} "
                f"{shown_value(entity)} at line {line:,}")

    def set_lateness(self, lateness: pd.Timedelta) -> None:
        """The allowed lateness (the watermark trails the newest time by this much)."""
        self.lateness = int(pd.Timedelta(lateness).value)

    @property
    def open_rows(self) -> int:
        """Rows held in open buckets."""
        return sum(len(v) for v in self.open.values())

    def _times(self, rows: list[dict[str, Any]]) -> tuple[list[int | None], list[str | None]]:
        """Per row: its time in ns (UTC for times with an offset), or ``None`` and why not.
        Numeric dates (``01/02/2026``) of a model that keeps no date order are read in the order
        the first rows holding them tell, and every later row in that one: read batch by batch
        in each batch's own order, one date was two days (2 January, then 1 February once a
        batch held ``13/02/2026``). That order is the one the whole batch of the first such
        dates shows (:func:`~hourglass._times.infer_dayfirst`; where a bad row in it sends the
        rows one by one, :func:`~hourglass._times.batch_dayfirst`, which leaves out dates valid
        in no order); it is kept once a row is read. A later date in the other order is
        a bad row, found with the batch's others in one pass (the rest read in one call)."""
        from hourglass._times import DateOrderError, _Dates, batch_dayfirst
        from hourglass.features.entity import _read_times

        col = self.timestamp_col
        values = [r.get(col) for r in rows]
        out: list[int | None] = [None] * len(values)
        why: list[str | None] = [None] * len(values)
        todo = list(range(len(values)))  # the rows not yet read nor found bad
        try:
            ts, order = _read_times(pd.Series(values, dtype=object), col, self.dayfirst)
            parsed: list[Any] = [ts]
        except DateOrderError as exc:  # an order is fixed: its other-order rows are bad, in one pass
            text = pd.Series(values, dtype=object).astype("string").str.strip()
            dates = _Dates(text)
            against = set((dates.month_rows if self.dayfirst else dates.day_rows).tolist())
            for i in against:
                why[i] = f"field {col!r}: {values[i]!r} {exc.stream_detail(self.own_order)}"
            todo = [i for i in todo if i not in against]
            parsed = []
            if todo:  # the rest in one read
                try:
                    ts, order = _read_times(pd.Series([values[i] for i in todo], dtype=object), col,
                                            self.dayfirst)
                    parsed = [ts]
                except InputError:
                    pass
        except InputError:  # find the bad ones one by one (only when there are some)
            parsed = []
        if parsed:
            aware = parsed[0].tz is not None
            if self.aware is None:
                self.aware = aware
            if aware == self.aware:
                if self.dayfirst is None:
                    self.dayfirst = order
                for i, t in zip(todo, parsed[0].as_unit("ns").asi8.tolist(), strict=True):
                    out[i] = int(t)
                return out, why
        hint = self.dayfirst
        if hint is None and todo:  # the order the batch's dates show (or the guess), not one row's
            hint = batch_dayfirst(pd.Series([values[i] for i in todo], dtype=object), col)
        for i in todo:
            v = values[i]
            try:
                one, order = _read_times(pd.Series([v], dtype=object), col,
                                         self.dayfirst if self.dayfirst is not None else hint)
            except InputError as exc:
                why[i] = (f"field {col!r}: {v!r} {exc.stream_detail(self.own_order)}"
                          if isinstance(exc, DateOrderError)
                          else not_a_timestamp(col, _THIS_LINE, v))  # (its line: feed)
                continue
            aware = one.tz is not None
            if self.aware is None:
                self.aware = aware
            if aware != self.aware:
                why[i] = (f"field {col!r} ({v!r}) has {'a' if aware else 'no'} UTC "
                          f"offset but earlier rows {'have one' if self.aware else 'none'}")
                continue
            if self.dayfirst is None:
                self.dayfirst = order
            out[i] = int(one.as_unit("ns").asi8[0])
        return out, why

    def _problem(self, row: dict[str, Any]) -> str | None:
        nested = self._nested(row)
        if nested is not None:
            return nested
        if row.get(self.timestamp_col) is None:  # ('TS' for ts: named, as score names it)
            near = "" if self.timestamp_col in row else near_names([self.timestamp_col], map(str, row),
                                                                   "the row has")
            return (f"no field {self.timestamp_col!r} (the model's time)"
                    + (f"; {near}" if near else ""))
        # a row without an entity value joins the entity '<missing>', as 'score' groups it
        for col in self.numeric:
            if _not_number(row.get(col)):
                # ('1,5': a number with a decimal comma, said so, as 'score' says it)
                return f"field {col!r} is not a number ({row.get(col)!r}){separated_hint(row.get(col))}"
        return None

    def _nested(self, row: dict[str, Any]) -> str | None:
        """The problem of a row that sends a field the model reads (the entity, the time, a
        feature column) as a JSON object, read as its fields (``src_ip.a``): said as ``score``'s
        and the service's refusal says it, where the row was counted as one without an entity
        value (scored as the entity '<missing>') or without a time."""
        if not any(type(k) is str and "." in k for k in row):  # (no object sent: the usual row)
            return None
        from hourglass.serve.scoring import nested_refusal, sent_nested

        for c in dict.fromkeys((self.entity_col, self.timestamp_col, *self.columns)):
            if c not in row and (note := sent_nested(c, row)):
                return nested_refusal(c, note)
        return None

    def _unseen_problem(self) -> str:
        """The refusal of the model's columns no row so far has had (:attr:`unseen`): the words
        ``score`` refuses a file of such rows with (the features' own check, given a row of the
        keys the rows had), naming a key that differs from one only in case, surrounding spaces
        or Unicode spelling."""
        where = f"{self.where}: " if self.where else ""
        try:
            self.pipeline.features_._checked(pd.DataFrame([dict.fromkeys(self.keys)]))
        except InputError as exc:
            return f"{where}{exc}"
        never = list(self.unseen)  # (not reached: the check names a column it lacks)
        return f"{where}column(s) the model needs are missing: {listed_columns(never[:3])}"

    def feed(self, rows: list[dict[str, Any]], lines: list[int], *, stop_at_bad: bool = True,
             ) -> tuple[pd.DataFrame | None, list[tuple[int, str]]]:
        """Add ``rows`` (read from input ``lines``); return the output rows of the buckets the
        watermark closed (``None`` if none) and the bad rows as (line, problem). With
        ``stop_at_bad`` the rows after the first bad one are not taken."""
        bad: list[tuple[int, str]] = []
        if ends := self.pipeline.sonicwall_ends():  # a SonicWall end learnt whole: read so
            from hourglass.ingest.kv import joined_ends

            rows = [joined_ends(r, ends) for r in rows]
        now = self.last_line = self.clock()
        # by position: the events of a page (an Okta array, an Event Hub message) share its line
        checked = [self._problem(r) for r in rows]
        good = [i for i, p in enumerate(checked) if p is None]
        times, why = self._times([rows[i] for i in good]) if good else ([], [])
        problems = {i: p for i, p in enumerate(checked) if p is not None}
        problems.update({i: w.replace(_THIS_LINE, f"line {lines[i]}", 1)
                         for i, w in zip(good, why, strict=True) if w is not None})
        at = dict(zip(good, times, strict=True))
        td, late = int(self.bucket.value), self.lateness
        wall = self.wall()
        for i, (row, number) in enumerate(zip(rows, lines, strict=True)):
            t = at.get(i)
            ahead = None if i in problems or t is None else \
                future_problem(t, row[self.timestamp_col], self.timestamp_col, wall)
            if ahead is not None:
                problems[i] = ahead
            if i in problems:
                if not bad or bad[-1][0] != number:  # a line once, however many of its events
                    bad.append((number, problems[i]))
                if stop_at_bad:
                    break
                continue
            assert t is not None
            if self.unseen:
                self.keys.update(dict.fromkeys(row))
                for k in row:
                    self.unseen.pop(k, None)
            start = t - t % td
            self.counts["rows"] += 1
            if self.closed_before is not None and start < self.closed_before:
                self.counts["late"] += 1
                if self.first_late is None:
                    self.first_late = (number, str(pd.Timestamp(self.closed_before)), self.newest_text())
                continue
            # a late row is dropped, not scored as '<missing>'
            # 'N/A', 'null' ... too: the entity '<missing>', as a CSV reads them
            if row.get(self.entity_col) is None or str(row[self.entity_col]).strip() in _NO_ENTITY:
                self.open_no_entity[start] = self.open_no_entity.get(start, 0) + 1
            # only the fields the model reads are held: an event's other fields (a message, a
            # command line) would multiply the memory of the open buckets for nothing; the time
            # as read here (ns), not its text: the bucket is aggregated from the times its rows
            # were placed by (epoch numbers and date text mixed across batches, or a date order
            # inferred batch by batch, read again as one column were refused or read anew)
            held = {c: row[c] for c in self.columns if c in row}
            held[self.timestamp_col] = t
            self.open.setdefault(start, []).append(held)
            if self.newest is None or t > self.newest:
                self.newest, self.newest_at = t, now
                self.newest_from = (number, row.get(self.entity_col))
                mark = t - late
                mark -= mark % td
                if self.closed_before is None or mark > self.closed_before:
                    self.closed_before, self.idle_closed = mark, False
        if self.closed_before is None:
            return None, bad
        due = [s for s in self.open if s < self.closed_before]
        return self._close(due), bad

    def tick(self) -> pd.DataFrame | None:
        """Close the buckets due by the wall clock when no line has come for ``idle_timeout``
        seconds (see the module docstring); their output rows, ``None`` if none (always without
        ``idle_timeout``)."""
        if self.idle_timeout is None or self.newest is None or not self.open:
            return None
        assert self.last_line is not None and self.newest_at is not None and self.closed_before is not None
        now = self.clock()
        if now - self.last_line < self.idle_timeout:
            return None
        td = int(self.bucket.value)
        mark = self.newest + int((now - self.newest_at) * 1e9) - self.lateness
        mark -= mark % td
        due = [s for s in self.open if s < mark]
        if not due:
            return None
        # closed up to the end of the last bucket closed here: rows of later buckets still count
        if max(due) + td > self.closed_before:  # (closed by the wall clock: no row's time)
            self.closed_before, self.idle_closed = max(due) + td, True
        out = self._close(due)
        if out is not None:
            self.counts["idle_closed"] += len(out)
        return out

    def close_all(self) -> pd.DataFrame | None:
        """Close every open bucket (end of input)."""
        return self._close(list(self.open))

    def _close(self, starts: list[int]) -> pd.DataFrame | None:
        from hourglass.serve.entity_scoring import scored_buckets

        if not starts:
            return None
        if self.unseen:  # (checked once, at the first close)
            if self.dense or near_names(list(self.unseen), self.keys):
                raise InputError(self._unseen_problem())
            self.unseen, self.keys = {}, {}
        rows = [r for s in sorted(starts) for r in self.open.pop(s)]
        from hourglass.ingest.tables import _records_frame

        df = _records_frame(rows, columns=self.columns)  # (64-bit ids exact, as a file's)
        times = pd.DatetimeIndex(df[self.timestamp_col].to_numpy(dtype=np.int64).view("M8[ns]"))
        df[self.timestamp_col] = times.tz_localize("UTC") if self.aware else times
        try:  # flagged buckets explained: top_feature and why, None for the others
            keys, out = scored_buckets(self.pipeline, df, explain=self.explain,
                                       suppress=self.suppression)
        except InputError as exc:
            raise HourglassError(f"buckets from {pd.Timestamp(min(starts))}: {exc}") from None
        starts_ns = pd.DatetimeIndex(keys["bucket_start"]).as_unit("ns").asi8
        order = np.lexsort((out["entity"].to_numpy(dtype=str), starts_ns))
        out = out.iloc[order].reset_index(drop=True)
        self.counts["buckets"] += len(out)
        self.counts["no_entity"] += sum(self.open_no_entity.pop(s, 0) for s in starts)
        self.counts["flagged"] += int(out["flag"].sum())  # the alerts left
        return out


def open_entity_scorer(pipe: Any, *, explain: int | None, keep: list[str] | None, adapt: bool,
                       idle_timeout: float | None, suppress: Any = None) -> EntityStream:
    """The bucket accumulator of a loaded entity-bucket model (``suppress``: its rules, bound by
    :func:`~hourglass.cli._suppress.bind_rules`); options it has no use for refused (one
    line)."""
    for given, option in ((bool(keep), "--keep"), (adapt, "--adapt")):
        if given:
            from hourglass.cli._common import GROUP_OPTIONS, taken_options

            taken = taken_options("stream", "entity", ("keep", "adapt", *GROUP_OPTIONS))
            raise HourglassError(f"{option}: not available for entity-bucket models (they take {taken})")
    if explain is not None:
        from hourglass.explain import explainable

        why_not = explainable(pipe)
        if why_not is not None:
            raise HourglassError(f"--explain: {why_not}")
    return EntityStream(pipe, explain=explain, idle_timeout=idle_timeout, suppression=suppress)


def _records(out: pd.DataFrame | None, all_rows: bool) -> tuple[list[dict[str, Any]], list[int]]:
    """(alerts, flags of every closed bucket); with ``all_rows`` and suppression rules, each
    line names its bucket's rule in ``suppressed`` (``""``: none)."""
    if out is None or not len(out):
        return [], []
    flags = [int(v) for v in out["flag"]]
    explained = "why" in out.columns
    docs = [{"entity": str(e), "bucket_start": str(s), "bucket_end": str(t), "rows": int(n),
             "score": float(sc), "flag": int(fl), "calibrated": float(c), "severity": str(sv)}
            for e, s, t, n, sc, fl, c, sv in zip(
                out["entity"], out["bucket_start"], out["bucket_end"], out["rows"], out["score"],
                out["flag"], out["calibrated"], out["severity"], strict=True)
            if all_rows or fl]
    if explained:
        pairs = [(tf, w) for tf, w, fl in zip(out["top_feature"], out["why"], out["flag"], strict=True)
                 if all_rows or fl]
        for doc, (tf, w) in zip(docs, pairs, strict=True):
            doc["top_feature"], doc["why"] = (tf, w) if isinstance(w, str) else (None, None)
    if all_rows and "suppressed" in out.columns:
        for doc, name in zip(docs, out["suppressed"], strict=True):
            doc["suppressed"] = str(name)
    return docs, flags


def run(scorer: EntityStream, read: Callable[[int], bytes], sink: Any, *, where: str, batch: int,
        max_delay: float, on_bad_rows: str, output: Path | None, all_rows: bool,
        drift: Any = None, rule: Any = None) -> None:
    """Stream the JSON lines of ``read`` (a model of a format of event lines, ``cef``, ``leef``,
    ``panos``, ``kv``, ``auditd``: such lines, as ``score`` reads its file; audit records gathered
    into events) into ``scorer``'s buckets; one output line per closed
    bucket (flagged ones only unless ``all_rows``) to ``sink``, one write per batch (and one per
    idle tick that closes buckets). With ``rule`` (an :class:`~hourglass.serve.ecs.AlertRule`)
    each flagged bucket is written as an ECS alert document. A bucket a suppression rule
    silenced is no alert (with ``all_rows`` it is written with flag 0 and ``suppressed``); the
    summary counts them per rule."""
    from hourglass.cli.stream import LineBatcher, _ended, _flat, _line_reading, _parse, stream_guard
    from hourglass.cli.stream import SkippedLines as Skipped

    line_spec, events = _line_reading(scorer.pipeline)  # the model's own lines, as 'score' read them
    scorer.where = where
    start = time.perf_counter()
    bad = Skipped()  # their count and the first few: nothing grows with a long run
    warned = False
    c = scorer.counts
    silencer = None
    if scorer.suppression is not None:
        from hourglass.cli._suppress import Silencer

        silencer = Silencer(scorer.suppression, where)

    def summary() -> None:
        took = time.perf_counter() - start
        idle = (f" ({c['idle_closed']:,} closed by --idle-timeout while the input was quiet)"
                if c["idle_closed"] else "")
        parts = [f"{c['buckets']:,} (entity, {scorer.pipeline.features_.bucket} bucket) rows scored{idle}",
                 f"{c['flagged']:,} flagged" + (f", {silencer.text()}" if silencer is not None else "")]
        if c["late"]:
            parts.append(f"{c['late']:,} late row(s) dropped (their bucket was closed; "
                         f"{scorer.newest_text()})")
        if c["no_entity"]:
            parts.append(f"{c['no_entity']:,} row(s) without a {scorer.entity_col!r} value scored as "
                         "the entity '<missing>'")
        if scorer.open:
            parts.append(f"{scorer.open_rows:,} row(s) of {len(scorer.open):,} open bucket time(s) "
                         "not scored (the stream stopped before their end)")
        if bad:
            parts.append(skipped_lines_text(bad))
        err.print(f"streamed {counted(c['rows'], 'row')} from {where}: {', '.join(parts)}; "
                  f"{c['rows'] / took if took > 0 else 0:,.0f} rows/s{output_failed_text(sink)}",
                  highlight=False)
        if drift is not None:
            drift.summary()

    def emit(out: pd.DataFrame | None) -> None:
        docs, flags = _records(out, all_rows)
        if silencer is not None and out is not None and "suppressed" in out.columns:
            silencer.count(out["suppressed"])
        if flags and drift is not None:  # the alerts left: a silenced bucket's flag is 0
            drift.update(flags)
        if rule is not None:
            from hourglass.serve.ecs import to_ecs

            # as score's and the service's ECS alerts: every document is an alert (no 'flag')
            docs = [to_ecs({k: v for k, v in d.items() if k != "flag"}, rule) for d in docs]
        sink.write(docs)

    previous: list[Any] = [None]  # (the last JSON row read, for _parse)
    with stream_guard(sink, output, summary, lambda: bool(c["rows"] or bad)):
        idle = scorer.idle_timeout
        tick = None if idle is None else min(max(idle / 4, 0.05), 1.0)
        for lines_batch in _ended(LineBatcher(read, batch, max_delay, idle_tick=tick), events):
            if not lines_batch:  # the input is quiet: buckets may be due by the wall clock
                due = scorer.tick()
                if due is not None:
                    emit(due)
                continue
            rows, lines, problem = _parse(lines_batch, where, on_bad_rows, bad, line_spec, events,
                                          previous)
            out, bad_rows = scorer.feed([_flat(r) for r in rows], lines,
                                        stop_at_bad=on_bad_rows == "error")
            if scorer.first_late is not None and not warned:
                warned = True
                line, mark, cause = scorer.first_late
                err.print(f"warning: {where}: line {line}: late row (its bucket closed; buckets before "
                          f"{mark} are closed: {cause}); late rows are dropped and counted"
                          + ("" if cause.startswith("closed by the wall clock") else
                             " (a source whose clock runs ahead of the others' makes their rows late)"),
                          highlight=False)
            emit(out)
            settle_bad_lines(bad_rows, bad, on_bad_rows, where, problem)
        emit(scorer.close_all())
