"""The format registry: name → how to read it (``--format``), and sniffing for ``--format auto``.

A format is any object with ``name``, ``description``, ``label_col``, ``normal``, ``drop``,
``categorical``, ``categories``, ``roles``, ``iter_chunks(path, on_bad_rows=, chunk_bytes=,
stats=)``, ``read(path, on_bad_rows=, stats=)`` and ``sniff(head_bytes)``, and optionally
``roles_for(columns)`` (roles that depend on the columns a file has: :func:`format_roles`) and
a ``used=`` keyword of ``iter_chunks`` (the columns the caller reads: others may turn to text
where a later value does not fit their type; a format without it reads every column strictly);
:class:`~hourglass.ingest.datasets.DatasetSpec` is the usual one. Other input kinds (log formats,
events) add theirs with :func:`register_format`. The named datasets of
:data:`~hourglass.ingest.datasets.DATASETS` are formats too (``--dataset`` is an alias).
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from collections.abc import Collection, Iterator
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import shown_apart, spelling_key
from hourglass._eol import CrToLf, cr_ended, without_boms
from hourglass._labels import normal_names
from hourglass.errors import InputError
from hourglass.ingest.auditd import AUDITD
from hourglass.ingest.cef import CEF, LEEF
from hourglass.ingest.cloudtrail import CLOUDTRAIL
from hourglass.ingest.datasets import DATASETS, DatasetSpec, fields_found
from hourglass.ingest.entra import ENTRA_SIGNIN
from hourglass.ingest.eve import SURICATA_EVE
from hourglass.ingest.evtx import (
    EVTX_MAGIC,
    EVTX_ROLES,
    dump_row,
    looks_like_evtx_json,
    looks_like_windows_json,
)
from hourglass.ingest.flows import AWS_VPC_FLOW, CICFLOWMETER, UNSW_NB15, ZEEK_CONN
from hourglass.ingest.gcp import GCP_AUDIT
from hourglass.ingest.jsondoc import _json_kind
from hourglass.ingest.k8s import K8S_AUDIT
from hourglass.ingest.kv import KV
from hourglass.ingest.okta import OKTA
from hourglass.ingest.panos import PANOS
from hourglass.ingest.readers import check_path, detect_format, table_format
from hourglass.ingest.tables import CHUNK_BYTES, NULL_VALUES, ReadStats, check_text, read_head
from hourglass.ingest.winlogbeat import WINLOGBEAT

__all__ = ["FORMATS", "all_formats", "boolean_labels", "column_normal", "event_format",
           "format_roles", "get_format", "label_strings", "labels_seen", "line_format",
           "normal_labels", "numeric_labels", "other_spellings", "register_format",
           "resolve_format", "sniff_format"]


def _table(fmt: str, what: str) -> DatasetSpec:
    return DatasetSpec(name=fmt, columns=None, label_col=None, normal=(), fmt=fmt,
                       description=what)


FORMATS: dict[str, Any] = {}
_GENERIC = {f: _table(f, d) for f, d in (
    ("csv", "comma-separated table with a header line (semicolons, tabs, pipes sniffed)"),
    ("tsv", "tab-separated table with a header line"),
    ("parquet", "Apache Parquet"),
    ("jsonl", "one JSON object per line"))}


class _EvtxSpec(DatasetSpec):
    """Windows ``.evtx`` logs, or their records as the parser's JSON lines (``evtx_dump -o
    jsonl``): ``stream`` and the service pass each JSON row through :meth:`expand`, so a model
    scores such records sent one a line as it scored the file (a flat row stays as it is)."""

    def event(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record of the parser's JSON (``{"Event": {"System": ...}}``) as the ``.evtx`` file's
        row; any other object (a flat row) as it is."""
        return dump_row(record)

    def expand(self, value: object) -> list[dict[str, Any]]:
        """The row of one JSON value of a stream's line or a service's row (:meth:`event`).

        Raises
        ------
        ValueError
            The value is no JSON object.

        Examples
        --------
        >>> get_format("evtx").expand({"Event": {"System": {"EventID": 4624}}})[0]["EventID"]
        4624
        """
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {_json_kind(value)}")
        return [self.event(value)]


_GENERIC["evtx"] = _EvtxSpec(
    name="evtx", columns=None, label_col=None, normal=(), fmt="evtx", roles=EVTX_ROLES,
    time_col="timestamp",  # each record's TimeCreated/SystemTime: alerts carry the event's time
    sniffer=looks_like_evtx_json,  # the parser's records as JSON lines (evtx_dump -o jsonl): read alike
    description="Windows event log (.evtx), or its records as evtx_dump -o jsonl writes them: one "
                "flat row per record (needs the 'evtx' extra for .evtx files)")


def register_format(spec: Any, *, replace: bool = False) -> Any:
    """Add a format under ``spec.name`` (sniffed, in registration order, by ``--format auto``).

    Examples
    --------
    >>> get_format("zeek-conn").name
    'zeek-conn'
    """
    key = spec.name.strip().lower()
    if key in FORMATS and not replace:
        raise ValueError(f"format {key!r} is already registered")
    FORMATS[key] = spec
    return spec


class _WindowsJsonSpec(DatasetSpec):
    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    used: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        """The file's chunks, refused where its first record has neither ``EventID`` nor
        ``Channel`` (JSON lines of another kind) or no record has either, whatever
        ``chunk_bytes`` (:func:`~hourglass.ingest.datasets.fields_found`)."""
        yield from fields_found(super().iter_chunks(path, on_bad_rows=on_bad_rows, chunk_bytes=chunk_bytes,
                                                    stats=stats, used=used),
                                path, ("EventID", "Channel"), "a Windows event export (flat JSON lines)",
                                any_of=True)


#: Windows events exported as flat JSON lines: the EVTX reader's column roles.
WINDOWS_JSON = _WindowsJsonSpec(
    name="windows-json", columns=None, label_col=None, normal=(), fmt="jsonl", roles=EVTX_ROLES,
    sniffer=looks_like_windows_json,
    # the EVTX reader's name of the record's time (a flat export of its rows), else the
    # export's ECS @timestamp (OTRF/Mordor): format_time_column falls back to it
    time_col="timestamp",
    description="Windows events as JSON lines (EventID, Channel, ...: OTRF/Mordor, log shippers)")

for _spec in (ZEEK_CONN, CICFLOWMETER, UNSW_NB15, AWS_VPC_FLOW, WINDOWS_JSON, WINLOGBEAT, SURICATA_EVE,
              CLOUDTRAIL, OKTA, ENTRA_SIGNIN, K8S_AUDIT, GCP_AUDIT, CEF, LEEF, PANOS,
              AUDITD, KV):  # (audit lines: key=value too)
    register_format(_spec)


