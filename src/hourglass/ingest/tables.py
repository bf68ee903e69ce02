"""Chunked reading of CSV/TSV/Parquet/JSONL through pyarrow, with bounded memory.

:func:`iter_table` yields pandas DataFrames of about ``chunk_bytes`` of input each, so a file of
any size can be streamed. Column types are inferred from the first block and then fixed (integer
columns are read as float64 so that a later block with a fraction or an empty field cannot change
a column's type half way; hex numbers are text and whole numbers past 2**53 stay exact:
:func:`_fixed_type`). Malformed rows, and rows with a later value that does not fit its column's
type, are an error naming the file and line or column, or are skipped and counted with
``on_bad_rows="skip"``.
"""

from __future__ import annotations

import atexit
import bisect
import contextlib
import csv
import functools
import gc
import gzip
import io
import itertools
import json
import logging
import os
import queue
import re
import sys
import threading
import time
import weakref
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from hourglass._columns import LOG_MODEL, counted, read_as_log
from hourglass._eol import CrToLf, blank_line, cr_ended, cr_lines, without_boms
from hourglass._limits import MAX_JSON_DEPTH, MAX_LINE_BYTES, loads_json, raw_decode_json, too_long
from hourglass._numbers import DIGITAL_STATES
from hourglass.errors import InputError, json_problem, read_problem

logger = logging.getLogger(__name__)
# a repeated header name that is a known quirk of a format (CICFlowMeter), not a mistake
_KNOWN_REPEATS = frozenset({"Fwd Header Length"})
_SAID_REPEATS: set[str] = set()  # (file, names) of repeated header names said, once a run
# a header's name that is a value, not a name: a date and time of day ('2024-03-01 08:00:17.101
# UTC'), or an IPv4 address perhaps with its port ('10.0.1.7:50002'): the first row of a CSV file
# written without a header line (PostgreSQL's csvlog, MariaDB's audit log)
_DATA_NAME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\d{8} \d\d:\d\d:\d\d"
                        r"|\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$")
_SAID_DELIMITER: set[str] = set()  # (file, delimiter) sniffed and said, once a run
#: how a message names a CSV delimiter (inspect, the info line of a sniffed one)
SEPARATOR_NAMES = {";": "semicolon", "\t": "tab", "|": "pipe", ",": "comma"}

__all__ = ["BAD_ROWS", "CHUNK_BYTES", "DHCP_HEADER", "DHCP_PREAMBLE_LINES", "LONE_SURROGATE",
           "MAX_LINE_BYTES", "QUALYS_HEAD", "QUALYS_LINES", "READ_ERRORS", "SEPARATOR_NAMES",
           "UNKNOWN_ROW", "ReadStats", "check_log_text", "check_text", "cut_top_keys", "dedupe_names",
           "dhcp_preamble", "first_json_object", "flat_record", "flatten_json", "has_nested", "iter_table",
           "lines_before_header", "nested_note", "no_lone_surrogates", "not_utf8_how", "open_lines",
           "open_text", "path_order", "prefetch", "qualys_header_at", "read_head", "report_header_at",
           "run_line", "sniff_delimiter", "top_keys", "type_line", "utf8_name", "utf8_text"]

BAD_ROWS = ("error", "skip")
#: How a reader's error for a malformed row tells a Python caller to skip such rows (the CLI says
#: its option, ``--on-bad-rows skip``: ``cli._options.cli_advice``).
SKIP_BAD_ROWS = "on_bad_rows='skip'"
#: What to do with a CSV row of bytes that are no UTF-8: most often a whole file written in a
#: Windows code page (Excel's 'CSV (Comma delimited)', a user name 'Jos\xe9' from an appliance),
#: whose rows skipping would leave out every one with an accent
NOT_UTF8_HOW = ("a Windows-1252 or Latin-1 file? convert it to UTF-8 and pipe it in, e.g. iconv -f cp1252 "
                "-t utf-8 FILE | hourglass ... -")
#: The code pages :func:`not_utf8_how` may name, and how it names each file
_CODE_PAGES = {"cp1252": "a Windows-1252 or Latin-1 file", "cp1254": "a Windows-1254 (Turkish) file",
               "cp1251": "a Windows-1251 (Cyrillic) file", "cp1255": "a Windows-1255 (Hebrew) file",
               "cp932": "a Shift_JIS (Japanese) file"}


def not_utf8_how(raw: bytes | None = None) -> str:
    """:data:`NOT_UTF8_HOW` for a line of bytes ``raw`` that are no UTF-8, naming the Windows
    code page its bytes look written in: a Russian, Hebrew, Turkish or Japanese file converted
    from Windows-1252 would be read as other letters without a word (``Ïîëüçîâàòåëü`` for
    ``Пользователь``). Words wholly of bytes above 127 are a script of its own (Cyrillic;
    Hebrew where every such byte is one of its letters), a line that reads as Shift_JIS with
    kana or kanji Japanese, Latin letters with Turkish's ``ı ş ğ İ Ş Ğ`` Turkish; else (or
    ``None``) Windows-1252. A line mostly of UTF-8 characters, with a few bytes that are not (a
    file of two encodings, a line cut within a character), is said to be so: no conversion of
    the whole file mends it.

    Parameters
    ----------
    raw
        The line's bytes, or ``None`` where they are not at hand.

    Returns
    -------
    str
        The advice, as :data:`NOT_UTF8_HOW` words it.

    Examples
    --------
    >>> not_utf8_how("Пользователь Ольга".encode("cp1251"))[:50]
    'a Windows-1251 (Cyrillic) file? convert it to UTF-'
    >>> not_utf8_how("José".encode("cp1252")) == NOT_UTF8_HOW, "iconv -f cp1254" in not_utf8_how(
    ...     "kullanıcı".encode("cp1254"))
    (True, True)
    """
    if raw is not None and (stray := _stray_bytes(raw)) is not None:
        verb = "is" if len(stray) == 1 else "are"
        return (f"a UTF-8 line but for {counted(len(stray), 'byte')} that {verb} "
                f"not, e.g. 0x{stray[0]:02X}: a file of two encodings, or a line cut within a character? "
                "mend or remove such lines")
    page = "cp1252" if raw is None else _code_page(raw)
    return (f"{_CODE_PAGES[page]}? convert it to UTF-8 and pipe it in, e.g. iconv -f {page} -t utf-8 "
            "FILE | hourglass ... -")


def _stray_bytes(raw: bytes) -> bytes | None:
    """The bytes of ``raw`` that are no UTF-8 where most of its bytes above 127 are UTF-8
    characters (``Jürgen`` in UTF-8 beside one Windows-1252 ``ä``), else ``None``: a code page's
    text holds few pairs that happen to read as UTF-8 (Windows-1251's ``Л»``)."""
    text = raw.decode("utf-8", "surrogateescape")
    stray = bytes(ord(ch) - 0xDC00 for ch in text if "\udc80" <= ch <= "\udcff")
    good = sum(len(ch.encode("utf-8", "surrogatepass")) for ch in text
               if ord(ch) >= 0x80 and not "\udc80" <= ch <= "\udcff")
    return stray if stray and good >= 2 * len(stray) else None


def _code_page(raw: bytes) -> str:
    """The code page of :func:`not_utf8_how` that the bytes ``raw`` look written in."""
    high = [i for i, b in enumerate(raw) if b >= 0x80]
    if not high:
        return "cp1252"
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        text = ""
    wide = [ch for ch in text if ord(ch) >= 0x80]
    # kana (two-byte letters led by 0x82, 0x83: Windows-1252's rare punctuation), and mostly kana
    # or kanji: a Latin line's accented letters two at a time read as kanji ('ação') too
    kana = sum("\u3040" <= ch <= "\u30ff" for ch in wide)
    japanese = kana + sum("\u4e00" <= ch <= "\u9fff" for ch in wide)
    if kana and japanese * 2 > len(wide):
        return "cp932"
    at = set(high)
    # a byte in a run of three or more: a word of another script (an accented Latin word holds
    # one or two such bytes: 'ação', 'Jürgen')
    in_runs = sum(1 for i in high if {i - 2, i - 1} <= at or {i - 1, i + 1} <= at or {i + 1, i + 2} <= at)
    values = {raw[i] for i in high}
    if in_runs * 2 >= len(high):
        return "cp1255" if _hebrew(raw, values) else "cp1251"
    # Windows-1254 differs from 1252 in six letters: Ğ İ Ş ğ ı ş (Ð Ý Þ ð ý þ, rare elsewhere)
    return "cp1254" if values & {0xD0, 0xDD, 0xDE, 0xF0, 0xFD, 0xFE} else "cp1252"


#: Hebrew's final letters in Windows-1255 (ך ם ן ף ץ), written only at a word's end; in
#: Windows-1251 the same bytes are the lower-case Cyrillic к н п у х, found anywhere in a word
_FINAL_LETTERS = b"\xea\xed\xef\xf3\xf5"


def _hebrew(raw: bytes, values: set[int]) -> bool:
    """Whether the bytes ``raw`` above 127 (``values``) read as Hebrew in Windows-1255: each one
    of its letters (0xE0-0xFA, or a direction mark) and no final letter before another letter;
    lower-case Cyrillic in Windows-1251 (0xE0-0xFF: ``ошибка входа``) fills the same range."""
    if not all(0xE0 <= b <= 0xFA or b in (0xFD, 0xFE) for b in values):
        return False
    return not any(b in _FINAL_LETTERS and 0xE0 <= n <= 0xFA for b, n in itertools.pairwise(raw))


#: How :func:`check_text` tells a Python caller to read a binary file as what it is (the CLI
#: says its option, ``--format``: ``cli._options.cli_advice``).
READ_AS_EVTX = "read it with fmt='evtx' (or 'auto')"
READ_AS_PARQUET = "read it with fmt='parquet' (or 'auto')"
#: ... and a malformed first data row to check the layout it was read in.
IN_THIS_LAYOUT = "is the file in this layout (fmt=...)?"
#: ... and a row of several fields under a header of one (a raw log read as a table).
ONE_FIELD_HEADER = ("a log file is read by EventSessions(format=...), a table needs a header line "
                    "naming its columns")
CHUNK_BYTES = 16 << 20
# Missing-value spellings (pyarrow's defaults plus the ones seen in flow exports).
NULL_VALUES = ("", "NaN", "nan", "NA", "N/A", "n/a", "NULL", "null", "None", "-nan", "#N/A", "?")
# Boolean spellings: pyarrow's less its 1 and 0, so a column is booleans only where it says
# true/false, as a JSON value does (a column of 0/1 is numbers; 0, 1 beside true is text as
# written, as JSON lines keep 0, 1 beside true: pyarrow read it False, True, True)
_TRUE_VALUES = ("true", "True", "TRUE")
_FALSE_VALUES = ("false", "False", "FALSE")
_JSONL_CHUNK_ROWS = 50_000
_BLOCK_BYTES = 1 << 20
# What reading a damaged file raises: I/O errors, a gzip stream cut short (EOFError) or corrupt
# inside (zlib.error, which is not an OSError).
READ_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)


#: how an error names a row whose data row is not known (a skipped row may come before it:
#: :meth:`ReadStats.data_row`)
UNKNOWN_ROW = "a row whose data row is not known"


#: the lines of skipped rows a read keeps to name (:attr:`ReadStats.bad_lines`): the first ones
#: of the file, as a stream's summary names its first skipped lines
NAMED_BAD_LINES = 10


@dataclass
class ReadStats:
    """What a read saw: rows yielded, malformed rows skipped and where (the first 10 lines of the
    file, where the reader knows them: pyarrow's multi-threaded CSV parser does not number a row
    with too many fields).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from hourglass.ingest import read_table
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n3,4,5\\n6,7\\n")
    >>> stats = ReadStats()
    >>> read_table(p, on_bad_rows="skip", stats=stats).shape, stats.bad_rows
    ((2, 2), 1)
    """

    rows: int = 0
    bad_rows: int = 0
    #: the smallest lines of the skipped rows (at most :data:`NAMED_BAD_LINES`, ascending), whether
    #: the reader skipped them or a caller left them out (:meth:`left_out`), whichever came first
    bad_lines: list[int] = field(default_factory=list)
    #: the first value the model refused in a skipped row (``score --on-bad-rows skip``)
    refused: str | None = None
    #: the rows kept ahead of the first skipped row whose place the reader does not know (at
    #: most: the rows of the chunks it handed out before); ``None``: every skipped row placed. A
    #: repeated header row dropped (``header_rows``) is a line, not a data row: it is counted in
    #: ``bad_rows`` but sets no ``first_skip``. See :meth:`data_row`.
    first_skip: int | None = None
    #: the reader's file line of the row at a position among the rows it handed out (from 0),
    #: or ``None`` where it cannot tell; ``None``: a reader that tells none (see :meth:`line_of`)
    lines_of: Callable[[int], int | None] | None = field(default=None, repr=False, compare=False)
    #: for each data row the reader skipped where it knows the place, the rows it handed out
    #: before it (sorted; one value for each such row)
    gaps: list[int] = field(default_factory=list)
    #: the positions among the rows the reader handed out of the rows a caller left out
    #: (:meth:`left_out`: a value the model refused), sorted
    dropped: list[int] = field(default_factory=list)
    #: for a key a JSON line sends as a plain value (``null``) beside dotted fields of its name
    #: (``{"user": null, "user.domain": "corp"}``), the positions among the rows the reader
    #: handed out of such rows: the flattened table has them as it has a key sent as a nested
    #: object (``user`` missing, ``user.domain`` not), which they are not (the JSON-lines reader
    #: tells them; empty for other readers)
    plain_beside_fields: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)
    #: the bad rows at a line :attr:`bad_lines` names already (events of one page on a line)
    lines_again: int = field(default=0, repr=False, compare=False)
    #: the data rows (from 1) of the first rows a caller left out (:meth:`left_out`) where the
    #: reader tells no lines (a Parquet file): the ``--on-bad-rows skip`` summary names them, as it
    #: names a CSV's skipped lines (at most 10)
    bad_data_rows: list[int] = field(default_factory=list, repr=False, compare=False)

    def skipped(self, line: int | None, at: int | None = None) -> None:
        """Count a skipped data row: at ``line`` of the file (where known), after ``at`` rows
        handed out (its place; ``None``: not known, after at least the rows handed out so far).

        Examples
        --------
        >>> stats = ReadStats()
        >>> stats.skipped(3, at=1)      # line 3 of the file, after the first row handed out
        >>> stats.bad_rows, stats.bad_lines, stats.rows_of(np.arange(3)).tolist()
        (1, [3], [0, 2, 3])
        """
        self.bad_rows += 1
        if at is None:
            self.note_skip(self.rows)
        else:
            bisect.insort(self.gaps, at)
        self.name_line(line)

    def left_out(self, line: int | None, at: int) -> None:
        """Count a row the reader handed out at position ``at`` (from 0) and a caller left out
        (``score --on-bad-rows skip``: a value the model refused), at ``line`` where known.

        Examples
        --------
        >>> stats = ReadStats()
        >>> stats.left_out(7, at=2)     # the third row handed out, line 7, refused by the caller
        >>> stats.bad_rows, stats.dropped, stats.rows_of(np.arange(3)).tolist()
        (1, [2], [0, 1, 3])
        >>> stats = ReadStats()
        >>> stats.left_out(None, at=6)  # a reader without lines: its data row, from 1
        >>> stats.bad_lines, stats.bad_data_rows
        ([], [7])
        """
        self.bad_rows += 1
        if line is None and self.lines_of is None:
            row = int(self.read_known(np.array([at]))[0])  # (-1: a row skipped before it not placed)
            if row >= 0:
                _keep_smallest(self.bad_data_rows, row + 1)
        bisect.insort(self.dropped, at)
        self.name_line(line)

    def name_line(self, line: int | None) -> bool:
        """Note ``line`` of a skipped row among :attr:`bad_lines`, the smallest ones (a chunk's
        rows a caller leaves out come after the rows the reader skipped in it, or in a later
        chunk: the summary named lines 7, 9, 44, 168 but not 155); whether it is named now.

        Examples
        --------
        >>> stats = ReadStats(bad_lines=list(range(20, 30)))
        >>> stats.name_line(40), stats.name_line(5), stats.bad_lines[:3], len(stats.bad_lines)
        (False, True, [5, 20, 21], 10)
        """
        # a line named once: a page of events on one line may hold several skipped ones
        # (its summary said "(lines 1, 1, 1)"; ``bad_rows`` counts each)
        if line is not None and line in self.bad_lines:
            self.lines_again += 1
            return False
        return line is not None and _keep_smallest(self.bad_lines, line)

    def may_name(self, line: int) -> bool:
        """Whether a skipped row on ``line`` or a later one may be among :attr:`bad_lines` (the
        reader need not look for the line of one that is not).

        Examples
        --------
        >>> stats = ReadStats(bad_lines=list(range(20, 30)))
        >>> stats.may_name(29), stats.may_name(28), ReadStats().may_name(10 ** 9)
        (False, True, True)
        """
        return len(self.bad_lines) < NAMED_BAD_LINES or line < self.bad_lines[-1]

    def note_skip(self, at: int) -> None:
        """Note a row skipped after ``at`` rows kept, its place not known (the count itself is
        the caller's): past it a row's position does not tell its data row.

        Examples
        --------
        >>> stats = ReadStats()
        >>> stats.note_skip(4); stats.note_skip(2)
        >>> stats.first_skip, stats.data_row(1), stats.data_row(3)
        (2, 2, None)
        """
        self.first_skip = at if self.first_skip is None else min(self.first_skip, at)

    def _read_rows(self, kept: np.ndarray) -> np.ndarray:
        """The positions among the rows the reader handed out of ``kept``, positions among the
        rows a caller kept (past the rows it left out, :attr:`dropped`)."""
        if not self.dropped:
            return kept
        dropped = np.asarray(self.dropped, dtype=np.int64)
        return kept + np.searchsorted(dropped - np.arange(len(dropped)), kept, side="right")

    def rows_of(self, kept: np.ndarray) -> np.ndarray:
        """The data rows (from 0) of ``kept``, positions among the rows kept (from 0, past the
        rows the reader skipped and those a caller left out): what an output's ``row`` column
        holds. Past a skipped row whose place the reader does not know (:attr:`first_skip`), a
        row's number is lower than its data row by such rows before it (:meth:`shifted`).

        Examples
        --------
        >>> stats = ReadStats()
        >>> stats.skipped(4, at=2)  # data row 2 (line 4) skipped
        >>> stats.left_out(6, at=3)  # the rows handed out: data rows 0, 1, 3, 4, 5; 4 left out
        >>> stats.rows_of(np.arange(4)).tolist()
        [0, 1, 3, 5]
        """
        return self._placed(self._read_rows(np.asarray(kept, dtype=np.int64)))

    def _placed(self, at: np.ndarray) -> np.ndarray:
        """The data rows of ``at``, positions among the rows the reader handed out: past the
        skipped rows whose place is known (:attr:`gaps`)."""
        if not self.gaps:
            return at
        return at + np.searchsorted(np.asarray(self.gaps, dtype=np.int64), at, side="right")

    def shifted(self, kept: int) -> bool:
        """Whether a skipped row whose place the reader does not know comes before one of the
        first ``kept`` rows kept (their numbers then count it not: :meth:`rows_of`).

        Examples
        --------
        >>> stats = ReadStats(first_skip=2)
        >>> stats.shifted(2), stats.shifted(3)
        (False, True)
        """
        return self.first_skip is not None and kept > 0 and \
            self.first_skip <= int(self._read_rows(np.array([kept - 1]))[0])

    def data_row(self, kept: int) -> int | None:
        """The data row (1-based) of the row at position ``kept`` (0-based) among the rows kept,
        or ``None`` where a skipped row whose place is not known may come before it.

        Examples
        --------
        >>> stats = ReadStats()
        >>> stats.data_row(4)
        5
        >>> stats.skipped(None, at=1)
        >>> stats.data_row(0), stats.data_row(1)
        (1, 3)
        >>> stats.note_skip(3)
        >>> stats.data_row(2), stats.data_row(3)
        (4, None)
        """
        row = int(self.known(np.array([kept]))[0])
        return None if row < 0 else row + 1

    def line_of(self, kept: int) -> int | None:
        """The file line of the row at position ``kept`` (0-based) among the rows the reader
        handed out, where the reader tells it (JSON lines, CSV), for a row a caller leaves out
        (``score --on-bad-rows skip``, a value the model refuses); else ``None``.

        Examples
        --------
        >>> stats = ReadStats()
        >>> stats.line_of(2) is None
        True
        >>> stats.lines_of = lambda kept: kept + 2  # (a header line)
        >>> stats.line_of(2)
        4
        """
        return None if self.lines_of is None else self.lines_of(kept)

    def row_line(self, row: int) -> int | None:
        """The file line of data row ``row`` (from 0, as :meth:`known` gives it; ``-1``: not
        known) where the reader tells it (:meth:`line_of`: a CSV's, JSON lines'), else ``None``.

        Examples
        --------
        >>> stats = ReadStats()
        >>> stats.skipped(4, at=2)  # data row 2 (line 4) skipped
        >>> stats.lines_of = lambda at: at + 2 + (at >= 2)
        >>> stats.row_line(1), stats.row_line(3), stats.row_line(-1)
        (3, 5, None)
        """
        if self.lines_of is None or row < 0:
            return None
        # its position among the rows handed out: less the skipped data rows before it (the
        # j-th skipped one, after gaps[j] rows handed out, is data row gaps[j] + j)
        gaps = np.asarray(self.gaps, dtype=np.int64)
        return self.line_of(row - int(np.count_nonzero(gaps + np.arange(len(gaps)) < row)))

    def place(self, kept: int) -> str | None:
        """How a message names the row at position ``kept`` (0-based) among the rows kept:
        ``line L`` where the reader tells its line (a CSV's, JSON lines'), as ``stream`` and the
        malformed-row errors name a row of such a file, else ``row N``, its data row (from 1),
        as an error about a value of a Parquet row names it; ``None``
        where a skipped row whose place is not known may come before it.

        Examples
        --------
        >>> stats = ReadStats()
        >>> stats.place(4)
        'row 5'
        >>> stats.lines_of = lambda at: at + 3  # (a header and a blank line)
        >>> stats.place(4)
        'line 7'
        """
        row = self.data_row(kept)
        if row is None:
            return None
        line = self.row_line(row - 1)
        return f"line {line}" if line is not None else f"row {row}"

    @staticmethod
    def place_in(stats: ReadStats | None, kept: int) -> str | None:
        """:meth:`place` of ``stats``, or ``row N`` (``kept`` + 1) where no read's counts are
        given (the rows as they are: a frame, not a file).

        Examples
        --------
        >>> ReadStats.place_in(None, 4), ReadStats.place_in(ReadStats(), 4)
        ('row 5', 'row 5')
        """
        return f"row {kept + 1}" if stats is None else stats.place(kept)

    def known(self, kept: np.ndarray) -> np.ndarray:
        """The data rows (from 0) of ``kept`` (positions among the rows kept, from 0), with
        ``-1`` where a skipped row whose place is not known may come before it.

        Examples
        --------
        >>> stats = ReadStats(first_skip=2, gaps=[1])
        >>> stats.known(np.arange(4)).tolist()
        [0, 2, -1, -1]
        """
        return self.read_known(self._read_rows(np.asarray(kept, dtype=np.int64)))

    def read_known(self, at: np.ndarray) -> np.ndarray:
        """:meth:`known` of ``at``, positions among the rows the reader handed out (the rows
        a caller left out still among them).

        Examples
        --------
        >>> stats = ReadStats(first_skip=2, dropped=[1])
        >>> stats.read_known(np.arange(4)).tolist(), stats.known(np.arange(3)).tolist()
        ([0, 1, -1, -1], [0, -1, -1])
        """
        at = np.asarray(at, dtype=np.int64)
        rows = self._placed(at)
        return rows if self.first_skip is None else np.where(at < self.first_skip, rows, -1)


def _keep_smallest(kept: list[int], value: int) -> bool:
    """Put ``value`` into ``kept`` (ascending) if it is among the :data:`NAMED_BAD_LINES`
    smallest so far (the largest then dropped: bounded, whatever the count); whether it is.

    Examples
    --------
    >>> kept = [3, 8]
    >>> _keep_smallest(kept, 5), kept
    (True, [3, 5, 8])
    """
    if len(kept) >= NAMED_BAD_LINES:
        if value >= kept[-1]:
            return False
        kept.pop()
    bisect.insort(kept, value)
    return True


