"""Windows event logs (``.evtx``) as event tables, read with the Rust ``evtx`` parser.

Each record becomes one flat row: the ``System`` part as fixed columns (:data:`SYSTEM_COLUMNS`:
``timestamp``, ``EventID``, ``Provider``, ``Channel``, ``Computer``, ``UserID``, ...), then the
record's own fields (``EventData``/``UserData``: ``TargetUserName``, ``CommandLine``, ...) under
their names. The rows feed everything a JSON-lines table feeds: the table models, and the event
sessions of the log models (``--key-col EventID --session-col Computer``, time from
``timestamp``).

The parser is an optional dependency (``pip install 'hourglass[evtx]'``); reading a ``.evtx``
file without it is a one-line :class:`~hourglass.errors.InputError` saying so.
"""

from __future__ import annotations

import json
import logging
import os
import re
import zlib
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd

from hourglass._eol import without_boms
from hourglass._limits import loads_json
from hourglass.errors import InputError, read_problem
from hourglass.ingest.tables import SKIP_BAD_ROWS, cut_top_keys, first_json_object, gzipped_evtx

logger = logging.getLogger(__name__)

__all__ = ["EVTX_MAGIC", "EVTX_ROLES", "ROW_ONLY_ROLES", "SYSTEM_COLUMNS", "WINDOWS_FORMS", "dump_row",
           "flatten_event", "iter_evtx", "looks_like_evtx_json", "looks_like_windows_json"]

EVTX_MAGIC = b"ElfFile\x00"
#: the formats whose exports write one value in several ways
#: (:func:`hourglass.features.spellings.windows_forms`)
WINDOWS_FORMS = frozenset({"evtx", "windows-json"})
SYSTEM_COLUMNS = ("timestamp", "EventRecordID", "EventID", "Provider", "Channel", "Computer",
                  "Level", "Task", "Opcode", "Keywords", "Version", "ProcessID", "ThreadID", "UserID")
# How the table models read Windows event fields: record numbers, process/thread/logon/handle
# ids, GUIDs and the export's own times identify, they do not measure (each new logon or process
# has new ones: as categories every scored event would carry an unseen value); event ids,
# levels, tasks, opcodes, versions, logon types and protocol numbers are codes, not magnitudes.
# The names are those of the EVTX system columns, of the Security/Sysmon event data and of the
# flat JSON exports (OTRF/Mordor, NXLog/Winlogbeat-like); names absent from a file are ignored.
_ROW_IDS = ("EventData.ProcessID", "NewProcessId", "ParentProcessId", "SubjectLogonId", "TargetLogonId",
            "TargetLinkedLogonId", "LogonId", "LogonGuid", "TargetLogonGuid", "ProcessGuid",
            "ParentProcessGuid", "SourceProcessGuid", "SourceProcessGUID", "TargetProcessGuid",
            "TargetProcessGUID", "HandleId", "ActivityID", "RelatedActivityID",
            # PowerShell's script block (4104/4105/4106: the same block's, its parts' too) and
            # runspace (a session's): each new script block or session has new ones
            "ScriptBlockId", "RunspaceId")
# Of the roles below, those only a row's features take: an entity model counts an entity's
# distinct logon ids or processes per bucket (many logons in five minutes mean something) and
# keeps its own reading of ports and codes.
ROW_ONLY_ROLES = frozenset((*_ROW_IDS, "LogonType", "Protocol", "SourcePort", "DestPort",
                            "DestinationPort", "IpPort"))
EVTX_ROLES = {
    **{c: "drop" for c in ("EventRecordID", "RecordNumber", "ProcessID", "ProcessId", "ThreadID",
                           "ThreadId", "ExecutionProcessID", "SourceProcessId", "TargetProcessId",
                           "SourceThreadId", "port", "@timestamp", "TimeCreated", "EventTime",
                           "EventReceivedTime", "UtcTime", *_ROW_IDS)},
    **{c: "categorical" for c in ("EventID", "Level", "Task", "Opcode", "OpcodeValue", "Version",
                                  "Keywords", "SeverityValue", "LogonType", "Protocol")},
    **{c: "port" for c in ("SourcePort", "DestPort", "DestinationPort", "IpPort")},
}
_CHUNK_ROWS = 50_000
_HEADER_BYTES, _CHUNK_BYTES = 4096, 65536  # an .evtx file: a header, then chunks of records
_MAX_BAD_IN_A_ROW = 1_000  # a parser stuck on damage raises again and again: stop, don't spin
# the parser's error for a chunk it cannot read at all: every record of it lost at once
_CHUNK_LOST = re.compile(r"chunk containing record IDs (\d+)\.\.(\d+)")
# the Rust parser's words for the system's error on the file (its io::Error: 'Input/output error
# (os error 5)', raised as an OSError without an errno)
_OS_ERROR = re.compile(r"\(os error (\d+)\)")


