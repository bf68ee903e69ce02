"""Alert sinks: where ``hourglass stream`` (and ``score``'s alert outputs) put their alerts.

:class:`JsonLinesSink` writes one JSON object a line to a binary file (stdout by default).
:class:`SQLiteSink` appends them to a table of a SQLite database, one transaction per batch, in
write-ahead-log mode so that a reader can query the table while the stream runs; a batch is
either all there or not at all, so Ctrl-C leaves every committed batch and nothing half-written.

A SQLite table has typed columns for an alert's fields (:func:`alert_columns`: the fields of
the table, time-series or log alerts, or the main ECS fields), each ``--keep`` field (stored with
its own type), and for alerts with nested fields (log alerts, ECS documents) a ``doc`` column
with the whole alert as JSON text.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hourglass._locks import turn_of
from hourglass.errors import HourglassError, read_problem
from hourglass.ingest.readers import atomic_output, open_output
from hourglass.ingest.sqlite import (
    _LOCKED_HINT,
    _full,
    _locked,
    check_column_names,
    check_table_name,
    connect,
    disk_full,
    ensure_table,
    insert_rows,
    is_sqlite,
    json_default,
    json_or_text,
    strict_json,
    utf8_json,
)
from hourglass.ingest.tables import utf8_text  # (the readers' rule for text UTF-8 cannot hold)

logger = logging.getLogger(__name__)

__all__ = ["Column", "JsonLinesSink", "SQLiteSink", "alert_columns", "alert_file", "json_line", "utf8_text"]


@dataclass(frozen=True)
class Column:
    """One SQLite column of an alert table: its ``name``, SQLite ``type`` (``""``: each value's
    own), the ``paths`` into the alert where its value may be (the first present wins) and
    whether it is a ``kept`` input field (``--keep``)."""

    name: str
    type: str
    paths: tuple[tuple[str, ...], ...]
    kept: bool = False


def _cols(*spec: tuple[str, str] | tuple[str, str, tuple[tuple[str, ...], ...]]) -> tuple[Column, ...]:
    return tuple(Column(s[0], s[1], s[2] if len(s) > 2 else ((s[0],),)) for s in spec)


_TABLE = _cols(("row", "INTEGER"), ("score", "REAL"), ("flag", "INTEGER"), ("calibrated", "REAL"),
               ("severity", "TEXT"), ("top_column", "TEXT"), ("why", "TEXT"))
_GROUP = _cols(("group_by", "TEXT"), ("count", "INTEGER"), ("first_row", "INTEGER"), ("last_row", "INTEGER"),
               ("first_time", "TEXT"), ("last_time", "TEXT"), ("window_start", ""), ("window_end", ""),
               ("max_score", "REAL"), ("severity", "TEXT"), ("max_calibrated", "REAL"),
               ("top_row", "INTEGER"), ("top_column", "TEXT"), ("why", "TEXT"))
_SERIES = _cols(("row", "INTEGER"), ("line", "INTEGER"), ("timestamp", ""), ("score", "REAL"),
                ("threshold", "REAL"), ("flag", "INTEGER"), ("calibrated", "REAL"),
                ("severity", "TEXT"), ("top_channel", "TEXT"), ("why", "TEXT"))
_ENTITY = _cols(("entity", "TEXT"), ("bucket_start", "TEXT"), ("bucket_end", "TEXT"), ("rows", "INTEGER"),
                ("score", "REAL"), ("flag", "INTEGER"), ("calibrated", "REAL"), ("severity", "TEXT"),
                ("top_feature", "TEXT"), ("why", "TEXT"))
# a streamed event's alert has these at the top; a scored session's under "unexpected"
_LOG = _cols(("session", "TEXT"), ("score", "REAL"), ("threshold", "REAL"),
             *((name, kind, ((name,), ("unexpected", name))) for name, kind in (
                 ("line", "INTEGER"), ("position", "INTEGER"), ("key", ""), ("template", "TEXT"),
                 ("seen_in_training", "INTEGER"), ("rank", "INTEGER"))),
             ("n_events", "INTEGER"), ("first_line", "INTEGER"), ("closed", "TEXT"))
_ECS = _cols(("timestamp", "TEXT", (("@timestamp",),)), ("severity", "TEXT", (("hourglass", "severity"),)),
             ("event_severity", "INTEGER", (("event", "severity"),)),
             ("risk_score", "REAL", (("event", "risk_score"),)),
             # a grouped alert's document has its highest score (hourglass.max_score) instead
             ("score", "REAL", (("hourglass", "score"), ("hourglass", "max_score"))),
             ("rule_name", "TEXT", (("rule", "name"),)),
             ("rule_id", "TEXT", (("rule", "id"),)), ("message", "TEXT"),
             ("source_ip", "TEXT", (("source", "ip"),)), ("destination_ip", "TEXT", (("destination", "ip"),)),
             ("host_name", "TEXT", (("host", "name"),)), ("user_name", "TEXT", (("user", "name"),)))
_DOC = Column("doc", "TEXT", ())


def alert_columns(kind: str, *, ecs: bool = False, keep: Sequence[str] = (),
                  keys: Sequence[str] = (), named: Sequence[str] = ()) -> tuple[Column, ...]:
    """The SQLite columns of the alerts of a ``kind`` model (``table``, ``time-series``,
    ``entity`` or ``log``; ``group``: grouped table alerts), or of their ECS documents with
    ``ecs``; ``keep``: the kept input fields (``--keep``, each column marked ``kept``).

    ``keys`` (the key columns of grouped alerts, ``--group-by``) come before the kept fields,
    ``named`` (other fields of the run's own, e.g. ``suppressed``) after them; neither is
    marked ``kept``, so that a table refused for other key columns is not said to differ in
    kept fields (a field both a key and kept is one column, a key).

    Examples
    --------
    >>> [c.name for c in alert_columns("table", keep=["src_ip", "src_ip"])]
    ['row', 'score', 'flag', 'calibrated', 'severity', 'top_column', 'why', 'src_ip']
    >>> [(c.name, c.kept) for c in alert_columns("group", keys=["host"], keep=["host", "user"])][-2:]
    [('host', False), ('user', True)]
    >>> [c.name for c in alert_columns("table", ecs=True)][:4], alert_columns("log")[-1].name
    (['timestamp', 'severity', 'event_severity', 'risk_score'], 'doc')
    """
    if ecs:  # kept fields are inside the document (mapped to ECS fields or under hourglass.fields)
        return (*_ECS, _DOC)
    if kind == "log":
        return (*_LOG, _DOC)
    base = {"table": _TABLE, "time-series": _SERIES, "entity": _ENTITY, "group": _GROUP}[kind]
    taken = {c.name for c in base}  # a field kept twice (--keep a --keep a) is one column
    own = {*keys, *named}
    return base + tuple(Column(k, "", ((k,),), kept=k not in own)
                        for k in dict.fromkeys([*keys, *keep, *named]) if k not in taken)


def _find(alert: Mapping[str, Any], paths: tuple[tuple[str, ...], ...]) -> Any:
    for path in paths:
        value: Any = alert
        for key in path:
            if not isinstance(value, Mapping) or key not in value:
                break
            value = value[key]
        else:
            return value
    return None


class SQLiteSink:
    """Appends alerts to ``table`` of the SQLite database at ``path`` (created if absent), one
    transaction per :meth:`write`.

    An existing table with other columns is refused (:class:`~hourglass.errors.InputError`),
    as is a file that is no SQLite database; a batch that an existing table's constraint
    (``PRIMARY KEY``, ``NOT NULL``...) refuses is a :class:`~hourglass.errors.HourglassError`,
    nothing of it appended. With ``wal`` (the default) the database is in
    write-ahead-log mode: readers query it while the sink appends. ``optional``: columns that
    other runs add (``suppressed``) which an existing table may have beside ``columns``: left
    ``NULL`` by this sink (:func:`~hourglass.ingest.sqlite.ensure_table`).

    Examples
    --------
    >>> import sqlite3, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "alerts.sqlite"
    >>> with SQLiteSink(path, alert_columns("table", keep=["src_ip"])) as sink:
    ...     sink.write([{"row": 7, "score": 4.2, "calibrated": 0.99, "severity": "high",
    ...                  "src_ip": "10.0.0.5"}])
    >>> sqlite3.connect(path).execute("SELECT row, severity, src_ip, why FROM alerts").fetchall()
    [(7, 'high', '10.0.0.5', None)]
    """

    def __init__(self, path: str | os.PathLike[str], columns: Sequence[Column], *,
                 table: str = "alerts", wal: bool = True,
                 target: str | os.PathLike[str] | None = None, optional: Sequence[str] = ()) -> None:
        self.path, self.table, self.columns = Path(path), check_table_name(table), tuple(columns)
        # the name errors give: ``target``, the file a temporary ``path`` becomes (alert_file)
        self._where = str(target if target is not None else path)
        self._doc = any(c.name == "doc" and not c.paths for c in self.columns)
        self._known = {c.paths[0][0] for c in self.columns if c.paths}
        # refused before the file is opened: a refusal leaves no new (empty) database behind,
        # and never removes one another stream may have just created
        check_column_names([c.name for c in self.columns], self._where)
        made = _make_new(self.path)  # (None: the file was there, or connect says why not)
        try:
            self._conn = connect(self.path, wal=wal)
            try:
                # (with a doc column, kept fields are in the document: no column of their own)
                kept = None if self._doc else [c.name for c in self.columns if c.kept]
                ensure_table(self._conn, self.table, [(c.name, c.type) for c in self.columns],
                             self._where, kept=kept, path=self.path,
                             optional=[n for n in optional if n not in {c.name for c in self.columns}])
            except BaseException:
                self._conn.close()
                raise
        except BaseException:  # (a full disk, a lock): no new empty database is left behind
            if made is not None:
                _remove_unused(self.path, made)
            raise
        self.rows = 0
        self.offered = 0  # the alerts handed to write, appended or not
        self.failed = False  # a write was refused (locked, disk full): rows is what was appended
        self.wal_kept: Path | None = None  # the -wal file left holding them (a full disk at close)
        self._wal, self._closed = wal, False

    def _row(self, alert: Mapping[str, Any]) -> list[Any]:
        if not self._doc:  # every field has a column: none may be dropped unseen
            extra = sorted(set(alert) - self._known)
            if extra:
                raise ValueError(f"SQLiteSink: alert fields {extra} have no column in {self.table!r}")
        return [json_line(alert, default=json_or_text) if not c.paths else utf8_text(_find(alert, c.paths))
                for c in self.columns]

    def write(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        """Append ``alerts`` in one transaction (all of them or, on an error, none)."""
        if alerts:
            rows = [self._row(a) for a in alerts]
            self.offered += len(alerts)
            try:
                insert_rows(self._conn, self.table, [c.name for c in self.columns], rows)
            except sqlite3.OperationalError as exc:  # locked for longer than the timeout, disk full
                self.failed = True
                if _full(exc, self.path):
                    raise disk_full(exc, self._where, self.path) from None
                hint = _LOCKED_HINT if _locked(exc) else ""
                raise HourglassError(f"{self._where}: could not append to table {self.table!r} "
                                     f"({exc}){hint}") from None
            except sqlite3.IntegrityError as exc:  # a table made elsewhere, with a constraint
                self.failed = True
                raise HourglassError(f"{self._where}: could not append to table {self.table!r} "
                                     f"({exc}): the table has a constraint the alerts do not meet; "
                                     "choose another table name or file") from None
            self.rows += len(alerts)

    @property
    def written(self) -> int:
        """The alerts appended so far (each batch is all or nothing): :attr:`rows`."""
        return self.rows

    def fileno(self) -> int:
        """No file descriptor: a database is not a pipe."""
        raise OSError("a SQLite sink has no file descriptor")

    def close(self) -> None:
        """Close the database (committed batches stay).

        In write-ahead-log mode the alerts are first moved from the ``-wal`` file into the
        database (a checkpoint, which SQLite's own close leaves undone without a word when it
        fails): a full disk there raises ``OSError`` (``ENOSPC``) once the database is closed,
        :attr:`wal_kept` naming the ``-wal`` file that holds them, intact (every batch committed:
        a reader reads them there, and SQLite moves them in when it next opens the database with
        room)."""
        if self._closed:
            return
        self._closed = True
        full = None
        try:
            if self._wal and not self.failed:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.OperationalError as exc:
            if not _full(exc, self.path):  # (busy: a reader's or the next writer's to do)
                logger.debug("%s: alerts not moved out of the -wal file (%s)", self._where, exc)
            else:
                full = disk_full(exc, self._where, self.path)
        finally:
            self._conn.close()
        if full is not None:
            self.wal_kept = Path(f"{self.path}-wal")
            raise full

    def __enter__(self) -> SQLiteSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _make_new(path: Path) -> tuple[int, int] | None:
    """Create ``path`` as an empty file (an empty SQLite database) unless a file is there: its
    ``(device, inode)`` when this call made it, ``None`` when it was there (another stream's
    database, perhaps made a moment ago) or cannot be made (opening it says why)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # (SQLite's own mode)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return st.st_dev, st.st_ino


def _size(path: Path) -> int:
    """The size of the file ``path``, -1 where there is none: absent, or a name too long to be
    one (a database of a 255-byte name, legal, has no ``-wal`` beside it; ``exists`` raised
    ENAMETOOLONG for it, and the empty database the failed stream made stayed behind)."""
    try:
        return os.stat(path).st_size
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENAMETOOLONG):
            return -1
        raise