def open_text(path: Path) -> io.BufferedIOBase:
    """Binary handle on ``path``, gunzipping ``.gz`` files."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def open_lines(path: Path) -> io.BufferedIOBase:
    """:func:`open_text`, to be read by its lines: a file whose lines end with a carriage return
    alone (told by its first 64 KiB, :func:`hourglass._eol.cr_ended`) gives them as LF-ended
    lines, as pyarrow's CSV reader takes them (its header, blank lines, a bad row's line and
    the repeated header lines found as in an LF-ended file); the Ctrl-Z run that ends a file
    (:func:`_text_end`) is left out."""
    end = _text_end(path)
    fh = open_text(path) if end is None else io.BufferedReader(_Upto(open(path, "rb"), end))
    if not cr_ended(read_head(path)):
        return fh
    return cr_lines(fh)


def _text_end(path: Path) -> int | None:
    r"""Where the text of a plain (not gzip) file ends when it ends with Ctrl-Z (0x1A), the
    end-of-file mark DOS and Windows tools (``copy /a``) write after the last line, also right
    after its last value (``3,4\x1a``, which was read as the value ``'4\x1a'``, a number column
    made text); ``None`` for a file without one (or a ``.gz`` one, read as it comes).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "dos.csv"
    >>> _ = p.write_bytes(b"a,b\r\n3,4\x1a\x1a")
    >>> _text_end(p), _text_end(Path(__file__))
    (8, None)
    """
    if path.name.lower().endswith(".gz") or not path.is_file():  # (a pipe's bytes: not read here)
        return None
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - 256))
            tail = fh.read()
    except OSError:
        return None  # (not a file to seek: read as it comes, its error told by its reader)
    kept = len(tail.rstrip(b"\x1a"))
    return None if kept == len(tail) else size - (len(tail) - kept)


class _Upto(io.RawIOBase):
    """The first ``end`` bytes of the binary file ``fh``; closing it closes ``fh``."""

    def __init__(self, fh: Any, end: int) -> None:
        self._fh, self._left = fh, end

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), self._left)
        got = self._fh.readinto(memoryview(b)[:n]) if n > 0 else 0
        self._left -= got
        return got

    def close(self) -> None:
        self._fh.close()
        super().close()


#: The JSON escape of a surrogate (``\\ud83d``): a line holding none has no lone surrogate.
LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def pretty_json_command(line: bytes | str) -> str | None:
    """The ``jq`` command that turns pretty-printed JSON (``jq .``, ``gcloud logging read
    --format=json``) into JSON lines when ``line``, a first line, opens such a document: ``jq -c
    '.[]'`` for an array (``[``, ``[{``, or its first objects and a comma: ``[{"a": 1},``, an
    array written an object a line), ``jq -c .`` for an object (``{``); else ``None``.

    Examples
    --------
    >>> pretty_json_command(b"[\\n"), pretty_json_command("[ {"), pretty_json_command(b"\\xef\\xbb\\xbf{")
    ("jq -c '.[]'", "jq -c '.[]'", 'jq -c .')
    >>> pretty_json_command('[{"a": 1}, {"a": 2},')
    "jq -c '.[]'"
    >>> pretty_json_command('{"a": 1') is None, pretty_json_command('[1, 2,') is None
    (True, True)
    """
    text = (line.decode("utf-8", "replace") if isinstance(line, bytes) else str(line)).strip()
    text = without_boms(text).strip()  # (byte-order marks before it)
    if text in ("[", "[{", "[ {"):
        return "jq -c '.[]'"
    if text.startswith("[") and text.endswith(","):  # '[{...},': its objects, closed, an array
        # of objects (which got no advice, where the other shapes of an array did)
        try:
            head = loads_json(text[:-1] + "]")
        except (ValueError, RecursionError):
            head = None
        if isinstance(head, list) and head and isinstance(head[0], dict):
            return "jq -c '.[]'"
    return "jq -c ." if text == "{" else None


def pretty_json_refusal(jq: str) -> str:
    """Why a file or a stream whose first line opens a pretty-printed JSON document (``jq``:
    :func:`pretty_json_command`'s advice) is refused: one wording for ``score`` (and the other
    file readers) and ``stream``.

    Examples
    --------
    >>> pretty_json_refusal("jq -c .")[-56:]
    'not JSON lines; write one JSON object per line (jq -c .)'
    """
    return (f"pretty-printed JSON (a document spread over lines), not JSON lines; write one JSON "
            f"object per line ({jq})")


#: the top-level keys beside ``hits`` that tell an Elasticsearch or OpenSearch search response
#: (``_search``, a scroll's or a point in time's page) from an event with a ``hits`` field
_SEARCH_RESPONSE_KEYS = frozenset({"took", "timed_out", "_shards", "_scroll_id", "pit_id"})
#: the ``jq`` command that writes a search response's hits one a line, as a scroll export does
SEARCH_HITS_JQ = "jq -c '.hits.hits[]'"


def search_response(keys: Iterable[object], hits: object = None) -> bool:
    """Whether an object of top-level ``keys`` (its ``hits`` value, where known, ``hits``) is an
    Elasticsearch or OpenSearch search response, whose events are its ``hits.hits``: read as a
    row, the whole response was one row of its envelope.

    Examples
    --------
    >>> search_response({"took", "timed_out", "hits"}), search_response({"hits", "user"})
    (True, False)
    >>> search_response({"took", "hits"}, {"total": 1}), search_response({"took", "hits"}, {"hits": []})
    (False, True)
    """
    keys = set(keys)
    if "hits" not in keys or not keys & _SEARCH_RESPONSE_KEYS:
        return False
    return hits is None or (isinstance(hits, dict) and isinstance(hits.get("hits"), list))


#: the ``jq`` command that writes a Splunk search's results (one JSON document) one a line
SPLUNK_RESULTS_JQ = "jq -c '.results[]'"


def splunk_results(keys: Iterable[object], results: object = None) -> bool:
    """Whether an object of top-level ``keys`` (its ``results`` value, where known, ``results``)
    is a Splunk search's results as one JSON document (``search/jobs/SID/results`` with
    ``output_mode=json``: ``{"preview": false, "init_offset": 0, "messages": [], "fields": [...],
    "results": [{...}, ...]}``), whose events are its ``results``: read as a row, the whole
    document was one row of its envelope.

    Examples
    --------
    >>> splunk_results({"preview", "init_offset", "results"}), splunk_results({"results", "user"})
    (True, False)
    >>> splunk_results({"preview", "results"}, "ok"), splunk_results({"preview", "results"}, [])
    (False, True)
    """
    keys = set(keys)
    return "results" in keys and "preview" in keys and (results is None or isinstance(results, list))


def splunk_results_refusal() -> str:
    """Why a Splunk search's results document (:func:`splunk_results`) is refused as JSON lines,
    and the recipe.

    Examples
    --------
    >>> splunk_results_refusal()[-20:]
    "(jq -c '.results[]')"
    """
    return ("a Splunk search's results as one JSON document (search/jobs/SID/results, "
            "output_mode=json: its events under results), not one event a line; export the search "
            "with search/jobs/export (one result a line), or write its results one a line "
            f"({SPLUNK_RESULTS_JQ})")


#: the keys of a line of Splunk's JSON export (``search/jobs/export``) that holds no result: the
#: search's messages (``{"preview": false, "messages": [{"type": "INFO", "text": ...}]}``), or
#: an empty search's last line
_SPLUNK_NOTE_KEYS = frozenset({"preview", "offset", "init_offset", "lastrow", "messages",
                               "highlighted"})


#: the most distinct messages of a Splunk export's message lines a file's reading says
_SAID_NOTES = 10


def splunk_note(obj: Mapping[str, Any]) -> str | None:
    """The text of a line of Splunk's JSON export that holds no result (:data:`_SPLUNK_NOTE_KEYS`:
    its messages, ``""`` where there are none), else ``None``: no event, though a JSON object.

    Examples
    --------
    >>> splunk_note({"preview": False, "messages": [{"type": "INFO", "text": "timerange substituted"}]})
    'INFO: timerange substituted'
    >>> splunk_note({"preview": False, "offset": 0, "result": {"src": "10.0.0.1"}}) is None
    True
    >>> splunk_note({"preview": "yes", "user": "a"}) is None, splunk_note({"preview": False, "lastrow": True})
    (True, '')
    """
    if "preview" not in obj or "result" in obj or not set(obj) <= _SPLUNK_NOTE_KEYS:
        return None
    messages = obj.get("messages")
    said = [f"{m.get('type', '')}: {m.get('text', '')}" if isinstance(m, dict) else str(m)
            for m in (messages if isinstance(messages, list) else [])]
    return "; ".join(said)


#: the banner macOS's ``log stream`` and ``log show`` write before their events when given a
#: predicate, as a line of text in every style (``--style ndjson`` too): ``Filtering the log data
#: using "subsystem == \"com.apple.TCC\""``
LOG_BANNER = b"Filtering the log data using "


def log_show_end(obj: Mapping[str, Any], previous: Mapping[str, Any] | None) -> bool:
    """Whether ``obj``, a line's object after the row ``previous`` (``None``: none before it), is
    the object macOS's ``log show --style ndjson`` writes after its events, ``{"count": 540,
    "finished": 1}`` (how many it printed): no event. Told by its two keys beside a unified log
    event before it (``eventMessage``), so a table of such counts keeps its rows. Read as a row,
    every one of its columns was missing, and it was the file's top alert.

    Examples
    --------
    >>> event = {"timestamp": "2024-05-01 08:00:00.123456-0700", "eventMessage": "Accepted"}
    >>> log_show_end({"count": 1, "finished": 1}, event), log_show_end({"count": 1, "finished": 1}, None)
    (True, False)
    >>> log_show_end({"count": 1, "finished": 0}, event), log_show_end({"count": "1", "finished": 1}, event)
    (False, False)
    """
    return (previous is not None and len(obj) == 2 and obj.get("finished") == 1
            and type(obj.get("count")) is int and "eventMessage" in previous)


def search_response_refusal() -> str:
    """Why a search response (:func:`search_response`) is refused as JSON lines, and the recipe.

    Examples
    --------
    >>> search_response_refusal()[-22:]
    "(jq -c '.hits.hits[]')"
    """
    return ("an Elasticsearch/OpenSearch search response (its events under hits.hits), not one "
            f"event a line; write its hits one a line ({SEARCH_HITS_JQ})")


#: the ``jq`` command that writes a Kubernetes list's objects (``kubectl get events -o json``) one
#: a line
KUBE_LIST_JQ = "jq -c '.items[]'"


def kube_list(keys: Iterable[object], items: object = None) -> bool:
    """Whether an object of top-level ``keys`` (its ``items`` value, where known, ``items``) is a
    Kubernetes list as ``kubectl get ... -o json`` writes it (``{"apiVersion": "v1", "items":
    [...], "kind": "List", "metadata": {...}}``), whose objects are its ``items``: read as a row,
    the whole list was one row of its envelope.

    Examples
    --------
    >>> kube_list({"apiVersion", "items", "kind"}), kube_list({"items", "user"})
    (True, False)
    >>> kube_list({"apiVersion", "items"}, "a,b"), kube_list({"apiVersion", "items"}, [])
    (False, True)
    """
    keys = set(keys)
    return "items" in keys and "apiVersion" in keys and (items is None or isinstance(items, list))


def kube_list_refusal() -> str:
    """Why a Kubernetes list (:func:`kube_list`) is refused as JSON lines, and the recipe.

    Examples
    --------
    >>> "(jq -c '.items[]')" in kube_list_refusal()
    True
    """
    return ("a Kubernetes list as one JSON document (kubectl get ... -o json: its objects under "
            "items), not one object a line; write its items one a line "
            f"({KUBE_LIST_JQ}), or watch them as lines (kubectl get ... --watch -o json | jq -c .)")


#: the pages of SaaS audit-log APIs, as a script saves a response whole: the key of each that holds
#: its events, what it is, and every key of its envelope (Google Workspace's Reports API
#: ``activities.list``, ``{"kind": "admin#reports#activities", "etag": ..., "items": [...],
#: "nextPageToken": ...}``; Slack's audit logs API, ``{"entries": [...], "response_metadata":
#: {"next_cursor": ...}}``; GitHub's REST API lists of Actions' workflow runs, jobs and
#: artifacts, ``{"total_count": 2, "workflow_runs": [...]}``, as ``gh api`` saves them; a Jenkins
#: job's builds from its JSON API, ``/job/NAME/api/json?tree=builds[number,result,duration]``,
#: ``{"_class": "hudson.model.FreeStyleProject", "builds": [...]}``; a Microsoft Graph page,
#: Intune's managed devices or audit events, ``{"@odata.context": ..., "@odata.nextLink": ...,
#: "value": [...]}``, as ``az rest`` or ``Invoke-MgGraphRequest`` save it, Defender for Endpoint's
#: API's too, and an Azure Resource Manager list, ``{"value": [...], "nextLink": ...}``)
_TAP_KEYS = frozenset({"queryEndTime", "messagesDelivered", "messagesBlocked", "clicksPermitted",
                       "clicksBlocked"})
_API_PAGES = {
    "items": ("Google Workspace Reports API page (activities.list: its activities under items)",
              frozenset({"kind", "etag", "items", "nextPageToken"})),
    "entries": ("Slack audit logs API page (its events under entries)",
                frozenset({"entries", "response_metadata", "ok"})),
    "workflow_runs": ("GitHub Actions REST API page (its workflow runs under workflow_runs)",
                      frozenset({"total_count", "workflow_runs"})),
    "jobs": ("GitHub Actions REST API page (a run's jobs under jobs)",
             frozenset({"total_count", "jobs"})),
    "artifacts": ("GitHub Actions REST API page (its artifacts under artifacts)",
                  frozenset({"total_count", "artifacts"})),
    "builds": ("Jenkins JSON API job (its builds under builds)", frozenset({"_class", "builds"})),
    # (the data export iterator's page: /api/v2/events/dataexport/events/page, .../alerts/...)
    "result": ("Netskope REST API v2 page (its events under result)",
               frozenset({"ok", "result", "wait_time", "timestamp_hwm"})),
    "value": ("Microsoft Graph or Azure REST API page (its objects under value)",
              frozenset({"@odata.context", "@odata.nextLink", "@odata.count", "@odata.deltaLink",
                         "nextLink", "value"})),
    # access control: Brivo's API lists (/v1/api/events: {"offset": 0, "pageSize": 100, "data":
    # [...], "count": N}) and Verkada's access events (/events/v1/access: {"events": [...],
    # "next_page_token": ...}), a door's every badge event in one row of their envelope
    "data": ("Brivo API page (its events under data)",
             frozenset({"data", "offset", "pageSize", "count"})),
    "events": ("Verkada API page (its access events under events)",
               frozenset({"events", "next_page_token", "page_size", "page_token"})),
    # Wi-Fi: the Cisco Meraki Dashboard API's network event log (/networks/{id}/events:
    # {"message": null, "pageStartAt": ..., "pageEndAt": ..., "events": [...]}), a network's every
    # association, 802.1X failure and disassociation in one row of its envelope
    "meraki": ("Cisco Meraki Dashboard API page (/networks/{id}/events: its events under events)",
               frozenset({"events", "message", "pageStartAt", "pageEndAt"})),
    # Proofpoint TAP's SIEM API (/v2/siem/all, /v2/siem/messages/delivered, ...): its messages
    # and its clicks, two kinds of event, each under two keys
    **{key: ("Proofpoint TAP SIEM API response (its messages under messagesDelivered and "
             "messagesBlocked, its clicks under clicksPermitted and clicksBlocked)", _TAP_KEYS)
       for key in ("messagesDelivered", "messagesBlocked", "clicksPermitted", "clicksBlocked")},
    # VoIP: a Homer (sipcapture) search's response, as its API and UI export save it
    # (/api/v3/search/call/data: {"data": [...], "keys": [...], "total": N}), every captured
    # SIP message in one row of its envelope
    "homer": ("Homer (sipcapture) search response (its SIP messages under data)",
              frozenset({"data", "keys", "total"})),
    # Mimecast's API 1.0 (get-siem-logs' JSON files, {"type": "MTA", "data": [...]}; the other
    # endpoints' {"meta": {...}, "data": [...], "fail": []})
    "mimecast": ("Mimecast API response (its events under data)",
                 frozenset({"type", "data", "meta", "fail"})),
    # Atlassian: Jira's audit records (/rest/api/2/auditing/record, Cloud and Data Center:
    # {"offset": 0, "limit": 1000, "total": N, "records": [...]}) and the Cloud admin API's
    # organization events (/admin/v1/orgs/{id}/events: {"data": [...], "links": {"next": ...},
    # "meta": {...}}), every user's role grant in one row of their envelope
    "records": ("Jira audit records page (/rest/api/2/auditing/record: its records under records)",
                frozenset({"offset", "limit", "total", "records"})),
    "atlassian": ("page of organization events from Atlassian's admin API (/admin/v1/orgs/{id}/events: "
                  "its events under data)",
                  frozenset({"data", "links", "meta"})),
    # HPC: Slurm's sacct --json and squeue --json (its REST API's document: {"meta": {...},
    # "errors": [], "warnings": [], "jobs": [...]}), every job of the cluster in one row of it
    "slurm": ("Slurm sacct --json or squeue --json document (its jobs under jobs)",
              frozenset({"jobs", "meta", "errors", "warnings"})),
}
#: the key of the events of a page whose name in :data:`_API_PAGES` is not that key (Mimecast's
#: and Brivo's both under data, Meraki's and Verkada's under events)
_PAGE_LISTS = {"mimecast": "data", "meraki": "events", "atlassian": "data", "homer": "data",
               "slurm": "jobs"}
#: what a page whose list has a common field's name holds beside it, so that an event of one
#: (a webhook's ``{"type": "login", "data": [...]}``, ``{"count": 3, "data": [...]}``, ``{"events":
#: [...], "page_size": 3}``) is no page: Brivo's ``pageSize``, Verkada's ``next_page_token``,
#: Meraki's ``pageStartAt``, Mimecast's API 1.0 ``meta`` and ``fail`` (its get-siem-logs files,
#: ``{"type": "MTA", "data": [...]}``, told by their events' own keys instead: :data:`_MIMECAST_EVENT`)
_PAGE_NEEDS = {"data": frozenset({"pageSize"}), "events": frozenset({"next_page_token"}),
               "mimecast": frozenset({"meta", "fail"}), "meraki": frozenset({"pageStartAt"}),
               "records": frozenset({"total"}), "atlassian": frozenset({"links"}),
               "homer": frozenset({"keys"}), "slurm": frozenset({"meta", "errors"})}
#: the keys every Mimecast SIEM log event has, one of which tells a get-siem-logs file's events
#: (its account code, ``acc``, and its event's id, ``aCode``)
_MIMECAST_EVENT = frozenset({"acc", "aCode"})
#: the jq filter that writes the events of a page whose events are under more than one key
#: (:data:`_API_PAGES`): Proofpoint TAP's delivered and blocked messages, or its clicks (a
#: response of one endpoint lacks the others: '?' passes over a key it has not)
_PAGE_EVENTS = {
    **dict.fromkeys(("messagesDelivered", "messagesBlocked"),
                    ("messages", ".messagesDelivered[]?, .messagesBlocked[]?")),
    **dict.fromkeys(("clicksPermitted", "clicksBlocked"),
                    ("clicks", ".clicksPermitted[]?, .clicksBlocked[]?")),
}


def api_page(obj: Mapping[str, Any] | Iterable[object]) -> str | None:
    """The key that holds the events of a SaaS audit-log API's page (:data:`_API_PAGES`) that
    ``obj`` is (a parsed object, or the top-level keys of one whose values are not known), else
    ``None``: read as a row, the whole page was one row of its envelope (``kind``, ``etag``,
    ``items``), which no model trains on or scores.

    Examples
    --------
    >>> api_page({"kind": "admin#reports#activities", "items": [{"id": {}}], "nextPageToken": "A"})
    'items'
    >>> api_page({"entries", "response_metadata"}), api_page({"entries": "3", "response_metadata": {}})
    ('entries', None)
    >>> api_page({"kind": "order", "items": [1], "user": "a"}), api_page({"items": []}), api_page({"entries"})
    (None, None, 'entries')
    >>> api_page({"total_count": 1, "workflow_runs": [{"id": 7}]}), api_page({"jobs": [], "user": "a"})
    ('workflow_runs', None)
    >>> api_page({"_class": "hudson.model.FreeStyleProject", "builds": [{"number": 7}]})
    'builds'
    >>> api_page({"ok": 1, "result": [{"u": 1}], "wait_time": 0}), api_page({"preview": 0, "result": {}})
    ('result', None)
    >>> api_page({"queryEndTime": "2024-03-01T08:00:00Z", "messagesDelivered": [], "clicksBlocked": []})
    'messagesDelivered'
    >>> api_page({"type": "MTA", "data": [{"acc": "C0A0"}]}), api_page({"type": "metric", "data": [1, 2]})
    ('mimecast', None)
    >>> api_page({"offset": 0, "pageSize": 100, "data": [{"id": 1}], "count": 1})
    'data'
    >>> api_page({"type": "login", "data": [{"user": "a"}]}), api_page({"count": 3, "data": [{"n": 1}]})
    (None, None)
    >>> api_page({"meta": {"status": 200}, "data": [{"id": 1}], "fail": []}), api_page({"type", "data"})
    ('mimecast', None)
    >>> api_page({"@odata.context": "x", "value": [{"id": "1"}]}), api_page({"@odata.context": "x", "id": 1})
    ('value', None)
    >>> api_page({"message": None, "pageStartAt": "2024-03-01T08:00Z", "events": [{"type": "association"}]})
    'meraki'
    >>> api_page({"offset": 0, "limit": 1000, "total": 1, "records": [{"id": 1}]})
    'records'
    >>> api_page({"data": [{"id": "a"}], "links": {"next": "x"}, "meta": {}}), api_page({"records"})
    ('atlassian', None)
    >>> homer = {"data": [{"sid": "a1@10.0.0.5"}], "keys": ["sid"], "total": 1}
    >>> api_page(homer), api_page({"data": [{}], "total": 1})
    ('homer', None)
    >>> api_page({"meta": {}, "errors": [], "warnings": [], "jobs": [{"job_id": 1}]})
    'slurm'
    >>> api_page({"meta": {}, "jobs": [{"job_id": 1}]}), api_page({"errors": [], "jobs": [{"job_id": 1}]})
    (None, None)
    """
    keys = set(obj)
    for page, (_, envelope) in _API_PAGES.items():
        key = _PAGE_LISTS.get(page, page)
        # (Slack's entries alone: a pretty-printed page's head, cut inside them, names no other)
        if key in keys and (len(keys) > 1 or key == "entries") and keys <= envelope:
            if isinstance(obj, Mapping) and not isinstance(obj[key], list):
                return None
            if (key == "data" and isinstance(obj, Mapping)  # (Mimecast's, Brivo's events: objects)
                    and not all(isinstance(event, dict) for event in obj[key][:1])):
                return None
            if not _PAGE_NEEDS.get(page, frozenset()) <= keys and not (
                    page == "mimecast" and isinstance(obj, Mapping) and obj["data"]
                    and not _MIMECAST_EVENT.isdisjoint(obj["data"][0])):
                continue  # (an event whose fields are named so: {"type": "login", "data": [...]})
            return page
    return None


def maybe_api_page(obj: Mapping[str, Any] | Collection[object]) -> bool:
    """Whether ``obj`` (an object, or its top-level keys) has a key that every SaaS, CI, mail or
    access-control API page of :data:`_API_PAGES` has (its list, or GitHub's ``total_count``,
    Jenkins' ``_class``, Netskope's ``wait_time``: a Splunk export's rows hold a ``result`` too;
    Proofpoint TAP's ``queryEndTime``; Mimecast's and Brivo's ``data`` among four keys at most; a
    Graph page's ``@odata.context``, an Azure list's ``nextLink``: a metric's rows hold a
    ``value``; Jira's audit ``records``; Slurm's ``errors``: a run's ``jobs`` are GitHub's too), so
    that :func:`api_page` is asked only of such: a look-up each, no more, on every row.

    Examples
    --------
    >>> maybe_api_page({"total_count": 2, "jobs": []}), maybe_api_page({"user": "a", "jobs": 3})
    (True, False)
    >>> maybe_api_page({"type": "MTA", "data": []}), maybe_api_page({"queryEndTime": "2024-03-01T08:00:00Z"})
    (True, True)
    >>> maybe_api_page({"@odata.context": "x", "value": []}), maybe_api_page({"value": 3.5})
    (True, False)
    """
    return ("items" in obj or "entries" in obj or "total_count" in obj or "_class" in obj
            or "wait_time" in obj or "queryEndTime" in obj or ("data" in obj and len(obj) <= 4)
            or "events" in obj or "@odata.context" in obj or "nextLink" in obj
            or "records" in obj or "errors" in obj)


def api_page_name(key: str) -> str:
    """What a SaaS audit-log API's page with its events under ``key`` (:func:`api_page`) is.

    Examples
    --------
    >>> api_page_name("entries")
    'Slack audit logs API page (its events under entries)'
    """
    return _API_PAGES[key][0]


def api_page_refusal(key: str) -> str:
    """Why a SaaS audit-log API's page (:func:`api_page`, its events under ``key``) is refused
    as JSON lines, and the recipe.

    Examples
    --------
    >>> api_page_refusal("entries")[-20:]
    "(jq -c '.entries[]')"
    >>> api_page_refusal("messagesBlocked")[-52:]
    "(jq -c '.messagesDelivered[]?, .messagesBlocked[]?')"
    """
    what = _PAGE_EVENTS[key][0] if key in _PAGE_EVENTS else "events"
    return (f"a {api_page_name(key)}, not one event a line; write its {what} one a line "
            f"(jq -c '{api_page_events(key)}')")


def api_page_events(key: str) -> str:
    """The ``jq`` filter that gives the events of a SaaS API's page (:func:`api_page`, its events
    under ``key``), one after another: ``.items[]``, or the keys of a page whose events are
    under more than one (:data:`_PAGE_EVENTS`).

    Examples
    --------
    >>> api_page_events("items"), api_page_events("clicksPermitted"), api_page_events("mimecast")
    ('.items[]', '.clicksPermitted[]?, .clicksBlocked[]?', '.data[]')
    """
    return _PAGE_EVENTS[key][1] if key in _PAGE_EVENTS else f".{_PAGE_LISTS.get(key, key)}[]"


#: the header of an Azure flow log's tuples, written one a row with each one's rule: NSG flow
#: logs version 2 (``1733565600,10.0.0.4,13.67.143.118,44931,443,T,O,A,B,,,,``: time, addresses,
#: ports, protocol T/U, direction I/O, decision A/D, state B/C/E, then packets and bytes each way,
#: empty at a flow's start), version 1 (the first eight), VNet flow logs (the time in
#: milliseconds, the protocol's number, the state B/C/E/D, then the flow's encryption)
_NSG_V1_HEADER = "time,src_ip,dst_ip,src_port,dst_port,protocol,direction,decision"
_NSG_V2_HEADER = (_NSG_V1_HEADER + ",state,packets_sent,bytes_sent,packets_received,"
                  "bytes_received")
_VNET_FLOW_HEADER = ("time,src_ip,dst_ip,src_port,dst_port,protocol,direction,state,encryption,"
                     "packets_sent,bytes_sent,packets_received,bytes_received")
#: where an Azure flow log's blob (``PT1H.json``) or Event Hub message starts: its records
_AZURE_RECORDS_HEAD = re.compile(rb'\s*\{\s*"records"\s*:\s*\[')


def azure_flow_log_refusal(obj: Mapping[str, Any] | bytes) -> str | None:
    """Why an Azure NSG or VNet flow log (a blob's ``PT1H.json``, ``{"records": [...]}``, its flows
    comma-separated tuples under ``records[].properties.flows[].flows[].flowTuples[]``, a VNet
    flow log's under ``records[].flowRecords.flows[].flowGroups[].flowTuples[]``) is refused,
    with the recipe that writes its tuples one a row under a header; else ``None``. ``obj`` is
    the parsed document or the file's first bytes (pretty-printed, or its records a line each).
    Read as JSON, the whole blob was one row of one text column, which no model trains on.

    Examples
    --------
    >>> nsg = {"records": [{"category": "NetworkSecurityGroupFlowEvent", "properties": {"Version": 2}}]}
    >>> azure_flow_log_refusal(nsg)[:22], _NSG_V2_HEADER in azure_flow_log_refusal(nsg)
    ('an Azure NSG flow log ', True)
    >>> "flowGroups" in azure_flow_log_refusal(b'{"records":[{"category":"FlowLogFlowEvent"')
    True
    >>> azure_flow_log_refusal({"records": [{"category": "SignInLogs"}]}) is None
    True
    """
    if isinstance(obj, bytes):
        text = without_boms(obj)
        if _AZURE_RECORDS_HEAD.match(text) is None:
            return None
        vnet = b'"FlowLogFlowEvent"' in text or b'"flowRecords"' in text
        if not vnet and b'"NetworkSecurityGroupFlowEvent"' not in text and b'"flowTuples"' not in text:
            return None
        version1 = re.search(rb'"Version"\s*:\s*1\b', text) is not None
    else:
        records = obj.get("records")
        first = records[0] if isinstance(records, list) and records else None
        if not isinstance(first, dict):
            return None
        props = first.get("properties")
        vnet = first.get("category") == "FlowLogFlowEvent" or "flowRecords" in first
        if not vnet and not (first.get("category") == "NetworkSecurityGroupFlowEvent"
                             or (isinstance(props, dict) and "flows" in props)):
            return None
        version1 = isinstance(props, dict) and props.get("Version") == 1
    if vnet:
        return ("an Azure VNet flow log (its flows as comma-separated tuples under records[]"
                ".flowRecords.flows[].flowGroups[].flowTuples[]), not one event a line; write its "
                f"tuples one a row under a header: (echo {_VNET_FLOW_HEADER},rule; jq -r "
                "'.records[].flowRecords.flows[].flowGroups[] | .rule as $r | .flowTuples[] | "
                ". + \",\" + $r') < PT1H.json > flows.csv")
    return ("an Azure NSG flow log (its flows as comma-separated tuples under records[].properties"
            ".flows[].flows[].flowTuples[]), not one event a line; write its tuples one a row under "
            f"a header: (echo {_NSG_V1_HEADER if version1 else _NSG_V2_HEADER},rule; jq -r "
            "'.records[].properties.flows[] | .rule as $r | .flows[].flowTuples[] | "
            ". + \",\" + $r') < PT1H.json > flows.csv")


#: the ``jq`` commands that write an osquery result log's snapshot line and batch line (its
#: ``--logger_event_type=false`` format) a row each, in the shape of its differential lines (the
#: envelope, ``action`` and the row under ``columns``)
OSQUERY_SNAPSHOT_JQ = "jq -c 'del(.snapshot) + {columns: .snapshot[]}'"
OSQUERY_BATCH_JQ = ("jq -c 'del(.diffResults) + (.diffResults | to_entries[] | .key as $a | .value[] "
                    "| {action: $a, columns: .})'")


def osquery_rows_refusal(obj: Mapping[str, Any]) -> str | None:
    """Why an osquery result log's line that holds a query's rows as a list is refused, with
    the recipe that writes them a row each as its differential lines are (``{"name": ...,
    "hostIdentifier": ..., "columns": {...}, "action": "added"}``); else ``None``: a snapshot
    query's line (``osqueryd.snapshots.log``: ``{"snapshot": [...], "action": "snapshot",
    "name": ..., "hostIdentifier": ...}``) or a batch line (``{"diffResults": {"added": [...],
    "removed": [...]}, ...}``). Read as a row, a host's whole result set was one text category,
    every changed one unseen, and none of its rows' fields a column.

    Examples
    --------
    >>> osquery_rows_refusal({"snapshot": [{"pid": "1"}], "action": "snapshot", "hostIdentifier": "h"})[:40]
    'an osquery snapshot (its rows under snap'
    >>> osquery_rows_refusal({"diffResults": {"added": []}, "name": "p", "hostIdentifier": "h"})[-27:]
    "{action: $a, columns: .})')"
    >>> osquery_rows_refusal({"snapshot": "2024-03-01", "action": "snapshot"}) is None
    True
    """
    if "hostIdentifier" not in obj and "name" not in obj:
        return None
    if isinstance(obj.get("snapshot"), list) and obj.get("action") == "snapshot":
        return ("an osquery snapshot (its rows under snapshot, one line a run), not one row a line; "
                f"write its rows one a line, as its differential results are ({OSQUERY_SNAPSHOT_JQ})")
    results = obj.get("diffResults")
    if isinstance(results, dict) and results and set(results) <= {"added", "removed"}:
        return ("an osquery batch of differential results (its rows under diffResults.added and "
                ".removed), not one row a line; write its rows one a line, as its event format "
                f"writes them ({OSQUERY_BATCH_JQ})")
    return None


def document_refusal(obj: Mapping[str, Any] | Collection[object]) -> str | None:
    """Why ``obj`` is refused as a line of JSON lines where it is a whole document of events on
    one line, with the recipe that writes them one a line: an Elasticsearch or OpenSearch search
    response (:func:`search_response`), a Splunk search's results (:func:`splunk_results`), a
    Kubernetes list (:func:`kube_list`), a SaaS audit-log API's page (:func:`api_page`), an Azure
    flow log's blob or an osquery line of many rows (:func:`osquery_rows_refusal`); else
    ``None``. ``obj`` is a parsed object, or the top-level keys of one whose values are not known
    (a pretty-printed document's head). The one check of the file reader and ``stream``.

    Examples
    --------
    >>> document_refusal({"apiVersion": "v1", "kind": "List", "items": []}) == kube_list_refusal()
    True
    >>> document_refusal({"took", "timed_out", "hits"})[-22:]
    "(jq -c '.hits.hits[]')"
    >>> document_refusal({"kind": "order", "items": [1], "user": "a"}) is None
    True
    """
    values: Mapping[str, Any] = obj if isinstance(obj, Mapping) else {}  # (keys alone: not known)
    if "hits" in obj and search_response(obj, values.get("hits")):
        return search_response_refusal()
    if "results" in obj and splunk_results(obj, values.get("results")):
        return splunk_results_refusal()
    if "items" in obj and kube_list(obj, values.get("items")):
        return kube_list_refusal()
    # (a BloodHound file's {"data", "meta"} is among the keys of Mimecast's pages: it first)
    if "meta" in obj and (refusal := bloodhound_refusal(obj)) is not None:
        return refusal
    if maybe_api_page(obj) and (key := api_page(obj)) is not None:
        return api_page_refusal(key)
    if "records" in obj and isinstance(obj, Mapping):
        return azure_flow_log_refusal(obj)
    if ("snapshot" in obj or "diffResults" in obj) and isinstance(obj, Mapping):
        return osquery_rows_refusal(obj)
    return None


def bloodhound_refusal(obj: Mapping[str, Any] | Collection[object]) -> str | None:
    """Why a BloodHound collector's file (SharpHound's, AzureHound's, bloodhound-python's
    ``20261201_users.json``: ``{"data": [...], "meta": {"type": "users", "count": 40, ...}}``,
    on one line) is refused as JSON lines, with the recipe that writes its objects one a line;
    else ``None``. ``obj`` is the parsed document, or its top-level keys (a pretty-printed one's
    head). Read as a row, the file was one row (``data``, ``meta.type`` ...): 'fitting needs at
    least 2' rows.

    Examples
    --------
    >>> bloodhound_refusal({"data": [{"ObjectIdentifier": "S-1-5-21-1-2-3-1104"}],
    ...                     "meta": {"type": "users", "count": 1}})[-36:]
    "(jq -c '.data[]' FILE > users.jsonl)"
    >>> bloodhound_refusal({"data": 3, "meta": {"type": "users"}}) is None
    True
    """
    if set(obj) != {"data", "meta"}:
        return None
    kind = None
    if isinstance(obj, Mapping):
        meta = obj["meta"]
        if not isinstance(obj["data"], list) or not isinstance(meta, Mapping) or "type" not in meta:
            return None
        kind = str(meta["type"]) if re.fullmatch(r"\w{1,40}", str(meta["type"])) else None
    return (f"a BloodHound collection file (its {kind or 'objects'} under data, as SharpHound, "
            "AzureHound and bloodhound-python write it), not one event a line; write its objects "
            f"one a line (jq -c '.data[]' FILE > {kind or 'objects'}.jsonl)")


def no_lone_surrogates(value: Any) -> Any:
    """``value`` (parsed JSON, changed in place) with each string that holds a lone surrogate
    (JSON's ``\\ud83d`` without its pair: a user agent cut inside an emoji; Python's parser
    keeps it, and no UTF-8 text, hence no pandas column or output, can hold it) written with the
    escape instead, as JSON writes it: one such field, which the sender controls, refused the
    whole file. Walked without recursion (JSON as deep as the parser reads).

    Examples
    --------
    >>> no_lone_surrogates({"ua": "a\\ud83d", "ok": ["\\U0001f600", 1]})
    {'ua': 'a\\\\ud83d', 'ok': ['\U0001f600', 1]}
    """
    root = [value]
    todo: list[tuple[Any, Any]] = [(root, 0)]
    while todo:
        holder, key = todo.pop()
        item = holder[key]
        if isinstance(item, str):
            holder[key] = utf8_text(item)
        elif isinstance(item, list):
            todo.extend((item, i) for i in range(len(item)))
        elif isinstance(item, dict):
            if any(utf8_text(k) is not k for k in item):  # a key too: the object rebuilt
                item = holder[key] = {utf8_text(k): v for k, v in item.items()}
            todo.extend((item, k) for k in item)
    return root[0]


def utf8_text(value: Any) -> Any:
    """``value``, text that UTF-8 cannot hold (a lone surrogate: a JSON line's ``"\\ud800"``,
    which Python reads as such) with it escaped as JSON writes it (``\\ud800``); any other value
    itself (the readers' rule, and the SQLite alert sink's: SQLite stores UTF-8).

    Examples
    --------
    >>> utf8_text("a\\ud800b"), utf8_text("café"), utf8_text(3)
    ('a\\\\ud800b', 'café', 3)
    """
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode()
    return value


def first_json_object(head: bytes) -> dict[str, Any] | None:
    """The first non-blank line of ``head`` (a file's first bytes) as a JSON object, or ``None``
    when it is no JSON object: what the format sniffers of JSON lines look at. A first line that
    is no JSON object (a record cut short, as a rotated or copied log may start, or damaged) is
    passed over when more than half of the first eight non-blank lines are JSON objects: the
    first of them is the file's first event, and the reader names or skips that line, as
    ``stream`` does.

    Examples
    --------
    >>> first_json_object(b'\\xef\\xbb\\xbf\\n{"EventID": 4624}\\n{"EventID": 4625}\\n')
    {'EventID': 4624}
    >>> first_json_object(b"a,b\\n1,2\\n") is None, first_json_object(b"[1, 2]\\n") is None
    (True, True)
    >>> first_json_object(b'{"EventID": 46\\n{"EventID": 4625}\\n{"EventID": 4634}\\n')
    {'EventID': 4625}
    """
    parts = without_boms(head).split(b"\n", 8)
    objects: list[dict[str, Any] | None] = []
    for n, line in enumerate(parts[:8]):
        if not line.strip():
            continue
        try:
            obj = loads_json(line)
        except (ValueError, RecursionError):
            obj = None
        if not objects and isinstance(obj, dict):
            return obj
        if obj is None and n == len(parts) - 1:  # the head's end may cut the last line: not counted
            break
        objects.append(obj if isinstance(obj, dict) else None)
    found = [obj for obj in objects if obj is not None]
    return found[0] if len(found) * 2 > len(objects) else None


_SPACES = re.compile(r"\s*")


def cut_top_keys(head: bytes) -> set[str]:
    """The top-level keys of ``head``'s first line when that line is a JSON object the end of
    ``head`` cuts (a first record longer than the sniffed head: no line break after it), up to
    the value that runs past the end (its key included); an empty set otherwise. What a sniffer
    of JSON lines looks at when :func:`first_json_object` finds none: a key nested in another
    object (an Elasticsearch ``_source``) is no top-level key.

    Examples
    --------
    >>> sorted(cut_top_keys(b'{"EventID": 4104, "Channel": "P", "ScriptBlockText": "xxx'))
    ['Channel', 'EventID', 'ScriptBlockText']
    >>> sorted(cut_top_keys(b'\\n{"_id": "1", "_source": {"EventID": 4104, "Channel": "P", "x": "xx'))
    ['_id', '_source']
    >>> cut_top_keys(b'{"EventID": 1}\\n{"EventID": 2, "x": "xx'), cut_top_keys(b'a,b')
    (set(), set())
    """
    line = without_boms(head).lstrip()
    return set() if b"\n" in line else top_keys(line)


def top_keys(text: bytes) -> set[str]:
    """The top-level keys of the JSON object ``text`` starts with (white space, line breaks too,
    before it), up to the value that runs past its end (its key included) or the first error;
    an empty set when it starts with no object.

    Examples
    --------
    >>> sorted(top_keys(b' {\\n  "kind": "Event",\\n  "body": {"kind": "x", "z": "zz'))
    ['body', 'kind']
    >>> top_keys(b'[{"kind": "Event"}]')
    set()
    """
    line = text.lstrip()
    if not line.startswith(b"{"):
        return set()
    decoded, decoder, keys = line.decode("utf-8", "replace"), json.JSONDecoder(), set()

    def skip(j: int) -> int:  # past the white space at j
        return _SPACES.match(decoded, j).end()  # type: ignore[union-attr]  # (\s* always matches)

    i = skip(1)
    try:
        while decoded.startswith('"', i):
            key, i = decoder.raw_decode(decoded, i)
            i = skip(i)
            if not decoded.startswith(":", i):
                break
            keys.add(key)
            _, i = raw_decode_json(decoder, decoded, skip(i + 1))
            i = skip(i)
            if not decoded.startswith(",", i):
                break
            i = skip(i + 1)
    except (ValueError, RecursionError):  # the value (or key) the end of text cuts; nested too deep
        pass
    return keys


def read_head(path: Path, n_bytes: int = 65536) -> bytes:
    """The first ``n_bytes`` of the (decompressed) file."""
    try:
        with open_text(path) as fh:
            return fh.read(n_bytes)
    except gzip.BadGzipFile as exc:
        if _raw_head(path, 2) == b"\x1f\x8b":  # gzip's signature, then damage: not a naming slip
            raise InputError(f"{path}: damaged gzip data ({exc})") from None
        raise InputError(f"{path}: not gzip-compressed, though its name ends in .gz; rename "
                         "it without .gz") from None
    except READ_ERRORS as exc:
        raise InputError(f"{path}: cannot read ({read_problem(exc)})") from None


def _raw_head(path: Path, n_bytes: int) -> bytes:
    """The first ``n_bytes`` of the file as stored (not decompressed)."""
    with open(path, "rb") as fh:
        return fh.read(n_bytes)


def gzipped_evtx(path: str | os.PathLike[str]) -> InputError:
    """The error for a gzip-compressed Windows ``.evtx`` event log (named ``.evtx.gz`` or
    ``.evtx``), the same from every reader: the parser seeks inside the file, so it reads no
    gzip stream; decompress it first (not 'name it .evtx.gz', which is refused as well).

    Examples
    --------
    >>> str(gzipped_evtx("Security.evtx.gz")).split("; ")[1]
    'decompress it first (gunzip -k Security.evtx.gz, then read Security.evtx)'
    >>> str(gzipped_evtx("Security.evtx")).split("; ")[1]
    'decompress it first (gunzip -c Security.evtx > plain.evtx, then read plain.evtx)'
    """
    name = Path(path).name
    how = (f"gunzip -k {name}, then read {name[:-3]}" if name.lower().endswith(".gz")
           else f"gunzip -c {name} > plain.evtx, then read plain.evtx")
    return InputError(f"{path}: a gzip-compressed Windows .evtx event log; decompress it first ({how})")


def dedupe_names(names: Sequence[str]) -> list[str]:
    """Strip names and make duplicates unique the way pandas does (``x``, ``x.1``, ...).

    Examples
    --------
    >>> dedupe_names([" Fwd Header Length", "Fwd Header Length", "Label "])
    ['Fwd Header Length', 'Fwd Header Length.1', 'Label']
    >>> dedupe_names(["a", "", "b"])
    ['a', 'Unnamed: 1', 'b']
    >>> dedupe_names(["0", "0", "0.1"])  # a suffix never takes another column's own name
    ['0', '0.2', '0.1']
    """
    stripped = [str(raw).strip() or f"Unnamed: {i}"  # an empty header cell, named as pandas does
                for i, raw in enumerate(names)]
    taken = set(stripped)
    seen: dict[str, int] = {}
    out = []
    for name in stripped:
        if name in seen:
            base = name
            while name in taken:
                seen[base] += 1
                name = f"{base}.{seen[base]}"
            taken.add(name)
        else:
            seen[name] = 0
        out.append(name)
    return out


def _note_undecodable_row(unraisable: Any) -> None:
    """``sys.unraisablehook`` for the CSV reader's invalid-row handler.

    pyarrow decodes a malformed row's text before calling the handler; when the row is not UTF-8
    that fails, the handler never runs, and Python prints the decode error as "Exception
    ignored" with a traceback in the middle of the one-line error. The handler is marked
    instead (its read then fails naming the line); anything else goes to the previous hook.
    """
    if isinstance(unraisable.exc_value, UnicodeDecodeError) and hasattr(unraisable.object,
                                                                         "undecodable"):
        unraisable.object.undecodable = True
        return
    _previous_unraisablehook[0](unraisable)


_previous_unraisablehook = [sys.unraisablehook]


def _install_unraisablehook() -> None:
    if sys.unraisablehook is not _note_undecodable_row:  # (re)installed: test runners swap it
        _previous_unraisablehook[0] = sys.unraisablehook
        sys.unraisablehook = _note_undecodable_row


class _RowHandler:
    """The invalid-row handler one pyarrow CSV reader is given: ``handle`` called through a
    proxy of its own, which only pyarrow holds once the reader is opened.

    pyarrow releases a reader, and with it this handler (taking the GIL), in whichever of its
    threads finishes the reader's last task, which may come after the read returned or raised
    (a malformed first block: its error is told before the thread that parsed it lets go). A
    thread that takes the GIL while the interpreter exits aborts the process ("terminate called
    without an active exception", exit 134 instead of an error's 2), so the interpreter waits at
    exit for the handlers pyarrow still holds (:func:`_wait_for_readers`).

    ``passes``, ``at``: the read's pass under way and this reader's: a row handed here by a
    reader of an earlier pass (one of pyarrow's threads still parsing for a reader that raised)
    is refused, not counted in the pass under way.
    """

    __slots__ = ("__weakref__", "_at", "_passes", "handle")

    def __init__(self, handle: Callable[[Any], str], passes: Sequence[int], at: int) -> None:
        self.handle = handle
        self._passes, self._at = passes, at
        _LIVE_HANDLERS.add(self)

    def __call__(self, row: Any) -> str:
        return self.handle(row) if self._passes[0] == self._at else "error"

    @property
    def undecodable(self) -> bool:  # (see _note_undecodable_row: marked on the handler itself)
        return bool(getattr(self.handle, "undecodable", False))

    @undecodable.setter
    def undecodable(self, value: bool) -> None:
        self.handle.undecodable = value  # type: ignore[attr-defined]


_LIVE_HANDLERS: weakref.WeakSet[_RowHandler] = weakref.WeakSet()


@atexit.register
def _wait_for_readers(timeout: float = 2.0) -> None:
    """Let pyarrow's threads release the readers they still hold before the interpreter exits
    (at most ``timeout`` seconds: a reader Python itself still holds is released by it). The
    readers only garbage holds, an error's traceback, are freed first, here, by this thread."""
    if _LIVE_HANDLERS:
        gc.collect()
    deadline = time.monotonic() + timeout
    while _LIVE_HANDLERS and time.monotonic() < deadline:
        time.sleep(0.002)  # (sleeping lets go of the GIL, which those threads take)


def _check_bad_rows(on_bad_rows: str) -> None:
    if on_bad_rows not in BAD_ROWS:
        raise InputError(f"on_bad_rows: expected one of {', '.join(BAD_ROWS)}, got {on_bad_rows!r}",
                         param="on_bad_rows")


def _line_of(path: Path, text: str | None, *, undecodable: bool = False) -> int | None:
    """Find the line of a bad row on the error path (pyarrow does not always know it)."""
    if undecodable:
        return _undecodable_line(path)[0]
    with open_lines(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            if text is not None and raw.rstrip(b"\r\n").decode("utf-8", "replace") == text:
                return lineno
    return None


def _undecodable_line(path: Path) -> tuple[int | None, bytes | None]:
    """(line number, bytes) of the first line of ``path`` that is no UTF-8, else ``(None, None)``."""
    with open_lines(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return lineno, raw
    return None, None


def _first_line_longer(path: Path, limit: int) -> int | None:
    with open_lines(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            if len(raw) > limit:
                return lineno
    return None


#: a carriage return alone (no line feed after it): a line's end in a CSV read by pyarrow
_LONE_CR = re.compile(rb"\r(?!\n)")
#: the places just after such a carriage return, where a line holding them is cut
_AFTER_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")


class _RowLines:
    """The file line of each data row, for rows dropped after pyarrow parsed them (asked in order:
    one forward read of the file, stopped where the last row asked for is). Rows are counted as
    pyarrow does: past ``skip_rows`` lines, empty lines and ``comment`` lines not counted, nor
    undecodable lines where those are filtered out, nor, with ``blank`` (the delimiter and the
    number of columns), lines of white space alone of another number of fields; a quoted field
    with line breaks (``quote``) goes on to the line that closes it, the row's line its first.
    A row on a line of ``left_out`` is not counted either (the lines a read left out). ``at``:
    the :attr:`place` of an earlier read of the file to go on from (its bytes read past, not
    looked at again). ``records``: count every record pyarrow numbers (no ``comment``,
    ``blank``, ``left_out`` nor ``decodable``), a block of lines without a ``"`` read past at once.
    """

    def __init__(self, path: Path, skip_rows: int, comment: str | None, decodable: bool,
                 quote: bool, blank: tuple[str, int] | None = None, sep: str = ",",
                 left_out: Collection[int] = (), at: tuple[int, int, int] | None = None,
                 records: bool = False) -> None:
        self._records = records
        self._ahead: list[bytes] = []  # lines of a block read past at once, to read one by one
        self._left_out = left_out
        self._fh = open_lines(path)
        self._quote, self._sep = quote, sep.encode()
        self._blank = None if blank is None else (blank[0].encode(), blank[1])
        self._comment = None if comment is None else comment.encode()
        self._decodable = decodable
        self.line = self.rows = self.offset = 0  # (offset: the bytes read)
        if at is not None:
            self.rows, self.line, self.offset = at
            left = self.offset
            while left > 0 and (got := len(self._fh.read(min(left, 1 << 20)))):
                left -= got
            return
        while self.line < skip_rows and (raw := self._fh.readline()):
            self.line += 1
            self.offset += len(raw)

    @property
    def place(self) -> tuple[int, int, int]:
        """Where the read is, for another to go on from (``at``): rows, lines and bytes read."""
        return self.rows, self.line, self.offset

    def line_of(self, row: int) -> int | None:
        """The line of data row ``row`` (1-based), ``None`` past the end."""
        start = self.line
        if self._records:
            self._skip_blocks(row)
        while self.rows < row:
            raw = self._ahead.pop() if self._ahead else self._fh.readline()
            if not raw:
                return None
            if _LONE_CR.search(raw) is not None:
                # a CR alone ends a row as pyarrow reads it, and a line as an editor shows it: each
                # piece is a line of its own (row 20's line was one early past '0.5,0.3\r\r\n');
                # one inside a quoted field too, the field going on past it as past an LF below
                # (a line holding a '"' was not cut: rows after it were named by their data row
                # where an error names the line of a row, and one '"7"' by its text)
                pieces = [piece for piece in _AFTER_LONE_CR.split(raw) if piece]  # (none at the end)
                self._ahead.extend(reversed(pieces[1:]))
                raw = pieces[0]
            self.line += 1
            start = self.line
            # a quoted field goes on past the line (a '"' inside a field, 5" screen, opens none;
            # one may come before a field that does: an even count of '"' on the line)
            inside = self._quote and b'"' in raw and _ends_open(raw, False, self._sep)
            while inside:
                more = self._ahead.pop() if self._ahead else self._fh.readline()
                if not more:
                    break
                self.line += 1
                raw += more
                inside = _ends_open(more, True, self._sep)  # (the new line alone: no rescan)
            self.offset += len(raw)
            text = raw.rstrip(b"\r\n")
            if not text or (self._comment is not None and text.startswith(self._comment)):
                continue
            if self._blank is not None and blank_line(text) and \
                    text.count(self._blank[0]) + 1 != self._blank[1]:
                continue  # (as on_invalid passes it over)
            if self._decodable:
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    continue
            if start in self._left_out:
                continue
            self.rows += 1
        return start if self.rows == row else None

    def _skip_blocks(self, row: int) -> None:
        # read past whole blocks of lines before data row ``row``: each counted at once (lines,
        # and records: the lines not empty), where it holds no '"' (no quoted line break); the
        # block that holds the row, or a '"', is left to read line by line
        while not self._ahead:
            block = self._fh.read(1 << 20)
            if not block:
                return
            if not block.endswith(b"\n"):
                block += self._fh.readline()
            lines = block.split(b"\n")
            if lines[-1] == b"":  # (else the file's last line, unended)
                lines.pop()
            n = len(lines) - lines.count(b"") - lines.count(b"\r")
            if (self._quote and b'"' in block) or self.rows + n >= row or _LONE_CR.search(block):
                self._ahead = io.BytesIO(block).readlines()[::-1]  # (the lines with their ends)
                return
            self.rows += n
            self.line += len(lines)
            self.offset += len(block)

    def close(self) -> None:
        self._fh.close()


class _PassCount:
    """The bad rows one pass of the CSV reader counts in ``stats``. A later pass reads the file
    again and counts its bad rows again: it takes back the earlier pass's count first
    (:meth:`undo`), and leaves the others as they are: rows a scorer left out of the chunks
    handed out meanwhile (``score --on-bad-rows skip``, a value the model refuses), which a
    reset of the count lost ('skipped 1 malformed row(s)' of two).

    Examples
    --------
    >>> stats = ReadStats()
    >>> count = _PassCount(stats)
    >>> count.skipped(7)
    >>> stats.skipped(None)  # (a row the caller left out)
    >>> count.undo()
    >>> stats.bad_rows, stats.bad_lines
    (1, [])
    """

    def __init__(self, stats: ReadStats) -> None:
        self.stats, self.rows, self.lines = stats, 0, list[int]()
        self.gaps: list[int] = []  # the places of this pass's skipped rows (ReadStats.gaps)
        self.floor = 0  # the rows handed out before this pass: the places before them are told
        #: the lines any pass left out (bad rows, header lines) where known, and the rows kept
        #: ahead of the first one whose line is not (at most): past it a row's place among the
        #: rows kept does not tell its line
        self.out: set[int] = set()
        self.first: int | None = None
        #: the lowest line a skipped row whose line was not looked for may be on (past the lines
        #: named, :meth:`ReadStats.may_name`): a line found from there on is not sure (:meth:`sure`)
        self.unlined: int | None = None

    def skipped(self, line: int | None, at: int | None = None, *, later: bool = False,
                from_line: int | None = None) -> None:
        """:meth:`ReadStats.skipped`, counted as this pass's; ``later``: its place is told
        by :meth:`place` (once the rows before it are checked); ``from_line``: its line, not
        looked for, is this one or a later one (the rows before it keep theirs)."""
        if later or (at is not None and at < self.floor):  # (placed later, or by an earlier pass)
            self.stats.bad_rows += 1
        else:
            self.stats.skipped(None, at)  # (its line named below: this pass's, taken back by undo)
            if at is not None:
                self.gaps.append(at)
        named = self.stats.name_line(line)
        if line is None and from_line is not None:
            self.unlined = from_line if self.unlined is None else min(self.unlined, from_line)
        else:
            self._note(line, at)
        self._count(line, named)

    def sure(self, line: int | None) -> int | None:
        """``line``, found by counting rows past the lines left out, or ``None`` where a skipped
        row whose line was not looked for may come before it (then counted as a row).

        Examples
        --------
        >>> count = _PassCount(ReadStats())
        >>> count.skipped(None, later=True, from_line=40)
        >>> count.sure(39), count.sure(40)
        (39, None)
        """
        return None if line is None or (self.unlined is not None and line >= self.unlined) else line

    def place(self, at: int) -> None:
        """Tell the place of a row counted ``later``: after ``at`` rows kept."""
        if at >= self.floor:  # (else told by an earlier pass, kept by :meth:`undo`)
            bisect.insort(self.stats.gaps, at)
            self.gaps.append(at)

    def header(self, line: int | None, at: int | None = None) -> None:
        """Count a line that repeats the header: a bad row, but no data row (no ``first_skip``)."""
        self._note(line, at)
        self.stats.bad_rows += 1
        self._count(line, self.stats.name_line(line))

    def _note(self, line: int | None, at: int | None) -> None:
        if line is not None:
            self.out.add(line)
            return
        at = self.stats.rows if at is None else at
        self.first = at if self.first is None else min(self.first, at)

    def _count(self, line: int | None, named: bool) -> None:
        self.rows += 1
        if line is not None and named:
            self.lines.append(line)

    def undo(self, handed: int = 0) -> None:
        """Take back the bad rows (and their lines) counted so far; the places of those before
        the first ``handed`` rows kept (handed out already: a caller may be numbering them
        meanwhile, and the next pass finds them again) stay."""
        self.stats.bad_rows -= self.rows
        for line in self.lines:
            with contextlib.suppress(ValueError):
                self.stats.bad_lines.remove(line)
        for at in self.gaps:
            if at >= handed:
                with contextlib.suppress(ValueError):
                    self.stats.gaps.remove(at)
        self.rows, self.lines, self.gaps = 0, [], []
        self.floor = max(self.floor, handed)


class _DecodableLines(io.RawIOBase):
    """A byte stream of the lines of a file that decode as UTF-8 (the others are counted)."""

    def __init__(self, path: Path, stats: ReadStats | _PassCount, placeholder: bytes | None = None) -> None:
        #: the line passed on instead of one that does not decode (``None``: none, the line
        #: counted here): a row of the wrong field count, for the CSV reader's handler
        self.placeholder = placeholder
        self._fh = open_lines(path)
        self._stats = stats
        self._buf = b""
        self._lineno = 0
        self.dropped: list[int] = []  # line numbers of the file not passed on, in order

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while len(self._buf) < len(b):
            line = self._fh.readline()
            if not line:
                break
            self._lineno += 1
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                self.dropped.append(self._lineno)
                if self.placeholder is None:
                    self._stats.skipped(self._lineno)
                    continue
                line = self.placeholder + b"\n"  # (the reader's handler counts it, in its place)
            self._buf += line
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def check_text(path: str | os.PathLike[str], head: bytes) -> None:
    """Raise :class:`InputError` when ``head`` (a file's first bytes) is binary, not text.

    Examples
    --------
    >>> check_text("a.evtx", b"ElfFile\\x00\\x00")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: a.evtx: a Windows .evtx event log (binary); read it with ...
    """
    if head.startswith(b"ElfFile\x00"):
        raise InputError(f"{path}: a Windows .evtx event log (binary); {READ_AS_EVTX}, not as text")
    if head.startswith(b"PAR1"):
        raise InputError(f"{path}: a Parquet file; {READ_AS_PARQUET}")
    if head.startswith(b"\x1f\x8b") and Path(path).name.lower().endswith(".gz"):
        # decompressed once already (a .gz file, standard input's or a folder's copy): gzip again
        raise InputError(f"{path}: gzip-compressed twice (gzip data inside the gzip data); "
                         "decompress it once (e.g. zcat FILE | hourglass ... -, which reads the "
                         "inner gzip)")
    if head.startswith(b"\x1f\x8b") and Path(path).name.lower().endswith(".evtx"):
        raise gzipped_evtx(path)  # (named .evtx.gz, the evtx parser refuses it: no gzip stream)
    if head.startswith(b"\x1f\x8b"):
        raise InputError(f"{path}: gzip-compressed data in a file not named .gz; name it "
                         f"{Path(path).name}.gz (or decompress it)")
    from hourglass.ingest.logs import not_tar  # (it imports this module)

    not_tar(Path(path), head)  # (not 'binary data ... a UTF-16 text file?')
    packed = _packed(head)
    if packed is not None:  # (not 'binary data ... a UTF-16 text file?')
        raise InputError(f"{path}: {packed[0]}-compressed, and only gzip is read directly; decompress "
                         f"it first and pipe the text in as DATA - (e.g. {packed[1]} FILE | hourglass ... -)")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: UTF-16 text; save it as UTF-8")
    # a stray NUL byte in a text field is no binary file (the same byte past these 8 KiB was
    # read as text), as check_log_text lets it through in a text log
    if looks_binary(head[:8192]):
        if b"\x00" in head[:8192]:
            raise InputError(f"{path}: binary data (NUL bytes), not a CSV/TSV/JSONL table or a text "
                             "log (a UTF-16 text file? save it as UTF-8)")
        # control bytes without a NUL (a Ctrl-Z, 0x1A, between a file's lines): named, not 'NUL'
        first = next(b for b in head[:8192] if (b < 32 and b not in b"\t\n\r\f") or b == 127)
        raise InputError(f"{path}: binary data (control bytes such as 0x{first:02X}), not a "
                         "CSV/TSV/JSONL table or a text log")


def _packed(head: bytes) -> tuple[str, str] | None:
    """The compression other than gzip of a file whose first bytes are ``head``, and the tool that
    writes its text out, as the log readers tell it (:func:`hourglass.ingest.logs.compressed_kind`)."""
    from hourglass.ingest.logs import compressed_kind  # (it imports this module)

    return compressed_kind(head[:6])


# a file's first bytes that say it is no text log: .evtx, Parquet, gzip without .gz, UTF-16
_NOT_TEXT = (b"ElfFile\x00", b"PAR1", b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff")


def check_log_text(path: Path) -> None:
    """Raise :class:`InputError` when the file is surely no text: a binary format's signature,
    gzip data in a file not named .gz, UTF-16 text (with a byte-order mark, or NUL bytes every
    other byte without one), as :func:`check_text` says it. A reader of one format calls it
    first, so such a file is named for what it is, not 'line 1: not a CEF record'; unlike
    :func:`check_text`, a stray NUL byte in a text log does not refuse the file.

    Examples
    --------
    >>> check_log_text(Path(__file__))  # (text: nothing said)
    """
    from hourglass.ingest.logs import tar_member  # (it imports this module)

    head = read_head(path, 1024)
    if (head.startswith(_NOT_TEXT) or _packed(head) is not None or _utf16_or_binary(head)
            or tar_member(head) is not None):
        check_text(path, head)


def check_json_text(path: Path) -> None:
    """Raise :class:`InputError` when a JSON file is surely no text: what :func:`check_log_text`
    refuses, and binary data (:func:`looks_binary`, as :func:`check_text` tells it of a table)
    after any leading run of NULs (a log truncated under its writer, still read), or NULs only.
    JSON text holds no raw control bytes, so such a file was 'line 1: malformed JSON' before.

    Parameters
    ----------
    path
        The file (a ``.gz`` one read decompressed).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "nul.json"
    >>> _ = p.write_bytes(bytes(3000))
    >>> check_json_text(p)
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: ...nul.json: binary data (NUL bytes), not a CSV/TSV/JSONL table ...
    >>> _ = p.write_bytes(bytes(600) + b'\\n{"a": 1}\\n')
    >>> check_json_text(p)  # (a hole of NULs, then text: read)
    """
    check_log_text(path)
    head = read_head(path, 8192)
    body = head.lstrip(b"\x00")
    if (body and looks_binary(body)) or (head and not body and len(head) < 8192):
        check_text(path, body or head)


def _utf16_or_binary(head: bytes) -> bool:
    r"""Whether ``head`` (a leading run of NULs aside: a log truncated under its writer,
    logrotate's copytruncate) is UTF-16 text (NULs at one parity of offsets, the high bytes of
    ASCII characters) or binary data full of NULs whose other bytes are no text either (a
    capture, an executable); not a text log with a stray NUL or a run of them (a crash's hole).

    Examples
    --------
    >>> log = b"CEF:0|Acme|FW|1|100|conn|5|src=10.0.0.5\n"
    >>> _utf16_or_binary(log.decode().encode("utf-16-le")), _utf16_or_binary(bytes(600) + log)
    (True, False)
    >>> _utf16_or_binary(log + bytes(1500) + log), _utf16_or_binary(b"\x7fELF\x02\x01" + bytes(300) * 2)
    (False, True)
    >>> _utf16_or_binary(log.decode().encode("utf-32-le"))
    True
    """
    body = head.lstrip(b"\x00")
    if len(body) < 4:
        return False
    even, odd = body[::2].count(0), body[1::2].count(0)
    half = len(body) // 2
    if max(even, odd) * 2 > half and min(even, odd) * 4 < half:
        return True
    # UTF-32: NULs at two or three offsets of every four, the characters at another (a hole of
    # NULs in a log fills all four alike)
    fourths = [body[k::4].count(0) * 4 / len(body) for k in range(4)]
    if len(body) >= 16 and sum(f >= 0.9 for f in fourths) >= 2 and min(fourths) < 0.25:
        return True
    return body.count(0) * 4 > len(body) and _control_share(body.replace(b"\x00", b"")) > 0.05


def looks_binary(head: bytes) -> bool:
    """Whether ``head`` (a file's or an input's first bytes) is no text: UTF-16/32 without a
    byte-order mark or NUL-filled data (:func:`_utf16_or_binary`), or over 5% control bytes
    (:func:`_control_share`); a stray NUL in text is not enough, nor the Ctrl-Z (0x1A) a DOS or
    Windows tool writes after a text file's last line (:func:`hourglass._eol.blank_line`), which
    alone put a file of a row or two over the 5% ('binary data (NUL bytes)' of a CSV).

    Examples
    --------
    >>> looks_binary(b"a,b\\n" + b"1,2\\n" * 40 + b"3,\\x00\\n"), looks_binary(bytes(range(256)))
    (False, True)
    >>> looks_binary(b"a,b\\r\\n1,2\\r\\n\\x1a"), looks_binary(b"a,b\\r\\n\\x1a\\x1a1,2\\r\\n")
    (False, True)
    """
    return _utf16_or_binary(head) or _control_share(head.rstrip(b" \t\r\n\f\x1a")) > 0.05


def _control_share(head: bytes) -> float:
    """Share of control bytes (not tab, newline, carriage return, form feed) in ``head``: text has
    next to none, random or compressed bytes about one in nine.

    Examples
    --------
    >>> _control_share(b"a,b\\r\\n1,2\\n"), _control_share(bytes(range(1, 33)))
    (0.0, 0.84375)
    """
    if not head:
        return 0.0
    text = b"\t\n\r\f"
    return sum(head.count(bytes([c])) for c in (*range(32), 127) if bytes([c]) not in text) / len(head)


def _text_line(fh: Any, path: Path, lineno: int) -> bytes:
    """The next line of ``fh``, read up to :data:`MAX_LINE_BYTES`: a longer one is an
    :class:`InputError` naming it (a file without line breaks is no table: read whole, its
    "header" of millions of names filled gigabytes).

    Examples
    --------
    >>> import io
    >>> _text_line(io.BytesIO(b"a,b\\n1,2\\n"), Path("t.csv"), 1)
    b'a,b\\n'
    """
    raw = fh.readline(MAX_LINE_BYTES + 1)
    if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
        raise InputError(f"{path}: line {lineno}: longer than {MAX_LINE_BYTES >> 20} MiB: no table's "
                         "line is (a file without line breaks, or not a table?)")
    return bytes(raw)


def _past_lines(fh: Any, path: Path, skip_rows: int) -> None:
    """Read past the first ``skip_rows`` lines of ``fh`` (each as :func:`_text_line` reads it),
    where each of the header's sniffers starts.

    Examples
    --------
    >>> import io
    >>> fh = io.BytesIO(b"# note\\na,b\\n")
    >>> _past_lines(fh, Path("t.csv"), 1); fh.readline()
    b'a,b\\n'
    """
    for i in range(skip_rows):
        _text_line(fh, path, i + 1)


#: the most lines a header's quoted names may run over (a spreadsheet's cell with line breaks)
_HEADER_LINES = 100


def _open_quote(text: bytes, seps: bytes) -> bool:
    """Whether ``text`` (a header's lines) ends inside a quoted field: one whose ``"`` opens it,
    at the start of the text or after one of ``seps`` (a ``"`` inside a field, ``size (")``, is
    a character; ``""`` inside a quoted field an escaped quote).

    Examples
    --------
    >>> _open_quote(b'"bytes\\n', b","), _open_quote(b'a,"b ""x"" c",d\\n', b",")
    (True, False)
    >>> _open_quote(b'name,size ("),x\\n', b","), _open_quote(b'\\xef\\xbb\\xbf"a', b",")
    (False, True)
    """
    text = without_boms(text)
    if b'"' not in text:
        return False
    inside, start, i = False, True, 0
    while i < len(text):
        c = text[i:i + 1]
        if inside:
            if c == b'"':
                if text[i + 1:i + 2] == b'"':
                    i += 2
                    continue
                inside = False
        elif c == b'"' and start:
            inside = True
        start = not inside and c in seps
        i += 1
    return inside


def _last_quote_closed(path: Path, batch: pa.RecordBatch, on_bad_rows: str) -> None:
    r"""Refuse (``on_bad_rows="error"``) or warn of a CSV file whose last row's last field opens
    a quote never closed: pyarrow reads the rest of the file as that field, the rows after it
    lost unsaid. Told by that field (``batch``'s last row's) holding a line break while the file
    ends with that field's text, not with the ``"`` that closes it.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('a,b\n1,"x\n2,y\n3,z\n')
    >>> _last_quote_closed(p, pa.record_batch({"a": [1], "b": ["x\n2,y\n3,z\n"]}), "error")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: ...t.csv: line 2: a quote that opens its last field is never closed, ...
    """
    value = batch.column(batch.num_columns - 1)[batch.num_rows - 1].as_py()
    if not isinstance(value, str) or "\n" not in value:
        return
    newlines, tail = 0, b""
    with open_lines(path) as fh:  # (read only where the last field holds a line break)
        while block := fh.read(1 << 20):
            newlines += block.count(b"\n")
            tail = (tail + block).rstrip()[-64:]  # (the end less any trailing white space)
    # closed: a quoted value with a line break, as written; or the field ends before the file
    # does (rows after it skipped as malformed, with on_bad_rows="skip"): it took no rows
    end = value.rstrip().encode("utf-8", "replace")[-32:]
    if tail.endswith(b'"') or not tail.endswith(end):
        return
    line = newlines - value.count("\n") + 1  # the line the row starts on (its line breaks its own)
    said = (f"{path}: line {line}: a quote that opens its last field is never closed, so the rest "
            f"of the file was read as that field")
    if on_bad_rows == "error":
        raise InputError(f"{said}: close it, or write a value that holds a quote quoted, its quotes "
                         "doubled (\"12\"\" screen\")")
    logger.warning("%s (its row kept)", said)


def _never_closed(text: str, sep: str, expected: int, actual: int) -> bool:
    r"""Whether a row pyarrow refused (its ``text``, ``expected`` and ``actual`` field counts)
    ran to the end of the file: too few fields, and a ``"`` opening a field in it never closed.

    Examples
    --------
    >>> _never_closed('"alice,443\nbob,80\n', ",", 2, 1), _never_closed('"a\nb",2\n', ",", 3, 2)
    (True, False)
    """
    return (actual < expected and "\n" in text
            and _open_quote(text.encode("utf-8", "surrogateescape"), sep.encode()))


@functools.lru_cache(maxsize=8)
def _open_field(sep: bytes) -> re.Pattern[bytes]:
    """A line, from a field's start, whose last field is a quoted one left open (fields split
    by ``sep``; a ``"`` opens a field only at its start, ``""`` inside it an escaped quote)."""
    s = re.escape(sep)
    rest = rb'[^' + s + rb']*'
    field = rb'(?:"(?:[^"]|"")*+"' + rest + rb'|[^"' + s + rb']' + rest + rb')?'
    return re.compile(rb'(?:' + field + s + rb')*+"(?:[^"]|"")*+')


_CLOSING = re.compile(rb'(?:[^"]|"")*+"')  # the rest of a quoted field, to its closing '"'


def _ends_open(line: bytes, inside: bool, sep: bytes) -> bool:
    """Whether a CSV row is inside a quoted field at the end of ``line``, one of its lines
    (``inside``: whether it was at its start), as the CSV reader quotes: a ``"`` inside a
    field (``5" screen``) is a character, one at a field's start opens a quoted field, which
    goes on past line breaks to its closing ``"``.

    Examples
    --------
    >>> _ends_open(b'a,5" x,"multi\\n', False, b","), _ends_open(b'a,5" x\\n', False, b",")
    (True, False)
    >>> _ends_open(b'line",2\\n', True, b","), _ends_open(b'a "" b\\n', True, b",")
    (False, True)
    >>> _ends_open(b'x,"a ""b"" c",d\\n', False, b","), _ends_open(b'end",x,"again\\n', True, b",")
    (False, True)
    """
    if b'"' not in line:
        return inside
    if inside:
        closed = _CLOSING.match(line)
        if closed is None:
            return True
        k = line.find(sep, closed.end())
        if k < 0:
            return False
        line = line[k + len(sep):]
    return _open_field(sep).fullmatch(line) is not None


def _header_text(fh: Any, path: Path, skip_rows: int, seps: bytes) -> tuple[bytes, int, list[bytes]]:
    """The header line after ``skip_rows`` lines of the open file ``fh`` (just past them), the
    lines it takes, and the lines read past it: a quoted name (``"`` at a field's start, fields
    split by one of ``seps``) goes on to the line that closes it (at most :data:`_HEADER_LINES`);
    a quote that no line closes is no such name (a header left malformed: its first line alone,
    whose read names the error; its rows were taken for the header's, silently or as 'line 101').

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('"bytes\\nsent",proto\\n1,tcp\\n')
    >>> with open_text(p) as fh:
    ...     _header_text(fh, p, 0, b",")[:2]
    (b'"bytes\\nsent",proto\\n', 2)
    >>> _ = p.write_text('id,"name,value\\n1,a,2\\n')
    >>> with open_text(p) as fh:
    ...     _header_text(fh, p, 0, b",")
    (b'id,"name,value\\n', 1, [b'1,a,2\\n'])
    """
    lines = [_text_line(fh, path, skip_rows + 1)]
    while _open_quote(b"".join(lines), seps) and len(lines) < _HEADER_LINES:
        more = _text_line(fh, path, skip_rows + len(lines) + 1)
        if not more:
            break
        lines.append(more)
    if len(lines) > 1 and _open_quote(b"".join(lines), seps):  # never closed
        return lines[0], 1, lines[1:]
    return b"".join(lines), len(lines), []


def _csv_header(path: Path, sep: str, skip_rows: int) -> list[str]:
    """The column names of the header after ``skip_rows`` lines (:func:`_csv_header_lines`)."""
    return _csv_header_lines(path, sep, skip_rows)[0]


def _csv_header_lines(path: Path, sep: str, skip_rows: int, utf8: bool = False) -> tuple[list[str], int]:
    """The column names of the header after ``skip_rows`` lines (stripped, duplicates renamed),
    and the lines it takes: more than one where a quoted name holds a line break (a
    spreadsheet's header cell ``"Bytes<Alt+Enter>Sent"``; its rows then were read from the
    header's second line, 'line 2: expected 1 fields, found 2'). ``utf8``: a header that is no
    UTF-8 is an :class:`InputError`, as a data row is (else its bytes read as U+FFFD).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('"bytes\\nsent",proto\\n1,tcp\\n')
    >>> _csv_header_lines(p, ",", 0)
    (['bytes\\nsent', 'proto'], 2)
    """
    check_text(path, read_head(path, 8192))
    with open_lines(path) as fh:
        _past_lines(fh, path, skip_rows)
        raw, n_lines, _ = _header_text(fh, path, skip_rows, sep.encode())
    if utf8:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:  # (it was read as 'dur\ufffdation', a column no model has)
            raise InputError(f"{path}: line {skip_rows + 1}: undecodable bytes (not UTF-8) in the "
                             "header; save the file as UTF-8") from None
    text = without_boms(raw.decode("utf-8", "replace").rstrip("\r\n"))  # UTF-8 BOMs (every one)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    try:
        raw_names = [str(n).strip() for n in next(iter(csv.reader(io.StringIO(text, newline=""),
                                                                   delimiter=sep)))]
    except csv.Error as exc:
        raise InputError(f"{path}: line {skip_rows + 1}: unreadable header ({exc})") from None
    from hourglass.ingest.logs import log_header_of  # (logs imports this module)

    log = log_header_of(text.strip())
    if log is not None:  # a raw log (the log --format forgotten), whatever separators its lines
        # hold: none, or as many on each (cron's '; '), was a table named by its first line
        which = "the first line" if skip_rows == 0 else f"line {skip_rows + 1}, the header,"
        # (one column: said as a model told of the columns it lacks says it)
        said = read_as_log(raw_names) if len(raw_names) == 1 else None
        raise InputError(f"{path}: " + (said or f"{which} is a log line ({log!r} header), no "
                                        f"table's header: a log needs a log model ({LOG_MODEL})"))
    names = dedupe_names(raw_names)
    counts = Counter(raw_names)  # (one pass: list.count per name took minutes on 40,000 columns)
    repeated = [n for n, k in counts.items() if n and k > 1]
    key = f"{Path(path).resolve()}\0{repeated}"  # once a file and names, as _SAID_EMPTY
    data = [n for n in raw_names if _DATA_NAME.match(n)]
    if data and f"{key}\0data" not in _SAID_REPEATS:  # a CSV written without a header line
        _SAID_REPEATS.add(f"{key}\0data")
        which = "the first line" if skip_rows == 0 else f"line {skip_rows + 1}"
        logger.warning("%s: %s, read as the header, looks like a data row (its names include %s): "
                       "the file may have no header line, as PostgreSQL's csvlog and MariaDB's audit "
                       "log write none; add one naming the columns", path, which,
                       ", ".join(map(repr, data[:2])))
    elif set(repeated) - _KNOWN_REPEATS and key not in _SAID_REPEATS:
        _SAID_REPEATS.add(key)
        first = repeated[0]
        logger.warning("%s: the header names %s more than once (%r %d times: read as %s); "
                       "rename the columns if they are different data", path,
                       ", ".join(map(repr, repeated[:3])) + (" ..." if len(repeated) > 3 else ""),
                       first, counts[first],
                       ", ".join(repr(n) for n, r in zip(names, raw_names, strict=True)
                                 if r == first))
    return names, n_lines


_DELIMITERS = (",", ";", "\t", "|")


def _fields(line: str, sep: str) -> int:
    try:
        return len(next(csv.reader(io.StringIO(line, newline=""), delimiter=sep)))
    except (csv.Error, StopIteration):
        return 0


def sniff_delimiter(path: str | os.PathLike[str], skip_rows: int = 0) -> str:
    """The delimiter of a CSV file with a header line: of comma, semicolon, tab and pipe, the
    one that splits the header (quotes respected) into the most fields, the same number on the
    first data line; a tie is a comma. Spreadsheets set to a European locale export ``;``. The
    header is the first line after ``skip_rows`` that holds anything, as the reader takes it
    (blank lines before it, and PowerShell's ``#TYPE`` line, are passed over: :func:`lines_before_header`);
    a ``sep=;`` line there (Excel's) names the delimiter (:func:`_sep_hint`).
    Decimal commas (``3,25``) are not converted: such a column reads as text, and training says
    so (a number with a separator, read as text).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "eu.csv").write_text('"host, name";bytes;label\\na;15;normal\\n')
    >>> _ = (d / "us.csv").write_text("host,bytes,label\\na,1.5,normal\\n")
    >>> _ = (d / "blank.csv").write_text("\\n\\nhost;bytes\\na;15\\n")
    >>> sniff_delimiter(d / "eu.csv"), sniff_delimiter(d / "us.csv"), sniff_delimiter(d / "blank.csv")
    (';', ',', ';')
    """
    p = Path(path)
    skip_rows, hint = lines_before_header(p, skip_rows)
    if hint is not None:
        return hint
    with open_lines(p) as fh:
        _past_lines(fh, p, skip_rows)
        raw, n_lines, after = _header_text(fh, p, skip_rows, "".join(_DELIMITERS).encode())
        header = without_boms(raw.decode("utf-8", "replace").rstrip("\r\n"))
        first = (after[0] if after else _text_line(fh, p, skip_rows + n_lines + 1)).decode(
            "utf-8", "replace").rstrip("\r\n")
    counts = {sep: _fields(header, sep) for sep in _DELIMITERS}
    agree = [sep for sep in _DELIMITERS
             if counts[sep] > 1 and (not first or _fields(first, sep) == counts[sep])]
    pool = agree or [sep for sep in _DELIMITERS if counts[sep] > 1]
    return max(pool, key=lambda sep: counts[sep]) if pool else ","  # max: the first of a tie


def _sep_hint(path: Path, skip_rows: int) -> str | None:
    """The delimiter a ``sep=;`` line after the first ``skip_rows`` lines names (Excel's hint,
    before a CSV file's header: a comma, semicolon, tab or pipe), else ``None``. Read as the
    header, it named one column and stopped the read at the first row ('expected 2 fields').

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("sep=;\\na;b\\n1;2\\n")
    >>> _sep_hint(p, 0), _sep_hint(p, 1)
    (';', None)
    """
    with open_lines(path) as fh:
        _past_lines(fh, path, skip_rows)
        line = without_boms(fh.readline(64)).rstrip(b"\r\n")
    hint = line.decode("utf-8", "replace").removeprefix("sep=") if line.startswith(b"sep=") else ""
    return hint if len(hint) == 1 and hint in _DELIMITERS else None


def lines_before_header(path: str | os.PathLike[str], skip_rows: int = 0) -> tuple[int, str | None]:
    r"""The lines before a CSV file's header, and the delimiter an Excel ``sep=;`` line among
    them names: blank lines, such a ``sep=`` line, and the ``#TYPE System.Management...`` line
    that PowerShell 5.1's ``Export-Csv`` and ``ConvertTo-Csv`` write before the header unless
    given ``-NoTypeInformation`` (read as the header, either named one column).

    Parameters
    ----------
    path
        A CSV or TSV file (``.gz`` decompressed).
    skip_rows
        Lines passed over before these.

    Returns
    -------
    tuple[int, str | None]
        The lines to pass over before the header, ``skip_rows`` included, and the delimiter a
        ``sep=`` line names (:func:`_sep_hint`), else ``None``.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "ps.csv").write_text('#TYPE System.Diagnostics.Process\r\n"a","b"\r\n"1","2"\r\n')
    >>> _ = (d / "xl.csv").write_text("\nsep=;\na;b\n1;2\n")
    >>> lines_before_header(d / "ps.csv", 0), lines_before_header(d / "xl.csv", 0)
    ((1, None), (2, ';'))
    """
    p = Path(path)
    skip_rows += _blank_lines(p, skip_rows)  # (a header after blank lines is still the header)
    skip_rows += _dhcp_preamble(p, skip_rows)
    skip_rows += _qualys_preamble(p, skip_rows)
    skip_rows += _report_preamble(p, skip_rows)
    hint = _sep_hint(p, skip_rows)
    if hint is not None or _type_line(p, skip_rows):
        skip_rows += 1 + _blank_lines(p, skip_rows + 1)
    return skip_rows, hint


#: the title line of the Windows DHCP Server's audit log (``DhcpSrvLog-Mon.log``,
#: ``DhcpV6SrvLog-Mon.log``), the first of the ~30 lines of event-ID meanings before its header
_DHCP_TITLE = re.compile(rb"\s*Microsoft DHCP(?:v6)? Service Activity Log\s*")
#: that header: ``ID,Date,Time,Description,IP Address,Host Name,MAC Address,...`` (the DHCPv6
#: log's ``ID,Date,Time,Description,IPV6 Address,...``)
DHCP_HEADER = b"ID,Date,Time,"


def dhcp_preamble(line: bytes) -> bool:
    r"""Whether ``line`` (a first line, its line end aside) is the title of the Windows DHCP
    Server's audit log (``Microsoft DHCP Service Activity Log``), whose event-ID meanings, before
    the ``ID,Date,Time,...`` header, the readers pass over.

    Examples
    --------
    >>> dhcp_preamble(b"\t\tMicrosoft DHCP Service Activity Log\r\n"), dhcp_preamble(b"ID,Date,Time")
    (True, False)
    """
    return _DHCP_TITLE.fullmatch(without_boms(line).rstrip(b"\r\n")) is not None


def _dhcp_preamble(path: Path, skip_rows: int) -> int:
    r"""How many lines after the first ``skip_rows`` come before the header of a Windows DHCP
    Server audit log (:func:`dhcp_preamble`): its title, the event IDs' meanings and the
    ``QResult`` legend, up to the ``ID,Date,Time,...`` line; 0 for another file. Read as the
    header, its title made the file a table of one column and its legend's lines bad rows.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "DhcpSrvLog-Mon.log"
    >>> _ = p.write_bytes(b"\t\tMicrosoft DHCP Service Activity Log\r\n\r\nEvent ID  Meaning\r\n"
    ...                   b"00\tThe log was started.\r\nID,Date,Time,Description\r\n"
    ...                   b"00,12/07/26,00:00:01,Started\r\n")
    >>> _dhcp_preamble(p, 0), _dhcp_preamble(p, 4)
    (4, 0)
    """
    with open_lines(path) as fh:
        _past_lines(fh, path, skip_rows)
        if not dhcp_preamble(_text_line(fh, path, skip_rows + 1)):
            return 0
        for n in range(1, DHCP_PREAMBLE_LINES):
            raw = _text_line(fh, path, skip_rows + n + 1)
            if not raw:
                break
            if without_boms(raw).startswith(DHCP_HEADER):
                return n
    return 0  # (no header after it: read as ever, the refusal naming its lines)


#: the most lines the DHCP audit log's preamble is looked through for its header (about 35)
DHCP_PREAMBLE_LINES = 200

#: the names a Qualys VM report's table of findings has in its header (``"IP","DNS","NetBIOS",
#: ...,"QID","Title",...``, a scan report's and a host-based report's alike)
_QUALYS_FIELDS = frozenset({b"IP", b"QID"})
#: the most bytes and lines a Qualys report's own lines before that header are looked through
QUALYS_HEAD = 65536
QUALYS_LINES = 100


def _qualys_preamble(path: Path, skip_rows: int) -> int:
    r"""How many lines after the first ``skip_rows`` come before the header of a Qualys VM
    report's findings (``"IP",...,"QID",...``): the report's own lines (its title, date, company,
    user, each of fewer fields), which a CSV report begins with; 0 for another file. Read as the
    header, its title made every finding a bad row (``expected 3 fields, found 29``).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "qualys.csv"
    >>> _ = p.write_bytes(b'"Scan Report - Weekly",""\n"12/07/2026 at 10:30:12 (GMT+0000)"\n\n'
    ...                   b'"IP","DNS","QID","Severity"\n"10.0.2.10","srv10","38173","2"\n')
    >>> _qualys_preamble(p, 0), _qualys_preamble(p, 3)
    (3, 0)
    """
    with open_lines(path) as fh:
        _past_lines(fh, path, skip_rows)
        head = fh.read(QUALYS_HEAD)
    if b"QID" not in head:  # (any other table: one bounded read, no line split)
        return 0
    return qualys_header_at(head.split(b"\n")[:QUALYS_LINES])


def qualys_header_at(lines: list[bytes]) -> int:
    r"""Where among a file's first ``lines`` the header of a Qualys VM report's findings is
    (:func:`_qualys_preamble`): its index past the report's own lines, each of fewer fields than
    it; 0 where there is none, or it is the first line.

    Examples
    --------
    >>> qualys_header_at([b'"Scan Report","x"\r\n', b'\r\n', b'"IP","DNS","QID"\r\n', b'"10.0.0.1","a","6"'])
    2
    >>> qualys_header_at([b"IP,QID\n", b"10.0.0.1,6\n"]), qualys_header_at([b"a,b\n", b"1,2\n"])
    (0, 0)
    """
    widths: list[int] = []
    for n, line in enumerate(lines[:QUALYS_LINES]):
        fields = [f.strip().strip(b'"') for f in without_boms(line).rstrip(b"\r\n").split(b",")]
        if _QUALYS_FIELDS <= set(fields):
            # the report's lines are narrower than its table (a data line's QID is a number)
            return n if all(w < len(fields) for w in widths) else 0
        widths.append(len(fields))
    return 0


#: the most lines of a report's own (its title, when it was generated, for whom) looked through
#: for the header of its table: access-control and print-management exports write two to five
REPORT_LINES = 12
#: a field that is a number, a date or a time (``000123``, ``3/1/2024 8:02:15 AM``): data, no
#: column's name
_DATUM = re.compile(r"[-+]?[\d.,:/ ]*\d[\d.,:/ ]*(?:[AaPp][Mm])?")


def _report_preamble(path: Path, skip_rows: int) -> int:
    r"""How many lines after the first ``skip_rows`` are a report's own before its table's header
    (:func:`report_header_at`): a Lenel OnGuard or Genetec report's title and generation time, a
    PaperCut print log's ``PaperCut Print Logger : http://www.papercut.com/``; 0 for another
    file. Read as the header, a title of one field made every row a bad row (``expected 1
    fields, found 7``), and PaperCut's made its header a row of data.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "badges.csv"
    >>> _ = p.write_bytes(b"Cardholder Access Report\r\nGenerated: 3/15/2024 9:12:44 AM\r\n\r\n"
    ...                   b"Date/Time,Cardholder,Badge ID\r\n3/1/2024 8:02:15 AM,\"Doe, Jane\",000456\r\n")
    >>> _report_preamble(p, 0), _report_preamble(p, 3)
    (3, 0)
    """
    with open_lines(path) as fh:
        _past_lines(fh, path, skip_rows)
        lines = [_text_line(fh, path, skip_rows + n + 1) for n in range(REPORT_LINES + 2)]
    return report_header_at(lines)


def report_header_at(lines: list[bytes]) -> int:
    r"""Where among a file's first ``lines`` the header of a report's table is, past the
    report's own lines (its title, one field that holds anything by any delimiter, then lines
    blank or of one or two such fields, fewer than the header's): a line of three or more comma-
    or tab-separated names (none empty, a number or a date) whose next line has as many fields;
    0 where there is none, or it is the first line.

    Examples
    --------
    >>> report_header_at([b"PaperCut Print Logger : http://www.papercut.com/,,,\r\n",
    ...                   b"Time,User,Pages,Copies\r\n", b"2024-03-01 09:32:36,jdoe,8,1\r\n"])
    1
    >>> report_header_at([b"a,b,c\n", b"1,2,3\n"]), report_header_at([b"a;b;c\n", b"x,y,z\n", b"1,2,3\n"])
    (0, 0)
    >>> report_header_at([b"BZh91AY&SY\x8f\rx\n", b"Time,User,Pages\n", b"1,2,3\n"])
    0
    """
    texts = [without_boms(line).decode("utf-8", "replace").rstrip("\r\n") for line in lines if line]
    try:
        return _report_header_in(texts)
    except csv.Error:  # (a carriage return inside a line, compressed or binary bytes: no report)
        return 0


def _report_header_in(texts: list[str]) -> int:
    """:func:`report_header_at` of the lines ``texts`` (decoded, their line ends left out)."""
    if not texts or any(sum(1 for f in next(csv.reader([texts[0]], delimiter=d), []) if f.strip()) > 1
                        for d in ",;\t|"):
        return 0  # (a title is one field by any delimiter: 'a;b;c' is a header of its own)
    for sep in (",", "\t"):
        rows = [next(csv.reader([t], delimiter=sep), []) if t.strip() else [] for t in texts]
        filled = [sum(1 for f in r if f.strip()) for r in rows]
        for n in range(1, min(len(rows) - 1, REPORT_LINES + 1)):
            if filled[n - 1] > 2 or filled[0] != 1:
                break  # (a line of more fields is no report's own: its table's, or no report)
            head = [f.strip() for f in rows[n]]
            if (len(head) >= 3 and all(head) and len(set(head)) == len(head)
                    and not any(_DATUM.fullmatch(f) for f in head) and len(rows[n + 1]) == len(head)
                    and max(filled[:n]) < len(head)):
                return n
    return 0


def _type_line(path: Path, skip_rows: int) -> bool:
    r"""Whether the line after the first ``skip_rows`` lines is PowerShell's ``#TYPE`` line (the
    .NET type of the objects exported, before the header): ``#TYPE`` and a type name, no quote.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('#TYPE Selected.System.Diagnostics.Eventing.Reader.EventLogRecord\n"Id"\n4624\n')
    >>> _type_line(p, 0), _type_line(p, 1)
    (True, False)
    """
    with open_lines(path) as fh:
        _past_lines(fh, path, skip_rows)
        return type_line(fh.readline(1024))


def type_line(line: bytes) -> bool:
    r"""Whether ``line`` (its line end and byte-order marks aside) is the ``#TYPE`` line that
    PowerShell 5.1's ``Export-Csv`` writes before a CSV file's header (no data, no column names):
    the readers pass over it, and a folder's copy over each file's.

    Examples
    --------
    >>> type_line(b"#TYPE System.Management.Automation.PSCustomObject\r\n"), type_line(b'"#TYPE","x"')
    (True, False)
    """
    return _TYPE_LINE.fullmatch(without_boms(line).rstrip(b"\r\n")) is not None


# PowerShell's: '#TYPE System.Management.Automation.PSCustomObject' (a generic type's name may
# hold spaces: 'System.Collections.Generic.List`1[[System.String, mscorlib ...]]'), no quote
_TYPE_LINE = re.compile(rb"#TYPE [^\s\"][^\"]*")


def _blank_lines(path: Path, skip_rows: int) -> int:
    """How many empty lines follow the first ``skip_rows`` lines: a header after them (a report
    saved with a blank first line) is still the header, not an "empty file".

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("\\n \\r\\na,b\\n1,2\\n")
    >>> _blank_lines(p, 0), _blank_lines(p, 2)
    (2, 0)
    """
    n = 0
    with open_lines(path) as fh:
        _past_lines(fh, path, skip_rows)
        while raw := _text_line(fh, path, skip_rows + n + 1):
            if without_boms(raw).strip():  # (a UTF-8 byte-order mark is no text)
                break
            n += 1
    return n


def _has_rows(path: Path, skip_rows: int, comment: str | None) -> bool:
    """Whether a line after the first ``skip_rows`` holds anything (a ``comment`` line does not).

    A header-only file must not reach pyarrow's streaming reader: with torch loaded, a reader
    that found no rows made the interpreter's exit abort now and then ("terminate called without
    an active exception", exit code 134) after the one-line error had been printed.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n\\n")
    >>> _has_rows(p, 1, None), _has_rows(p, 0, None)
    (False, True)
    """
    with open_lines(path) as fh:
        _past_lines(fh, path, skip_rows)
        start = True  # at a line's start (a long line is read in pieces: not held whole)
        while raw := fh.readline(MAX_LINE_BYTES + 1):
            line = raw.strip()
            if start and line and not (comment is not None and line.startswith(comment.encode())):
                return True
            start = raw.endswith(b"\n")
    return False


def _iter_csv(
    path: Path, *, sep: str, names: Sequence[str] | None, skip_rows: int, on_bad_rows: str,
    chunk_bytes: int, stats: ReadStats, null_values: Sequence[str], quote: bool,
    column_types: dict[str, pa.DataType] | None, comment: str | None, header_rows: bool = False,
    used: Collection[str] | None = None, comment_check: Callable[[str], str | None] | None = None,
    encoding: str = "utf8", fallback_encoding: Callable[[], str | None] | None = None,
) -> Iterator[pd.DataFrame]:
    given_header_rows = header_rows
    if names is None:
        names, header_lines = _csv_header_lines(path, sep, skip_rows,
                                                utf8=encoding == "utf8" and fallback_encoding is None)
        skip_rows += header_lines
        # a line that repeats the header (files joined with cat, an export appended to) is no
        # data row: dropped and counted, as a format's repeated header is (it was read as a row
        # of text: an attack row of label 'label', every column of its block text)
        header_rows = header_rows or len(names) > 1
    if not _has_rows(path, skip_rows, comment):
        return
    names = list(names)
    # a line of spaces (a hand-edited file's last line) is a blank line, not a row of one field
    # (it stopped the read, 'expected 3 fields, found 1'); in a one-column table it is a value
    blank = (sep, len(names)) if len(names) > 1 else None
    pending: dict[str, Any] = {}
    probing = [True]  # the type-inference pass must not count skipped rows
    filtering: list[_DecodableLines | None] = [None]  # the stream of the pass, when filtered
    # the lines of the rows of this pass pyarrow's handler skipped, no rows of its batches (-1:
    # one whose line is not sure: then later rows' lines are not either)
    invalid_lines: set[int] = set()
    counted = _PassCount(stats)  # the bad rows of the pass
    _install_unraisablehook()

    def line_at(kept: int) -> int | None:
        # the line of the row at position ``kept`` of the rows handed out, where no line the read
        # left out unnumbered comes before it (read forward to it, past the lines left out:
        # asked only for a row a caller leaves out)
        if counted.first is not None and kept >= counted.first:
            return None
        at = looked[0] if looked and looked[0][0] <= kept else None  # (on from the last look)
        lines = _RowLines(path, skip_rows, comment, decodable=False, quote=quote, blank=blank, sep=sep,
                          left_out=counted.out, at=at)
        try:
            found = lines.line_of(kept + 1)
            looked[:] = [lines.place]
            return counted.sure(found)
        except READ_ERRORS:
            return None
        finally:
            lines.close()

    looked: list[tuple[int, int, int]] = []  # where line_at's last look stopped

    stats.lines_of = line_at

    # In skip mode each skipped row's place among the rows kept is told (ReadStats.gaps): by its
    # record number, which pyarrow gives when it parses in one thread (a row of the wrong field
    # count found by its parallel parser ends the pass, and the file is read again in one thread).
    serial = [False]  # read in one thread (the passes from the first such row on)
    passes = [0]  # the pass under way (0: the type inference; a handler of another refuses rows)
    handled = [0]  # the records of the pass handed to on_invalid (each a record pyarrow numbers)
    unplaced: list[int] = []  # the rows of the pass's batches before each row skipped, to place
    named: list[_RowLines | None] = [None]  # the file line of a record number (bad_lines)
    # the undecodable lines of a filtered pass are passed on as this, a row of the wrong field
    # count, so that pyarrow numbers them as it does a malformed row (the file's lines in queue)
    placeholder = "\ufffd" + sep * len(names)

    def line_of_record(number: int) -> int | None:
        # the file line where pyarrow's record ``number`` (from 1, lines skipped first) starts
        lines = named[0]
        if lines is None:
            lines = named[0] = _RowLines(path, skip_rows, None, decodable=False, quote=quote, sep=sep,
                                         records=True)
        try:
            return lines.line_of(number - skip_rows)
        except READ_ERRORS:
            return None

    def on_invalid(row: Any) -> str:
        if not probing[0]:
            handled[0] += 1
        if blank is not None and blank_line(row.text):  # (a Ctrl-Z, a DOS file's end mark, too)
            return "skip"  # a line of white space alone, as an empty line: no row, no bad row
        if comment is not None and row.text.startswith(comment):
            problem = None if comment_check is None else comment_check(row.text)
            if problem is None:
                return "skip"  # trailer lines such as Zeek's '#close'
            pending.update(line=row.number, text=row.text, problem=problem)  # (in either mode)
            return "error"
        if on_bad_rows == "skip":
            if not probing[0]:
                if row.number is None:  # parallel parsing numbers no row: read in one thread
                    serial[0] = True
                    return "error"
                # its place: the records before it, less those handed here (no rows of a batch)
                unplaced.append(row.number - skip_rows - handled[0])
                stream = filtering[0]
                if stream is not None and row.text == placeholder and stream.dropped:
                    line: int | None = stream.dropped.pop(0)  # a line that does not decode
                elif stats.may_name(row.number - skip_rows):  # (a record's line: at least its number)
                    line = line_of_record(row.number)
                else:  # on a line past those named, as the rows after it: not looked for
                    counted.skipped(None, later=True, from_line=row.number - skip_rows)
                    return "skip"
                if _never_closed(row.text, sep, row.expected_columns, row.actual_columns):
                    # one row skipped, but every line after it with it: said, not 'skipped 1 row'
                    logger.warning("%s: line %s: a quote that opens a field there is never closed, "
                                   "so the %d line(s) after it were read as that field and skipped "
                                   "with its row", path, "?" if line is None else line,
                                   row.text.rstrip("\r\n").count("\n"))
                invalid_lines.add(-1 if line is None else line)
                counted.skipped(line, later=True)
            return "skip"
        pending.update(line=row.number, text=row.text, expected=row.expected_columns,
                       actual=row.actual_columns)
        return "error"

    on_invalid.undecodable = False  # type: ignore[attr-defined]  # see _note_undecodable_row
    # A quoted field may hold a line break (a message, a command line): pyarrow's chunker must
    # be told, or a file past one block fails "out of sync with chunker". Telling it costs about
    # a third of the parse time, so only when the first block has such a field, or once a later
    # one made the chunker fail (then the file is read again, past the rows already yielded).
    head = read_head(path, _BLOCK_BYTES)
    if cr_ended(head[:1 << 16]):  # lines ended by a CR alone: looked at as the LF-ended lines they are
        head = CrToLf()(head)
    if fallback_encoding is not None and not head.isascii():  # (else asked at a byte that is no UTF-8)
        encoding, fallback_encoding = fallback_encoding() or encoding, None
    multiline = [quote and _quoted_newline(head)]
    # the first block is parsed as text, less its repeated header rows, only where one may be
    # (a format that repeats its header, or the header line again in the head)
    probe_headers = header_rows and (given_header_rows or _line_again(head, skip_rows - 1))

    def options(types: dict[str, pa.DataType] | None, block: int, threads: bool = True) -> dict[str, Any]:
        return {
            "read_options": pacsv.ReadOptions(column_names=names, skip_rows=skip_rows,
                                              block_size=block, use_threads=threads, encoding=encoding),
            "parse_options": pacsv.ParseOptions(delimiter=sep, quote_char='"' if quote else False,
                                                newlines_in_values=multiline[0],
                                                invalid_row_handler=_RowHandler(on_invalid, passes,
                                                                                passes[0])),
            "convert_options": pacsv.ConvertOptions(null_values=list(null_values),
                                                    true_values=list(_TRUE_VALUES),
                                                    false_values=list(_FALSE_VALUES),
                                                    strings_can_be_null=True,
                                                    column_types=types or {}),
        }

    def fail(exc: Exception) -> InputError:
        if pending:
            # pyarrow numbers records, not lines: a blank line or a quoted field's line break
            # before the row made it name a line too early (skipped rows named the right one)
            line = (pending["line"] and line_of_record(pending["line"])) or _line_of(path, pending["text"])
            where = f"line {line}" if line else f"row {pending['text'][:60]!r}"
            # the first data line already: the whole file is likely in another layout
            layout = (f"the first data line: {IN_THIS_LAYOUT} " if line == skip_rows + 1 else "")
            if "problem" in pending:  # a comment line comment_check refused
                return InputError(f"{path}: {where}: {pending['problem']}")
            if (layout and (pending["expected"], pending["actual"]) == (5, 6)
                    and _event_viewer_header(head, skip_rows - 1)):
                # every row of such a file has the sixth field: skipping them skips the file
                return InputError(f"{path}: {where}: Windows Event Viewer's CSV ('Save All Events "
                                  "As'): each event's message is a sixth field that its header "
                                  "does not name; add ',Message' to the header line, or give the "
                                  ".evtx log itself (Event Viewer's 'Save All Events As' .evtx)")
            if pending["actual"] == 1 and pending["text"].strip() == "Summary":
                # nfdump's '-o csv' ends its records with a summary ('Summary', then
                # 'flows,bytes,packets,avg_bps,avg_pps,avg_bpp' and its numbers): no damage
                return InputError(f"{path}: {where}: nfdump's summary after its flow records "
                                  "('nfdump -o csv' without -q): write the flows with 'nfdump -q "
                                  f"-o csv', or use {SKIP_BAD_ROWS} to skip its lines")
            if not layout and pending["expected"] == 1:
                # a header of one field and a later line of several: most often a raw log (BGL,
                # syslog) read as a table, where skipping such rows would not help
                layout = f"a header of one column: {ONE_FIELD_HEADER}; or "
            if _never_closed(pending["text"], sep, pending["expected"], pending["actual"]):
                # the row ran to the end of the file: its line holds every field, but a '"'
                # that opens a field there is never closed, and 'found 1' named no cause
                return InputError(f"{path}: {where}: a quote that opens a field there is never "
                                  f"closed, so the rest of the file was read as that field "
                                  f"(expected {pending['expected']} fields, found "
                                  f"{pending['actual']}): close it, or write a value that holds a "
                                  "quote quoted, its quotes doubled (\"12\"\" screen\")")
            return InputError(f"{path}: {where}: expected {pending['expected']} fields, found "
                              f"{pending['actual']} ({layout}use {SKIP_BAD_ROWS} to skip such rows)")
        msg = str(exc)
        if "straddl" in msg or "larger than block size" in msg:  # a row (or the header line:
            # 'Could not skip initial 1 rows ...') longer than pyarrow's block
            block = min(chunk_bytes, _BLOCK_BYTES)
            line = _first_line_longer(path, block)
            return InputError(f"{path}: line {line} is longer than {block:,} bytes, the most a "
                              "table row may hold")
        if on_invalid.undecodable or "UTF8" in msg or "utf-8" in msg.lower():  # type: ignore[attr-defined]
            line, raw = _undecodable_line(path)
            return InputError(f"{path}: line {line}: undecodable bytes (not UTF-8) ({not_utf8_how(raw)}; "
                              f"or use {SKIP_BAD_ROWS} to skip such rows)")
        col = None
        if "column #" in msg:
            try:
                col = names[int(msg.split("column #", 1)[1].split(":", 1)[0])]
            except (ValueError, IndexError):
                col = None
        row = msg.split("Row #", 1)[1].split(":", 1)[0] if "Row #" in msg else None
        detail = msg.split(": ", 2)[-1] if ": " in msg else msg
        advice = f"; use {SKIP_BAD_ROWS} to skip such rows" if "conversion error" in msg else ""
        return InputError(f"{path}: " + (f"line {row}: " if row else "")
                          + (f"column {col!r}: " if col else "") + f"malformed value ({detail}{advice})")

    def first_block(source: Any, types: dict[str, pa.DataType] | None) -> pacsv.CSVStreamingReader:
        # one block, parsed in this thread (pyarrow's I/O thread may still hold the reader
        # after its error is raised: see _RowHandler, whose wait at exit avoids exit 134)
        return pacsv.open_csv(source, **options(types, min(chunk_bytes, 1 << 20), threads=False))

    def infer(source: Callable[[], Any]) -> dict[str, pa.DataType]:
        if probe_headers:  # types from the first block less the rows that repeat the header
            probe = first_block(source(), {n: pa.string() for n in names})
            try:
                block: pa.RecordBatch | None = probe.read_next_batch()
            except StopIteration:  # no row in the block (each one skipped as malformed)
                block = None
            finally:
                probe.close()
            if block is not None and (same := _header_mask(block, _header_spellings(names))).any():
                buf = io.BytesIO()  # (the rows after the lines skip_rows passes over, not over
                buf.write(b"\n" * skip_rows)  # them: BytesIO(b"\n...") writes from its start)
                rest = block.filter(pa.array(~same))
                if quote:
                    pacsv.write_csv(pa.Table.from_batches([rest]), buf,
                                    pacsv.WriteOptions(include_header=False, delimiter=sep))
                elif rest.num_rows:  # no quoting to read: the fields as written, a null as one spelled
                    lines = pc.binary_join_element_wise(
                        *rest.columns, sep, null_handling="replace",
                        null_replacement=null_values[0] if null_values else "")
                    buf.write("\n".join(lines.to_pylist()).encode() + b"\n")
                data = buf.getvalue()
                if encoding.replace("-", "").lower() != "utf8":  # (written as UTF-8, read in it)
                    data = data.decode("utf-8").encode(encoding)

                def source() -> Any:
                    return pa.BufferReader(data)
        # the columns of a given type (Zeek's #types) read as text here: a word in one of them is
        # a malformed value of its row, refused or skipped by the read past this (not an error
        # that no --on-bad-rows skip passes, as pyarrow's conversion error in this block was)
        given = {n: pa.string() for n, t in (column_types or {}).items() if not pa.types.is_string(t)}
        first = first_block(source(), {**(column_types or {}), **given})
        schema = first.schema
        try:
            typed: pa.RecordBatch | None = first.read_next_batch()
        except StopIteration:
            typed = None
        finally:
            first.close()
        numeric = [f.name for f in schema if f.name not in (column_types or {})
                   and (pa.types.is_integer(f.type) or pa.types.is_floating(f.type))]
        text: pa.RecordBatch | None = None
        # the same block with these columns as written (hex, 64-bit ids): parsed again only when
        # the head has a hex number or a numeric column passes 2**53, where float64 stops being exact
        if numeric and typed is not None and (b"0x" in head or b"0X" in head
                                              or any(_past_float(typed.column(n)) for n in numeric)):
            probe = first_block(source(), {**(column_types or {}), **{n: pa.string() for n in numeric}})
            try:
                text = probe.read_next_batch()
            except StopIteration:
                text = None
            finally:
                probe.close()
        fixed = {f.name: _fixed_type(f, None if text is None or f.name not in numeric
                                     else text.column(f.name)) for f in schema}
        unset.clear()  # no value in the first block: text until a later block's values tell
        # (and, in skip mode, a column pyarrow found bytes in: not UTF-8, those rows skipped, the
        # values kept tell its type, as a column empty in the first block: numbers stay numbers)
        unset.update(f.name for f in schema
                     if (pa.types.is_null(f.type)
                         or (on_bad_rows == "skip" and pa.types.is_binary(f.type)))
                     and f.name not in (column_types or {}))
        # times as fine as a later row may write them
        fixed.update({n: _fine_time(t) for n, t in fixed.items()
                      if pa.types.is_timestamp(t) and n not in (column_types or {})})
        return fixed

    # Infer types from the first block, then read with them fixed.
    unset: set[str] = set()  # the columns without a value in the first block (read as text)
    late: set[str] = set()  # those a later block's values made numbers (text again at a word)
    filtered = False  # read through _DecodableLines from the start
    try:
        inferred = infer(lambda: _csv_source(path))
    except pa.ArrowInvalid as exc:
        if "empty" in str(exc).lower() and not pending:
            raise InputError(f"{path}: no data rows") from None
        undecodable = on_invalid.undecodable or "invalid utf8" in str(exc).lower()  # type: ignore[attr-defined]
        if on_bad_rows != "skip" or not undecodable:  # (as text, the probe of header rows says so)
            raise fail(exc) from None
        # skip mode, and a malformed row of the first block is not even UTF-8
        filtered = True
        def filtered_source() -> Any:
            probes.append(_DecodableLines(path, ReadStats()))
            return pa.PythonFile(probes[-1], mode="r")

        probes: list[_DecodableLines] = []
        try:
            inferred = infer(filtered_source)
        except pa.ArrowInvalid as exc2:
            raise fail(exc2) from None
        finally:
            for probe in probes:
                probe.close()
    except READ_ERRORS as exc:
        raise InputError(f"{path}: cannot read ({read_problem(exc)})") from None
    probing[0] = False
    types = {**inferred, **(column_types or {})}
    # Columns of whole numbers past 2**53 kept exact as int64 (64-bit ids): one with a missing
    # value becomes pandas' nullable Int64 (not float64, which rounds), and a later value that is
    # not an int64 (a fraction, a number past int64) turns the column to text, still exact; a
    # later value that is no number at all (``abc``) is a malformed value, as in any number column.
    ids = {n for n, t in inferred.items() if pa.types.is_int64(t) and n not in (column_types or {})}
    id_text: set[str] = set()  # ids turned to text for such a number: a word still malformed
    # Columns read as text and converted row by row, after pyarrow refused a later value of one
    # (a repeated header row, a word in a numeric column): name -> the type the column has.
    # 64-bit ids always: pyarrow's int64 reads a later hex number (0x10) as 16, where the first
    # block's makes the column text (see ``checked``)
    converted: dict[str, pa.DataType] = {n: types[n] for n in sorted(ids)}
    headers = _header_spellings(names) if header_rows else {}

    def checked(batch: pa.RecordBatch, first_row: int, lines: _RowLines, kept: int) -> pa.RecordBatch:
        # the rows of ``batch`` whose text columns convert (the others counted as bad rows: only
        # a repeated header row in error mode, see ``refused``), those columns converted;
        # ``first_row``: the data rows of the pass before this batch, ``kept``: those kept
        for name in [n for n in unset if batch.column(n).null_count < batch.num_rows]:
            # the first values of a column empty in the first block: numbers (or true/false)
            # make it a number (boolean) column from here on, as in a file whose first block
            # has them (else text, as before)
            unset.discard(name)
            typ = _late_type(batch.column(name))
            if typ is not None:
                converted[name] = types[name] = typ
                late.add(name)
        if not converted and not (headers and all(pa.types.is_string(t) for t in batch.schema.types)):
            return batch  # (a column of another type refused a header row: see ``refused``)

        def line(i: int) -> int | None:  # the file line of row i of the batch, where it is sure
            if -1 in invalid_lines:  # (a row the handler skipped is no row here: passed over)
                return None
            return counted.sure(lines.line_of(first_row + i + 1))
        bad = np.zeros(batch.num_rows, bool)
        if headers:
            bad |= _header_mask(batch, headers)
        header = bad.copy()  # lines, not data rows: they leave the rows' numbers as they are
        for name, typ in converted.items():
            column = batch.column(name)
            if name in ids and (pa.types.is_int64(typ) or name in id_text):
                # 64-bit ids: a value that is no number (``abc``) is malformed, as in a float64
                # column; a number no int64 holds (a fraction, past int64) or a hex number (as
                # one in the first block does, :func:`_fixed_type`) turns the column to text,
                # still exact (the message names the type of the first block)
                hexed = pc.fill_null(pc.match_substring_regex(pc.utf8_trim_whitespace(column), _HEX), False)
                hexes = set(np.flatnonzero(hexed.to_numpy(zero_copy_only=False)).tolist())
                wrong = [i for i in _unconvertible(column, pa.float64()) if not bad[i] and i not in hexes]
                words = set(wrong)
                if pa.types.is_int64(typ) and (any(not bad[i] for i in hexes) or any(
                        not bad[i] and i not in words for i in _unconvertible(column, typ))):
                    converted[name] = types[name] = pa.string()
                    id_text.add(name)
                typ = pa.int64()
            else:
                # (a repeated header row's value, which fits no column, is dropped, not converted)
                wrong = [i for i in _unconvertible(column, typ) if not bad[i]]
            if (name in late or (used is not None and name not in used)) and any(not bad[i] for i in wrong):
                # a column the caller does not read, or one typed by a later block's numbers
                # (text from its first word on, as it was read before it had numbers)
                converted[name] = types[name] = pa.string()
                id_text.discard(name)
                continue
            for i in wrong:
                if not bad[i]:
                    if on_bad_rows != "skip":
                        value = column[i].as_py()
                        at = line(i)
                        where = (f"line {at}" if at is not None else  # (header lines: no data row)
                                 f"row {kept + i - int(bad[:i].sum()) + 1} (its line is not known)")
                        whose = "" if name in (column_types or {}) else " as in the first block"
                        raise InputError(f"{path}: {where}: column {name!r}: malformed value {value!r} "
                                         f"(expected {typ}{whose}; use {SKIP_BAD_ROWS} "
                                         "to skip such rows)")
                    bad[i] = True
        checked_out.extend((first_row + np.flatnonzero(bad)).tolist())
        for k, row in enumerate(np.flatnonzero(bad).tolist()):  # (k: the rows dropped before it)
            # (a data row's line is at least its number: past the lines named, not looked for)
            number = line(row) if stats.may_name(first_row + row + 1) else None
            if not header[row]:
                counted.skipped(number, at=kept + row - k)
                continue
            # a header line, no data row: the rows' numbers stay as they are
            counted.header(number, at=kept + row - k)
        if bad.any():
            batch = batch.filter(pa.array(~bad))
        columns = [_cast_text(col, converted[name]) if name in converted else col
                   for name, col in zip(batch.schema.names, batch.columns, strict=True)]
        return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)

    checked_out: list[int] = []  # the rows of the pass's batches that ``checked`` dropped

    def place(rows: float) -> None:
        # tell the places of the rows skipped by on_invalid with at most ``rows`` rows of the
        # pass's batches before them (those batches checked): after the rows kept before them
        while unplaced and unplaced[0] <= rows:
            before = unplaced.pop(0)
            counted.place(before - bisect.bisect_left(checked_out, before))

    def batches(source: Any) -> Iterator[pd.DataFrame]:
        # pyarrow's streaming reader holds roughly ten blocks in flight: small blocks keep memory
        # low, and are gathered into one DataFrame of about chunk_bytes.
        read_types = {**types, **{name: pa.string() for name in converted}}
        threaded[0] = not serial[0]
        reader = pacsv.open_csv(source, **options(read_types, min(chunk_bytes, _BLOCK_BYTES),
                                                  threads=threaded[0]))
        gathered: list[pa.RecordBatch] = []
        size = rows = kept = 0
        last: pa.RecordBatch | None = None  # the last batch of rows: its last row's last field
        lines = _RowLines(path, skip_rows, comment, decodable=filtering[0] is not None, quote=quote,
                          blank=blank, sep=sep, left_out=invalid_lines)
        try:
            for batch in reader:
                n = batch.num_rows
                batch = checked(batch, rows, lines, kept)
                rows += n
                kept += batch.num_rows
                place(rows)
                if batch.num_rows:
                    last = batch
                    if gathered and batch.schema != gathered[0].schema:  # a column turned to text
                        gathered = [b.cast(batch.schema) for b in gathered]
                    gathered.append(batch)
                    size += batch.nbytes
                if size >= chunk_bytes:
                    yield frame(pa.Table.from_batches(gathered))
                    gathered, size = [], 0
        finally:
            lines.close()
        if quote and last is not None:
            _last_quote_closed(path, last, on_bad_rows)
        place(float("inf"))
        if gathered:
            yield frame(pa.Table.from_batches(gathered))

    def frame(table: pa.Table) -> pd.DataFrame:
        df = table.to_pandas()
        for i, f in enumerate(table.schema):
            if f.name in ids and pa.types.is_int64(f.type) and table.column(i).null_count:
                df.isetitem(i, table.column(i).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
        return df

    def refused(exc: pa.ArrowInvalid) -> bool:
        # A later value that does not fit its column's type, with rows to skip (skip mode, or a
        # format's repeated header row): the column is read again as text and converted here.
        msg = str(exc)
        if pending or "conversion error" not in msg or "column #" not in msg:
            return False
        try:
            name = names[int(msg.split("column #", 1)[1].split(":", 1)[0])]
        except (ValueError, IndexError):
            name = None
        # (a time column too: a later time with a UTC offset, or without one, is read as text and
        # converted by the time rules, see _cast_text; one that is no time stays an error)
        # (a column of a given type, Zeek's #types, too: converted here, its word is named by its
        # line, which pyarrow's parallel parser leaves out of its own error)
        if on_bad_rows != "skip" and not header_rows and (used is None or name in used) \
                and not (name in types and pa.types.is_timestamp(types[name])) \
                and name not in (column_types or {}):
            return False
        if set(converted) - ids - late:  # (64-bit ids alone converted: the others still may be)
            return False
        # every typed column at once: one more pass over the file, not one per column
        typed = {n: t for n, t in types.items()
                 if n in names and n not in converted and not pa.types.is_string(t)}
        converted.update(typed)
        return bool(typed)

    yielded = 0
    threaded = [True]  # the pass reads in pyarrow's threads
    first_exc: Exception | None = None
    decodable = filtered
    # (a stats read into before: counted afresh, as ever, the places of its skipped rows too)
    stats.bad_rows, stats.bad_lines, stats.gaps = 0, [], []
    while True:
        # Passes over the file, each past the rows already yielded: again when pyarrow refused a
        # block (a value of a later row that does not fit, or, in skip mode, undecodable bytes:
        # then through a filter that drops the lines that are not UTF-8).
        counted.undo(yielded)  # a pass counts every bad row again (first_skip: the lowest of the
        # passes, a row skipped again after rows handed out told by the first)
        invalid_lines.clear()
        passes[0] += 1
        handled[0] = 0
        unplaced.clear()
        checked_out.clear()
        if named[0] is not None:
            named[0].close()
            named[0] = None
        stream = _DecodableLines(path, counted, placeholder.encode()) if decodable else None
        filtering[0] = stream
        try:
            seen = 0
            for df in batches(_csv_source(path) if stream is None else pa.PythonFile(stream, mode="r")):
                start = max(0, yielded - seen)
                seen += len(df)
                if start < len(df):
                    yielded += len(df) - start
                    yield df if start == 0 else df.iloc[start:].reset_index(drop=True)
            return
        except pa.ArrowInvalid as exc:
            if serial[0] and threaded[0]:  # a skipped row's place is told in one thread only
                first_exc = first_exc or exc
                continue
            if refused(exc):
                first_exc = first_exc or exc
                continue
            if quote and not multiline[0] and ("chunker" in str(exc) or pending):
                multiline[0] = True
                pending.clear()
                first_exc = first_exc or exc
                continue
            if fallback_encoding is not None and (
                    on_invalid.undecodable or "utf8" in str(exc).lower()):  # type: ignore[attr-defined]
                # bytes that are no UTF-8 past the first block: the file's own encoding, asked
                # once, read again in it past the rows yielded (ASCII, the same in either)
                encoding, fallback_encoding = fallback_encoding() or encoding, None
                if encoding != "utf8":
                    on_invalid.undecodable = False  # type: ignore[attr-defined]
                    pending.clear()
                    first_exc = first_exc or exc
                    continue
            if on_bad_rows != "skip" or pending or decodable:
                raise fail(exc) from first_exc
            first_exc = first_exc or exc
            decodable = True
        except READ_ERRORS as exc:
            raise InputError(f"{path}: cannot read ({read_problem(exc)})") from None
        finally:
            if stream is not None:
                stream.close()
            if named[0] is not None:
                named[0].close()
                named[0] = None


def _csv_source(path: Path) -> Any:
    """What pyarrow's CSV reader reads ``path`` from: a gzip stream for a name ending in ``.gz``
    in any case (``FLOWS.CSV.GZ``, as :func:`open_text` reads it; pyarrow itself decompresses
    only a lower-case ``.gz``, and read the compressed bytes as text), else the path.

    Examples
    --------
    >>> _csv_source(Path("flows.csv"))
    PosixPath('flows.csv')
    """
    gz = path.name.lower().endswith(".gz")
    end = _text_end(path)
    if end is not None:  # its Ctrl-Z end mark left out (see _text_end)
        return pa.PythonFile(io.BufferedReader(_Upto(open(path, "rb"), end)), mode="r")
    if not utf8_name(path):  # (Arrow opens a file by its name as UTF-8: not such a name)
        raw = pa.PythonFile(open(path, "rb"), mode="r")  # (closed with the stream)
        return pa.CompressedInputStream(raw, "gzip") if gz else raw
    if gz:
        return pa.input_stream(str(path), compression="gzip")
    return path


def utf8_name(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is UTF-8 text, as Arrow takes a file's name: a name of bytes that are not
    UTF-8 (``caf\\xe9.csv`` from a Latin-1 system), which Python holds as surrogate escapes,
    stopped Arrow's readers and writers with ``'utf-8' codec can't encode character '\\udce9'``;
    such a file is opened by Python and handed over open.

    Examples
    --------
    >>> utf8_name("日本/é.csv"), utf8_name(os.fsdecode(b"caf\\xe9.csv"))
    (True, False)
    """
    try:
        os.fspath(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: a hex number as written (``0xC000006D``), white space aside: text in a column of numbers
_HEX = r"^[+-]?0[xX][0-9a-fA-F]+$"


def _fixed_type(f: pa.Field, text: pa.Array | None) -> pa.DataType:
    """The type a CSV column inferred as ``f`` from the first block is read with throughout;
    ``text``: that block's values of a numeric column as written.

    Numbers are float64, so that a later fraction or empty field cannot change the type half way;
    but a column with a hex number (``0xC000006D``, a Windows status code) is text (pyarrow reads
    hex as an integer the float64 reader then refuses), and a column of whole numbers beyond
    2**53, which float64 would round (64-bit ids), keeps them exact: int64 (a value such as
    ``7.0`` or ``1e3`` among them read as 7, 1000, as JSON lines read them; a real fraction,
    ``7.5``, leaves the column float64), or text past int64.

    Examples
    --------
    >>> _fixed_type(pa.field("a", pa.int64()), pa.array(["0x10", "2"]))
    DataType(string)
    >>> _fixed_type(pa.field("a", pa.int64()), pa.array(["9007199254740993", None]))
    DataType(int64)
    >>> _fixed_type(pa.field("a", pa.int64()), pa.array(["5", "-3"]))
    DataType(double)
    >>> _fixed_type(pa.field("a", pa.float64()), pa.array(["9007199254740993", "7.0", None]))
    DataType(int64)
    >>> _fixed_type(pa.field("a", pa.float64()), pa.array(["9007199254740993", "7.5"]))
    DataType(double)
    >>> _fixed_type(pa.field("a", pa.float64()), pa.array(["9007199254740993", "1e3"]))
    DataType(int64)
    """
    if pa.types.is_null(f.type) or pa.types.is_binary(f.type):
        return pa.string()
    if not (pa.types.is_integer(f.type) or pa.types.is_floating(f.type)):
        return f.type
    if text is not None and len(text) and text.null_count < len(text):
        values = pc.utf8_trim_whitespace(text)
        if pc.any(pc.match_substring_regex(values, _HEX)).as_py():
            return pa.string()
        values = _whole_digits(values)  # (7.0, 1e3 beside 64-bit ids: a whole number, as JSON's)
        whole = pc.match_substring_regex(values, r"^[+-]?[0-9]+$")
        if pc.all(whole).as_py():
            longest = pc.max(pc.utf8_length(pc.utf8_ltrim(values, characters="+-0"))).as_py() or 0
            if longest >= 16:  # a candidate past 2**53 (9007199254740992, 16 digits)
                try:
                    ints = pc.cast(values, pa.int64())
                except pa.ArrowInvalid:  # (inferred as double:) some value past int64
                    return pa.string()
                if _past_float(ints):  # bounds, no abs: -2**63 has none
                    return pa.int64()
    return pa.float64()


def _whole_digits(text: pa.Array) -> pa.Array:
    """The text values of numbers with a fraction of zeros (``7.0``) as whole numbers (``7``), and
    those written with an exponent (``1e3``) that are whole and within 2**53 (JSON's rule for a
    float beside 64-bit ids: :func:`_records_frame`) too (``1000``), the others as they are: a
    column of 64-bit ids with such a value stays exact as int64.

    Examples
    --------
    >>> _whole_digits(pa.array(["7.0", "-3.", "9007199254740993", "7.5", None])).to_pylist()
    ['7', '-3', '9007199254740993', '7.5', None]
    >>> _whole_digits(pa.array([" 1e3", "-1.5E+3", "1.25e1", "1e16", "1e400"])).to_pylist()
    ['1000', '-1500', '1.25e1', '1e16', '1e400']
    """
    text = pc.replace_substring_regex(text, pattern=r"^\s*([+-]?[0-9]+)\.0*\s*$", replacement="\\1")
    exp = pc.fill_null(pc.match_substring_regex(text, _EXPONENT), False)
    if not pc.any(exp).as_py():
        return text
    numbers = pc.cast(pc.utf8_trim_whitespace(pc.if_else(exp, text, pa.nulls(len(text), pa.string()))),
                      pa.float64())
    whole = pc.fill_null(pc.and_(pc.equal(numbers, pc.floor(numbers)),
                                 pc.less_equal(pc.abs(numbers), float(2**53))), False)
    digits = pc.cast(pc.cast(pc.if_else(whole, numbers, 0.0), pa.int64()), pa.string())
    return pc.if_else(whole, digits, text)


#: a number written with an exponent (``1e3``, ``-1.5E+3``), white space aside
_EXPONENT = r"^\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+\s*$"


def _fine_time(typ: pa.DataType) -> pa.DataType:
    """The type a time column inferred as ``typ`` from the first block is read with: at least
    microseconds (its zone kept), so that a later row with a fraction of a second (``10:00:00.5``,
    Python's ``isoformat``), which a column of whole seconds refuses, reads; microseconds hold
    any year a file writes (``9999-12-31``, which nanoseconds cannot).

    Examples
    --------
    >>> _fine_time(pa.timestamp("s", tz="UTC")), _fine_time(pa.timestamp("ns"))
    (TimestampType(timestamp[us, tz=UTC]), TimestampType(timestamp[ns]))
    """
    return pa.timestamp("us", tz=typ.tz) if typ.unit in ("s", "ms") else typ


#: an unset value in a column of numbers, as the preprocessing reads it (its ``PLACEHOLDERS``):
#: missing in a later block too (pyarrow's null spellings aside, which the reader knows)
_UNSET = pa.array([*NULL_VALUES, "-", "(empty)"], pa.string())
#: ... and in a column of numbers a historian's digital state too (PI's 'Bad Input' of a tag)
_NUMBER_UNSET = pa.array([*NULL_VALUES, "-", "(empty)", *DIGITAL_STATES], pa.string())

#: the digits of a second's fraction a time column of each unit holds
_FRACTION_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}

#: an offset after a clock time and a space, a zone's name after it (``10:00:00 +0200 CEST``), and
#: Go's monotonic clock reading after that (``m=+0.000123``, in ``time.Now().String()``)
_NAMED_ZONE = r"(:\d{2}(?:[.,]\d+)?)\s+([+-]\d{2}:?\d{2})(?:\s+[A-Z]{2,5}(?:\s+m=[+-]\d+(?:\.\d+)?)?)?\s*$"

#: the end of a time with a UTC offset (``10:00Z``, ``10:00:00.5+02:00``, ``T10-0500``), after its
#: clock time: a date alone (``2024-01-05``) ends in no offset
_ZONED = r"[T ]\d{2}(?::?\d{2}){0,2}(?:[.,]\d+)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)\s*$"


def _late_type(col: pa.Array) -> pa.DataType | None:
    """The type of a CSV column empty in the first block, told by its first values (the text
    column ``col``), as the first block's values tell one (:func:`_fixed_type`): booleans where
    every value says true or false (:data:`_TRUE_VALUES`), float64 for numbers it holds exactly
    (no hex number, none beyond 2**53), else ``None``: the column stays text.

    Examples
    --------
    >>> _late_type(pa.array([None, "6.0", " 7 ", "-"])), _late_type(pa.array(["6", "x"]))
    (DataType(double), None)
    >>> _late_type(pa.array(["True", None, "false"])), _late_type(pa.array(["true", "1"]))
    (DataType(bool), None)
    >>> _late_type(pa.array(["0x10"])), _late_type(pa.array(["9007199254740993"]))
    (None, None)
    """
    if pc.all(pc.is_in(col.drop_null(), value_set=pa.array(_TRUE_VALUES + _FALSE_VALUES))).as_py():
        return pa.bool_()
    if pc.any(pc.fill_null(pc.match_substring_regex(pc.utf8_trim_whitespace(col), _HEX), False)).as_py():
        return None
    try:
        values = _cast_text(col, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pa.float64() if values.null_count < len(values) and not _past_float(values) else None


def _cast_text(col: pa.Array, typ: pa.DataType) -> pa.Array:
    """The text column ``col`` as ``typ``. A time column takes times with a UTC offset where the
    first block had none, and times without one where it had them, as the time rules read
    them (an offset converted to UTC; no offset: UTC): pyarrow refuses either in the other's
    column, and a later ``...Z`` row stopped the read (or was skipped as malformed). A number
    (or boolean) column takes an unset value (``-``, ``(empty)``, :data:`NULL_VALUES`) as a
    missing value, and an integer column a whole number with a fraction of zeros (``7.0``,
    beside 64-bit ids) or an exponent (``1e3``: :func:`_whole_digits`) as that integer; a
    number with spaces around it (`` 7.0 ``) reads as it does without, as the CSV reader's
    number columns read it. A time
    with a finer fraction of a second than the column holds (Go's RFC 3339 nanoseconds,
    ``10:00:00.123456789Z``; .NET's seven digits) is cut to it: pyarrow refuses it too.

    Examples
    --------
    >>> _cast_text(pa.array(["2024-01-01 10:00:00", "2024-01-01T12:00:00+02:00"]),
    ...            pa.timestamp("us")).to_pylist()[1]
    datetime.datetime(2024, 1, 1, 10, 0)
    >>> _cast_text(pa.array(["2024-01-01T10:00:00.123456789Z"]), pa.timestamp("us", tz="UTC")
    ...            ).to_pylist()[0].isoformat()
    '2024-01-01T10:00:00.123456+00:00'
    >>> _cast_text(pa.array(["5", " - ", "(empty)", None]), pa.float64()).to_pylist()
    [5.0, None, None, None]
    >>> _cast_text(pa.array(["9007199254740993", "7.0", None]), pa.int64()).to_pylist()
    [9007199254740993, 7, None]
    >>> _cast_text(pa.array([" 9007199254740993 ", " 7.0 ", " 7 "]), pa.int64()).to_pylist()
    [9007199254740993, 7, 7]
    >>> _cast_text(pa.array(["07:00:00", None]), pa.time32("s")).to_pylist()
    [datetime.time(7, 0), None]
    >>> _cast_text(pa.array(["true", "0"]), pa.bool_())
    Traceback (most recent call last):
    pyarrow.lib.ArrowInvalid: '0' is no boolean (true/false) of a column of booleans
    """
    if pa.types.is_boolean(typ) and pa.types.is_string(col.type):
        # 1 and 0 are no booleans, as the reader takes them (_TRUE_VALUES), where pyarrow casts them
        digits = pc.fill_null(pc.match_substring_regex(col, r"^\s*[01]\s*$"), False)
        if pc.any(digits).as_py():
            at = pc.index(digits, True).as_py()
            raise pa.ArrowInvalid(f"{col[at].as_py()!r} is no boolean (true/false) of a column of booleans")
    try:
        return pc.cast(col, typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if not pa.types.is_string(col.type):
            raise
        if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_boolean(typ):
            # '-' or '(empty)' (Zeek's, firewalls' unset) is a missing value wherever it comes,
            # as in the first block (where it makes the column text, its numbers then read)
            trimmed = pc.utf8_trim_whitespace(col)
            unset = pc.fill_null(pc.is_in(trimmed, value_set=_UNSET if pa.types.is_boolean(typ)
                                          else _NUMBER_UNSET), False)
            if not pa.types.is_boolean(typ):  # ' 7 ' is 7, as the CSV reader's number columns
                col = trimmed  # read it (pyarrow's cast refuses the spaces)
            if pa.types.is_integer(typ):  # 7.0 in a column of 64-bit ids: 7 (pyarrow refuses it)
                col = _whole_digits(col)
            return pc.cast(pc.if_else(unset, pa.nulls(len(col), pa.string()), col), typ)
        if pa.types.is_time(typ):
            # a time of day (a W3C log's 'time', 07:00:00, typed time32 by the first block):
            # pyarrow casts no text to it, so a later block's column (after a repeated header
            # line) was refused at its first value, or raised in skip mode; read as that time
            # on 1970-01-01, as pyarrow's CSV reader reads it
            day = pc.binary_join_element_wise("1970-01-01T", pc.utf8_trim_whitespace(col), "")
            return pc.cast(pc.cast(day, pa.timestamp(typ.unit)), typ)
        if not pa.types.is_timestamp(typ):
            raise
    digits = _FRACTION_DIGITS[typ.unit]  # (a fraction past them: cut, not a malformed time)
    finer = rf"(:\d{{2}}\.\d{{{digits}}})\d+" if digits else r"(:\d{2})\.\d+"
    col = pc.replace_substring_regex(col, pattern=finer, replacement="\\1")
    # an offset after a space, a zone's name after it (Go's time.String(): '10:00:00 +0200 CEST'),
    # read by the offset, as the time rules read it: pyarrow takes the offset alone, unspaced
    col = pc.replace_substring_regex(col, pattern=_NAMED_ZONE, replacement="\\1\\2")
    zoned = pc.fill_null(pc.match_substring_regex(col, _ZONED), False)
    empty = pa.nulls(len(col), pa.string())
    with_zone = pc.cast(pc.if_else(zoned, col, empty), pa.timestamp(typ.unit, tz=typ.tz or "UTC"))
    without = pc.cast(pc.if_else(zoned, empty, col), pa.timestamp(typ.unit))
    # (a cast between a zoned and a naive time keeps the instant: naive times are UTC's)
    return pc.if_else(zoned, pc.cast(with_zone, typ), pc.cast(without, typ))


def _unconvertible(col: pa.Array, typ: pa.DataType, offset: int = 0) -> list[int]:
    """Positions of the values of the text column ``col`` that do not convert to ``typ`` (found
    by halving: a clean column costs one conversion)."""
    try:
        _cast_text(col, typ)
        return []
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(col) <= 1:
            return [offset]
        half = len(col) // 2
        return (_unconvertible(col.slice(0, half), typ, offset)
                + _unconvertible(col.slice(half), typ, offset + half))


def _past_float(col: pa.Array) -> bool:
    """Whether a numeric column has a value beyond 2**53 either way (float64 no longer exact);
    in a float column, 2**53 too (what 2**53 + 1 is read as).

    Examples
    --------
    >>> _past_float(pa.array([2**53, 7])), _past_float(pa.array([2**53 + 1, 7]))
    (False, True)
    >>> _past_float(pa.array([float(2**53 + 1), 7.0]))
    True
    """
    bounds = pc.min_max(col).as_py()
    limit = 2**53 - 1 if pa.types.is_floating(col.type) else 2**53
    return any(v is not None and abs(v) > limit for v in (bounds["min"], bounds["max"]))


def _quoted_newline(head: bytes) -> bool:
    """Whether a whole line of ``head`` has an odd number of ``"`` (a quoted field goes on past it).

    Examples
    --------
    >>> _quoted_newline(b'a,b\\n1,"x\\ny"\\n'), _quoted_newline(b'a,b\\n1,"x, ""y"" z"\\n')
    (True, False)
    """
    if b'"' not in head:
        return False
    # the first line with an odd count is the first line end with an odd count of '"' before it
    # (counted in C: a Python loop over the head's lines costs more than the check saves)
    data = np.frombuffer(head, np.uint8, count=head.rfind(b"\n") + 1)  # the last line may be cut
    quotes = np.flatnonzero(data == ord('"'))
    return bool((np.searchsorted(quotes, np.flatnonzero(data == ord("\n"))) % 2).any())


def _line_again(head: bytes, index: int) -> bool:
    """Whether line ``index`` (from 0) of ``head`` (a header line) comes again later in ``head``,
    its quotes, blanks and byte-order marks aside (a cheap test: :func:`_header_mask` decides).

    Examples
    --------
    >>> _line_again(b"a,b\\r\\n1,2\\r\\n\\"a\\", b \\r\\n", 0)
    True
    >>> _line_again(b"\\n\\xef\\xbb\\xbfa,b\\n1,2\\n", 1)
    False
    """
    lines = head.split(b"\n", index + 1)
    if len(lines) <= index + 1:
        return False
    line = _bare(lines[index])
    return bool(line) and b"\n" + line + b"\n" in b"\n" + _bare(lines[index + 1]) + b"\n"


#: the header of Windows Event Viewer's CSV ('Save All Events As'), as :func:`_bare` leaves it
_EVENT_VIEWER_HEADER = b"Level,DateandTime,Source,EventID,TaskCategory"


def _event_viewer_header(head: bytes, index: int) -> bool:
    """Whether line ``index`` (from 0) of ``head`` is the header of Windows Event Viewer's CSV
    export, which names five columns where each row holds six (the event's message last).

    Examples
    --------
    >>> _event_viewer_header(b"\\xef\\xbb\\xbfLevel,Date and Time,Source,Event ID,Task Category\\r\\n", 0)
    True
    >>> _event_viewer_header(b"Level,Date,Source,Event ID,Task Category\\r\\n", 0)
    False
    """
    lines = head.split(b"\n", index + 1)
    return index >= 0 and len(lines) > index and _bare(lines[index]) == _EVENT_VIEWER_HEADER


def _bare(text: bytes) -> bytes:
    """``text`` without quotes, blanks, carriage returns and UTF-8 byte-order marks."""
    return text.replace(b"\xef\xbb\xbf", b"").translate(None, b'" \t\r')


def _header_mask(batch: pa.RecordBatch, headers: Mapping[str, pa.Array]) -> np.ndarray:
    """Which rows of ``batch`` repeat the header (every column text, spelled as its name)."""
    none = np.zeros(batch.num_rows, bool)
    if not all(pa.types.is_string(col.type) and name in headers
               for name, col in zip(batch.schema.names, batch.columns, strict=True)):
        return none
    # candidates first: a header cell holds its column's name (each spelling holds the shortest),
    # a test far cheaper than trimming and comparing every value (a table of text checks each
    # batch, and 'user42' under 'user' would make every row of it one)
    candidates: pa.Array | None = None
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        shortest = min(headers[name].to_pylist(), key=len)
        if shortest:
            found = pc.fill_null(pc.match_substring(col, shortest), False)
            candidates = found if candidates is None else pc.and_(candidates, found)
            if not pc.any(candidates).as_py():
                return none
    if candidates is None:  # a header of empty cells only: a row of them is an empty row (its
        return none  # values missing, as under any header), not a header line again ('malformed')
    rows = np.flatnonzero(
        candidates.to_numpy(zero_copy_only=False))
    part = batch.take(pa.array(rows, pa.int64())) if len(rows) < batch.num_rows else batch
    same = np.ones(len(rows), bool)
    for i, (name, col) in enumerate(zip(part.schema.names, part.columns, strict=True)):
        if i == 0:  # the header of a file joined on, saved with a UTF-8 byte-order mark
            col = pc.utf8_ltrim(col, characters="\ufeff")
        # an empty header cell (pandas' index column, 'Unnamed: 0') is a missing value in the row
        match = pc.fill_null(pc.is_in(pc.utf8_trim_whitespace(col), value_set=headers[name]), False)
        if "" in headers[name].to_pylist():
            match = pc.or_(match, pc.is_null(col))
        same &= match.to_numpy(zero_copy_only=False)
        if not same.any():
            return none
    none[rows[same]] = True
    return none


def _header_spellings(names: Sequence[str]) -> dict[str, pa.Array]:
    """Each column's name as a header row spells it (``x.1``, the second ``x``, as ``x``;
    ``Unnamed: 0``, an empty header cell as :func:`dedupe_names` names it, also as nothing)."""
    out: dict[str, pa.Array] = {}
    for i, name in enumerate(names):
        base, _, n = name.rpartition(".")
        spelled = [name, base] if base and n.isdigit() else [name]
        if name == f"Unnamed: {i}":
            spelled.append("")
        out[name] = pa.array(spelled, pa.string())
    return out


def _iter_jsonl(path: Path, *, on_bad_rows: str, stats: ReadStats,
                event: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                page: Callable[[Any], list[dict[str, Any]] | None] | None = None,
                chunk_bytes: int = CHUNK_BYTES) -> Iterator[pd.DataFrame]:
    check_json_text(path)  # UTF-16, gzip without .gz, binary ...: said so, not 'line 1: malformed JSON'
    try:
        yield from _iter_jsonl_lines(path, on_bad_rows=on_bad_rows, stats=stats, event=event, page=page,
                                     chunk_bytes=chunk_bytes)
    except READ_ERRORS as exc:
        raise InputError(f"{path}: cannot read ({read_problem(exc)})") from None


def _line_length(readline: Callable[[int], bytes], head: bytes, limit: int = MAX_LINE_BYTES) -> int:
    """The length of a line whose first ``limit + 1`` bytes, ``head``, hold no line break: the
    rest read past in pieces, never held (as ``stream`` reads lines), so a file with no line
    breaks cannot fill memory. The line break is not counted, as ``stream`` counts a line.

    Examples
    --------
    >>> fh = io.BytesIO(b"x" * 9 + b"\\ncd")
    >>> _line_length(fh.readline, fh.readline(5), limit=4), fh.readline()
    (9, b'cd')
    """
    length = len(head)
    while more := readline(limit + 1):
        if more.endswith(b"\n"):
            return length + len(more) - 1
        length += len(more)
    return length


def _iter_jsonl_lines(path: Path, *, on_bad_rows: str, stats: ReadStats,
                      event: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                      page: Callable[[Any], list[dict[str, Any]] | None] | None = None,
                      chunk_bytes: int = CHUNK_BYTES) -> Iterator[pd.DataFrame]:
    """The rows of a JSON-lines file: each line's object (through ``event``), or, where ``page``
    gives rows for a line's value (a page of events: a JSON array, an object holding them), those
    rows (a ``ValueError`` it raises: a bad row, named by its message); a chunk of them for each
    ``chunk_bytes`` of lines (at most :data:`_JSONL_CHUNK_ROWS` rows)."""
    rows: list[dict[str, Any]] = []
    size = 0  # the bytes of the lines of the rows gathered
    handed = 0  # the rows yielded before ``rows``
    # each row's line, for a row a caller leaves out (stats.line_of): runs of rows on successive
    # lines, by their first row and its line (a new run at a blank or skipped line); a page's
    # rows, which share its line, a run of their own whose line is given negated (run_line)
    starts, firsts = array("q"), array("q")
    after = 0  # the line after the last row's
    notes: set[str] = set()  # the messages of a Splunk export's lines left out, each said once
    previous: dict[str, Any] | None = None  # the last line's object read as a row
    stats.lines_of = functools.partial(run_line, starts, firsts)
    with open_lines(path) as fh:  # lines ended by a CR alone (classic Mac OS): each a line
        readline, lineno = fh.readline, 0
        first = True  # no line but blank ones read yet (of this file: a folder's files share stats)
        while raw := readline(MAX_LINE_BYTES + 1):  # bounded: not a whole file with no line break
            lineno += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):  # read past, not held
                length = _line_length(readline, raw, MAX_LINE_BYTES)
                if on_bad_rows == "skip":
                    stats.skipped(lineno, at=stats.rows + len(rows))
                    continue
                raise InputError(f"{path}: line {lineno}: {too_long(length, MAX_LINE_BYTES)} "
                                 f"(use {SKIP_BAD_ROWS} to skip such rows)")
            try:
                # UTF-8 byte-order marks (every one): the file's, or one of a file joined on
                line = without_boms(raw.decode("utf-8"))  # after it (cat a.jsonl b.jsonl)
                if blank_line(line):  # (white space, or a Ctrl-Z: a DOS file's end mark)
                    continue
                obj = loads_json(line.rstrip("\r\n"))  # a cut line: "unterminated", not "control character"
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                if raw.startswith(LOG_BANNER) and page is None and event is None:
                    continue  # macOS's log's banner before its ndjson events: no row
                # RecursionError: arrays or objects nested ~1,000 deep, a bad line as stream has it
                jq = (pretty_json_command(raw) if first
                      and not isinstance(exc, UnicodeDecodeError | RecursionError) else None)
                if (first and not isinstance(exc, UnicodeDecodeError) and
                        (refusal := azure_flow_log_refusal(read_head(path))) is not None):
                    # an Azure flow log's blob, pretty-printed or its records a line each: no
                    # JSON lines (and 'jq -c .' wrote it as one row of one text column)
                    raise InputError(f"{path}: line {lineno}: {refusal}") from None
                if jq is not None:  # the first line opens a document: one JSON document, not lines;
                    # refused with --on-bad-rows skip too: its other lines are no bad rows but the
                    # rest of the document, and one that parses alone (an array's last object on a
                    # line of its own) was read as the file's one row
                    if jq == "jq -c ." and (
                            refusal := document_refusal(top_keys(read_head(path)))) is not None:
                        # ('jq -c .' wrote the response, results, list or page on one line: a
                        # file of one row)
                        raise InputError(f"{path}: line {lineno}: {refusal}") from None
                    raise InputError(f"{path}: line {lineno}: {pretty_json_refusal(jq)}") from None
                first = False
                if on_bad_rows == "skip":
                    stats.skipped(lineno, at=stats.rows + len(rows))
                    continue
                why = ("undecodable bytes (not UTF-8)" if isinstance(exc, UnicodeDecodeError) else
                       f"JSON nested deeper than {MAX_JSON_DEPTH} levels" if isinstance(exc, RecursionError)
                       # worded as stream, serve and the other JSON readers word it
                       else f"not valid JSON ({json_problem(exc)})")
                # (bytes that are no UTF-8: most often a file a Windows tool wrote in its code
                # page, as a CSV file's are, and said so)
                how = (f"{not_utf8_how(exc.object if isinstance(exc.object, bytes) else None)}; or "
                       if isinstance(exc, UnicodeDecodeError) else "")
                raise InputError(f"{path}: line {lineno}: {why} "
                                 f"({how}use {SKIP_BAD_ROWS} to skip such rows)") from None
            first = False
            if not isinstance(obj, dict) and not (page is not None and isinstance(obj, list)):
                # valid JSON, but no row: said as stream says it (not 'malformed JSON ... got NoneType')
                if on_bad_rows == "skip":
                    stats.skipped(lineno, at=stats.rows + len(rows))
                    continue
                # (events, all of them on one line, a REST API's response saved whole, Kismet's
                # alerts/all_alerts.json: no bad row, and skipping it, as the advice said, left
                # every one out, 'no data rows (skipped 1 malformed row(s))'; the recipe alone)
                listed = isinstance(obj, list) and bool(obj) and isinstance(obj[0], dict)
                raise InputError(f"{path}: line {lineno}: {not_an_object(obj)}"
                                 + ("" if listed else f" (use {SKIP_BAD_ROWS} to skip such rows)"))
            if (page is None and event is None and isinstance(obj, dict)
                    and (refusal := document_refusal(obj)) is not None):
                # (refused with --on-bad-rows skip too: no bad row, but every event in one line)
                raise InputError(f"{path}: line {lineno}: {refusal}")
            if page is None and event is None and isinstance(obj, dict) and "preview" in obj:
                note = splunk_note(obj)
                if note is not None:  # no event (read as one, a row of nothing: an alert)
                    # each message said (a later line's 'WARN: ... results may be incomplete' was
                    # left out unsaid after the first line's INFO), a few at most
                    if (not notes or note) and note not in notes and len(notes) < _SAID_NOTES:
                        logger.warning("%s: line %d: Splunk's export message, no event, left out%s",
                                       path, lineno, f" ({note})" if note else "")
                    notes.add(note)
                    continue
            if (page is None and event is None and isinstance(obj, dict) and "finished" in obj
                    and log_show_end(obj, previous)):
                continue  # (log show's count of the events it wrote: no event)
            try:
                events = page(obj) if page is not None else None
            except ValueError as exc:
                if on_bad_rows == "skip":
                    stats.skipped(lineno, at=stats.rows + len(rows))
                    continue
                listed = isinstance(obj, list) and bool(obj) and isinstance(obj[0], dict)
                raise InputError(f"{path}: line {lineno}: {exc}"  # (an array of events: as above)
                                 + ("" if listed else f" (use {SKIP_BAD_ROWS} to skip such rows)")) from None
            if events is None and isinstance(obj, dict):  # (an array is a page: page gives its rows)
                events = [obj if event is None else event(obj)]
                previous = obj
            if events is not None and len(events) == 1:  # one row (an object, a format's event)
                if lineno != after:  # (not on the line after the last row's: a new run)
                    firsts.append(lineno)  # (first: a reader in another thread sees whole runs)
                    starts.append(handed + len(rows))
                after = lineno + 1
            elif events:  # a page's rows: a run of their own, all on its line (given negated)
                firsts.append(-lineno)
                starts.append(handed + len(rows))
                after = 0  # (a row on the next line starts a run of its own)
            rows.extend(events or ())
            size += len(raw)
            if len(rows) >= _JSONL_CHUNK_ROWS or (size >= chunk_bytes and rows):
                keys: list[Any] = []  # (the rows' keys, as the frame gathered them)
                frame = _json_frame(rows, keys)
                _note_plain_beside_fields(rows, handed, stats, keys)
                handed += len(rows)
                yield frame
                rows, size = [], 0
    if rows:
        keys = []
        frame = _json_frame(rows, keys)
        _note_plain_beside_fields(rows, handed, stats, keys)
        yield frame


def _note_plain_beside_fields(rows: list[dict[str, Any]], handed: int, stats: ReadStats,
                              keys: Iterable[Any] | None = None) -> None:
    """Add to ``stats.plain_beside_fields`` the ``rows`` (a chunk, after ``handed`` rows handed
    out) that send a key as a plain value beside dotted fields of its name (``{"user": null,
    "user.domain": "corp"}``), which the flattened table cannot tell from a nested object
    (``{"user": {"domain": "corp"}}``). Rows are looked at only where a chunk has such keys.
    ``keys``: every key of the rows where the caller has them already (:func:`_json_frame`'s);
    else gathered here."""
    if keys is None:
        keys = set()
        for row in rows:  # (one C-level update a row)
            keys.update(row)
    names = {k for k in keys if type(k) is str}
    under: dict[str, list[str]] = {}  # a key -> the dotted keys under its name
    for name in names:
        parts = name.split(".")
        for n in range(1, len(parts)):
            if (key := ".".join(parts[:n])) in names:
                under.setdefault(key, []).append(name)
    if not under:  # (the usual chunk)
        return
    for i, row in enumerate(rows):
        for key, fields in under.items():
            if key in row and type(row[key]) is not dict and any(row.get(f) is not None for f in fields):
                stats.plain_beside_fields.setdefault(key, []).append(handed + i)


def run_line(starts: array[int], firsts: array[int], kept: int) -> int | None:
    """The line of the row at position ``kept`` (from 0) of a JSON-lines read: in the run of
    rows on successive lines that starts at row ``starts[i]`` on line ``firsts[i]``.

    Examples
    --------
    >>> run_line(array("q", [0, 2]), array("q", [1, 5]), 3)  # (lines 3, 4 blank)
    6

    A run whose line is negative holds the rows of one line (a page of events), all on line
    ``-firsts[i]``:

    >>> run_line(array("q", [0, 2]), array("q", [1, -2]), 3)
    2
    """
    i = bisect.bisect_right(starts, kept) - 1
    if i < 0:
        return None
    return -firsts[i] if firsts[i] < 0 else firsts[i] + kept - starts[i]


def not_an_object(value: object) -> str:
    """What a JSON line that is no object is told (``expected a JSON object, got null``), in
    JSON's words, not Python's; an array of objects with how to make them lines.

    Examples
    --------
    >>> not_an_object(None), not_an_object(3)
    ('expected a JSON object, got null', 'expected a JSON object, got a number')
    >>> not_an_object([{"a": 1}])
    "expected a JSON object, got an array of objects (send one object a line, JSON lines: jq -c '.[]')"
    """
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return ("expected a JSON object, got an array of objects (send one object a line, JSON lines: "
                "jq -c '.[]')")
    kind = {list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")
    return f"expected a JSON object, got {kind}"


# the types of a JSON value that is neither an object nor an array
_SCALARS = frozenset((str, int, float, bool, type(None)))


def has_nested(record: Mapping[str, Any], kinds: type | tuple[type, ...] = (dict, list)) -> bool:
    """Whether a value of ``record`` is an instance of ``kinds`` (an object, an array). A row of
    scalars only, the usual one, is told by the set of its values' types (one C-level pass: a
    generator of ``isinstance`` calls over 40 fields cost more than parsing the row's JSON).

    Examples
    --------
    >>> has_nested({"a": 1, "b": "x"}), has_nested({"a": {"b": 1}}), has_nested({"a": [1]}, dict)
    (False, True, False)
    """
    values = record.values()
    if _SCALARS.issuperset(map(type, values)):
        return False
    return any(isinstance(v, kinds) for v in values)


def flat_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with each nested object's fields as keys of their own, named by their path
    (``{"source": {"ip": "10.0.0.5"}}`` → ``{"source.ip": "10.0.0.5"}``), as Elastic Common
    Schema names fields, so that a nested and a dotted export of the same events read alike: the
    fields stand where their object stood, in its order. A key the record already spells out wins
    over the same path from a nested object; an empty object adds no key; arrays are left as they
    are (:func:`flatten_json` makes them text).

    Examples
    --------
    >>> flat_record({"source": {"ip": "10.0.0.5", "geo": {"cc": "FR"}}, "bytes": 5})
    {'source.ip': '10.0.0.5', 'source.geo.cc': 'FR', 'bytes': 5}
    >>> flat_record({"a.b": 1, "a": {"b": 2, "c": 3}})
    {'a.b': 1, 'a.c': 3}
    """
    if not has_nested(record, dict):
        return record if isinstance(record, dict) else dict(record)
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for sub, v in flat_record(value).items():
                name = f"{key}.{sub}"
                if name not in record:  # spelled out by the record: that one wins, where it stands
                    out.setdefault(name, v)
        else:
            out[key] = value
    return out


def path_order(names: Sequence[str]) -> list[str]:
    """``names`` with the fields of one object together, in the order each path first comes
    (``source.geo.cc`` seen late goes after ``source.port``, as a nested object or Parquet struct
    holds it): so a nested export, a dotted one and Parquet of the same events give a model the
    same columns in the same order, hence the same weights. Names without dots keep their order.

    Examples
    --------
    >>> path_order(["a.x", "b", "a.y", "c.d.e", "a.z.w", "c.f"])
    ['a.x', 'a.y', 'a.z.w', 'b', 'c.d.e', 'c.f']
    >>> path_order(["id.orig_h", "id.orig_p", "proto"])
    ['id.orig_h', 'id.orig_p', 'proto']
    """
    if not any("." in str(n) for n in names):
        return list(names)
    tree: dict[str, Any] = {}
    ends: dict[int, str] = {}  # id of a node -> the name that ends there
    for name in names:
        node = tree
        for part in str(name).split("."):
            node = node.setdefault(part, {})
        ends.setdefault(id(node), name)
    out: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        for child in node.values():
            if id(child) in ends:
                out.append(ends[id(child)])
            walk(child)

    walk(tree)
    return out if len(out) == len(names) else list(names)  # a name twice: leave them be


def nested_note(missing: Sequence[str], columns: Iterable[object]) -> str:
    """For an error about ``missing`` model columns: when the data has one of them as a nested
    object (read as its fields, ``proto.name``), a sentence that says so, else ``""``.

    Examples
    --------
    >>> nested_note(["proto"], ["bytes", "proto.name"])
    "the data has 'proto' as a nested object, read as its fields (proto.name)"
    >>> nested_note(["proto"], ["bytes"])
    ''
    """
    from hourglass._columns import listed_columns

    names = [str(c) for c in columns]
    for col in missing:
        fields = [n for n in names if n.startswith(f"{col}.")]
        if fields:
            return (f"the data has {col!r} as a nested object, read as its fields "
                    f"({listed_columns(fields[:3])}{' ...' if len(fields) > 3 else ''})")
    return ""


def flatten_json(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (records read from JSON) with each nested object's fields as columns of their own,
    named by their path as :func:`flat_record` names them (``source.ip``; a column the records
    spell out wins, and a column left with no other value is dropped), and each array cell as its
    JSON text (keys sorted): one value of a text column, never an unhashable cell. Columns come in
    :func:`path_order` (an object's fields where it stood), so nested and dotted JSON of the same
    events give the same columns in the same order. ``hourglass score`` of a JSON-lines file,
    ``stream`` and the service's ``/score`` read JSON this one way.

    Examples
    --------
    >>> df = flatten_json(pd.DataFrame.from_records([
    ...     {"source": {"ip": "10.0.0.5", "port": 443}, "tags": ["b", {"a": 1}], "n": 3}]))
    >>> df.to_dict("records")
    [{'source.ip': '10.0.0.5', 'source.port': 443, 'tags': '["b", {"a": 1}]', 'n': 3}]
    """
    original = list(df.columns)
    added: dict[str, pd.Series] = {}
    emptied: list[str] = []
    order: dict[object, list[str]] = {}  # an object column -> the columns it became, in place
    for c in df.columns[[pd.api.types.is_object_dtype(t) for t in df.dtypes]]:
        kinds = df[c].map(type)  # one pass per text column: dicts and lists told apart from it
        is_dict = kinds.isin([dict]).to_numpy(bool)
        if is_dict.any():
            sub = _records_frame(
                [flat_record(v) if d else {} for v, d in zip(df[c].to_numpy(), is_dict, strict=True)],
                index=df.index)
            order[c] = [c]
            for name in sub.columns:
                full = f"{c}.{name}"
                added[full] = sub[name] if full not in added else added[full].combine_first(sub[name])
                order[c].append(full)
            rest = df[c].mask(is_dict)
            if not rest.notna().any():
                emptied.append(c)
                continue
            df[c] = rest.infer_objects()
        col = df[c]
        text = _lists_as_text(col, kinds)
        if text is not col:
            df[c] = text
    if added or emptied:
        df = df.drop(columns=emptied)
        new = {}
        for name, values in added.items():
            values = _lists_as_text(values)
            if name in df.columns:  # spelled out by the records: theirs wins
                df[name] = df[name].combine_first(values)
            else:
                new[name] = values
        if new:
            df = pd.concat([df, pd.DataFrame(new, index=df.index)], axis=1)
    return _in_path_order(df, original, order)


def _in_path_order(df: pd.DataFrame, original: Sequence[object],
                   order: Mapping[object, list[str]]) -> pd.DataFrame:
    """``df`` with its columns in :func:`path_order`, each object's fields first put where the
    object stood among the ``original`` columns (``order``: an object column -> the columns it
    became)."""
    names = [n for c in original for n in order.get(c, [c])]
    names = [n for n in dict.fromkeys(names) if n in df.columns]
    if len(names) != df.shape[1] or not all(isinstance(n, str) for n in names):
        return df  # a name twice, or not a name: left as they are
    ordered = path_order([str(n) for n in names])
    return df if ordered == list(df.columns) else df[ordered]


def _lists_as_text(col: pd.Series, kinds: pd.Series | None = None) -> pd.Series:
    """``col`` with each array cell (a list, or a NumPy array: Arrow's list cell, as Spark's
    ``mapInPandas`` hands a JSON array over) as its JSON text, keys sorted (``kinds``: the type of
    each cell, when known)."""
    if not pd.api.types.is_object_dtype(col.dtype):
        return col
    is_list = (col.map(type) if kinds is None else kinds).isin([list, np.ndarray]).to_numpy(bool)
    if not is_list.any():
        return col
    col = col.copy()
    col[is_list] = col[is_list].map(lambda v: json.dumps(v, sort_keys=True, default=_json_value))
    return col


def _json_value(value: Any) -> Any:
    """A NumPy array or scalar inside an array cell (Arrow's structs and lists) as JSON's own."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json_frame(rows: list[dict[str, Any]], keys: list[Any] | None = None) -> pd.DataFrame:
    """Records as a frame, nested objects as columns and arrays as JSON text
    (:func:`flatten_json`); a lone surrogate in a field (``"\\ud83d"``, which no column holds)
    kept as its escape (:func:`no_lone_surrogates`: only then, no check of every line).
    ``keys``, where given, is extended with every key of the rows (the columns pandas gathered
    before flattening): the union a caller would else gather again, row by row."""
    try:
        records = _records_frame(rows)
        frame = flatten_json(records)
    except UnicodeEncodeError:
        records = _records_frame(no_lone_surrogates(rows))
        frame = flatten_json(records)
    if keys is not None:
        keys.extend(records.columns)
    return frame


def _records_frame(records: Sequence[Mapping[str, Any]], index: Any = None,
                   columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Records as a frame whose whole numbers past 2**53 stay exact where a record lacks the key
    or has ``null``, or where another record has a whole float (``7.0``) in the key (pandas makes
    such a column float64, which rounds 64-bit ids): int64, as a column of ints alone is read, or
    pandas' nullable Int64 with a missing value, as the CSV reader keeps them. ``columns``: those
    keys alone, in that order (:meth:`pandas.DataFrame.from_records`').

    Examples
    --------
    >>> _records_frame([{"id": 2**60 + 1}, {"id": None}, {}])["id"].tolist()
    [1152921504606846977, <NA>, <NA>]
    >>> df = _records_frame([{"id": 2**53 + 1}, {"id": 7.0}])
    >>> df["id"].dtype, df["id"].tolist()
    (dtype('int64'), [9007199254740993, 7])
    """
    df = pd.DataFrame.from_records(records, index=index, columns=columns)
    for i, dtype in enumerate(df.dtypes):
        if dtype != np.float64:
            continue
        values = df.iloc[:, i].to_numpy()
        if not np.nanmax(np.abs(values), initial=0) >= 2**53:  # (2**53 + 1 rounds to 2**53)
            continue
        name = df.columns[i]
        raw = [r.get(name) for r in records]
        if not any(type(v) is int and abs(v) > 2**53 for v in raw):
            continue  # no 64-bit id: floats as written (1e20 is no id)
        # a whole float is an int below 2**53 (past it, what it rounded is no longer known)
        if all(v is None or (type(v) is int and -2**63 <= v < 2**63)
               or (type(v) is float and v.is_integer() and abs(v) <= 2**53) for v in raw):
            ints = pd.array([v if v is None else int(v) for v in raw], dtype=pd.Int64Dtype())
            df.isetitem(i, ints if ints.isna().any() else ints.to_numpy(np.int64))
    return df


def _plain(value: Any) -> Any:
    """A nested Parquet value (arrays, dicts, key-value pairs) as plain JSON-able Python."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_NULLABLE_INTS = {pa.int64(): pd.Int64Dtype(), pa.uint64(): pd.UInt64Dtype()}
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")  # how pandas names an unnamed index it stores


def _batch_frame(batch: pa.RecordBatch) -> pd.DataFrame:
    """A Parquet batch as a frame: a struct column's fields become columns named by their path
    (``source.ip``, as nested JSON objects do); a list or map column becomes the JSON text of
    each value (as JSON arrays do), never an unhashable cell; columns in :func:`path_order`, as
    JSON lines have them. A file written by pandas has its index as the columns it stores: a
    named index (a time series' timestamps) is a column of the frame, as it is of the file; an
    unnamed one (``__index_level_0__``, row numbers) is left out; every frame is numbered from 0."""
    table = pa.Table.from_batches([batch])
    if table.schema.metadata and b"pandas" in table.schema.metadata:
        # pandas' metadata would make the stored index the frame's index, not a column
        table = table.replace_schema_metadata(None)
        keep = [n for n in table.column_names if not _PANDAS_INDEX.fullmatch(n)]
        if len(keep) < table.num_columns:
            table = table.select(keep)
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    df = table.to_pandas()
    for i, f in enumerate(table.schema):
        col = table.column(i)
        if f.type in _NULLABLE_INTS and col.null_count and _past_float(col):
            # 64-bit ids with a missing value: exact (pandas' nullable Int64), as CSV reads them,
            # not float64, which rounds them
            df.isetitem(i, col.to_pandas(types_mapper=_NULLABLE_INTS.get))
        if pa.types.is_nested(f.type):
            df.isetitem(i, df.iloc[:, i].map(
                lambda v: v if v is None else json.dumps(_plain(v), sort_keys=True, default=str)))
    return _in_path_order(df, list(df.columns), {})


def _iter_parquet(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    # a gzip-compressed file (``x.parquet.gz`` gzipped after writing) read through gzip, which
    # seeks as Parquet's footer needs; one not gzipped, whatever its name, as it is (the writers'
    # ``.parquet.gz`` is plain Parquet, compressed inside)
    try:
        gz = path.name.lower().endswith(".gz") and _raw_head(path, 2) == b"\x1f\x8b"
        opened: contextlib.AbstractContextManager[Any] = (
            open_text(path) if gz else contextlib.nullcontext(path) if utf8_name(path)
            else open(path, "rb"))  # (a name Arrow cannot open: see utf8_name)
        with opened as source:
            pf = pq.ParquetFile(source)
            for batch in pf.iter_batches(batch_size=chunk_rows):
                yield _batch_frame(batch)
    except (pa.ArrowInvalid, *READ_ERRORS) as exc:
        raise InputError(f"{path}: cannot read as parquet ({exc})") from None


_WHOLE_WITH_FRACTION = r"^(-?(?:0|[1-9][0-9]*))\.0+$"


def written_ids(df: pd.DataFrame, column: str | None) -> pd.DataFrame:
    """A CSV chunk ``df`` whose ids (``column``: session or entity ids, read as text) are named as
    JSON lines and Parquet of the same table name them: without the spaces around a cell, and a
    whole number written with a zero fraction (``7.0``, as pandas writes an integer column with
    an empty cell) as that number, ``7``; ``007``, ``7.5`` and names stay as written.

    Examples
    --------
    >>> df = pd.DataFrame({"s": [" 7", "7.0", "007", "7.5", "1e3", "-3.00"]})
    >>> written_ids(df, "s")["s"].tolist()
    ['7', '7', '007', '7.5', '1e3', '-3']
    """
    if column is None or column not in df.columns or not len(df):
        return df
    col = df[column]
    arr = pa.array(col, from_pandas=True)  # (the reader's text column: no copy)
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        return df
    fixed = pc.utf8_trim_whitespace(arr)
    if pc.any(pc.match_substring(fixed, ".")).as_py():  # (a plain search first: the regex is slow)
        fixed = pc.replace_substring_regex(fixed, pattern=_WHOLE_WITH_FRACTION, replacement="\\1")
    if fixed.equals(arr):  # (the usual case: nothing to rename)
        return df
    return df.assign(**{column: pd.Series(fixed.to_pylist(), index=df.index, dtype=col.dtype)})



def iter_table(
    path: str | os.PathLike[str],
    *,
    fmt: str,
    names: Sequence[str] | None = None,
    on_bad_rows: str = "error",
    chunk_bytes: int = CHUNK_BYTES,
    stats: ReadStats | None = None,
    sep: str | None = None,
    skip_rows: int = 0,
    null_values: Sequence[str] = NULL_VALUES,
    quote: bool = True,
    column_types: dict[str, pa.DataType] | None = None,
    comment: str | None = None,
    event: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    header_rows: bool = False,
    page: Callable[[Any], list[dict[str, Any]] | None] | None = None,
    used: Collection[str] | None = None,
    comment_check: Callable[[str], str | None] | None = None,
    encoding: str = "utf8",
    fallback_encoding: Callable[[], str | None] | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of about ``chunk_bytes`` of input each.

    Column types come from the first block (1 MiB). In skip mode a later value that does not fit
    its column's type (a word in a numeric column) makes its row a bad row, counted and skipped;
    in error mode it is an error naming the column (a column outside ``used``: see there).

    Parameters
    ----------
    path
        File to read (``.gz`` decompressed on the fly).
    fmt
        ``csv``, ``tsv``, ``parquet``, ``jsonl`` or ``evtx`` (Windows event log records as flat
        rows: :mod:`hourglass.ingest.evtx`).
    names
        Column names of a header-less CSV/TSV; ``None`` reads them from the first line
        (stripped, duplicates renamed ``x.1``).
    on_bad_rows
        ``"error"``: a malformed row (wrong field count, undecodable bytes, bad JSON) raises
        :class:`InputError` naming file and line; ``"skip"``: such rows are skipped and counted
        in ``stats``.
    chunk_bytes
        Input bytes per chunk (CSV/TSV, JSON lines: at most 50,000 rows); Parquet and EVTX
        yield row batches.
    stats
        Filled with the row counts as the chunks are consumed.
    sep, skip_rows, null_values, quote, column_types, comment
        CSV dialect: delimiter, leading lines to skip, missing-value spellings, whether ``"``
        quotes, fixed column types, and a prefix of trailer lines to ignore.
    event
        JSON lines: a function of each record, applied before it is flattened (a format's own
        event: Okta's list of targets summarised, an Entra sign-in lifted out of its envelope).
    page
        JSON lines: the rows of a line's value when it is a page of events (a JSON array, a
        Graph page, an EventList), else ``None`` (one event, through ``event``); a
        ``ValueError`` it raises is a bad row.
    header_rows
        CSV/TSV: a row that repeats the header (CIC-IDS2018's files, concatenated exports) is
        dropped and counted in ``stats`` in either ``on_bad_rows`` mode; always so for a header
        read from the file (``names`` not given) that names two columns or more.
    comment_check
        CSV/TSV: what is wrong with a ``comment`` line that may not be passed over (a Zeek log's
        second ``#fields`` line naming other fields), or ``None`` for one that may; a problem
        stops the read, naming the line, in either ``on_bad_rows`` mode.
    used
        CSV/TSV: the columns the caller reads (``None``: all of them). A later value that does
        not fit the first block's type of another column turns that column to text from there
        on, in either ``on_bad_rows`` mode, instead of stopping the read or dropping the row:
        scoring must not stop over a column its model ignores.
    encoding
        CSV/TSV: the text's encoding (``"cp1252"``: a Windows tool's file that is no UTF-8).
    fallback_encoding
        CSV/TSV read as UTF-8: called once, where the first block (1 MiB) has a byte beyond ASCII
        or a later one is no UTF-8, for the encoding to read the file in instead (``None``: UTF-8,
        bytes that are no UTF-8 bad rows as ever). A file of ASCII costs no look at its bytes.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("a,b\\n1,x\\n2,y\\n")
    >>> [len(df) for df in iter_table(p, fmt="csv")]
    [2]
    """
    _check_bad_rows(on_bad_rows)
    p = Path(path)
    stats = stats if stats is not None else ReadStats()
    stats.lines_of = None  # (a reader that tells its rows' lines sets its own)
    stats.plain_beside_fields = {}  # (as the JSON-lines reader tells them)
    if fmt == "parquet":
        chunks = _iter_parquet(p, max(1, chunk_bytes // 100))
    elif fmt == "jsonl":
        chunks = _iter_jsonl(p, on_bad_rows=on_bad_rows, stats=stats, event=event, page=page,
                             chunk_bytes=chunk_bytes)
    elif fmt == "evtx" and p.is_file() and without_boms(read_head(p, 64)).lstrip().startswith(b"{"):
        # the parser's own records as JSON lines (evtx_dump -o jsonl): each the row the .evtx
        # file gives for it, so that a model of the file scores the dump alike, and back
        from hourglass.ingest.evtx import dump_row

        chunks = _iter_jsonl(p, on_bad_rows=on_bad_rows, stats=stats, event=dump_row,
                             chunk_bytes=chunk_bytes)
    elif fmt == "evtx":
        from hourglass.ingest.evtx import iter_evtx

        chunks = iter_evtx(p, on_bad_rows=on_bad_rows, stats=stats)
    elif fmt in ("csv", "tsv"):
        if names is None and p.is_file():  # the header is the first line that holds anything
            try:
                skip_rows, hint = lines_before_header(p, skip_rows)
                sep = sep or hint
            except READ_ERRORS:
                pass  # said by the read itself, naming the file
        if sep is None and fmt == "csv" and names is None and p.is_file():
            try:
                sep = sniff_delimiter(p, skip_rows)
            except READ_ERRORS as exc:
                raise InputError(f"{p}: cannot read ({read_problem(exc)})") from None
            if sep != "," and f"{p.resolve()}\0{sep}" not in _SAID_DELIMITER:
                _SAID_DELIMITER.add(f"{p.resolve()}\0{sep}")
                logger.info("%s: read as %s-separated", p, SEPARATOR_NAMES[sep])
        chunks = _iter_csv(p, sep=sep or ("\t" if fmt == "tsv" else ","), names=names,
                           skip_rows=skip_rows, on_bad_rows=on_bad_rows, chunk_bytes=chunk_bytes,
                           stats=stats, null_values=null_values, quote=quote,
                           column_types=column_types, comment=comment, header_rows=header_rows,
                           used=used, comment_check=comment_check, encoding=encoding,
                           fallback_encoding=fallback_encoding)
    else:
        raise InputError(f"unknown table format {fmt!r}; use csv, tsv, parquet, jsonl or evtx")
    # rows of no value at all in a table of its own header: said once the read is through
    empty = _EmptyRows(p) if fmt in ("csv", "tsv") and names is None else None
    for df in chunks:
        names = [str(c) for c in df.columns]
        # a Parquet file may repeat a column name; renamed as CSV headers are (x, x.1)
        df.columns = dedupe_names(names) if len(set(names)) < len(names) else names
        if empty is not None:
            empty.look(df, stats)
        stats.rows += len(df)
        yield df
    if empty is not None:
        empty.say()


_SAID_EMPTY: set[str] = set()  # (file, count, first) of rows of no value warned of, once a run


class _EmptyRows:
    """The rows of a CSV/TSV file with no value in any of its (two or more) columns: the
    ``,,,,`` lines a spreadsheet's export (Excel's 'Save as CSV') writes for the empty rows
    after the data it formatted. Each is read, and scored, as a row of missing values, so a
    warning names them (their rows keep their place: the row numbers of the output are the
    file's)."""

    def __init__(self, path: Path) -> None:
        self.path, self.count = path, 0
        self.first: int | None = None  # its line (a data row, negated, where none is told)

    def look(self, df: pd.DataFrame, stats: ReadStats) -> None:
        if df.shape[1] < 2 or not len(df):
            return
        none = df.iloc[:, 0].isna().to_numpy()  # (the first column first: cheap where it has values)
        if not none.any():
            return
        at = np.flatnonzero(none)
        at = at[df.iloc[at, 1:].isna().all(axis=1).to_numpy()]
        if len(at) and self.first is None:
            self.first = stats.line_of(stats.rows + int(at[0])) or -(stats.rows + int(at[0]) + 1)
        self.count += len(at)

    def say(self) -> None:
        # once a file and finding: a second read of the file in one run says nothing new, but
        # the file written again (a notebook's re-export, with other rows) is said again
        said = f"{self.path.resolve()}\0{self.count}\0{self.first}"
        if not self.count or said in _SAID_EMPTY:
            return
        _SAID_EMPTY.add(said)
        where = "" if self.first is None else \
            f" (first: line {self.first})" if self.first > 0 else f" (first: data row {-self.first})"
        logger.warning("%s: %d row(s) with no value in any column%s, as a spreadsheet's export "
                       "writes after its last row (',,,'): each is read as a row of missing "
                       "values; delete them from the file if they are none", self.path,
                       self.count, where)


def prefetch(chunks: Iterable[pd.DataFrame], depth: int = 1) -> Iterator[pd.DataFrame]:
    """Produce the next ``depth`` chunks in a background thread while the caller works on the
    current one (pyarrow parses without the GIL, so reading overlaps preprocessing and scoring).
    An error in the reader is raised here, in the caller's thread.

    Examples
    --------
    >>> [len(df) for df in prefetch(pd.DataFrame({"a": range(n)}) for n in (3, 1))]
    [3, 1]
    """
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()
    source = iter(chunks)

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in source:
                if not put(("chunk", chunk)):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put(("error", exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:  # release the reader (pyarrow's threads) in this thread
                close()

    thread = threading.Thread(target=produce, name="hourglass-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "done":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        # A consumer that stops early (an error in the caller) waits for the reader to finish
        # its current chunk: a reader thread still inside pyarrow when the interpreter exits
        # aborts the process ("terminate called without an active exception", exit 134).
        stop.set()
        thread.join()
