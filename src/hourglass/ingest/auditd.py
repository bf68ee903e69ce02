"""Linux audit logs (auditd's ``/var/log/audit/audit.log``): one record a line, the records of
one event sharing its ``msg=audit(TIME:SERIAL)``::

    type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 success=yes exit=0
    a0=55d0c1a0 a1=55d0c1b8 a2=55d0c1d0 a3=0 items=2 ppid=811 pid=812 auid=1000 uid=1000 ...
    comm="vim" exe="/usr/bin/vim" key="exec"
    type=EXECVE msg=audit(1700000000.123:4242): argc=2 a0="vim" a1=2F746D702F6D79206E6F7465732E747874
    type=CWD msg=audit(1700000000.123:4242): cwd="/home/alice"
    type=PATH msg=audit(1700000000.123:4242): item=0 name="/usr/bin/vim" inode=1311 ...
    type=PATH msg=audit(1700000000.123:4242): item=1 name="/lib64/ld-linux-x86-64.so.2" ...
    type=PROCTITLE msg=audit(1700000000.123:4242): proctitle=76696D002F746D702F6D79206E6F7465732E747874
    type=EOE msg=audit(1700000000.123:4242):

A row is one **event**, not one record: the columns of its main record (the ``SYSCALL``
record where the event has one, else its first), each ``key=value`` under its key (``syscall``,
``success``, ``exit``, ``uid``, ``auid``, ``comm``, ``exe``, ``key`` ...; the ``op=... acct=...
res=...`` inside a user-space record's ``msg='...'`` as columns of their own), with

- ``timestamp``: the event's time, ``audit(SECONDS.MILLIS:...)``, epoch seconds (UTC);
- ``serial``: the event's serial number, and ``node``: the ``node=HOST`` prefix where lines
  have one (several hosts' records in one file: events are told apart by node and serial);
- ``type``: the main record's type (``SYSCALL``, ``USER_LOGIN``, ``USER_AUTH``, ``AVC`` ...),
  and ``records``: the types of the event's records, each once, in their order (``SYSCALL
  EXECVE CWD PATH PROCTITLE``; ``EOE`` left out);
- a summary of the other records: ``path_count`` (its ``PATH`` records, 0 where none),
  ``path_name`` (the first ``PATH`` record's ``name``), ``cwd``, ``argc`` (the ``EXECVE``
  record's) and ``cmdline``: the ``EXECVE`` arguments joined by spaces where the event has one
  (the program it started; a long argument list, which the kernel splits over several
  ``EXECVE`` records, whole), else its ``PROCTITLE`` (the command line of the process that
  made the call; one column, not two: for an execve they say the same).

Values in double or single quotes are taken as written; a value audit hex-encoded (a bare,
even-length upper-case hex string in a field audit encodes when it holds spaces, quotes or
control characters: ``proctitle``, ``comm``, ``exe``, ``cwd``, ``name``, ``acct``, ``cmd``,
``key`` ..., and an ``EXECVE`` record's arguments) is decoded to text, bytes that are no UTF-8
replaced and NULs (between a command line's arguments) read as spaces. ``(null)`` is missing.
The translations auditd's ``log_format = ENRICHED`` appends after a ``\\x1d`` character
(``UID="root" AUID="alice" SYSCALL=execve ARCH=x86_64``) are columns under their own
upper-case names, beside the raw numbers (``uid`` is ``0``, ``UID`` is ``root``). Whatever
precedes ``type=`` (a syslog header, ``node=``) is no column. ``ausearch``'s output (without
``-i``) reads as the log does: its ``----`` and ``time->...`` lines are passed over, and the
records of each event, which it writes newest first, are taken in audit's order.

The records of an event are adjacent or near each other: an event ends with its ``EOE`` or
``PROCTITLE`` record, or with its only record where that is of a kind audit writes alone
(user-space messages ``USER_*``, ``CRED_*``, ``DAEMON_*``, user-space ``ANOM_*`` ...: the rule
of audit's own ``audit_is_last_record``); an event without such an end is complete once
:data:`LINGER_RECORDS` records of other events came after its last one, once a record of the
same node more than :data:`LINGER_SECONDS` newer (audit time, each host's own clock: a clock
stepped back or a host whose clock is ahead splits no event) came, or at the end of the input.
At most :data:`MAX_OPEN` events are held open (the least recently seen one goes first), so
memory is bounded whatever the file's length. A record that comes after its event was
completed so, without its end (one of the last :data:`REMEMBER_CLOSED` such events), is dropped
and counted (logged), not read as an event of its own. Rows come in the order their events
complete.

Examples
--------
>>> lines = ['type=USER_LOGIN msg=audit(1700000000.512:87): pid=811 uid=0 auid=1000 ses=3 '
...          "msg='op=login id=1000 exe=\\"/usr/sbin/sshd\\" addr=10.0.0.9 terminal=ssh res=success'",
...          'type=SYSCALL msg=audit(1700000001.250:88): arch=c000003e syscall=59 success=yes '
...          'exit=0 uid=1000 auid=1000 comm="ls" exe="/usr/bin/ls" key=(null)',
...          'type=EXECVE msg=audit(1700000001.250:88): argc=2 a0="ls" a1=2D6C20612062',
...          'type=PROCTITLE msg=audit(1700000001.250:88): proctitle=6C73002D6C20612062']
>>> login, ls = auditd_events(lines)
>>> login["type"], login["op"], login["exe"], login["res"], login["timestamp"]
('USER_LOGIN', 'login', '/usr/sbin/sshd', 'success', 1700000000.512)
>>> ls["records"], ls["syscall"], ls["key"], ls["argc"], ls["cmdline"]
('SYSCALL EXECVE PROCTITLE', '59', None, 2, 'ls -l a b')
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hourglass._eol import without_boms
from hourglass.ingest.cef import _first_line_parses, _LineSpec, json_line

logger = logging.getLogger(__name__)

__all__ = ["AUDITD", "AUDITD_ROLES", "LINGER_RECORDS", "LINGER_SECONDS", "MAX_OPEN", "REMEMBER_CLOSED",
           "AuditEvents", "auditd_events", "looks_like_auditd", "parse_auditd"]

#: Records of other events after an event's last one that complete it (when no end came).
LINGER_RECORDS = 64
#: Seconds of audit time after an event's time at which it is complete (auditd's own
#: ``end_of_event_timeout`` default).
LINGER_SECONDS = 2.0
#: The most events held open at once (the least recently seen one is completed first).
MAX_OPEN = 1024
#: The events completed before their end remembered, so that a record of one that comes late
#: is dropped.
REMEMBER_CLOSED = 4096

# A record's header: node= (optional), the type (a name, the kernel's number as dmesg and
# journald write it, or UNKNOWN[number] as auditd writes a type it has no name for), then
# audit(SECONDS.MILLIS:SERIAL); msg= is absent from kernel lines.
_HEAD = re.compile(r"(?:node=([^\s=]+) )?type=([A-Za-z0-9_]+(?:\[\d{1,5}\])?) (?:msg=)?"
                   r"audit\((\d{1,12}(?:\.\d{1,9})?):(\d{1,20})\):?")
# where a record starts on a line (what sniffing looks for past a first line of another kind)
_START = re.compile(rb"(?:node=\S+ )?type=[A-Za-z0-9_]+(?:\[\d{1,5}\])? (?:msg=)?audit\(")
# key=value: the value in double quotes, in single quotes, or bare (one group each); a key starts
# a word (tried inside one, a long word costs its length squared)
_PAIR = re.compile(r"""(?<![\w\-])([A-Za-z_][\w\-]*(?:\[\d+\])?)=(?:"([^"]*)"|'([^']*)'|([^\s"']*))""")
# ENRICHED's separator as rsyslog stores it (control characters escaped as #ooo, its default)
_RSYSLOG_GS = re.compile(r"#035(?=[A-Z][A-Z_]*=)")
_HEX = re.compile(r"(?:[0-9A-F]{2})+")
_EXECVE_ARG = re.compile(r"a(\d+)(?:\[(\d+)\])?")
# Fields audit writes with audit_log_untrustedstring (quoted when plain, hex when not).
_ENCODED = frozenset(("proctitle", "comm", "exe", "cwd", "name", "acct", "cmd", "path", "ocomm",
                      "data", "key", "vm", "root_dir", "watch", "dir", "grp", "new_group", "cgroup",
                      "old-chardev", "new-chardev", "old-disk", "new-disk", "old-net", "new-net",
                      "old-fs", "new-fs", "device", "sw"))