def all_formats() -> dict[str, Any]:
    """Every known table format: named formats, named datasets, then the plain table formats
    (the log formats of ``--format`` live in :mod:`hourglass.ingest.logs`).

    Examples
    --------
    >>> list(all_formats())[-5:]
    ['csv', 'tsv', 'parquet', 'jsonl', 'evtx']
    >>> "nsl-kdd" in all_formats()
    True
    """
    return {**FORMATS, **{k: v for k, v in DATASETS.items() if k not in FORMATS}, **_GENERIC}


def line_format(name: object) -> Any:
    """The format called ``name`` when it reads one record a line with a ``parse`` of its own
    (``cef``, ``leef``, ``panos``, ``kv``, ``auditd``: what ``stream`` and the service parse such a
    model's lines with; ``auditd`` gathers them into events, its ``events()``), else ``None``.

    Examples
    --------
    >>> line_format("cef").name, line_format("zeek-conn"), line_format(None)
    ('cef', None, None)
    """
    spec = all_formats().get(str(name).strip().lower()) if name is not None else None
    return spec if getattr(spec, "parse", None) is not None else None


def event_format(name: object) -> Any:
    """The format called ``name`` when it passes each JSON record through an ``event`` of its
    own before flattening it (``okta``: the list of targets summarised; ``entra-signin``: a
    diagnostic envelope's sign-in lifted out; ``k8s-audit``, ``gcp-audit``: the chosen fields
    of an audit event, its bodies left out; ``cloudtrail``: a delivered file's ``Records``):
    what ``stream`` and the service pass such a model's JSON rows through, as the file was
    read; else ``None``.

    Examples
    --------
    >>> event_format("okta").name, event_format("cloudtrail").name, event_format("zeek-conn")
    ('okta', 'cloudtrail', None)
    """
    spec = all_formats().get(str(name).strip().lower()) if name is not None else None
    return spec if callable(getattr(spec, "event", None)) else None


def format_roles(spec: Any, columns: Any) -> dict[str, str]:
    """The column roles a format gives: its ``roles_for(columns)`` where it has one (the
    Winlogbeat format drops whole shipper objects, ``agent.*``, by the columns a file has), else
    its ``roles``.

    Examples
    --------
    >>> format_roles(get_format("winlogbeat"), ["agent.version", "winlog.event_id"])
    {'agent.version': 'drop', 'winlog.event_id': 'categorical'}
    >>> format_roles(get_format("zeek-conn"), ["ts"])["ts"], format_roles(None, ["ts"])
    ('drop', {})
    """
    roles_for = getattr(spec, "roles_for", None)
    if roles_for is not None:
        return dict(roles_for([str(c) for c in columns]))
    return dict(getattr(spec, "roles", None) or {})


def get_format(name: str) -> Any:
    """The format (or named dataset) called ``name``.

    Examples
    --------
    >>> get_format("nsl-kdd").label_col
    'label'
    """
    key = name.strip().lower()
    known = all_formats()
    if key not in known:
        raise InputError(f"unknown format {name!r}; known: auto, {', '.join(known)}")
    return known[key]


#: Windows events written as XML: one ``<Event xmlns=".../win/2004/08/events/event">`` after another
#: (evtx_dump, wevtutil qe /f:xml), or inside ``<Events>`` (Event Viewer's "Save as XML")
_WINDOWS_XML = re.compile(rb'\s*(?:<\?xml[^>]*\?>\s*)?(?:<Events>\s*)?<Event\s+xmlns\s*=\s*'
                          rb'["\']http://schemas\.microsoft\.com/win/2004/08/events/event["\']')

#: an OpenBSM audit trail (macOS's /var/audit, FreeBSD's) as praudit writes it: XML (``praudit -x``:
#: ``<?xml version='1.0' ?>``, ``<audit>``, then ``<record version="11" event="execve(2)" ...>``), or
#: one record a line, its tokens parted by commas (``praudit -l``: ``header,133,11,execve(2),0,Wed
#: May  1 08:00:00 2024, + 123 msec,exec arg,...,subject,...,return,success,0,trailer,133``)
_BSM_XML = re.compile(rb"\s*(?:<\?xml[^>]*\?>\s*)?<audit>\s*<record\s")
_BSM_LINE = re.compile(rb"\s*header,\d+,\d+,[^\r\n]+?,\d+,[^,\r\n]+, \+ \d+ msec,")
#: a header regex that reads ``praudit -l``'s lines as a log: the event's name (which may hold
#: commas: ``open(2) - read,creat``), its time, the rest
BSM_LOG_FORMAT = (r"^header,\d+,\d+,(?P<event>.+?),\d+,(?P<timestamp>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d "
                  r"\d\d:\d\d:\d\d \d{4}), \+ \d+ msec,(?P<content>.*)$")


def _bsm(p: Any, head: bytes) -> None:
    """Refuse an OpenBSM audit trail as ``praudit`` writes it (:data:`_BSM_XML`,
    :data:`_BSM_LINE`), with how to read its records as a log: read as a table, its XML was a CSV
    of one column, the text of its lines, and its comma-parted lines a CSV of their first record's
    tokens as column names (the next record, of other tokens, a bad row).

    Examples
    --------
    >>> _bsm("a.xml", b"<?xml version='1.0' ?>\\n<audit>\\n<record version=\\"11\\"")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: a.xml: an OpenBSM audit trail (praudit -x XML) is not read as a table; ...
    """
    if _BSM_XML.match(head):
        kind = "praudit -x XML"
    elif _BSM_LINE.match(head):
        kind = "praudit -l lines"
    else:
        return
    raise InputError(f"{p}: an OpenBSM audit trail ({kind}) is not read as a table; read its records "
                     "as a log, one a line: praudit -l /var/audit/FILE | hourglass train - --format "
                     f"'{BSM_LOG_FORMAT}' --window 3600 --model event-count-autoencoder -o MODEL "
                     "(its times are the machine's local time, read as UTC)")


#: the W3C extended log format's directives, before its records (Windows Firewall's
#: pfirewall.log, IIS): '#Version: 1.5', '#Software: ...', '#Fields: date time action ...'
_W3C_LOG = re.compile(rb"\s*#(?:Version|Software|Fields|Date|Start-Date|Remark):")
#: its '#Fields:' line: the names of its fields, parted by blanks, or by commas in Exchange's message
#: tracking log (a CSV after its directives, '#Fields: date-time,client-ip,...', quoted values)
_W3C_FIELDS = re.compile(rb"(?m)^#Fields: ?([^\r\n]*)")
#: a record of such a log whose fields are parted by tabs (Amazon CloudFront's standard log, its
#: '#Fields:' line space-separated): a first line after the directives that holds a tab
_W3C_TABS = re.compile(rb"(?m)^[^#\r\n][^\r\n]*\t")

