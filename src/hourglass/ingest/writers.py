"""Incremental, atomic table output: chunks are appended to a temporary file (CSV, TSV, Parquet,
JSONL or SQLite) that is renamed into place only when every chunk has been written (no
half-written output, ever)."""

from __future__ import annotations

import contextlib
import decimal
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from hourglass._columns import listed_columns
from hourglass.errors import InputError
from hourglass.ingest.readers import atomic_output, detect_format, iso_times, json_lines, open_output
from hourglass.ingest.sqlite import SQLiteWriter, is_sqlite, parquet_value

__all__ = ["ChunkWriter", "chunk_writer"]


class ChunkWriter:
    """Appends DataFrames (same columns each time) to an open CSV/TSV/Parquet/JSONL file."""

    def __init__(self, tmp: Path, fmt: str, gz: bool, target: str | os.PathLike[str] | None = None,
                 ) -> None:
        self._tmp, self._fmt, self._gz = tmp, fmt, gz
        # the file ``tmp`` becomes: its name goes into a gzip header (not the temporary one)
        self._target = str(target) if target is not None else f"{tmp}{'.gz' if gz else ''}"
        self._schema: pa.Schema | None = None
        self._writer: Any = None
        self._sink: Any = None
        self._text: IO[str] | None = None
        self._file: IO[bytes] | None = None  # what the Parquet or CSV writer writes into
        self._unset: set[str] = set()  # columns without a value so far (written as text)
        self.rows = 0

    def write(self, df: pd.DataFrame) -> None:
        """Append ``df``."""
        self.rows += len(df)
        if self._fmt == "jsonl":
            if self._text is None:
                self._text = open_output(self._tmp, self._target)
            self._text.write(_json_text(df))  # no blank lines between chunks
            return
        if self._fmt != "parquet":  # (Parquet keeps the times' type)
            df = iso_times(df, dates=False)  # CSV text: times as the JSON lines and SQLite write them
            df = _whole_floats(df)  # a flow id 1805461738637437, not 1.805461738637437e+15
        table = _arrow_table(df)
        if self._fmt != "parquet" and any(  # (Parquet holds binary and duration columns itself)
                pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)
                or pa.types.is_duration(f.type) for f in table.schema):
            table = _arrow_table(_as_text_values(df))
        if self._schema is not None and self._unset:
            self._retype(table)
        if self._schema is None:
            self._unset = {f.name for f in table.schema if pa.types.is_null(f.type)}
            self._schema = _fitting(table.schema)
            if self._schema != table.schema:
                table = table.cast(self._schema)
            # (Arrow is handed the file open, not its name: it takes a name as UTF-8, and one
            # under a folder whose name is other bytes stopped it, see utf8_name)
            self._file = open(self._tmp, "wb")
            if self._fmt == "parquet":
                self._writer = pq.ParquetWriter(self._file, self._schema)
            else:
                self._sink = (pa.CompressedOutputStream(self._file, "gzip") if self._gz
                              else self._file)
                self._writer = pacsv.CSVWriter(self._sink, self._schema, write_options=self._options())
        elif table.schema != self._schema:
            try:
                table = table.cast(self._schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
                if self._fmt != "parquet" and table.schema.names == self._schema.names:
                    # CSV text has no column types: a column of whole numbers that meets a
                    # fraction (a JSON field 3, later 2.5) or text goes on in the chunk's own
                    # type, under the header written (Parquet's columns hold one type)
                    self._writer.close()  # (the sink stays open)
                    self._schema = _fitting(table.schema)
                    table = table.cast(self._schema)
                    self._writer = pacsv.CSVWriter(self._sink, self._schema,
                                                   write_options=self._options(header=False))
                else:
                    changed = [f.name for f, g in zip(table.schema, self._schema, strict=False)
                               if f.type != g.type and not pa.types.is_null(f.type)]
                    raise InputError(f"output column(s) {listed_columns(changed) or '?'}: values of another "
                                     f"type than in the rows before ({exc}); write CSV or JSON lines "
                                     "(.jsonl) to keep them as they are") from None
        self._writer.write_table(table)

    def _retype(self, table: pa.Table) -> None:
        """A column that every row so far left empty (written as text: :func:`_fitting`) takes
        the type of the first chunk with values in it, as a file of all the rows in one chunk
        has it: a Parquet file written so far is copied under the new schema (a row group at a
        time; its values of those columns are all missing), a CSV goes on under the header."""
        if self._schema is None:
            return
        typed = {f.name: f.type for f in table.schema if f.name in self._unset
                 and not pa.types.is_null(f.type) and table.column(f.name).null_count < len(table)}
        self._unset -= set(typed)
        typed = {n: t for n, t in typed.items() if t != self._schema.field(n).type}
        if not typed:
            return
        schema = pa.schema([f.with_type(typed.get(f.name, f.type)) for f in self._schema],
                           metadata=self._schema.metadata)
        self._writer.close()
        if self._fmt != "parquet":  # (the sink stays open)
            self._writer = pacsv.CSVWriter(self._sink, schema, write_options=self._options(header=False))
        else:
            if self._file is not None:
                self._file.close()
            old = self._tmp.with_name(self._tmp.name + ".retype")
            os.replace(self._tmp, old)
            try:
                self._file = open(self._tmp, "wb")  # (open, not by name: see write)
                self._writer = pq.ParquetWriter(self._file, schema)
                with open(old, "rb") as fh:
                    written = pq.ParquetFile(fh)
                    try:
                        for i in range(written.num_row_groups):
                            self._writer.write_table(written.read_row_group(i).cast(schema))
                    finally:
                        written.close()
            finally:
                old.unlink(missing_ok=True)
        self._schema = schema

    def _options(self, header: bool = True) -> pacsv.WriteOptions:
        """The CSV (or TSV) writer's options: values quoted where needed, the header or not."""
        return pacsv.WriteOptions(delimiter="\t" if self._fmt == "tsv" else ",", quoting_style="needed",
                                  include_header=header)

    def close(self) -> None:
        """Flush and close (an empty result still gets a file, with a header where possible)."""
        if self._text is not None:
            self._text.close()
        elif self._writer is not None:
            try:
                self._writer.close()
                if self._sink is not None:
                    self._sink.close()
            finally:
                if self._file is not None:
                    self._file.close()
        else:
            open_output(self._tmp, self._target, text=False).close()


def _fitting(schema: pa.Schema) -> pa.Schema:
    """``schema`` with a column empty in its chunk (a kept JSON field no row of it has) as text,
    so that the values of later chunks fit; a null column could hold nothing else."""
    return pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema])