# The types of records audit writes alone (an event of one record), by number and by name, after
# audit's own audit_is_last_record: AUDIT_USER (1005), the user-space messages after AUDIT_LOGIN
# (1007-1299), NetLabel's MAC_UNLBL_ALLOW ... MAC_CALIPSO_DEL (1406-1419), KERNEL (2000) and
# from AUDIT_FIRST_ANOM_MSG (2100: user-space anomalies, responses, roles and labels, crypto,
# virt) on; the kernel's anomalies (1700-1799) and integrity records (1800-) are in a syscall's
# event, not alone.
_ALONE_PREFIXES = ("USER_", "CRED_", "DAEMON_", "ANOM_", "RESP_", "ROLE_", "CRYPTO_", "VIRT_",
                   "GRP_", "SERVICE_", "SYSTEM_", "ACCT_", "LABEL_", "MAC_UNLBL_", "MAC_CIPSOV4_",
                   "MAC_MAP_", "MAC_IPSEC_", "MAC_CALIPSO_")
_ALONE = frozenset(("USER", "KERNEL", "USYS_CONFIG", "ADD_USER", "DEL_USER", "ADD_GROUP", "DEL_GROUP",
                    "DAC_CHECK", "CHGRP_ID", "TEST", "TRUSTED_APP", "CHUSER_ID", "SOFTWARE_UPDATE",
                    "DEV_ALLOC", "DEV_DEALLOC", "FS_RELABEL"))
