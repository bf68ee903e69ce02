"""Palo Alto Networks PAN-OS firewall logs as a SIEM receives them over syslog: header-less
comma-separated lines, one log a line, after an optional syslog header::

    <14>Nov 14 22:13:20 fw1 1,2024/11/14 22:13:20,0123456789,TRAFFIC,end,2561,2024/11/14 22:13:20,
    10.0.0.5,93.184.216.34,,,allow-web,corp\\jdoe,,ssl,vsys1,trust,untrust,ethernet1/1,...

The fourth field, the log type (``TRAFFIC``, ``THREAT``, ``SYSTEM``, ``CONFIG``, ``HIPMATCH``,
``GLOBALPROTECT`` ...), decides the fields' names, which are those of Palo Alto's syslog field
descriptions for PAN-OS (``receive_time``, ``serial``, ``type``, ``subtype``, ``time_generated``,
then for traffic ``src``, ``dst``, ``natsrc``, ``natdst``, ``rule``, ``srcuser``, ``dstuser``,
``app``, ``vsys``, ``from``, ``to`` (the zones), ``sessionid``, ``sport``, ``dport``, ``proto``,
``action``, ``bytes``, ``bytes_sent``, ``bytes_received``, ``packets``, ``elapsed``,
``session_end_reason`` ...; for threats ``misc`` (the URL or file name), ``threatid``,
``severity``, ``direction`` ...; for system logs ``eventid``, ``module``, ``severity``,
``opaque`` (the description); for config logs ``host``, ``cmd``, ``admin``, ``client``,
``result``, ``path``, and ``before_change_detail`` and ``after_change_detail`` where a line
has the changed configuration: its action flags, ``0x...``, two fields further on). The
fields PAN-OS marks ``FUTURE_USE`` are left out; a field past the
last one named here (a newer PAN-OS, or a log type whose layout is not listed) is ``extra_N``,
N its position on the line (the first field is 1); a line with fewer fields (an older PAN-OS)
simply lacks the rest, and one of more than 1,024 fields is no PAN-OS log. An empty field is
missing. A field in double quotes may hold commas (``""`` inside it is one quote). Whatever
precedes the first field (the syslog header) is left out; a line whose first field a collector
stripped (it starts at the receive time) reads the same. A line is a PAN-OS log when its second
field is a ``YYYY/MM/DD HH:MM:SS`` time (or an ISO 8601 one, as Strata Logging Service forwards
them) and its fourth a known log type. ``time_generated`` (when the dataplane wrote the log;
``receive_time`` where a line has none) is the event time.

Examples
--------
>>> row = parse_panos('<14>Nov 14 22:13:20 fw1 1,2024/11/14 22:13:20,0123456789,THREAT,url,2561,'
...                   '2024/11/14 22:13:19,10.0.0.5,93.184.216.34,,,allow-web,,,web-browsing,'
...                   'vsys1,trust,untrust,ethernet1/2,ethernet1/1,fwd,,81234,1,51544,80,0,0,0x0,'
...                   'tcp,alert,"example.com/a,b",(9999),news,informational,client-to-server')
>>> row["type"], row["time_generated"], row["src"], row["dport"], row["misc"], row["direction"]
('THREAT', '2024/11/14 22:13:19', '10.0.0.5', '80', 'example.com/a,b', 'client-to-server')
>>> "natsrc" in row, row["natsrc"]  # an empty field is missing
(True, None)
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

from hourglass.ingest.cef import _first_line_parses, _LineSpec, json_line

__all__ = ["LOG_TYPES", "PANOS", "PANOS_FIELDS", "PANOS_ROLES", "looks_like_panos", "parse_panos"]

# The first seven fields, the same in every log type (None: a FUTURE_USE field, left out).
_COMMON: tuple[str | None, ...] = (None, "receive_time", "serial", "type", "subtype", None,
                                   "time_generated")
# Traffic and threat logs share the session's fields up to the action.
_SESSION: tuple[str | None, ...] = (
    *_COMMON, "src", "dst", "natsrc", "natdst", "rule", "srcuser", "dstuser", "app", "vsys", "from",
    "to", "inbound_if", "outbound_if", "logset", None, "sessionid", "repeatcnt", "sport", "dport",
    "natsport", "natdport", "flags", "proto", "action")
_DG = ("dg_hier_level_1", "dg_hier_level_2", "dg_hier_level_3", "dg_hier_level_4")
# Device-ID and later fields of PAN-OS 10.0+ traffic and threat logs
_DEVICE_ID = tuple(f"{side}_{what}" for side in ("src", "dst") for what in (
    "category", "profile", "model", "vendor", "osfamily", "osversion", "host", "mac"))
_SDWAN = ("link_change_count", "policy_id", "link_switches", "sdwan_cluster", "sdwan_device_type",
          "sdwan_cluster_type", "sdwan_site", "dynusergroup_name", "xff_ip", *_DEVICE_ID,
          "container_id", "pod_namespace", "pod_name", "src_edl", "dst_edl", "hostid", "serialnumber")

#: Each log type's field names in order, after Palo Alto's syslog field descriptions for PAN-OS
#: (``None``: a ``FUTURE_USE`` field). A type not here is named up to ``time_generated``.
PANOS_FIELDS: dict[str, tuple[str | None, ...]] = {
    "TRAFFIC": (*_SESSION, "bytes", "bytes_sent", "bytes_received", "packets", "start", "elapsed",
                "category", None, "seqno", "actionflags", "srcloc", "dstloc", None, "pkts_sent",
                "pkts_received", "session_end_reason", *_DG, "vsys_name", "device_name",
                "action_source", "src_uuid", "dst_uuid", "tunnelid", "monitortag", "parent_session_id",
                "parent_start_time", "tunnel", "assoc_id", "chunks", "chunks_sent", "chunks_received",
                "rule_uuid", "http2_connection", *_SDWAN, "src_dag", "dst_dag", "session_owner",
                "high_res_timestamp"),
    "THREAT": (*_SESSION, "misc", "threatid", "category", "severity", "direction", "seqno",
               "actionflags", "srcloc", "dstloc", None, "contenttype", "pcap_id", "filedigest", "cloud",
               "url_idx", "user_agent", "filetype", "xff", "referer", "sender", "subject", "recipient",
               "reportid", *_DG, "vsys_name", "device_name", None, "src_uuid", "dst_uuid",
               "http_method", "tunnelid", "monitortag", "parent_session_id", "parent_start_time",
               "tunnel", "thr_category", "contentver", None, "assoc_id", "ppid", "http_headers",
               "url_category_list", "rule_uuid", "http2_connection", "dynusergroup_name", "xff_ip",
               *_DEVICE_ID, "container_id", "pod_namespace", "pod_name", "src_edl", "dst_edl", "hostid",
               "serialnumber", "domain_edl", "src_dag", "dst_dag"),
    "SYSTEM": (*_COMMON, "vsys", "eventid", "object", None, None, "module", "severity", "opaque",
               "seqno", "actionflags", *_DG, "vsys_name", "device_name", None, None,
               "high_res_timestamp"),
    "CONFIG": (*_COMMON, "host", "vsys", "cmd", "admin", "client", "result", "path", "seqno",
               "actionflags", *_DG, "vsys_name", "device_name", "dg_id", "comment", None,
               "high_res_timestamp"),
}
# A config log with the changed configuration (PAN-OS 8.0+, the field description's layout: the
# Elastic integration reads both): the before and after values after the path, the sequence
# number and action flags (0x...) two fields on. Told from the shorter layout by where its
# action flags are (:func:`_names`).
_CONFIG_DETAIL = (*PANOS_FIELDS["CONFIG"][:14], "before_change_detail", "after_change_detail",
                  *PANOS_FIELDS["CONFIG"][14:])
_DETAIL = "CONFIG detail"  # its layout's key beside the log types'
#: The log types (the fourth field) a line may have.
LOG_TYPES = frozenset((*PANOS_FIELDS, "HIPMATCH", "GLOBALPROTECT", "USERID", "AUTHENTICATION",
                       "DECRYPTION", "TUNNEL", "GTP", "SCTP", "CORRELATION", "IPTAG", "AUDIT"))
# How the table models read the fields (names a file lacks are ignored): addresses and ports
# get their encodings; serial numbers, session and sequence numbers, in-log times, UUIDs and
# other per-event ids identify one log; types, verdicts, zones, interfaces, applications, rules,
# countries and codes are categories. Byte, packet and chunk counts and durations are numbers.
PANOS_ROLES: dict[str, str] = {
    **{c: "ip" for c in ("src", "dst", "natsrc", "natdst")},
    **{c: "port" for c in ("sport", "dport", "natsport", "natdport")},
    **{c: "drop" for c in ("receive_time", "time_generated", "serial", "serialnumber", "sessionid",
                           "seqno", "actionflags", "start", "parent_session_id", "parent_start_time",
                           "src_uuid", "dst_uuid", "rule_uuid", "tunnelid", "monitortag", "assoc_id",
                           "http2_connection", "pcap_id", "reportid", "filedigest", "url_idx", *_DG,
                           "dg_id", "hostid", "container_id", "src_mac", "dst_mac", "high_res_timestamp",
                           "link_switches", "contentver", "before_change_detail", "after_change_detail")},
    **{c: "categorical" for c in ("type", "subtype", "rule", "app", "vsys", "from", "to", "inbound_if",
                                  "outbound_if", "logset", "flags", "proto", "action", "category",
                                  "srcloc", "dstloc", "session_end_reason", "vsys_name", "device_name",
                                  "action_source", "tunnel", "policy_id", "threatid", "severity",
                                  "direction", "contenttype", "filetype", "cloud", "http_method",
                                  "thr_category", "ppid", "eventid", "module", "object", "cmd",
                                  "client", "result", "src_category", "dst_category",
                                  "src_osfamily", "dst_osfamily", "session_owner")},
}

# PAN-OS 11 writes about 130 fields a log; a line of thousands is no log (and would be as
# many columns)
_MAX_FIELDS = 1024
# The receive time (field 2) with the serial number and a log type after it; the character
# before it is the comma after the first field, the syslog header's last space, or nothing (or a
# byte-order mark: a file joined on after another, cat a.log b.log).
_RECORD = re.compile(r"(?<![^\s>,\ufeff])(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"
                     r":\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?),[^,\"]*,([A-Z]+),")

# where a record starts on a line, its first field (what sniffing looks for past a first line of
# another kind)
_START = re.compile(rb"[^\s,]*,(?:\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"
                    rb"(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?),")  # (the receive times _RECORD reads)


def _fields(text: str) -> list[str]:
    if '"' not in text:  # no quoted field: a plain split says the same, faster
        return text.split(",")
    try:
        return next(csv.reader((text,)))
    except (csv.Error, StopIteration):  # a field past csv's size limit: read without quotes
        return text.split(",")


def _values(line: str | bytes) -> list[str] | None:
    """The fields of a PAN-OS line as written (the first one ``""`` where a collector stripped
    it), or ``None`` when the line holds no PAN-OS log."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    m = _RECORD.search(text)
    if m is None or m.group(2) not in LOG_TYPES or json_line(text):
        return None
    start = m.start()
    if start > 0 and text[start - 1] == ",":  # the first field: back to the syslog header's end
        start = max(text.rfind(" ", 0, start - 1), text.rfind(">", 0, start - 1),
                    text.rfind("\t", 0, start - 1)) + 1
        values = _fields(text[start:].rstrip("\r\n"))
    else:  # the first field left out by a collector: the line starts at the receive time
        values = ["", *_fields(text[start:].rstrip("\r\n"))]
    if len(values) < 4 or values[3] != m.group(2) or len(values) > _MAX_FIELDS:
        return None
    return values


