"""Raw log lines → (line, time, template key, template): header formats, masking and Drain.

Lines are streamed: a header regex splits each line into fields and the free-text ``content``;
the content is masked (IPs, block ids, hex, paths, numbers → ``<IP>``, ``<BLK>``, ...) and fed to
a Drain prefix tree (the ``drain3`` package) that groups it into a template. The fitted tree is
saved as plain JSON (:meth:`LogParser.to_dict`); drain3's own jsonpickle persistence is never
used, so loading a model cannot run code. At scoring time the tree is only matched, never
changed: a line that fits no known template gets key ``0`` (unknown) and is counted.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import gzip
import io
import json
import logging
import operator
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import counted
from hourglass._eol import blank_line, cr_ended, cr_lines, without_boms
from hourglass._limits import MAX_LINE_BYTES, loads_json, too_long
from hourglass._logs import quiet_warnings
from hourglass._params import ParamsClone, check_numeric_params, saved_kinds
from hourglass._times import (
    _NUMERIC_DATE,
    _Dates,
    c_time_locale,
    dated_today,
    epoch_seconds,
    infer_dayfirst,
    mixed_units,
    past_range,
    text_to_datetime,
    yymmdd_times,
)
from hourglass.errors import InputError, NotFittedError, no_file, path_exists, read_problem
from hourglass.ingest.tables import READ_ERRORS, not_utf8_how

__all__ = [
    "DEFAULT_MASKS",
    "JOURNALD_FIELDS",
    "LEGACY_MASKS",
    "LOG_FORMATS",
    "MAX_REPEATS",
    "JournaldHeader",
    "LogParser",
    "ParseStats",
    "ParserNotFittedError",
    "TooLongLine",
    "compressed_kind",
    "english_month",
    "file_lines",
    "log_header_of",
    "not_lines",
    "not_tar",
    "read_lines",
    "tar_member",
    "unrepeated",
    "yymmdd_times",
]

logger = logging.getLogger(__name__)

UNKNOWN = 0  # key of a line whose template was not seen in training
# the columns of the parser's event frames besides the header fields that a header group of the
# same name would be lost under ('time', the event time, is one too, but a regex may name it)
_REFUSED_GROUPS = ("line", "key", "template")

#: The header fields of a ``journald`` record (``journalctl -o json``), by the journal fields
#: they come from (the first present one); ``content`` is the message, ``timestamp`` its time.
JOURNALD_FIELDS: dict[str, tuple[str, ...]] = {
    "timestamp": ("__REALTIME_TIMESTAMP", "_SOURCE_REALTIME_TIMESTAMP"),  # µs since the epoch
    "host": ("_HOSTNAME",),
    "component": ("SYSLOG_IDENTIFIER", "_COMM"),  # syslog's program name
    "pid": ("_PID", "SYSLOG_PID"),
    "unit": ("_SYSTEMD_UNIT", "_SYSTEMD_USER_UNIT"),
    "priority": ("PRIORITY",),  # 0 emerg ... 7 debug
    "boot": ("_BOOT_ID",),
    "content": ("MESSAGE",),
}

_JOURNALD_HEADER = [(name, keys) for name, keys in JOURNALD_FIELDS.items() if name != "content"]


class _Record:
    """The fields of one journal record, read as a header regex's match is (``group``);
    ``replaced``: its MESSAGE held bytes that are not UTF-8 (replaced by U+FFFD)."""

    __slots__ = ("fields", "group", "replaced")

    def __init__(self, fields: dict[str, str], replaced: bool) -> None:
        self.fields = fields
        self.replaced = replaced
        self.group = fields.get  # the field named, as re.Match.group (a C call: once a field a line)


def _journal_value(value: Any) -> tuple[str | None, bool]:
    """A journal field's text and whether bytes were replaced: a string as it is, an array of
    byte values (journalctl's form of a value that is not UTF-8 or not printable) decoded with
    errors replaced, an array of values (a field that repeats) its values joined by line breaks,
    null or an object ``None``, another JSON number or boolean as written."""
    if isinstance(value, str):
        return value, False
    if isinstance(value, list):
        if not value:  # no bytes
            return "", False
        if all(type(b) is int and 0 <= b < 256 for b in value):
            raw = bytes(value)
            try:
                return raw.decode("utf-8"), False
            except UnicodeDecodeError:
                return raw.decode("utf-8", errors="replace"), True
        parts = [_journal_value(v) for v in value]
        texts = [t for t, _ in parts if t is not None]
        return ("\n".join(texts) if texts else None), any(r for _, r in parts)
    if value is None or isinstance(value, dict):
        return None, False
    return json.dumps(value), False


# a UTF-16 surrogate alone: what a JSON escape such as \ud800 decodes to, no character
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JournaldHeader:
    """The ``journald`` log format: one JSON object a line, as ``journalctl -o json`` (or
    ``-o json-seq``) writes the journal, read into the same named fields a header regex gives
    (:data:`JOURNALD_FIELDS`): ``content`` is MESSAGE, ``timestamp`` __REALTIME_TIMESTAMP as
    exact decimal seconds, ``host``, ``component`` (SYSLOG_IDENTIFIER, else _COMM), ``pid``,
    ``unit``, ``priority`` and ``boot``. A line that is no JSON object, or a record without a
    MESSAGE (or with a null one: journalctl writes null for a value over 4096 bytes unless
    given ``--all``), matches no header, as a line of another format that its regex does not
    match; a field that repeats gives its first value (MESSAGE: all, one a line).

    Examples
    --------
    >>> h = JournaldHeader()
    >>> r = h.match('{"MESSAGE": "Started cron.service.", "__REALTIME_TIMESTAMP": "1700000000000001", '
    ...             '"_HOSTNAME": "web1", "SYSLOG_IDENTIFIER": "systemd", "_PID": "1"}')
    >>> r.group("content"), r.group("timestamp"), r.group("component"), r.group("unit")
    ('Started cron.service.', '1700000000.000001', 'systemd', '')
    >>> h.match('{"MESSAGE": [104, 105, 255]}').group("content")
    'hi\ufffd'
    >>> h.match("Jun 14 15:16:01 combo sshd[1]: hello") is None
    True
    """

    pattern = "journald"
    groupindex: Mapping[str, int] = {name: i for i, name in enumerate(JOURNALD_FIELDS, 1)}

    def match(self, line: str) -> _Record | None:
        record = self._record(line)
        if not isinstance(record, dict):
            return None
        message = record.get("MESSAGE")
        replaced = False
        if type(message) is not str:
            message, replaced = _journal_value(message)
            if message is None:
                return None
        fields = {"content": message}
        get = record.get
        for name, keys in _JOURNALD_HEADER:
            text = ""
            for key in keys:
                value = get(key)
                if type(value) is str:  # nearly always: journalctl writes every value as text
                    text = value
                elif value is not None:
                    if isinstance(value, list) and value and not isinstance(value[0], int):
                        value = value[0]  # a repeated field: its first value
                    text = _journal_value(value)[0] or ""
                if text:
                    break
            fields[name] = text
        fields["timestamp"] = _micro_seconds(fields["timestamp"])
        if "\\ud" in line or "\\uD" in line:  # a lone surrogate escape ('\\ud800'): no character
            # in any encoding, which failed every write of the text (templates, alerts) later
            for name, text in fields.items():
                clean = _LONE_SURROGATE.sub("\ufffd", text)
                if clean != text:
                    fields[name] = clean
                    replaced = replaced or name == "content"
        return _Record(fields, replaced)

    @staticmethod
    def _record(line: str) -> Any:
        text = line.lstrip("\x1e \t")  # json-seq: a record separator before each record
        if not text.startswith("{"):
            return None
        try:
            return loads_json(text)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            return None

    def why(self, line: str) -> str:
        """Why ``line`` matches no record, for an error naming it."""
        record = self._record(line)
        if not isinstance(record, dict):
            what = line.lstrip("\x1e \t")[:1]
            return ("not a JSON object" + (" (journalctl -o export? use -o json)" if "=" in line[:64]
                                           and what != "{" else ""))
        if "MESSAGE" not in record:
            return "a journal record without a MESSAGE field"
        if record["MESSAGE"] is None:
            return ("a journal record whose MESSAGE is null (journalctl writes null for a value over "
                    "4096 bytes; export with journalctl --all)")
        kind = type(record["MESSAGE"]).__name__
        return f"a journal record whose MESSAGE is a JSON {kind}, not text or bytes"


def _micro_seconds(text: str) -> str:
    """Microseconds since the epoch (the journal's times) as exact decimal seconds; ``""``
    when not a whole number.

    Examples
    --------
    >>> _micro_seconds("1700000000123456"), _micro_seconds("12"), _micro_seconds("x")
    ('1700000000.123456', '0.000012', '')
    """
    if not (text.isascii() and text.isdigit()):
        return ""
    text = text.rjust(7, "0")  # a digit before the point
    return f"{text[:-6]}.{text[-6:]}"


# name → (header regex with a ``content`` group, or the reader of a structured format, and how to
# read the time fields)
LOG_FORMATS: dict[str, tuple[str | JournaldHeader, str | None]] = {
    "hdfs": (r"^(?P<date>\d{6}) (?P<time>\d{6}) (?P<pid>\d+) (?P<level>\w+) "
             r"(?P<component>[^:\s]+): (?P<content>.*)$", "%y%m%d %H%M%S"),
    "bgl": (r"^(?P<label>\S+) (?P<timestamp>\d{9,11}) (?P<date>\d{4}\.\d\d\.\d\d) "
            r"(?P<node>\S+) (?P<time>\S+) (?P<node_repeat>\S+) (?P<type>\S+) (?P<component>\S+) "
            r"(?P<level>\S+) ?(?P<content>.*)$",
            "epoch"),
    # BSD time stamps (``Jun 14 15:16:01``), or RFC 3339 ones as rsyslog writes by default on
    # current distributions (``2024-05-01T12:00:00.123456+00:00``); after the pid, macOS's
    # syslog may name what the message is about in parentheses (``launchd[1] (com.apple.xpc.
    # launchd.domain.pid.WebContent.32502): ...``, ``sandboxd[129] ([31211]): ...``), the
    # ``address`` field (Loghub's name for it): only such lines, which matched nothing before,
    # read otherwise. A line may start with its priority, ``<34>``, as RFC 3164 sends it on the
    # wire (a relay or a capture writing the packets' text keeps it): the same line without it
    # matched, with it nothing
    # (rules 9, as _SYSLOG_RULES8 before: a Cisco ASA's or FTD's own header too, see below;
    # rules 10, as _SYSLOG_RULES9 before: macOS's own time stamps too, see below; rules 11, as
    # _SYSLOG_RULES10 before: the year after the time, as an Aruba controller writes it, see below)
    "syslog": (r"^(?:<\d{1,3}>)?(?:(?P<month>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<time>\d{2}:\d{2}:\d{2})"
               r"(?! (?:19|20)\d\d (?![^\s:\[]+(?:\[\d+\])?:(?: |$)))|"
               r"(?P<timestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
               r"|[A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2}"
               r"|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} (?:19|20)\d\d"
               r"(?= (?![^\s:\[]+(?:\[\d+\])?:(?: |$)))"
               r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d(?:\d\d)?(?= )))"
               r"(?:: (?=%[A-Z]+-\d-\d+:)| +(?P<host>\S+)(?: :(?= %[A-Z]+-\d-\d+:))? )"
               r"(?P<component>[^:\[\s][^:\[]*?)"
               r"(?:\[(?P<pid>\d+)\](?: \((?P<address>[^()]+)\))?)?: ?(?P<content>.*)$",
               "%b %d %H:%M:%S"),
    # systemd's journal exported by journalctl -o json: a JSON object a line, not a regex
    "journald": (JournaldHeader(), "epoch"),
    # (?s): a message from an event table's column may span lines (Windows events' Message)
    "raw": (r"(?s)^(?P<content>.*)$", None),
}

# The 'syslog' header of a parser of rules 8 or before. Rules 9 reads a Cisco ASA's (and FTD's)
# own header too, as 'logging timestamp' and 'logging device-id hostname' make it: its time with
# the year, 'May 01 2024 08:00:00' ('logging timestamp rfc5424': RFC 3339's), the host's name
# and ' : ' before the message id, '<166>May 01 2024 08:00:00 asa01 : %ASA-6-302013: Built ...',
# or no host at all, '<166>May 01 2024 08:00:00: %ASA-6-302013: Built ...': the message id is
# the component, as when a relay's header stands before it ('fw1 %ASA-6-302013: Built ...').
# Every line the header of rules 8 read, it reads the same; its parsers saved so read as they did.

# The 'syslog' header of a parser of rules 10. Rules 11 reads the year an Aruba controller (AOS-8,
# ArubaOS) writes after the time, 'Mar  1 08:00:00 2024 10.1.1.10 stm[3456]: <501080> ...': the
# year was read as the host ('2024'), the host as part of the program ('10.1.1.10 stm', a
# component per controller) and the line dated in the year the reader guessed. Every line the
# header of rules 10 read, it reads the same, but one whose host is a year after the time (19xx
# or 20xx) with a host of its own after it (a host named by such a number, its program next,
# 'Mar  1 08:00:00 2001 sshd[12]: ...', is the host still); its parsers saved so read as they did.
_SYSLOG_RULES10 = (r"^(?:<\d{1,3}>)?(?:(?P<month>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) "
                   r"(?P<time>\d{2}:\d{2}:\d{2})|"
                   r"(?P<timestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
                   r"|[A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2}"
                   r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d(?:\d\d)?(?= )))"
                   r"(?:: (?=%[A-Z]+-\d-\d+:)| +(?P<host>\S+)(?: :(?= %[A-Z]+-\d-\d+:))? )"
                   r"(?P<component>[^:\[\s][^:\[]*?)"
                   r"(?:\[(?P<pid>\d+)\](?: \((?P<address>[^()]+)\))?)?: ?(?P<content>.*)$")

# The 'syslog' header of a parser of rules 9. Rules 10 reads macOS's own time stamps too: the date
# and time parted by a space, with the offset, as 'log show --style syslog' writes them (and two
# spaces before the host), '2024-05-01 08:00:01.336000-0700  localhost sshd[812]: (libsystem_info.
# dylib) Accepted ...', and /var/log/install.log, '2024-05-01 08:00:01-07 mbp installd[512]: ...':
# every such line matched no header, the whole export refused. Every line the header of rules 9
# read, it reads the same; its parsers saved so read as they did.
_SYSLOG_RULES9 = (r"^(?:<\d{1,3}>)?(?:(?P<month>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<time>\d{2}:\d{2}:\d{2})|"
                  r"(?P<timestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
                  r"|[A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2}))"
                  r"(?:: (?=%[A-Z]+-\d-\d+:)| (?P<host>\S+)(?: :(?= %[A-Z]+-\d-\d+:))? )"
                  r"(?P<component>[^:\[\s][^:\[]*?)"
                  r"(?:\[(?P<pid>\d+)\](?: \((?P<address>[^()]+)\))?)?: ?(?P<content>.*)$")
_SYSLOG_RULES8 = (r"^(?:<\d{1,3}>)?(?:(?P<month>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<time>\d{2}:\d{2}:\d{2})|"
                  r"(?P<timestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)) "
                  r"(?P<host>\S+) (?P<component>[^:\[\s][^:\[]*?)"
                  r"(?:\[(?P<pid>\d+)\](?: \((?P<address>[^()]+)\))?)?: ?(?P<content>.*)$")


def log_header_of(line: str) -> str | None:
    """The built-in line format (``"hdfs"``, ``"bgl"``, ``"syslog"``) whose header ``line``
    has, ``"rfc5424"`` for an RFC 5424 syslog line (read with a header regex: the README gives
    one), or ``None``: a raw log line read where a table or JSON rows were expected. A CEF or
    LEEF record behind a syslog header is a table format's record, no log line.

    Examples
    --------
    >>> log_header_of("Mar  3 07:01:02 web1 sudo[42]: alice : TTY=pts/0 ; PWD=/home/alice")
    'syslog'
    >>> log_header_of("<86>1 2026-03-03T07:01:02Z web1 sshd 42 - - Accepted publickey for bob")
    'rfc5424'
    >>> log_header_of("src_ip;dst_ip;bytes") is None
    True
    """
    if "CEF:" in line or "LEEF:" in line:
        return None
    for name in ("hdfs", "bgl", "syslog"):
        pattern = LOG_FORMATS[name][0]
        if isinstance(pattern, str) and re.match(pattern, line):
            return name
    # (rsyslog's RFC5424 template: no built-in format reads it, a log all the same)
    return "rfc5424" if _RFC5424.match(line) else None


# the start of an RFC 5424 syslog line: its priority, version 1 and a time stamp (or '-', none)
_RFC5424 = re.compile(r"<\d{1,3}>1 (?:-|\d{4}-\d\d-\d\dT)")

# (English, as syslog writes them: calendar.month_abbr is in the locale a calling program set)
_MONTHS = {name: i for i, name in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def english_month(name: str) -> int | None:
    """The month (1 to 12) a BSD syslog header's month name ``name`` gives, read in English as
    syslog writes it (``Dec``), whatever the locale; ``None`` for a name in another language
    (a German ``Dez``, ``Okt``), which gives the line no time.

    Parameters
    ----------
    name
        The header's month name.

    Returns
    -------
    int or None
        The month's number, or ``None``.

    Examples
    --------
    >>> english_month("Dec"), english_month("Dez")
    (12, None)
    """
    return _MONTHS.get(name.strip())
# a BSD syslog header's date with a month name of any letters (a German 'Mär', a French 'févr.')
_OTHER_MONTH = re.compile(r"^(?:<\d{1,3}>)?([^\W\d_]{3,5})\.? +\d{1,2} \d\d:\d\d:\d\d ")
# a BSD syslog time stamp alone (no year), as a header regex's timestamp group may hold it
_BSD_STAMP = re.compile(r"^\s*([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d(?:[.,]\d{1,9})?)\s*$")


def _utc_today() -> datetime.date:
    """Today's date in UTC (BSD syslog lines are dated no later than about then)."""
    return datetime.datetime.now(datetime.UTC).date()


# An IPv6 address (rules 4): eight groups, or fewer around a '::', the last two groups perhaps an
# IPv4 address (``::ffff:192.0.2.5``), perhaps with a zone (``fe80::1%eth0``); a digit among them
# (no word such as ``Bad::Add`` is taken for one). Unmasked, the numbers mask cut an address at
# its colons (``<NUM>:db8::<NUM>``), so the line of an IPv6 client (sshd's ``from 2001:db8::7
# port 22``) had a template of its own, never seen where training saw IPv4 clients only.
# As an IPv4 address (_IP4 below), one at a sentence's end, before a full stop, is one too with
# rules 6 ('Received disconnect from 2001:db8::7.'); before (_IP6_RULES5) any '.' after it kept
# it from matching, and the numbers mask cut it at its colons. Its zone ends before that full
# stop ('from fe80::1%eth0.' -> 'from <IP>.', as the address without one; a zone taking it,
# 'from <IP>', was another token), a '.' within it ('%eth0.5', a VLAN) still a part of it.
_IP6_ADDRESS = (r"(?<![\w:.])(?=[0-9a-fA-F:]*\d)"
                r"(?:(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}"
                r"|(?:[0-9a-fA-F]{1,4}:){6}\d{1,3}(?:\.\d{1,3}){3}"
                r"|(?:(?:[0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{1,4})?::"
                r"(?:(?:[0-9a-fA-F]{1,4}:){0,5}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]{1,4}))?)")
_IP6_RULES6 = _IP6_ADDRESS + r"(?:%[\w.\-]*[\w\-])?(?![\w:]|\.\w)"
_IP6_RULES5 = _IP6_ADDRESS + r"(?:%[\w.\-]+)?(?![\w:.])"
# With rules 7 an address before a colon that ends a clause ('from 2001:db8::7: ok', its zone's
# too), and an IPv4-mapped one with its port ('::ffff:10.0.0.1:443', as an IPv4 address takes
# its port), are an <IP> too: any ':' after one kept it from matching (the numbers mask cut it,
# '<NUM>:db8::<NUM>: ok'; the mapped one's '::ffff:' was left as text, '::ffff:<IP>')
_MAPPED_END = r"\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]"  # a '::' address's end: an IPv4 address or a group
_IP6 = (_IP6_ADDRESS.replace(_MAPPED_END, r"\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|[0-9a-fA-F]")
        + r"(?:%[\w.\-]*[\w\-])?(?!\w|:[\w:]|\.\w)")


def _ip6_sub(sub: Callable[[Any, str], str], repl: str, content: str, one_case: bool = False) -> str:
    """:data:`_IP6`'s ``sub`` of ``content``, run only where an address may be: each has a ``::``
    or six colons at least (eight groups; six and an IPv4 address). Most messages have neither
    (HDFS's, a port's one colon), and the regex, tried at every token, made parsing them a
    quarter slower (100k HDFS lines: 1.09 s -> 1.36 s); the result is the same. With
    ``one_case`` (rules 5), a match of both small and capital letters is kept as it is: an
    address is written in one case (RFC 5952's small letters, or a tool's capitals), while a
    C++ name of hex letters and a digit (``CDB::Add1``, ``DB::Fe3``) was masked as ``<IP>``.

    Examples
    --------
    >>> rx = re.compile(_IP6)
    >>> _ip6_sub(rx.sub, "<IP>", "CDB::Add1 failed", one_case=True), _ip6_sub(rx.sub, "<IP>", "CDB::Add1")
    ('CDB::Add1 failed', '<IP>')
    >>> _ip6_sub(rx.sub, "<IP>", "from FE80::1%Eth0 and 2001:db8::7", one_case=True)
    'from <IP> and <IP>'
    """
    if "::" not in content and content.count(":") < 6:
        return content
    if not one_case:
        return sub(repl, content)

    def masked(m: re.Match[str]) -> str:
        address = m.group(0).split("%", 1)[0]  # (a zone, '%Eth0', is a name: any case)
        return m.group(0) if address.lower() != address and address.upper() != address else repl

    return sub(masked, content)


# A date-time as ISO 8601 / RFC 3339 write it, or its date alone (rules 6): ``2026-12-01T10:00:00Z``,
# ``2026-12-01T10:00:00.123456789+00:00``, ``2026-12-01 10:00:00,123`` (log4j's, Python's), the
# time a structured logger puts in each message (logrus' ``time="..."``, zap's and slog's JSON
# ``"ts"``), or a line of ``kubectl logs --timestamps`` read whole. The numbers mask took only its
# year and minutes (``<NUM>-12-01T10:<NUM>:00Z``): the month, day, hour and seconds stayed text,
# so the same message at another second was another token, a template per occurrence for a short
# message (three tokens or fewer: Drain's 0.7 similarity allows no differing one) and an unknown
# template when scored at another time. What follows it may be a colon ending a clause
# ('2026-12-01 10:00:00,123: INFO ...', 'valid until 2026-12-01T10:00:00Z: renew'), and its
# parts are taken whole (possessive: no match cut short before its seconds or fraction,
# '<TIME>.123Z:', '<TIME> <NUM>:<NUM>:<NUM>:', text that differs at each second). A date whose
# time runs on into text none of this takes ('2026-12-01 10:00:00:123', '2026-12-01 12:30pm') is
# a <TIME> alone, before its blank, as before rules 6 took a date-time whole (without the last
# alternative it was none, month and day kept as text, a template per day).
_TIME = (r"(?<![\w.\-:])\d{4}-\d\d-\d\d"
         r"(?:(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?+)?+(?:Z|[+-]\d\d(?::?\d\d)?+)?+)?+(?![\w\-+]|:\w)"
         r"|(?= ))")

# A time zone's abbreviation, as tzdata names zones ('CET', 'CEST', 'EST', 'AEDT'; PostgreSQL's %m
# and %t write log_timezone's so, 2024-03-01 08:00:01.123 CET, as do date(1) and Java's
# Date.toString(), 'Fri Jun 17 07:07:00 CEST 2005'), for the date-times below
_ZONE_NAME = (r"(?:UTC|GMT|WET|WEST|CET|CEST|MET|MEST|EET|EEST|MSK|BST|IST|IDT|EST|EDT|CST|CDT|MST|MDT"
              r"|PST|PDT|AKST|AKDT|HST|HDT|AST|ADT|NST|NDT|JST|KST|HKT|WIB|WITA|WIT|PKT|SAST|CAT|EAT"
              r"|WAT|AEST|AEDT|ACST|ACDT|AWST|NZST|NZDT|ChST|SST)")
# With rules 8 a date-time as _TIME takes it and the zone's abbreviation after it, its offset
# before that perhaps, as Go's time.String() writes it ('2024-03-01 08:00:01.123 CET',
# '2024-07-01 10:00:00.5 +0200 CEST'), is one <TIME>: the name was kept as text ('<TIME> CET'),
# and it changes with daylight saving time, so a PostgreSQL log read whole (its %m stamp in the
# message) had one template per message in winter (CET) and another in summer (CEST), a model
# trained in the one finding every line of the other unknown
_TIME_RULES7 = _TIME
_TIME = (r"(?<![\w.\-:])\d{4}-\d\d-\d\d"
         r"(?:(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?+)?+(?:Z|[+-]\d\d(?::?\d\d)?+)?+"
         rf"(?: (?:[+-]\d{{4}} )?{_ZONE_NAME}(?![\w\-+]|:\w))?+)?+(?![\w\-+]|:\w)"
         r"|(?= ))")
# A date-time with the month's English name (rules 8), as C's ctime() and asctime(), date(1) and
# Java's Date.toString() write it ('Fri Jun 17 07:07:00 2005', 'Mon Mar 04 08:00:01 CET 2024': a
# weekday perhaps, a zone's abbreviation or offset perhaps, the year perhaps: a BSD syslog stamp,
# 'Jun 17 07:07:00', in a line read whole), or as web servers' and proxies' common log format
# writes it ('01/Mar/2024:08:00:01 +0000', nginx's $time_local, Apache's %t, HAProxy's accept date
# with its milliseconds, '[01/Mar/2024:08:00:01.123]'), or as Oracle does (its listener.log's
# '01-MAR-2024 08:00:01', its default timestamp layout, '01-MAR-24 08.00.04.475912 AM'). The
# numbers mask took its numbers only,
# and the month's and weekday's names stayed in the template ('at Fri Jun <NUM> <NUM>:<NUM>:<NUM>
# <NUM>', '[<NUM>/Mar/<NUM>:<NUM>:<NUM>:<NUM>]'): a model trained in June found every such line
# of July an unknown template (all 747 of Loghub Linux's ftpd connections after a fit on its June)
_MONTH_NAME = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_NAMED_TIME = (r"(?<![\w.\-:/])(?:"
               rf"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? )?{_MONTH_NAME} +\d{{1,2}} \d\d:\d\d:\d\d(?:[.,]\d+)?+"
               rf"(?: (?:{_ZONE_NAME}|[+-]\d{{4}})(?= \d{{4}}(?!\w)))?+(?: \d{{4}}(?!\w))?+"
               rf"|\d{{1,2}}/{_MONTH_NAME}/\d{{4}}:\d\d:\d\d:\d\d(?:[.,]\d+)?+(?: [+-]\d{{4}})?+"
               rf"|\d{{1,2}}-(?:{_MONTH_NAME}|{_MONTH_NAME.upper()})-\d{{2}}(?:\d{{2}})? \d\d([:.])\d\d\1\d\d"
               r"(?:[.,]\d+)?+(?: [AP]M)?+)"
               r"(?![\w\-+]|:\w)")

# A number with a unit (rules 6): a duration as Go and most services write it (``15ms``, ``1.5s``,
# ``2m30s``, ``150µs``) or a size (``512Mi``, ``1.5GiB``, the kernel OOM killer's ``8000000kB``).
# No unit is a hex digit (no days' ``d``, bytes' bare ``B``, exabytes): a MAC's ``4d`` is none.
# The numbers mask takes no number followed by a letter (``v2``, ``x86``), so these stayed text:
# ``request took 15ms`` and ``request took 27ms`` were two templates (three tokens: Drain's 0.7
# similarity allows none to differ), and each later value a template never seen in training.
# It is the plain number's expression with an optional unit after the number, tried only where a
# unit's first letter follows (one scan of each message at about the plain one's cost; a pass of
# its own, with a search for a digit before a unit letter first, cost a tenth of the parse)
# (And, as _IP4 below, a number at a sentence's end, before a full stop: ``port 22.``; the
# numbers mask of rules 5 and before, _NUM_RULES5, takes none.)
_NUM_RULES5 = r"(?<![\w.\-])[-+]?\d+(?:\.\d+)?(?![\w.])"
_UNITS = r"(?:ms|us|\u00b5s|\u03bcs|ns|min|h|m|s)"
_UNIT_NUM = (r"(?<![\w.\-])[-+]?\d+(?:\.\d+)?(?:(?=[munshkKMGTP\u00b5\u03bc])"
             rf"(?:{_UNITS}(?:\d+(?:\.\d+)?{_UNITS})*|[kKMGTP]i?B?))?(?!\w|\.\w)")

#: What a match of a mask holds (:data:`_TIME`; :data:`_MAC` below), found at a fraction of the
#: cost of its own expression (tried at every position of every message with a digit or a colon):
#: a message without it is left as it is, the same result.
_HINTS: dict[str, Callable[[str], object]] = {_TIME: re.compile(r"-\d\d-\d\d").search}
_HINTS[_TIME_RULES7] = _HINTS[_TIME]
_CLOCK_HINT = re.compile(r":\d\d:\d\d").search  # (a clock: ctime(), the common log format, Oracle's listener)
_ORACLE_HINT = re.compile(r"-[A-Z]{3}-\d\d").search  # (Oracle's date, before a clock parted by full stops)


def _named_time_hint(content: str) -> bool:
    """Whether ``content`` may hold a date-time with the month's name (:data:`_NAMED_TIME`): a
    clock parted by colons, or Oracle's date ('01-MAR-24') before one parted by full stops.

    Examples
    --------
    >>> _named_time_hint("at Fri Jun 17 07:07:00 2005"), _named_time_hint("at 01-MAR-24 08.00.04 AM")
    (True, True)
    >>> _named_time_hint("Receiving block <BLK> src: /<IP> dest: /<IP>")
    False
    """
    return _CLOCK_HINT(content) is not None or ("-" in content and _ORACLE_HINT(content) is not None)


_HINTS[_NAMED_TIME] = _named_time_hint


def _hinted_sub(sub: Callable[[str, str], str], hint: Callable[[str], Any], repl: str, content: str) -> str:
    """``sub`` of ``content`` where ``hint`` finds what a match needs, else ``content`` as it is.

    Examples
    --------
    >>> sub, hint = re.compile(_TIME).sub, _HINTS[_TIME]
    >>> _hinted_sub(sub, hint, "<TIME>", "at 2026-12-01T10:00:00Z"), _hinted_sub(sub, hint, "<TIME>", "v2")
    ('at <TIME>', 'v2')
    """
    return sub(repl, content) if hint(content) else content

# A hardware (MAC) address (rules 6): six or more two-digit hex groups parted by colons, as
# netfilter's ``MAC=`` (destination, source and EtherType: 14 groups), dhcpd, hostapd and
# NetworkManager write them. Unmasked, the numbers mask took its groups of digits only and left
# those with a letter (``MAC=<NUM>:<NUM>:...:aa:bb:<NUM>``): each host's MAC a template of its own,
# a new LAN host's every firewall line an unknown template when scored. (Before the IPv6 mask:
# eight two-digit groups would be taken for an address.) As an IPv4 address, one at a
# sentence's end, before a full stop ('Deauthenticated from 00:11:22:33:44:55.'), is one too.
_MAC = r"(?<![\w:.\-])[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5,}(?![\w\-]|[.:]\w)"


def _five_colons(content: str) -> bool:
    """Whether ``content`` has the five colons a MAC address holds (HDFS's ``host:port`` lines
    have one or two; tried at every colon, the MAC mask made parsing a tenth slower).

    Examples
    --------
    >>> _five_colons("MAC=00:1a:2b:3c:4d:5e"), _five_colons("from 10.0.0.1:50010")
    (True, False)
    """
    return content.count(":") >= 5


_HINTS[_MAC] = _five_colons

# A MAC address (rules 7) as above, or as Windows writes it, six two-digit hex groups parted by
# dashes (``00-1A-2B-3C-4D-5E``: getmac, the DHCP server's audit log, Windows events): rules 6
# masked such a MAC's groups of digits only, a template per device as before the colon form's mask
_MAC_RULES6 = _MAC
_MAC = (r"(?<![\w:.\-])(?:[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5,}|[0-9a-fA-F]{2}(?:-[0-9a-fA-F]{2}){5})"
        r"(?![\w\-]|[.:]\w)")


def _five_parts(content: str) -> bool:
    """Whether ``content`` has the five colons or dashes a MAC address holds (:func:`_five_colons`).

    Examples
    --------
    >>> _five_parts("client 00-1A-2B-3C-4D-5E"), _five_parts("on 2026-12-01")
    (True, False)
    """
    return content.count(":") >= 5 or content.count("-") >= 5


_HINTS[_MAC] = _five_parts

# An IPv4 address (and port) and a number (_UNIT_NUM), as rules 6 mask them: one at a
# sentence's end, followed by a full stop ('by 10.0.0.5 port 22.', Azure Firewall's 'to
# 10.0.0.9:53. Action: Deny'), is one too; before (rules 5 and earlier, _IP4_RULES5,
# _NUM_RULES5) any '.' after it kept it from matching (as in a version, '1.2.3', which still is
# none): its value stayed in the template, a template per port, and a port never seen in
# training an unknown template
_IP4 = r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?!\w|\.\w)"
_IP4_RULES5 = r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![\w.])"
# An id or hash in bare hex (``003a90fc``, ``113d3a99c3da401f``): 8+ hex digits, a letter and a
# digit among them (so no word and no decimal number); with rules 6 one before a full stop too
# (CentOS 7's systemd: 'Started libcontainer container 4f66ad9a0b2e...'), as an address is
_HEX_ID = r"(?<![\w.\-])(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}(?![\w\-]|\.\w)"
_HEX_ID_RULES5 = r"(?<![\w.\-])(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}(?![\w.\-])"
# The number of a numbered name (``core.2275``, ``messages.3``); with rules 6 one before a full
# stop too ('generating core.2275.'), as a number is; one running on (``messages.3.gz``) none
_NUMBERED = r"(?<=[A-Za-z]\.)\d+(?!\w|\.\w)"
_NUMBERED_RULES5 = r"(?<=[A-Za-z]\.)\d+(?![\w.])"
# A mail server's message id (rules 7): Postfix's long queue id (enable_long_queue_ids: the time
# in seconds and microseconds in its 52-letter alphabet, digits and consonants, then 'z', then the
# inode number in that alphabet but 'z': '3Pt2mN2VXxznjll'), Sendmail's ('wB1GQ0v3012345': year,
# month, day, hour, minute, second, a sequence in base 60, then the pid) and Exim's
# ('1tAbCd-000123-Ab', Exim 4.97's '1tAbCd-00000000123-Ab0x': its first part, the time in base
# 62, holds a digit, so words of that shape, 'system-update-v2', are none). The one at the start of each
# Postfix or Sendmail line and Exim's 'Completed' line was a token with a digit in a short message
# ('4Bq1xY2zZ3z: removed'), so a template per message, every one unknown when scored. (Postfix's
# short queue ids, in hex, are <HEX> already; a vowel is no letter of a long one, so no word is.)
_MAIL_ID = (r"(?<![\w.\-])(?:[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,}z[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]*+"
            r"|(?=[0-9]{0,7}[A-Za-x])[0-9A-Za-x][0-9AB][1-9A-V][0-9A-N][0-9A-Za-x]{4}\d{5,}+"
            r"|(?=[A-Za-z]{0,5}\d)[0-9A-Za-z]{6}-(?:[0-9A-Za-z]{6}-[0-9A-Za-z]{2}|[0-9A-Za-z]{11}-[0-9A-Za-z]{4}))"
            r"(?![\w\-]|\.\w)")