def _remove_unused(path: Path, made: tuple[int, int]) -> None:
    """Remove the database ``path`` that :func:`_make_new` ``made``, and its ``-wal`` and
    ``-shm`` files, after its opening failed: only while it is still that file, holds no page
    beyond its first (no table: nothing written) and its ``-wal`` file is empty or absent (no
    transaction committed there by another stream that opened it meanwhile); else, or on an
    error, it is left as it is."""
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    try:
        st = os.stat(path)
        if (st.st_dev, st.st_ino) != made or _size(wal) > 0:
            return
        if st.st_size > 0:
            with open(path, "rb") as fh:
                head = fh.read(18)
            size = int.from_bytes(head[16:18], "big") if len(head) == 18 else 0
            if st.st_size > (65536 if size == 1 else size):  # (1: a 64 KiB page)
                return
        for side in (shm, wal):
            if _size(side) >= 0:
                side.unlink(missing_ok=True)
        path.unlink()
    except OSError as exc:
        logger.debug("%s: not removed after its opening failed (%s)", path, exc)


def json_line(alert: Mapping[str, Any], default: Callable[[Any], Any] | None = None) -> str:
    """``alert`` as one line of strict JSON, compact (no space after ``,`` or ``:``, as the
    JSON lines of a frame, :func:`~hourglass.ingest.readers.json_lines`, are written: one
    format for every command's JSON lines): a value that is no finite number (NaN, Infinity:
    from an input line that had them, in a --keep field) is ``null``, since a SIEM's or ``jq``'s
    JSON reader refuses the bare ``NaN`` that Python's ``json`` writes; a date-time (a kept
    Parquet time column) its ISO-8601 text (``default``: another conversion instead). Text is
    written as it is (UTF-8 once encoded), not as ``\\u`` escapes, as the service sends it and
    the frame's JSON lines hold it: ``grep José`` finds the alerts of José; only a lone
    surrogate, which has no UTF-8, is escaped (``"\\ud800"``, as the input gave it).

    Examples
    --------
    >>> json_line({"row": 1, "src": float("nan"), "x": [float("inf"), 2.5]})
    '{"row":1,"src":null,"x":[null,2.5]}'
    >>> import datetime as dt
    >>> json_line({"row": 1, "ts": dt.datetime(2026, 1, 1, 0, 0, 1)})
    '{"row":1,"ts":"2026-01-01T00:00:01"}'
    >>> json_line({"why": "disk=80 (1.84× normal)", "user": "José"})
    '{"why":"disk=80 (1.84× normal)","user":"José"}'
    """
    default = json_default if default is None else default
    try:
        text = json.dumps(alert, allow_nan=False, default=default, separators=_COMPACT,
                          ensure_ascii=False)
    except ValueError:  # rare: only then is the alert walked
        text = json.dumps(strict_json(alert), allow_nan=False, default=default, separators=_COMPACT,
                          ensure_ascii=False)
    return utf8_json(text)  # (a lone surrogate, which has no UTF-8, as its JSON escape)


