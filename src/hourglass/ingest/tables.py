"""Chunked reading of CSV/TSV/Parquet/JSONL through pyarrow, with bounded memory.

:func:`iter_table` yields pandas DataFrames of about ``chunk_bytes`` of input each, so a file of
any size can be streamed. Column types are inferred from the first block and then fixed (integer
columns are read as float64 so that a later block with a fraction or an empty field cannot change
a column's type half way). Malformed rows are an error naming the file and line, or are skipped
and counted with ``on_bad_rows="skip"``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from hourglass.errors import InputError

__all__ = ["BAD_ROWS", "CHUNK_BYTES", "ReadStats", "check_text", "dedupe_names", "iter_table",
           "open_text", "prefetch", "read_head"]

BAD_ROWS = ("error", "skip")
CHUNK_BYTES = 16 << 20
# Missing-value spellings (pyarrow's defaults plus the ones seen in flow exports).
NULL_VALUES = ("", "NaN", "nan", "NA", "N/A", "n/a", "NULL", "null", "None", "-nan", "#N/A", "?")
_JSONL_CHUNK_ROWS = 50_000
_BLOCK_BYTES = 1 << 20


@dataclass
class ReadStats:
    """What a read saw: rows yielded, malformed rows skipped and where (the first 10 lines).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from hourglass.ingest import read_table
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n3,4,5\\n6,7\\n")
    >>> stats = ReadStats()
    >>> read_table(p, on_bad_rows="skip", stats=stats).shape, stats.bad_rows, stats.bad_lines
    ((2, 2), 1, [3])
    """

    rows: int = 0
    bad_rows: int = 0
    bad_lines: list[int] = field(default_factory=list)

    def skipped(self, line: int | None) -> None:
        self.bad_rows += 1
        if line is not None and len(self.bad_lines) < 10:
            self.bad_lines.append(line)


def open_text(path: Path) -> io.BufferedIOBase:
    """Binary handle on ``path``, gunzipping ``.gz`` files."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def read_head(path: Path, n_bytes: int = 65536) -> bytes:
    """The first ``n_bytes`` of the (decompressed) file."""
    try:
        with open_text(path) as fh:
            return fh.read(n_bytes)
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


def dedupe_names(names: Sequence[str]) -> list[str]:
    """Strip names and make duplicates unique the way pandas does (``x``, ``x.1``, ...).

    Examples
    --------
    >>> dedupe_names([" Fwd Header Length", "Fwd Header Length", "Label "])
    ['Fwd Header Length', 'Fwd Header Length.1', 'Label']
    """
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        name = str(raw).strip()
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _check_bad_rows(on_bad_rows: str) -> None:
    if on_bad_rows not in BAD_ROWS:
        raise InputError(f"--on-bad-rows: expected one of {', '.join(BAD_ROWS)}, got {on_bad_rows!r}")


