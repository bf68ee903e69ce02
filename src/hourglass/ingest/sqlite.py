"""SQLite output (stdlib :mod:`sqlite3`): a table of typed columns that any SQL tool can query.

A table is described by ``(name, type)`` pairs (``INTEGER``, ``REAL``, ``TEXT``, or ``""`` for a
column that keeps each value's own type). :func:`ensure_table` creates it, or checks that an
existing table has exactly those columns; :class:`SQLiteWriter` appends DataFrames to one, each
call one transaction, the columns taken from the first frame's dtypes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import errno
import json
import math
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hourglass.errors import HourglassError, InputError

__all__ = ["SQLITE_SUFFIXES", "SQLiteWriter", "check_column_names", "check_table_name", "connect",
           "disk_full", "ensure_table", "insert_rows", "is_sqlite", "json_default", "json_document",
           "json_or_text", "parquet_value", "sql_type", "sql_value", "strict_json"]

#: File name endings written as a SQLite database.
SQLITE_SUFFIXES = ("sqlite", "sqlite3", "db")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def is_sqlite(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a SQLite database (``.sqlite``, ``.sqlite3`` or ``.db``).

    Examples
    --------
    >>> is_sqlite("alerts.sqlite"), is_sqlite("alerts.DB"), is_sqlite("alerts.jsonl")
    (True, True, False)
    """
    name = Path(path).name.lower()
    return "." in name and name.rsplit(".", 1)[-1] in SQLITE_SUFFIXES


def check_table_name(table: str, option: str = "--sqlite-table") -> str:
    """``table`` if it is a plain SQL name (letters, digits, underscores; not a digit first).

    Examples
    --------
    >>> check_table_name("alerts_2026")
    'alerts_2026'
    >>> check_table_name("alerts; drop")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: --sqlite-table: expected a name of letters, digits and ...
    """
    if not _NAME.match(table):
        raise InputError(f"{option}: expected a name of letters, digits and underscores, got "
                         f"{table!r}")
    if table.lower().startswith("sqlite_"):  # (a plain name, but SQLite's own: it refuses it)
        raise InputError(f"{option}: {table!r}: names that start with 'sqlite_' are reserved by "
                         "SQLite for its own tables; choose another name")
    return table


def sql_type(dtype: Any) -> str:
    """The SQLite column type of a pandas dtype (booleans are 0/1 integers, times ISO-8601 text,
    unsigned 64-bit integers text: SQLite's integers stop at 2**63 - 1, and an INTEGER column
    would turn a larger one into a rounded REAL).

    Examples
    --------
    >>> [sql_type(t) for t in (np.int64, np.float32, bool, object, "datetime64[ns]", np.uint64)]
    ['INTEGER', 'REAL', 'INTEGER', 'TEXT', 'TEXT', 'TEXT']
    """
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        kind, size = getattr(dtype, "kind", "O"), getattr(dtype, "itemsize", 0)
    else:
        kind, size = np.dtype(dtype).kind, np.dtype(dtype).itemsize
    if kind == "u" and size >= 8:
        return "TEXT"
    return {"i": "INTEGER", "u": "INTEGER", "b": "INTEGER", "f": "REAL"}.get(kind, "TEXT")


def _column_type(col: pd.Series) -> str:
    """The SQLite column type of ``col``: its dtype's (:func:`sql_type`), but an object column of
    booleans with missing values (a JSON or Zeek ``true``/``false`` field some rows lack) is
    ``INTEGER``, as a boolean column is, not text holding '1' and '0'.

    Examples
    --------
    >>> _column_type(pd.Series([True, None, False], dtype=object)), _column_type(pd.Series(["a", None]))
    ('INTEGER', 'TEXT')
    """
    if pd.api.types.is_object_dtype(col.dtype) and col.notna().any() \
            and pd.api.types.infer_dtype(col, skipna=True) == "boolean":
        return "INTEGER"
    return sql_type(col.dtype)