# What a mail id holds (_mail_id_hint; the full expression, tried at every position of every
# message, made rules 7 parsing a fifth slower than rules 6 on HDFS and OpenSSH): a Postfix id's
# 'z' after ten letters of its alphabet; an Exim id's first six letters (a digit among them), its
# '-' and six more; a Sendmail id's last letter of its first eight (its other letters are of the
# same alphabet, so the letter last of them is followed by digits only) and five digits after it.
# The first two are sought only where a 'z' or a '-' is, and each from that letter (one search
# from every digit cost HDFS's lines, full of digits, 3 ms a 1,000). Only an ASCII message is
# looked at so ('[0-9]'; _MAIL_ID's '\d' takes other digits too).
_POSTFIX_ID_HINT = re.compile(r"z(?<=[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10}z)")
_EXIM_ID_HINT = re.compile(r"-(?<=[0-9A-Za-z]{6}-)(?<![A-Za-z]{6}-)[0-9A-Za-z]{6}")
_SENDMAIL_ID_HINT = re.compile(r"[A-Za-x][0-9]{5}")


def _mail_id_hint(content: str) -> bool:
    """Whether ``content`` may hold a mail server's message id (:data:`_MAIL_ID`): not when
    it is ASCII text without what each kind of id holds (``_POSTFIX_ID_HINT``,
    ``_EXIM_ID_HINT``, ``_SENDMAIL_ID_HINT``).

    Examples
    --------
    >>> _mail_id_hint("jA9J1UvC004306: from=root"), _mail_id_hint("Receiving block <BLK> size 67108864")
    (True, False)
    >>> _mail_id_hint("4dKmFW3h6Pz15qjQ: removed"), _mail_id_hint("1tAbCd-000123-Ab Completed")
    (True, True)
    """
    return (not content.isascii() or _SENDMAIL_ID_HINT.search(content) is not None
            or ("z" in content and _POSTFIX_ID_HINT.search(content) is not None)
            or ("-" in content and _EXIM_ID_HINT.search(content) is not None))


