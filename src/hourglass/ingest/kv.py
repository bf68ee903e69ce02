"""Key=value log lines: FortiGate and other firewalls' syslog, Linux netfilter (iptables/UFW)
kernel lines, and logfmt application logs, one event a line::

    date=2023-11-14 time=22:13:20 devname="FGT-1" logid="0000000013" type="traffic"
    srcip=10.0.0.5 srcport=51544 dstip=93.184.216.34 dstport=443 proto=6 action="accept"
    Nov 14 22:13:20 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.9 DST=10.0.0.5 PROTO=TCP SPT=4431 DPT=22

Each ``key=value`` pair of a line is a column named by its key (a value in double quotes may
hold spaces; ``\\"`` and ``\\\\`` inside it are undone; an empty value, ``OUT=``, is missing;
netfilter's bare words, ``DF`` and the TCP flags ``SYN``, ``ACK`` ..., are one ``flags`` column);
text before, between and after the pairs (the syslog header, ``[UFW BLOCK]``) is left out
(F5 BIG-IP ASM's remote log parts its pairs, every value quoted, by commas, the first after its
tag, ``ASM:unit_hostname="bigip1",ip_client="203.0.113.9",...``, and is read so; Check
Point's generic export parts its pairs by ``|``, ``time=1557767758|action=Accept|product=VPN-1 &
FireWall-1|...``: a value then holds spaces, and ``\\=``, ``\\|`` are ``=``, ``|``). A
line's event time is the column ``timestamp``: its own ``timestamp`` key, else its
``eventtime`` (FortiGate: epoch seconds, milli-, micro- or nanoseconds, read as seconds), else
its ``date`` and ``time`` joined, else its ``ts`` or ``time`` (a ``timestamp``, ``ts`` or
``time`` that is an epoch number, ``ts=1700000000.25``, in seconds, milli-, micro- or
nanoseconds, is read as ``eventtime`` is: seconds), else its ``datetime`` (Mimecast's SIEM
logs, ``datetime=2024-03-01T08:00:00+0000|aCode=...|Sender=...``), else the RFC 3339 time of a
syslog header the line starts with (netfilter lines as rsyslog or journald forward them:
``2025-03-03T09:14:07.123456+00:00 gw kernel: ...``), or Asterisk's bracketed one (its security
log: ``[2024-03-01 08:00:00] SECURITY[1234] res_security_log.c: ...``). A BSD syslog time
(``Nov 14 22:13:20``) has no year and gives no event time.

Examples
--------
>>> row = parse_kv('date=2023-11-14 time=22:13:20 devname="FGT 1" srcip=10.0.0.5 dstport=443 '
...                'msg="said \\\\"hi\\\\"" OUT=')
>>> row["timestamp"], row["devname"], row["msg"], row["OUT"]
('2023-11-14 22:13:20', 'FGT 1', 'said "hi"', None)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from hourglass._eol import without_boms
from hourglass.ingest.cef import CHECK_POINT_ROLES, _LineSpec, json_line

__all__ = ["KV", "KV_ROLES", "SONICWALL_PARTS", "end_part", "ends_learnt_whole", "frame_ends_joined",
           "joined_ends", "looks_like_kv", "parse_kv"]

_PAIR = re.compile(r'(?<!\S)([A-Za-z_][\w.\-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)')  # space-separated pairs
_QUOTED_ESCAPE = re.compile(r'\\(["\\])')
# Check Point Log Exporter's generic ("splunk") format: pairs parted by '|', values that may
# hold spaces, '=' and '|' in a value escaped by a backslash ('time=1557767758|product=VPN-1 &
# FireWall-1|originsicname=cn\=cp_mgmt,o\=gw|...'): a line whose first pair's value (no quote,
# no blank) runs into '|' and a next key. Read as space-parted pairs, the whole line was one
# pair (no record), and a file of them was sniffed as a pipe-separated table whose header was
# its first record's pairs.
_PIPED = re.compile(r"[A-Za-z_][\w.\-]*=(?:[^|\\\s\"]|\\.)*\|[A-Za-z_][\w.\-]*=")
_PIPE_SPLIT = re.compile(r"(?<!\\)\|")
_PIPE_PAIR = re.compile(r"([A-Za-z_][\w.\-]*)=(.*)", re.S)
_PIPE_ESCAPE = re.compile(r"\\([=|\\])")
# F5 BIG-IP ASM (Advanced WAF) remote logging's default format: every value quoted, pairs
# parted by commas without a blank, the first key right after the syslog tag ('... bigip1
# ASM:unit_hostname="bigip1",management_ip_address="10.0.0.5",ip_client="203.0.113.66",...'):
# read as blank-parted pairs, no key followed a blank and the line was refused as no record. Read
# so only where a line holds fewer than three blank-parted pairs: a line read before reads alike.
_COMMA_PAIR = re.compile(r'(?:^|(?<=[\s,:]))([A-Za-z_][\w.\-]*)=("(?:[^"\\]|\\.)*")(?=,|\s*$)')
# a syslog priority right before the first pair, as FortiGate sends its lines ('<189>date=...')
_PRI = re.compile(r"\s*<\d{1,3}>")
# a syslog header's RFC 3339 time (rsyslog's and journald's forwarding, RFC 5424): '<6>1 2025-...',
# or Asterisk's bracketed one before each line of its logs: '[2024-03-01 08:00:00] SECURITY[1234] ...'
_HEADER_TIME = re.compile(r"\s*(?:<\d{1,3}>)?(?:1 )?\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
                          r"(?:Z|[+-]\d{2}:?\d{2})?)(?=\s|\] )")
# a PBS/Torque (and PBS Pro) accounting log's record: its time (month first), record type and job
# id parted by ';' before the pairs ('03/01/2024 08:00:00;E;1234.server;user=alice group=...'):
# read as blank-parted pairs, the first pair ran into the ';' and was lost (the job's user)
_PBS = re.compile(r"\s*(\d{2})/(\d{2})/(\d{4}) (\d{2}:\d{2}:\d{2});([A-Za-z]);([^;\s]+);")
_SNIFF_LINES = 8  # the lines of a file's head that sniffing reads
# a JSON array's start: '[' then a value ('[{', '["a', '[1,', '[]'), never a log line's bracketed
# time, as Asterisk writes each line of its logs: '[2024-03-01 08:00:00] SECURITY[1234] ...'
_JSON_ARRAY = re.compile(rb'\[\s*(?:[{\["\]]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*[,\]]|true|false|null)')
# the words netfilter (iptables/UFW LOG) writes without a value: IP's don't/more-fragments and
# congestion bits, TCP's flags; one 'flags' column of them (a SYN alone is a scan's mark)
_NETFILTER_FLAGS = frozenset(("CE", "DF", "MF", "CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN"))
_MIN_PAIRS = 3  # fewer key=value pairs than this: a free-text line that happens to hold a '='
# A SonicWall (SonicOS) line, 'id=firewall sn=0017C5... time="..." fw=... m=537 ...', writes each
# end of a connection as one value, its address, port, interface and perhaps the host's name
# ('src=10.0.0.5:51234:X0', 'dst=8.8.8.8:53:X1:dns.google'), and its NAT'd ends as address and
# port ('natSrc=203.0.113.5:51234'): read as they are, an address was one with its port (each
# connection's own: near-unique, dropped; or a category of every address and port together)
_SONICWALL_ENDS = ("src", "dst", "natSrc", "natDst")
_SONICWALL_END = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})(?::([^:]*)(?::(.*))?)?")
#: the columns a SonicWall end is read into, beside its address (``src``): its port, interface
#: and host name (``srcPort``, ``srcInterface``, ``srcName``)
SONICWALL_PARTS = ("Port", "Interface", "Name")
# How the table models read the keys of FortiGate and Sophos traffic logs and netfilter lines
# (names a file lacks are ignored): identifiers and in-event times identify, codes are categories. Addresses
# and ports named srcip/dstip/srcport/dstport are recognised by their names already.
KV_ROLES: dict[str, str] = {
    **{c: "ip" for c in ("SRC", "DST", "transip", "tranip")},
    **{c: "port" for c in ("SPT", "DPT", "transport", "tranport", "s_port",
                           # a SonicWall line's ends' ports, as _split_ends reads them
                           "srcPort", "dstPort", "natSrcPort", "natDstPort")},
    **{c: "drop" for c in ("date", "time", "eventtime", "timestamp", "ts", "sessionid", "ID",
                           # netfilter's IPv6 flow label, random per flow as IPv4's ID is, and
                           # the TCP sequence numbers --log-tcp-sequence adds (random per
                           # connection; an ICMP echo's counter)
                           "FLOWLBL", "SEQ", "ACK",
                           "tz", "itime", "poluuid", "srcuuid", "dstuuid",
                           # hardware addresses: netfilter's MAC header, FortiGate's and others'
                           # per-device MACs (a device's id, as PAN-OS's src_mac is dropped)
                           "MAC", "srcmac", "dstmac", "mastersrcmac", "masterdstmac", "src_mac",
                           "dst_mac",
                           # (netfilter's --log-macdecode, nftables' 'log flags ether': the MAC
                           # header's addresses one by one)
                           "MACSRC", "MACDST",
                           # Sophos Firewall's (SFOS) connection ids, as FortiGate's sessionid:
                           # a counter, whose new values lie past the training range
                           "connid", "vconnid",
                           # Check Point's log unification id and the log's sequence number
                           "loguid", "sequencenum",
                           # a PBS/Torque accounting record's job ('1234.server'): an identity,
                           # new with every job, its records' few (hashed, a bucket of jobs)
                           "job_id")},
    **{c: "categorical" for c in ("logid", "policyid", "proto", "PROTO", "flags", "type", "subtype",
                                  "level", "action", "IN", "OUT", "TOS", "PREC", "TTL",
                                  # IPv6's traffic class and hop limit, as IPv4's TOS and TTL,
                                  # and the EtherType --log-macdecode writes (0800, 86dd: a code)
                                  "TC", "HOPLIMIT", "MACPROTO",
                                  # FortiGate's ids of an application, IPS signature, web category,
                                  # antivirus signature, and its VRF number
                                  "appid", "attackid", "cat", "virusid", "vrf",
                                  # Sophos Firewall's message id and the ids of the firewall rule
                                  # and of the IPS, application-filter and access policies that
                                  # matched (rule 5 is no nearer rule 6 than rule 90)
                                  "log_id", "fw_rule_id", "ips_policy_id", "appfilter_policy_id",
                                  "iap",
                                  # Check Point's rule numbers and its service (the destination
                                  # port, 443; FortiGate's a name, HTTPS)
                                  "match_id", "parent_rule", "service",
                                  # a SonicWall line's ends' interfaces (X0, X1: names)
                                  "srcInterface", "dstInterface")},
    # the rest of Check Point's own keys (its NAT rule numbers, service_id), as its CEF and LEEF
    # exports' are read
    **CHECK_POINT_ROLES,
}


_DIGITS = re.compile(r"[0-9]+")  # ASCII digits ('²'.isdigit() is true, and int('²') fails)
# epoch seconds (or ms, us, ns) as logfmt's ts=, time= and timestamp= write them: 10, 13, 16 or
# 19 digits (2001-2286), a fraction allowed; another number is no epoch: a duration (time=12), a
# compact date (20231114221320, which the time reader reads as one)
_EPOCH = re.compile(r"([1-9](?:[0-9]{9}|[0-9]{12}|[0-9]{15}|[0-9]{18}))(\.[0-9]{1,9})?")


def _epoch_seconds(text: str) -> float | None:
    """Epoch seconds of an ``eventtime`` written in s, ms, us or ns (FortiOS writes ns).

    Examples
    --------
    >>> _epoch_seconds("1700000000123"), _epoch_seconds("\u00b2"), _epoch_seconds("x")
    (1700000000.123, None, None)
    """
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    for scale in (1, 10**3, 10**6, 10**9):
        if value / scale < 1e11:
            return value / scale
    return None


def _epoch_time(value: object) -> object:
    """A ``ts``/``time``/``timestamp`` value that is an epoch number (``1700000000.25``, or in
    ms, us, ns) as epoch seconds, as a CSV column of such numbers is read; else as it is.

    Examples
    --------
    >>> _epoch_time("1700000000.25"), _epoch_time("1700000000123"), _epoch_time("1700000000")
    (1700000000.25, 1700000000.123, 1700000000)
    >>> _epoch_time("12"), _epoch_time("20231114221320")  # a duration, a compact date
    ('12', '20231114221320')
    >>> _epoch_time("0000000042")  # zero-padded: a counter, not 1970
    '0000000042'
    >>> _epoch_time("2024-01-01T00:00:00Z")
    '2024-01-01T00:00:00Z'
    """
    m = _EPOCH.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        return value
    if m.group(2) is None:  # whole seconds stay an integer (1700000000), as JSON's and CSV's are
        whole = int(m.group(1))
        return whole if whole < 1e11 else _epoch_seconds(m.group(1))
    seconds = float(m.group(0))
    return seconds if seconds < 1e11 else _epoch_seconds(m.group(1))


def parse_kv(line: str | bytes) -> dict[str, Any] | None:
    """One key=value line as a flat row (see the module's description), or ``None`` when the
    line holds fewer than three ``key=value`` pairs.

    Examples
    --------
    >>> row = parse_kv("Nov 14 22:13:20 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.9 "
    ...                "DST=10.0.0.5 PROTO=TCP SPT=4431 DPT=22")
    >>> row["SRC"], row["DPT"], row["OUT"], row["flags"]
    ('203.0.113.9', '22', None, None)
    >>> parse_kv("kernel: [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=10.0.0.5 TTL=52 DF PROTO=TCP "
    ...          "SPT=4431 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0")["flags"]
    'DF SYN'
    >>> parse_kv("sshd[7]: Accepted password for bob from 10.0.0.9 port 22") is None
    True
    >>> parse_kv("eventtime=1700000000123456789 srcip=10.0.0.5 dstip=10.0.0.6")["timestamp"]
    1700000000.1234567
    >>> row = parse_kv('<134>Mar  1 08:00:01 bigip1 ASM:unit_hostname="bigip1",ip_client="203.0.113.9",'
    ...                'request_status="blocked",violations="Attack signature detected"')  # F5 ASM
    >>> row["unit_hostname"], row["ip_client"], row["violations"]
    ('bigip1', '203.0.113.9', 'Attack signature detected')
    """
    text = without_boms(line.decode("utf-8", "replace") if isinstance(line, bytes) else line)
    if json_line(text):  # JSON lines: pairs inside a field's text are no key=value line
        return None
    pri = _PRI.match(text)  # '<189>date=...': the first key follows the priority, not a space
    body = text if pri is None else text[pri.end():]
    pbs = _PBS.match(body)
    if pbs is not None:  # a PBS accounting record: its header's fields, then its pairs, any number
        return _pbs_record(pbs, _PAIR.findall(body[pbs.end():]))
    first = _PAIR.search(body)  # (Check Point's '|'-parted pairs: its first pair runs into a '|')
    piped = first is not None and _PIPED.match(body, first.start()) is not None
    pairs = _piped_pairs(body[first.start():]) if first is not None and piped else _PAIR.findall(body)
    if len(pairs) < _MIN_PAIRS and '",' in body:  # F5 ASM's comma-parted pairs, all quoted
        pairs = _COMMA_PAIR.findall(body)
    if len(pairs) < _MIN_PAIRS:
        return None
    row: dict[str, Any] = {}
    for key, value in pairs:
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
            if "\\" in value:
                value = _QUOTED_ESCAPE.sub(r"\1", value)
        row.setdefault(key, value if value != "" else None)  # a repeated key: its first value
    if row.get("timestamp") is not None:  # its own, as a number where it is epoch seconds
        # (an empty one, timestamp=, is missing: the event time comes from the keys below)
        row["timestamp"] = _epoch_time(row["timestamp"])
    else:  # the event time, under one name whatever the sender calls it
        seconds = _epoch_seconds(str(row.get("eventtime") or ""))
        if seconds is not None:
            row["timestamp"] = seconds
        elif row.get("date") and row.get("time"):
            row["timestamp"] = f"{row['date']} {row['time']}"
        elif row.get("ts") or row.get("time"):  # epoch seconds read as a number (logfmt: ts=...)
            row["timestamp"] = _epoch_time(row.get("ts") or row.get("time"))
        elif row.get("datetime"):  # Mimecast's SIEM logs: datetime=2024-03-01T08:00:00+0000|...
            row["timestamp"] = row["datetime"]
        elif (header := _HEADER_TIME.match(text)) is not None:  # netfilter lines: the syslog time
            row["timestamp"] = header.group(1)
    if _sonicwall_line(row):  # SonicWall: its ends, address:port:interface
        _split_ends(row)
    if "PROTO" in row and "flags" not in row:  # netfilter's bare words: DF, and the TCP flags
        start = text.find("IN=")
        words = [w for w in text[max(start, 0):].split() if w in _NETFILTER_FLAGS]
        row["flags"] = " ".join(words) if words else None
    return row


def _pbs_record(header: re.Match[str], pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """A PBS/Torque accounting record as a row: ``timestamp`` (its time, ISO), ``record_type``
    (``Q`` queued, ``S`` started, ``E`` ended, ``D`` deleted, ``A`` aborted ...), ``job_id`` and each
    pair (``user``, ``queue``, ``resources_used.walltime`` ...); a queued job's record holds a pair
    or none, and is a record too.

    Examples
    --------
    >>> row = parse_kv("03/01/2024 08:00:00;E;1234.pbs01;user=alice group=staff "
    ...                "resources_used.mem=1024kb resources_used.walltime=01:02:03")
    >>> row["timestamp"], row["record_type"], row["job_id"], row["user"], row["resources_used.mem"]
    ('2024-03-01 08:00:00', 'E', '1234.pbs01', 'alice', '1024kb')
    >>> parse_kv("03/01/2024 07:59:58;Q;1234.pbs01;queue=gpu")["queue"]
    'gpu'
    """
    month, day, year, clock, kind, job = header.groups()
    row: dict[str, Any] = {"timestamp": f"{year}-{month}-{day} {clock}", "record_type": kind, "job_id": job}
    for key, value in pairs:
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        row.setdefault(key, value if value != "" else None)
    return row


def _sonicwall_line(row: Mapping[str, Any]) -> bool:
    """Whether ``row`` is a SonicWall line's (``id=firewall sn=0017C5...``), the only rows whose
    ends :func:`parse_kv` reads apart (and :func:`joined_ends` joins back): a table of another
    kind with ``src`` beside ``srcPort`` wrote them apart itself.

    Examples
    --------
    >>> _sonicwall_line({"id": "firewall", "sn": "0017C5A1B2C3"}), _sonicwall_line({"src": "10.0.0.5"})
    (True, False)
    """
    return row.get("id") == "firewall" and end_part(row.get("sn")) is not None


def _split_ends(row: dict[str, Any]) -> None:
    """Read a SonicWall line's ends (``src=10.0.0.5:51234:X0``) into their address (``src``),
    port (``srcPort``), interface (``srcInterface``) and host name (``srcName``), in place; a
    value of another form (an IPv6 end, written in ``srcV6``) is left as it is.

    Examples
    --------
    >>> row = {"src": "10.0.0.5:51234:X0", "dst": "8.8.8.8:53:X1:dns.google",
    ...        "natSrc": "203.0.113.5:40000", "natDst": "2001:db8::1"}
    >>> _split_ends(row)
    >>> row["src"], row["srcPort"], row["srcInterface"], row["dstName"], row["natSrcPort"], row["natDst"]
    ('10.0.0.5', '51234', 'X0', 'dns.google', '40000', '2001:db8::1')
    """
    for end in _SONICWALL_ENDS:
        value = row.get(end)
        m = _SONICWALL_END.fullmatch(value) if isinstance(value, str) else None
        if m is None:
            continue
        row[end] = m.group(1)
        for part, text in zip(SONICWALL_PARTS, m.groups()[1:], strict=True):
            if text is not None:
                row.setdefault(end + part, text if text != "" else None)


def joined_ends(row: Mapping[str, Any], ends: tuple[str, ...]) -> dict[str, Any]:
    """``row`` with the SonicWall ``ends`` that :func:`_split_ends` read apart joined back into
    one value each, as the line wrote it (``src`` ``10.0.0.5``, ``srcPort`` ``51234``,
    ``srcInterface`` ``X0``: ``10.0.0.5:51234:X0``), for a model that learnt them so; ``row``
    itself where it holds none of them apart, or is no SonicWall line's (``id=firewall sn=...``:
    another table's ``src`` beside ``srcPort`` is left as it is).

    Examples
    --------
    >>> sw = {"id": "firewall", "sn": "0017C5A1B2C3"}
    >>> joined_ends({**sw, "src": "10.0.0.5", "srcPort": "51234", "srcInterface": "X0"}, ("src",))
    {'id': 'firewall', 'sn': '0017C5A1B2C3', 'src': '10.0.0.5:51234:X0'}
    >>> joined_ends({**sw, "dst": "8.8.8.8", "dstPort": 53, "dstInterface": None, "dstName": "dns.google"},
    ...             ("dst",))["dst"]
    '8.8.8.8:53::dns.google'
    >>> joined_ends({"src": "10.0.0.5", "srcPort": 51234}, ("src",))  # (no SonicWall line's)
    {'src': '10.0.0.5', 'srcPort': 51234}
    """
    if not any(end + "Port" in row for end in ends) or not _sonicwall_line(row):
        return row if isinstance(row, dict) else dict(row)
    out = dict(row)
    for end in ends:
        if end + "Port" not in out:
            continue
        found = [end_part(out.pop(end + part, None)) for part in SONICWALL_PARTS]
        while found and found[-1] is None:  # (an end without its interface or name)
            found.pop()
        if out.get(end) is not None and found:
            out[end] = ":".join([str(out[end]), *("" if f is None else f for f in found)])
    return out


def ends_learnt_whole(known: Iterable[object]) -> tuple[str, ...]:
    """Of a SonicWall line's ends (``src``, ``dst``, ``natSrc``, ``natDst``), those a model whose
    columns are ``known`` learnt as one value each, ``10.0.0.5:51234:X0`` (trained before the kv
    format read them apart: it knows ``src`` but none of its parts, ``srcPort``, ``srcInterface``
    or ``srcName``; one trained since with ``--drop srcPort`` knows ``srcInterface``).

    Examples
    --------
    >>> ends_learnt_whole(["dst", "sent"]), ends_learnt_whole(["dst", "dstPort"]), ends_learnt_whole([])
    (('dst',), (), ())
    >>> ends_learnt_whole(["src", "srcInterface", "dst"])  # (src read apart, its port dropped)
    ('dst',)
    """
    names = {str(c) for c in known}
    return tuple(end for end in ("src", "dst", "natSrc", "natDst")
                 if end in names and not any(end + part in names for part in SONICWALL_PARTS))


def frame_ends_joined(df: pd.DataFrame, ends: tuple[str, ...]) -> pd.DataFrame:
    """``df`` with the SonicWall ``ends`` it holds apart (``dst`` beside ``dstPort``) joined
    back, as :func:`joined_ends` joins a row's; ``df`` itself where it holds none, is no
    SonicWall log's (no ``id`` and ``sn``: another table's ``src`` beside ``srcPort``), or is no
    DataFrame (the caller's own check says what to give).

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["firewall"], "sn": ["0017C5A1B2C3"], "dst": ["8.8.8.8"],
    ...                    "dstPort": [53], "dstInterface": ["X1"]})
    >>> frame_ends_joined(df, ("dst",)).to_dict("list")
    {'id': ['firewall'], 'sn': ['0017C5A1B2C3'], 'dst': ['8.8.8.8:53:X1']}
    >>> frame_ends_joined(df.drop(columns=["id", "sn"]), ("dst",)).columns.tolist()  # (no SonicWall's)
    ['dst', 'dstPort', 'dstInterface']
    """
    if not isinstance(df, pd.DataFrame):  # records, a dict ...: the caller's check refuses them
        return df
    ends = tuple(e for e in ends if e in df.columns and e + "Port" in df.columns)
    if not ends or "id" not in df.columns or "sn" not in df.columns:
        return df
    parts = [e + p for e in ends for p in SONICWALL_PARTS if e + p in df.columns]
    rows = [joined_ends(r, ends) for r in df[["id", "sn", *ends, *parts]].to_dict("records")]
    joined = {e: pd.Series([r.get(e) for r in rows], index=df.index, dtype=object) for e in ends}
    return df.drop(columns=parts).assign(**joined)


def end_part(value: object) -> str | None:
    """A part of a SonicWall end (its port, interface or name) as the line wrote it: a port
    read as a number (``51234``, ``51234.0`` beside a missing one) as its digits.

    Examples
    --------
    >>> end_part(51234.0), end_part("X0"), end_part(float("nan")), end_part(None)
    ('51234', 'X0', None, None)
    """
    if value is None or value is pd.NA or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _piped_pairs(text: str) -> list[tuple[str, str]]:
    r"""The ``(key, value)`` pairs of Check Point's ``|``-parted line (:data:`_PIPED`), its
    escapes undone; a part that is no pair (the empty one after a last ``|``) is left out.

    Examples
    --------
    >>> _piped_pairs("action=Accept|product=VPN-1 & FireWall-1|sic=cn\\=gw,o\\=x|")
    [('action', 'Accept'), ('product', 'VPN-1 & FireWall-1'), ('sic', 'cn=gw,o=x')]
    """
    pairs = []
    for part in _PIPE_SPLIT.split(text.rstrip()):
        m = _PIPE_PAIR.fullmatch(part.strip())
        if m is not None:
            pairs.append((m.group(1), _PIPE_ESCAPE.sub(r"\1", m.group(2))))
    return pairs


def looks_like_kv(head: bytes) -> bool:
    """Whether a file's first bytes are key=value lines: the first non-blank line is no JSON
    object and holds three pairs or more (a CSV header line does not), and more than half of
    the first eight non-blank lines do (a
    syslog file whose first line happens to be a PAM message with ``uid=0 euid=0 tty=ssh`` is
    no key=value log).

    Examples
    --------
    >>> looks_like_kv(b'date=2023-11-14 time=22:13:20 srcip=10.0.0.5 action="deny"\\n')
    True
    >>> looks_like_kv(b"a,b,c\\n1,2,3\\n"), looks_like_kv(b'{"a": "x=1 y=2 z=3"}\\n')
    (False, False)
    >>> looks_like_kv(b"host sshd[7]: uid=0 euid=0 tty=ssh\\nhost sshd[7]: Failed password\\n"
    ...               b"host sshd[7]: Connection closed\\n")
    False
    >>> looks_like_kv(b'time,msg\\n1,"a=1 b=2 c=3"\\n2,"a=4 b=5 c=6"\\n3,"a=7 b=8 c=9"\\n')
    False
    >>> looks_like_kv(b"srcip=10.0\\n" + b"srcip=10.0.0.5 dstip=10.0.0.6 action=deny\\n" * 2)
    True
    """
    text = without_boms(head)
    if text.lstrip().startswith(b"{") or _JSON_ARRAY.match(text.lstrip()):
        return False
    lines = text.split(b"\n")
    if len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut short by the head's end
    lines = [ln for ln in lines if ln.strip()][:_SNIFF_LINES]
    # the first line too, as the CEF and PAN-OS sniffers ask: a CSV whose text column holds
    # key=value messages has a header line first, and is a CSV; a first line holding a pair or
    # two (a record cut short: 'srcip=10.0'), which no header does, is the log's, its line then
    # refused as no record (or skipped), as stream refuses it
    return (bool(lines) and (parse_kv(lines[0]) is not None or _holds_pair(lines[0]))
            and 2 * sum(parse_kv(ln) is not None for ln in lines) > len(lines))


def _holds_pair(line: bytes) -> bool:
    """Whether ``line``, no JSON, holds a ``key=value`` pair (a table's header holds none, and
    Excel's ``sep=;`` line before one is a CSV's).

    Examples
    --------
    >>> _holds_pair(b"srcip=10.0"), _holds_pair(b"time,msg"), _holds_pair(b'{"a": "b=1"}')
    (True, False, False)
    >>> _holds_pair(b"sep=;")
    False
    """
    text = line.decode("utf-8", "replace")
    return (not json_line(text) and not text.strip().lower().startswith("sep=")
            and _PAIR.search(text) is not None)


#: Key=value lines (FortiGate, netfilter/UFW, logfmt).
KV = _LineSpec(
    name="kv", columns=None, label_col=None, normal=(), fmt="jsonl", roles=KV_ROLES,
    sniffer=looks_like_kv, parse=parse_kv, time_col="timestamp",
    expected='key=value key="quoted value" ... (3 pairs or more)',
    description="key=value lines (FortiGate and firewall syslog, iptables/UFW, logfmt): each "
                "key a column; eventtime, or date + time, the event time")
