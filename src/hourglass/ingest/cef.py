"""ArcSight Common Event Format (CEF): the syslog lines firewalls, proxies, IDSs and EDRs send to
a SIEM, one event a line::

    <134>Nov 14 22:13:20 fw1 CEF:0|Palo Alto Networks|PAN-OS|10.1|TRAFFIC|end|3|src=10.0.0.5
    dst=93.184.216.34 spt=51544 dpt=443 proto=TCP act=allow in=5120 out=81234 cs1Label=Rule cs1=web

Each line is one row: the seven header fields as ``cef_version``, ``device_vendor``,
``device_product``, ``device_version``, ``signature_id``, ``name``, ``severity``, then the
extension's ``key=value`` pairs under their CEF keys (``src``, ``dst``, ``spt``, ``dpt``,
``proto``, ``act``, ``in``, ``out``, ``request``, ``suser`` ...). A custom field takes the name
its label gives (``cs1Label=Rule cs1=web`` is the column ``Rule``; without a label it stays
``cs1``), and the label fields themselves are no columns. Escapes are undone (``\\|`` in the
header; ``\\=``, ``\\\\``, ``\\n``, ``\\r`` in values; a backslash before any other
character is kept as written: ``fname=C:\\Windows\\Temp``); an empty value (``suser=``) is
missing, as a CSV's empty cell (a count column with one stays numbers); whatever precedes ``CEF:`` (the
syslog header) is left out. ``rt`` (the time the device saw the event) is the event time; written as
epoch milliseconds, as most devices do, it is read as seconds; written as a date
(``Mar 03 2025 09:14:07 GMT``) it is read as one (a zone's abbreviation, ``CET``, ``PST`` ...,
as its UTC offset, ``+0100``; ``GMT``, ``UTC`` and the ambiguous ``CST``, ``IST`` and ``BST``
stay as written), but
the yearless ``MMM dd HH:mm:ss`` form is no event time (``train`` says so and uses none).

Examples
--------
>>> row = parse_cef("<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|1.0|100|conn \\\\| end|5|src=10.0.0.5 "
...                 "dpt=443 msg=GET /a?b\\\\=c done cs1Label=Rule cs1=web rt=1700000000000")
>>> row["name"], row["src"], row["dpt"], row["msg"], row["Rule"], row["rt"]
('conn | end', '10.0.0.5', '443', 'GET /a?b=c done', 'web', 1700000000.0)
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hourglass._eol import without_boms
from hourglass._limits import loads_json
from hourglass._times import c_time_locale
from hourglass.errors import InputError, read_problem
from hourglass.ingest.datasets import DatasetSpec
from hourglass.ingest.readers import check_path
from hourglass.ingest.tables import (
    CHUNK_BYTES,
    MAX_LINE_BYTES,
    READ_ERRORS,
    SKIP_BAD_ROWS,
    ReadStats,
    check_log_text,
    open_lines,
    run_line,
)

_log = logging.getLogger("hourglass")

__all__ = ["CEF", "CEF_HEADER", "CEF_ROLES", "JSON_LINE_HINT", "LEEF", "LEEF_HEADER", "LEEF_ROLES",
           "json_line", "looks_like_cef", "looks_like_leef", "parse_cef", "parse_leef"]

#: The header's fields after ``CEF:`` (the version), in order.
CEF_HEADER = ("cef_version", "device_vendor", "device_product", "device_version", "signature_id",
              "name", "severity")
# How the table models read the CEF keys (ArcSight's names; those a file lacks are ignored):
# addresses and ports get their encodings; identifiers, process ids and in-event times identify
# one event; codes and verdicts are categories, not magnitudes. Byte and event counts (in, out,
# cnt, fsize, cnN) are numbers as they are.
#: Check Point Log Exporter's own keys, as its CEF and LEEF exports write them beside the
#: standard ones (and the kv format reads its generic export's): the log unification id and the
#: log's sequence number, a counter (each later one past training), dropped; the numbers of the
#: rule that matched, its parent rule, the NAT rules and the log id, codes (rule 5 is no
#: neighbour of rule 6); ``service_id``, the service's name or its port, a category
CHECK_POINT_ROLES: dict[str, str] = {
    **{c: "drop" for c in ("loguid", "sequencenum")},
    **{c: "categorical" for c in ("match_id", "parent_rule", "nat_rulenum", "nat_addtnl_rulenum",
                                  "logid", "service_id")},
}
CEF_ROLES: dict[str, str] = {
    **{c: "ip" for c in ("src", "dst", "dvc", "sourceTranslatedAddress",
                         "destinationTranslatedAddress")},
    **{c: "port" for c in ("spt", "dpt", "sourceTranslatedPort", "destinationTranslatedPort")},
    **{c: "drop" for c in ("cef_version", "rt", "start", "end", "deviceReceiptTime", "externalId",
                           "eventId", "spid", "dpid", "dvcpid", "fileId", "deviceExternalId")},
    **{c: "categorical" for c in ("severity", "signature_id", "device_version", "proto", "act",
                                  "outcome", "cat", "deviceDirection", "requestMethod", "app")},
    **CHECK_POINT_ROLES,
}
_START = re.compile(rb"CEF:\d+\|")
_HEADER = re.compile(r"((?:[^|\\]|\\.)*)\|" * 7, re.S)  # seven fields, each ended by an unescaped '|'
_HEADER_ESCAPE = re.compile(r"\\([|\\])")
_KEY = re.compile(r"(?<!\S)([A-Za-z0-9_.\[\]]+)=")  # a key starts the text or follows a space
# the same keys found faster (no look-behind tried at every character): the space before a key
# taken with it (values are stripped), and one put before the text for a key that starts it
_SPACE_KEY = re.compile(r"\s([A-Za-z0-9_.\[\]]+)=")
# the value escapes (\=, \\, \n, \r; and \|, which the extension need not escape): a
# backslash before any other character is kept (C:\Windows\Temp as a sender that does not
# escape writes a path), not dropped
_UNESCAPE = re.compile(r"\\([=\\nr|])")
_VALUE_ESCAPES = {"n": "\n", "r": "\r"}
_CUSTOM = re.compile(r"(c[sn]\d+|c6a\d+|cfp\d+|deviceCustomDate\d+|flexDate\d+|flexString\d+|flexNumber\d+)")
_CUSTOM_LABEL = re.compile(_CUSTOM.pattern + "Label")  # the label's key of a custom field
_MS = re.compile(r"\d{11,14}")  # epoch milliseconds of 1973-5138
# A date's zone as ArcSight writes it ('MMM dd yyyy HH:mm:ss.SSS zzz'): the abbreviations of one
# meaning as their UTC offsets (GMT and UTC, which the time reader knows, and the ambiguous CST,
# IST and BST are left as written)
_ZONE_OFFSETS = {
    "WET": "+0000", "WEST": "+0100", "CET": "+0100", "CEST": "+0200",
    "MET": "+0100", "MEST": "+0200", "EET": "+0200", "EEST": "+0300", "MSK": "+0300",
    "EST": "-0500", "EDT": "-0400", "CDT": "-0500", "MST": "-0700", "MDT": "-0600", "PST": "-0800",
    "PDT": "-0700", "AKST": "-0900", "AKDT": "-0800", "HST": "-1000", "JST": "+0900", "KST": "+0900",
    "HKT": "+0800", "SGT": "+0800", "AEST": "+1000", "AEDT": "+1100", "NZST": "+1200", "NZDT": "+1300"}
# (a date with its year: the yearless form is no event time whatever its zone)
_ZONED = re.compile(r"([A-Za-z]{3} \d{1,2} \d{4} \d{1,2}:\d{2}:\d{2}(?:\.\d{1,9})?) ([A-Z]{3,4})")


def _offset_date(text: str) -> str:
    """A CEF/LEEF date with its zone's abbreviation as a UTC offset (the time reader knows
    'GMT' and 'UTC' only).

    Examples
    --------
    >>> _offset_date("Mar 03 2025 09:14:07.123 CET"), _offset_date("Nov 14 22:13:20 PST")
    ('Mar 03 2025 09:14:07.123 +0100', 'Nov 14 22:13:20 PST')
    """
    m = _ZONED.fullmatch(text) if len(text) <= 64 else None
    offset = None if m is None else _ZONE_OFFSETS.get(m.group(2))
    return text if offset is None else f"{m.group(1)} {offset}"  # type: ignore[union-attr]


def _header(text: str) -> tuple[list[str], str] | None:
    """The seven header fields (escapes undone) and the extension text, or ``None``."""
    if "\\" not in text:  # no escapes anywhere: a plain split says the same, faster
        parts = text.split("|", 7)
        return (parts[:7], parts[7]) if len(parts) == 8 else None
    m = _HEADER.match(text)
    if m is None:
        return None
    fields = [f if "\\" not in f else _HEADER_ESCAPE.sub(r"\1", f) for f in m.groups()]
    return fields, text[m.end():]


def _keys_split(text: str) -> list[str]:
    """``text`` split at its keys as ``_KEY.split`` splits it, [text before the first key, key,
    value, key, value, ...], but each value (and the text before the first key) may lack one
    whitespace character at its end and the first text has a space before it: the same once
    stripped."""
    return _SPACE_KEY.split(" " + text)


def _value(text: str) -> str:
    text = text.strip()
    if "\\" not in text:
        return text
    return _UNESCAPE.sub(lambda m: _VALUE_ESCAPES.get(m.group(1), m.group(1)), text)


def parse_cef(line: str | bytes) -> dict[str, Any] | None:
    """One CEF line as a flat row (see the module's description), or ``None`` when the line
    holds no CEF record (no ``CEF:<version>|`` and seven header fields).

    Examples
    --------
    >>> parse_cef("CEF:0|Acme|IDS|2|sig-7|Port scan|High|src=10.0.0.9 cnt=40")["severity"]
    'High'
    >>> parse_cef("Nov 14 22:13:20 host sshd[1]: Accepted password") is None
    True
    """
    raw = line if isinstance(line, bytes) else line.encode("utf-8", "surrogatepass")
    start = _START.search(raw)
    if start is None or json_line(raw):  # (a JSON line holding a record in a field: none)
        return None
    text = raw[start.start() + 4:].decode("utf-8", "replace").rstrip("\r\n")
    parsed = _header(text)
    if parsed is None:
        return None
    fields, extension = parsed
    row: dict[str, Any] = dict(zip(CEF_HEADER, fields, strict=True))
    parts = _keys_split(extension)  # [text before the first key, key, value, key, value, ...]
    # an empty value (suser=) is missing, as a CSV's empty cell
    if "\\" in extension:
        pairs = {parts[j]: (v.strip() if "\\" not in v else _value(v)) or None
                 for j in range(1, len(parts) - 1, 2) for v in (parts[j + 1],)}
    else:
        values = list(map(str.strip, parts[2::2]))
        pairs = dict(zip(parts[1::2], values if all(values) else [v or None for v in values], strict=True))
    labelled = [k for k in pairs if "Label" in k and _CUSTOM_LABEL.fullmatch(k)] \
        if "Label=" in extension else []
    for key in labelled:  # cs1Label=Rule cs1=web: the column 'Rule'
        label = pairs.pop(key)
        if key[:-5] in pairs and label and label not in row and label not in pairs:
            pairs[label] = pairs.pop(key[:-5])
    row.update(pairs)
    rt = row.get("rt")
    if isinstance(rt, str) and _MS.fullmatch(rt):
        row["rt"] = int(rt) / 1000.0
    elif isinstance(rt, str) and rt[-1:].isalpha():
        row["rt"] = _offset_date(rt)
    return row


def looks_like_cef(head: bytes) -> bool:
    """Whether a file's first bytes are CEF lines: the first non-blank line holds a CEF record,
    or more than half of the first eight do (a syslog line of another kind first).

    Examples
    --------
    >>> looks_like_cef(b"<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|1|1|x|3|src=10.0.0.1\\n")
    True
    >>> looks_like_cef(b'{"CEF": 1}\\n'), looks_like_cef(b"a,b\\n")
    (False, False)
    >>> looks_like_cef(b'{"message": "CEF:0|Acme|FW|1|1|x|3|src=10.0.0.1"}\\n')  # JSON lines
    False
    """
    return _first_line_parses(head, parse_cef, _START)


_LEEF_START = re.compile(rb"LEEF:(\d+(?:\.\d+)?)\|")
# a tab as rsyslog writes it ($EscapeControlCharactersOnReceive, on by default), before a key:
# a value holding the text (url=https://x/item#0117) is no separator. A run of them is tried
# once, from its start and whole (only a whole run can have a key after it): retried from each
# of its places, a long run took time cubic in its length (64 KB of '#011': 48 s). (A trailing
# or doubled one too.)
_RSYSLOG_TAB = re.compile(r"(?<!#011)(?:#011)++(?=[A-Za-z_][\w.\-]*=|\s*$)")
_HEX = re.compile(r"(?:0x|x)([0-9A-Fa-f]{1,4})")
# the four header fields after the version, each ended by an unescaped '|' (as CEF's header)
_LEEF_HEADER = re.compile(r"((?:[^|\\]|\\.)*)\|" * 4, re.S)
#: The LEEF header's fields after ``LEEF:`` (the version), in order (2.0 adds the delimiter).
LEEF_HEADER = ("leef_version", "device_vendor", "device_product", "device_version", "event_id")
# QRadar's predefined attribute names (LEEF guide), read as CEF's are read.
LEEF_ROLES: dict[str, str] = {
    **{c: "ip" for c in ("src", "dst", "srcPreNAT", "dstPreNAT", "srcPostNAT", "dstPostNAT",
                         "identSrc")},
    **{c: "port" for c in ("srcPort", "dstPort", "srcPreNATPort", "dstPreNATPort",
                           "srcPostNATPort", "dstPostNATPort")},
    **{c: "drop" for c in ("leef_version", "devTime", "devTimeFormat")},
    **{c: "categorical" for c in ("event_id", "device_version", "sev", "cat", "proto", "policy")},
    **CHECK_POINT_ROLES,
}


# A Java SimpleDateFormat pattern's fields (LEEF's devTimeFormat), each as strptime reads it; a
# quoted text ('T') is itself. Zone names (z: CET, PST) are left to _offset_date.
_JAVA_FIELD = re.compile(r"'[^']*'|([yMdHhmsSaEXZz])\1*")
_JAVA_STRPTIME = {"yyyy": "%Y", "yy": "%y", "y": "%Y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "M": "%m",
                  "dd": "%d", "d": "%d", "HH": "%H", "H": "%H", "hh": "%I", "h": "%I", "mm": "%M",
                  "m": "%M", "ss": "%S", "s": "%S", "a": "%p", "EEEE": "%A", "EEE": "%a", "Z": "%z",
                  "X": "%z", "XX": "%z", "XXX": "%z"}


@functools.lru_cache(maxsize=64)
def _strptime_format(pattern: str) -> str | None:
    """The :func:`~datetime.datetime.strptime` format of a Java date pattern (LEEF's
    ``devTimeFormat``), or ``None`` for one this reads otherwise (a zone name) or not at all.

    Examples
    --------
    >>> _strptime_format("dd/MM/yyyy HH:mm:ss.SSS"), _strptime_format("yyyy-MM-dd'T'HH:mm:ssZ")
    ('%d/%m/%Y %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S%z')
    >>> _strptime_format("MMM dd yyyy HH:mm:ss z") is None, _strptime_format("MMM dd HH:mm:ss") is None
    (True, True)
    """
    out, at, letters = [], 0, set()
    for m in _JAVA_FIELD.finditer(pattern):
        out.append(pattern[at:m.start()].replace("%", "%%"))
        field = m.group(0)
        letters.add(field[0])
        if field.startswith("'"):
            out.append(field[1:-1].replace("%", "%%") or "'")
        elif field[0] == "S":
            out.append("%f")
        elif field in _JAVA_STRPTIME:
            out.append(_JAVA_STRPTIME[field])
        else:
            return None
        at = m.end()
    if not {"y", "M", "d"} <= letters:  # strptime would date it 1900 (no year) or 1 January:
        return None  # left as written, for the time reader to refuse by name ("has no year")
    out.append(pattern[at:].replace("%", "%%"))
    return "".join(out)


def _dev_time(value: str, pattern: object) -> str:
    """A LEEF ``devTime`` written as its ``devTimeFormat`` says, as ISO 8601 (``01/02/2025`` is
    the 1st of February under ``dd/MM/yyyy``, the 2nd of January under ``MM/dd/yyyy``: the date
    itself cannot tell); as written where there is no format, or the time does not fit it.

    Examples
    --------
    >>> _dev_time("03/02/2025 09:14:07", "MM/dd/yyyy HH:mm:ss"), _dev_time("x", "dd/MM/yyyy")
    ('2025-03-02T09:14:07', 'x')
    """
    fmt = _strptime_format(pattern.strip()) if isinstance(pattern, str) and len(pattern) <= 64 else None
    if fmt is None or len(value) > 64:
        return value
    try:
        with c_time_locale():  # (MMM, EEE, a: English names, whatever the caller's locale)
            return dt.datetime.strptime(value.strip(), fmt).isoformat()
    except ValueError:
        return value


def _split_attributes(attributes: str, delimiter: str) -> list[str]:
    r"""LEEF 2.0's attributes split at their delimiter, but for one a backslash escapes (a value
    holding the delimiter: ``usrName=a\^b`` is ``a^b``, as CEF undoes ``\=`` in a value); a tab
    is never escaped (a Windows folder's path may end with a backslash before it).

    Examples
    --------
    >>> _split_attributes(r"src=10.0.0.1^msg=a\^b^x=1", "^"), _split_attributes("p=C:\\\ty=1", "\t")
    (['src=10.0.0.1', 'msg=a^b', 'x=1'], ['p=C:\\', 'y=1'])
    """
    if delimiter.isspace() or "\\" + delimiter not in attributes:
        return attributes.split(delimiter)
    escaped = re.escape(delimiter)
    return [part.replace("\\" + delimiter, delimiter)
            for part in re.split(rf"(?<!\\){escaped}", attributes)]


def parse_leef(line: str | bytes) -> dict[str, Any] | None:
    """One LEEF line (IBM QRadar's Log Event Extended Format, 1.0 or 2.0) as a flat row: the
    header as ``leef_version``, ``device_vendor``, ``device_product``, ``device_version``,
    ``event_id``, then each ``key=value`` attribute under its key; or ``None`` when the line
    holds no LEEF record. Attributes are split by tabs (1.0), by the header's delimiter (2.0: a
    character, or its code as ``x5E``/``0x5E``; a tab where a sender leaves the field out), or
    by spaces before ``key=`` where the line has none of those; a tab may be written ``#011``
    (as rsyslog stores a received one by default). ``devTime`` written as epoch milliseconds
    is read as seconds, and one written as its ``devTimeFormat`` says (a Java date pattern:
    ``dd/MM/yyyy HH:mm:ss``) as ISO 8601 (the pattern tells day from month).

    Examples
    --------
    >>> row = parse_leef("LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^"
    ...                  "sev=5^srcPort=81^url=/a?b=c")
    >>> row["event_id"], row["src"], row["srcPort"], row["url"]
    ('41', '10.0.1.8', '81', '/a?b=c')
    >>> parse_leef("LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1\\tusrName=joe")["usrName"]
    'joe'
    """
    raw = line if isinstance(line, bytes) else line.encode("utf-8", "surrogatepass")
    start = _LEEF_START.search(raw)
    if start is None or json_line(raw):
        return None
    version = start.group(1).decode()
    text = raw[start.end():].decode("utf-8", "replace").rstrip("\r\n")
    if "\\" in text:  # '\|' in a header field (as CEF's header escapes it): no field's end
        m = _LEEF_HEADER.match(text)
        if m is None:
            return None
        fields = [*(f if "\\" not in f else _HEADER_ESCAPE.sub(r"\1", f) for f in m.groups()),
                  text[m.end():]]
    else:
        fields = text.split("|", 4)
    if len(fields) < 5:
        return None
    row: dict[str, Any] = dict(zip(LEEF_HEADER, [version, *fields[:4]], strict=True))
    attributes, delimiter = fields[4], "\t"
    if version.startswith("2"):
        first, bar, rest = attributes.partition("|")
        if bar and "=" not in first:  # the delimiter field (absent from some senders' lines)
            attributes = rest
            hex_code = _HEX.fullmatch(first)
            delimiter = chr(int(hex_code.group(1), 16)) if hex_code else (first or "\t")
    rsyslog = delimiter == "\t" and "\t" not in attributes and "#011" in attributes \
        and _RSYSLOG_TAB.search(attributes) is not None  # rsyslog's escape of a received tab
    if rsyslog or delimiter in attributes:
        split = _RSYSLOG_TAB.split(attributes) if rsyslog else _split_attributes(attributes, delimiter)
        pairs = (a.partition("=") for a in split)
        row.update((k.strip(), v.strip() or None) for k, eq, v in pairs if eq and k.strip())
    else:
        parts = _keys_split(attributes)
        row.update((parts[j], parts[j + 1].strip() or None) for j in range(1, len(parts) - 1, 2))
    dev_time = row.get("devTime")
    if isinstance(dev_time, str) and _MS.fullmatch(dev_time):
        row["devTime"] = int(dev_time) / 1000.0
    elif isinstance(dev_time, str) and "devTimeFormat" in row \
            and (iso := _dev_time(dev_time, row["devTimeFormat"])) is not dev_time:
        row["devTime"] = iso
    elif isinstance(dev_time, str) and dev_time[-1:].isalpha():
        row["devTime"] = _offset_date(dev_time)
    return row


def looks_like_leef(head: bytes) -> bool:
    """Whether a file's first bytes are LEEF lines: the first non-blank line holds a record, or
    more than half of the first eight do (a syslog line of another kind first).

    Examples
    --------
    >>> looks_like_leef(b"<13>Jan 18 11:07:53 host LEEF:1.0|IBM|QRadar|7|42|src=10.0.0.1\\n")
    True
    """
    return _first_line_parses(head, parse_leef, _LEEF_START)


# a syslog line's start: a priority (and RFC 5424's version), then a BSD or an RFC 3339 time
_SYSLOG_LINE = re.compile(rb"\s*(?:<\d{1,3}>\s*(?:1 )?)?(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}"
                          rb"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})")


def _first_line_parses(head: bytes, parse: Callable[[bytes], Any],
                       marker: re.Pattern[bytes] | None = None) -> bool:
    """Whether the first non-blank line of ``head`` parses; a JSON object never does (a Filebeat
    or Elastic export holds a CEF line in its ``message``: JSON lines, not CEF). With ``marker``
    (where a record starts: ``CEF:0|``), also where the first line is a syslog message that holds
    none but more than half of the first eight lines do, each record starting the line or after
    a syslog header (a space, a tab or a priority's ``>``): a log whose first line is one of
    another kind (rsyslog's ``[origin software="rsyslogd" ...] start``), which the read then
    names as the line holding no record (so is a first line that starts as a record and does not
    parse: one cut short, ``CEF:0|Acme|FW``); a table (its header first) whose text column holds
    records stays a table, and a record inside a quoted field is none of those lines.

    Examples
    --------
    >>> cef = [b"<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|1|1|x|3|src=10.0.0.%d" % i for i in range(4)]
    >>> head = b"\\n".join([b"Nov 14 22:13:19 fw1 rsyslogd: start", *cef, b""])
    >>> _first_line_parses(head, parse_cef), _first_line_parses(head, parse_cef, _START)
    (False, True)
    >>> _first_line_parses(b"\\n".join([b"CEF:0|Acme|FW", *cef, b""]), parse_cef, _START)
    True
    >>> csv = b"\\n".join([b"time,message", *(b'1,"%s"' % line[5:] for line in cef), b""])
    >>> _first_line_parses(csv, parse_cef, _START)
    False
    """
    pieces = without_boms(head).split(b"\n")
    first = next((ln for ln in pieces[:8] if ln.strip()), None)
    if first is None:
        return False
    if parse(first) is not None and not _json_object(first):
        return True
    # a first line that is a syslog message of another kind, or a record of the format that does
    # not parse (cut short: 'CEF:0|Acme|FW'); a table's header or a JSON object is neither
    if marker is None or (_SYSLOG_LINE.match(first) is None and marker.match(first.lstrip()) is None):
        return False
    # the first eight whole lines (the last piece may be cut short by the head's end)
    complete = [ln for ln in pieces[:-1] if ln.strip()][:8]

    def record(line: bytes) -> bool:
        m = marker.search(line)
        return (m is not None and (m.start() == 0 or line[m.start() - 1:m.start()] in (b" ", b"\t", b">"))
                and line.count(b'"', 0, m.start()) % 2 == 0  # not inside a quoted field
                and parse(line) is not None and not _json_object(line))

    return len(complete) > 1 and 2 * sum(map(record, complete)) > len(complete)


def _json_object(line: bytes | str) -> bool:
    if line.lstrip()[:1] not in (b"{", "{"):
        return False
    try:  # (bytes that are no UTF-8, a relay's Latin-1 name, read as U+FFFD, as the line formats read them)
        return isinstance(loads_json(line.decode("utf-8", "replace") if isinstance(line, bytes) else line),
                          dict)
    except (ValueError, RecursionError):  # (nested deeper than MAX_JSON_DEPTH: judged as a line)
        return False


def json_line(line: bytes | str) -> bool:
    """Whether ``line`` is a JSON object: JSON lines (a Filebeat or Elastic export, the record
    inside its ``message``), no line of a line format, whatever its fields hold.

    Examples
    --------
    >>> json_line(b'{"message": "CEF:0|Acme|FW|1|1|x|3|src=10.0.0.1"}'), json_line("CEF:0|a|b|c|d|e|f|")
    (True, False)
    """
    first = line[:1]
    if first not in (b"{", "{") and not (first.isspace() and line.lstrip()[:1] in (b"{", "{")):
        return False
    return _json_object(line)


#: What an error about a line that is a JSON object adds (:func:`json_line`).
JSON_LINE_HINT = ("; the line is a JSON object (JSON lines): give the records themselves, e.g. "
                  "jq -r .message FILE")


def _bounded_lines(fh: Any, limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """The lines of a binary file, each at most ``limit`` bytes; ``None`` for a longer one."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or (line.endswith(b"\n") and len(line) == limit + 1):
            yield line
            continue
        while line and not line.endswith(b"\n"):  # the rest of the long line, a piece at a time
            line = fh.readline(1 << 20)
        yield None


def _utf8(raw: bytes) -> bool:
    """Whether ``raw`` is UTF-8 text.

    Examples
    --------
    >>> _utf8("café".encode()), _utf8("café".encode("latin-1"))
    (True, False)
    """
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_RECORD_NOUNS = {"panos": "PAN-OS", "kv": "key=value", "auditd": "Linux audit"}


def record_noun(fmt: object) -> str:
    """How an error names one record of the line format ``fmt``: ``not a CEF record``.

    Examples
    --------
    >>> record_noun("cef"), record_noun("panos"), record_noun("auditd")
    ('CEF', 'PAN-OS', 'Linux audit')
    """
    return _RECORD_NOUNS.get(str(fmt), str(fmt).upper())


@dataclass(frozen=True)
class _LineSpec(DatasetSpec):
    """Lines of one record each (CEF, LEEF, key=value), read into rows with ``parse`` (a line
    that holds no record is malformed); ``stream`` parses a line of such a model's input with
    the same ``parse``."""

    parse: Callable[[bytes], dict[str, Any] | None] = parse_cef
    expected: str = ""

    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    used: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        return self._chunks(path, on_bad_rows=on_bad_rows, chunk_bytes=chunk_bytes, stats=stats)

    def read(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
             stats: ReadStats | None = None, used: Collection[str] | None = None) -> pd.DataFrame:
        """Read a whole file of this format: its fields are typed once the whole file is read,
        so a value is spelled the same whatever chunk it falls in (``07048`` stays ``07048``
        in a column that holds a word further down, as in a file read in one chunk; ``used``
        is taken and has nothing to loosen)."""
        chunks = list(self._chunks(path, on_bad_rows=on_bad_rows, chunk_bytes=CHUNK_BYTES, stats=stats,
                                    typed=False))
        if not chunks:
            raise InputError(f"{path}: no data rows")
        df = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
        return self._typed(df)

    def _chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                typed: bool = True) -> Iterator[pd.DataFrame]:
        """The rows of :meth:`iter_chunks`; ``typed=False``: every field as written (no numbers
        yet: :meth:`read` types the whole file at once)."""
        p = check_path(path)
        check_log_text(p)  # UTF-16, gzip without .gz ...: said so, not 'not a CEF record'
        rows: list[Any] = []
        size = 0
        events = self.events()  # records gathered into events (audit), or None: a row a line
        # each column's type as the first chunk that had values gave it (True: numbers), kept
        # in the later chunks: a file is not read as ints in its first 16 MiB and text after
        kinds: dict[str, bool] | None = {} if typed else None
        row_lines: list[int] = []  # the line of each of ``rows`` (an event's: its first record's)
        # each row's line, for a row a caller leaves out (stats.line_of: a value the model
        # refuses, as a JSON-lines read tells it): runs of rows on successive lines, by their
        # first row and its line; an event of audit records has no line of its own: none told
        starts, firsts = array("q"), array("q")
        handed, after = 0, 0  # the rows read before ``rows``; the line after the last row's
        if stats is not None:
            stats.lines_of = None if events is not None else functools.partial(run_line, starts, firsts)
        undecodable: list[int] = []  # the lines with bytes that are no UTF-8 (read as U+FFFD)
        try:
            with open_lines(p) as fh:  # lines ended by a CR alone: each its own record
                for number, raw in enumerate(_bounded_lines(fh), start=1):
                    if raw is None:  # longer than the limit: its bytes were read past, not kept
                        if on_bad_rows != "skip":
                            raise InputError(f"{p}: line {number}: longer than {MAX_LINE_BYTES >> 20} MiB "
                                             f"(use {SKIP_BAD_ROWS} to skip such lines)")
                        if stats is not None:
                            stats.skipped(number, at=self._place(events, stats, rows))
                        continue
                    if number == 1:  # a byte-order mark before a blank line: a blank line too
                        raw = without_boms(raw)
                    if self.no_record(raw):
                        if events is not None and raw.strip():  # ausearch's '----' before an event
                            for at, event in events.between():
                                rows.append(event)
                                row_lines.append(at)
                        continue
                    row = self._record(raw)
                    if row is None:
                        if on_bad_rows != "skip":
                            hint = JSON_LINE_HINT if json_line(raw) else ""
                            raise InputError(f"{p}: line {number}: not a {record_noun(self.name)} record "
                                             f"(expected '{self.expected}'; use {SKIP_BAD_ROWS} "
                                             f"to skip such lines){hint}")
                        if stats is not None:
                            stats.skipped(number, at=self._place(events, stats, rows))
                        continue
                    if not raw.isascii() and not _utf8(raw):
                        undecodable.append(number)
                    if events is None:
                        if number != after:  # a new run of rows on successive lines
                            starts.append(handed + len(rows))
                            firsts.append(number)
                        after = number + 1
                        rows.append(row)
                        row_lines.append(number)
                    else:
                        for at, event in events.add(row, number):
                            rows.append(event)
                            row_lines.append(at)
                    size += len(raw)
                    if size >= chunk_bytes and rows:  # (audit: no event completed yet, none out)
                        yield self._frame(rows, stats, kinds, (p, row_lines), typed=typed)
                        handed += len(rows)
                        rows, row_lines, size = [], [], 0
        except READ_ERRORS as exc:
            raise InputError(f"{p}: cannot read ({read_problem(exc)})") from None
        if events is not None:
            for at, event in events.close():
                rows.append(event)
                row_lines.append(at)
        if undecodable:  # read leniently (one Latin-1 character costs no event), and said so
            _log.warning("%s: %d line(s) hold bytes that are no UTF-8 (first: line %d), read with "
                         "U+FFFD in their place", p, len(undecodable), undecodable[0])
        if rows:  # none at all: the caller says "no data rows"
            yield self._frame(rows, stats, kinds, (p, row_lines), typed=typed)

    @staticmethod
    def _place(events: Any, stats: ReadStats, rows: list[Any]) -> int | None:
        """The place of a malformed line skipped (:meth:`ReadStats.skipped`'s ``at``): the rows
        before it, those handed out and ``rows`` (read, not yet out), where a line is a row;
        ``None`` (not known) where ``events`` gathers lines into events: a malformed line may
        be a record of an event written all the same, no data row of its own."""
        return stats.rows + len(rows) if events is None else None

    def events(self) -> Any:
        """What gathers the rows of :attr:`parse` into events, where a format's event spans
        lines (``add(row, line)`` and ``close()``, each giving the (first line, row) of the
        events they complete: :class:`~hourglass.ingest.auditd.AuditEvents`); ``None`` for
        one record a line, each line its own row (``stream`` and the service read a model's
        lines the same way).

        Examples
        --------
        >>> CEF.events() is None
        True
        """
        return None

    def no_record(self, line: str | bytes) -> bool:
        """Whether ``line`` holds no record and is no malformed one either, to be passed over:
        a blank line (and, for a format whose tools write them, the lines between records:
        ``ausearch``'s ``----`` and ``time->...``).

        Examples
        --------
        >>> CEF.no_record(b" \\r\\n"), CEF.no_record("----"), CEF.no_record(b"x")
        (True, False, False)
        """
        return not line.strip()

    def _record(self, raw: bytes) -> Any:
        """What :meth:`_table` makes a table of, of one line (``None``: no record): its row."""
        return self.parse(raw)

    def _table(self, records: list[Any]) -> pd.DataFrame:
        """The rows as a table, as ``pd.DataFrame.from_records`` makes one."""
        return pd.DataFrame.from_records(records)

    def _frame(self, rows: list[Any], stats: ReadStats | None, kinds: dict[str, bool] | None = None,
               where: tuple[Path, list[int]] | None = None, typed: bool = True) -> pd.DataFrame:
        """The rows as a table, counts and ports as numbers; with ``kinds`` (each column's type
        as the earlier chunks of the file gave it: ``True`` numbers), a column that was text
        before stays text, as the sender wrote it (the file's chunks are joined as text
        throughout where one has text: :func:`~hourglass.ingest.readers._concat_chunks`); this
        chunk's types go into ``kinds``. ``where``: the file and the line of each row, for the
        line that turns an earlier chunk's numbers to text. ``typed=False``: the fields as
        written (:meth:`_typed` later)."""
        if stats is not None:
            stats.rows += len(rows)
        df = self._table(rows)
        return self._typed(df, kinds, where) if typed else df

    def _typed(self, df: pd.DataFrame, kinds: dict[str, bool] | None = None,
               where: tuple[Path, list[int]] | None = None) -> pd.DataFrame:
        """``df`` with counts and ports as numbers (:meth:`_frame`'s ``kinds`` and ``where``)."""
        for c in df.columns:  # counts and ports as numbers, as a CSV reader would type them
            if c in self.text_columns or self.roles.get(c) in ("categorical", "hash", "drop"):
                continue  # codes as the sender spells them (logid="0000000013"), as stream reads them
            was = None if kinds is None else kinds.get(c)
            if was is False:  # text in an earlier chunk: text throughout, as written
                continue
            num = _numbers(df[c])
            if num is not None:
                df[c] = num
            elif was and where is not None:  # numbers before, text from this chunk on
                # the line of its first value that is no number (not the chunk's first line)
                text = df[c].notna() & pd.to_numeric(df[c], errors="coerce").isna()
                _log.info("%s: column %r holds text from line %d on (its earlier values, numbers, "
                          "are read as text too)", where[0], c, where[1][int(text.to_numpy().argmax())])
            if kinds is not None and df[c].notna().any():  # text once: text from then on
                kinds[c] = num is not None
        return df


_INTEGER = r"^-?[0-9]{1,15}$"  # within float64's exact integers: a missing value beside them is NaN


def _numbers(col: pd.Series) -> pd.Series | None:
    """``col`` as numbers when every present value is one (as ``pd.to_numeric`` reads them;
    ``None`` when any is not, or none is present): the first present value is tried alone
    first (a column of addresses or names fails there, without converting the rest), and a
    column of Arrow strings that are all plain integers is cast by pyarrow, as ``to_numeric``
    would read them (int64, or float64 where values are missing)."""
    present = col.notna().to_numpy()
    count = int(present.sum())
    if count == 0:
        return None
    first = col.iloc[int(present.argmax())]
    if pd.isna(pd.to_numeric(pd.Series([first], dtype=object), errors="coerce").iloc[0]):
        return None  # to_numeric reads each value alone: one that is no number fails the column
    if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow":
        arr = pa.array(col.array)
        if isinstance(arr, pa.ChunkedArray):  # a file's chunks joined before typing
            arr = arr.combine_chunks()
        if pc.all(pc.match_substring_regex(arr, _INTEGER)).as_py():  # nulls skipped
            ints = pc.cast(arr, pa.int64())
            values = (ints if count == len(col) else pc.cast(ints, pa.float64())).to_numpy(
                zero_copy_only=False, writable=True)  # NaN where missing; a copy, as to_numeric's
            return pd.Series(values, index=col.index, name=col.name)
    num = pd.to_numeric(col, errors="coerce")
    return num if int(num.notna().sum()) == count else None


#: Forcepoint DLP's own extension keys (its incidents' syslog, TRITON AP-DATA's before it), two
#: of which tell its lines: beside them the header's signature id is the incident's id (a new
#: number per incident, ``9666301``), not the code of a kind of event a firewall writes there
_FORCEPOINT_DLP_KEYS = frozenset({"analyzedBy", "maxMatches", "severityType", "sourceServiceName",
                                  "destinationHosts"})


class _CefSpec(_LineSpec):
    """The ``cef`` format: :class:`_LineSpec` with roles that depend on the keys a file has."""

    def roles_for(self, columns: Iterable[str]) -> dict[str, str]:
        """The format's roles of ``columns``: :attr:`roles`, and ``signature_id`` dropped
        beside two at least of Forcepoint DLP's own keys (there it is the incident's id: one
        one-hot column per incident, and every later incident a value never seen).

        Examples
        --------
        >>> CEF.roles_for(["signature_id", "act", "maxMatches", "severityType"])
        {'signature_id': 'drop', 'act': 'categorical'}
        >>> CEF.roles_for(["signature_id", "act", "src"])
        {'signature_id': 'categorical', 'act': 'categorical', 'src': 'ip'}
        """
        names = [str(c) for c in columns]
        incidents = len(_FORCEPOINT_DLP_KEYS.intersection(names)) >= 2
        out = {c: self.roles[c] for c in names if c in self.roles}
        if incidents and "signature_id" in out:
            out["signature_id"] = "drop"
        return out


# fmt "jsonl": rows vary in their fields (each event type has its own keys), as JSON lines do
#: ArcSight Common Event Format lines (syslog or plain).
CEF = _CefSpec(
    name="cef", columns=None, label_col=None, normal=(), fmt="jsonl", roles=CEF_ROLES,
    sniffer=looks_like_cef, time_col="rt", parse=parse_cef,
    expected="CEF:0|vendor|product|version|id|name|severity|key=value ...",
    text_columns=(*CEF_HEADER[1:6],),
    description="ArcSight Common Event Format lines (firewalls, proxies, IDS; syslog header "
                "ignored): header fields, then each key=value as a column")
#: IBM QRadar's Log Event Extended Format lines, 1.0 and 2.0 (syslog or plain).
LEEF = _LineSpec(
    name="leef", columns=None, label_col=None, normal=(), fmt="jsonl", roles=LEEF_ROLES,
    sniffer=looks_like_leef, time_col="devTime", parse=parse_leef,
    expected="LEEF:1.0|vendor|product|version|event id|key=value<tab>...",
    text_columns=(*LEEF_HEADER[1:5],),
    description="IBM QRadar Log Event Extended Format lines, 1.0 and 2.0 (syslog header "
                "ignored): header fields, then each key=value as a column")