_HINTS[_MAIL_ID] = _mail_id_hint

# A message's Message-ID header as a mail server logs it (rules 7): Postfix's cleanup
# ('4Bq...: message-id=<CAF3x+Q=abc@mail.gmail.com>'), Sendmail's and Dovecot's LMTP delivery
# ('msgid=<...>: saved mail to INBOX'). Each is its message's own, and in a line of two tokens
# Drain could not make it a parameter: a template per message (198 in 200 cleanup lines).
_MESSAGE_ID = r"(?:(?<=message-id=)|(?<=msgid=))<[^<>\s]+>"
# An e-mail address (rules 7): Postfix's 'to=<alice@example.org>,' is the second token of every
# delivery line and Dovecot's 'imap(alice@example.org):' the first of its own, the two tokens
# Drain's prefix tree branches on, so each address without a digit was a template of its own (a
# mailbox never seen in training an unknown one). Its domain ends in a label starting with a letter
# (no 'pkg@1.2.3', no Java's 'Object@6d06d69c') other than a systemd unit's type (a template
# unit's instance, 'getty@tty1.service', 'user@1000.service', is none); a 'key=' before it is no
# part of it.
_EMAIL = (r"(?<![\w.+\-])[\w.+\-]+@(?:[A-Za-z0-9\-]+\.)+"
          r"(?!(?:service|socket|target|timer|mount|automount|slice|scope|path|device|swap)(?![\w\-]|\.\w))"
          r"[A-Za-z][A-Za-z0-9\-]*(?![\w\-]|\.\w)")

# A host name before its address in brackets (rules 7), as Postfix names a client or relay
# ('connect from mail-ej1-f54.google.com[209.85.218.54]', 'client=...[...]'): a line of three
# tokens, so one of them other in each line was a template per host (Drain merges at 0.7 alike),
# every host never seen in training an unknown template. A name with a full stop only, so the
# 'unknown' of a client without reverse DNS, and a short name ('localhost'), stay as they are.
_HOST = r"(?<![\w.\-])[A-Za-z0-9][\w\-]*+(?:\.[\w\-]++)++(?=\[<IP>\])"

# Applied in this order; each match becomes ``<NAME>`` in the template.
DEFAULT_MASKS: tuple[tuple[str, str], ...] = (
    ("ID", _MESSAGE_ID),  # (rules 7; first: the other masks took parts of it, '<<NUM>@gmail.com>')
    ("EMAIL", _EMAIL),  # (rules 7)
    ("BLK", r"blk_-?\d+"),
    ("MAC", _MAC),  # (rules 6; with dashes, rules 7)
    ("IP", _IP6),  # (an IPv6 address is an <IP>, as an IPv4 one is: one template for both)
    ("IP", _IP4),
    ("HOST", _HOST),  # (rules 7; after the addresses, which it comes before)
    ("HEX", r"(?<![\w])0[xX][0-9a-fA-F]+(?![\w])"),
    ("PATH", r"(?<![\w.])(?:/[\w.\-]+){2,}/?"),
    # (UUIDs and numbered names after PATH: one in a path ('/tmp/attempt_..._0/file.out') is
    # part of the path's <PATH>, not a mask splitting it ('<PATH><ID>/file.out'))
    # a UUID (OpenStack's instance and request ids): the parts after a first one of digits only
    # were no part of the <NUM> that took it, and a template was learnt per id
    ("UUID", r"(?<![\w])[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}(?![\w\-])"),
    # a name with numbered parts (Hadoop's and Spark's attempt_1445144423722_0020_m_000000_0,
    # container_..., task_..., rdd_42_32): unmasked, a message holding one and a word or two
    # ('Launching attempt_...', 'attempt_...: Committed') was a template per id
    # (one pattern with no two ways to match a text: as '(?:_[A-Za-z]*\d[A-Za-z\d]*)+(?:_\w+)*',
    # whose '_\w+' takes '_' too, a word of n '_' parts before a '-' ('x_1_a_a..._a-z') was tried
    # in 2**n ways, a line taking minutes; the same matches)
    ("ID", r"(?<![\w.\-])[A-Za-z]++_[A-Za-z]*+\d[A-Za-z\d]*+(?:_\w+)?+(?![\w\-])"),
    ("ID", _MAIL_ID),  # (rules 7) a mail server's message id: Postfix, Sendmail, Exim
    ("HEX", _HEX_ID),  # an id or hash in bare hex
    ("TIME", _NAMED_TIME),  # (rules 8) a date-time with the month's name: ctime(), the common log format
    ("TIME", _TIME),  # (rules 6; before the numbers, which took only its year and minutes; rules 8: its zone)
    ("NUM", _UNIT_NUM),  # (rules 6: a number, or a duration or size: 15ms, 1.5s, 2m30s, 512Mi, 8000000kB)
    ("NUM", _NUMBERED),  # a numbered name: core.2275, messages.3
)

# Masks new with ``rules=8``: date-times with the month's name (ctime(), the common log format).
_RULES8_ONLY = (_NAMED_TIME,)

# The default masks of a parser with ``rules=7``: those of ``rules=8`` but the masks new with it
# (_RULES8_ONLY), and a date-time's zone name after it none.
_RULES7_MASKS: tuple[tuple[str, str], ...] = tuple(
    (name, {_TIME: _TIME_RULES7}.get(rx, rx)) for name, rx in DEFAULT_MASKS
    if rx not in _RULES8_ONLY)

# Masks new with ``rules=7``: mail servers' message ids, Message-IDs, e-mail addresses and host
# names before their address in brackets.
_RULES7_ONLY = (_MAIL_ID, _MESSAGE_ID, _EMAIL, _HOST)

# The default masks of a parser with ``rules=6``: those of ``rules=7`` but the masks new with it
# (_RULES7_ONLY), MACs parted by dashes, and IPv6 addresses before a colon or with a port.
_RULES6_MASKS: tuple[tuple[str, str], ...] = tuple(
    (name, {_MAC: _MAC_RULES6, _IP6: _IP6_RULES6}.get(rx, rx)) for name, rx in _RULES7_MASKS
    if rx not in _RULES7_ONLY)

# The default masks of a parser with ``rules=4`` or ``5``: those of ``rules=6`` but MAC addresses,
# date-times and numbers with a unit, and an address, hex id or number before a full stop none.
_RULES5_MASKS: tuple[tuple[str, str], ...] = tuple(
    (name, {_IP4: _IP4_RULES5, _IP6: _IP6_RULES5, _HEX_ID: _HEX_ID_RULES5,
            _UNIT_NUM: _NUM_RULES5, _NUMBERED: _NUMBERED_RULES5}.get(rx, rx))
    for name, rx in DEFAULT_MASKS
    if rx not in (_TIME, _MAC, *_RULES7_ONLY, *_RULES8_ONLY))

# The default masks of a parser with ``rules=3``: those of ``rules=4`` but IPv6 addresses.
_RULES3_MASKS: tuple[tuple[str, str], ...] = tuple(m for m in _RULES5_MASKS if m[1] != _IP6_RULES5)

# The default masks of a parser with ``rules=2``: those of ``rules=3`` but UUIDs and numbered
# names (``attempt_..._0``).
_RULES2_MASKS: tuple[tuple[str, str], ...] = tuple(m for m in _RULES3_MASKS if m[0] not in ("UUID", "ID"))

# The default masks of a parser with ``rules=1`` (all parsers saved before ``rules`` existed).
LEGACY_MASKS: tuple[tuple[str, str], ...] = (
    ("BLK", r"blk_-?\d+"),
    ("IP", r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![\w.])"),
    ("HEX", r"(?<![\w])0[xX][0-9a-fA-F]+(?![\w])"),
    ("PATH", r"(?<![\w.])(?:/[\w.\-]+){2,}/?"),
    ("NUM", r"(?<![\w.\-])[-+]?\d+(?:\.\d+)?(?![\w.])"),
)

RULES = 11  # the parsing rules of a new parser (see LogParser's ``rules``)

# rsyslog's reduction of repeated messages ($RepeatedMsgReduction on: Debian's and Ubuntu's
# configuration for years): a message sent again and again is written once, then as
# 'sshd[812]: message repeated 3 times: [ Failed password for root from 10.0.0.9 port 22 ssh2]'
# (the message cut at 800 characters); with rules 5 such a line is the message it repeats,
# that many times (at most MAX_REPEATS), as the log would have held it without the reduction
_REPEATED = re.compile(r"(?s)message repeated (\d{1,9}) times: \[ ?(.*)\]")
#: the most events one 'message repeated N times' line stands for (a line cannot make a read
#: hold millions of events)
MAX_REPEATS = 10_000
# sysklogd's (busybox's, the BSDs') form of the reduction: the host's header, no program tag,
# 'Jun 14 15:16:05 web1 last message repeated 3 times', the repeat of that host's message just
# before it; with rules 5 it reads as rsyslog's form of that message under its tag would
_LAST_REPEATED = re.compile(r"(?P<head>.* (?P<host>\S+)) last message repeated (?P<n>\d{1,9}) times?\s*")
# macOS's syslogd's form (/var/log/system.log): the time, no host and no tag, 'Dec 13 11:59:06
# --- last message repeated 1 time ---', the repeat of the log's message just before it; with
# rules 10 it reads as rsyslog's form of that message under its host and tag would
_MAC_REPEATED = re.compile(r"(?P<head>.*?) --- last message repeated (?P<n>\d{1,9}) times? ---\s*")
#: the hosts whose last message a read keeps for such repeats (past it they start again)
_LAST_HOSTS = 10_000
#: the last message of each host so far: its line's header match (the text between its host
#: and its message is the tag, `` sshd[812]: ``) and the message
LastMessages = dict[str, tuple[re.Match[str], str]]


def _repeat_of(line: str, header: re.Pattern[str], last: LastMessages,
               mac: bool = False) -> re.Match[str] | None:
    """The header match of sysklogd's ``<header> web1 last message repeated 3 times`` as rsyslog
    writes that repeat (``<header> web1 sshd[812]: message repeated 3 times: [ <message>]``),
    from ``last``, the host's last message; ``None`` for another line, or one whose host's last
    message is not known (counted as a line that matches no header, as before).

    Examples
    --------
    >>> header = re.compile(LOG_FORMATS["syslog"][0])
    >>> last = {"web1": (header.match("Jun 14 15:16:01 web1 sshd[812]: Failed password for root"),
    ...                  "Failed password for root")}
    >>> m = _repeat_of("Jun 14 15:16:05 web1 last message repeated 3 times", header, last)
    >>> m["time"], m["component"], m["pid"], m["content"]
    ('15:16:05', 'sshd', '812', 'message repeated 3 times: [ Failed password for root]')
    >>> _repeat_of("Jun 14 15:16:05 web2 last message repeated 3 times", header, last) is None
    True

    With ``mac``, macOS's form too, ``Jun 14 15:16:05 --- last message repeated 1 time ---``
    (:data:`_MAC_REPEATED`): the repeat of the log's last message, ``last[""]``.

    >>> last[""] = last["web1"]
    >>> m = _repeat_of("Jun 14 15:16:05 --- last message repeated 1 time ---", header, last, mac=True)
    >>> m["host"], m["component"], m["content"]
    ('web1', 'sshd', 'message repeated 1 times: [ Failed password for root]')
    """
    rm = _LAST_REPEATED.fullmatch(line)
    prev = None if rm is None else last.get(rm["host"])
    head = None if rm is None else rm["head"]
    if rm is None and mac and (rm := _MAC_REPEATED.fullmatch(line)) is not None:
        prev = last.get("")  # (no host: the log's message before it, under its host)
        if prev is not None and prev[0]["host"] is not None:
            head = f"{rm['head']} {prev[0]['host']}"
    if prev is None or head is None or rm is None:
        return None
    was, message = prev
    tag = was.string[was.end("host"):was.start("content")]
    return header.match(f"{head}{tag}message repeated {rm['n']} times: [ {message}]")


def unrepeated(content: str) -> tuple[str, int]:
    """The message rsyslog's ``message repeated N times: [ ...]`` stands for, and how many
    times it was sent (at most :data:`MAX_REPEATS`); any other message as it is, once.

    Examples
    --------
    >>> unrepeated("message repeated 3 times: [ Failed password for root from 10.0.0.9 port 22 ssh2]")
    ('Failed password for root from 10.0.0.9 port 22 ssh2', 3)
    >>> unrepeated("session opened for user root")
    ('session opened for user root', 1)
    """
    m = _REPEATED.fullmatch(content) if content.startswith("message repeated ") else None
    if m is None:
        return content, 1
    return m.group(2), min(max(int(m.group(1)), 1), MAX_REPEATS)


# What a built-in mask cannot match without: a text (or None) and whether a digit; a message
# lacking it skips the mask's regular expression, the same result at a fraction of the cost
# (masking is most of parsing). The built-in masks only ever take digits away, so a message
# without a digit at first has none later (a user mask whose name holds a digit turns the digit
# check off for the masks after it).
_NEEDS: dict[str, tuple[str | None, bool]] = {
    r"blk_-?\d+": ("blk_", True),
    _MESSAGE_ID: ("id=<", False),
    _EMAIL: ("@", False),
    _HOST: ("[<IP>]", False),
    _MAC_RULES6: (":", False),  # (one of letters a-f only has no digit)
    _IP6: (":", True),
    _IP6_RULES6: (":", True),
    _IP6_RULES5: (":", True),
    dict(_RULES6_MASKS)["UUID"]: ("-", False),  # UUID (one of letters a-f only has no digit)
    dict(_RULES6_MASKS)["ID"]: ("_", True),  # ID (a numbered name)
    r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![\w.])": (".", True),
    _IP4: (".", True),
    r"(?<![\w])0[xX][0-9a-fA-F]+(?![\w])": ("0", True),
    r"(?<![\w.])(?:/[\w.\-]+){2,}/?": ("/", False),
    _HEX_ID: (None, True),
    _HEX_ID_RULES5: (None, True),
    _TIME: ("-", True),
    _TIME_RULES7: ("-", True),
    _NAMED_TIME: (None, True),
    _UNIT_NUM: (None, True),
    _NUM_RULES5: (None, True),
    _NUMBERED: (".", True),
    _NUMBERED_RULES5: (".", True),
}
_DIGIT = re.compile(r"\d")