#: web servers' and proxies' access logs, each a log of lines, no table: a CSV reader took their
#: first line for a header (its commas, in a user agent or URL, parting a few columns of text) or
#: the whole line for one column, and trained on that. The common/combined log format (Apache,
#: nginx: 'host ident user [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" ...', a vhost before it)
_CLF_LOG = re.compile(rb'\s*(?:[^\s\[",]+ ){3,4}\[\d{1,2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)? '
                      rb'[+-]\d{4}\] "')
#: Squid's native access.log: '1709280000.123     45 192.168.1.5 TCP_MISS/200 1234 GET http://...'
_SQUID_LOG = re.compile(rb"\s*\d{9,10}\.\d{3} +-?\d+ \S+ [A-Z_]+/\d{3} \d+ \S+ ")
#: an AWS Application (or classic) Load Balancer's access log: 'https 2024-03-01T08:00:01.123456Z
#: app/my-alb/50dc6c... 192.168.1.5:2817 10.0.0.1:80 0.000 ...' (the classic one without the type)
_ELB_LOG = re.compile(rb"\s*(?:(?:https?|h2|grpcs|wss?) )?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z "
                      rb"\S+ \S+:\d+ (?:\S+:\d+|-) -?\d")
#: Amazon S3's server access log: 'OWNER-ID bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 requester
#: request-id REST.GET.OBJECT key "GET /bucket/key HTTP/1.1" 200 ...' (the bucket owner's canonical
#: id, 64 hex digits; the user agent's commas part a CSV's columns)
_S3_ACCESS_LOG = re.compile(rb"\s*[0-9a-f]{64} \S+ \[\d{1,2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "
                            rb"\S+ \S+ \S+ [A-Z][A-Z0-9_.]+ ")
#: nginx's error log: '2024/03/01 08:00:01 [error] 1234#1234: *5 open() "..." failed (2: ...),
#: client: 203.0.113.66, server: ..., request: "GET /x.php HTTP/1.1"' (its commas part a CSV's columns)
_NGINX_ERROR_LOG = re.compile(rb"\s*\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} "
                              rb"\[(?:debug|info|notice|warn|error|crit|alert|emerg)\] \d+#\d+: ")
#: ModSecurity's native (serial) audit log: each transaction in parts, '--a1b2c3d4-A--' (v2) or
#: '---Xk3Yd8Q2---A--' (v3) before each
_MODSEC_AUDIT = re.compile(rb"\s*-{2,3}[A-Za-z0-9]{8,16}-{1,3}A--\r?\n")
#: Snort's and Suricata's alert_fast log (fast.log, alert): '03/01-08:00:00.123456  [**]
#: [1:2019401:3] ET POLICY ... [**] [Classification: ...] [Priority: 2] {TCP} 10.0.0.5:51234 ->
#: 93.184.216.34:443' (Snort without a year, or with -y its two digits; Suricata's four; an
#: inline sensor's '[Drop]' before the '[**]'): a CSV of one column, its lines, or of a few, parted
#: at a comma in a rule's message
_ALERT_FAST = re.compile(rb"\s*\d{2}/\d{2}(?:/\d{2,4})?-\d{2}:\d{2}:\d{2}(?:\.\d+)? +(?:\[\w+\] )?"
                         rb"\[\*\*\] \[\d+:\d+:\d+\] ")
#: a log model's header expression for its lines (a rule's message, classification, priority and
#: addresses the message), sessions by source address (the port, where there is one, left out)
_ALERT_FAST_REGEX = (r"^(?P<timestamp>\S+)\s+(?:\[\w+\] )?\[\*\*\] \[(?P<rule>\d+:\d+:\d+)\] "
                     r"(?P<content>.*)$")
_ALERT_FAST_SESSIONS = r"\} (\S+?)(?::\d+)? ->"
#: Snort 3's alert_csv log: its fields parted by ', ' and no header line, the first alert taken
#: for one ('03/01-08:00:00.123456, 215596, TCP, raw, 1260, C2S, 10.0.0.5:51234,
#: 93.184.216.34:443, 1:2019401:3, allow': columns named '215596', 'TCP' ...), its time first and
#: a rule's gid:sid:rev among its fields, as its default fields have them
_SNORT3_CSV = re.compile(rb"\s*\d{2}/\d{2}(?:/\d{2})?-\d{2}:\d{2}:\d{2}\.\d+ ?,[^\r\n]*?, ?"
                         rb"\d+:\d+:\d+ ?(?:,|\r?\n)")
#: its default fields (alert_csv.fields), the header line to write before its lines
_SNORT3_CSV_FIELDS = "timestamp,pkt_num,proto,pkt_gen,pkt_len,dir,src_ap,dst_ap,rule,action"
#: Azure Storage's analytics log (Storage Analytics logging, its $logs container's blobs): fields
#: parted by ';', no header line, its version (1.0, 2.0) then the request's start time and the
#: operation ('2.0;2026-12-01T08:00:00.1234567Z;GetBlob;Success;200;...'), its first request taken
#: for the columns' names (a column named '10.0.1.5:52153')
_AZURE_STORAGE_LOG = re.compile(rb"\s*([12])\.0;\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z;[A-Za-z]+;")
#: its fields, as Microsoft's 'Storage Analytics log format' names them: version 1.0's, then
#: the ones version 2.0 adds
_AZURE_STORAGE_FIELDS = (
    "version-number;request-start-time;operation-type;request-status;http-status-code;"
    "end-to-end-latency-in-ms;server-latency-in-ms;authentication-type;requester-account-name;"
    "owner-account-name;service-type;request-url;requested-object-key;request-id-header;"
    "operation-count;requester-ip-address;request-version-header;request-header-size;"
    "request-packet-size;response-header-size;response-packet-size;request-content-length;"
    "request-md5;server-md5;etag-identifier;last-modified-time;conditions-used;user-agent-header;"
    "referrer-header;client-request-id")
_AZURE_STORAGE_FIELDS_2 = (";user-object-id;tenant-id;application-id;audience;issuer;"
                           "user-principal-name;reserved-field;authorization-detail")