_KERNEL_ANOM = frozenset(("ANOM_PROMISCUOUS", "ANOM_ABEND", "ANOM_LINK", "ANOM_CREAT"))  # 1700-1703
_END = frozenset(("EOE", "PROCTITLE", "1320", "1327"))
_META = ("timestamp", "serial", "node", "type")
# How the table models read the columns: user and group ids, the syscall number, exit codes and
# names are identities and codes (categories); process and session ids, register arguments
# (a0..a3), the serial and the time identify one event. A login's addr is an address; its
# hostname is the same address (or its DNS name) again.
AUDITD_ROLES: dict[str, str] = {
    "addr": "ip",
    **{c: "drop" for c in ("timestamp", "serial", "pid", "ppid", "ses", "a0", "a1", "a2", "a3",
                           "old-ses", "inode", "dev", "hostname")},
    **{c: "categorical" for c in (
        "node", "type", "records", "arch", "syscall", "success", "exit", "auid", "uid", "gid",
        "euid", "suid", "fsuid", "egid", "sgid", "fsgid", "tty", "comm", "exe", "subj", "key",
        "op", "acct", "id", "old-auid", "res", "terminal", "grantors", "path_name", "cwd",
        "ARCH", "SYSCALL", "AUID", "UID", "GID", "EUID", "SUID", "FSUID", "EGID", "SGID",
        "FSGID", "ID", "OAUID", "OUID", "OGID")},
}


def _decoded(value: str) -> str:
    text = bytes.fromhex(value).rstrip(b"\x00").decode("utf-8", "replace")
    return text.replace("\x00", " ").replace("\x01", " ")  # arguments' and keys' separators


def _pairs(text: str, execve: bool, into: dict[str, Any]) -> None:
    """The ``key=value`` pairs of ``text`` into ``into`` (a repeated key: its first value)."""
    for key, quoted, single, bare in _PAIR.findall(text):
        value: str | None = quoted
        if single:
            if "=" in single:  # msg='op=... acct="..." res=success': the pairs inside
                _pairs(single, execve, into)
                continue
            value = single
        elif bare:
            value = bare
            if bare == "(null)":
                value = None
            elif (key in _ENCODED or (execve and key[0] == "a" and _EXECVE_ARG.fullmatch(key))) \
                    and len(bare) % 2 == 0 and _HEX.fullmatch(bare):
                value = _decoded(bare)
        elif not quoted:  # key= (or key=""): missing
            value = None
        if key not in into:
            into[key] = value


def parse_auditd(line: str | bytes) -> dict[str, Any] | None:
    """One audit record as a flat row (``timestamp``, ``serial``, ``node`` where the line has
    one, ``type``, then its fields as the module's description reads them), or ``None`` when
    the line holds no audit record (no ``type=... msg=audit(TIME:SERIAL):``).

    Examples
    --------
    >>> row = parse_auditd('node=web1 type=PATH msg=audit(1700000000.123:42): item=0 '
    ...                    'name=2F746D702F6120622E7368 inode=55 mode=0100755 nametype=NORMAL')
    >>> row["node"], row["type"], row["serial"], row["name"], row["nametype"]
    ('web1', 'PATH', '42', '/tmp/a b.sh', 'NORMAL')
    >>> parse_auditd('type=SYSCALL msg=audit(1700000000.123:42): syscall=257 uid=0 comm="cat"'
    ...              '\\x1dARCH=x86_64 SYSCALL=openat UID="root"')["SYSCALL"]
    'openat'
    >>> parse_auditd("Nov 14 22:13:20 host sshd[7]: Accepted password for bob") is None
    True
    """
    return _parse(line, False)