def _line_of(path: Path, text: str | None, *, undecodable: bool = False) -> int | None:
    """Find the line of a bad row on the error path (pyarrow does not always know it)."""
    with open_text(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            if undecodable:
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    return lineno
            elif text is not None and raw.rstrip(b"\r\n").decode("utf-8", "replace") == text:
                return lineno
    return None


class _DecodableLines(io.RawIOBase):
    """A byte stream of the lines of a file that decode as UTF-8 (the others are counted)."""

    def __init__(self, path: Path, stats: ReadStats) -> None:
        self._fh = open_text(path)
        self._stats = stats
        self._buf = b""
        self._lineno = 0

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
                self._stats.skipped(self._lineno)
                continue
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
    hourglass.errors.InputError: a.evtx: a Windows .evtx event log (binary); export it ...
    """
    if head.startswith(b"ElfFile\x00"):
        raise InputError(f"{path}: a Windows .evtx event log (binary); export it to JSON lines or "
                         "CSV first (e.g. evtx_dump -o jsonl), then give that file")
    if head.startswith(b"PAR1"):
        raise InputError(f"{path}: a Parquet file; read it with --format parquet (or auto)")
    if b"\x00" in head[:8192]:
        raise InputError(f"{path}: binary data (NUL bytes), not a CSV/TSV/JSONL table or a text "
                         "log (a UTF-16 text file? save it as UTF-8)")


def _csv_header(path: Path, sep: str, skip_rows: int) -> list[str]:
    check_text(path, read_head(path, 8192))
    with open_text(path) as fh:
        for _ in range(skip_rows):
            fh.readline()
        raw = fh.readline()
    text = raw.decode("utf-8", "replace").rstrip("\r\n")
    if not text.strip():
        raise InputError(f"{path}: empty file")
    try:
        return dedupe_names(next(iter(csv.reader([text], delimiter=sep))))
    except csv.Error as exc:
        raise InputError(f"{path}: line {skip_rows + 1}: unreadable header ({exc})") from None


def _iter_csv(
    path: Path, *, sep: str, names: Sequence[str] | None, skip_rows: int, on_bad_rows: str,
    chunk_bytes: int, stats: ReadStats, null_values: Sequence[str], quote: bool,
    column_types: dict[str, pa.DataType] | None, comment: str | None,
) -> Iterator[pd.DataFrame]:
    if names is None:
        names = _csv_header(path, sep, skip_rows)
        skip_rows += 1
    names = list(names)
    pending: dict[str, Any] = {}
    probing = [True]  # the type-inference pass must not count skipped rows

    def on_invalid(row: Any) -> str:
        if comment is not None and row.text.startswith(comment):
            return "skip"  # trailer lines such as Zeek's '#close'
        if on_bad_rows == "skip":
            if not probing[0]:
                stats.skipped(row.number)
            return "skip"
        pending.update(line=row.number, text=row.text, expected=row.expected_columns,
                       actual=row.actual_columns)
        return "error"

    def options(types: dict[str, pa.DataType] | None, block: int) -> dict[str, Any]:
        return {
            "read_options": pacsv.ReadOptions(column_names=names, skip_rows=skip_rows,
                                              block_size=block, use_threads=True),
            "parse_options": pacsv.ParseOptions(delimiter=sep, quote_char='"' if quote else False,
                                                invalid_row_handler=on_invalid),
            "convert_options": pacsv.ConvertOptions(null_values=list(null_values),
                                                    strings_can_be_null=True,
                                                    column_types=types or {}),
        }

    def fail(exc: Exception) -> InputError:
        if pending:
            line = pending["line"] or _line_of(path, pending["text"])
            where = f"line {line}" if line else f"row {pending['text'][:60]!r}"
            return InputError(f"{path}: {where}: expected {pending['expected']} fields, found "
                              f"{pending['actual']} (use --on-bad-rows skip to skip such rows)")
        msg = str(exc)
        if "UTF8" in msg or "utf-8" in msg.lower():
            line = _line_of(path, None, undecodable=True)
            return InputError(f"{path}: line {line}: undecodable bytes (not UTF-8) "
                              "(use --on-bad-rows skip to skip such rows)")
        col = None
        if "column #" in msg:
            try:
                col = names[int(msg.split("column #", 1)[1].split(":", 1)[0])]
            except (ValueError, IndexError):
                col = None
        row = msg.split("Row #", 1)[1].split(":", 1)[0] if "Row #" in msg else None
        detail = msg.split(": ", 2)[-1] if ": " in msg else msg
        return InputError(f"{path}: " + (f"line {row}: " if row else "")
                          + (f"column {col!r}: " if col else "") + f"malformed value ({detail})")

    # Infer types from the first block, then read with them fixed.
    try:
        first = pacsv.open_csv(path, **options(column_types, min(chunk_bytes, 1 << 20)))
        schema = first.schema
        first.close()
    except pa.ArrowInvalid as exc:
        if "empty" in str(exc).lower() and not pending:
            raise InputError(f"{path}: no data rows") from None
        raise fail(exc) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    probing[0] = False
    types = dict(column_types or {})
    for f in schema:
        if f.name in types:
            continue
        if pa.types.is_integer(f.type) or pa.types.is_floating(f.type):
            types[f.name] = pa.float64()
        elif pa.types.is_null(f.type) or pa.types.is_binary(f.type):
            types[f.name] = pa.string()
        else:
            types[f.name] = f.type

    def batches(source: Any) -> Iterator[pd.DataFrame]:
        # pyarrow's streaming reader holds roughly ten blocks in flight: small blocks keep memory
        # low, and are gathered into one DataFrame of about chunk_bytes.
        reader = pacsv.open_csv(source, **options(types, min(chunk_bytes, _BLOCK_BYTES)))
        gathered: list[pa.RecordBatch] = []
        size = 0
        for batch in reader:
            if batch.num_rows:
                gathered.append(batch)
                size += batch.nbytes
            if size >= chunk_bytes:
                yield pa.Table.from_batches(gathered).to_pandas()
                gathered, size = [], 0
        if gathered:
            yield pa.Table.from_batches(gathered).to_pandas()

    yielded = 0
    try:
        for df in batches(path):
            yielded += len(df)
            yield df
        return
    except pa.ArrowInvalid as exc:
        if on_bad_rows != "skip" or pending:
            raise fail(exc) from None
        first_exc: Exception = exc
    # Skip mode and pyarrow refused a block (undecodable bytes): re-read through a filter that
    # drops lines that are not UTF-8, passing over the rows already yielded.
    stats.bad_rows, stats.bad_lines = 0, []  # the re-read counts every bad row again
    stream = _DecodableLines(path, stats)
    try:
        seen = 0
        for df in batches(pa.PythonFile(stream, mode="r")):
            start = max(0, yielded - seen)
            seen += len(df)
            if start < len(df):
                yield df.iloc[start:].reset_index(drop=True)
    except pa.ArrowInvalid as exc:
        raise fail(exc) from first_exc
    finally:
        stream.close()


def _iter_jsonl(path: Path, *, on_bad_rows: str, stats: ReadStats) -> Iterator[pd.DataFrame]:
    rows: list[dict[str, Any]] = []
    with open_text(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
            except (UnicodeDecodeError, ValueError) as exc:
                if on_bad_rows == "skip":
                    stats.skipped(lineno)
                    continue
                why = ("undecodable bytes (not UTF-8)" if isinstance(exc, UnicodeDecodeError) else
                       f"malformed JSON ({getattr(exc, 'msg', exc)})")
                raise InputError(f"{path}: line {lineno}: {why} "
                                 "(use --on-bad-rows skip to skip such rows)") from None
            rows.append(obj)
            if len(rows) >= _JSONL_CHUNK_ROWS:
                yield _json_frame(rows)
                rows = []
    if rows:
        yield _json_frame(rows)


def _json_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Records as a frame; a nested object or array becomes its JSON text (one value of a
    text column, as Windows event exports and Zeek JSON hold), never an unhashable cell."""
    df = pd.DataFrame.from_records(rows)
    for c in df.columns[[pd.api.types.is_object_dtype(t) for t in df.dtypes]]:
        nested = df[c].map(lambda v: isinstance(v, dict | list))
        if nested.any():
            df.loc[nested, c] = df.loc[nested, c].map(lambda v: json.dumps(v, sort_keys=True))
    return df


def _iter_parquet(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    try:
        pf = pq.ParquetFile(path)
        for batch in pf.iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: cannot read as parquet ({exc})") from None


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
) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of about ``chunk_bytes`` of input each.

    Parameters
    ----------
    path
        File to read (``.gz`` decompressed on the fly).
    fmt
        ``csv``, ``tsv``, ``parquet`` or ``jsonl``.
    names
        Column names of a header-less CSV/TSV; ``None`` reads them from the first line
        (stripped, duplicates renamed ``x.1``).
    on_bad_rows
        ``"error"``: a malformed row (wrong field count, undecodable bytes, bad JSON) raises
        :class:`InputError` naming file and line; ``"skip"``: such rows are skipped and counted
        in ``stats``.
    chunk_bytes
        Input bytes per chunk (CSV/TSV); Parquet and JSONL yield row batches.
    stats
        Filled with the row counts as the chunks are consumed.
    sep, skip_rows, null_values, quote, column_types, comment
        CSV dialect: delimiter, leading lines to skip, missing-value spellings, whether ``"``
        quotes, fixed column types, and a prefix of trailer lines to ignore.

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
    if fmt == "parquet":
        chunks = _iter_parquet(p, max(1, chunk_bytes // 100))
    elif fmt == "jsonl":
        chunks = _iter_jsonl(p, on_bad_rows=on_bad_rows, stats=stats)
    elif fmt in ("csv", "tsv"):
        chunks = _iter_csv(p, sep=sep or ("\t" if fmt == "tsv" else ","), names=names,
                           skip_rows=skip_rows, on_bad_rows=on_bad_rows, chunk_bytes=chunk_bytes,
                           stats=stats, null_values=null_values, quote=quote,
                           column_types=column_types, comment=comment)
    else:
        raise InputError(f"unknown table format {fmt!r}; use csv, tsv, parquet or jsonl")
    for df in chunks:
        df.columns = [str(c) for c in df.columns]
        stats.rows += len(df)
        yield df


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