def _read_failure(exc: BaseException) -> OSError | None:
    """The system's failure to read the file that the parser's error ``exc`` stands for (a
    disk's I/O error: an ``OSError`` with an errno, or the Rust parser's text of one), with
    its errno; ``None`` for damage in the file (a record or chunk that does not parse, read
    past its end: 'failed to fill whole buffer'), which ``on_bad_rows`` decides on.

    Examples
    --------
    >>> _read_failure(OSError("Input/output error (os error 5)")).strerror
    'Input/output error'
    >>> _read_failure(OSError("failed to fill whole buffer")) is None
    True
    """
    if not isinstance(exc, OSError):
        return None
    if exc.errno is not None:
        return exc
    m = _OS_ERROR.search(str(exc))
    return None if m is None else OSError(int(m.group(1)), os.strerror(int(m.group(1))))


def _check_readable(path: Path) -> None:
    """Raise ``PATH: cannot read (...)`` where reading the file's bytes fails (a disk's I/O
    error): the parser reads them itself and says such a failure inside a chunk as damage
    (``Reached EOF while trying to allocate chunk``) or as the end of its records, so where it
    met an error or stopped short, the bytes are read again here to tell the two apart."""
    try:
        with path.open("rb") as f:
            while f.read(1 << 20):
                pass
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({read_problem(exc)})") from None


def _records_lost(exc: BaseException) -> int:
    """How many records the parser's error ``exc`` stands for: a chunk's (``Failed to parse
    chunk containing record IDs 1..101``), else one.

    Examples
    --------
    >>> _records_lost(RuntimeError("Failed to parse chunk containing record IDs 1..101: ..."))
    101
    >>> _records_lost(RuntimeError("Failed to parse record number 27"))
    1
    """
    m = _CHUNK_LOST.search(str(exc))
    if m is None:
        return 1
    first, last = int(m.group(1)), int(m.group(2))
    return last - first + 1 if 0 <= last - first < 1_000_000 else 1