@dataclass
class ParseStats:
    """What happened to the lines: counts reported to the user (and the first bad line).

    Examples
    --------
    >>> lines = ["081109 203615 148 INFO dfs.DataNode: PacketResponder 1 for block blk_38 done",
    ...          "garbage line", ""]
    >>> stats = LogParser("hdfs").fit(lines).stats_
    >>> stats.lines, stats.parsed, stats.unmatched, stats.blank, stats.first_unmatched
    (3, 1, 1, 1, 2)
    """

    lines: int = 0
    parsed: int = 0
    unmatched: int = 0
    bad_encoding: int = 0
    blank: int = 0
    unknown_template: int = 0
    first_unmatched: int | None = None
    #: the first unmatched line, what it is and what was expected (for an error naming it)
    first_unmatched_reason: str | None = None
    #: the bytes of a file's first line that is no UTF-8 (the code page its warning names)
    first_bad_bytes: bytes | None = None

    def to_dict(self) -> dict[str, Any]:
        """The counts (and ``first_unmatched``), not the text of a line.

        Examples
        --------
        >>> lines = ["081109 203615 148 INFO dfs.DataNode: PacketResponder 1 for block blk_38 done",
        ...          "garbage line", ""]
        >>> LogParser("hdfs").fit(lines).stats_.to_dict()  # doctest: +NORMALIZE_WHITESPACE
        {'lines': 3, 'parsed': 1, 'unmatched': 1, 'bad_encoding': 0, 'blank': 1, 'unknown_template': 0,
         'first_unmatched': 2}
        """
        return {k: v for k, v in self.__dict__.items()
                if k not in ("first_unmatched_reason", "first_bad_bytes")}

    def summary(self) -> str:
        """One line for the log, e.g. ``2000 lines: 2000 parsed, 0 unmatched, ...``.

        Examples
        --------
        >>> lines = ["081109 203615 148 INFO dfs.DataNode: PacketResponder 1 for block blk_38 done",
        ...          "garbage line", ""]
        >>> print(LogParser("hdfs").fit(lines).stats_.summary())  # doctest: +NORMALIZE_WHITESPACE
        3 lines: 1 parsed, 1 matched no header format, 0 with bad encoding (replaced), 1 blank,
        0 with an unknown template
        """
        return (f"{self.lines} lines: {self.parsed} parsed, {self.unmatched} matched no header "
                f"format, {self.bad_encoding} with bad encoding (replaced), {self.blank} blank, "
                f"{self.unknown_template} with an unknown template")


class TooLongLine(str):
    """What :func:`read_lines` gives for a line longer than :data:`MAX_LINE_BYTES`: an empty
    text (the line's bytes were read past, not kept: a file without line breaks cannot fill
    memory) that knows the line's ``length`` in bytes; the parser counts it as a line that
    matches no header.

    Examples
    --------
    >>> line = TooLongLine(20_000_000)
    >>> line, line.length
    ('', 20000000)
    """

    length: int

    def __new__(cls, length: int) -> TooLongLine:
        line = super().__new__(cls, "")
        line.length = length
        return line


def _bounded(readline: Any, limit: int, end: Any) -> Iterator[Any]:
    """The lines ``readline`` gives, each of at most ``limit`` units (bytes, or characters of a
    text stream whose lines end with ``end``); a longer one is read past in pieces and given as
    :class:`TooLongLine` (its length counted in the stream's units, its line break not, as
    ``stream`` counts a line)."""
    while True:
        raw = readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(end):
            yield raw
            continue
        size = len(raw)
        while raw and not raw.endswith(end):  # the rest of the long line, a piece at a time
            raw = readline(1 << 20)
            size += len(raw)
        yield TooLongLine(size - len(end) if raw.endswith(end) else size)


# the magic bytes of compressed files other than gzip, and the tool that writes their text out
# (bzip2: 'BZh', a level digit, then a block's or the end's magic; zstd: a frame, or the skippable
# frame pzstd writes first)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # a terminal's colour (SGR) or other CSI code
# the lines macOS's 'log show' writes around its events: the predicate it filters by, its column
# header (of each --style: syslog's '(process)[PID]', the default's 'Thread Type Activity PID TTL',
# compact's 'Ty Process[PID:TID]') and the summary after them ('Log      - Default: 120, Info: ...')
_LOG_SHOW_OWN = re.compile(r"Filtering the log data using |Skipping info and debug messages|"
                           r"Timestamp +(?:\(process\)\[PID\]|Thread +Type|Ty +Process\[PID:TID\])|"
                           r"-{40,}\s*$|Log +- Default: |Activity - Create: |Boot +- Boot: |"
                           r"Signpost - Event: |SoftFault - Fault: ")
# a line of 'log show' in its default style ('2024-05-01 08:00:01.336000-0700 0xb1ff0    Default
# 0x0    812    0    sshd: ...') or its compact one ('2024-05-01 08:00:01.336 Df sshd[812:b1ff0] ...')
_LOG_SHOW_STYLE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+(?:[+-]\d{4})? "
                             r"(?:0x[0-9a-f]+ +[A-Z][a-z]+ |[A-Z][a-z ] \S[^\[]*\[\d+:[0-9a-f]+\] )")
_PACKED = ((re.compile(rb"BZh[1-9](1A|\x17r)"), "bzip2", "bzcat"),
           (re.compile(rb"\xfd7zXZ\x00"), "xz", "xzcat"),
           (re.compile(rb"\x28\xb5\x2f\xfd|[\x50-\x5f]\x2a\x4d\x18"), "zstd", "zstdcat"),
           (re.compile(rb"PK\x03\x04"), "zip", "unzip -p"))


def compressed_kind(head: bytes) -> tuple[str, str] | None:
    """The compression (other than gzip, which is read directly) of a file or stream whose first
    bytes (6 are enough) are ``head``, and the tool that writes its text out; ``None`` for text.

    Examples
    --------
    >>> import bz2
    >>> compressed_kind(bz2.compress(b"x\\n")[:6]), compressed_kind(b"BZh9 open")
    (('bzip2', 'bzcat'), None)
    >>> compressed_kind(b"\\x50\\x2a\\x4d\\x18\\x04\\x00")  # pzstd's first frame
    ('zstd', 'zstdcat')
    """
    return next(((name, tool) for magic, name, tool in _PACKED if magic.match(head)), None)


def tar_member(head: bytes) -> str | None:
    """The name of the first file in a tar archive whose first bytes (512 are enough, decompressed
    for a ``.tar.gz``) are ``head``; ``None`` for anything else. An archive's bytes read as text
    made its header part of the first line and its padding NULs, dropped, a blank one.

    Examples
    --------
    >>> import io, tarfile
    >>> buf, data = io.BytesIO(), b"a,b\\n1,2\\n"
    >>> with tarfile.open(fileobj=buf, mode="w") as tar:
    ...     info = tarfile.TarInfo("flows.csv"); info.size = len(data)
    ...     tar.addfile(info, io.BytesIO(data))
    >>> tar_member(buf.getvalue()[:512]), tar_member(b"a,b\\n1,2\\n" * 100)
    ('flows.csv', None)

    A header is told by its magic and its checksum (as tar itself checks it): text that holds
    ``ustar`` where the magic goes (``... mustard ...``) is no archive.

    >>> text = b"time,item\\n" + b"2024-01-01," + b"a" * 235 + b"mustard\\n" * 60
    >>> text[257:262], tar_member(text)
    (b'ustar', None)

    An old (v7) archive's header has no magic (``tar --format=v7``): NULs where it goes, its
    mode and size fields octal numbers, its checksum right.

    >>> v7 = bytearray(buf.getvalue()[:512]); v7[257:] = bytes(255)
    >>> v7[148:156] = b"%06o\\x00 " % (sum(v7[:148]) + 256 + sum(v7[156:]))
    >>> tar_member(bytes(v7))
    'flows.csv'
    """
    if len(head) < 512:
        return None
    if head[257:262] != b"ustar" and not _v7_header(head):  # (POSIX and GNU tar: 'ustar\0', 'ustar ')
        return None
    try:  # the header's checksum: six or seven octal digits, then NUL and/or space
        stored = int(head[148:156].replace(b"\x00", b" ").strip() or b"-", 8)
    except ValueError:
        return None
    # the sum of the header's 512 bytes with the checksum's 8 taken as spaces; some old tars
    # summed them as signed bytes
    unsigned = sum(head[:148]) + 8 * 32 + sum(head[156:512])
    signed = unsigned - 256 * sum(1 for b in (*head[:148], *head[156:512]) if b > 127)
    if stored not in (unsigned, signed):
        return None
    return head[:100].split(b"\x00", 1)[0].decode("utf-8", "replace")


_OCTAL = re.compile(rb" *[0-7]+")  # a v7 header's number (its NULs and spaces after it stripped)


def _v7_header(head: bytes) -> bool:
    """Whether the 512 bytes ``head`` may be an old (v7) tar header, which has no magic: NULs
    where later ones write it, a name, its mode and size numbers octal (its checksum is checked
    by :func:`tar_member`)."""
    return (head[257:265] == bytes(8) and head[:1] not in b"\x00"
            and all(_OCTAL.fullmatch(head[a:b].rstrip(b"\x00 ")) is not None
                    for a, b in ((100, 108), (124, 136))))


def not_tar(path: Path, head: bytes) -> None:
    """Raise :class:`InputError` when ``head`` (a file's first bytes, decompressed) starts a tar
    archive (:func:`tar_member`), naming the archive's first file and how to read it out.

    Examples
    --------
    >>> not_tar(Path("app.log"), b"Jun 14 15:16:01 host sshd[1]: ok\\n")  # (text: nothing said)
    """
    member = tar_member(head)
    if member is not None:
        raise InputError(f"{path}: a tar archive (its first file: {member}); extract the file and "
                         f"give it, or pipe its text in as DATA - (e.g. tar -xOf FILE {member} | "
                         "hourglass ... -)")