#: a CSV with no header line, every field quoted and its time first ('"2024-12-07 10:00:00",
#: "alice","alice,HQ","10.0.0.5","198.51.100.7","Allowed",...'): Cisco Umbrella's logs (DNS, proxy,
#: firewall) as its S3 export writes them, or a Zscaler NSS feed's CSV output format ('"Sat Dec 07
#: 10:00:00 2024","alice@corp.example.com","HTTPS",...', its %s{time} a ctime date), its first
#: record taken for the columns' names (a column named '10.0.0.5'); told by a quoted address
#: among its six or more fields
_QUOTED_NO_HEADER = re.compile(rb'\s*"(?:\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?'
                               rb'|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4})"'
                               rb'(?=(?:,"(?:[^"\r\n]|"")*"){5,}\r?\n)(?:,"(?:[^"\r\n]|"")*")*?'
                               rb',"(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})"')
#: FreeSWITCH's mod_cdr_csv Master.csv: no header line, each field quoted as its template writes it
#: ('"Extension 1001","1001","+442079460000","default","2024-03-01 08:00:00","2024-03-01 08:00:02",
#: "2024-03-01 08:01:02","62","60","NORMAL_CLEARING","<uuid>",...'), its first call taken for the
#: columns' names (columns '1001', 'NORMAL_CLEARING'); told by its start, answer (empty for a call
#: not answered) and end stamps, duration, billsec, hangup cause and uuid as its default template
#: ('example') and the 'sql' one order them
_FREESWITCH_CSV = re.compile(rb'\s*(?:"(?:[^"\r\n]|"")*",){4}"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",'
                             rb'"(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)?","\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",'
                             rb'("?)\d+\1, ?("?)\d+\2,"[A-Z_]+","[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-'
                             rb'[0-9a-fA-F]{12}"')
#: the variables of its default template ('example'), the names of a header line; the 'sql'
#: template writes the first 13 of them
_FREESWITCH_CSV_FIELDS = ("caller_id_name,caller_id_number,destination_number,context,start_stamp,"
                          "answer_stamp,end_stamp,duration,billsec,hangup_cause,uuid,bleg_uuid,"
                          "accountcode,read_codec,write_codec")
#: Asterisk's cdr_csv Master.csv: no header line, its text fields quoted, its numbers not
#: ('"","1001","+442079460000","from-internal","""Alice"" <1001>","PJSIP/1001-00000001",...,
#: "2024-03-01 08:00:00","2024-03-01 08:00:02","2024-03-01 08:01:02",62,60,"ANSWERED",
#: "DOCUMENTATION",...'), its first call taken for the columns' names; told by its start, answer
#: (empty for a call not answered) and end, duration, billsec, disposition and AMA flags
_ASTERISK_CSV = re.compile(rb'\s*(?:"(?:[^"\r\n]|"")*",){9}"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",'
                           rb'"(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)?","\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",'
                           rb'\d+,\d+,"(?:ANSWERED|NO ANSWER|BUSY|FAILED|CONGESTION)","[A-Z]+"')
#: its fields as cdr_csv writes them: the 16 always, then uniqueid (loguniqueid), userfield
#: (loguserfield), and peeraccount, linkedid and sequence (newcdrcolumns)
_ASTERISK_CSV_FIELDS = ("accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,"
                        "answer,end,duration,billsec,disposition,amaflags")
_ASTERISK_CSV_MORE = {17: ",uniqueid", 18: ",uniqueid,userfield",
                      21: ",uniqueid,userfield,peeraccount,linkedid,sequence"}
#: OSSEC's (and Wazuh's) alerts.log: each alert a record of several lines, '** Alert
#: 1709280000.12345: - syslog,sshd,...' first, then its time and agent, 'Rule: 5715 (level 3) ...'
#: and the log line (its first line's commas part a CSV header of a few columns)
_OSSEC_ALERTS = re.compile(rb"\s*\*\* Alert \d+\.\d+:")
#: a PowerShell transcript (Start-Transcript, or the transcription policy's
#: PowerShell_transcript.HOST.xxxxxxxx.yyyyMMddHHmmss.txt): a '**********************' line, then
#: 'Windows PowerShell transcript start' (PowerShell 7: 'PowerShell transcript start'), its header
#: block (Start time, Username, RunAs User, Machine, Host Application, Process ID ...), then the
#: session's prompts, commands and their output as the console showed them
_PS_TRANSCRIPT = re.compile(rb"\s*\*{10,}\r?\n(?:Windows )?PowerShell transcript start\r?\n")
#: a log model's header expression for an access log's lines, sessions by client address
_CLF_REGEX = r"^(?:\S+ )?(?P<client_ip>\S+) \S+ (?P<user>\S+) \[(?P<timestamp>[^\]]+)\] (?P<content>.*)$"
_SQUID_REGEX = r"^(?P<timestamp>\d+\.\d+)\s+\d+ (?P<client_ip>\S+) (?P<content>.*)$"
_NGINX_ERROR_REGEX = (r"^(?P<timestamp>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \[(?P<level>\w+)\] "
                      r"(?P<pid>\d+)#\d+: (?:\*\d+ )?(?P<content>.*)$")
_S3_REGEX = r"^(?P<owner>\S+) (?P<bucket>\S+) \[(?P<timestamp>[^\]]+)\] (?P<client_ip>\S+) (?P<content>.*)$"
_ELB_REGEX = (r"^(?:(?P<type>[a-z0-9]+) )?(?P<timestamp>\S+Z) (?P<elb>\S+) (?P<client_ip>\S+?):\d+ "
              r"(?P<content>.*)$")


def _first_record_fields(head: bytes) -> int:
    """How many fields the first record of ``head`` (a CSV file's first bytes) holds, as a CSV
    reader splits it (a quoted field may hold a comma).

    Examples
    --------
    >>> _first_record_fields(b'"a, b","c",3\\n"d"')
    3
    """
    return len(next(csv.reader(io.StringIO(head.decode("utf-8", "replace").lstrip()))))


