"""Windows events exported by Winlogbeat (Elastic Common Schema documents) as event tables.

Winlogbeat, and Elasticsearch, Logstash or Kafka exports of its documents, write one nested JSON
object per event: the record under ``winlog`` (``winlog.event_id``, ``winlog.channel``,
``winlog.computer_name``, ``winlog.event_data.TargetUserName``, ...), ECS copies and additions
(``event.code``, ``process.pid``, ``source.ip``, ``user.name``...), the shipper's metadata
(``agent.*``, ``ecs.version``, ``host.os.*``) and ``@timestamp``. Read as JSON lines, each field
is a column named by its dotted path; :data:`WINLOGBEAT_ROLES` gives those columns the roles the
EVTX reader gives its Windows fields (:data:`~hourglass.ingest.evtx.EVTX_ROLES`), under the names
Winlogbeat writes, so the columns keep their names and a ``stream`` or ``/score`` row of the same
documents matches the model as it is. Winlogbeat 7 writes ``event_id`` as a number, 8 as text:
as a category, both read the same.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from hourglass._eol import without_boms
from hourglass._limits import loads_json
from hourglass.errors import InputError
from hourglass.ingest.datasets import DatasetSpec, fields_found
from hourglass.ingest.evtx import EVTX_ROLES, ROW_ONLY_ROLES
from hourglass.ingest.readers import check_path
from hourglass.ingest.tables import CHUNK_BYTES, ReadStats, check_log_text, cut_top_keys, read_head

__all__ = ["WINLOGBEAT", "WINLOGBEAT_ROLES", "WINLOGBEAT_ROW_ONLY", "WinlogbeatSpec",
           "looks_like_winlogbeat"]

EVENT_DATA, USER_DATA = "winlog.event_data.", "winlog.user_data."
# The EVTX reader's System columns (and the System attributes flat exports name) as Winlogbeat
# names them (its exported fields reference: winlog.record_id, winlog.process.pid, ...).
_SYSTEM = {"EventRecordID": "winlog.record_id", "EventID": "winlog.event_id",
           "Provider": "winlog.provider_name", "Channel": "winlog.channel",
           "Computer": "winlog.computer_name", "Level": "log.level", "Task": "winlog.task",
           "Opcode": "winlog.opcode", "Keywords": "winlog.keywords", "Version": "winlog.version",
           "ProcessID": "winlog.process.pid", "ThreadID": "winlog.process.thread.id",
           "UserID": "winlog.user.identifier", "ActivityID": "winlog.activity_id",
           "RelatedActivityID": "winlog.related_activity_id", "TimeCreated": "winlog.time_created",
           "timestamp": "@timestamp"}
# EVTX_ROLES names that are neither System nor event data: fields other shippers add (NXLog's
# record number, severity and receive time, Logstash's input port, OTRF's @timestamp), which
# Winlogbeat names otherwise (event.created, @timestamp) or not at all.
_OTHER_SHIPPERS = frozenset(("RecordNumber", "ExecutionProcessID", "SeverityValue", "OpcodeValue",
                             "EventTime", "EventReceivedTime", "port", "@timestamp"))


def _winlogbeat_names(name: str) -> tuple[str, ...]:
    """The Winlogbeat columns of an EVTX_ROLES name: its ``winlog.*`` field for a System one,
    else its ``winlog.event_data.*`` and ``winlog.user_data.*`` fields (a record has one or the
    other; the EVTX reader's ``EventData.ProcessID`` is plainly ``ProcessID`` there)."""
    if name in _SYSTEM:
        return (_SYSTEM[name],)
    if name in _OTHER_SHIPPERS:
        return ()
    field = name.removeprefix("EventData.")
    return (EVENT_DATA + field, USER_DATA + field)


_FROM_EVTX = {w: role for name, role in EVTX_ROLES.items() for w in _winlogbeat_names(name)}
# Winlogbeat's and ECS's own fields, each with why:
_OWN = {
    # the event id again, as ECS writes it (text in 7.x and 8.x alike): a code, not a magnitude
    "event.code": "categorical",
    # the logon of 4624/4634/4672... (= TargetLogonId/SubjectLogonId): a new id each logon, and
    # its type (Network, Interactive...), a code as LogonType is
    "winlog.logon.id": "drop", "winlog.logon.type": "categorical",
    # ECS copies of the process (Sysmon's ProcessId/ProcessGuid, the parent's): new ones each
    # process, as in the event data they copy
    "process.pid": "drop", "process.parent.pid": "drop", "process.thread.id": "drop",
    "process.entity_id": "drop", "process.parent.entity_id": "drop",
    # the PowerShell module's copies of a script block's and a runspace's GUIDs (ScriptBlockId,
    # RunspaceId): new ones each script block, each session
    "powershell.file.script_block_id": "drop", "powershell.runspace_id": "drop",
    # counters: ECS's event.sequence (the PowerShell module's SequenceNumber of 400/403/600/800,
    # rising for as long as a console runs: 13, 141, 51472) and a runspace's pipeline number
    # (1, 71): as magnitudes, a console open for a day lies past training in every event
    "event.sequence": "drop", "powershell.pipeline_id": "drop",
    # pipeline times: when Winlogbeat read the record and Elasticsearch indexed it (the event's
    # own time is @timestamp, the table's time column)
    "event.created": "drop", "event.ingested": "drop",
    # the raw XML (include_xml) and the rendered message: the event data fields again, as text
    # unique to each event (ids, times); as a category every scored event would be unseen, and
    # the near-unique-text rule only drops it once training holds 50 different ones. Template
    # mining reads it as events instead: train --message-col message --session-col ...
    "event.original": "drop", "message": "drop", "event.hash": "drop",
    # one-to-one with winlog.provider_name (a duplicate), and the Windows API Winlogbeat read
    # the log with (its own setting)
    "winlog.provider_guid": "drop", "winlog.api": "drop",
    # the ECS version of the document and Logstash's document version: the export's, constant
    "ecs.version": "drop", "@version": "drop",
    # Beats/Logstash tags (input codecs, pipelines applied) say how the event travelled
    "tags": "drop",
}
# Whole objects of shipper metadata, but for the field named after the prefix: which Beat (its
# id, version, name) shipped the event; the collecting host's OS, architecture, addresses and ids
# (constant per host, with host.name kept as the host; an upgrade or a DHCP lease would make
# every event of the host unseen); log.* file offsets and paths (an exported .evtx read by
# Filebeat), with log.level kept (the record's Level); Elastic Agent's data stream and agent
# ids; ECS related.* lists (user, ip, hash), copies of fields kept elsewhere, for pivoting.
_DROPPED_OBJECTS = (("agent.", ()), ("host.", ("host.name",)), ("log.", ("log.level",)),
                    ("data_stream.", ()), ("elastic_agent.", ()), ("related.", ()))

# ECS fields Winlogbeat's pipelines copy from the record it read: the event id as event.code,
# the provider as event.provider, the computer as host.name, the SID's account as winlog.user.*,
# and the event data's process, addresses, users, files and registry keys as process.*,
# source.*, destination.*, user.*, file.*, registry.*, dns.*. Read beside their originals, each
# fact would count twice in a row's error (and a Winlogbeat reading would score otherwise than
# the windows-json or .evtx reading of the same events); so a copy is dropped when the file
# has what it copies. Alerts still carry them (ECS fields of the row go to the alert).
_ECS_COPIES = (("event.code", "winlog.event_id"), ("event.provider", "winlog.provider_name"),
               ("host.name", "winlog.computer_name"), ("winlog.user.", "winlog.user.identifier"))
_ECS_DATA_COPIES = ("process.", "source.", "destination.", "user.", "file.", "registry.", "dns.")

#: How the table models read Winlogbeat columns (those absent from a file are ignored); the
#: shipper objects of ``_DROPPED_OBJECTS`` are added per file by
#: :meth:`WinlogbeatSpec.roles_for`.
WINLOGBEAT_ROLES: dict[str, str] = {**_FROM_EVTX, **_OWN}
#: Of those, the ones only a row's features take (an entity model counts distinct logons and
#: processes per bucket): the Winlogbeat names of the EVTX reader's row-only fields, the logon
#: and ECS process fields.
WINLOGBEAT_ROW_ONLY = frozenset((*(w for name in ROW_ONLY_ROLES for w in _winlogbeat_names(name)),
                                 "winlog.logon.id", "winlog.logon.type", "process.pid",
                                 "process.parent.pid", "process.thread.id", "process.entity_id",
                                 "process.parent.entity_id", "powershell.file.script_block_id",
                                 "powershell.runspace_id"))

# a winlog object's event_id or channel, in a first line too long to parse whole
_CUT_WINLOG = re.compile(rb'"winlog"\s*:\s*\{[^{}]*?"(?:event_id|channel)"\s*:')


def looks_like_winlogbeat(head: bytes) -> bool:
    """Whether a file's first bytes are Winlogbeat documents: the first JSON line has a
    ``winlog`` object holding ``event_id`` or ``channel`` (or the dotted keys
    ``winlog.event_id``/``winlog.channel`` of a flattened export).

    A first line longer than ``head`` (a PowerShell script block, a message of many kilobytes)
    is looked at for its top-level keys before the cut (a document nested in another object, as
    an Elasticsearch ``_source``, is none) and its ``winlog`` object's text.

    Examples
    --------
    >>> looks_like_winlogbeat(b'{"@timestamp": "2020-10-18T10:56:18.799Z", '
    ...                       b'"winlog": {"channel": "Security", "event_id": "4624"}}\\n')
    True
    >>> looks_like_winlogbeat(b'{"winlog.event_id": 4624, "winlog.channel": "Security"}\\n')
    True
    >>> looks_like_winlogbeat(b'{"EventID": 4624, "Channel": "Security"}\\n')
    False
    """
    head = without_boms(head)
    for line in head.split(b"\n", 8)[:8]:
        if not line.strip():
            continue
        try:
            obj = loads_json(line)
        except (ValueError, RecursionError):  # cut by the head's length: its top-level keys before the cut
            keys = cut_top_keys(head)
            return bool({"winlog.event_id", "winlog.channel"} & keys) \
                or ("winlog" in keys and _CUT_WINLOG.search(line) is not None)
        if not isinstance(obj, dict):
            return False
        winlog = obj.get("winlog")
        if isinstance(winlog, dict):
            return "event_id" in winlog or "channel" in winlog
        return "winlog.event_id" in obj or "winlog.channel" in obj
    return False


@dataclass(frozen=True)
class WinlogbeatSpec(DatasetSpec):
    """The ``winlogbeat`` format: JSON lines whose first record must carry ``winlog.event_id``
    or ``winlog.channel`` (whatever the chunks), with the roles of :data:`WINLOGBEAT_ROLES` and
    the shipper objects (``agent.*``, ``host.*`` but ``host.name``...) dropped.

    Examples
    --------
    >>> WINLOGBEAT.roles_for(["agent.id", "host.name", "host.os.kernel", "winlog.event_id"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'agent.id': 'drop', 'host.os.kernel': 'drop', 'winlog.event_id': 'categorical'}
    >>> WINLOGBEAT.roles_for(["event.code", "winlog.event_id", "process.name",
    ...                       "winlog.event_data.Image"])  # ECS copies of what the file has
    ... # doctest: +NORMALIZE_WHITESPACE
    {'event.code': 'drop', 'winlog.event_id': 'categorical', 'process.name': 'drop'}
    """

    #: nested objects whose many columns are fields, not a map keyed by values: ``winlog`` holds
    #: the event data of every event type (an OTRF recording has some 170 such fields)
    wide_objects: ClassVar[tuple[str, ...]] = ("winlog",)

    def roles_for(self, columns: Iterable[str]) -> dict[str, str]:
        """The format's roles of ``columns``: :attr:`roles`, the dropped shipper objects, and
        the ECS copies of fields the columns hold already (``event.code`` beside
        ``winlog.event_id``, ``process.*`` beside ``winlog.event_data.*``...) dropped."""
        names = [str(c) for c in columns]
        have = set(names)
        data = any(c.startswith((EVENT_DATA, USER_DATA)) for c in names)
        out: dict[str, str] = {}
        for c in names:
            copy = any((c == field or (field.endswith(".") and c.startswith(field) and c != source))
                       and source in have for field, source in _ECS_COPIES) \
                or (data and c.startswith(_ECS_DATA_COPIES))
            if copy:
                out[c] = "drop"
            elif c in self.roles:
                out[c] = self.roles[c]
            elif any(c.startswith(p) and c not in keep for p, keep in _DROPPED_OBJECTS):
                out[c] = "drop"
        return out

    def _refuse(self, df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
        """Refuse fields of the file (its first record's, or its first chunk's where no record
        has them) without ``winlog.event_id``/``winlog.channel``, naming what the file looks like
        instead."""
        cols = [str(c) for c in df.columns]
        if "winlog.event_id" in cols or "winlog.channel" in cols:
            return
        hint = ""
        if {"EventID", "Channel"} <= set(cols):
            hint = "; flat Windows events (EventID, Channel) are --format windows-json"
        elif any(c.startswith("_source.winlog.") for c in cols):
            hint = "; these are Elasticsearch hits: export their _source documents, one a line"
        shown = ", ".join(cols[:6]) + (" ..." if len(cols) > 6 else "")
        raise InputError(f"{path}: not a Winlogbeat export: no winlog.event_id or winlog.channel "
                         f"field (fields: {shown}){hint}")

    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    used: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        """Yield the file as DataFrames; a file that is not JSON lines (a CSV, an ``.evtx``) is
        one :class:`InputError` naming it, whatever ``on_bad_rows``, and so is one whose first
        record, or every record, has neither ``winlog.event_id`` nor ``winlog.channel``, whatever
        ``chunk_bytes`` (:func:`~hourglass.ingest.datasets.fields_found`)."""
        p = check_path(path)
        check_log_text(p)  # UTF-16, gzip without .gz ...: said so, not 'the file starts ...'
        first = without_boms(read_head(p, 4096)).lstrip(b"\x00").lstrip()
        if first and not first.startswith(b"{"):
            line = first.split(b"\n", 1)[0][:40].decode("utf-8", "replace")
            raise InputError(f"{p}: not a Winlogbeat export: Winlogbeat documents are JSON lines, "
                             f"one object a line, and the file starts {line!r}")
        yield from fields_found(super().iter_chunks(p, on_bad_rows=on_bad_rows, chunk_bytes=chunk_bytes,
                                                    stats=stats),
                                p, ("winlog.event_id", "winlog.channel"), "a Winlogbeat export",
                                any_of=True, refuse=lambda df: self._refuse(df, p))


#: Winlogbeat / Elastic exports of Windows events (``--format winlogbeat``).
WINLOGBEAT = WinlogbeatSpec(
    name="winlogbeat", columns=None, label_col=None, normal=(), fmt="jsonl",
    roles=WINLOGBEAT_ROLES, sniffer=looks_like_winlogbeat, time_col="@timestamp",
    description="Windows events exported by Winlogbeat/Elastic (ECS JSON lines: winlog.event_id, "
                "winlog.event_data.*, ...)")
