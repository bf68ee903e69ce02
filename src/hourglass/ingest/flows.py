"""Flow-record formats and their quirks: UNSW-NB15, CICFlowMeter (CIC-IDS2017/2018), Zeek conn.log,
AWS VPC Flow Logs.

* ``unsw-nb15``: the partitioned training/testing CSVs (header; ``id`` row number, ``label`` 0/1,
  ``attack_cat``) and the raw ``UNSW-NB15_1..4.csv`` files (no header; the 49 columns of
  ``NUSW-NB15_features.csv``; ports sometimes in hex, ``attack_cat`` empty for normal rows and with
  stray spaces). ``attack_cat`` is never a feature (it is the label in other words); ``evaluate``
  gives the detection rate per ``attack_cat`` rather than per ``label`` value (an attack row
  with an empty ``attack_cat``: under its ``label``, not as ``Normal``).
* ``cicflowmeter``: column names with leading spaces (stripped), ``Fwd Header Length`` twice (the
  second becomes ``Fwd Header Length.1``), ``Infinity``/``NaN`` in the rate columns (read as inf /
  missing; the preprocessing imputes them and adds an indicator), ``Label`` = ``BENIGN``
  (2017) or ``Benign`` (2018) for normal rows, as is CICFlowMeter-V4's ``NeedManualLabel`` (its
  own output for a capture not labelled); ``Flow ID``/``Timestamp`` dropped, IPs and ports get their roles;
  a file that is ASCII but for Windows-1252's punctuation is read as Windows-1252 (CIC-IDS2017's
  ``Web Attack \x96 Brute Force``).
* ``zeek-conn``: Zeek's TSV logs (``#separator``, ``#fields``, ``#types`` header lines, ``-`` for
  unset, ``(empty)``, a ``#close`` trailer; the ``\\xNN`` escapes of values undone, ``bool``
  fields' ``T``/``F`` read as booleans (another value a malformed row), sets and vectors as
  their JSON text, ``["a", "b"]``, as the same log written as JSON holds them) and Zeek JSON
  logs (one object per line). No label column by default; labelled exports (e.g. IoT-23
  ``conn.log.labeled``, whose last fields, ``tunnel_parents   label   detailed-label``, are
  joined by three spaces: split) take ``--label-col``; IoT-23's ``label`` and
  ``detailed-label`` are never features.
* ``aws-vpc-flow``: Amazon VPC Flow Logs as delivered to S3 (``.log.gz``): space-separated, a
  header line naming the fields (``version account-id interface-id srcaddr dstaddr srcport
  dstport protocol packets bytes start end action log-status`` by default; custom formats name
  more, ``vpc-id``, ``tcp-flags``, ``pkt-srcaddr``, ``flow-direction`` ...), ``-`` where a field
  has no value (``NODATA``/``SKIPDATA`` records). Files joined into one (``zcat *.log.gz``) read
  as one: the header lines they repeat are dropped and counted as bad rows; a header line of
  other fields (logs of another format joined in) is refused at its line. A header-less file
  (a CloudWatch Logs export) is read with the default fields; one in a custom format (more or
  fewer fields) is refused, naming the header line it needs. ``start`` (epoch seconds) is the
  event time; ``start`` and ``end`` (the aggregation window the record covers) are no features.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hourglass._eol import without_boms
from hourglass._limits import MAX_LINE_BYTES, loads_json
from hourglass.errors import InputError
from hourglass.ingest.datasets import DatasetSpec, first_line, require_fields
from hourglass.ingest.readers import check_path
from hourglass.ingest.tables import (
    CHUNK_BYTES,
    NULL_VALUES,
    SKIP_BAD_ROWS,
    ReadStats,
    _RowLines,
    check_log_text,
    iter_table,
    open_lines,
    open_text,
    read_head,
)

__all__ = ["AWS_VPC_FLOW", "CICFLOWMETER", "UNSW_NB15", "VPC_DEFAULT_FIELDS", "ZEEK_CONN", "ZeekSpec"]

# The 49 columns of the raw UNSW-NB15_1..4.csv files (NUSW-NB15_features.csv), lower-cased.
UNSW_RAW_COLUMNS = (
    "srcip", "sport", "dstip", "dsport", "proto", "state", "dur", "sbytes", "dbytes", "sttl",
    "dttl", "sloss", "dloss", "service", "sload", "dload", "spkts", "dpkts", "swin", "dwin",
    "stcpb", "dtcpb", "smeansz", "dmeansz", "trans_depth", "res_bdy_len", "sjit", "djit",
    "stime", "ltime", "sintpkt", "dintpkt", "tcprtt", "synack", "ackdat", "is_sm_ips_ports",
    "ct_state_ttl", "ct_flw_http_mthd", "is_ftp_login", "ct_ftp_cmd", "ct_srv_src",
    "ct_srv_dst", "ct_dst_ltm", "ct_src_ltm", "ct_src_dport_ltm", "ct_dst_sport_ltm",
    "ct_dst_src_ltm", "attack_cat", "label",
)


def _first_line(head: bytes) -> str:
    """The first line of ``head`` that holds anything (the header, as the CSV reader takes it:
    blank lines before it are passed over), stripped."""
    return first_line(head)[1].decode("utf-8", "replace").strip()


def _csv_first_line(head: bytes) -> str:
    """:func:`_first_line` of a CSV file, ``""`` for JSON lines (a line starting with ``{``):
    the flow datasets read as CSV (UNSW-NB15, CICFlowMeter) are never sniffed from a JSON
    object, though its keys name their columns (``"sbytes"``, ``"attack_cat"``) or its text
    holds 49 commas.

    Examples
    --------
    >>> _csv_first_line(b"srcip,sport,sbytes,attack_cat\\n"), _csv_first_line(b'{"sbytes": 5}\\n')
    ('srcip,sport,sbytes,attack_cat', '')
    """
    first = _first_line(head)
    return "" if first.startswith("{") else first


def _sniff_unsw(head: bytes) -> bool:
    first = _csv_first_line(head)
    if "attack_cat" in first and "sbytes" in first:
        return True
    fields = first.split(",")
    return len(fields) == 49 and fields[0].count(".") == 3 and fields[2].count(".") == 3


class _Unsw(DatasetSpec):
    def normalise(self, df: pd.DataFrame) -> pd.DataFrame:
        df = df.rename(columns=str.lower)
        if "attack_cat" in df.columns:
            cat = df["attack_cat"].astype("string").str.strip().replace({"Backdoors": "Backdoor"})
            empty = cat.isna() | cat.eq("").fillna(False)
            if "label" in df.columns:  # an attack row's empty category is none, not 'Normal'
                label = pd.to_numeric(df["label"], errors="coerce")
                empty &= label.eq(0) | label.isna()
            df["attack_cat"] = cat.mask(empty, "Normal")
        return df


UNSW_NB15 = _Unsw(
    name="unsw-nb15",
    columns=UNSW_RAW_COLUMNS,
    label_col="label",
    normal=("0",),
    drop=("attack_cat",),
    description="UNSW-NB15 flows: partitioned CSVs with header, or the raw 49-column files",
    header_marker="attack_cat",
    null_values=(*NULL_VALUES, " ", "-"),
    roles={"id": "drop", "stime": "drop", "ltime": "drop", "srcip": "ip", "dstip": "ip",
           "sport": "port", "dsport": "port"},
    categorical=("proto", "service", "state"),
    category_col="attack_cat",
    sniffer=_sniff_unsw,
    text_columns=("sport", "dsport"),
    time_col="stime",
)


def _sniff_cic(head: bytes) -> bool:
    first = _csv_first_line(head)
    return "Flow Duration" in first and ("Label" in first or "Flow Bytes/s" in first)


class _Cic(DatasetSpec):
    def check(self, df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
        """As :meth:`DatasetSpec.check`; a file of CICFlowMeter's Python port (``src_ip``,
        ``flow_duration`` ...: lower-case names, no ``Label``) is refused saying what it is."""
        if self.label_col not in df.columns and "flow_duration" in df.columns:
            raise InputError(f"{path}: no column {self.label_col!r}: CICFlowMeter's Python port "
                             "(src_ip, dst_port, flow_duration ...) writes no Label and names its "
                             "columns its own way; read it as a plain table (leave out --format "
                             "cicflowmeter), whose columns get their roles by their names")
        super().check(df, path)


CICFLOWMETER = _Cic(
    name="cicflowmeter",
    columns=None,
    label_col="Label",
    normal=("BENIGN", "Benign", "NeedManualLabel"),
    description="CICFlowMeter CSVs (CIC-IDS2017/2018): spaced names, duplicate column, Infinity",
    roles={"Flow ID": "drop", "Timestamp": "drop", "Src IP": "ip", "Dst IP": "ip",
           "Source IP": "ip", "Destination IP": "ip", "Src Port": "port", "Dst Port": "port",
           "Source Port": "port", "Destination Port": "port", "Protocol": "categorical"},
    sniffer=_sniff_cic,
    time_col="Timestamp",
    header_rows=True,  # CIC-IDS2018's files repeat their header inside
    legacy_encoding="cp1252",  # CIC-IDS2017's web attacks: 'Web Attack \x96 Brute Force'
)


VPC_DEFAULT_FIELDS = ("version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport",
                      "dstport", "protocol", "packets", "bytes", "start", "end", "action",
                      "log-status")
# Names AWS gives the fields (custom formats, versions 2-5; Transit Gateway flow logs'): ids of the
# account, network interface, VPC, subnet, instance and zone are categories (a new interface is
# news, not a magnitude), as are protocol numbers, TCP flag bitmasks (2 SYN, 18 SYN-ACK ...),
# actions and statuses.
_VPC_ROLES = {
    **{c: "ip" for c in ("srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr")},
    **{c: "port" for c in ("srcport", "dstport")},
    **{c: "drop" for c in ("version", "start", "end", "ecs-task-id")},
    **{c: "categorical" for c in ("account-id", "interface-id", "vpc-id", "subnet-id", "instance-id",
                                  "protocol", "tcp-flags", "type", "action", "log-status", "region",
                                  "az-id", "sublocation-type", "sublocation-id", "flow-direction",
                                  "traffic-path", "pkt-src-aws-service", "pkt-dst-aws-service",
                                  # a Transit Gateway flow log's accounts of the VPCs on each side
                                  # (twelve digits: read as a magnitude, a new account lay past or
                                  # within the training range by the digits AWS gave it)
                                  "tgw-src-vpc-account-id", "tgw-dst-vpc-account-id")},
}


def _sniff_vpc(head: bytes) -> bool:
    """Whether a file's first line is a VPC flow log's header line (``srcaddr`` and ``dstaddr``,
    or the packets' ``pkt-srcaddr`` and ``pkt-dstaddr``, among field names alone: a custom format
    need not have ``action`` or ``log-status``, as AWS's own NAT gateway example, ``version vpc-id
    ... srcaddr dstaddr ... pkt-dstaddr``, has neither) or a record of the default format, or of a
    custom one without its header line.

    Examples
    --------
    >>> _sniff_vpc(b"version vpc-id srcaddr dstaddr srcport dstport protocol tcp-flags type\\n")
    True
    >>> _sniff_vpc(b"srcaddr,dstaddr,action\\n10.0.0.1,10.0.0.2,ACCEPT\\n")
    False
    """
    fields = _first_line(head).split(" ")
    if "srcaddr" in fields and "dstaddr" in fields and ("action" in fields or "log-status" in fields):
        return True
    if ({"srcaddr", "pkt-srcaddr"} & set(fields) and {"dstaddr", "pkt-dstaddr"} & set(fields)
            and all(_VPC_NAME.fullmatch(f) for f in fields)):
        return True  # (one without srcaddr is then refused by name, not read as one text column)
    if len(fields) == len(VPC_DEFAULT_FIELDS) and fields[0] in ("2", "3", "4", "5") \
            and fields[-1] in ("OK", "NODATA", "SKIPDATA"):
        return True
    return _custom_without_header(fields)


# A header line's field names: each a lower-case name (a record has numbers, addresses, '-'),
# one of them a field AWS names (a custom format need not have srcaddr: pkt-srcaddr ...)
_VPC_NAME = re.compile(r"[a-z][a-z0-9-]*")
_VPC_NAMES = frozenset((*VPC_DEFAULT_FIELDS, *_VPC_ROLES, "reject-reason", "ecs-cluster-name",
                        "ecs-service-name", "ecs-container-id", "ecs-task-arn"))


def _header_line(fields: list[str]) -> bool:
    """Whether a first line's ``fields`` are a header line's field names (``version account-id
    ... srcaddr ...``; a custom format's without ``srcaddr`` too), not a record.

    Examples
    --------
    >>> _header_line("version interface-id pkt-srcaddr pkt-dstaddr action".split())
    True
    >>> _header_line("2 012345678901 eni-0a1b2c3d 10.0.0.5 10.0.1.5 443".split())
    False
    """
    return "srcaddr" in fields or (all(_VPC_NAME.fullmatch(f) for f in fields)
                                   and not _VPC_NAMES.isdisjoint(fields))


def _custom_without_header(fields: list[str]) -> bool:
    """Whether a first line's ``fields`` are a record of a custom format without its header line
    (a CloudWatch Logs export): version, account id, interface id first, but not the default
    format's 14 fields. Sniffed, to be refused with the way to read it (it was read as a
    one-column CSV table)."""
    return (len(fields) > 3 and len(fields) != len(VPC_DEFAULT_FIELDS) and fields[0] in ("2", "3", "4", "5")
            and len(fields[1]) == 12 and fields[1].isdigit() and fields[2].startswith("eni-"))


# A line that starts with a lower-case letter: a header line's candidates (a record of the
# default format starts with its version number, and one holds addresses, numbers, '-')
_VPC_LOWER_LINE = re.compile(rb"(?m)^[a-z][^\n]*")
# fields a record holds numbers in: text there in a chunk is a header line read as a record
_VPC_NUMBERS = ("version", "srcport", "dstport", "packets", "bytes", "start", "end")


def _other_vpc_header(path: Path, header: list[str] | None, start: int, upto: int | None = None,
                      ) -> tuple[int, str] | None:
    """The first header line after line ``start`` (the header line's; 0 for a header-less file)
    that does not name the fields ``header`` does (``None``: a header-less file, whose every
    header line is one), up to line ``upto``: its number and what is wrong; ``None`` where there
    is none. Such a line was read as a record, and the records after it under the first line's
    names (``srcport`` and ``dstport`` swapped, ``bytes`` read as ``packets``), unsaid.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "flows.log"
    >>> _ = p.write_text("version srcaddr dstaddr action\\n2 10.0.0.1 10.0.0.2 ACCEPT\\n"
    ...                  "version srcaddr dstaddr action\\nversion dstaddr srcaddr action\\n")
    >>> _other_vpc_header(p, ["version", "srcaddr", "dstaddr", "action"], 1)[0]
    4
    """
    what = ("a header line naming other fields than the first one's (flow logs of different formats "
            "joined into one file?); read each format's logs as a file of its own" if header is not None
            else "a header line in a file whose first line is a record (files with and without header "
            "lines joined?); put the header line first, or read each file on its own")
    line, tail = 0, b""  # (the lines before this block; the unfinished line of the one before)
    with open_text(path) as fh:
        while True:
            data = fh.read(1 << 22)
            block = tail + data if data else tail + b"\n" if tail else b""
            if not block:
                return None
            end = block.rfind(b"\n") + 1
            block, tail = block[:end], block[end:]
            if len(tail) > MAX_LINE_BYTES:  # a line no header is (nor held whole: no line break)
                tail = b""
            at = 0
            for m in _VPC_LOWER_LINE.finditer(block):
                line += block.count(b"\n", at, m.start())
                at = m.start()
                if upto is not None and line + 1 > upto:
                    return None
                if line + 1 <= start:
                    continue
                fields = m.group(0).rstrip(b"\r").decode("utf-8", "replace").split(" ")
                if fields != header and _header_line(fields):
                    return line + 1, what
            line += block.count(b"\n", at)


@dataclass(frozen=True)
class _VpcSpec(DatasetSpec):
    """AWS VPC Flow Logs: space-separated, with or without the header line."""

    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    used: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        p = check_path(path)
        stats = stats if stats is not None else ReadStats()
        check_log_text(p)  # UTF-16, gzip without .gz ...: said so, not 'expected 14 fields'
        head = read_head(p, 8192)
        first_fields = _first_line(head).split(" ")
        header = _header_line(first_fields)  # (one without srcaddr: refused by name below)
        if not header and _custom_without_header(first_fields):
            line = first_line(head)[0] + 1  # (blank lines before it)
            raise InputError(f"{p}: line {line} has {len(first_fields)} fields, not the default format's "
                             f"{len(VPC_DEFAULT_FIELDS)}: a custom format without its header line; "
                             "put the format's field names (version account-id interface-id ...) "
                             "as the first line")
        first = True
        start = first_line(head)[0] + 1 if header else 0  # the header line (blank lines before it)
        scanned = False

        def other_header(upto: int | None = None) -> None:
            """Refuse a later header line of other fields (:func:`_other_vpc_header`)."""
            found = _other_vpc_header(p, first_fields if header else None, start, upto)
            if found is not None:
                raise InputError(f"{p}: line {found[0]}: {found[1]}")

        # S3 delivers a header line in each file: files joined into one (zcat *.log.gz) repeat it,
        # rows dropped and counted. (The repeated-header filter re-reads the first block as quoted
        # CSV: quotes on, which VPC fields, ids, addresses, numbers and words, never hold.)
        chunks = iter_table(p, fmt="csv", sep=" ", names=None if header else VPC_DEFAULT_FIELDS,
                            on_bad_rows=on_bad_rows, chunk_bytes=chunk_bytes, stats=stats,
                            null_values=(*NULL_VALUES, "-"), quote=header, header_rows=header,
                            column_types={c: pa.string() for c in self.text_columns}, used=used)
        try:
            while True:
                # (a repeated header line dropped sets neither: no data row)
                skipped = (stats.first_skip, len(stats.gaps))
                try:
                    df = next(chunks)
                except StopIteration:
                    return
                except InputError as exc:  # a header line of other fields, read as a record?
                    at = re.search(r": line (\d+):", str(exc))
                    other_header(int(at.group(1)) if at else None)
                    raise
                if not scanned and ((stats.first_skip, len(stats.gaps)) != skipped or any(
                        c in df.columns and not pd.api.types.is_numeric_dtype(df[c].dtype)
                        for c in _VPC_NUMBERS)):
                    scanned = True  # (a row skipped, or text where numbers go: looked for once)
                    other_header()
                if first:
                    require_fields(df, p, ("srcaddr", "dstaddr"), "an AWS VPC flow log")
                    first = False
                yield df
        finally:
            close = getattr(chunks, "close", None)  # (a reader stopped early: its file closed now)
            if close is not None:
                close()


AWS_VPC_FLOW = _VpcSpec(
    name="aws-vpc-flow",
    columns=None,
    label_col=None,
    normal=(),
    description="AWS VPC Flow Logs (S3 .log.gz, space-separated, '-' for no value; header line "
                "or the default fields)",
    roles=_VPC_ROLES,
    sniffer=_sniff_vpc,
    # an account id is twelve digits, leading zeros included (012345678901): text, not a number
    text_columns=("account-id",),
    time_col="start",
)


_ZEEK_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")  # a '#separator' line's character, as Zeek writes it
_ZEEK_TYPES = {"time": pa.float64(), "interval": pa.float64(), "double": pa.float64(),
               "count": pa.float64(), "int": pa.float64(), "port": pa.float64()}
# a TSV value's escaped bytes: Zeek writes a backslash, a byte that is no printable ASCII (UTF-8
# too, unless LogAscii::enable_utf_8), the separators and a value that reads as '-' or
# '(empty)' as \xNN, so that every '\x' in a value starts one (a backslash itself is \x5c)
_ZEEK_VALUE_ESCAPES = re.compile(r"(?:\\x[0-9A-Fa-f]{2})+")


def _zeek_unescaped(text: str) -> str:
    r"""A Zeek TSV value with its ``\xNN`` escapes undone (a run of them decoded as UTF-8 together;
    bytes that are no UTF-8 stay as written).

    Examples
    --------
    >>> _zeek_unescaped(r"/a\x09b\x5cc"), _zeek_unescaped(r"caf\xc3\xa9"), _zeek_unescaped(r"\xff")
    ('/a\tb\\c', 'café', '\\xff')
    """
    return _ZEEK_VALUE_ESCAPES.sub(
        lambda m: bytes.fromhex(m.group(0).replace("\\x", "")).decode("utf-8", "backslashreplace"), text)


def _other_fields(fields: list[str], sep: str, line: str) -> str | None:
    """What is wrong with a ``#fields`` line after the data began (Zeek logs joined into one
    file, ``zcat conn.*.log.gz``) that names other fields than the first one: the rows after it
    would be read under the first one's names. ``None`` for any other comment line.

    Examples
    --------
    >>> _other_fields(["ts", "uid"], "\\t", "#fields\\tts\\tuid"), _other_fields(["ts"], "\\t", "#close\\tx")
    (None, None)
    >>> _other_fields(["ts", "uid"], "\\t", "#fields\\tuid\\tts")[:55]
    "a '#fields' line that names other fields than the first"
    """
    key, _, rest = line.rstrip("\r\n").partition(sep)
    if key != "#fields" or rest.split(sep) == fields:
        return None
    return ("a '#fields' line that names other fields than the first one's (Zeek logs of different "
            "layouts joined into one file?); read each layout's logs as a file of its own")


def _other_layout(path: Path, start: int, fields: list[str], sep: str,
                  upto: int | None) -> tuple[int, str] | None:
    """The first ``#fields`` line after the header's ``start`` lines, up to line ``upto``
    (``None``: the whole file), that names other fields than ``fields``: its number and what
    is wrong (:func:`_other_fields`); ``None`` where there is none."""
    with open_lines(path) as fh:
        for number, raw in enumerate(iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""), start=1):
            if upto is not None and number > upto:
                break
            if number > start and raw.startswith(b"#fields"):
                problem = _other_fields(fields, sep, raw.decode("utf-8", "replace"))
                if problem is not None:
                    return number, problem
    return None


_ZEEK_BOOLS = {"T": True, "F": False}
_ZEEK_CONTAINER = re.compile(r"(?:set|vector)\[(\w+)\]")  # a '#types' entry: set[string], vector[count]


def _zeek_element(text: str, kind: str) -> object:
    """One element of a Zeek TSV set or vector, as the JSON log writes it: a number for the
    numeric types, a boolean for ``bool``, else the text with its escapes undone."""
    if kind in ("count", "int", "port"):
        with contextlib.suppress(ValueError):
            return int(text)
    elif kind in ("double", "interval", "time"):
        with contextlib.suppress(ValueError):
            return float(text)
    elif kind == "bool" and text in _ZEEK_BOOLS:
        return _ZEEK_BOOLS[text]
    return _zeek_unescaped(text)


def _zeek_container(value: object, kind: str, set_sep: str) -> object:
    """A Zeek TSV set or vector value (``a,b``) as the JSON reader gives the same field of the
    JSON log: its JSON text (``["a", "b"]``)."""
    if not isinstance(value, str):
        return value
    return json.dumps([_zeek_element(v, kind) for v in value.split(set_sep)], sort_keys=True)


def _zeek_values(df: pd.DataFrame, kinds: dict[str, str] | None = None, empty: str = "(empty)",
                 set_sep: str = ",") -> pd.DataFrame:
    """The text columns of a chunk of a Zeek TSV log as the same log written as JSON holds
    them: values' escapes undone, ``bool`` fields (``T``/``F``) booleans, sets and vectors
    (``a,b``, elements split at ``set_sep``) their JSON text (``["a", "b"]``, an ``empty`` one
    ``[]``), an ``empty`` string missing, as the JSON log's ``""`` reads.

    Examples
    --------
    >>> df = pd.DataFrame({"local_orig": ["T", "F", None], "x": ["T", "(empty)", None],
    ...                    "TTLs": ["60.000000,5.500000", "(empty)", None]})
    >>> _zeek_values(df, {"local_orig": "bool", "x": "string", "TTLs": "vector[interval]"}).to_dict("list")
    {'local_orig': [True, False, nan], 'x': ['T', nan, nan], 'TTLs': ['[60.0, 5.5]', '[]', nan]}
    """
    kinds = kinds or {}
    done: set[str] = set()
    for c in df.columns:
        kind = kinds.get(c, "")
        col = df[c]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            continue
        if kind == "bool":
            true = (col == "T").to_numpy(dtype=bool, na_value=False)
            false = (col == "F").to_numpy(dtype=bool, na_value=False)
            if (true | false).all():
                df[c] = true
            else:  # (missing: '-'; a value neither T nor F is a malformed row, see _BoolCheck)
                out = np.full(len(col), np.nan, dtype=object)
                out[true], out[false] = True, False
                df[c] = out
            done.add(c)
        elif (container := _ZEEK_CONTAINER.fullmatch(kind)) is not None:
            codes, uniques = pd.factorize(col)  # (each value once; missing: -1)
            text = ["[]" if v == empty else _zeek_container(v, container.group(1), set_sep) for v in uniques]
            df[c] = np.array([*text, np.nan], dtype=object)[codes]
            done.add(c)
        elif kind in ("string", ""):  # (Zeek writes it for no address, enum or number)
            blank = (col == empty).to_numpy(dtype=bool, na_value=False)
            if blank.any():
                df[c] = col.where(~blank, None)
    for c in df.columns:
        col = df[c]
        if c in done:
            continue
        if pd.api.types.is_numeric_dtype(col.dtype):
            continue
        try:  # (Arrow strings as they are; an object column of text converted)
            found = pc.match_substring(pa.array(col.array, from_pandas=True), "\\x")
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            continue  # no text column
        if not pc.any(found).as_py():
            continue
        escaped = found.fill_null(False).to_numpy(zero_copy_only=False)
        df[c] = col.where(~escaped, col[escaped].map(_zeek_unescaped))
    return df


class _BoolCheck:
    """The rows of a Zeek TSV log whose ``bool`` field holds neither ``T``, ``F`` nor the unset
    value (``t``, ``1``, a damaged value): malformed rows, an error naming the file, line and
    field, or (``on_bad_rows="skip"``) skipped and counted in ``stats``, not read as missing.
    The chunks are asked in order; ``n`` header lines, ``width`` fields a row."""

    def __init__(self, path: Path, n: int, sep: str, width: int, on_bad_rows: str,
                 stats: ReadStats) -> None:
        self._path, self._n, self._blank = path, n, (sep, width) if width > 1 else None
        self._skip, self._stats = on_bad_rows == "skip", stats
        self._lines: _RowLines | None = None
        self._seen = self._kept = 0  # data rows the reader handed out, those kept here
        self._bad: list[int | None] = []  # the lines of the rows skipped here
        # the stats' skips (first unplaced, placed) as this check last left them
        self._first_skip: tuple[int | None, int] = (None, 0)

    def _line(self, row: int) -> int | None:
        """The file line of data row ``row`` (1-based) of the reader's rows."""
        if self._lines is None:
            self._lines = _RowLines(self._path, self._n, "#", decodable=False, quote=False,
                                    blank=self._blank)
        return self._lines.line_of(row)

    def checked(self, df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        seen, self._seen = self._seen, self._seen + len(df)
        bad = np.zeros(len(df), bool)
        for c in columns:
            col = df[c]
            if pd.api.types.is_bool_dtype(col.dtype):
                continue
            wrong = (col.notna() & ~col.isin(list(_ZEEK_BOOLS))).to_numpy(dtype=bool)
            if wrong.any() and not self._skip:
                i = int(np.flatnonzero(wrong)[0])
                line = self._line(seen + i + 1)
                where = f"line {line}" if line is not None else f"row {seen + i + 1}"
                raise InputError(f"{self._path}: {where}: field {c!r}: malformed value "
                                 f"{col.iloc[i]!r} (a Zeek bool is T or F; use {SKIP_BAD_ROWS} "
                                 "to skip such rows)")
            bad |= wrong
        # (rows the reader skipped before: its rows' lines are no longer sure)
        sure = (self._stats.first_skip, len(self._stats.gaps)) == self._first_skip
        for k, i in enumerate(np.flatnonzero(bad).tolist()):
            self._bad.append(self._line(seen + i + 1) if sure else None)
            self._stats.note_skip(self._kept + i - k)
        self._first_skip = (self._stats.first_skip, len(self._stats.gaps))
        self._kept += len(df) - int(bad.sum())
        if not bad.any():
            return df
        self._stats.rows -= int(bad.sum())  # (counted as handed out by the reader)
        self._stats.lines_of = None  # (a row's place among those kept here is not the reader's)
        self._stats.plain_beside_fields = {}  # (nor its places of such rows)
        return df[~bad].reset_index(drop=True)

    def close(self) -> None:
        """Count the rows skipped here (once the reader is done: a pass of it over the file
        again counts its own bad rows afresh)."""
        if self._lines is not None:
            self._lines.close()
            self._lines = None
        for line in self._bad:
            self._stats.bad_rows += 1
            self._stats.name_line(line)
        self._bad = []


_SPACED = re.compile(r" {2,}")  # the run of spaces IoT-23's labelled logs put between their last fields


def _spaced_fields(fields: list[str], types: list[str]) -> dict[str, tuple[str, list[str], list[str]]]:
    """The ``#fields`` entries that are several fields joined by a run of spaces, as IoT-23's
    ``conn.log.labeled`` writes its last three (``tunnel_parents   label   detailed-label``, each
    row's values joined the same way): entry -> (the run of spaces, the fields' names, their
    ``#types``). Zeek's own field names hold no space.

    Examples
    --------
    >>> _spaced_fields(["ts", "tunnel_parents   label   detailed-label"],
    ...                ["time", "set[string]   string   string"])
    {'tunnel_parents   label   detailed-label': ('   ', ['tunnel_parents', 'label', 'detailed-label'], \
['set[string]', 'string', 'string'])}
    """
    out: dict[str, tuple[str, list[str], list[str]]] = {}
    kinds = dict(zip(fields, types, strict=False))
    for name in fields:
        run = _SPACED.search(name)
        if run is None:
            continue
        names = name.split(run.group(0))
        if any(not n.strip() or n != n.strip() for n in names):
            continue  # (not one run between names: left as it is)
        parts = kinds.get(name, "").split(run.group(0))
        out[name] = (run.group(0), names, parts if len(parts) == len(names) else [""] * len(names))
    return out


def _split_spaced(df: pd.DataFrame, spaced: dict[str, tuple[str, list[str], list[str]]],
                  unset: str, path: Path) -> pd.DataFrame:
    """``df`` with each column of :func:`_spaced_fields` split into its fields, in its place
    (the unset value missing, numbers of a numeric ``#types`` entry read as numbers). Each
    distinct value is split once (a labelled log holds a few: splitting every row's took
    seconds a million rows, more than reading them).

    Examples
    --------
    >>> df = pd.DataFrame({"n": [1, 2, 3], "a  b": ["x  y", "-  z", None]})
    >>> _split_spaced(df, {"a  b": ("  ", ["a", "b"], ["string", "string"])}, "-", Path("l")).to_dict("list")
    {'n': [1, 2, 3], 'a': ['x', nan, nan], 'b': ['y', 'z', nan]}
    """
    for name, (run, names, kinds) in spaced.items():
        if name not in df.columns:
            continue
        at = df.columns.get_loc(name)
        col = df[name].astype("string") if not pd.api.types.is_string_dtype(df[name].dtype) else df[name]
        codes, uniques = pd.factorize(col)  # (missing: -1, the last entry of each field's values)
        split = [str(u).split(run, len(names) - 1) for u in uniques]
        pieces: dict[str, pd.Series] = {}
        for i, (field_name, kind) in enumerate(zip(names, kinds, strict=True)):
            values = np.array([*(p[i] if i < len(p) else None for p in split), None], dtype=object)
            piece = pd.Series(values[codes], index=df.index, dtype=col.dtype)
            piece = piece.where(piece != unset)
            if kind in _ZEEK_TYPES:
                try:
                    piece = pd.to_numeric(piece).astype(float)
                except (ValueError, TypeError):
                    raise InputError(f"{path}: field {field_name!r}: a value that is no number "
                                     f"({kind}), in {name!r}") from None
            pieces[field_name] = piece
        left, right = df.iloc[:, :at], df.iloc[:, at + 1:]
        df = pd.concat([left, pd.DataFrame(pieces, index=df.index), right], axis=1)
    return df


def _sniff_zeek(head: bytes) -> bool:
    head = without_boms(head).lstrip()
    if head.startswith(b"#separator") or b"\n#fields\t" in head[:4096]:
        return True
    try:
        obj = loads_json(_first_line(head))
    except (ValueError, RecursionError):
        return False
    if isinstance(obj, dict) and isinstance(obj.get("id"), dict):  # a shipper that nests them
        obj = {f"id.{k}": v for k, v in obj["id"].items()}
    return isinstance(obj, dict) and "id.orig_h" in obj and "id.resp_h" in obj


@dataclass(frozen=True)
class ZeekSpec(DatasetSpec):
    """Zeek logs, TSV (``#fields`` header) or JSON; the layout is read from the file itself."""

    def _tsv_header(self, path: Path) -> tuple[int, list[str], dict[str, str], list[str], str, str]:
        fields: list[str] = []
        types: list[str] = []
        unset, empty, n, sep, set_sep = "-", "(empty)", 0, "\t", ","
        with open_lines(path) as fh:
            # bounded reads: a data line without a line break is not held to learn it is data
            while raw := fh.readline(MAX_LINE_BYTES + 1):
                line = without_boms(raw.decode("utf-8", "replace").rstrip("\r\n"))
                if not line.strip() and not fields:  # blank lines before the header: skipped too
                    n += 1
                    continue
                if not line.startswith("#"):
                    break
                if len(raw) > MAX_LINE_BYTES:
                    raise InputError(f"{path}: line {n + 1}: a header line longer than "
                                     f"{MAX_LINE_BYTES >> 20} MiB; is this a Zeek log?")
                n += 1
                key, _, rest = line.partition(" " if line.startswith("#separator") else sep)
                if key == "#separator":  # written escaped, '\x09' (a redefined one: '\x2c'; '\t' a tab)
                    value = rest.strip() or rest  # (a literal blank, ' ', is the separator it is)
                    sep = _ZEEK_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)),
                                           value.replace("\\t", "\t")) or "\t"
                    if len(sep) != 1 or sep in "\r\n":
                        raise InputError(f"{path}: line {n}: a Zeek log's separator must be one "
                                         f"character, not '{value}'")
                elif key == "#fields":
                    fields = rest.split(sep)
                elif key == "#types":
                    types = rest.split(sep)
                elif key == "#set_separator":
                    set_sep = _ZEEK_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), rest) or ","
                elif key == "#unset_field":
                    unset = rest
                elif key == "#empty_field":
                    empty = rest
        if not fields:
            raise InputError(f"{path}: a Zeek TSV log needs a '#fields' header line")
        kinds = dict(zip(fields, types, strict=False))
        return n, fields, kinds, [unset, empty], sep, set_sep

    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    used: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        p = check_path(path)
        stats = stats if stats is not None else ReadStats()
        check_log_text(p)  # UTF-16, gzip without .gz ...: said so, not 'not a Zeek log'
        head = without_boms(read_head(p, 4096)).lstrip()  # (blank lines before the header)
        spaced: dict[str, tuple[str, list[str], list[str]]] = {}
        if head.startswith(b"{"):
            chunks = iter_table(p, fmt="jsonl", on_bad_rows=on_bad_rows, stats=stats, chunk_bytes=chunk_bytes)
        elif head.startswith(b"#"):
            n, fields, kinds, (unset, empty), sep, set_sep = self._tsv_header(p)
            types = {f: _ZEEK_TYPES.get(kinds.get(f, ""), pa.string()) for f in fields}
            spaced = _spaced_fields(fields, [kinds.get(f, "") for f in fields])
            for name, (_, names, parts) in spaced.items():
                types[name] = pa.string()
                kinds.update(zip(names, parts, strict=True))
            # (the empty value is read as written: an empty set is '[]', an empty string missing;
            # Zeek writes it for no number)
            nulls = [unset]
            chunks = iter_table(p, fmt="tsv", sep=sep, names=fields, skip_rows=n, on_bad_rows=on_bad_rows,
                                chunk_bytes=chunk_bytes, stats=stats, null_values=nulls,
                                quote=False, column_types=types, comment="#", used=used,
                                comment_check=functools.partial(_other_fields, fields, sep))
        else:
            raise InputError(f"{p}: not a Zeek log (expected '#separator'/'#fields' header lines "
                             "or JSON objects)")
        first, json_lines = True, not head.startswith(b"#")
        bools = _BoolCheck(p, n, sep, len(fields), on_bad_rows, stats) if not json_lines else None
        # skipping: a later '#fields' line as wide as a row, whose names do not convert to the
        # first layout's types, is a skipped row, not the refusal it is (its rows read under the
        # first layout's names); looked for once, when the first row is skipped
        layout_checked = json_lines or on_bad_rows != "skip"
        try:
            for df in chunks:
                if not layout_checked and stats.bad_rows:
                    layout_checked = True
                    found = _other_layout(p, n, fields, sep, None)
                    if found is not None:
                        raise InputError(f"{p}: line {found[0]}: {found[1]}")
                if not json_lines and spaced:
                    df = _split_spaced(df, spaced, unset, p)
                if bools is not None:
                    df = bools.checked(df, [c for c in df.columns if kinds.get(c) == "bool"])
                if first:  # a '#fields' header says the file is Zeek's (files.log has no id.orig_h)
                    missing = [c for c in ("id.orig_h", "id.resp_h") if c not in df.columns]
                    # JSON: a connection's ids, or at least the 'ts' every Zeek log starts with
                    # (dhcp.log, x509.log, software.log and the known_* logs name no connection)
                    if missing and json_lines and self.name == "zeek-conn" and "ts" not in df.columns:
                        raise InputError(f"{p}: no 'ts' nor {missing[0]!r} field; is this a Zeek log?")
                    self.check(df, p)
                    first = False
                if not json_lines:
                    lead = df.get(fields[0])  # a '#fields' line as wide as a row: read as one
                    if lead is not None and lead.dtype.kind not in "fiub" and (lead == "#fields").any():
                        raise InputError(f"{p}: a '#fields' line read as a row")
                yield df if json_lines else _zeek_values(df, kinds, empty, set_sep)
        except InputError as exc:
            # a later '#fields' line of a layout one field narrower has as many values as a row:
            # it is read as one (failing on a value, or its rows failing on their count)
            if json_lines:
                raise
            at = re.search(r": line (\d+):", str(exc))
            found = _other_layout(p, n, fields, sep, int(at.group(1)) if at else None)
            if found is None:
                raise
            raise InputError(f"{p}: line {found[0]}: {found[1]}") from None
        finally:
            if bools is not None:
                bools.close()