def _web_log(p: Any, head: bytes) -> None:
    """Refuse a web server's, proxy's or load balancer's access log, nginx's error log,
    ModSecurity's native audit log or a PowerShell transcript, sniffed as a table, naming how to
    read it (a log model's header expression, the JSON the server can write, the events that
    hold the same commands), rather than train on its lines as a CSV's text."""
    def log_model(what: str, regex: str, table: str) -> InputError:
        return InputError(f"{p}: {what} is a log, not a table; train a log model (--model deeplog) on "
                          "its lines with a header expression, sessions by client address: "
                          f"--format '{regex}' --session-col client_ip (or --window SECONDS); {table}")

    if _CLF_LOG.match(head):
        raise log_model("a web server's access log (the common or combined log format: Apache's, "
                        "nginx's)", _CLF_REGEX, "for a table model, have the server log JSON lines "
                        "(nginx's log_format escape=json, Apache's LogFormat writing JSON)")
    if _SQUID_LOG.match(head):
        raise log_model("Squid's native access.log", _SQUID_REGEX,
                        "for a table model, a logformat writing the fields parted by commas, "
                        "after a header line naming them")
    if _ELB_LOG.match(head):
        raise log_model("an AWS load balancer's access log (space-separated, quoted fields, no "
                        "header)", _ELB_REGEX, "for a table model, the CSV of its fields with a "
                        "header line naming them")
    if _S3_ACCESS_LOG.match(head):
        raise log_model("an Amazon S3 server access log", _S3_REGEX,
                        "for a table model, the CSV of its fields with a header line naming them")
    if _NGINX_ERROR_LOG.match(head):
        raise InputError(f"{p}: nginx's error log is a log, not a table; train a log model (--model "
                         "deeplog) on its lines with a header expression: "
                         f"--format '{_NGINX_ERROR_REGEX}', sessions by client address "
                         "--session-regex 'client: ([^,]+)' (or --window SECONDS)")
    if _ALERT_FAST.match(head):
        raise InputError(f"{p}: an IDS alert_fast log (Snort's or Suricata's fast.log: '[**] "
                         "[1:2019401:3] ...' lines) is a log, not a table; train a log model (--model "
                         "deeplog) on its lines with a header expression, sessions by source address: "
                         f"--format '{_ALERT_FAST_REGEX}' --session-regex '{_ALERT_FAST_SESSIONS}'; "
                         "for a table model, Suricata's eve.json (read as the suricata-eve format) or "
                         "Snort 3's alert_json")
    if _SNORT3_CSV.match(head):
        raise InputError(f"{p}: a Snort 3 alert_csv log has no header line (its first alert would be "
                         "read as the columns' names); write one naming its fields (alert_csv.fields) "
                         f"before its lines: (echo '{_SNORT3_CSV_FIELDS}'; sed 's/, /,/g' FILE) > FILE.csv "
                         "for the default fields, or have Snort 3 write alert_json")
    if (azure := _AZURE_STORAGE_LOG.match(head)) is not None:
        names = _AZURE_STORAGE_FIELDS + (_AZURE_STORAGE_FIELDS_2 if azure.group(1) == b"2" else "")
        raise InputError(f"{p}: an Azure Storage analytics log (version {azure.group(1).decode()}.0, "
                         "fields parted by ';') has no header line (its first request would be read "
                         "as the columns' names); write one naming its fields before its lines: "
                         f"(echo '{names}'; cat FILE) > FILE.csv, or read the same requests from "
                         "Azure Monitor's resource logs (StorageBlobLogs)")
    if _FREESWITCH_CSV.match(head):
        fields = _first_record_fields(head)
        known = _FREESWITCH_CSV_FIELDS.split(",")
        names = (",".join(known[:fields]) if fields in (13, len(known))
                 else f"NAME1,NAME2,... (the {fields} variables of its template, in order)")
        raise InputError(f"{p}: a FreeSWITCH CDR CSV (mod_cdr_csv's Master.csv) has no header line "
                         "(its first call would be read as the columns' names); write one naming its "
                         "template's variables before its lines: (echo "
                         f"'{names}'; cat FILE) > FILE.csv, or have FreeSWITCH write mod_json_cdr's "
                         "JSON, one call a line")
    if _ASTERISK_CSV.match(head):
        fields = _first_record_fields(head)
        names = (_ASTERISK_CSV_FIELDS + _ASTERISK_CSV_MORE.get(fields, "")
                 if fields == 16 or fields in _ASTERISK_CSV_MORE
                 else f"NAME1,NAME2,... (its {fields} fields, in order)")
        raise InputError(f"{p}: an Asterisk CDR CSV (cdr_csv's Master.csv) has no header line (its "
                         "first call would be read as the columns' names); write one naming its "
                         f"fields before its lines: (echo '{names}'; cat FILE) > FILE.csv")
    if _QUOTED_NO_HEADER.match(head):
        fields = _first_record_fields(head)
        raise InputError(f"{p}: a CSV with no header line (every field quoted, its time first: Cisco "
                         "Umbrella's DNS, proxy or firewall log as its S3 export writes it, or a Zscaler "
                         "NSS feed's CSV); its first record would be read as the columns' names; export "
                         "it with its header (turn on 'Include Optional Log Headers' in Umbrella's log "
                         f"management), or write a line naming its {fields} fields before its lines (an "
                         "NSS feed's: its output format's field names, time,login,...): (echo "
                         "'NAME1,NAME2,...'; cat FILE) > FILE.csv")
    if _OSSEC_ALERTS.match(head):
        raise InputError(f"{p}: OSSEC's or Wazuh's alerts.log (each alert a record of several lines "
                         "after '** Alert ...') is not read; have the manager write its alerts as JSON "
                         "too (<jsonout_output>yes</jsonout_output> in ossec.conf: alerts.json, one "
                         "alert a line), read as JSON lines")
    if _PS_TRANSCRIPT.match(head):
        raise InputError(f"{p}: a PowerShell transcript (a '**********************' header block, then "
                         "the session's prompts, commands and their output as the console showed them) "
                         "is not read; read the same commands as events: script block logging (event "
                         "4104) and module logging (4103) of the Microsoft-Windows-PowerShell/Operational "
                         "log, its .evtx file or a shipper's export")
    if _MODSEC_AUDIT.match(head):
        raise InputError(f"{p}: ModSecurity's native audit log (each transaction in parts after "
                         "'--a1b2c3d4-A--' lines) is not read; have ModSecurity write it as JSON "
                         "(SecAuditLogFormat JSON), one transaction a line, read as JSON lines")


#: a ctime date as FreeRADIUS writes it, 'Mon Dec  7 07:00:00 2026' (a detail file's block's first
#: line; radius.log's lines' start)
_CTIME = rb"[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}"
#: FreeRADIUS's detail file (raddacct/CLIENT/detail-YYYYMMDD, the linelog's or a detail module's
#: output): blocks parted by a blank line, each a date line, then one tab-indented
#: 'Attribute = value' line an attribute (read as a CSV: one column named by the first date,
#: its values the attribute lines)
_RADIUS_DETAIL = re.compile(rb"\s*" + _CTIME + rb"\r?\n\t[A-Za-z][\w.:-]* = ")
#: FreeRADIUS's radius.log: 'Mon Dec  7 07:01:12 2026 : Auth: (0) Login OK: [alice] (from ...)'
_RADIUS_LOG = re.compile(rb"\s*" + _CTIME + rb" : [A-Za-z]+: ")
_RADIUS_LOG_REGEX = (r"^(?P<timestamp>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}) : "
                     r"(?P<level>\w+): (?P<content>.*)$")