def _chunk_ranges(path: Path) -> list[tuple[int, int, int]]:
    """The whole chunks of the ``.evtx`` file ``path`` whose header is intact (its magic, and
    its CRC32 over bytes 0-120 and 128-512), as ``(chunk number, first record id, last record
    id)`` in id order; ``[]`` where two chunks claim the same ids (a log that wrapped round),
    as then a record's id does not tell its chunk.

    The parser stops reading a chunk, without a word, at a record whose header is damaged
    (its magic overwritten): these ranges tell how many records each chunk holds."""
    ranges: list[tuple[int, int, int]] = []
    with path.open("rb") as f:
        size = f.seek(0, 2)
        for k in range(max(0, (size - _HEADER_BYTES) // _CHUNK_BYTES)):
            f.seek(_HEADER_BYTES + k * _CHUNK_BYTES)
            head = f.read(512)
            if len(head) < 512 or head[:8] != b"ElfChnk\x00":
                continue
            if zlib.crc32(head[:120] + head[128:]) != int.from_bytes(head[124:128], "little"):
                continue
            first, last = int.from_bytes(head[24:32], "little"), int.from_bytes(head[32:40], "little")
            if 0 <= last - first < _CHUNK_BYTES // 24:  # a record takes at least 24 bytes
                ranges.append((k, first, last))
    ranges.sort(key=lambda r: r[1])
    if any(a[2] >= b[1] for a, b in pairwise(ranges)):
        return []
    return ranges


def _value(v: Any) -> Any:
    """An XML-derived JSON value as one cell: an element's text, JSON text for lists and
    objects (as nested JSON lines become), the scalar otherwise."""
    if isinstance(v, Mapping):
        if "#text" in v:
            return _value(v["#text"])
        rest = {k: x for k, x in v.items() if k != "#attributes"}
        if not rest:
            return None
        return json.dumps(rest, sort_keys=True, default=str)
    if isinstance(v, list):
        return json.dumps(v, default=str)
    return v


def _attr(element: Any, name: str) -> Any:
    """Attribute ``name`` of an XML-derived element: the parser's ``{"#attributes": {name: v}}``,
    or ``{"@name": v}`` as xmltodict writes it (python-evtx's XML records through
    ``xmltodict.parse``, a NetApp ONTAP audit's EVTX converted so), else ``None``.

    Examples
    --------
    >>> _attr({"#attributes": {"SystemTime": "2024-03-01T08:00:00Z"}}, "SystemTime")
    '2024-03-01T08:00:00Z'
    >>> _attr({"@SystemTime": "2024-03-01T08:00:00Z"}, "SystemTime")
    '2024-03-01T08:00:00Z'
    """
    if isinstance(element, Mapping):
        attrs = element.get("#attributes")
        if isinstance(attrs, Mapping):
            return attrs.get(name)
        return element.get("@" + name)
    return None


def _fields(part: Any, prefix: str, row: dict[str, Any]) -> None:
    """Add the fields of an ``EventData``/``UserData`` element to ``row``."""
    if part is None:
        return
    if not isinstance(part, Mapping):
        row.setdefault(prefix, _value(part))
        return
    items = [(k, v) for k, v in part.items() if k != "#attributes"]
    if prefix == "UserData" and len(items) == 1 and isinstance(items[0][1], Mapping) \
            and "#text" not in items[0][1]:
        items = [(k, v) for k, v in items[0][1].items() if k != "#attributes"]  # one wrapper
    for key, v in items:
        if key == "Data" and isinstance(v, Mapping) and isinstance(v.get("#text"), list):
            v = v["#text"]  # the parser gathers several unnamed <Data> elements' texts so
        if key == "Data" and isinstance(v, list):  # unnamed <Data> elements: Data, Data.1, ...
            for i, x in enumerate(v):
                row[f"Data.{i}" if i else "Data"] = _value(x)
            continue
        name = key if key not in row else f"{prefix}.{key}"
        row[name] = _value(v)


# The PowerShell engine's context, which its events write as text, not as fields: the classic
# "Windows PowerShell" log (400/403/600/800) in its last <Data> element as 'Key=Value' lines
# (HostApplication=powershell.exe -enc ..., the command line that started the engine), module
# logging (4103) in ContextInfo as 'Key Name = Value' lines. Both texts hold a sequence number,
# host and runspace GUIDs: near-unique, so dropped, and the host application with them. The
# fields that describe the engine are read out under the classic log's names, but for its
# HostName (ConsoleHost, ServerRemoteHost: the PowerShell host program), PSHostName: a HostName,
# Hostname, is the computer's elsewhere (NXLog's flat rows; an alert's host.name).
_PS_PROVIDERS = frozenset(("PowerShell", "Microsoft-Windows-PowerShell"))
_PS_CONTEXT = {"HostName": "PSHostName", "HostVersion": "HostVersion",
               "HostApplication": "HostApplication", "EngineVersion": "EngineVersion",
               "ScriptName": "ScriptName", "CommandName": "CommandName", "CommandType": "CommandType",
               "CommandPath": "CommandPath"}


def _powershell_context(row: dict[str, Any]) -> None:
    """Add to ``row`` (a PowerShell event's, :data:`_PS_PROVIDERS`) the engine's context that
    its text fields hold (:data:`_PS_CONTEXT`: ``HostApplication``, ``PSHostName``, ``ScriptName``
    ...), where the row has no field of that name; an empty value is none.

    Examples
    --------
    >>> row = {"Data.2": "\\tHostName=ConsoleHost\\r\\n\\tHostApplication=powershell.exe -enc SQBFAFgA\\r\\n"
    ...        "\\tSequenceNumber=13\\r\\n\\tScriptName=\\r\\n"}
    >>> _powershell_context(row)
    >>> row["HostApplication"], row["PSHostName"], "ScriptName" in row, "SequenceNumber" in row
    ('powershell.exe -enc SQBFAFgA', 'ConsoleHost', False, False)
    >>> row = {"ContextInfo": "        Host Application = C:\\\\Program Files\\\\winword.exe\\r\\n"}
    >>> _powershell_context(row)
    >>> row["HostApplication"]
    'C:\\\\Program Files\\\\winword.exe'
    """
    found: dict[str, str] = {}
    for key, v in row.items():
        if not isinstance(v, str) or "Host" not in v or not (key == "ContextInfo" or key.startswith("Data")):
            continue
        for line in v.splitlines():
            k, eq, value = line.partition("=")
            name = _PS_CONTEXT.get(k.replace(" ", "").strip()) if eq else None
            if name is not None and value.strip():
                found.setdefault(name, value.strip())
    for name, value in found.items():
        row.setdefault(name, value)


def flatten_event(record: Mapping[str, Any]) -> dict[str, Any]:
    """One parsed event (the parser's JSON object, ``{"Event": {"System": ..., "EventData": ...}}``)
    as a flat row.

    ``EventID`` is the number even where the record gives qualifiers with it; ``Provider`` is its
    name and ``UserID`` the security identifier of the ``Security`` element. A field whose name
    is taken by a system column is kept as ``EventData.<name>`` (or ``UserData.<name>``);
    ``UserData``'s single wrapper element (e.g. ``LogFileCleared``) is looked through. A record
    whose event or ``System`` part is no element (``{"Event": null}``, which the parser gives
    for a damaged record) raises :class:`ValueError`.

    Examples
    --------
    >>> event = {"Event": {"System": {
    ...     "Provider": {"#attributes": {"Name": "Service Control Manager"}},
    ...     "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7045},
    ...     "TimeCreated": {"#attributes": {"SystemTime": "2019-03-03T09:20:28.621489Z"}},
    ...     "Channel": "System", "Computer": "WIN-1", "EventRecordID": 4480},
    ...     "EventData": {"ServiceName": "spoolfool", "ImagePath": "cmd.exe"}}}
    >>> row = flatten_event(event)
    >>> row["EventID"], row["Provider"], row["timestamp"], row["ImagePath"]
    (7045, 'Service Control Manager', '2019-03-03T09:20:28.621489Z', 'cmd.exe')
    """
    ev = record.get("Event", record)
    if not isinstance(ev, Mapping):
        raise ValueError(f"the record's event is {json.dumps(ev, default=str)[:40]}, not an element")
    system = ev.get("System") or {}
    if not isinstance(system, Mapping):
        raise ValueError(f"the record's System part is {json.dumps(system, default=str)[:40]}, "
                         "not an element")
    execution = system.get("Execution")
    row: dict[str, Any] = {
        "timestamp": _attr(system.get("TimeCreated"), "SystemTime"),
        "EventRecordID": _value(system.get("EventRecordID")),
        "EventID": _value(system.get("EventID")),
        "Provider": _attr(system.get("Provider"), "Name"),
        "Channel": _value(system.get("Channel")),
        "Computer": _value(system.get("Computer")),
        "Level": _value(system.get("Level")),
        "Task": _value(system.get("Task")),
        "Opcode": _value(system.get("Opcode")),
        "Keywords": _value(system.get("Keywords")),
        "Version": _value(system.get("Version")),
        "ProcessID": _attr(execution, "ProcessID"),
        "ThreadID": _attr(execution, "ThreadID"),
        "UserID": _attr(system.get("Security"), "UserID"),
    }
    for part in ("EventData", "UserData"):
        _fields(ev.get(part), part, row)
    if row["Provider"] in _PS_PROVIDERS:
        _powershell_context(row)
    return row


def dump_row(record: dict[str, Any]) -> dict[str, Any]:
    """A JSON line of the parser's own records (``evtx_dump -o jsonl``, ``records_json()``:
    ``{"Event": {"System": ..., "EventData": ...}}``) as the row the ``.evtx`` file gives for
    the same record (:func:`flatten_event`); any other object as it is.

    Examples
    --------
    >>> dump_row({"Event": {"System": {"EventID": 4624, "Channel": "Security"}}})["EventID"]
    4624
    >>> dump_row({"EventID": 4624})
    {'EventID': 4624}
    """
    ev = record.get("Event")
    if isinstance(ev, Mapping) and isinstance(ev.get("System"), Mapping):
        return flatten_event(record)
    return record


# the start of a line of the parser's records whose first line runs past a file's head (a
# PowerShell script block of many kilobytes in its EventData, after the System element)
_DUMP_START = re.compile(rb'\s*\{\s*"Event"\s*:\s*\{')


def looks_like_evtx_json(head: bytes) -> bool:
    """Whether a file's first bytes are JSON lines of the parser's own records (``evtx_dump -o
    jsonl``, ``records_json()``): the first object has an ``Event`` object whose ``System``
    holds an ``EventID``; a first line cut by the head's length, where it starts with
    ``{"Event": {`` and names ``System`` and ``EventID`` before the cut.

    Examples
    --------
    >>> looks_like_evtx_json(b'{"Event": {"System": {"EventID": 4624, "Channel": "Security"}}}\\n')
    True
    >>> looks_like_evtx_json(b'{"EventID": 4624, "Channel": "Security"}\\n')
    False
    >>> looks_like_evtx_json(b'{"Event": {"System": {"EventID": 4104}, "EventData": {"S": "...')
    True
    """
    obj = first_json_object(head)
    if obj is not None:
        ev = obj.get("Event")
        return isinstance(ev, Mapping) and isinstance(ev.get("System"), Mapping) and "EventID" in ev["System"]
    text = without_boms(head).lstrip()
    if b"\n" in text.rstrip(b"\r\n"):  # a whole first line that is no such object
        return False
    return _DUMP_START.match(text) is not None and b'"System"' in text and b'"EventID"' in text


def looks_like_windows_json(head: bytes) -> bool:
    """Whether a file's first bytes are JSON lines of Windows events (a flat object with
    ``EventID`` and ``Channel``, as OTRF/Mordor and most log shippers export them).

    A first line longer than ``head`` (a PowerShell script block of many kilobytes) is one when
    its top-level keys before the cut include ``EventID`` and ``Channel`` (a nested event, as
    ``{"Event": {"System": {...}}}``, is none).

    Examples
    --------
    >>> looks_like_windows_json(b'{"EventID": 4624, "Channel": "Security", "Hostname": "ws1"}\\n')
    True
    >>> looks_like_windows_json(b'{"ts": 1.0, "bytes": 10}\\n')
    False
    >>> looks_like_windows_json(b'{"EventID": 4104, "Channel": "PowerShell", "ScriptBlockText": "...')
    True
    """
    obj = first_json_object(head)
    if obj is None:  # a first line cut by the head's length: the keys before the cut
        return {"EventID", "Channel"} <= cut_top_keys(head)
    return "EventID" in obj and "Channel" in obj


def _parser(path: Path) -> Any:
    try:
        import evtx
    except ImportError:
        raise InputError(f"{path}: reading Windows .evtx event logs needs the evtx parser: "
                         "pip install 'hourglass[evtx]'") from None
    try:  # by its bytes, as by its name: gzip data named .evtx is no readable event log either
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
    except OSError:  # (the parser names what it cannot read)
        gz = False
    if gz or path.name.lower().endswith(".gz"):
        raise gzipped_evtx(path)
    try:
        return evtx.PyEvtxParser(str(path), 1)
    except (RuntimeError, OSError, ValueError) as exc:
        failed = _read_failure(exc)
        if failed is not None and not isinstance(exc, FileNotFoundError | PermissionError):
            raise InputError(f"{path}: cannot read ({read_problem(failed)})") from None
        raise InputError(f"{path}: not a readable Windows .evtx event log ({exc})") from None


def iter_evtx(path: str | Path, *, on_bad_rows: str = "error", stats: Any = None,
              chunk_rows: int = _CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Yield the records of an ``.evtx`` file as DataFrames of up to ``chunk_rows`` flat rows
    (:func:`flatten_event`), in file order.

    A damaged record raises :class:`~hourglass.errors.InputError` naming the record's position,
    or with ``on_bad_rows="skip"`` is skipped and counted in ``stats`` (a
    :class:`~hourglass.ingest.tables.ReadStats`). A failure to read the file (a disk's I/O
    error) is no damaged record: an :class:`~hourglass.errors.InputError` (``PATH: cannot read
    (Input/output error)``) whatever ``on_bad_rows``, as the other readers say it, never the end
    of the records nor a damaged one (where the parser met an error or stopped short, the file's
    bytes are read again to tell: :func:`_check_readable`). Columns are those of each chunk's records, as
    for JSON lines. A file cut short (not a 4 KiB header and whole 64 KiB chunks) is an error
    where no record reads, else a logged warning: the parser passes over its partial last chunk.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "not.evtx"
    >>> _ = p.write_bytes(b"not an event log")
    >>> next(iter_evtx(p))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: ...not.evtx: not a readable Windows .evtx event log (...)
    """
    p = Path(path)
    records = iter(_parser(p).records_json())
    try:
        ranges = _chunk_ranges(p)
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({read_problem(exc)})") from None
    firsts = [r[1] for r in ranges]
    read = [0] * len(ranges)  # records read of each intact chunk
    rows: list[dict[str, Any]] = []
    position, bad_in_a_row, bad, checked = 0, 0, 0, False
    while True:
        position += 1
        try:
            item = next(records)
            row = flatten_event(loads_json(item["data"]))
        except StopIteration:
            break
        except (RuntimeError, OSError, ValueError, KeyError, TypeError) as exc:  # (and RecursionError)
            failed = _read_failure(exc)
            if failed is not None:  # the disk's, not damage: the records after it are there,
                # unread, so it is no record to skip (the parser's iterator ends there)
                raise InputError(f"{p}: cannot read ({read_problem(failed)})") from None
            if not checked:  # (the parser's words for a failed read of a chunk are damage's)
                _check_readable(p)
                checked = True
            if on_bad_rows != "skip":
                # named by its row, the event's place from 1, as a refused value of it is (its record
                # id is not read)
                raise InputError(f"{p}: row {position}: unreadable record ({exc}) "
                                 f"(use {SKIP_BAD_ROWS} to skip such records)") from None
            bad_in_a_row += 1
            lost = _records_lost(exc)  # a chunk's records at once, each counted
            position += lost - 1
            bad += lost
            if stats is not None:  # placed after the rows before them (iter_table counts those out)
                for _ in range(lost):
                    stats.skipped(None, at=stats.rows + len(rows))
            if bad_in_a_row >= _MAX_BAD_IN_A_ROW:
                raise InputError(f"{p}: {bad_in_a_row} unreadable records one after another, up to "
                                 f"row {position}; the file is too damaged to read") from None
            continue
        bad_in_a_row = 0
        rid = item.get("event_record_id")
        i = bisect_right(firsts, rid) - 1 if isinstance(rid, int) else -1
        if i >= 0 and rid <= ranges[i][2]:
            read[i] += 1
        rows.append(row)
        if len(rows) >= chunk_rows:
            yield pd.DataFrame.from_records(rows)
            rows = []
    short = [(r, n) for r, n in zip(ranges, read, strict=True) if n < r[2] - r[1] + 1]
    size = p.stat().st_size
    if not checked and (short or len(ranges) < (size - _HEADER_BYTES) // _CHUNK_BYTES):
        _check_readable(p)  # stopped short, or chunks whose records cannot be counted: a read's failure?
    if short:  # the parser stopped inside a chunk at a damaged record, silently
        (k, first, last), n = short[0]
        if on_bad_rows != "skip":
            raise InputError(f"{p}: chunk {k + 1} holds record ids {first}..{last}, but only {n} "
                             f"of its {last - first + 1} could be read: record id {first + n} is "
                             f"damaged (use {SKIP_BAD_ROWS} to skip such records)")
        unread = sum(r[2] - r[1] + 1 - n for r, n in short) - bad  # those not counted already
        if stats is not None:
            for _ in range(max(0, unread)):
                stats.skipped(None)
    cut = (size - _HEADER_BYTES) % _CHUNK_BYTES != 0
    if rows:
        yield pd.DataFrame.from_records(rows)
    elif position == 1 and cut:
        raise InputError(f"{p}: no event record could be read, and its {size:,} bytes "
                         "are not a 4 KiB header and whole 64 KiB chunks: a copy cut short? "
                         "(copy the log again, or export it with wevtutil epl)")
    if position > 1 and cut:  # the parser passes over a partial last chunk without a word
        logger.warning("%s: its %s bytes are not a 4 KiB header and whole 64 KiB chunks: a copy "
                       "cut short? The records of its last, partial chunk (the latest ones) are not "
                       "read (copy the log again, or export it with wevtutil epl)", p, f"{size:,}")