# The other Zeek logs read by the same spec (dns.log, http.log, ssl.log, files.log ...): their
# ids (transaction ids, file ids, certificate fingerprints, the connection uids a file came
# over) identify one event, not a behaviour; their fields of Zeek's type time besides ts (a
# certificate's validity, a Kerberos ticket's end, a file's SMB times; not kerberos' from, a name
# smtp.log gives its sender) are dates, as a magnitude each later one past the training range;
# their numeric codes (DNS query types and response codes, HTTP status codes) and protocol
# versions (http.log's '1.1', read as a number from its text, ssh.log's 2) are categories, not
# magnitudes; TLS client/server fingerprints (JA3/JA3S) are many-valued categories, hashed. Names
# a file lacks are ignored. notice.log's p is a port. The ICS logs (Zeek's modbus.log and dnp3.log,
# CISA's ICSNPP modbus_detailed.log and its siblings): a Modbus transaction id (tid, counting up
# per request and wrapping at 65535) identifies one exchange; a Modbus unit id (unit: the slave
# behind a gateway), a register address (address, read_start_address, write_start_address), a
# mask write's bit masks and DNP3's internal-indication bits (iin) are codes: a write to register
# 40050 is no neighbour of 40011 and 40100, unit 2 none of 1 and 3; ICSNPP's own copy of the
# connection's ports (source_p, destination_p) are ports.
_ZEEK_OTHER_ROLES = {
    **{c: "drop" for c in ("trans_id", "tid", "fuid", "conn_uids", "orig_fuids", "resp_fuids",
                           "cert_chain_fuids", "client_cert_chain_fuids", "cert_chain_fps",
                           "client_cert_chain_fps", "_write_ts", "community_id",
                           "certificate.not_valid_before", "certificate.not_valid_after", "till",
                           "times.modified", "times.accessed", "times.created", "times.changed")},
    **{c: "categorical" for c in ("qclass", "qtype", "rcode", "status_code", "info_code",
                                  "version", "unit", "address", "read_start_address",
                                  "write_start_address", "and_mask", "or_mask", "iin")},
    **{c: "port" for c in ("source_p", "destination_p")},
    **{c: "hash" for c in ("ja3", "ja3s")},
    # notice.log's port of the notice (Zeek's type port: 22 of an SSH guesser, 3389 of RDP), as
    # id.resp_p is, not a magnitude
    "p": "port",
}

ZEEK_CONN = ZeekSpec(
    name="zeek-conn",
    columns=None,
    label_col=None,
    normal=(),
    drop=("label", "detailed-label"),  # IoT-23's labels (--label-col label), never a feature
    description="Zeek conn.log, TSV ('#fields' header, '-' unset) or JSON lines; dns, http, ssl, "
                "files ... logs too",
    roles={"ts": "drop", "uid": "drop", "id.orig_h": "ip", "id.resp_h": "ip",
           "id.orig_p": "port", "id.resp_p": "port", "tunnel_parents": "drop",
           "proto": "categorical", "service": "categorical", "conn_state": "categorical",
           # conn.log's IP protocol number (Zeek 6.1+: 6, 17, 1) and VLAN ids: codes, not magnitudes
           "ip_proto": "categorical", "vlan": "categorical", "inner_vlan": "categorical",
           "history": "hash", **_ZEEK_OTHER_ROLES},
    sniffer=_sniff_zeek,
    time_col="ts",
)