def _radius(p: Any, head: bytes) -> None:
    """Refuse FreeRADIUS's detail file and its radius.log, sniffed as a table, naming how to read
    them (a detail file's blocks as key=value lines; the log's lines with a header expression):
    read as a CSV, each was one column named by its first line's text, trained on as categories
    or hashed.

    Examples
    --------
    >>> _radius("detail-20261207", b'Mon Dec  7 07:00:00 2026\\n\\tAcct-Session-Id = "99F8EEE7"\\n')
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: detail-20261207: a FreeRADIUS detail file (blocks of ...)
    """
    if _RADIUS_DETAIL.match(head):
        raise InputError(f"{p}: a FreeRADIUS detail file (blocks of 'Attribute = value' lines after a "
                         "date line, parted by blank lines) is not read as a table; make each block one "
                         "key=value line: awk -v RS= '{gsub(/\\n\\t/, \" \"); gsub(/ = /, \"=\"); print}' "
                         "FILE > FILE.kv, read as the kv format (its event time: --timestamp-col "
                         "Timestamp)")
    if _RADIUS_LOG.match(head):
        raise InputError(f"{p}: FreeRADIUS's radius.log is a log, not a table; train a log model on "
                         f"its lines with a header expression: --format '{_RADIUS_LOG_REGEX}' --window "
                         "SECONDS --model event-count-autoencoder; for a table model, its accounting "
                         "detail files")


#: HTCondor's long listing of job ClassAds (condor_history -l, condor_q -l): an 'Attribute = value'
#: line an attribute, each ad's block ended by a blank line; its first lines such lines ...
_CLASSAD_LINES = re.compile(rb"\s*(?:[A-Za-z_][\w.]* = [^\r\n]*\r?\n){3}")
#: ... and a job's own attributes among them (read as a CSV: one column named by the first line,
#: 'ClusterId = 4000', its values the other attribute lines, hashed)
_CLASSAD_JOB = re.compile(rb"^(?:ClusterId|ProcId|GlobalJobId|JobStatus) = ", re.MULTILINE)


def _classads(p: Any, head: bytes) -> None:
    """Refuse HTCondor's long listing of job ClassAds, sniffed as a table, naming how to read its
    jobs (as JSON lines): read as a CSV, it was one column named by its first line, each other
    attribute line a hashed category, and a model trained on that said nothing of a job.

    Examples
    --------
    >>> _classads("history.txt", b'ClusterId = 4000\\nProcId = 0\\nOwner = "alice"\\n\\n')
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: history.txt: HTCondor job ClassAds (condor_history -l, ...
    >>> _classads("t.csv", b"a = 1\\nb = 2\\nc = 3\\n"), _classads("t.csv", b"a,b\\n1,2\\n")
    (None, None)
    """
    if _CLASSAD_LINES.match(head) and _CLASSAD_JOB.search(head):
        raise InputError(f"{p}: HTCondor job ClassAds (condor_history -l, condor_q -l: 'Attribute = "
                         "value' lines, a blank line after each job) are not read as a table; give the "
                         "jobs one a line as JSON: condor_history -json ... | jq -c '.[]' > FILE.jsonl")


#: evtx_dump's -o json output: each record pretty-printed after a 'Record N' line
_EVTX_DUMP_JSON = re.compile(rb"\s*Record \d+\r?\n\s*\{")


def sniff_format(path: str | os.PathLike[str]) -> Any:
    """The named format whose sniffer accepts the file's first bytes, else the plain table
    format from the file name (JSON lines, whatever the name, when a file read as CSV starts
    with ``{``: Suricata's and Zeek's ``.log`` files).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "conn.log").write_text("#separator \\\\x09\\n#fields\\tts\\tuid\\n1.0\\tC1\\n")
    >>> sniff_format(d / "conn.log").name
    'zeek-conn'
    >>> _ = (d / "t.csv").write_text("a,b\\n1,2\\n")
    >>> sniff_format(d / "t.csv").name
    'csv'
    """
    p = check_path(path)
    if detect_format(p) == "parquet":
        return _GENERIC["parquet"]
    head = read_head(p)
    if head.startswith(b"PAR1"):
        return _GENERIC["parquet"]
    if head.startswith(EVTX_MAGIC):
        return _GENERIC["evtx"]
    check_text(p, head)
    if _WINDOWS_XML.match(without_boms(head)):  # else read as a CSV of one column, its lines' text
        raise InputError(f"{p}: Windows events as XML (evtx_dump's default output, wevtutil qe /f:xml, "
                         "Event Viewer's 'Save as XML') are not read; give the .evtx log itself, or its "
                         "records as JSON lines (evtx_dump -o jsonl)")
    _bsm(p, without_boms(head))  # else a CSV of one column of XML text, or of a record's tokens
    if _W3C_LOG.match(without_boms(head)):  # else a CSV of one column, '#Version: 1.5', trained on
        fields = _W3C_FIELDS.search(head)
        if fields is not None and b"," in fields.group(1):  # (tr ' ' , would split its quoted values)
            raise InputError(f"{p}: a log of W3C directive lines with comma-separated fields "
                             "(#Software/#Fields: Exchange's message tracking log) is not read; make it "
                             r"the CSV of its fields: sed -n '/^#Fields: /{s///;p;b}; /^[^#]/p' FILE "
                             "> FILE.csv")
        if _W3C_TABS.search(head) is not None:  # (tr ' ' , would leave each record one field)
            raise InputError(f"{p}: a W3C extended log with tab-separated fields (#Version/#Fields "
                             "directive lines: Amazon CloudFront's standard log) is not read; make it "
                             "the TSV of its fields: (grep -m1 '^#Fields: ' FILE | cut -c10- | tr ' ' "
                             r"'\t'; grep -v '^#' FILE) > FILE.tsv")
        # (a field with a comma or a quote quoted, its quotes doubled: IIS writes a user agent's
        # spaces as '+' but keeps its commas, 'Mozilla/5.0+(KHTML,+like+Gecko)', a field more)
        raise InputError(f"{p}: a W3C extended log (#Version/#Fields directive lines, space-separated "
                         "fields: Windows Firewall's pfirewall.log, IIS) is not read; make it a CSV of "
                         r"its fields: sed -n '/^#Fields: /{s///;p;b}; /^[^#[:space:]]/p' FILE "
                         """| sed 's/"/""/g; s/[^ ]*[,"][^ ]*/"&"/g' | tr ' ' , > FILE.csv""")
    _web_log(p, without_boms(head))  # else a CSV of a few columns of text, or of one: its lines
    _radius(p, without_boms(head))  # else a CSV of one column named by its first date or line
    _classads(p, without_boms(head))  # else a CSV of one column named by its first attribute
    if _EVTX_DUMP_JSON.match(without_boms(head)):  # else 'line 1: malformed JSON'
        raise InputError(f"{p}: evtx_dump -o json output ('Record N' lines between pretty-printed "
                         "records) is no JSON lines; write the records one a line with evtx_dump -o jsonl, "
                         "or give the .evtx log itself")
    if cr_ended(head):  # lines ended by a CR alone (classic Mac OS): looked at as the readers take
        head = CrToLf()(head)  # them, LF-ended (the sniffers of Okta, Entra, PAN-OS ... look for LFs)
    for spec in all_formats().values():
        try:
            if spec.sniff(head):
                return spec
        except Exception:  # a sniffer that chokes on these bytes simply does not match
            continue
    return _GENERIC[table_format(p, head)]  # eve.log, conn.log of JSON lines: read as JSON lines