def parse_panos(line: str | bytes) -> dict[str, Any] | None:
    """One PAN-OS syslog line as a flat row (see the module's description), or ``None`` when
    the line holds no PAN-OS log (no receive time, serial number and known log type).

    Examples
    --------
    >>> row = parse_panos("1,2024/11/14 22:13:20,0123456789,SYSTEM,general,0,2024/11/14 22:13:20,,"
    ...                   "general,,0,0,general,informational,User admin logged in,123,0x0")
    >>> row["eventid"], row["severity"], row["opaque"]
    ('general', 'informational', 'User admin logged in')
    >>> parse_panos("2024/11/14 22:13:20,0123456789,TRAFFIC,end,1")["subtype"]  # first field stripped
    'end'
    >>> parse_panos("1,2024/11/14 22:13:20,012,HIPMATCH,0,1,2024/11/14 22:13:20,jdoe")["extra_8"]
    'jdoe'
    >>> parse_panos("a,b,c") is None, parse_panos("1,2024/11/14 22:13:20,x,NOTATYPE,y") is None
    (True, True)
    """
    values = _values(line)
    if values is None:
        return None
    return _row(values)


def _kind(values: list[str]) -> str:
    """The layout of a line's fields: its log type, or :data:`_DETAIL` for a config log with the
    changed configuration (its action flags, ``0x...``, the 18th field, not the 16th).

    Examples
    --------
    >>> line = "1,2024/11/14 22:16:00,012,CONFIG,0,0,2024/11/14 22:16:00,10.0.0.2,,set,admin,Web,Succeeded,"
    >>> _kind((line + "x,7021401,0x0").split(",")), _kind((line + "x,old,new,7021401,0x0").split(","))
    ('CONFIG', 'CONFIG detail')
    """
    kind = values[3]
    if kind == "CONFIG" and len(values) > 17 and values[17].startswith("0x") \
            and not values[15].startswith("0x"):
        return _DETAIL
    return kind