def _item(value: np.generic) -> Any:
    """The Python value a numpy scalar holds (``.item()``; a long double's ``.item()`` is a long
    double again: a float)."""
    item = value.item()
    return float(item) if type(item) is type(value) and isinstance(item, np.floating) else item


def strict_json(value: Any) -> Any:
    """``value`` (a mapping, list or scalar) with NaN, ±inf, NA and NaT as ``None`` and numpy
    numbers and arrays as Python values (a long double a float): what strict JSON can write
    (numpy times, alone or in an array, are left to the writer's ``default``, as text:
    :func:`json_default`).

    Examples
    --------
    >>> strict_json({"a": [float("nan"), np.float32(1.5)], "b": float("inf")})
    {'a': [None, 1.5], 'b': None}
    >>> strict_json([np.longdouble(1.5), np.longdouble("nan")])
    [1.5, None]
    >>> strict_json(np.array([90], dtype="timedelta64[s]"))  # not tolist()'s datetime.timedelta
    [np.timedelta64(90,'s')]
    """
    if isinstance(value, Mapping):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "mM":  # element-wise: tolist() makes ns times integers
            return strict_json(value[()]) if value.ndim == 0 else [strict_json(v) for v in value]
        return strict_json(value.tolist())
    if isinstance(value, np.generic) and not isinstance(value, (np.datetime64, np.timedelta64)):
        value = _item(value)
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def parquet_value(value: Any) -> Any:
    """A value only a Parquet column holds, as text outputs write it: bytes (a binary column) as
    UTF-8 text (bytes that are none escaped, ``\\xff``), a decimal as a float (``None`` if not
    finite, a signalling NaN too), a duration as pandas writes one; any other value unchanged.

    Examples
    --------
    >>> import datetime as dt
    >>> parquet_value(b"ab\\xff"), parquet_value(decimal.Decimal("1.5")), parquet_value(dt.timedelta(0, 90))
    ('ab\\\\xff', 1.5, '0 days 00:01:30')
    >>> parquet_value(decimal.Decimal("sNaN")) is None
    True
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, decimal.Decimal):
        if value.is_nan():  # quiet or signalling (float() of an sNaN raises ValueError)
            return None
        number = float(value)  # (1e400 is an infinite float)
        return number if math.isfinite(number) else None
    if isinstance(value, dt.timedelta):
        return str(pd.Timedelta(value))
    return value


_NP_TIMES = (np.datetime64, np.timedelta64)


def sql_value(value: Any) -> Any:
    """A value SQLite stores as is: numpy scalars as Python numbers, NaN and NA as NULL, lists
    and dicts as strict JSON text (a NaN or ±inf in them ``null``, as JSON has neither; a time,
    duration, decimal or bytes in them as the JSON lines write one: :func:`json_default`), times
    as ISO-8601 text, durations as pandas writes them (as the CSV does), integers beyond SQLite's
    64 bits as text.

    Examples
    --------
    >>> sql_value(np.int64(3)), sql_value(float("nan")), sql_value({"a": [1]}), sql_value(True)
    (3, None, '{"a": [1]}', 1)
    >>> sql_value(np.uint64(2**64 - 1))
    '18446744073709551615'
    >>> sql_value({"a": float("nan"), "b": [float("inf"), np.float32(1.5)]})
    '{"a": null, "b": [null, 1.5]}'
    >>> sql_value(decimal.Decimal("2.50")), sql_value(decimal.Decimal("NaN"))  # a Parquet decimal
    (2.5, None)
    >>> sql_value(pd.Timedelta(seconds=90))  # a Parquet duration
    '0 days 00:01:30'
    >>> sql_value(np.datetime64("2026-01-01T00:00:00", "ns")), sql_value(np.timedelta64(90, "s"))
    ('2026-01-01T00:00:00', '0 days 00:01:30')
    >>> sql_value([np.datetime64("2026-01-01", "ns"), np.timedelta64("NaT"), np.longdouble(1.5)])
    '["2026-01-01T00:00:00", null, 1.5]'
    >>> sql_value(np.datetime64(10**15, "D"))  # beyond pandas' range: numpy's text
    '2737907008958-07-05'
    >>> sql_value(np.array([1.5, np.nan])), sql_value(np.array(2.5))  # an array as the list it holds
    ('[1.5, null]', 2.5)
    >>> sql_value({"user": ["José"]})  # text as it is, as the JSON lines write it
    '{"user": ["José"]}'
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:  # a 0-d array: the one value it holds
        value = value[()]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, np.generic):
        if isinstance(value, _NP_TIMES):  # not .item(): a time or duration in ns is an int
            return json_default(value)  # as the JSON lines and the doc column write them
        value = _item(value)  # (a long double kept as one is stored as its bytes, a BLOB)
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return str(value)
    if isinstance(value, (dict, list, tuple, np.ndarray)):  # (an array as a list: its memory as a
        # BLOB, else); its text as the JSON lines write it (UTF-8, not \u escapes)
        return utf8_json(json.dumps(strict_json(value), default=json_or_text, ensure_ascii=False))
    if isinstance(value, (decimal.Decimal, dt.timedelta)):  # (a kept Parquet decimal or duration
        return parquet_value(value)  # column: as the CSV and JSON lines write it, not 'P0DT0H1M30S')
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def json_default(value: Any) -> Any:
    """``json.dumps``' ``default`` of the outputs: a date, time or date-time (a ``--keep`` field
    of a Parquet file's time column, a numpy time) as its ISO-8601 text; a missing one (pandas'
    ``NaT``, ``NA``) ``null``; a numpy array as a list of its values (as :func:`strict_json`
    writes them); the other values a Parquet column holds: bytes (a binary column)
    as UTF-8 text (bytes that are none escaped, ``\\xff``), a decimal as a number (``null`` if
    not finite), a duration as pandas' text; a numpy scalar (a value taken from an array:
    ``flags[i]``) as the Python value it holds; anything else raises :class:`TypeError` (no
    JSON value).

    Examples
    --------
    >>> json_default(b"ab\\xff"), json_default(decimal.Decimal("1.50"))
    ('ab\\\\xff', 1.5)
    >>> json_default(dt.timedelta(seconds=90)), json_default(dt.time(8, 30))
    ('0 days 00:01:30', '08:30:00')
    >>> json_default(np.int64(3)), json_default(np.float32(2.5)), json_default(np.bool_(True))
    (3, 2.5, True)
    >>> json_default(np.longdouble(1.5)), json_default(pd.Timestamp("2026-01-01 00:00:01"))
    (1.5, '2026-01-01T00:00:01')
    >>> json_default(np.datetime64(10**15, "D")), json_default(np.timedelta64(5, "Y"))  # beyond pandas
    ('2737907008958-07-05', '5 years')
    >>> json.dumps(np.array(["2026-01-02"], dtype="datetime64[D]"), default=json_default)
    '["2026-01-02T00:00:00"]'
    """
    if value is pd.NaT or value is pd.NA:  # NaT's isoformat() is 'NaT'
        return None
    if isinstance(value, np.generic):
        if isinstance(value, _NP_TIMES):  # as pandas' times and durations
            if np.isnat(value):
                return None
            try:
                value = pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
            except ValueError:  # beyond pandas' range (out of bounds), or years or months: no
                return str(value)  # fixed length (as the SQLite columns store them)
        else:  # a NaN returned here is made null by the caller's strict_json
            item = value.item()
            if type(item) is not type(value):  # (a Python value)
                return item
            if isinstance(item, np.floating):  # a long double: .item() keeps it one
                number = float(item)
                return number if math.isfinite(number) else None
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview, decimal.Decimal, dt.timedelta)):
        return parquet_value(value)  # as the score outputs write them
    if isinstance(value, np.ndarray):  # a list (its times, left as numpy's, come back here)
        return strict_json(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def utf8_json(text: str) -> str:
    """JSON ``text`` written with ``ensure_ascii=False`` made writable as UTF-8: a lone surrogate
    (``"\\ud800"`` read from a JSON input), which has no UTF-8 and only ever stands inside a JSON
    string, as its JSON escape; other text as it is (``grep José`` finds it).

    Parameters
    ----------
    text : str
        JSON text, written with ``ensure_ascii=False``.

    Returns
    -------
    str
        ``text``, each lone surrogate in it as its backslash escape.

    Examples
    --------
    >>> utf8_json('["José"]'), utf8_json('["a\\ud800b"]')
    ('["José"]', '["a\\\\ud800b"]')
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def json_document(doc: Any, indent: int = 2) -> str:
    """A JSON report (``evaluate --json``, ``inspect --json``, ``threshold --json``, ``benchmark
    --json``) as text: indented, and UTF-8 with text as it is, as the JSON lines of ``score`` and
    ``stream`` are (``"Saldırı"``, a class or column name, not ``"Sald\\u0131r\\u0131"``, so
    ``grep Saldırı`` finds it); a lone surrogate as its JSON escape (:func:`utf8_json`).

    Parameters
    ----------
    doc
        The report (what ``json.dumps`` takes).
    indent
        Spaces per level.

    Returns
    -------
    str
        The JSON text, to be written as UTF-8.

    Examples
    --------
    >>> print(json_document({"class": "Saldırı", "n": 3}, indent=0))
    {
    "class": "Saldırı",
    "n": 3
    }
    """
    return utf8_json(json.dumps(doc, indent=indent, ensure_ascii=False))


def json_or_text(value: Any) -> Any:
    """``json.dumps``' default where no value may be refused (a value in a list or dict of a
    SQLite column, the ``doc`` column): as the JSON lines write it (:func:`json_default`: a time
    its ISO-8601 text, a decimal a number...), anything else its text.

    Examples
    --------
    >>> json_or_text(b"ab"), json_or_text(decimal.Decimal("2.50")), json_or_text(dt.datetime(2024, 1, 1))
    ('ab', 2.5, '2024-01-01T00:00:00')
    >>> json_or_text(1j)
    '1j'
    """
    try:
        return json_default(value)
    except TypeError:
        return str(value)


def connect(path: str | os.PathLike[str], *, wal: bool = False) -> sqlite3.Connection:
    """A connection to the database at ``path`` (created if absent); ``wal`` turns on write-ahead
    logging, so readers can query while a writer appends. A file that is no database raises
    :class:`InputError`, a database locked by another writer for longer than the timeout
    :class:`HourglassError`."""
    conn = None
    try:
        conn = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S)
        if wal:
            _journal_wal(conn)
        else:
            conn.execute("PRAGMA schema_version").fetchone()  # fails here on a non-database file
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, sqlite3.OperationalError) and _locked(exc):  # (a database, in use)
            raise HourglassError(f"{path}: could not open the database ({exc}){_LOCKED_HINT}") from None
        if _full(exc, path):  # no room for the new database's first page: not a bad file
            raise disk_full(exc, str(path), path) from None
        raise InputError(f"{path}: cannot open it as a SQLite database ({exc}){_long_name_hint(path)}"
                         ) from None
    return conn


def _long_name_hint(path: str | os.PathLike[str]) -> str:
    """Why SQLite could not open ``path``, where its name is too long for the journal SQLite
    keeps beside it (``NAME-journal``, ``NAME-wal``: a name of 255 bytes is legal, these are
    not), else ``""``; SQLite itself says only "unable to open database file".

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _long_name_hint(os.path.join(folder, "x" * 250 + ".db"))[:42], _long_name_hint("alerts.db")
    ('; the name leaves no room for the -journal', '')
    """
    folder = os.path.dirname(os.path.abspath(path))
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return ""
    if len(os.fsencode(os.path.basename(path))) + len("-journal") <= limit:
        return ""
    return (f"; the name leaves no room for the -journal and -wal files SQLite keeps beside it "
            f"({limit} bytes at most): give a name of at most {limit - len('-journal')} bytes")


_LOCKED_HINT = "; another program may hold a write transaction on it"
_BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another program's lock


def _journal_wal(conn: sqlite3.Connection) -> None:
    """Turn on write-ahead logging, waiting up to the busy timeout for another program's write
    transaction on a rollback-journal database: SQLite answers that one 'locked' at once, its
    busy handler left out (the pragma holds a shared lock and wants an exclusive one), where
    every other statement waits the timeout; tried again until then, the lock released between."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if not _locked(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _locked(exc: sqlite3.OperationalError) -> bool:
    """Whether ``exc`` is SQLite's 'database is locked' (another connection's lock, held past the
    timeout), not a file it cannot open; an error Python's driver raised itself (a name that is
    no UTF-8) has no SQLite error code and is not."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_column_names(names: Sequence[str], where: str) -> None:
    """Refuse two column names SQLite takes as one (its names ignore ASCII case: ``score`` and a
    kept ``Score`` clash); checked before any database is opened, so a refusal creates no file.

    Examples
    --------
    >>> check_column_names(["row", "score"], "a.db")
    >>> try:
    ...     check_column_names(["score", "Score"], "a.db")
    ... except InputError as exc:
    ...     print(str(exc)[:46])
    a.db: columns 'score' and 'Score' are one name
    """
    seen: dict[str, str] = {}
    for name in names:
        key = name.translate(_ASCII_LOWER)
        if key in seen:
            raise InputError(f"{where}: columns {seen[key]!r} and {name!r} are one name to SQLite "
                             "(its column names ignore case); leave one out, or write .csv or .jsonl")
        seen[key] = name


def ensure_table(conn: sqlite3.Connection, table: str, columns: Sequence[tuple[str, str]],
                 where: str, *, kept: Sequence[str] | None = None,
                 path: str | os.PathLike[str] | None = None, optional: Sequence[str] = ()) -> None:
    """Create ``table`` with ``columns`` (name, type), or check that the existing one has
    exactly those, in any order (:func:`insert_rows` names each value's column); a different
    table raises :class:`InputError` naming both column lists, a database locked by another
    writer for longer than the timeout :class:`HourglassError`.

    ``kept``: the names among ``columns`` that are kept input fields (``--keep``), ``None``
    where the writer keeps none as columns; when the tables differ only in such columns (the
    others all in the table, its columns beyond them kept ones of an earlier run), the refusal
    says so, naming the kept columns of each. ``path``: the database's file, whose file system is
    looked at when SQLite says 'disk I/O error' (a full disk is an ``OSError``, ``ENOSPC``:
    :func:`disk_full`). ``optional``: names of columns that some runs of this writer add (a
    stream's ``suppressed``, with ``--suppress`` and ``--all``) and this one does not write: an
    existing table that has them besides ``columns`` takes the rows, those columns ``NULL``.

    Examples
    --------
    >>> conn = sqlite3.connect(":memory:")
    >>> ensure_table(conn, "alerts", [("row", "INTEGER"), ("score", "REAL")], "a.db")
    >>> ensure_table(conn, "alerts", [("row", "INTEGER"), ("score", "REAL")], "a.db")  # same: fine
    >>> try:
    ...     ensure_table(conn, "alerts", [("row", "INTEGER")], "a.db")
    ... except InputError as exc:
    ...     print(str(exc)[:63])
    a.db: table 'alerts' has columns (row INTEGER, score REAL), not
    >>> ensure_table(conn, "alerts", [("score", "REAL"), ("row", "INTEGER")], "a.db")  # reordered
    >>> conn.execute('ALTER TABLE alerts ADD COLUMN "suppressed"')  # doctest: +ELLIPSIS
    <sqlite3.Cursor object at ...>
    >>> ensure_table(conn, "alerts", [("row", "INTEGER"), ("score", "REAL")], "a.db",
    ...              optional=["suppressed"])  # a column this run leaves NULL
    """
    check_column_names([n for n, _ in columns], where)
    try:
        with conn:
            have = [(r[1], r[2].upper()) for r in conn.execute(f"PRAGMA table_info({_quote(table)})")]
            want = [(n, t.upper()) for n, t in columns]
            if not have:
                cols = ", ".join(f"{_quote(n)} {t}".rstrip() for n, t in columns)
                conn.execute(f"CREATE TABLE IF NOT EXISTS {_quote(table)} ({cols})")
                return
    except sqlite3.OperationalError as exc:  # locked by another writer past the timeout, disk full
        if _full(exc, path):
            raise disk_full(exc, where, path) from None
        hint = _LOCKED_HINT if _locked(exc) else ""
        raise HourglassError(f"{where}: could not read or create table {table!r} ({exc}){hint}") from None
    extra = {n for n, t in have if (n, t) not in want}
    if set(want) <= set(have) and extra <= set(optional):  # another run's own column: left NULL
        return
    if sorted(have) != sorted(want):  # (the same columns in another order take the rows)
        def text(cols: list[tuple[str, str]]) -> str:
            return ", ".join(f"{n} {t}".rstrip() for n, t in cols)

        fixed = {c for c in want if c[0] not in (kept or ())}
        hint = ""
        if kept is not None and fixed <= set(have):  # e.g. a stream run with other --keep fields
            theirs = ", ".join(n for n, t in have if (n, t) not in fixed and n not in optional) or "none"
            ours = ", ".join(n for n, _ in want if n in kept) or "none"
            hint = (f"; they differ only in kept fields (--keep): the table keeps ({theirs}), "
                    f"this run ({ours}); keep the table's fields, or")
        raise InputError(f"{where}: table {table!r} has columns ({text(have)}), not the "
                         f"({text(want)}) written here{hint or ';'} choose another table name "
                         "or file")


def insert_rows(conn: sqlite3.Connection, table: str, names: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> None:
    """Append ``rows`` (values in the order of ``names``) to ``table`` in one transaction."""
    sql = (f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, names))}) "
           f"VALUES ({', '.join('?' * len(names))})")
    with conn:
        conn.executemany(sql, ([sql_value(v) for v in row] for row in rows))


def _full(exc: sqlite3.Error, path: str | os.PathLike[str] | None = None) -> bool:
    """Whether ``exc`` is SQLite's 'database or disk is full' (``SQLITE_FULL``) or, with the
    database's ``path``, its 'disk I/O error' (``SQLITE_IOERR``) while the file system holding
    ``path`` has no room left (:func:`_no_room`) or the database is at the file-size limit
    (:func:`_at_size_limit`): SQLite says the errno (``ENOSPC``) of a page it writes, not of the
    ``-shm`` file it grows (``SQLITE_IOERR_SHMSIZE``), and no errno for ``EFBIG``."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == sqlite3.SQLITE_FULL:
        return True
    if code != sqlite3.SQLITE_IOERR or path is None:
        return False
    return _no_room(path) or _at_size_limit(getattr(exc, "sqlite_errorcode", 0))


#: the room (bytes) below which a file system is full to SQLite: it grows a ``-shm`` file by
#: 32 KiB, a ``-wal`` file by whole pages
_LOW_ROOM = 64 * 1024


def _no_room(path: str | os.PathLike[str]) -> bool:
    """Whether the file system holding ``path`` (a file, perhaps not made yet) has less than
    :data:`_LOW_ROOM` left to this process (``False`` where it cannot be told).

    Examples
    --------
    >>> _no_room(Path(".") / "new.sqlite")
    False
    """
    try:
        st = os.statvfs(Path(path).parent)
    except (OSError, AttributeError):  # (no statvfs on Windows)
        return False
    geteuid = getattr(os, "geteuid", None)
    free = st.f_bfree if geteuid is not None and geteuid() == 0 else st.f_bavail  # (root's reserve)
    return free * st.f_frsize < _LOW_ROOM


def _at_size_limit(code: int) -> bool:
    """Whether a write to a database that failed with SQLite's (extended) error ``code`` was
    refused by this process's file-size limit (``ulimit -f``): SQLite says 'disk I/O error'
    (``SQLITE_IOERR_WRITE``) for the ``EFBIG`` of a page past it, and rolls the file back below
    it, so the limit is taken to be the cause of a failed write whenever there is one.

    Examples
    --------
    >>> _at_size_limit(sqlite3.SQLITE_IOERR)  # (no write failed: a read, an fsync)
    False
    """
    if code != sqlite3.SQLITE_IOERR_WRITE:
        return False
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    except (ImportError, OSError, ValueError):  # (no such limit on Windows)
        return False
    return bool(limit != resource.RLIM_INFINITY)


def disk_full(exc: sqlite3.Error, where: str, path: str | os.PathLike[str] | None = None) -> Exception:
    """SQLite's error for a write to ``where``: a full disk (``SQLITE_FULL``; with the database's
    ``path``, an I/O error on a file system with no room left: :func:`_full`) as the ``OSError``
    (``ENOSPC``, or ``EFBIG`` at the file-size limit) any other writer raises, so that it is said
    as one; another error as
    :class:`HourglassError` naming the file.

    Examples
    --------
    >>> full = sqlite3.OperationalError("database or disk is full")
    >>> full.sqlite_errorcode = sqlite3.SQLITE_FULL
    >>> disk_full(full, "a.db")
    OSError(28, 'No space left on device')
    """
    if _full(exc, path):
        code = errno.ENOSPC
        if path is not None and not _no_room(path) and _at_size_limit(getattr(exc, "sqlite_errorcode", 0)):
            code = errno.EFBIG
        return OSError(code, os.strerror(code), where)
    return HourglassError(f"{where}: could not write to the database ({exc})")

class SQLiteWriter:
    """Appends DataFrames (same columns each time) to ``table`` of the database at ``path``, one
    transaction per frame; the table's columns come from the first frame. ``target`` is the
    name errors give (the file a temporary ``path`` becomes).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "scores.sqlite"
    >>> w = SQLiteWriter(path)
    >>> w.write(pd.DataFrame({"row": [0, 1], "score": [0.5, float("nan")], "severity": ["low", "high"]}))
    >>> w.close()
    >>> sqlite3.connect(path).execute("SELECT row, score, severity FROM alerts").fetchall()
    [(0, 0.5, 'low'), (1, None, 'high')]
    """

    def __init__(self, path: str | os.PathLike[str], table: str = "alerts",
                 target: str | os.PathLike[str] | None = None) -> None:
        self.path, self.table = Path(path), check_table_name(table)
        self._where = str(target if target is not None else path)  # the name errors give
        self._conn: sqlite3.Connection | None = None
        self._names: list[str] | None = None
        self.rows = 0

    def write(self, df: pd.DataFrame) -> None:
        """Append ``df``."""
        if self._conn is None:
            self._conn = connect(self.path)
            self._conn.execute("PRAGMA synchronous=OFF")  # a temporary file: renamed once complete
            self._names = [str(c) for c in df.columns]
            ensure_table(self._conn, self.table,
                         [(str(df.columns[i]), _column_type(df.iloc[:, i])) for i in range(df.shape[1])],
                         self._where, path=self.path)
        elif [str(c) for c in df.columns] != self._names:
            raise ValueError(f"SQLiteWriter: columns changed from {self._names} to {list(df.columns)}")
        self.rows += len(df)
        try:
            insert_rows(self._conn, self.table, self._names or [],
                        df.astype(object).itertuples(index=False, name=None))
        except sqlite3.OperationalError as exc:
            raise disk_full(exc, self._where, self.path) from None

    def close(self) -> None:
        """Close the database (an empty result still gets a file, with no table)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