def resolve_format(name: str | None, path: str | os.PathLike[str] | None = None) -> Any:
    """``get_format(name)``, or the sniffed format of ``path`` for ``None``/``"auto"``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n")
    >>> resolve_format("auto", p).name, resolve_format("NSL-KDD").name
    ('csv', 'nsl-kdd')
    """
    if name is None or name.strip().lower() == "auto":
        if path is None:
            raise InputError("format 'auto' needs a file to look at", param="format")
        return sniff_format(path)
    return get_format(name)


def labels_seen(seen: Any, wanted: Any, n: int = 8) -> str:
    """``values seen: ...`` for a ``--normal`` that matched no label: the first ``n`` values, and
    the ones that look like a wanted value (another case, a near spelling) named first, since the
    value meant is often not among the first ``n`` in order.

    Examples
    --------
    >>> labels_seen(["back", "ipsweep", "neptune", "normal"], ["Normal"], n=2)
    "values seen: back, ipsweep ... (did you mean 'normal'?)"
    >>> labels_seen(["0", "1"], ["benign"]), labels_seen(["0", "1"], ["0.0"])
    ('values seen: 0, 1', "values seen: 0, 1 (did you mean '0'?)")
    >>> labels_seen(["Normal", "n"], "normal")
    "values seen: Normal, n (did you mean 'Normal'?)"
    """
    wanted = normal_names(wanted)
    values = sorted({str(v) for v in seen})
    near: list[str] = []
    for w in (str(v) for v in wanted):
        near += [v for v in other_spellings(values, [w]) if v not in near]
        near += [v for v in difflib.get_close_matches(w, values, n=3, cutoff=0.8) if v not in near]
    text = f"values seen: {', '.join(values[:n])}{' ...' if len(values) > n else ''}"
    # a value that prints as a wanted one (another Unicode spelling) is named by its code points
    return text + (f" (did you mean {' or '.join(shown_apart(v, wanted) for v in near[:3])}?)"
                   if near else "")


def other_spellings(seen: Any, wanted: Any) -> list[str]:
    """The values of ``seen`` that are a ``wanted`` value in another case, Unicode or number
    spelling (``False`` for ``false``: a CSV reader types a true/false column as booleans;
    ``norma\\u0301l``, ``e`` and a combining accent, for ``norm\\xe1l``, surrounding spaces,
    full-width letters: :func:`~hourglass._columns.spelling_key`; ``1.0`` for ``1``; ``False``
    for ``0`` and ``True`` for ``1``, the booleans of a 0/1 column), sorted. One value given alone
    (a ``str``) is that value, not its letters (:func:`~hourglass._labels.normal_names`).

    Examples
    --------
    >>> other_spellings(["False", "True", "attack"], ["false"]), other_spellings(["0.0"], ["0"])
    (['False'], ['0.0'])
    >>> other_spellings(["False", "True"], ["0"]), other_spellings(["0", "1"], ["False"])
    (['False'], ['0'])
    >>> other_spellings(["N", "Normal"], "normal")
    ['Normal']
    """
    wants = set(normal_names(wanted))
    lows = {spelling_key(w) for w in wants}
    numbers = {x for x in map(_number, wants) if x is not None}
    out = set()
    for v in map(str, seen):  # one pass, set look-ups: a label column of 500,000 values took seconds
        if v in wants:
            continue
        low = spelling_key(v)
        # float() reads only text that starts with a digit, a sign, '.', inf or nan (ASCII or not)
        if low in lows or (numbers and (low[:1] in _NUMBER_START or not low[:1].isascii())
                           and _number(v) in numbers):
            out.add(v)
    return sorted(out)


_NUMBER_START = frozenset("0123456789+-.inft")  # (t, f: true, false)


def _number(a: str) -> float | None:
    """``a`` as a number (``True``/``False`` as 1/0), or ``None`` when it is none."""
    x = _TRUTH.get(a.strip().lower(), None)
    if x is not None:
        return x
    try:
        return float(a)
    except ValueError:
        return None


_TRUTH = {"false": 0.0, "true": 1.0}  # a true/false column typed as booleans is the 0/1 labels


def labels_given(labels: pd.Series) -> pd.Series:
    """The label column ``labels`` with its missing spellings set aside: in a column of mixed
    JSON values (``object``), text a CSV's reader reads as an empty cell (``N/A``, ``null``,
    ``?``... :data:`~hourglass.ingest.tables.NULL_VALUES`) is a missing label, as a CSV and
    :func:`label_strings` read it, and the rest is typed as it would be without it: JSON numbers
    beside ``"N/A"`` are a column of numbers, booleans beside ``"?"`` one of booleans. Any other
    column is returned as it is.

    Parameters
    ----------
    labels
        A label column as a reader gives it.

    Returns
    -------
    pandas.Series
        ``labels``, its missing spellings missing (``NaN``) and its type inferred again.

    Examples
    --------
    >>> labels_given(pd.Series([0, 1, "N/A"], dtype=object)).tolist()
    [0.0, 1.0, nan]
    >>> labels_given(pd.Series([False, " ? ", True], dtype=object)).tolist()
    [False, nan, True]
    >>> labels_given(pd.Series(["normal", "N/A"])).tolist()       # text: as it is
    ['normal', 'N/A']
    """
    if labels.dtype != object:
        return labels
    text = labels.astype("string").str.strip()
    missing = text.isin(NULL_VALUES).fillna(False).to_numpy(dtype=bool)
    return (labels.mask(missing) if missing.any() else labels).infer_objects()


def boolean_labels(labels: pd.Series) -> bool:
    """Whether ``labels`` is a column of booleans (CSV ``True``/``False``, JSON ``true``/``false``,
    read as booleans), missing labels aside (``null``, and the missing spellings
    :func:`labels_given` sets aside, ``"N/A"``, ``"?"``...).

    Examples
    --------
    >>> boolean_labels(pd.Series([True, None, False])), boolean_labels(pd.Series(["False", "x"]))
    (True, False)
    >>> boolean_labels(pd.Series([True, "N/A", False], dtype=object))
    True
    """
    labels = labels_given(labels)
    return bool(pd.api.types.is_bool_dtype(labels)
                or pd.api.types.infer_dtype(labels, skipna=True) == "boolean")