def read_lines(path: str | os.PathLike[str], stats: ParseStats | None = None, *,
               nul: str = "") -> Iterator[str]:
    """Stream the lines of a text file (``.gz`` read directly); undecodable bytes are replaced
    by U+FFFD and counted in ``stats.bad_encoding``; NUL bytes become ``nul``: dropped (the
    padding a log truncated in place leaves), or a space for a key file, where dropping one
    would join two keys (``5\\x005`` read as 55); the byte-order marks that start a line are
    dropped, on any line (files joined into one, ``cat a.log b.log``, each saved with one). A line longer than
    :data:`MAX_LINE_BYTES` is not kept: it comes as an empty :class:`TooLongLine` (so the
    lines after it keep their numbers).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.log")
    >>> _ = open(p, "wb").write(b"ok\\nbad \\xff\\xfe byte\\n")
    >>> s = ParseStats()
    >>> list(read_lines(p, s)), s.bad_encoding
    (['ok', 'bad \\ufffd\\ufffd byte'], 1)
    """
    p = Path(path)
    if not path_exists(p):
        raise no_file(p)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a log file")
    try:
        with open(p, "rb") as probe:  # gzip by its magic bytes: 'app.log' may be compressed
            head = probe.read(6)
            gz = head[:2] == b"\x1f\x8b"
        packed = compressed_kind(head)
        if packed is not None:  # its bytes read as lines: garbage a raw or regex format learns
            raise InputError(f"{p}: {packed[0]}-compressed, and only gzip is read directly; "
                             "decompress it first and pipe the text in as DATA - (e.g. "
                             f"{packed[1]} FILE | hourglass ... -)")
        if not gz and p.name.lower().endswith(".gz") and p.stat().st_size:
            raise InputError(f"{p}: not gzip-compressed, though its name ends in .gz; rename it "
                             "without .gz (or compress it)")
        with (gzip.open if gz else open)(p, "rb") as fh:  # lines ended by a CR alone: each a line,
            first = fh.read(1 << 16)  # as the table formats' readers take them
        not_tar(p, first)  # (its header and padding were read as lines)
        cr = cr_ended(first)
        with (gzip.open if gz else open)(p, "rb") as fh:
            if fh.peek(2)[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (Windows tools write it)
                yield from _utf16_lines(fh, stats, nul)
                return
            readline = cr_lines(fh).readline if cr else fh.readline
            for raw in _bounded(readline, MAX_LINE_BYTES, b"\n"):
                if type(raw) is TooLongLine:
                    yield raw
                    continue
                if raw[-1:] != b"\n":  # the last line, no line break after it: the Ctrl-Z end
                    raw = raw.rstrip(b"\x1a")  # mark a DOS tool writes right after it is none of it
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    line = raw.decode("utf-8", errors="replace")
                    if stats is not None:
                        stats.bad_encoding += 1
                        if stats.first_bad_bytes is None:
                            stats.first_bad_bytes = bytes(raw[:4096])
                if line[:1] == "\ufeff":  # UTF-8 byte-order marks (every one), on any line: where
                    line = without_boms(line)  # a file joined to others began (cat a.log b.log)
                yield line.rstrip("\r\n").replace("\x00", nul)
    except READ_ERRORS as exc:
        raise InputError(f"{p}: cannot read ({read_problem(exc)})") from None


def not_lines(lines: object, source: str = "lines") -> None:
    """Refuse one text, a path or bytes given for lines of text: iterated, a ``str`` (a log's
    path, say) gave one line per character, learnt as templates or read as sessions without a
    word. The error names :func:`file_lines`: a file's lines that :meth:`LogParser.fit` can read
    twice (learnt, then keyed with the final templates), which a one-pass
    :func:`read_lines` cannot.

    Examples
    --------
    >>> not_lines(["a 1", "b 2"])
    >>> not_lines("app.log")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: lines: expected lines of text (a list or an iterator of str), got \
one str ('app.log'); a file's lines are hourglass.ingest.logs.file_lines(path)
    """
    if isinstance(lines, str | bytes | os.PathLike):
        raise InputError(f"{source}: expected lines of text (a list or an iterator of str), got one "
                         f"{type(lines).__name__} ({str(lines)[:40]!r}); a file's lines are "
                         "hourglass.ingest.logs.file_lines(path)")


def _utf16_lines(fh: Any, stats: ParseStats | None, nul: str = "") -> Iterator[str]:
    """The lines of a UTF-16 file with a byte-order mark; undecodable units are replaced and
    counted like bad UTF-8."""
    text = io.TextIOWrapper(fh, encoding="utf-16", errors="replace", newline=None)
    for line in _bounded(text.readline, MAX_LINE_BYTES // 2, "\n"):
        if type(line) is TooLongLine:
            line.length *= 2  # UTF-16 code units of two bytes (about)
            yield line
            continue
        if "\ufffd" in line and stats is not None:
            stats.bad_encoding += 1
        if line[:1] == "\ufeff":  # a second file's byte-order mark, as read_lines drops it
            line = without_boms(line)
        yield line.rstrip("\r\n").replace("\x00", nul)


def _tree_to_json(node: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if node.cluster_ids:
        out["ids"] = [int(i) for i in node.cluster_ids]
    if node.key_to_child_node:
        out["children"] = {k: _tree_to_json(v) for k, v in node.key_to_child_node.items()}
    return out


def _drain() -> Any:
    """The ``drain3.drain`` module, or a clear error naming the extra to install."""
    try:
        import drain3.drain
    except ImportError:
        raise InputError("parsing raw log text needs drain3: pip install 'hourglass[logs]' "
                         "(key-sequence files, format 'keys', do not)", param="format") from None
    return drain3.drain


def _tree_from_json(d: dict[str, Any]) -> Any:
    Node = _drain().Node

    node = Node()
    node.cluster_ids = [int(i) for i in d.get("ids", [])]
    node.key_to_child_node = {str(k): _tree_from_json(v) for k, v in d.get("children", {}).items()}
    return node


def _seq_distance(param: str) -> Any:
    """Drain's similarity of a template and a line's tokens, where a place the template already
    holds as a parameter counts as alike (drain3 counts it only when matching, not when
    learning): otherwise a short template with two parameters in four places (``iar <*> dear
    <*>``) can never again reach a similarity above 0.5, and each later line of that event would
    start a template of its own.

    Examples
    --------
    >>> _seq_distance("<*>")(["iar", "<*>", "dear", "<*>"], ["iar", "1", "dear", "2"], False)
    (1.0, 2)
    """
    def distance(template: Any, tokens: Any, include_params: bool) -> tuple[float, int]:
        if not template:
            return 1.0, 0
        if len(template) != len(tokens):
            raise ValueError("a template and a line of different lengths")  # Drain never asks
        params = template.count(param)
        same = sum(map(operator.eq, template, tokens))  # the equal places, counted in C
        if params and param in tokens:  # a line holding the parameter text itself: counted once
            same -= sum(1 for t1, t2 in zip(template, tokens, strict=True) if t1 == t2 == param)
        return (same + params) / len(template), params
    return distance


@dataclass
class _Compiled:
    header: re.Pattern[str] | JournaldHeader
    masks: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    # per mask: its sub, replacement, and _NEEDS' text and digit (None, False: always run)
    plan: list[tuple[Any, str, str | None, bool]] = field(default_factory=list)
    # rules 3: a run of one mask's values (a list of block ids) is one value (see _RUN)
    runs: bool = False
    # rules 6: the kernel's time stamp padded with blanks is one token (see _KERNEL_STAMP)
    stamps: bool = False
    # rules 8: a list of one mask's values parted by commas is one value (see _LIST)
    lists: bool = False


# A run of two or more whole tokens of one mask, separated by blanks (HDFS's 'ask <IP> to delete
# blk_1 blk_2 ... blk_N', a list of channels or fan speeds): one value, so that a list's length
# is no part of its template (Drain groups by token count: a template per length, and a length
# never seen in training an unknown template when scored)
_RUN = re.compile(r"(?<!\S)(<[A-Z][A-Z0-9_]*>)(?:[ \t]+\1)+(?!\S)")
_RUN_HINT = re.compile(r">[ \t]+<")  # what a run holds: looked for first (a tenth of the cost)

# A list of two or more of one mask's values parted by commas, blanks after them or none, each
# perhaps in quotes of one kind (rules 8): SQL's 'WHERE id IN (<NUM>, <NUM>, <NUM>)', "IN
# ('<NUM>','<NUM>')", a proxy's X-Forwarded-For '<IP>,<IP>', a number written with thousands
# separators ('1,234,567', '<NUM>,<NUM>,<NUM>'): one value, as a run parted by blanks is (_RUN),
# where an IN list of each length was a template of its own (a database log's query by six ids
# unknown where training saw it by up to five), and one never seen in training unknown
# (not one whose first or last value is a part of a longer value, after or before a ':', '/', '.'
# or '-': a clock's seconds and a count, 'up <NUM>:<NUM>:<NUM>, <NUM> users', are two values)
_LIST = re.compile(r"(?<![\w>:./\-])(['\"]?)(<[A-Z][A-Z0-9_]*>)\1(?:,[ \t]*\1\2\1)+(?![\w<:/\-]|\.\w)")
_LIST_HINT = re.compile(r">['\"]?,")  # what a list holds: looked for first

# The blanks the kernel pads its time stamp (seconds since boot) with: printk writes
# '[%5lu.%06lu]', so a message in a host's first 10,000 seconds, '[    5.123456] ...' as
# kern.log and dmesg hold it, had one token more (two, '[', '<NUM>]') than one later,
# '[12345.678901] ...', and Drain groups by token count: every kernel message (netfilter's
# firewall lines among them) after a reboot was a template of its own, unknown when scored
# against a log of a host up longer (rules 6: taken out, one token '[<NUM>]' either way)
_KERNEL_STAMP = re.compile(r"\[[ \t]+(?=\d+\.\d+\])")


# a read's counts, and the clock and day order it reads times by, live on the parser (stats_,
# _syslog_clock, _dayfirst): two threads reading through one fitted parser at once took each
# other's counts (a model's sessions() from 8 threads: 41 of 48 reads had another's)
_READ_LOCKS: weakref.WeakKeyDictionary[LogParser, threading.RLock] = weakref.WeakKeyDictionary()
_READ_LOCKS_GUARD = threading.Lock()


def read_lock(parser: LogParser) -> threading.RLock:
    """The lock that a read through ``parser`` holds from its first line until its counts
    (``stats_``) are taken and its warnings said: one read at a time through a parser, so that
    each read has its own counts (threads reading through one fitted model).

    Examples
    --------
    >>> p = LogParser("raw").fit(["open file 12"])
    >>> with read_lock(p):
    ...     _ = list(p.parse_chunks(["open file 3", "x"]))
    ...     p.stats_.parsed
    2
    """
    with _READ_LOCKS_GUARD:
        lock = _READ_LOCKS.get(parser)
        if lock is None:
            lock = _READ_LOCKS[parser] = threading.RLock()
        return lock


class ParserNotFittedError(NotFittedError, InputError):
    """A :class:`LogParser` (or the :class:`~hourglass.features.EventSessions` holding one) was
    used before ``fit``: the project's :class:`~hourglass.errors.NotFittedError`, and an
    :class:`~hourglass.errors.InputError` as the parser raised before.

    Examples
    --------
    >>> try:
    ...     LogParser("raw").templates()
    ... except NotFittedError as exc:
    ...     print(exc)
    LogParser is not fitted; call fit(lines) first
    """


class LogParser(ParamsClone):
    """Stream raw log lines through a header format, masking and Drain into template keys.

    Parameters
    ----------
    format
        ``"hdfs"``, ``"bgl"``, ``"syslog"``, ``"journald"`` (``journalctl -o json``, see
        :class:`JournaldHeader`), ``"raw"`` (the whole line is the message), or a regular
        expression with a named group ``content`` (optionally ``timestamp``: an epoch time in
        seconds, or milliseconds, microseconds or nanoseconds as its size gives, or date-time
        text, UTC unless it has an offset; a BSD syslog stamp, ``Jun 14 15:16:01``, is dated as
        the ``syslog`` format dates it) for other layouts.
    masks
        ``(NAME, regex)`` pairs applied to the message before template mining; ``None`` uses
        :data:`DEFAULT_MASKS` (block ids, MAC addresses, UUIDs, numbered names such as
        ``attempt_1445144423722_0020_m_000000_0``, IPv4 and IPv6 addresses, hex, paths,
        date-times, numbers, with a unit too; without MAC addresses, date-times and units with
        ``rules=4`` or ``5``, without IPv6
        addresses too with ``rules=3``, and without UUIDs and numbered names too with
        ``rules=2``, :data:`LEGACY_MASKS` with ``rules=1``); ``()`` masks nothing.
    sim_th, depth, max_children
        Drain's similarity threshold, prefix-tree depth and fan-out.
    strict
        Raise :class:`~hourglass.errors.InputError` on the first line that matches no header
        format, instead of counting and skipping it.
    rules
        ``11`` (new parsers): as ``10``, and the ``syslog`` format also reads the year an Aruba
        controller writes after the time (``Mar  1 08:00:00 2024 10.1.1.10 stm[3456]: ...``),
        which was read as the host, the host as part of the program (``10.1.1.10 stm``) and the
        line dated in a guessed year. Parsers saved with ``10`` load so and read as they did.
        ``10``: as ``9``, and the ``syslog`` format also reads macOS's own time
        stamps, the date and time parted by a space, with the offset, as ``log show --style
        syslog`` writes them, two spaces before the host (``2024-05-01 08:00:01.336000-0700
        localhost sshd[812]: (libsystem_info.dylib) Accepted ...``), and ``/var/log/install.log``
        (``2024-05-01 08:00:01-07 mbp installd[512]: ...``): every such line matched no header;
        and macOS's syslogd's repeat of the log's message before it, the time and no host,
        ``Dec 13 11:59:06 --- last message repeated 3 times ---``, reads as that message under
        its host and tag, that many times (a line that matched no header, the events it stood
        for lost). Parsers saved with ``9`` load so and read as they did. ``9``: as ``8``, and the
        ``syslog`` format also reads a Cisco ASA's (FTD's)
        own header, as ``logging timestamp`` and ``logging device-id hostname`` write it: its
        time with the year (``May 01 2024 08:00:00``, or RFC 3339's), the host and `` : ``
        before the message id, ``<166>May 01 2024 08:00:00 asa01 : %ASA-6-302013: Built ...``,
        or no host, ``May 01 2024 08:00:00: %ASA-6-302013: ...`` (the message id the component,
        as behind a relay's header): every such line matched no header, the whole log refused.
        Parsers saved with ``8`` load so and read as they did. ``8``: as ``7``, and
        :data:`DEFAULT_MASKS` also masks a date-time written
        with the month's English name as ``<TIME>``, as C's ``ctime()``, ``date`` and Java's
        ``Date.toString()`` write it (ftpd's ``at Fri Jun 17 07:07:00 2005``, ``Mon Mar 04
        08:00:01 CET 2024``, a BSD syslog stamp in a line read whole) or as the common log format
        does (nginx's and Apache's ``[01/Mar/2024:08:00:01 +0000]``, HAProxy's
        ``[01/Mar/2024:08:00:01.123]``), or Oracle does (``01-MAR-2024 08:00:01``, its listener's;
        ``01-MAR-24 08.00.04.475912 AM``): the numbers mask took its numbers only, so the month's
        and weekday's names stayed in the template, and a model trained in one month found such
        lines of the next unknown; and a zone's abbreviation after a date-time, its offset before
        it perhaps, is part of its ``<TIME>`` (PostgreSQL's ``2024-03-01 08:00:01.123 CET``, Go's
        ``... +0200 CEST``): kept as text, it changes with daylight saving time, a template per
        season; and a list of one mask's values parted by commas, quoted or not, is one value,
        as a run parted by blanks is (SQL's ``IN (<NUM>, <NUM>, <NUM>)`` is ``IN (<NUM>)``,
        ``IN ('<NUM>','<NUM>')`` ``IN ('<NUM>')``, a proxy's ``<IP>,<IP>`` ``<IP>``): an IN list
        of each length was a template of its own, a longer one than training saw unknown.
        Parsers saved with ``7`` load so and score as they did. ``7``: as ``6``, and a MAC
        address written with dashes, as Windows writes
        it (``00-1A-2B-3C-4D-5E``), is a ``<MAC>`` too (its groups of digits were masked, those
        with a letter kept: a template per device); and an IPv6 address before a colon that ends
        a clause (``from 2001:db8::7: ok``, ``fe80::1%eth0:``), or an IPv4-mapped one with its
        port (``::ffff:10.0.0.1:443``), is an ``<IP>`` whole, as an IPv4 client's is (it was cut
        by the numbers mask, or its ``::ffff:`` or zone kept as text); and :data:`DEFAULT_MASKS`
        also masks a mail server's message id as ``<ID>``: Postfix's long queue id
        (``3Pt2mN2VXxznjll``, its digits and consonants, a ``z``, the inode's), Sendmail's
        (``wB1GQ0v3012345``) and Exim's (``1tAbCd-000123-Ab``): the one opening each Postfix and
        Sendmail line and Exim's ``Completed`` line was a token with a digit in a short message
        (``4Bq1xY2zZ3z: removed``), a template per message, every one unknown when scored; and
        the Message-ID a mail server logs, ``message-id=<...>`` (Postfix's cleanup),
        ``msgid=<...>`` (Sendmail, Dovecot's LMTP), as ``<ID>`` (in a line of two tokens, a
        template per message); and an e-mail address, its domain ending in a label that starts
        with a letter (``alice@example.org``; not ``pkg@1.2.3``, ``Object@6d06d69c``,
        ``root@localhost``), as ``<EMAIL>``: Postfix's ``to=<alice@example.org>,``, the second
        token of each delivery line, and Dovecot's ``imap(alice@example.org):``, the first, are
        among the tokens Drain's prefix tree branches on, so each address without a digit was a
        template of its own; and a host name with a full stop before its address in brackets,
        as Postfix names a client or relay (``connect from mail-ej1-f54.google.com[209.85.218.54]``),
        as ``<HOST>``: one token of three, a template per host (``unknown``, a client without
        reverse DNS, is kept). Parsers saved with ``6`` load so and score as they did. ``6``: as
        ``5``, and :data:`DEFAULT_MASKS` also masks a date-time as ISO 8601 and RFC 3339 write
        it, or its date alone, as ``<TIME>`` (``2026-12-01T10:00:00Z``,
        ``2026-12-01T10:00:00.123456789+00:00``, ``2026-12-01 10:00:00,123``: the time a
        structured logger writes into each message, logrus' ``time="..."``, a JSON ``"ts"``):
        the numbers mask took only its year and minutes, so its month, day, hour and seconds
        stayed text, and a short message had a template per second it was logged at, unknown
        when scored at another; and a number with a unit, a duration or a size (``15ms``,
        ``1.5s``, ``2m30s``, ``512Mi``, ``8000000kB``), as ``<NUM>``: the numbers mask takes no
        number followed by a letter, so ``request took 15ms`` had a template per value; and
        hardware (MAC) addresses, six or more two-digit hex groups parted by colons
        (``00:1a:2b:3c:4d:5e``, netfilter's 14-group ``MAC=`` field), as ``<MAC>``: the numbers
        mask took only their groups of digits, so each MAC with a hex letter was a template of
        its own, and a host never seen in training made every firewall line of it an unknown
        template; an IPv4, IPv6 or MAC address, a hex id or a number before a full stop, at a
        sentence's end (``port 22.``, Azure Firewall's ``to 10.0.0.9:53. Action: Deny``), is
        masked (it was kept: a template per port, one never seen in training unknown; a version,
        ``1.2.3``, still is none); and the blanks the kernel pads its time stamp with
        (``[    5.123456]``, a host's first 10,000 seconds up) are taken out, so its messages
        have the template of those stamped ``[12345.678901]`` (one token more, a template of its
        own, before).
        Parsers saved with ``5`` load so and score as they did. ``5``:
        as ``4``, and a message rsyslog's repeated-message reduction wrote
        as ``message repeated 3 times: [ Failed password for root ...]`` is the message it
        repeats, that many times (at most :data:`MAX_REPEATS` events; the line numbered once for
        each): it was a template of its own, never seen in training, and one event where the
        log had three; sysklogd's tagless ``web1 last message repeated 3 times`` (a header
        format with a ``host`` field) likewise, the message before it from that host, under
        its tag (it matched no header: an error under ``strict``); and an IPv6 address mixing
        small and capital letters is none (a C++ name such as ``CDB::Add1`` was masked as
        ``<IP>``). Parsers saved with ``4`` load so and score as they did. ``4``: as ``3``,
        and :data:`DEFAULT_MASKS` also masks IPv6 addresses
        (``2001:db8::7``, ``fe80::1%eth0``, ``::ffff:192.0.2.5``) as ``<IP>``, as IPv4 ones are
        (the numbers mask cut them at their colons, ``<NUM>:db8::<NUM>``: the line of an IPv6
        client was an unknown template where training saw IPv4 clients only). Parsers saved with
        ``3`` load so and score as they did. ``3``: as ``2``, and the default masks also mask
        UUIDs (``<UUID>``) and numbered names (``<ID>``: ``attempt_..._0``,
        ``container_..._000002``), which were a template per id (Spark's ``attempt_<*>:
        Committed`` 30 templates in 2,000 lines, so
        every new job's lines were unknown when scored); and a run of one mask's values
        separated by blanks is one value (HDFS's ``ask <IP> to delete <BLK>`` of any number
        of blocks, a template per number before). Parsers saved with ``2`` load so and score
        as they did. ``2``: :data:`DEFAULT_MASKS` but those two; a token that holds a
        mask (``host:<NUM>``) is a value in Drain's prefix tree, as Drain takes a token with a
        digit to be; and the places a template already holds as parameters count as alike in
        the similarity while learning (as drain3 counts them when matching). ``1``, the rules
        before (parsers saved before this setting existed load as ``1``, so they score as they
        did): :data:`LEGACY_MASKS`; a
        token holding a mask is a branch of the tree (``a.com:<NUM>`` and ``b.org:<NUM>`` first
        never share a template); parameters count as different while learning.

    Examples
    --------
    >>> p = LogParser("raw").fit(["open file 12", "open file 7", "close file 7"])
    >>> p.parse(["open file 99", "reboot now"])[["key", "template"]].values.tolist()
    [[1, 'open file <NUM>'], [0, '<unknown>']]
    """

    def __init__(self, format: str = "raw", masks: tuple[tuple[str, str], ...] | None = None,
                 sim_th: float = 0.7, depth: int = 5, max_children: int = 100,
                 strict: bool = False, rules: int = RULES) -> None:
        self.format = format
        self.masks = masks
        self.sim_th = sim_th
        self.depth = depth
        self.max_children = max_children
        self.strict = strict
        self.rules = rules
        #: a read's warnings wait for :meth:`warn_counts` (not a parameter: never saved)
        self.defer_warnings = False

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments (JSON-ready).

        Parameters
        ----------
        deep
            Ignored (no nested estimators); accepted for scikit-learn (``clone``, pipelines).

        Examples
        --------
        >>> params = LogParser("hdfs", sim_th=0.5).get_params()
        >>> params["format"], params["sim_th"], params["depth"]
        ('hdfs', 0.5, 5)
        """
        return {"format": self.format,
                "masks": None if self.masks is None else [list(m) for m in self.masks],
                "sim_th": self.sim_th, "depth": self.depth, "max_children": self.max_children,
                "strict": self.strict, "rules": self.rules}

    # -- setup --------------------------------------------------------------------------------
    def _compile(self) -> _Compiled:
        fmt = self.format
        if fmt == "syslog" and int(self.rules) <= 10:  # (saved so: read as it was)
            pattern: str | JournaldHeader = (_SYSLOG_RULES8 if int(self.rules) <= 8 else
                                             _SYSLOG_RULES9 if int(self.rules) == 9 else _SYSLOG_RULES10)
        elif fmt in LOG_FORMATS:
            pattern = LOG_FORMATS[fmt][0]
        elif fmt == "keys":
            raise InputError("format 'keys': key-sequence files are read by the session builder, "
                             "not the log parser", param="format")
        else:
            pattern = fmt
        try:
            header = pattern if isinstance(pattern, JournaldHeader) else re.compile(pattern)
        except re.error as exc:
            raise InputError(f"format: '{fmt}' is neither one of the known formats "
                             f"({', '.join(LOG_FORMATS)}) nor a valid regular expression ({exc})",
                             param="format") from None
        if "content" not in header.groupindex:
            raise InputError(f"format: the regular expression '{fmt}' needs a named group "
                             "(?P<content>...) holding the message", param="format")
        default = {1: LEGACY_MASKS, 2: _RULES2_MASKS, 3: _RULES3_MASKS, 4: _RULES5_MASKS,
                   5: _RULES5_MASKS, 6: _RULES6_MASKS, 7: _RULES7_MASKS}.get(int(self.rules), DEFAULT_MASKS)
        masks = default if self.masks is None else tuple(tuple(m) for m in self.masks)
        compiled = []
        for m in masks:
            if len(m) != 2:
                raise InputError(f"masks: expected (NAME, regex) pairs, got {m!r}", param="masks")
            try:
                compiled.append((str(m[0]), re.compile(str(m[1]))))
            except re.error as exc:
                raise InputError(f"masks: bad regular expression for {m[0]!r} ({exc})",
                                 param="masks") from None
        plan: list[tuple[Any, str, str | None, bool]] = []
        digit_safe = True  # no replacement so far puts a digit back (a mask named 'V2' would)
        for name, rx in compiled:
            text, digits = _NEEDS.get(rx.pattern, (None, False))
            sub = (functools.partial(_ip6_sub, rx.sub, one_case=int(self.rules) >= 5)
                   if rx.pattern in (_IP6, _IP6_RULES6, _IP6_RULES5)
                   else functools.partial(_hinted_sub, rx.sub, _HINTS[rx.pattern]) if rx.pattern in _HINTS
                   else rx.sub)
            plan.append((sub, f"<{name}>", text, digits and digit_safe))
            digit_safe = digit_safe and not any(ch.isdigit() for ch in name)
        return _Compiled(header, compiled, plan, runs=int(self.rules) >= 3,
                         stamps=int(self.rules) >= 6, lists=int(self.rules) >= 8)

    def _check_groups(self) -> None:
        """Refuse a header regex with a group named as a column the parser makes itself and
        groups or labels by (``line``, ``key``, ``template``): its values would be replaced by
        the parser's (a ``--session-col key`` would group by template, not by the field). A
        ``time`` group is let be, as before (``(?P<date>...) (?P<time>...)``, Loghub's layouts):
        the parser's ``time`` column is the event time, read from ``(?P<timestamp>...)``.
        Checked when fitting, not when a saved parser loads (it scores as it did)."""
        if self.format in LOG_FORMATS:
            return
        taken = [g for g in self._compiled.header.groupindex if g in _REFUSED_GROUPS]
        if taken:
            raise InputError(f"format: the regular expression names a group {taken[0]!r}, a column "
                             f"the log parser makes itself ({', '.join(_REFUSED_GROUPS)}); rename the "
                             "group", param="format")

    def _check_params(self) -> None:
        # None for a number: int()'s TypeError; for strict, read as false (a saved parser loads
        # within saved_kinds, as it was)
        check_numeric_params(self, refuse_none=True)
        if not isinstance(self.format, str):  # re.compile's "first argument must be string ..."
            raise InputError(f"format must be a format name ({', '.join(LOG_FORMATS)}) or a regular "
                             f"expression, got {self.format!r}", param="format")
        if self.masks is not None and (isinstance(self.masks, str | bytes)
                                       or not isinstance(self.masks, Iterable)):
            raise InputError(f"masks: expected (NAME, regex) pairs, got {self.masks!r}", param="masks")
        if not 0 < float(self.sim_th) <= 1:
            raise InputError(f"sim_th must be in (0, 1], got {self.sim_th}", param="sim_th")
        if int(self.depth) < 3:
            raise InputError(f"depth must be >= 3, got {self.depth}", param="depth")
        if int(self.max_children) < 1:
            raise InputError(f"max_children must be >= 1, got {self.max_children}", param="max_children")
        if int(self.rules) not in range(1, 12):
            raise InputError(f"rules must be 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 or 11, got {self.rules}",
                             param="rules")

    def _new_drain(self) -> Any:
        drain = _drain().Drain(depth=int(self.depth), sim_th=float(self.sim_th),
                               max_children=int(self.max_children))
        if int(self.rules) >= 2:
            # Drain sends a token with a digit down the tree's wildcard branch (it is a value);
            # masking takes the digits away (``host:5070`` -> ``host:<NUM>``), so without this
            # every host would get a branch, and a group, of its own.
            names = tuple(f"<{name}>" for name, _ in self._compiled.masks)
            digits, masked = drain.has_numbers, re.compile("|".join(map(re.escape, names)) or "(?!)")
            drain.has_numbers = lambda token: digits(token) or ("<" in token
                                                                and masked.search(token) is not None)
            drain.get_seq_distance = _seq_distance(drain.param_str)
        return drain

    def has_times(self) -> bool:
        """Whether the lines of this format carry an event time: a built-in format that has one
        (all but ``raw``), or a header regex with a ``timestamp`` group (the only group read as
        the time).

        Examples
        --------
        >>> LogParser("hdfs").has_times(), LogParser("raw").has_times()
        (True, False)
        >>> LogParser(r"(?P<time>\\S+) (?P<content>.*)").has_times()
        False
        """
        if self.format in LOG_FORMATS:
            return LOG_FORMATS[self.format][1] is not None
        compiled = getattr(self, "_compiled", None) or self._compile()
        return "timestamp" in compiled.header.groupindex

    def mask(self, content: str) -> str:
        """The message with every mask applied (what Drain sees).

        Examples
        --------
        >>> LogParser().mask("Receiving blk_-42 src: /10.0.0.1:50010 size 67108864")
        'Receiving <BLK> src: /<IP> size <NUM>'
        >>> LogParser().mask("BLOCK* ask 10.0.0.1:50010 to delete blk_1 blk_-2 blk_3")  # a list: one
        'BLOCK* ask <IP> to delete <BLK>'
        >>> LogParser().mask("[    5.123456] IN=eth0 MAC=00:1a:2b:3c:4d:5e:00:1a:2b:3c:4d:5f:08:00")
        '[<NUM>] IN=eth0 MAC=<MAC>'
        """
        compiled = getattr(self, "_compiled", None) or self._compile()
        if compiled.stamps and "[ " in content:
            content = _KERNEL_STAMP.sub("[", content)
        digit = _DIGIT.search(content) is not None
        for sub, repl, text, digits in compiled.plan:
            if (digits and not digit) or (text is not None and text not in content):
                continue
            content = sub(repl, content)
        if compiled.lists and _LIST_HINT.search(content) is not None:
            content = _LIST.sub(r"\1\2\1", content)
        if compiled.runs and _RUN_HINT.search(content) is not None:
            content = _RUN.sub(r"\1", content)
        return content

    def unmatched_text(self, lineno: int, line: str) -> str:
        """What is wrong with ``line`` (numbered ``lineno``), which matched no header, and what
        was expected: one line for an error or a warning.

        Examples
        --------
        >>> LogParser("journald").unmatched_text(3, "Jun 14 15:16:01 combo sshd[1]: hi")[:60]
        'line 3: not a JSON object; expected a journal record a line,'
        >>> LogParser("syslog").unmatched_text(1, "\\x1b[32mJun 14 15:16:01\\x1b[0m h sshd[1]: hi")[:81]
        "line 1: does not match the 'syslog' header format (it holds terminal colour codes"
        >>> LogParser("syslog").unmatched_text(2, "M\\xe4r  7 10:00:00 h sshd[1]: hi")[50:115]
        "('Mär' is not one of syslog's month names, Jan to Dec in English)"
        >>> LogParser("syslog").unmatched_text(2, "Timestamp               Ty Process[PID:TID]")[50:104]
        "(a line macOS's log show writes around its events, its"
        """
        header = (getattr(self, "_compiled", None) or self._compile()).header
        if type(line) is TooLongLine:
            return f"line {lineno}: {too_long(line.length, MAX_LINE_BYTES)}"
        if isinstance(header, JournaldHeader):
            return (f"line {lineno}: {header.why(line)}; expected a journal record a line, a JSON "
                    f"object with a MESSAGE field as journalctl -o json writes: {line[:80]!r}")
        hint = ""
        if self.repeated_host(line) is not None:
            hint = (" (sysklogd's repeat of the message before it from its host, which the log does "
                    "not hold before it)")
        elif self.format == "syslog" and _RFC5424.match(line):  # said: no BSD or RFC 3339 header
            hint = (" (an RFC 5424 line, '<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG', which the "
                    "'syslog' format does not read: give a header regex, as the README shows)")
        elif self.format == "syslog" and (other := _OTHER_MONTH.match(line)) is not None \
                and english_month(other.group(1)) is None:  # a German 'Mär', a French 'févr.'
            hint = f" ({other.group(1)!r} is not one of syslog's month names, Jan to Dec in English)"
        elif lineno == 1 and "_raw" in (f.strip().strip('"') for f in line.split(",")):
            # a Splunk CSV export's header: the events are its _raw column's cells, quoted
            hint = (" (the header of a Splunk CSV export, which holds the events in its _raw "
                    "column: export them as Raw Events, Splunk's raw format (the REST export's "
                    "output_mode=raw), or train on the table as an event table, --message-col _raw)")
        elif _LOG_SHOW_OWN.match(line) is not None:
            hint = (" (a line macOS's log show writes around its events, its filter, column header or "
                    "summary: no event)")
        elif _LOG_SHOW_STYLE.match(line) is not None:
            hint = (" (a line of macOS's log show in its default or compact style, which no format "
                    "reads: export with log show --style syslog for --format syslog, or --style ndjson, "
                    "an event table of JSON lines)")
        elif _ANSI.search(line) is not None:  # a program's coloured output: no format matches it
            hint = (" (it holds terminal colour codes, ESC[...m, as a program writes them to a "
                    "terminal: log without colour, or remove them first, e.g. sed "
                    "'s/\\x1b\\[[0-9;]*m//g' FILE | hourglass ... -)")
        return f"line {lineno}: does not match the {self.format!r} header format{hint}: {line[:80]!r}"

    def repeated_host(self, line: str) -> str | None:
        """The host of sysklogd's ``<header> web1 last message repeated 3 times`` (no program
        tag: the repeat of that host's message before it), which a parser of ``rules`` 5 whose
        header format has a ``host`` field reads as that message, that many times; ``None`` for
        another line or parser.

        Examples
        --------
        >>> p = LogParser("syslog")
        >>> p.repeated_host("Jun 14 15:16:05 web1 last message repeated 3 times")
        'web1'
        >>> p.repeated_host("Jun 14 15:16:05 web1 sshd[8]: hi") is None
        True
        """
        header = (getattr(self, "_compiled", None) or self._compile()).header
        if int(self.rules) < 5 or not isinstance(header, re.Pattern) or "host" not in header.groupindex \
                or "last message repeated " not in line:
            return None
        m = _LAST_REPEATED.fullmatch(line)
        return None if m is None else m["host"]

    # -- fit / parse --------------------------------------------------------------------------
    def fit(self, lines: Iterable[str]) -> LogParser:
        """Learn templates from ``lines`` (the events are also kept in ``events_``; use
        :meth:`fit_chunks` to learn without keeping them).

        Examples
        --------
        >>> parser = LogParser("raw").fit(["open file 1 ok", "open file 2 ok", "close file 3 ok"])
        >>> parser.templates(), parser.events_["key"].tolist()
        ({1: 'open file <NUM> ok', 2: 'close file <NUM> ok'}, [1, 1, 2])
        """
        not_lines(lines)  # before anything fitted is replaced: a refused call keeps the parser
        self.events_ = self._frame(self.fit_chunks(lines))
        return self

    def fit_chunks(self, lines: Iterable[str], chunk_size: int = 65_536) -> Iterator[pd.DataFrame]:
        """Learn templates from ``lines`` while yielding their events in frames of at most
        ``chunk_size`` rows (memory bounded by one chunk). An event's key is the one
        :meth:`parse` gives its line with the templates learnt (see :meth:`_learn`), so a model
        trained on these keys sees the same keys when it scores the same lines. The template
        text of a key may still generalise later, so read :meth:`templates` at the end.

        Examples
        --------
        >>> p = LogParser("raw")
        >>> [len(c) for c in p.fit_chunks(["a 1", "a 2", "b 3"], chunk_size=2)], p.stats_.parsed
        ([2, 1], 3)
        """
        not_lines(lines)
        self._check_params()
        self._compiled = self._compile()
        self._check_groups()
        self.drain_ = self._new_drain()
        self.dayfirst_: bool | None = None
        self.__dict__.pop("_units_said", None)  # a refit is a new parser: its log's mixed units are said
        self.__dict__.pop("_year_first_said", None)  # (and its year-first dates)
        yield from self._learn(lines, chunk_size)
        # the order of numeric dates the log told (a day above 12), for the logs scored later: a
        # day of 05/02/2024 lines tells none, and was read 2 May after a training log of 31/01
        self.dayfirst_ = self._dayfirst
        where = _where(lines)  # a file's errors name it, as scoring's do
        if not self.stats_.lines:
            raise InputError(f"{where}the log is empty (no lines to learn templates from)")
        if self.stats_.blank == self.stats_.lines:  # none to match: not 'no line matched the header'
            raise InputError(f"{where}the log is empty: its {self.stats_.lines} line(s) are all blank "
                             "(no lines to learn templates from)")
        if not self.stats_.parsed:
            first = self.stats_.first_unmatched_reason
            raise InputError(f"{where}no log line matched the header format {self.format!r} "
                             f"({self.stats_.summary()})" + (f"; the first, {first}" if first else ""))

    def learn_chunks(self, lines: Iterable[str], chunk_size: int = 65_536) -> Iterator[pd.DataFrame]:
        """Go on learning from more ``lines`` with the templates learnt so far (after
        :meth:`fit_chunks`), yielding their events as :meth:`fit_chunks` does; ``stats_`` counts
        these lines only (line numbers restart at 1).

        Examples
        --------
        >>> p = LogParser("raw")
        >>> first = list(p.fit_chunks(["open file 12", "close file 7"]))
        >>> [c["key"].tolist() for c in p.learn_chunks(["open file 3", "stat file 9"])]
        [[1, 3]]
        """
        not_lines(lines)
        self._check_fitted()
        yield from self._learn(lines, chunk_size)

    def learn_lines(self, lines: Iterable[str]) -> None:
        """Learn templates from ``lines`` without keying them: the first read of a fit whose
        lines come in parts read twice (an event table's message column, chunk by chunk). The
        first call starts Drain, later ones go on; :meth:`key_chunks` then keys the parts.

        Examples
        --------
        >>> p = LogParser("raw")
        >>> p.learn_lines(["open file 12", "close file 7"])
        >>> p.learn_lines(["open file 3"])
        >>> [c["key"].tolist() for c in p.key_chunks(["open file 1", "close file 2"])]
        [[1, 2]]
        """
        not_lines(lines)  # before Drain starts: a refused call left an unfitted parser fitted
        if not hasattr(self, "drain_"):
            self._check_params()
            self._compiled = self._compile()
            self._check_groups()
            self.drain_ = self._new_drain()
        for _ in self._chunks(lines, learn=True, chunk_size=65_536, frames=False):
            pass

    def key_chunks(self, lines: Iterable[str], chunk_size: int = 65_536) -> Iterator[pd.DataFrame]:
        """The second read after :meth:`learn_lines`: ``lines`` keyed with the final templates
        as :meth:`parse_chunks` keys them, except that a line no template fits (one the first
        read did not see) is learnt rather than keyed unknown; ``stats_`` counts these lines.

        Examples
        --------
        >>> parser = LogParser("raw")
        >>> parser.learn_lines(["open file 1 ok", "close file 3 ok"])
        >>> [chunk["key"].tolist() for chunk in parser.key_chunks(["open file 2 ok", "delete file 4 ok"])]
        [[1, 3]]
        >>> parser.templates()[3]                          # learnt in the second read, not unknown
        'delete file <NUM> ok'
        """
        not_lines(lines)
        self._check_fitted()
        self._compiled = getattr(self, "_compiled", None) or self._compile()
        yield from self._chunks(lines, learn=False, chunk_size=chunk_size, learn_unknown=True)

    def _learn(self, lines: Iterable[str], chunk_size: int) -> Iterator[pd.DataFrame]:
        """Learn from ``lines`` and yield their events, keyed as :meth:`parse` keys them.

        Drain gives a line the template that fits it best *when it is learnt*; a template learnt
        later can fit it better (more parameters, as ``match`` prefers), and scoring matches
        against the final templates. Training keys taken while learning so differ from the
        keys the same lines get when scored (5-12% of the lines of LogHub's Linux, Hadoop and
        Android logs), and the model learns sequences of keys it never sees again. Lines that
        can be read again (a file, a list or tuple) are read twice: learnt, then keyed with the
        final templates (a line the first read did not see, written to the file since, is
        learnt in the second: a training event never gets the unknown key); other iterables are
        keyed with the templates learnt by the end of each chunk (exact when they fit one chunk).
        """
        if isinstance(lines, list | tuple | _Counted):
            for _ in self._chunks(lines, learn=True, chunk_size=chunk_size, frames=False):
                pass
            again = _Counted(lines.path) if isinstance(lines, _Counted) else lines
            yield from self._chunks(again, learn=False, chunk_size=chunk_size, learn_unknown=True)
        else:
            yield from self._chunks(lines, learn=True, chunk_size=chunk_size, rekey=True)

    def _matched_keys(self, masked: list[str], keys: list[int]) -> list[int]:
        """The keys :meth:`parse` gives the ``masked`` messages with the templates learnt so far
        (each message's learnt key ``keys`` where none fits, which a learnt message cannot)."""
        drain = self.drain_
        found: dict[str, int] = {}
        out = []
        for text, key in zip(masked, keys, strict=True):
            k = found.get(text)
            if k is None:
                cluster = drain.match(text, full_search_strategy="fallback")
                k = found[text] = key if cluster is None else int(cluster.cluster_id)
            out.append(k)
        return out

    def parse(self, lines: Iterable[str]) -> pd.DataFrame:
        """Match ``lines`` against the fitted templates (never learns); counts in ``stats_``.

        Returns a frame with ``line`` (1-based), ``time`` (seconds, NaN if the format has none),
        ``key`` (template id, ``0`` = unknown), ``template``, ``content`` and the header fields.

        Examples
        --------
        >>> parser = LogParser("raw").fit(["open file 1 ok", "open file 2 ok", "close file 3 ok"])
        >>> parser.parse(["open file 9 ok", "zzz"])[["line", "key", "template"]]
           line  key            template
        0     1    1  open file <NUM> ok
        1     2    0           <unknown>
        >>> parser.stats_.unknown_template
        1
        """
        return self._frame(self.parse_chunks(lines))

    def parse_chunks(self, lines: Iterable[str], chunk_size: int = 65_536) -> Iterator[pd.DataFrame]:
        """:meth:`parse` in frames of at most ``chunk_size`` rows, without ``template`` (memory
        bounded by one chunk, whatever the length of ``lines``).

        Examples
        --------
        >>> p = LogParser("raw").fit(["open file 12", "close file 7"])
        >>> [c["key"].tolist() for c in p.parse_chunks(["open file 1", "x", "close f"], chunk_size=2)]
        [[1, 0], [0]]
        """
        not_lines(lines)
        self._check_fitted()
        self._compiled = getattr(self, "_compiled", None) or self._compile()
        yield from self._chunks(lines, learn=False, chunk_size=chunk_size)

    def parse_fields(self, lines: list[str], last: LastMessages | None = None
                     ) -> tuple[list[int], list[int], list[str], dict[str, list[str]]]:
        """:meth:`parse` of a short list of lines as plain lists, without time stamps or
        template text: (line numbers from 1, keys, contents, header fields by name). The
        online path (a micro-batch of a live log), where building a frame costs more than the
        parse; counts in ``stats_``. ``last`` (a dict the caller keeps from one micro-batch to
        the next, updated in place) holds each host's last message, which a sysklogd ``last
        message repeated N times`` line repeats (``None``: this batch's lines only).

        Examples
        --------
        >>> p = LogParser("raw").fit(["open file 12", "close file 7"])
        >>> p.parse_fields(["close file 1", "", "x"])[:3]
        ([1, 3], [2, 0], ['close file 1', 'x'])
        """
        not_lines(lines)
        self._check_fitted()
        self._compiled = getattr(self, "_compiled", None) or self._compile()
        # (one chunk: a 'message repeated N times' line is N events)
        for part in self._chunks(lines, learn=False, chunk_size=len(lines) * MAX_REPEATS + 1, frames=False,
                                 last=last):
            return part
        return [], [], [], {g: [] for g in self._extra()}

    def _frame(self, chunks: Iterable[pd.DataFrame]) -> pd.DataFrame:
        """All chunks as one frame, with the final template text of every key."""
        frames = list(chunks)
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else (
            frames[0] if frames else self._chunk([], [], [], {g: [] for g in self._extra()}))
        templates = self.templates()
        df.insert(3, "template", [templates.get(int(k), "<unknown>") for k in df["key"].tolist()])
        return df

    def _extra(self) -> list[str]:
        return [g for g in self._compiled.header.groupindex if g != "content"]

    def _chunk(self, rows_line: list[int], rows_key: list[int], rows_content: list[str],
               fields: dict[str, list[str]]) -> pd.DataFrame:
        df = pd.DataFrame({"line": np.asarray(rows_line, dtype=np.int64),
                           "time": self._times(fields, rows_line),
                           "key": np.asarray(rows_key, dtype=np.int64), "content": rows_content})
        for g, values in fields.items():
            if g not in df.columns:
                df[g] = values
        return df

    def _chunks(self, lines: Iterable[str], *, learn: bool, chunk_size: int,
                frames: bool = True, rekey: bool = False,
                learn_unknown: bool = False, last: LastMessages | None = None) -> Iterator[Any]:
        """Stream ``lines`` into event frames of at most ``chunk_size`` rows (with ``frames``
        false: the lists a frame is built from); the counts are live in ``stats_`` (final once
        the generator is exhausted). With ``learn`` and ``rekey``, each chunk's keys are those
        its lines match with the templates learnt by the end of the chunk. With ``learn_unknown``
        (and not ``learn``), a line that matches no template is learnt rather than keyed unknown."""
        if int(chunk_size) < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        not_lines(lines)  # (the public methods refuse it first, before changing any state)
        self._syslog_clock: tuple[int, int, float] | None = None  # a BSD header's year: see _syslog_years
        # numeric dates' day/month order (see _stamp_seconds): the one the training log told
        self._dayfirst: bool | None = getattr(self, "dayfirst_", None)
        self._last_stamp: tuple[str, float] | None = None  # the read's last so far: see _stamp_seconds
        stats = self.stats_ = ParseStats()
        header = self._compiled.header
        records = isinstance(header, JournaldHeader)  # MESSAGE bytes that are not UTF-8: counted
        replaced = 0
        extra = self._extra()
        counted = isinstance(lines, _Counted)
        drain = self.drain_
        cache: dict[str, int] = {}
        rows_line: list[int] = []
        rows_key: list[int] = []
        rows_content: list[str] = []
        rows_masked: list[str] = []
        fields: dict[str, list[str]] = {g: [] for g in extra}
        repeats = int(self.rules) >= 5
        # each host's last message, for sysklogd's tagless repeat of it (a header with a host)
        tagless = header if repeats and isinstance(header, re.Pattern) and "host" in header.groupindex \
            else None
        last = {} if last is None else last
        mac = int(self.rules) >= 10  # macOS's '--- last message repeated 1 time ---' read
        own = False  # the line named as the first unmatched is one of log show's own
        for lineno, line in enumerate(lines, 1):
            stats.lines += 1
            if type(line) is not str and not isinstance(line, str):  # (a C identity check first)
                # None, a NaN of a Series, bytes: TypeError from the checks below, naming nothing
                raise InputError(f"line {lineno}: expected a line of text, got "
                                 f"{type(line).__name__} ({str(line)[:40]!r})")
            if "\ufffd" in line and not counted:
                stats.bad_encoding += 1
            if blank_line(line):  # (white space, or a Ctrl-Z: a DOS file's end mark)
                if type(line) is not TooLongLine:
                    stats.blank += 1
                    continue
                m = None
            else:
                m = header.match(line)
                if m is None and tagless is not None and "last message repeated " in line:
                    m = _repeat_of(line, tagless, last, mac)
            if m is None:
                stats.unmatched += 1
                # (named: the first line, or the first after log show's own lines that is none,
                # which says why its events matched nothing)
                if stats.first_unmatched is None or (own and _LOG_SHOW_OWN.match(line) is None):
                    own = stats.first_unmatched is None and _LOG_SHOW_OWN.match(line) is not None
                    stats.first_unmatched = lineno
                    stats.first_unmatched_reason = self.unmatched_text(lineno, line)
                if self.strict:  # (a file's line named with the file, as a table's bad row is)
                    raise InputError(_where(lines) + (stats.first_unmatched_reason or ""))
                continue
            if records and m.replaced:  # type: ignore[union-attr]
                replaced += 1
                if not counted:
                    stats.bad_encoding += 1
            content = m.group("content") or ""
            times = 1
            if repeats and content.startswith("message repeated "):
                content, times = unrepeated(content)
            if tagless is not None and (host := m.group("host")):  # (a match of tagless: re.Match)
                if host not in last and len(last) >= _LAST_HOSTS:
                    last.clear()
                last[host] = (m, content)  # type: ignore[assignment]
                if mac:  # (the log's last message, for macOS's repeat of it)
                    last[""] = last[host]
            masked = self.mask(content)
            if learn:
                key = int(drain.add_log_message(masked)[0].cluster_id)
                if rekey:
                    rows_masked.append(masked)
            else:
                key = cache.get(masked, -1)
                if key < 0:
                    cluster = drain.match(masked, full_search_strategy="fallback")
                    if cluster is None and learn_unknown:
                        cluster = drain.add_log_message(masked)[0]
                    key = UNKNOWN if cluster is None else int(cluster.cluster_id)
                    if len(cache) < 100_000:
                        cache[masked] = key
                if key == UNKNOWN:
                    stats.unknown_template += 1
            stats.parsed += 1
            if times > 1:  # (one line, that many events)
                rows_line += [lineno] * times
                rows_key += [key] * times
                rows_content += [content] * times
                if learn and rekey:
                    rows_masked += [masked] * (times - 1)
                for g in extra:
                    fields[g] += [m.group(g) or ""] * times
            else:
                rows_line.append(lineno)
                rows_key.append(key)
                rows_content.append(content)
                for g in extra:
                    fields[g].append(m.group(g) or "")
            if len(rows_line) >= chunk_size:
                if counted:
                    stats.bad_encoding = lines.stats.bad_encoding + replaced  # type: ignore[attr-defined]
                    stats.first_bad_bytes = lines.stats.first_bad_bytes  # type: ignore[attr-defined]
                if rekey:
                    rows_key = self._matched_keys(rows_masked, rows_key)
                    rows_masked = []
                yield (self._chunk(rows_line, rows_key, rows_content, fields) if frames else
                       (rows_line, rows_key, rows_content, fields))
                rows_line, rows_key, rows_content = [], [], []
                fields = {g: [] for g in extra}
        if counted:
            stats.bad_encoding = lines.stats.bad_encoding + replaced  # type: ignore[attr-defined]
            stats.first_bad_bytes = lines.stats.first_bad_bytes  # type: ignore[attr-defined]
        if rows_line:
            if rekey:
                rows_key = self._matched_keys(rows_masked, rows_key)
            yield (self._chunk(rows_line, rows_key, rows_content, fields) if frames else
                   (rows_line, rows_key, rows_content, fields))
        if not frames:  # a micro-batch of a live log: its caller reports the counts
            return
        self._where = _where(lines)  # a file's first such line named with the file
        if not self.defer_warnings:
            self.warn_counts()

    def warn_counts(self) -> None:
        """Log the warnings of the last read (lines that matched no header, bytes that are not
        UTF-8), unless none parsed (the caller's error then says it all). A read warns at its
        end, unless ``defer_warnings`` is set: a caller that may still find the read an error
        (no sessions in it) calls this once it knows it is not, so that the error is one line.

        Examples
        --------
        >>> lines = ["081109 203615 148 INFO dfs.DataNode: PacketResponder 1 for block blk_38 done",
        ...          "garbage line", ""]
        >>> import sys
        >>> handler = logging.StreamHandler(sys.stdout)
        >>> logger.addHandler(handler)
        >>> parser = LogParser("hdfs")
        >>> parser.defer_warnings = True                 # the read itself says nothing
        >>> _ = parser.fit(lines)
        >>> parser.warn_counts()
        1 of 3 lines matched no 'hdfs' header (first: line 2); skipped
        >>> logger.removeHandler(handler)
        """
        stats = getattr(self, "stats_", None)
        if stats is None or not stats.parsed:
            return
        where = getattr(self, "_where", "")
        if stats.unmatched:
            if isinstance(self._compiled.header, JournaldHeader):  # what the line is, as a regex cannot say
                logger.warning("%d of %d lines were no journal record with a MESSAGE (first: %s%s); "
                               "skipped", stats.unmatched, stats.lines, where,
                               stats.first_unmatched_reason)
            else:
                logger.warning("%d of %d lines matched no '%s' header (first: %sline %d); skipped",
                               stats.unmatched, stats.lines, self.format, where, stats.first_unmatched)
        if stats.bad_encoding:
            # a file's bytes: the code page they look written in, and how to convert the file (a
            # Cyrillic Windows-1251 log read so is templates of U+FFFD, each name lost)
            raw = getattr(stats, "first_bad_bytes", None)
            how = f" ({not_utf8_how(raw)})" if raw is not None else ""
            logger.warning("%d line(s) had bytes that are not UTF-8; replaced with U+FFFD%s",
                           stats.bad_encoding, how)

    def _times(self, fields: dict[str, list[str]], lines: list[int]) -> np.ndarray:
        """Seconds since the epoch per row (of log line numbers ``lines``), vectorised (NaN where
        unknown or unreadable)."""
        n = len(lines)
        fmt = LOG_FORMATS.get(self.format, (None, "epoch" if "timestamp" in fields else None))[1]
        if fmt is None or n == 0:
            return np.full(n, np.nan)
        if fmt == "epoch":
            raw = pd.Series(fields["timestamp"], dtype=object)
            # numbers in the unit their size gives, as every time column is read (epoch
            # milliseconds were taken for seconds past the year 2262: no time at all)
            num = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64, copy=True)
            v = epoch_seconds(num, "timestamp", warn=False)  # (its rows are not the log's lines)
            if not getattr(self, "_units_said", False) and (mixed := mixed_units(num)):
                self._units_said = True  # once a parser: each read of a log would say it again
                logger.warning("the header's timestamp group mixes epoch units (%s); each value is "
                               "read in the unit its size gives", ", ".join(
                                   f"line {lines[i]} in {unit}" for i, unit in mixed))
            text = np.isnan(v) & (raw.str.strip() != "").to_numpy()
            if text.any():  # date-time text in a header regex's timestamp group, not epoch seconds
                v[text] = self._stamp_seconds(raw[text])
            return np.where(np.abs(v) < 9.2e9, v, np.nan)  # beyond year 2262 is no time stamp
        if self.format == "hdfs":
            text = pd.Series(fields["date"]) + " " + pd.Series(fields["time"])
        else:  # syslog: no year in a BSD header; one is assigned (_syslog_years)
            month = pd.Series(fields["month"], dtype=object).map(_MONTHS).to_numpy(np.float64)
            day = pd.to_numeric(pd.Series(fields["day"], dtype=object), errors="coerce").to_numpy(np.float64)
            years = self._syslog_years(month, day)
            text = pd.Series(years, dtype=object).astype(str) + " " + pd.Series(fields["month"]) + " " + \
                pd.Series(fields["day"]) + " " + pd.Series(fields["time"])
            fmt = "%Y " + fmt
        t = text_to_datetime(text, format=fmt)
        secs = (t - pd.Timestamp("1970-01-01")).dt.total_seconds()
        out = secs.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        stamped = (pd.Series(fields.get("timestamp", [""] * n), dtype=object) != "").to_numpy()
        if stamped.any():  # syslog with RFC 3339 time stamps
            out[stamped] = self._stamp_seconds(pd.Series(fields["timestamp"], dtype=object)[stamped])
        return out

    def _stamp_seconds(self, text: pd.Series) -> np.ndarray:
        """:func:`_text_seconds` of one chunk's time stamps, numeric day/month dates read in the
        order an earlier chunk of the read told (``01/02/2024`` in a chunk of one day was read
        month first, 2 January, after a chunk whose ``31/01/2024`` said day first: the same
        text dated a month apart by where a chunk of the file began), and BSD syslog stamps
        without a year (``Jun 14 15:16:01``) dated as the ``syslog`` format dates them."""
        secs, order = _text_times(text, getattr(self, "_dayfirst", None))
        self._dayfirst = order
        year_first_warning(self, text, secs)  # (once a parser, as the mixed epoch units)
        six, at = yymmdd_times(text, first_only=True)  # (the first stamp: the layout of the rest)
        if six.any():  # yymmdd, as MySQL and HDFS write it (pandas read it mmddyy)
            secs = secs.copy()
            secs[six] = at
        # 'Jun 14 15:16:01', a BSD syslog stamp: no year, which pandas sets to 1 AD (no time)
        maybe = np.flatnonzero(~(secs > -2.2e9))  # unread or before 1900: only those looked at
        if len(maybe):
            parts = text.iloc[maybe].astype(str).str.extract(_BSD_STAMP)
            bsd = parts[0].notna().to_numpy()
            if bsd.any():
                secs = secs.copy()
                secs[maybe[bsd]] = self._bsd_seconds(parts[bsd])
        return secs

    def _bsd_seconds(self, parts: pd.DataFrame) -> np.ndarray:
        """Seconds since the epoch of BSD syslog stamps (columns month name, day, time of day),
        dated in the years :meth:`_syslog_years` gives, as the ``syslog`` format's lines are."""
        month = parts[0].map(_MONTHS).to_numpy(np.float64)
        day = pd.to_numeric(parts[1], errors="coerce").to_numpy(np.float64)
        years = self._syslog_years(month, day)
        with c_time_locale():  # (%b: English month names, whatever the caller's locale)
            date = pd.to_datetime(pd.Series(years, dtype=object).astype(str).to_numpy() + " "
                                  + parts[0].to_numpy(dtype=str) + " " + parts[1].to_numpy(dtype=str),
                                  format="%Y %b %d", errors="coerce")
        clock = pd.to_timedelta(parts[2].str.replace(",", ".", regex=False).to_numpy(dtype=str),
                                errors="coerce")
        secs = ((date - pd.Timestamp("1970-01-01")) + clock).total_seconds()
        return np.asarray(secs, dtype=np.float64)

    def _syslog_years(self, month: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The year of each BSD syslog line (``Feb 29 00:00:01`` has none). The first line is
        dated in the most recent year that puts it no later than tomorrow (UTC; a day of slack for
        clocks ahead), so a read is never dated in the future and a December log read in January
        stays in last year; the year goes forward where the month goes back by more than six
        (``Dec 31`` then ``Jan 1``) and back where a December line follows a January one by a
        week or less back in time (a late ``Dec 31`` line after ``Jan 1``; ``Jan 5`` then
        ``Dec 2`` is a sparse log's eleven months forward, in the same year; a line months forward
        that its year would put after tomorrow is in the year before), carried across the
        chunks of one read, so a file read whole or in chunks gets the same years. A ``Feb 29``
        in the first chunk in a year that is not a leap year moves the read back to the last leap
        year before it (a later one has no date). A time stamp with a year (RFC 3339) needs none
        of this.
        """
        known = ~np.isnan(month)
        m = month[known].astype(np.int64)
        years = np.zeros(len(month), np.int64)
        if not len(m):
            return years
        d = day[known]
        clock = getattr(self, "_syslog_clock", None)
        prev = np.concatenate([[m[0] if clock is None else clock[1]], m[:-1]])
        prev_day = np.concatenate([[d[0] if clock is None else clock[2]], d[:-1]])
        # a year on where the month goes back by more than six, and back where a December line
        # follows a January one by a week or less back in time: written before the new year and
        # logged after a line of the new year (a relay's late line), it is in the old year (it
        # was dated a year ahead, and so was every line after it). A December line further
        # from the January one (Jan 5, then Dec 2: a sparse log) is months forward, in its year
        late = (prev == 1) & (m == 12) & (prev_day + (31 - d) <= 7)  # (an unread day: never late)
        turns = np.cumsum((prev - m > 6).astype(np.int64) - late.astype(np.int64))
        if clock is None:  # the first line: the latest year in which it is not after tomorrow
            ref = _utc_today() + datetime.timedelta(days=1)
            first_day = day[known][0]
            first = (int(m[0]), int(first_day) if first_day == first_day else 1)
            base = ref.year if first <= (ref.month, ref.day) else ref.year - 1
            leap = (m == 2) & (day[known] == 29)
            for _ in range(8):  # 2100 is no leap year: eight years apart at most
                if all(calendar.isleap(y) for y in set((base + turns[leap]).tolist())):
                    break
                base -= 1
        else:
            base = clock[0]
        ref = _utc_today() + datetime.timedelta(days=1)
        ahead = (m > prev) & ~late & ((base + turns > ref.year) | ((base + turns == ref.year) & (
            (m > ref.month) | ((m == ref.month) & (np.nan_to_num(d, nan=1) > ref.day)))))
        if ahead.any():  # a sparse log's line months on (Jan 5, then Nov 2) that its year would
            # put after tomorrow: a line of the year before (a read is never dated in the future)
            turns = np.cumsum((prev - m > 6).astype(np.int64) - (late | ahead).astype(np.int64))
        years[known] = base + turns
        self._syslog_clock = (int(years[known][-1]), int(m[-1]), float(d[-1]))
        return years

    # -- results ------------------------------------------------------------------------------
    def templates(self) -> dict[int, str]:
        """Template text per key.

        Examples
        --------
        >>> LogParser("raw").fit(["a 1", "a 2"]).templates()
        {1: 'a <NUM>'}
        """
        self._check_fitted()  # (not 'no attribute drain_')
        return {int(c.cluster_id): c.get_template() for c in self.drain_.clusters}

    def _check_fitted(self) -> None:
        if not hasattr(self, "drain_"):
            raise ParserNotFittedError("LogParser is not fitted; call fit(lines) first")

    @staticmethod
    def parameters(template: str, content: str, masked: str | None = None) -> list[str]:
        """Values of the template's variable parts in ``content`` (empty if they do not line up):
        Drain's ``<*>`` and each mask's ``<NAME>`` (capitals, digits and ``_``: a mask named
        ``USER_ID`` or ``V2`` too, whose template gave no parameter at all).

        Examples
        --------
        >>> p = LogParser("raw")
        >>> p.parameters("open <*> size <NUM>", "open a.txt size 12")
        ['a.txt', '12']
        >>> p.parameters("login <USER_ID> via <V2>", "login uid=7 via ssh2")
        ['uid=7', 'ssh2']
        """
        parts = re.split(r"(<\*>|<[A-Z][A-Z0-9_]*>)", template)
        rx = "".join("(.*?)" if i % 2 else re.escape(s) for i, s in enumerate(parts))
        rx = re.sub(r"(\\ )+", r"\\s+", rx)
        m = re.fullmatch(rx, content.strip(), flags=re.S)
        return [] if m is None else [g.strip() for g in m.groups()]

    # -- state --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON state: parameters, clusters and the prefix tree (no pickle).

        Examples
        --------
        >>> parser = LogParser("raw").fit(["open file 1 ok", "open file 2 ok", "close file 3 ok"])
        >>> state = parser.to_dict()
        >>> sorted(state), LogParser.from_dict(state).templates() == parser.templates()
        (['clusters', 'counter', 'params', 'tree'], True)
        """
        self._check_fitted()
        clusters = [{"id": int(c.cluster_id), "tokens": list(c.log_template_tokens),
                     "size": int(c.size)} for c in self.drain_.clusters]
        return {"params": self.get_params(), "clusters": clusters,
                "counter": int(self.drain_.clusters_counter),
                "tree": _tree_to_json(self.drain_.root_node),
                **({} if getattr(self, "dayfirst_", None) is None else {"dayfirst": self.dayfirst_})}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LogParser:
        """Rebuild a fitted parser from :meth:`to_dict` output (plain JSON, no code run).

        Examples
        --------
        >>> p = LogParser("raw").fit(["open file 12", "close file 7"])
        >>> q = LogParser.from_dict(p.to_dict())
        >>> q.parse(["open file 3"])["key"].tolist() == p.parse(["open file 3"])["key"].tolist()
        True
        """
        LogCluster = _drain().LogCluster
        try:
            params = dict(d["params"])
            if params.get("masks") is not None:
                params["masks"] = tuple(tuple(m) for m in params["masks"])
            params.setdefault("rules", 1)  # saved before the setting existed: the old defaults
            self = cls(**params)
            with saved_kinds():  # as it was saved: strict=None read as false then, and now
                self._check_params()
            self._compiled = self._compile()
            drain = self._new_drain()
            for c in d["clusters"]:
                cluster = LogCluster([str(t) for t in c["tokens"]], int(c["id"]))
                cluster.size = int(c["size"])
                drain.id_to_cluster[cluster.cluster_id] = cluster
            drain.clusters_counter = int(d["counter"])
            drain.root_node = _tree_from_json(d["tree"])
            self.dayfirst_ = None if d.get("dayfirst") is None else bool(d["dayfirst"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"log parser state is malformed ({exc})") from None
        self.drain_ = drain
        return self


class _Counted:
    """Lines read from a file, with the reader's encoding counts (see :func:`read_lines`)."""

    def __init__(self, path: str | os.PathLike[str], nul: str = "") -> None:
        self.stats = ParseStats()
        self.path = path
        self.nul = nul

    def __iter__(self) -> Iterator[str]:
        return read_lines(self.path, self.stats, nul=self.nul)


def _where(lines: object) -> str:
    """``"PATH: "`` for the lines of a file (:func:`file_lines`), which a message about one of
    its lines starts with (``app.log: line 8: ...``); ``""`` for lines given in memory."""
    return f"{lines.path}: " if isinstance(lines, _Counted) else ""


# a date of three two-digit numbers (17/06/09): the year last, or first (yy/MM/dd, Spark's log4j)
_TWO_DIGIT_DATE = r"^(\d{2})([/.-])(\d{2})\2(\d{2})(?![\d/.-])"


def _year_first_text(text: pd.Series, secs: np.ndarray, what: str = "timestamp") -> str | None:
    """A warning (about ``what``: a log's timestamp, an event table's time column) when the
    dates of three two-digit numbers in ``text`` (read, as pandas reads
    them, with the year last: ``secs``) span more than twice as long as they would read year
    first: ``17/06/09`` and ``17/06/10`` (Spark's log4j ``yy/MM/dd``, a day apart) read as 17
    June 2009 and 2010, a year apart at midnight, which put every later line a year on; ``None``
    where the year-last reading is the shorter (or no such dates, or one date alone).

    Examples
    --------
    >>> secs = _text_seconds(pd.Series(["17/06/09 23:59:59", "17/06/10 00:00:01"]))
    >>> _year_first_text(pd.Series(["17/06/09 23:59:59", "17/06/10 00:00:01"]), secs)[:64]
    "timestamp: '17/06/09' and '17/06/10' are read with the year last"
    >>> days = pd.Series(["05/06/09 10:00", "06/06/09 10:00"])  # 5 and 6 June 2009: fine
    >>> _year_first_text(days, _text_seconds(days)) is None
    True
    """
    read_ok = ~np.isnan(secs)  # (a stamp not read, '17/06/01 99:00:00', is no date of either reading)
    text, secs = text[read_ok], secs[read_ok]
    codes, uniq = pd.factorize(text.astype(str).str.strip().str.slice(0, 9))
    parts = pd.Series(uniq, dtype="string").str.extract(_TWO_DIGIT_DATE)
    dated = parts[0].notna().to_numpy(dtype=bool)
    if dated.sum() < 2:
        return None
    parts = parts[dated]
    year_first = pd.to_datetime((parts[0] + parts[2] + parts[3]).to_numpy(dtype=str), format="%y%m%d",
                                errors="coerce")
    if year_first.isna().any():  # (a month above 12, a day past the month's: no year-first date)
        return None
    rows = np.isin(codes, np.flatnonzero(dated))
    read = secs[rows]
    span_read = float(read.max() - read.min())
    span_first = (year_first.max() - year_first.min()).total_seconds()
    if not span_read > 2 * (span_first + 86_400):  # (the time of day aside: within a day either way)
        return None
    lo, hi = int(np.argmin(secs[rows])), int(np.argmax(secs[rows]))
    first, last = (text[rows].astype(str).str.strip().iloc[i][:8] for i in (lo, hi))
    when = [pd.Timestamp(v, unit="s").strftime("%d %B %Y").lstrip("0") for v in (read.min(), read.max())]
    return (f"{what}: {first!r} and {last!r} are read with the year last, {when[0]} and {when[1]} "
            f"({counted(round(span_read / 86_400), 'day')} apart); read year first (yy/MM/dd, as "
            f"Spark's log4j writes them) they are {counted(round(span_first / 86_400), 'day')} apart: "
            "if the dates are year first, every time read from them is wrong (time windows, alert "
            "times); write their year in four digits (2017/06/09), which is read year first")


def year_first_warning(owner: Any, text: pd.Series, secs: np.ndarray, what: str = "timestamp") -> None:
    """Log :func:`_year_first_text`'s warning for one chunk of a read (``text``, read as
    ``secs``), once an ``owner`` (a log parser, an event table's features: ``_year_first_said``),
    with the last stamp read of the chunks before (``owner._last_stamp``, which a read sets to
    ``None`` at its start): a read cut into chunks at midnight, each chunk a day of its own,
    holds no jump in any one chunk.

    Examples
    --------
    >>> class Reader: _last_stamp = None
    >>> r, day = Reader(), pd.Series(["17/06/09 23:59:59"])
    >>> year_first_warning(r, day, _text_seconds(day))  # one date alone: nothing to say
    >>> r._last_stamp[0]
    '17/06/09 23:59:59'
    >>> day = pd.Series(["17/06/10 00:00:01"])
    >>> year_first_warning(r, day, _text_seconds(day)); r._year_first_said  # (warned)
    True
    """
    if getattr(owner, "_year_first_said", False) or not len(text):
        return
    last = getattr(owner, "_last_stamp", None)
    said = (_year_first_text(text, secs, what) if last is None else
            _year_first_text(pd.concat([pd.Series([last[0]], dtype=object), text.astype(object)],
                                       ignore_index=True), np.r_[last[1], secs], what))
    read = np.flatnonzero(~np.isnan(secs))
    if len(read):  # (a chunk's last stamp not read, '17/06/10 99:00:00', bridges nothing)
        owner._last_stamp = (str(text.iloc[read[-1]]), float(secs[read[-1]]))
    if said:
        owner._year_first_said = True
        logger.warning(said)


def _text_seconds(text: pd.Series, dayfirst: bool | None = None) -> np.ndarray:
    """Seconds since the epoch (UTC; a time without an offset is taken as UTC) of date-time
    text such as ``2015-07-29 17:41:44,747`` (a comma before the milliseconds, as log4j writes
    it) or ``10/Oct/2000:13:55:36 -0700`` (web servers' common log format); NaN where unreadable.

    Examples
    --------
    >>> _text_seconds(pd.Series(["1970-01-01 00:01:40,500", "1970-01-01T00:00:10+01:00", "x"])).tolist()
    [100.5, -3590.0, nan]
    >>> _text_seconds(pd.Series(["01/Jan/1970:01:00:10 +0100"])).tolist()
    [10.0]
    >>> _text_seconds(pd.Series(["01/02/1970 00:00", "13/02/1970 00:00"])).tolist()  # day first
    [2678400.0, 3715200.0]
    >>> _text_seconds(pd.Series(["01/02/1970 00:00"]), dayfirst=True).tolist()  # an order given
    [2678400.0]
    """
    return _text_times(text, dayfirst)[0]


def _text_times(text: pd.Series, dayfirst: bool | None) -> tuple[np.ndarray, bool | None]:
    """:func:`_text_seconds` of ``text`` with numeric day/month dates read in the order
    ``dayfirst`` (``None``: the order the values give), and ``dayfirst`` or else the order the
    values told (a day or month above 12; ``None`` where none did: an order only guessed from
    dates of 12 or less is not carried on)."""
    clean = text.astype(str).str.strip().str.replace(r"(\d:\d\d),(\d+)", r"\1.\2", regex=True)
    with quiet_warnings():  # pandas: "could not infer format" for mixed layouts
        # numeric day/month dates in one order for the whole chunk, from its values (as the table
        # reader settles it): each value's own guess read 01/02 as 2 January after 13/02
        told = dayfirst
        if dayfirst is None:
            try:
                dayfirst = infer_dayfirst(clean, "timestamp")
            except InputError:  # both orders in one chunk: each value read as it reads
                dayfirst = None
            if dayfirst is not None:
                dates = _Dates(clean)
                told = dayfirst if len(dates.day_rows) or len(dates.month_rows) else None
        # the order for the numeric dates only, row by row: pandas' dayfirst also reads an ISO
        # 2024-02-01 as 2 January, and a chunk may hold both
        num = clean.str.match(_NUMERIC_DATE).fillna(False).to_numpy(dtype=bool) \
            if dayfirst is not None else np.zeros(len(clean), dtype=bool)
        # the first value's layout: vectorised; in microseconds throughout (a layout read later
        # may have a fraction where the first had whole seconds: pandas keeps each one's unit)
        t = text_to_datetime(clean.where(~num) if num.any() else clean, utc=True).dt.as_unit("us")
        if num.any():
            t[num] = text_to_datetime(clean[num], utc=True, dayfirst=dayfirst).dt.as_unit("us")
        rest = t.isna().to_numpy()  # (web servers' common log format: read by text_to_datetime)
        if rest.any() and dayfirst is None and told is None:
            # numeric dates first met past the values the order is looked for in (ISO stamps,
            # then another source's 13/02/2024 and 01/02/2024): in the one order they show, not
            # each its own (01/02/2024 was 2 January beside 13/02/2024)
            late = np.flatnonzero(rest)
            late = late[clean.iloc[late].str.match(_NUMERIC_DATE).fillna(False).to_numpy(dtype=bool)]
            if len(late):
                try:
                    dayfirst = infer_dayfirst(clean.iloc[late], "timestamp")
                except InputError:  # both orders among them: each value read as it reads
                    dayfirst = None
                if dayfirst is not None:
                    num = np.zeros(len(clean), dtype=bool)
                    num[late] = True
                    dates = _Dates(clean.iloc[late].reset_index(drop=True))
                    told = dayfirst if len(dates.day_rows) or len(dates.month_rows) else None
        # other layouts, value by value (slow, but only for those), numeric dates in the order
        for part, order in ((rest & ~num, {}), (rest & num, {"dayfirst": dayfirst})):
            if part.any():
                t[part] = text_to_datetime(clean[part], utc=True, format="mixed",
                                           **order).dt.as_unit("us")
    secs = (t - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy(
        dtype=np.float64, na_value=np.nan)
    today = dated_today(clean, secs)  # '06:55:46', '1:00 PM': pandas dated it on the day of the run
    # '3000-05-01T12:00:00Z' (a clock gone wrong): no readable time, as an epoch number past
    # 2262 is none (its line was a lone session in a window of the year 3000)
    gone = today | past_range(secs)
    if gone.any():
        secs = np.where(gone, np.nan, secs)
    return secs, told


def file_lines(path: str | os.PathLike[str], *, nul: str = "") -> Iterable[str]:
    """Lines of a log file for :meth:`LogParser.fit` / :meth:`LogParser.parse`, with bad
    encodings counted by the reader (bytes, not replaced characters already in the text);
    ``nul`` is what a NUL byte becomes (see :func:`read_lines`)."""
    return _Counted(path, nul)