#: JSON's separators without the spaces Python's ``json`` puts after them
_COMPACT = (",", ":")


class JsonLinesSink:
    """Writes alerts as JSON lines to a binary file (``sys.stdout.buffer`` or an opened file),
    flushed after each :meth:`write`.

    With ``path`` and ``reopen`` (a file appended to), a file that was moved away or removed
    since the last write (``logrotate`` renaming ``alerts.jsonl`` to ``alerts.jsonl.1``) is
    left to its new name: the alerts go to a file at ``path`` again (``reopen()`` opens it), as
    a log file's writer does after a rotation, not on into the rotated (or compressed, deleted)
    file. A write that fails raises its ``OSError`` naming the output: ``name`` if given (such
    as ``"standard output"``), else ``path``.

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO()
    >>> JsonLinesSink(buf).write([{"row": 1, "score": 2.5}])
    >>> buf.getvalue()
    b'{"row":1,"score":2.5}\\n'
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "alerts.jsonl"
    >>> sink = JsonLinesSink(open(p, "ab"), path=p, reopen=lambda: open(p, "ab"))
    >>> sink.write([{"row": 1}])
    >>> _ = p.rename(p.with_name("alerts.jsonl.1"))
    >>> sink.write([{"row": 2}]); sink.close()
    >>> p.read_text(), p.with_name("alerts.jsonl.1").read_text()
    ('{"row":2}\\n', '{"row":1}\\n')
    """

    def __init__(self, fh: IO[bytes], *, path: str | os.PathLike[str] | None = None,
                 reopen: Callable[[], IO[bytes]] | None = None, name: str | None = None) -> None:
        self.fh, self.path, self._reopen = fh, path, reopen
        # how a failed write names the output: ``name`` (standard output), else ``path``
        self._name = name if name is not None else None if path is None else str(path)
        self._unopened = False  # the file at path could not be opened anew (said once)
        self.offered = 0  # the alerts handed to write
        self.written = 0  # of them, those known to be written whole (flushed)
        self.failed = False  # a write or flush failed (a full disk, a reader gone)

    def _moved(self) -> bool:
        """Whether the file written is no longer the one at :attr:`path` (rotated, removed)."""
        if self.path is None or self._reopen is None:
            return False
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        try:
            mine = os.fstat(self.fh.fileno())
        except (OSError, ValueError):  # (no descriptor, a closed file)
            return False
        return (now.st_dev, now.st_ino) != (mine.st_dev, mine.st_ino)

    def _gone(self) -> tuple[str, str]:
        """How the file written left :attr:`path`, and where the alerts go now: moved away (they go
        on into it), or removed, which no name shows any more (they are lost)."""
        try:
            removed = os.fstat(self.fh.fileno()).st_nlink == 0
        except (OSError, ValueError):
            removed = False
        if removed:
            return "removed", "the alerts go into the removed file and are lost until one can be made there"
        return "moved away", "the alerts go on into the file moved"

    def write(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        """Write ``alerts``, one a line, and flush (to a new file at :attr:`path` once the one
        written was moved away; while none can be opened there, a folder or a file the stream
        may not write in its place, into the one moved away, said once: a removed one keeps
        none)."""
        if alerts:
            if self._moved():
                assert self._reopen is not None
                try:
                    fh = self._reopen()
                except OSError as exc:  # (a live stream does not stop, nor lose the alerts, for it)
                    if not self._unopened:
                        how, where = self._gone()
                        logger.warning("%s: cannot start the file anew after it was %s (%s); %s",
                                       self.path, how, read_problem(exc), where)
                    self._unopened = True
                else:
                    self.fh.close()
                    self.fh, self._unopened = fh, False
            data = ("\n".join(json_line(a) for a in alerts) + "\n").encode()
            self.offered += len(alerts)
            fd = self._file_fd()
            try:
                if fd is None:
                    self.fh.write(data)
                    self.fh.flush()
                else:
                    # (another stream appending to the file waits its turn: the one cut back
                    # when the disk fills knows where its lines start and cuts none of the other's)
                    with turn_of(fd):
                        start = os.fstat(fd).st_size
                        try:
                            _write_whole_lines(fd, data)
                        except OSError:  # the file is cut back to its last whole line: those count
                            with contextlib.suppress(OSError):
                                self.written += data.count(b"\n", 0, max(os.fstat(fd).st_size - start, 0))
                            raise
            except OSError as exc:  # (through a pipe or to a device, what part got out is not known)
                self.failed = True
                if exc.filename is not None or self._name is None or isinstance(exc, ConnectionError):
                    raise
                # (a write's error names no file: a disk's I/O error said as the file's)
                raise OSError(exc.errno, exc.strerror, self._name) from None
            self.written += len(alerts)
        self.fh.flush()

    def _file_fd(self) -> int | None:
        """The descriptor of the regular file written (its buffer flushed), else ``None`` (a pipe,
        a terminal, a buffer in memory)."""
        try:
            fd = self.fh.fileno()
            regular = stat.S_ISREG(os.fstat(fd).st_mode)
        except (OSError, ValueError):  # (no descriptor: io.UnsupportedOperation, a closed file)
            return None
        if not regular:
            return None
        self.fh.flush()  # (each write ends with a flush: nothing is pending)
        return fd

    def fileno(self) -> int:
        """The file's descriptor."""
        return self.fh.fileno()

    def close(self) -> None:
        """Close the file."""
        self.fh.close()


def _write_whole_lines(fd: int, data: bytes) -> None:
    """Write ``data`` (whole lines) to the regular file ``fd`` with ``os.write``, no buffer holding
    a part of it back: when the disk fills (or a file-size limit is reached) part-way, the file is
    cut back to the end of the last whole line written before the error goes on, so that no half
    alert line stays in it (for a later stream to append its first alert onto).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "alerts.jsonl"
    >>> with open(p, "ab") as fh:
    ...     _write_whole_lines(fh.fileno(), b'{"row":1}\\n{"row":2}\\n')
    >>> p.read_bytes()
    b'{"row":1}\\n{"row":2}\\n'
    """
    start, done, view = os.fstat(fd).st_size, 0, memoryview(data)
    try:
        while done < len(data):
            done += os.write(fd, view[done:])
    except OSError:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, start + data.rfind(b"\n", 0, done) + 1)
        raise


@contextlib.contextmanager
def alert_file(path: str | os.PathLike[str], columns: Sequence[Column], *,
               table: str = "alerts") -> Iterator[SQLiteSink | _TextLines]:
    """A sink on a temporary file renamed to ``path`` when the block succeeds: a SQLite table
    (``columns``) for a ``.sqlite``/``.db`` name, else JSON lines (``.gz``: gzip).

    Examples
    --------
    >>> import sqlite3, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "alerts.db"
    >>> with alert_file(path, alert_columns("log")) as sink:
    ...     sink.write([{"session": "blk_1", "score": 3.0, "unexpected": {"line": 12, "key": 4}}])
    >>> sqlite3.connect(path).execute("SELECT session, line, key, doc FROM alerts").fetchone()[:3]
    ('blk_1', 12, 4)
    """
    with atomic_output(path) as tmp:
        if is_sqlite(path):
            with SQLiteSink(tmp, columns, table=table, wal=False, target=path) as sink:
                yield sink
        else:
            with open_output(tmp, path) as fh:
                yield _TextLines(fh)


class _TextLines:
    """JSON lines to an open text file."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh

    def write(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        for a in alerts:
            self.fh.write(json_line(a) + "\n")