def numeric_labels(labels: pd.Series) -> bool:
    """Whether ``labels`` is a column of numbers (a CSV's ``0``/``0.0``, JSON numbers, Parquet
    ints or floats; not booleans), matched by value (see :func:`normal_labels`), missing labels
    aside (the missing spellings :func:`labels_given` sets aside too).

    Examples
    --------
    >>> numeric_labels(pd.Series([0.0, 1.0])), numeric_labels(pd.Series(["0.0", "1"]))
    (True, False)
    >>> numeric_labels(pd.Series([0, 1, "N/A"], dtype=object))
    True
    """
    labels = labels_given(labels)
    return bool(pd.api.types.is_numeric_dtype(labels) and not pd.api.types.is_bool_dtype(labels))


def _by_value(value: str) -> list[str]:
    """``value`` and, where it is a number, the number as :func:`label_strings` spells a
    column of numbers (``0.0`` as ``0``, ``1e0`` as ``1``)."""
    try:
        number = float(value.strip())
    except ValueError:
        return [value]
    if not np.isfinite(number):
        return [value]
    return list(dict.fromkeys([value, str(label_strings(pd.Series([number], dtype=np.float64))[0])]))


def normal_labels(normal: Any, boolean: bool, numeric: bool = False) -> list[str]:
    """The ``--normal`` values ``normal`` as :func:`label_strings` spells the labels: of a column
    of booleans (``boolean``, see :func:`boolean_labels`), a boolean spelling in any case
    (``false``, ``TRUE``) is the column's ``False``/``True``; of a column of numbers
    (``numeric``, see :func:`numeric_labels`) a number is matched by value (``--normal 0.0``
    names the ``0`` rows, as ``--normal 0`` names a column's ``0.0``); other values, and any value
    of a column of text, stay as given.

    Examples
    --------
    >>> normal_labels(["false", "TRUE", "benign"], True), normal_labels(["false"], False)
    (['False', 'True', 'benign'], ['false'])
    >>> normal_labels(["0.0", "normal"], False, numeric=True), normal_labels(["0.0"], False)
    (['0.0', '0', 'normal'], ['0.0'])
    """
    values = list(normal_names(normal))  # one value alone ("normal", 0) is that value, not its letters
    if boolean:
        return [_BOOLEAN.get(v.strip().lower(), v) for v in values]
    if numeric:
        return [s for v in values for s in _by_value(v)]
    return values


_BOOLEAN = {"false": "False", "true": "True"}  # label_strings' spelling of a boolean label


def column_normal(normal: Any, labels: pd.Series) -> list[str]:
    """:func:`normal_labels` of the ``--normal`` values ``normal`` for the label column
    ``labels`` (its booleans, :func:`boolean_labels`; its numbers, :func:`numeric_labels`).

    Examples
    --------
    >>> column_normal(["0.0"], pd.Series([0, 1])), column_normal(["false"], pd.Series([True]))
    (['0.0', '0'], ['False'])
    """
    return normal_labels(normal, boolean_labels(labels), numeric_labels(labels))


def label_strings(labels: pd.Series) -> np.ndarray:
    """Labels as stripped strings; whole numbers read as floats print as integers (``0`` not
    ``0.0``), so ``--normal 0`` matches however the column was parsed. A JSON boolean beside
    numbers or text is ``true``/``false``, as written and as a CSV reads it (a column of
    booleans alone is ``True``/``False``: see :func:`normal_labels`). A missing label is ``''``,
    and so is the text a CSV's reader reads as an empty cell (``N/A``, ``null``, ``?``...: JSON
    lines and Parquet bring it as text), so that the same rows have the same labels either way.

    Examples
    --------
    >>> label_strings(pd.Series([0.0, 1.0, None])).tolist()
    ['0', '1', '']
    >>> label_strings(pd.Series(["normal", "N/A", " null ", "-"])).tolist()
    ['normal', '', '', '-']
    >>> label_strings(pd.Series([1e20, 2.5])).tolist()
    ['1e+20', '2.5']
    >>> label_strings(pd.Series([0.0, 1.0, "N/A"], dtype=object)).tolist()   # JSON numbers
    ['0', '1', '']
    >>> label_strings(pd.Series([0, 1, True, False], dtype=object)).tolist()  # as a CSV reads them
    ['0', '1', 'true', 'false']
    """
    s = labels_given(labels)
    if pd.api.types.is_float_dtype(s):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        # (a whole number past int64's range, 1e20, printed as itself: cast, it overflowed)
        whole = np.isfinite(v) & (v == np.round(v)) & (np.abs(v) < 2.0 ** 63)
        out = np.where(whole, np.char.mod("%d", np.where(whole, v, 0).astype(np.int64)),
                       s.astype(str).to_numpy())
        return shared_strings(np.where(np.isnan(v), "", out).astype(object))
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) not in ("string", "boolean", "empty"):
        # a JSON true/false beside numbers or text (0, 1, true) is read as written, as a CSV reads
        # that column's text: 'true', not Python's 'True', which --normal false did not name
        values = s.to_numpy(dtype=object)
        is_bool = np.fromiter((type(v) in _BOOL_TYPES for v in values), dtype=bool, count=len(values))
        if is_bool.any():
            values = values.copy()
            values[is_bool] = np.where(values[is_bool].astype(bool), "true", "false")
            s = pd.Series(values, index=s.index, dtype=object)
    codes, uniques = pd.factorize(s.astype("string").str.strip().fillna("").to_numpy(dtype=object))
    uniques = np.asarray(uniques, dtype=object)
    uniques[np.isin(uniques, np.array(NULL_VALUES, dtype=object))] = ""  # (each distinct value once)
    return uniques[codes]


_BOOL_TYPES = (bool, np.bool_)  # a boolean among other labels: spelt as JSON writes it


def shared_strings(texts: np.ndarray) -> np.ndarray:
    """The object array of strings ``texts`` with one ``str`` object per distinct value, shared
    by the rows that hold it: 8 bytes a row, not a string of its own (about 60 bytes), where a
    caller (``evaluate``) keeps the labels of every chunk of a file.

    Examples
    --------
    >>> a = shared_strings(np.array(["normal", "x"] * 2, dtype=object))
    >>> a.tolist(), a[0] is a[2]
    (['normal', 'x', 'normal', 'x'], True)
    """
    codes, uniques = pd.factorize(texts)
    return np.asarray(uniques, dtype=object)[codes]