def _names(kind: str) -> tuple[str | None, ...]:
    return _CONFIG_DETAIL if kind == _DETAIL else PANOS_FIELDS.get(kind, _COMMON)


def _row(values: list[str]) -> dict[str, Any]:
    names = _names(_kind(values))
    kept: list[str | None] = [v or None for v in values]  # an empty field is missing
    row: dict[Any, Any] = dict(zip(names, kept, strict=False))  # FUTURE_USE fields under None
    row.pop(None, None)
    if len(kept) > len(names):
        row.update((f"extra_{i + 1}", kept[i]) for i in range(len(names), len(kept)))
    if row.get("time_generated") is None:
        row["time_generated"] = row.get("receive_time")
    return row


def looks_like_panos(head: bytes) -> bool:
    """Whether a file's first bytes are PAN-OS syslog lines (the first non-blank line is one:
    a CSV file's header line never is; or, the first a syslog line of another kind, more than
    half of the first eight are).

    Examples
    --------
    >>> looks_like_panos(b"<14>Nov 14 22:13:20 fw1 1,2024/11/14 22:13:20,012,TRAFFIC,end,1\\n")
    True
    >>> looks_like_panos(b"receive_time,serial,type\\n2024/11/14 22:13:20,012,TRAFFIC\\n")
    False
    """
    return _first_line_parses(head, parse_panos, _START)


