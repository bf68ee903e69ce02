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
header; ``\\=``, ``\\\\``, ``\\n``, ``\\r`` in values); whatever precedes ``CEF:`` (the syslog
header) is left out. ``rt`` (the time the device saw the event) is the event time; written as
epoch milliseconds, as most devices do, it is read as seconds.

Examples
--------
>>> row = parse_cef("<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|1.0|100|conn \\\\| end|5|src=10.0.0.5 "
...                 "dpt=443 msg=GET /a?b\\\\=c done cs1Label=Rule cs1=web rt=1700000000000")
>>> row["name"], row["src"], row["dpt"], row["msg"], row["Rule"], row["rt"]
('conn | end', '10.0.0.5', '443', 'GET /a?b=c done', 'web', 1700000000.0)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hourglass.errors import InputError
from hourglass.ingest.datasets import DatasetSpec
from hourglass.ingest.readers import check_path
from hourglass.ingest.tables import CHUNK_BYTES, READ_ERRORS, ReadStats, open_text

__all__ = ["CEF", "CEF_HEADER", "CEF_ROLES", "looks_like_cef", "parse_cef"]

#: The header's fields after ``CEF:`` (the version), in order.
CEF_HEADER = ("cef_version", "device_vendor", "device_product", "device_version", "signature_id",
              "name", "severity")
# How the table models read the CEF keys (ArcSight's names; those a file lacks are ignored):
# addresses and ports get their encodings; identifiers, process ids and in-event times identify
# one event; codes and verdicts are categories, not magnitudes. Byte and event counts (in, out,
# cnt, fsize, cnN) are numbers as they are.
CEF_ROLES: dict[str, str] = {
    **{c: "ip" for c in ("src", "dst", "dvc", "sourceTranslatedAddress",
                         "destinationTranslatedAddress")},
    **{c: "port" for c in ("spt", "dpt", "sourceTranslatedPort", "destinationTranslatedPort")},
    **{c: "drop" for c in ("cef_version", "rt", "start", "end", "deviceReceiptTime", "externalId",
                           "eventId", "spid", "dpid", "dvcpid", "fileId", "deviceExternalId")},
    **{c: "categorical" for c in ("severity", "signature_id", "device_version", "proto", "act",
                                  "outcome", "cat", "deviceDirection", "requestMethod", "app")},
}
_START = re.compile(rb"CEF:\d+\|")
_HEADER = re.compile(r"((?:[^|\\]|\\.)*)\|" * 7, re.S)  # seven fields, each ended by an unescaped '|'
_HEADER_ESCAPE = re.compile(r"\\([|\\])")
_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z0-9_.\[\]]+)=")
_UNESCAPE = re.compile(r"\\(.)", re.S)
_VALUE_ESCAPES = {"n": "\n", "r": "\r"}
_CUSTOM = re.compile(r"(c[sn]\d+|c6a\d+|cfp\d+|deviceCustomDate\d+|flexString\d+|flexNumber\d+)")
_MS = re.compile(r"\d{11,14}")  # epoch milliseconds of 1973-5138


def _header(text: str) -> tuple[list[str], str] | None:
    """The seven header fields (escapes undone) and the extension text, or ``None``."""
    m = _HEADER.match(text)
    if m is None:
        return None
    fields = [f if "\\" not in f else _HEADER_ESCAPE.sub(r"\1", f) for f in m.groups()]
    return fields, text[m.end():]


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
    if start is None:
        return None
    text = raw[start.start() + 4:].decode("utf-8", "replace").rstrip("\r\n")
    parsed = _header(text)
    if parsed is None:
        return None
    fields, extension = parsed
    row: dict[str, Any] = dict(zip(CEF_HEADER, fields, strict=True))
    parts = _KEY.split(extension)  # [text before the first key, key, value, key, value, ...]
    pairs = {parts[j]: _value(parts[j + 1]) for j in range(1, len(parts) - 1, 2)}
    labelled = [k for k in pairs if k.endswith("Label") and _CUSTOM.fullmatch(k[:-5])]
    for key in labelled:  # cs1Label=Rule cs1=web: the column 'Rule'
        label = pairs.pop(key)
        if key[:-5] in pairs and label and label not in row and label not in pairs:
            pairs[label] = pairs.pop(key[:-5])
    row.update(pairs)
    rt = row.get("rt")
    if isinstance(rt, str) and _MS.fullmatch(rt):
        row["rt"] = int(rt) / 1000.0
    return row


def looks_like_cef(head: bytes) -> bool:
    """Whether a file's first bytes are CEF lines (the first non-blank line holds a CEF record).

    Examples
    --------
    >>> looks_like_cef(b"<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|1|1|x|3|src=10.0.0.1\\n")
    True
    >>> looks_like_cef(b'{"CEF": 1}\\n'), looks_like_cef(b"a,b\\n")
    (False, False)
    """
    for line in head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 8)[:8]:
        if line.strip():
            return parse_cef(line) is not None
    return False


@dataclass(frozen=True)
class _CefSpec(DatasetSpec):
    """CEF lines, read line by line into rows (a line that holds no CEF record is malformed)."""

    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    ) -> Iterator[pd.DataFrame]:
        p = check_path(path)
        rows: list[dict[str, Any]] = []
        size = n_good = 0
        try:
            with open_text(p) as fh:
                for number, raw in enumerate(fh, start=1):
                    if not raw.strip():
                        continue
                    row = parse_cef(raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw)
                    if row is None:
                        if on_bad_rows != "skip":
                            raise InputError(f"{p}: line {number}: not a CEF record (expected "
                                             "'CEF:0|vendor|product|version|id|name|severity|"
                                             "key=value ...'; use --on-bad-rows skip to skip such lines)")
                        if stats is not None:
                            stats.skipped(number)
                        continue
                    rows.append(row)
                    size += len(raw)
                    if size >= chunk_bytes:
                        n_good += len(rows)
                        yield self._frame(rows, stats)
                        rows, size = [], 0
        except READ_ERRORS as exc:
            raise InputError(f"{p}: cannot read ({exc})") from None
        if rows or not n_good:
            yield self._frame(rows, stats)

    @staticmethod
    def _frame(rows: list[dict[str, Any]], stats: ReadStats | None) -> pd.DataFrame:
        if stats is not None:
            stats.rows += len(rows)
        df = pd.DataFrame.from_records(rows)
        for c in df.columns:  # counts and ports as numbers, as a CSV reader would type them
            if c in CEF_HEADER[1:5] or c == "name":
                continue
            num = pd.to_numeric(df[c], errors="coerce")
            if num.notna().sum() == df[c].notna().sum() and df[c].notna().any():
                df[c] = num
        return df


#: ArcSight Common Event Format lines (syslog or plain).
CEF = _CefSpec(
    # fmt: rows vary in their fields (each event type has its own keys), as JSON lines do
    name="cef", columns=None, label_col=None, normal=(), fmt="jsonl", roles=CEF_ROLES,
    sniffer=looks_like_cef, time_col="rt",
    description="ArcSight Common Event Format lines (firewalls, proxies, IDS; syslog header "
                "ignored): header fields, then each key=value as a column")