def _parse(line: str | bytes, summary: bool) -> dict[str, Any] | None:
    """:func:`parse_auditd`; with ``summary``, of the records an event's row only summarises
    (``PATH``, ``CWD``, ``PROCTITLE``, ``EOE``) only the one field it takes (faster: a ``PATH``
    record has some twenty)."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    head = _HEAD.search(text)
    if head is None or json_line(text):  # (a JSON line holding a record in a field: none)
        return None
    node, kind, seconds, serial = head.groups()
    row: dict[str, Any] = {"timestamp": float(seconds), "serial": serial}
    if node is not None:
        row["node"] = node
    row["type"] = kind
    rest = text[head.end():].rstrip("\r\n")
    body, gs, enriched = rest.partition("\x1d")
    if not gs and "#035" in rest and (m := _RSYSLOG_GS.search(rest)) is not None:
        body, enriched = rest[:m.start()], rest[m.end():]
    code = _code(kind)
    field = _SUMMARISED.get(code) if summary else None
    if field is not None:
        m = field.search(body)
        if m is not None:  # (a repeated key: its first value, as _pairs takes it)
            _pairs(m.group(0), False, row)
        return row
    _pairs(body, code in ("EXECVE", "1309"), row)  # (1309: the kernel's number, as dmesg writes it)
    if enriched:  # log_format = ENRICHED: UID="root" SYSCALL=openat ..., under their own names
        _pairs(enriched, False, row)
    return row


def _code(kind: str) -> str:
    """The type of a record as the reader tells kinds apart: auditd's ``UNKNOWN[1334]`` (a
    type it has no name for) as the kernel's number, ``1334``; a name or number as it is.

    Examples
    --------
    >>> _code("UNKNOWN[1334]"), _code("SYSCALL"), _code("1300")
    ('1334', 'SYSCALL', '1300')
    """
    return kind[8:-1] if kind.startswith("UNKNOWN[") else kind


def _summary_record(line: bytes) -> dict[str, Any] | None:
    """An audit record as an event's row takes it (see :func:`_parse`)."""
    return _parse(line, True)


def looks_like_auditd(head: bytes) -> bool:
    """Whether a file's first bytes are audit records (the first non-blank line is one; as
    ``ausearch`` writes them, the first after its ``----`` and ``time->...`` lines; or more
    than half of the first eight lines are, a syslog line of another kind first).

    Examples
    --------
    >>> looks_like_auditd(b"type=DAEMON_START msg=audit(1700000000.001:3): op=start ver=3.1.2\\n")
    True
    >>> looks_like_auditd(b"date=2023-11-14 time=22:13:20 srcip=10.0.0.5 action=deny\\n")
    False
    >>> looks_like_auditd(b"----\\ntime->Tue Nov 14 22:13:20 2023\\ntype=EOE msg=audit(1700000000.1:7): \\n")
    True
    """
    text = without_boms(head)
    lines = text.split(b"\n", 8)
    if len(lines) > 2 and lines[0].strip() == b"----" and _ausearch_line(lines[1]):
        text = b"\n".join(lines[2:])
    return _first_line_parses(text, parse_auditd, _START)


def _alone(kind: str) -> bool:
    """Whether audit writes a record of type ``kind`` as an event of its own."""
    if kind.isdigit():
        n = int(kind)
        return n == 1005 or 1006 < n < 1300 or 1406 <= n <= 1419 or n == 2000 or n >= 2100
    return kind in _ALONE or (kind.startswith(_ALONE_PREFIXES) and kind not in _KERNEL_ANOM)


@dataclass
class _Open:
    first_line: int
    seen: int  # the number of the record last added to it (records counted from 0)
    records: list[dict[str, Any]]