@functools.lru_cache(maxsize=4096)
def _layout(kind: str, width: int) -> tuple[tuple[str, int], ...]:
    """The columns of a ``kind`` log of ``width`` fields in :func:`parse_panos`' order, each with
    the field it is read from (-1 for ``time_generated`` where the line ends before it)."""
    names = _names(kind)
    at: dict[str, int] = {}
    for i, name in enumerate(names[:width]):  # as dict(zip(...)) keeps them
        if name is not None:
            at[name] = i
    at.update((f"extra_{i + 1}", i) for i in range(len(names), width))
    at.setdefault("time_generated", -1)
    return tuple(at.items())


def _arrow_str() -> Any:
    """pandas' text dtype where it is Arrow strings with NaN for missing (pandas 3), which
    _PanosSpec builds columns of directly; ``None`` where it is not (the rows then go through
    from_records)."""
    dtype = pd.Series(["a"]).dtype
    return dtype if (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
                     and isinstance(getattr(dtype, "na_value", None), float)) else None


_NULL = pa.scalar(None, pa.large_string())


def _texts(values: tuple[str, ...]) -> pa.Array:
    arr = pa.array(values, type=pa.large_string())
    return pc.if_else(pc.equal(arr, ""), _NULL, arr)  # an empty field is missing


@dataclass(frozen=True)
class _PanosSpec(_LineSpec):
    """PAN-OS lines read into a table a column at a time: each line split into its fields (as
    :func:`parse_panos` splits it), the lines of one log type and width transposed together, and
    the columns made Arrow strings directly; the table is the one ``pd.DataFrame.from_records``
    makes of :func:`parse_panos`' rows (tests/test_line_read_speed.py)."""

    def _record(self, raw: bytes) -> Any:
        return _values(raw)

    def _table(self, records: list[Any]) -> pd.DataFrame:
        text = _arrow_str()
        if text is None:
            return pd.DataFrame.from_records([_row(v) for v in records])
        n = len(records)
        groups: dict[tuple[str, int], list[int]] = {}  # the rows of each layout, first seen first
        for i, values in enumerate(records):
            groups.setdefault((_kind(values), len(values)), []).append(i)
        pieces: dict[str, list[tuple[pa.Array, list[int]]]] = {}
        for (kind, width), rows in groups.items():
            fields = list(zip(*(records if len(groups) == 1 else [records[i] for i in rows]), strict=True))
            layout = _layout(kind, width)
            field = {j: _texts(fields[j]) for j in {1, *(j for _, j in layout if j >= 0)}}
            for name, j in layout:
                if name == "time_generated":  # the receive time where the line has none
                    arr = pc.coalesce(field[j], field[1]) if j >= 0 else field[1]
                else:
                    arr = field[j]
                pieces.setdefault(name, []).append((arr, rows))
        columns: dict[str, Any] = {}
        for name, parts in pieces.items():
            covered = sum(len(rows) for _, rows in parts)
            if len(parts) == 1 and covered == n:
                arr = parts[0][0]
            else:  # the pieces back in the rows' order, null where a row has no such field
                order = np.concatenate([np.asarray(rows, dtype=np.int64) for _, rows in parts])
                absent = np.setdiff1d(np.arange(n), order) if covered < n else np.empty(0, np.int64)
                arr = pa.concat_arrays([a for a, _ in parts] + [pa.nulls(len(absent), pa.large_string())])
                arr = arr.take(pa.array(np.argsort(np.concatenate([order, absent]), kind="stable")))
            if arr.null_count < n:
                columns[name] = ArrowStringArray(arr, dtype=text)
            elif covered == n:  # every row has the field, always empty: None, as from_records keeps it
                columns[name] = np.full(n, None, dtype=object)
            else:  # empty in some rows, absent from the others: NaN, as from_records reads that
                columns[name] = np.full(n, np.nan)
        return pd.DataFrame(columns)


# fmt "jsonl": each log type has its own fields, as JSON lines' rows vary
#: Palo Alto Networks PAN-OS syslog lines (comma-separated, syslog header or none).
PANOS = _PanosSpec(
    name="panos", columns=None, label_col=None, normal=(), fmt="jsonl", roles=PANOS_ROLES,
    sniffer=looks_like_panos, time_col="time_generated", parse=parse_panos,
    expected="1,YYYY/MM/DD HH:MM:SS,serial,TRAFFIC|THREAT|SYSTEM|CONFIG|...,subtype,...",
    description="Palo Alto Networks PAN-OS syslog lines (comma-separated; syslog header "
                "ignored): the log type's fields by their PAN-OS names")
