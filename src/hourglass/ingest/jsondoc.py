"""Formats of JSON events that come one a line or as the pages of an API: a JSON array of
events (Okta's System Log API) or an object holding them under a key (Microsoft Graph's
``{"value": [...]}``, Azure diagnostic settings' ``{"records": [...]}``), each record passed
through the format's own :meth:`JsonEventsSpec.event` before it is flattened.

A page is read whole (an API page holds at most a few thousand events); a file of several
pages, one a line (``curl`` in a loop, Event Hub messages), is read page after page. JSON lines
are read in chunks like any JSON-lines file, malformed lines counted or refused as there; a
page on a later line of a JSON-lines file gives its events there (:meth:`JsonEventsSpec.page_rows`).
``stream`` and the service pass each JSON line (row) through :meth:`JsonEventsSpec.expand`
(:func:`~hourglass.ingest.formats.event_format`): a page on one line gives its events, each
through the same ``event``, so a model scores a stream as it scored the file.

Examples
--------
>>> first_event(b'{"@odata.context": "x", "value": [{"id": "1", "n": 2}, {"id"', ("value",))
{'id': '1', 'n': 2}
>>> first_event(b'[{"uuid": "a"}]', ()), first_event(b'{"a": 1}\\n', ("value",))
({'uuid': 'a'}, {'a': 1})
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import pandas as pd

from hourglass._eol import without_boms
from hourglass._limits import raw_decode_json
from hourglass.errors import InputError, read_problem
from hourglass.ingest.datasets import DatasetSpec, fields_found
from hourglass.ingest.readers import check_path
from hourglass.ingest.tables import (
    CHUNK_BYTES,
    READ_ERRORS,
    SKIP_BAD_ROWS,
    ReadStats,
    _records_frame,
    check_json_text,
    first_json_object,
    flatten_json,
    iter_table,
    open_lines,
    read_head,
)

__all__ = ["ODATA_LEAD", "JsonEventsSpec", "always_columns", "cut_event_head", "document_start", "field_at",
           "first_event", "line_pages", "pretty_object", "with_columns"]

#: records gathered into one chunk by the JSON document readers (this one and CloudTrail's)
_CHUNK_RECORDS = 50_000


#: What may come before a page's events' key by default: OData annotations (``"@odata.context":
#: "..."``, ``"@odata.nextLink": "..."``).
ODATA_LEAD = rb'"@odata\.[A-Za-z]+"\s*:\s*(?:"[^"]*"|\d+)'


def _page_pattern(wrappers: tuple[str, ...], lead: bytes = ODATA_LEAD) -> re.Pattern[bytes]:
    """A page's start: ``[`` or ``{`` with, before the events' key, only members that ``lead``
    matches (OData annotations by default)."""
    keys = b"|".join(re.escape(k.encode()) for k in wrappers) or b"(?!)"
    return re.compile(rb'\s*(?:\[|\{\s*(?:(?:' + lead + rb')\s*,\s*)*"(?:' + keys + rb')"\s*:\s*\[)')


def document_start(head: bytes, wrappers: tuple[str, ...], lead: bytes = ODATA_LEAD) -> int | None:
    """Where the first event of a page starting ``head`` begins (after ``[``, or after the
    ``[`` of one of the ``wrappers`` keys, with only members ``lead`` matches before it), else
    ``None`` (JSON lines, or no such page).

    Examples
    --------
    >>> document_start(b'{"value": [{"a": 1}]}', ("value",)), document_start(b'{"a": 1}', ("value",))
    (11, None)
    """
    text = without_boms(head)
    m = _page_pattern(wrappers, lead).match(text)
    return None if m is None else m.end() + len(head) - len(text)


def pretty_object(head: bytes) -> bool:
    """Whether a file starting ``head`` starts with a pretty-printed JSON object (its first
    non-blank line ``{`` alone, as ``json.dumps(indent=...)``, ``jq`` and ``ConvertTo-Json``
    write one): a document to read whole, not JSON lines.

    Examples
    --------
    >>> pretty_object(b'{\\n  "eventType": "com.okta.event_hook"\\n}'), pretty_object(b'{"a": 1}\\n')
    (True, False)
    """
    for line in without_boms(head).split(b"\n", 8)[:8]:
        if line.strip():
            return line.strip() == b"{"
    return False


def first_event(head: bytes, wrappers: tuple[str, ...], lead: bytes = ODATA_LEAD) -> dict[str, Any] | None:
    """The first event of a file starting ``head``: the first object of a page (a JSON array,
    or a list under one of the ``wrappers`` keys, ``lead`` saying what may come before it) or of
    a pretty-printed file when it ends within ``head``, else the first JSON line as an object;
    ``None`` when there is none (what a sniffer looks at)."""
    start = document_start(head, wrappers, lead)
    if start is None and pretty_object(head):
        start = 0
    elif start is None:
        return first_json_object(head)
    text = without_boms(head[start:].decode("utf-8", "replace").lstrip())
    try:
        obj, _ = raw_decode_json(json.JSONDecoder(), text)
    except (ValueError, RecursionError):  # the first event runs past the head
        return None
    # a first line holding a JSON array of values that are no events ('[1, 2]') before JSON
    # lines of events: those (the line then named or skipped by the reader, as stream does)
    return obj if isinstance(obj, dict) else first_json_object(head)


def cut_event_head(head: bytes, wrappers: tuple[str, ...], lead: bytes = ODATA_LEAD,
                   n_bytes: int = 4096) -> bytes | None:
    """The first ``n_bytes`` of the first event of a file starting ``head`` when that event is
    an object that runs past ``head`` (:func:`first_event` found none: a Kubernetes
    ``RequestResponse`` event or a ``gcloud`` entry with its bodies, larger than the sniffed
    head), else ``None``: what a sniffer checks for its format's markers instead.

    Examples
    --------
    >>> cut_event_head(b'[{"kind": "Event", "body": "xxx', ())
    b'{"kind": "Event", "body": "xxx'
    >>> cut_event_head(b'{"a": 1}\\n', ()) is None, cut_event_head(b'a,b\\n1,2', ()) is None
    (True, True)
    """
    if first_event(head, wrappers, lead) is not None:
        return None
    start = document_start(head, wrappers, lead)
    if start is None and pretty_object(head):
        start = 0
    if start is None:  # JSON lines: the first non-blank line, cut (no line break after it)
        text = without_boms(head).lstrip()
        if b"\n" in text:
            return None
    else:
        text = head[start:].lstrip()
    text = without_boms(text)
    return text[:n_bytes] if text.startswith(b"{") else None


def always_columns(roles: dict[str, str], but: Collection[str] = ()) -> tuple[str, ...]:
    """The columns of a format's ``roles`` that every row it reads has, missing where an event
    has no value (:attr:`JsonEventsSpec.always`): each column but those in ``but`` (the time,
    the fields a file of the format must have) and the numbers. A number column no training
    row had a value in is dropped by the preprocessing (nothing to scale, no missing indicator:
    a column empty on every normal row, UNSW-NB15's ``attack_cat``, must give no feature), so
    its first value would be ignored without a word; absent from the rows instead, it is a
    column the model was not trained on, which scoring names once a row has a value.

    Parameters
    ----------
    roles
        The format's column roles.
    but
        Columns left out besides.

    Examples
    --------
    >>> always_columns({"t": "drop", "verb": "categorical", "user": "hash", "count": "numeric",
    ...                 "ip": "ip"}, but=("t", "verb"))
    ('user', 'ip')
    """
    return tuple(c for c, role in roles.items() if role != "numeric" and c not in but)


def with_columns(df: pd.DataFrame, names: Collection[str]) -> pd.DataFrame:
    """``df`` (a chunk of events read) with each of ``names`` it lacks as a column of missing
    values: the columns a format gives every row (:attr:`JsonEventsSpec.always`, CloudTrail's),
    as its ``event`` gives a streamed row.

    Examples
    --------
    >>> with_columns(pd.DataFrame({"a": [1]}), ("a", "b"))["b"].tolist()
    [None]
    """
    absent = [c for c in names if c not in df.columns]
    if not absent:
        return df
    return pd.concat([df, pd.DataFrame(dict.fromkeys(absent), index=df.index, dtype=object)], axis=1)


def field_at(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at ``path`` in ``record``, nested (``{"user": {"name": ...}}``) or already dotted
    from some level on (``{"user.name": ...}``: a row a format made, made again), else ``None``.

    Examples
    --------
    >>> field_at({"user": {"name": "ann"}}, ("user", "name")), field_at({"user.name": "a"}, ("user", "name"))
    ('ann', 'a')
    >>> field_at({"user": "ann"}, ("user", "name")) is None
    True
    """
    value: Any = record
    for i, key in enumerate(path):
        if not isinstance(value, dict):
            return None
        if key not in value and i < len(path) - 1:
            return value.get(".".join(path[i:]))
        value = value.get(key)
    return value


def _json_kind(value: object) -> str:
    """What a JSON value is, for a message (``a number``, ``a string`` ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    kinds: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}
    return kinds.get(type(value), "a number")


class _PagedSpec(Protocol):
    """A format whose file of JSON lines may hold pages among its events (its
    :meth:`page_rows`) and records of another kind (its :meth:`refusal`)."""

    def page_rows(self, value: object) -> list[dict[str, Any]] | None: ...

    def refusal(self, record: dict[str, Any]) -> str | None: ...


def line_pages(spec: _PagedSpec) -> Callable[[object], list[dict[str, Any]] | None]:
    """The ``page`` of :func:`~hourglass.ingest.tables.iter_table` for a file of ``spec``'s
    events one a line: a page on a line gives its rows (``spec.page_rows``); a record the
    format refuses (an AuditLogs record among sign-ins, an EventBridge event among CloudTrail
    records) after an event of the format raises ``ValueError``, so that its line is named, as
    ``stream`` names it, or skipped with ``--on-bad-rows skip``; a file that starts with one is
    of that kind, refused as such by the format's ``check``.

    Examples
    --------
    >>> spec = JsonEventsSpec(name="x", columns=None, label_col=None, normal=(), fmt="jsonl",
    ...                       wrappers=("value",))
    >>> page = line_pages(spec)
    >>> page({"value": [{"a": 1}]}), page({"a": 1})
    ([{'a': 1}], None)
    """
    seen = False  # an event of the format read

    def page(value: object) -> list[dict[str, Any]] | None:
        nonlocal seen
        rows = spec.page_rows(value)
        problem = spec.refusal(value) if rows is None and isinstance(value, dict) else None
        if problem is not None and seen:
            raise ValueError(problem)
        seen = seen or problem is None
        return rows

    return page


@dataclass(frozen=True)
class JsonEventsSpec(DatasetSpec):
    """A format of JSON events: one a line, or pages of them (a JSON array, or an object
    holding them under one of :attr:`wrappers`), each record passed through :meth:`event`.

    Attributes
    ----------
    wrappers
        The keys an API page holds its events under (``("value",)`` for Microsoft Graph).
    lead
        A pattern of the members that may come before the events' key on a page's first line
        (OData annotations by default; a Kubernetes ``EventList``'s ``kind``, ``apiVersion``
        and ``metadata``).
    kind
        How messages name a file of the format (``an Okta System Log``).
    required
        The fields the file's events have (``published``, ``eventType``): a file whose first
        event has none of them is refused at once, one none of whose events has one by name once
        read (:func:`~hourglass.ingest.datasets.fields_found`), whatever chunks it was read in;
        an event lacking one is a row lacking it.
    always
        Columns every chunk read from a file has, missing where its events have no value: a
        field each event type has its own of (Okta's ``debugContext.debugData.threatSuspected``)
        that no event of a training file had is still a column of the model, whose first value
        when scoring is unseen, not a column it ignores (``stream`` and the service read a field
        a row lacks as a missing value for these formats).
    """

    wrappers: tuple[str, ...] = ()
    kind: str = "a JSON events file"
    lead: bytes = ODATA_LEAD
    required: tuple[str, ...] = ()
    always: tuple[str, ...] = ()

    def event(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record as the format's row (the record itself by default); never raises."""
        return record

    def refusal(self, record: dict[str, Any]) -> str | None:
        """Why ``record`` is no event of the format though it looks like one (an Okta Event Hook
        delivery, an Entra record of another category), named for a message; ``None`` by
        default."""
        return None

    def expand(self, value: object) -> list[dict[str, Any]]:
        """The rows of one JSON value of a stream's line or a service's row, as the file is read:
        the events of a page (a JSON array, or an object holding them under one of
        :attr:`wrappers`: an Event Hub message, a Graph page), else the object itself, each
        passed through :meth:`event`.

        Raises
        ------
        ValueError
            The value is no JSON object nor page, one of a page's events is no JSON object, or
            one is refused by :meth:`refusal` (the message says which).

        Examples
        --------
        >>> JsonEventsSpec(name="x", columns=None, label_col=None, normal=(), fmt="jsonl",
        ...                wrappers=("value",)).expand({"@odata.context": "x", "value": [{"a": 1}]})
        [{'a': 1}]
        """
        events: object = value
        if isinstance(value, dict):
            events = next((value[k] for k in self.wrappers if isinstance(value.get(k), list)), None)
        elif value is None:  # JSON null: no event (not taken for one, which failed on its keys)
            raise ValueError("expected a JSON object, got null")
        if events is None:  # one event
            problem = self.refusal(cast("dict[str, Any]", value))
            if problem is not None:
                raise ValueError(problem)
            return [self.event(cast("dict[str, Any]", value))]
        if not isinstance(events, list):
            raise ValueError(f"expected a JSON object, got {_json_kind(value)}")
        for i, r in enumerate(events):
            if not isinstance(r, dict):
                raise ValueError(f"event {i + 1} of its page is no JSON object ({_json_kind(r)})")
            problem = self.refusal(r)
            if problem is not None:
                raise ValueError(f"event {i + 1} of its page: {problem}")
        return [self.event(r) for r in events]

    def page_rows(self, value: object) -> list[dict[str, Any]] | None:
        """The rows of a JSON line that is a page (a JSON array, or an object holding its events
        under one of :attr:`wrappers`), as :meth:`expand` gives them (and raises), so that a file
        of JSON lines with pages among its events is read as ``stream`` reads it; ``None`` for
        one event.

        Examples
        --------
        >>> spec = JsonEventsSpec(name="x", columns=None, label_col=None, normal=(), fmt="jsonl",
        ...                       wrappers=("value",))
        >>> spec.page_rows({"value": [{"a": 1}, {"a": 2}]}), spec.page_rows({"a": 1})
        ([{'a': 1}, {'a': 2}], None)
        """
        if isinstance(value, list) or (isinstance(value, dict) and any(
                isinstance(value.get(k), list) for k in self.wrappers)):
            return self.expand(value)
        return None

    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    used: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        p = check_path(path)
        yield from fields_found(self._chunks(p, on_bad_rows, chunk_bytes, stats), p, self.required,
                                self.kind)

    def _chunks(self, p: Path, on_bad_rows: str, chunk_bytes: int,
                stats: ReadStats | None) -> Iterator[pd.DataFrame]:
        check_json_text(p)  # UTF-16 (a page's '[\x00' too), gzip without .gz, binary data ...: said so
        head = read_head(p, 4096)
        page = document_start(head, self.wrappers, self.lead) is not None
        pretty = not page and pretty_object(head)
        if not page and not pretty:  # one event a line
            for df in iter_table(p, fmt="jsonl", on_bad_rows=on_bad_rows, chunk_bytes=chunk_bytes,
                                 stats=stats, event=self.event, page=line_pages(self)):
                self.check(df, p)  # each chunk: records of another kind later on refused too
                yield with_columns(df, self.always)
            return
        # an object that is no page is one event: a pretty-printed file's, or a single event on a
        # later line of a file of pages (as stream and the service read such a line)
        records: list[dict[str, Any]] = []
        for record in self._page_records(p, on_bad_rows, stats, objects=True):
            records.append(record)
            if len(records) >= _CHUNK_RECORDS:  # a chunk's worth out, not the file's records held
                yield self._page_frame(records, p, stats)
                records = []
        if records:
            yield self._page_frame(records, p, stats)

    def _page_frame(self, records: list[dict[str, Any]], p: Path, stats: ReadStats | None) -> pd.DataFrame:
        # as JSON lines are read: 64-bit ids with a record lacking them stay exact
        df = flatten_json(_records_frame(records))
        self.check(df, p)
        if stats is not None:
            stats.rows += len(df)
        return with_columns(df, self.always)


    def _page_records(self, p: Path, on_bad_rows: str, stats: ReadStats | None, *,
                      objects: bool = False) -> Iterator[dict[str, Any]]:
        """The events of every page in the file (pages one after the other, blanks between), read
        a block at a time (memory holds a page, not the file); with ``objects`` an object that is
        no page is one event (a single event between pages, or an Okta Event Hook delivery, to be
        refused by name by :meth:`check`)."""
        from hourglass.ingest.cloudtrail import _BadJson, _documents

        page, found, seen = 0, False, False
        handed = stats.rows if stats is not None else 0  # the rows before the next event out
        try:
            with open_lines(p) as fh:  # (the Ctrl-Z that may end it left out)
                for line, doc in _documents(fh):
                    events = doc if isinstance(doc, list) else next(
                        (doc[k] for k in self.wrappers if isinstance(doc, dict) and k in doc),
                        [doc] if objects and isinstance(doc, dict) else None)
                    if not isinstance(events, list):
                        keys = " or ".join(repr(k) for k in self.wrappers)
                        raise InputError(f"{p}: line {line}: not a page of events (a JSON array"
                                         f"{', or an object with ' + keys + ' holding one' if keys else ''})")
                    for i, r in enumerate(events):
                        if not isinstance(r, dict):
                            if on_bad_rows != "skip":
                                raise InputError(f"{p}: page {page + 1} (line {line}): event {i + 1} is no "
                                                 f"JSON object ({_json_kind(r)}) (use {SKIP_BAD_ROWS} to "
                                                 "skip such events)")
                            if stats is not None:
                                stats.skipped(line, at=handed)
                            continue
                        problem = self.refusal(r)
                        if problem is not None and seen:  # (the first: check names the file's kind)
                            # an AuditLogs record in an Event Hub message of sign-ins: named, or skipped
                            if on_bad_rows != "skip":
                                where = f"line {line}" if r is doc else \
                                    f"page {page + 1} (line {line}): event {i + 1}"
                                raise InputError(f"{p}: {where}: {problem} (use {SKIP_BAD_ROWS} to skip "
                                                 "such events)")
                            if stats is not None:
                                stats.skipped(line, at=handed)
                            continue
                        seen = seen or problem is None
                        found = True
                        handed += 1
                        yield self.event(r)
                    page += 1
        except _BadJson as exc:  # (valid JSON nested too deep: said as such, of any kind of file)
            what = f"line {exc.line}: {exc.problem}" if exc.nested else \
                f"not {self.kind}: line {exc.line}: not valid JSON ({exc.problem})"
            raise InputError(f"{p}: {what}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{p}: not {self.kind}: undecodable bytes (not UTF-8: {exc})") from None
        except READ_ERRORS as exc:
            raise InputError(f"{p}: cannot read ({read_problem(exc)})") from None
        if not found:
            raise InputError(f"{p}: no events (empty pages)")