def _json_text(df: pd.DataFrame) -> str:
    """``df`` as JSON lines; a Parquet binary or duration column as text (:func:`_as_text_values`,
    looked for only where a duration column is there or the bytes do not encode: no scan of every
    text column of every chunk), a decimal column as numbers (:func:`_decimals_as_numbers`)."""
    df = _decimals_as_numbers(df)
    if not any(pd.api.types.is_timedelta64_dtype(t) for t in df.dtypes):
        try:
            return json_lines(df)
        except (OverflowError, UnicodeError, TypeError):
            pass
    return json_lines(_as_text_values(df))


def _decimals_as_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a kept Parquet decimal column (``decimal128``: Python ``Decimal`` objects) as
    the numbers :func:`~hourglass.ingest.sqlite.parquet_value` makes of them (a whole one as its
    integer, as ``score`` writes a double's): pandas wrote each as a JSON string
    (``"rate":"3.11"``), where the same column of doubles, and the ECS, grouped, SQLite and stream
    outputs of the decimals, write the number ``3.11``. A column is looked at by its first value
    (a decimal column holds decimals alone).

    Examples
    --------
    >>> df = pd.DataFrame({"amount": [None, decimal.Decimal("1.50"), decimal.Decimal("NaN"),
    ...                               decimal.Decimal("81150")]})
    >>> _decimals_as_numbers(df)["amount"].tolist()
    [None, 1.5, None, 81150]
    """
    out = None
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if not pd.api.types.is_object_dtype(col.dtype):
            continue
        given = col.notna().to_numpy()
        if not given.any() or not isinstance(col.iloc[int(given.argmax())], decimal.Decimal):
            continue
        if out is None:
            out = df.copy()
        numbers = [None if v is None or (isinstance(v, float) and v != v) else _whole(parquet_value(v))
                   for v in col.tolist()]
        out.isetitem(i, pd.Series(numbers, index=col.index, dtype=object))
    return df if out is None else out


def _whole_floats(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each float column whose values are all whole numbers below 2**53 (or missing)
    as integers, for CSV text: Arrow writes a double of 10**10 or more in exponent form, so a
    kept id read as floats (Suricata's ``flow_id`` in a chunk with a ``stats`` event, which has
    none) came out as ``1.805461738637437e+15``, where the JSON lines write the number. A
    smaller whole double is written as the integer either way (``80``, not ``80.0``).

    Examples
    --------
    >>> df = pd.DataFrame({"flow_id": [1805461738637437.0, None], "rate": [1e15, 0.5]})
    >>> [str(t) for t in _whole_floats(df).dtypes]
    ['Int64', 'float64']
    """
    out = None
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if not (isinstance(col.dtype, np.dtype) and col.dtype.kind == "f"):
            continue
        values = col.to_numpy()
        given = values[~np.isnan(values)]
        if not given.size or not (np.all(np.isfinite(given)) and np.all(np.floor(given) == given)
                                  and np.all(np.abs(given) < 2**53)):
            continue
        if out is None:
            out = df.copy()
        out.isetitem(i, col.astype("Int64"))
    return df if out is None else out


def _whole(value: Any) -> Any:
    """A whole float as the whole number it is (``81150``, as ``score`` writes a whole double)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _as_text_values(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the values of a kept Parquet binary or duration column as CSV and JSON lines
    can write them (:func:`~hourglass.ingest.sqlite.parquet_value`): bytes that are no UTF-8
    stopped the JSON lines with an OverflowError traceback and the CSV with "Invalid UTF8
    payload", and a duration became milliseconds with a pandas warning; a decimal is left as it
    is (both write it exactly).

    Examples
    --------
    >>> import decimal
    >>> df = pd.DataFrame({"blob": [b"ab\\xff", None], "amount": [decimal.Decimal("1.50"), None],
    ...                    "took": pd.to_timedelta(["90s", None])})
    >>> _as_text_values(df).iloc[0].tolist()
    ['ab\\\\xff', Decimal('1.50'), '0 days 00:01:30']
    """
    out = None
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if pd.api.types.is_timedelta64_dtype(col.dtype):
            pass
        elif not pd.api.types.is_object_dtype(col.dtype) or pd.api.types.infer_dtype(
                col, skipna=True) in ("string", "empty", "boolean", "integer", "floating",
                                      "mixed-integer-float", "datetime", "decimal"):
            continue  # (a decimal: written exactly by both, '19.99', not the float 19.989999...)
        if out is None:
            out = df.copy()
        out.isetitem(i, col.map(lambda v: None if v is None or v is pd.NaT or (
            isinstance(v, float) and v != v) else v if isinstance(v, decimal.Decimal)
            else parquet_value(v)).astype(object))
    return df if out is None else out


def _arrow_table(df: pd.DataFrame) -> pa.Table:
    """``df`` as an Arrow table; a text column whose values mix types (a JSON field that is a
    number in one event and text in another, kept with ``--keep``) is written as text.

    Examples
    --------
    >>> _arrow_table(pd.DataFrame({"port": [1, "x", None]})).column("port").to_pylist()
    ['1', 'x', None]
    """
    try:
        return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    df = df.copy()
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if pd.api.types.is_object_dtype(col.dtype):
            try:
                pa.array(col, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                df.isetitem(i, col.map(lambda v: v if v is None or (isinstance(v, float) and v != v)
                                       else str(v)).astype(object))
    try:
        return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InputError(f"output: cannot write these columns as a table ({exc}); write JSON "
                         "lines (.jsonl) to keep them as they are") from None


@contextlib.contextmanager
def chunk_writer(path: str | os.PathLike[str], *, table: str = "alerts",
                 ) -> Iterator[ChunkWriter | SQLiteWriter]:
    """A :class:`ChunkWriter` on a temporary file, renamed to ``path`` if the block succeeds
    (a :class:`~hourglass.ingest.sqlite.SQLiteWriter` into ``table`` for a ``.sqlite``/``.db``
    name).

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.csv")
    >>> with chunk_writer(target) as w:
    ...     w.write(pd.DataFrame({"row": [0, 1], "score": [0.5, 2.0]}))
    ...     w.write(pd.DataFrame({"row": [2], "score": [0.1]}))
    >>> pd.read_csv(target)["row"].tolist()
    [0, 1, 2]
    """
    fmt = detect_format(path)
    gz = str(path).lower().endswith(".gz")
    with atomic_output(path) as tmp:
        writer: ChunkWriter | SQLiteWriter = (SQLiteWriter(tmp, table, target=path) if is_sqlite(path)
                                              else ChunkWriter(tmp, fmt, gz, target=path))
        try:
            yield writer
        finally:
            writer.close()