# the one field an event's row takes of each record it summarises (EOE: none)
_SUMMARISED: dict[str, re.Pattern[str]] = {
    **{k: re.compile(r"(?<!\S)name=(?:\"[^\"]*\"|\S*)") for k in ("PATH", "1302")},
    **{k: re.compile(r"(?<!\S)cwd=(?:\"[^\"]*\"|\S*)") for k in ("CWD", "1307")},
    **{k: re.compile(r"(?<!\S)proctitle=(?:\"[^\"]*\"|\S*)") for k in ("PROCTITLE", "1327")},
    **{k: re.compile(r"$^") for k in ("EOE", "1320")},
}
_SUMMARY = {"SYSCALL": "main", "1300": "main", "PATH": "path", "1302": "path", "CWD": "cwd",
            "1307": "cwd", "EXECVE": "execve", "1309": "execve", "PROCTITLE": "proctitle",
            "1327": "proctitle"}


def _event_row(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The row of one event's records (see the module's description)."""
    if len(records) == 1:  # (most user-space events)
        alone: dict[str, Any] = dict(records[0])
        alone["records"] = alone["type"]
        alone["path_count"] = 0
        return alone
    main = records[0]
    found: dict[str, dict[str, Any]] = {}
    kinds: dict[str, None] = {}
    paths = 0
    node = None
    more: list[dict[str, Any]] = []  # the EXECVE records after the first
    for r in records:
        kind = r["type"]
        kinds[kind] = None
        role = _SUMMARY.get(_code(kind))
        if role is not None:
            if role not in found:
                found[role] = r
            elif role == "execve":  # a long argument list: its arguments over several records
                more.append(r)
            paths += role == "path"
        if node is None:
            node = r.get("node")
    main = found.get("main", main)
    row: dict[str, Any] = {k: main[k] for k in _META if k in main}
    if node is not None:
        row["node"] = node
    row["records"] = " ".join(kinds)
    row.update(main)
    row.setdefault("path_count", paths)
    for name, record, field in (("path_name", "path", "name"), ("cwd", "cwd", "cwd")):
        value = found[record].get(field) if record in found else None
        if value is not None:
            row.setdefault(name, value)
    if "execve" in found:  # the new program's arguments, whole (a proctitle is cut at 128 bytes)
        execve = found["execve"]
        if more:  # the fields of every EXECVE record (one in several: the first record's value)
            execve = {k: v for r in reversed([execve, *more]) for k, v in r.items()}
        argc, cmdline = _command_line(execve)
        row.setdefault("argc", argc)
        row.setdefault("cmdline", cmdline)
    elif "proctitle" in found:  # the process's own command line
        proctitle = found["proctitle"].get("proctitle")
        if proctitle is not None:
            row.setdefault("cmdline", proctitle)
    return row


def _command_line(execve: dict[str, Any]) -> tuple[int, str]:
    """An ``EXECVE`` record's argument count and arguments joined by spaces (an argument too
    long for one field, ``a1[0]= a1[1]= ...``, joined first)."""
    argc = execve.get("argc")
    count = int(argc) if isinstance(argc, str) and argc.isascii() and argc.isdigit() else -1
    keys = [f"a{i}" for i in range(count)] if 0 < count <= 4096 else []
    if keys and all(k in execve for k in keys):  # each argument whole, in its own field
        return count, " ".join(v for k in keys if (v := execve[k]) is not None)
    args: dict[int, list[tuple[int, str]]] = {}
    for key, value in execve.items():
        m = _EXECVE_ARG.fullmatch(key)
        if m is not None and value is not None:
            args.setdefault(int(m.group(1)), []).append((int(m.group(2) or 0), value))
    text = " ".join("".join(piece for _, piece in sorted(args[i])) for i in sorted(args))
    return (count if count >= 0 else len(args)), text


class AuditEvents:
    """Audit records gathered into events (see the module's description): each
    :meth:`add` gives the events it completed, :meth:`close` the ones still open at the end.

    Parameters
    ----------
    linger
        Records of other events after an event's last record that complete it.
    seconds
        Audit time past an event's time that completes it.
    max_open
        The most events held open (beyond it, the least recently seen is completed).
    remember
        The events completed before their end remembered: a record of one of them that comes
        later is dropped.

    Examples
    --------
    >>> events = AuditEvents()
    >>> events.add(parse_auditd("type=SYSCALL msg=audit(1700000000.1:7): syscall=2 exe=\\"/bin/cat\\""), 1)
    []
    >>> events.add(parse_auditd("type=CWD msg=audit(1700000000.1:7): cwd=\\"/root\\""), 2)
    []
    >>> [(line, row["records"], row["cwd"]) for line, row in events.add(
    ...     parse_auditd("type=EOE msg=audit(1700000000.1:7):"), 3)]
    [(1, 'SYSCALL CWD', '/root')]
    >>> events.add(parse_auditd("type=SYSCALL msg=audit(1700000000.2:8): syscall=2"), 4), len(events.close())
    ([], 1)
    """

    def __init__(self, linger: int = LINGER_RECORDS, seconds: float = LINGER_SECONDS,
                 max_open: int = MAX_OPEN, remember: int = REMEMBER_CLOSED) -> None:
        self.linger = linger
        self.seconds = seconds
        self.max_open = max_open
        self.remember = remember
        self._open: OrderedDict[tuple[Any, ...], _Open] = OrderedDict()  # least recently seen first
        self._closed: OrderedDict[tuple[Any, ...], None] = OrderedDict()  # recently completed
        self._count = 0
        #: Records dropped because their event had already been completed (see :meth:`add`).
        self.late = 0
        self._late_said = 0
        # ausearch's output (once its '----' came): the records since the last one, newest first
        self._block: list[tuple[dict[str, Any], int]] | None = None

    def add(self, record: dict[str, Any], line: int = 0) -> list[tuple[int, dict[str, Any]]]:
        """Add one record (a row of :func:`parse_auditd`, read at ``line``); the events this
        completed, each as (the line of its first record, its row). A record of an event
        completed without its end (one of the last ``remember``) came late: it is dropped
        (counted in :attr:`late`), not made an event of its own. After a :meth:`between`, the
        records are held until the next one (or :meth:`close`), as long as they are one event's
        (however many: an open event holds all its records too): a record of another event (an
        audit log after ``ausearch``'s output) ends that, the records held taken as
        ``ausearch``'s event and the later ones as they come.

        Examples
        --------
        >>> events = AuditEvents()
        >>> _ = events.between()
        >>> events.add(parse_auditd("type=PROCTITLE msg=audit(1700000000.1:7): proctitle=6C73"), 2)
        []
        >>> [(line, row["serial"]) for line, row in events.add(
        ...     parse_auditd("type=SYSCALL msg=audit(1700000005.1:8): syscall=2"), 3)]
        [(2, '7')]
        """
        block = self._block
        if block is not None:
            first = block[0][0] if block else record
            if (record.get("node"), record["serial"], record["timestamp"]) \
                    == (first.get("node"), first["serial"], first["timestamp"]):
                block.append((record, line))
                return []
            done = self.between()
            self._block = None  # no more ausearch events (until its next '----')
            return done + self._add(record, line)
        return self._add(record, line)

    def between(self) -> list[tuple[int, dict[str, Any]]]:
        """The line ``ausearch`` writes before each event (``----``): the records since the last
        one, which it writes newest first (``PROCTITLE ... SYSCALL``), are added in the order
        audit wrote them, each at the line of the first of them; the events that completed.

        Examples
        --------
        >>> events = AuditEvents()
        >>> events.between()
        []
        >>> for n, line in enumerate(["type=PROCTITLE msg=audit(1700000000.1:7): proctitle=6C73",
        ...                           "type=CWD msg=audit(1700000000.1:7): cwd=\\"/root\\"",
        ...                           "type=SYSCALL msg=audit(1700000000.1:7): syscall=59"], start=2):
        ...     events.add(parse_auditd(line), n)
        []
        []
        []
        >>> [(line, row["type"], row["records"], row["cmdline"]) for line, row in events.between()]
        [(2, 'SYSCALL', 'SYSCALL CWD PROCTITLE', 'ls')]
        """
        block, self._block = self._block or [], []
        first = block[0][1] if block else 0
        return [done for record, _ in reversed(block) for done in self._add(record, first)]

    def _add(self, record: dict[str, Any], line: int) -> list[tuple[int, dict[str, Any]]]:
        kind = _code(record["type"])
        node = record.get("node")
        now = record["timestamp"]
        key = (node, record["serial"], now)
        self._count += 1
        done: list[tuple[int, dict[str, Any]]] = []
        event = self._open.get(key)
        if event is None:
            if kind in ("EOE", "1320"):  # after a PROCTITLE that completed its event, or alone
                return done
            if key in self._closed:  # its event was completed before it came
                self.late += 1
                logger.debug("audit record %s of event %s (line %s) came after its event was "
                             "completed: dropped", kind, key, line)
                return done
            if _alone(kind):
                done.append((line, _event_row([record])))
            else:
                event = self._open[key] = _Open(line, self._count, [record])
        else:
            self._open.move_to_end(key)
            event.seen = self._count
            if kind not in ("EOE", "1320"):
                event.records.append(record)
        if event is not None and kind in _END:
            del self._open[key]
            done.append((event.first_line, _event_row(event.records)))
            event = None
        # the least recently seen events that lingered long enough: records of other events
        # came, too many are open, or a record of the same node (its own clock) is newer by
        # more than `seconds` (never the event this record went to)
        while self._open:
            oldest_key, oldest = next(iter(self._open.items()))
            if oldest is event or (len(self._open) <= self.max_open
                                   and self._count - oldest.seen < self.linger
                                   and (oldest_key[0] != node or now - oldest_key[2] <= self.seconds)):
                break
            del self._open[oldest_key]
            self._completed(oldest_key)
            done.append((oldest.first_line, _event_row(oldest.records)))
        return done

    def _completed(self, key: tuple[Any, ...]) -> None:
        """Remember that the event of ``key`` was completed before its end (the last
        ``remember`` ones)."""
        closed = self._closed
        closed[key] = None
        if len(closed) > self.remember:
            closed.popitem(last=False)

    def close(self) -> list[tuple[int, dict[str, Any]]]:
        """The events still open (the end of the input), least recently seen first.

        Examples
        --------
        >>> AuditEvents().close()
        []
        """
        done = self.between() if self._block else []
        self._block = None
        done += [(event.first_line, _event_row(event.records)) for event in self._open.values()]
        self._open.clear()
        if self.late > self._late_said:
            logger.info("%d audit record(s) came after their event was completed (a clock step, "
                        "interleaving beyond the limits): dropped", self.late - self._late_said)
            self._late_said = self.late
        return done


def auditd_events(lines: Iterable[str | bytes]) -> list[dict[str, Any]]:
    """The event rows of audit lines (lines that hold no record left out), as ``--format
    auditd`` reads a file.

    Examples
    --------
    >>> rows = auditd_events(["type=USER_AUTH msg=audit(1700000000.5:9): pid=1 uid=0 "
    ...                       "msg='op=PAM:authentication acct=\\"alice\\" res=failed'", "junk"])
    >>> [(r["type"], r["acct"], r["res"], r["path_count"]) for r in rows]
    [('USER_AUTH', 'alice', 'failed', 0)]
    """
    events = AuditEvents()
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        record = parse_auditd(line)
        if record is not None:
            rows.extend(row for _, row in events.add(record, number))
    rows.extend(row for _, row in events.close())
    return rows


def _ausearch_line(line: str | bytes) -> bool:
    """Whether ``line`` is one ``ausearch`` writes between events (``----``, then
    ``time->Tue Nov 14 22:13:20 2023``), not a record.

    Examples
    --------
    >>> _ausearch_line(b"----\\n"), _ausearch_line("time->Tue Nov 14 22:13:20 2023"), _ausearch_line("x")
    (True, True, False)
    """
    text = line.strip() if isinstance(line, str) else line.strip().decode("utf-8", "replace")
    return text == "----" or text.startswith("time->")


@dataclass(frozen=True)
class _AuditdSpec(_LineSpec):
    """Audit lines read into one row per event (:class:`AuditEvents`); ``stream`` and the
    service gather a model's lines into events the same way (:meth:`events`)."""

    def events(self) -> AuditEvents | None:
        return AuditEvents()

    def no_record(self, line: str | bytes) -> bool:
        """A blank line, or one ``ausearch`` writes between events (``----``, ``time->...``)."""
        return not line.strip() or _ausearch_line(line)


# fmt "jsonl": each event kind has its own fields, as JSON lines' rows vary
#: Linux audit (auditd) logs, one row per event.
AUDITD = _AuditdSpec(
    name="auditd", columns=None, label_col=None, normal=(), fmt="jsonl", roles=AUDITD_ROLES,
    sniffer=looks_like_auditd, time_col="timestamp", parse=_summary_record,
    expected="type=SYSCALL msg=audit(1700000000.123:4242): key=value ...",
    text_columns=("comm", "exe", "cwd", "path_name", "cmdline", "key", "acct", "subj"),
    description="Linux audit logs (auditd's audit.log, RAW or ENRICHED): one row per event, its "
                "SYSCALL (or first) record's fields plus its records' types, paths, cwd, command line")
