"""Read tables from CSV/TSV/Parquet/JSONL (optionally gzip-compressed) and write results
atomically (temp file, renamed into place)."""

from __future__ import annotations

import contextlib
import difflib
import errno
import gzip
import inspect
import io
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from hourglass._eol import without_boms
from hourglass._placed import note_cut, note_placed
from hourglass.errors import InputError, no_file, path_exists, read_problem
from hourglass.ingest.sqlite import SQLiteWriter, is_sqlite
from hourglass.ingest.tables import ReadStats, iter_table, read_head, utf8_name

__all__ = ["atomic_output", "check_path", "csv_text", "default_mode", "detect_format",
           "is_stream_output", "iso_times", "json_lines", "open_output", "read_table", "stdout_closed",
           "synced", "table_format", "write_table"]

_FORMATS = ("csv", "tsv", "parquet", "jsonl", "evtx")


def detect_format(path: str | os.PathLike[str]) -> str:
    """Format from the file name: ``.tsv``, ``.parquet``/``.pq``, ``.jsonl``/``.ndjson``/``.json``
    (JSON lines), ``.evtx`` (a trailing ``.gz`` is ignored); anything else, ``.csv`` and ``.txt``
    included (NSL-KDD's ``KDDTrain+.txt``), is read as CSV.

    Examples
    --------
    >>> detect_format("flows.jsonl.gz"), detect_format("KDDTrain+.txt")
    ('jsonl', 'csv')
    """
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return {"tsv": "tsv", "parquet": "parquet", "pq": "parquet", "jsonl": "jsonl",
            "ndjson": "jsonl", "json": "jsonl", "evtx": "evtx"}.get(suffix, "csv")


def table_format(path: str | os.PathLike[str], head: bytes | None = None) -> str:
    """Format of an existing file: its name's (:func:`detect_format`), unless its first bytes
    say otherwise: Parquet's ``PAR1`` and the ``.evtx`` signature win over any name, and a file
    the name calls CSV whose text starts with ``{`` is JSON lines (Suricata's ``eve.log``, a
    metrics export named ``.log`` or ``.txt``): no CSV header starts with ``{``. ``head``: those
    first bytes (decompressed), when the caller has read them already.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "cpu.log").write_text('{"t": 1, "cpu": 0.5}\\n')
    >>> _ = (d / "cpu.csv").write_text("t,cpu\\n1,0.5\\n")
    >>> detect_format(d / "cpu.log"), table_format(d / "cpu.log"), table_format(d / "cpu.csv")
    ('csv', 'jsonl', 'csv')
    """
    fmt = detect_format(path)
    if fmt == "parquet":
        return fmt
    if head is None:  # the file's first bytes, unless the caller read them already
        head = read_head(Path(path), 512)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ElfFile\x00"):
        return "evtx"
    if fmt == "csv" and without_boms(head).lstrip().startswith(b"{"):
        return "jsonl"
    return fmt


def _restore_integers(df: pd.DataFrame) -> pd.DataFrame:
    """Columns read as float64 that hold only whole numbers become int64 again.

    The columns are checked a slice at a time, and many of them are converted by putting the frame
    together once: assigning thousands one by one re-laid the frame each time (quadratic).

    Examples
    --------
    >>> df = _restore_integers(pd.DataFrame({"a": [1.0, 2.0], "b": [0.5, 1.0], "c": [3.0, None]}))
    >>> df.dtypes.astype(str).tolist()
    ['int64', 'float64', 'float64']
    """
    if not len(df):
        return df
    floats = [i for i, d in enumerate(df.dtypes) if d == np.float64]
    step = max(1, min(1024, 4_000_000 // len(df)))  # columns a time: a copy of <= 4M cells
    whole: list[int] = []
    for at in range(0, len(floats), step):
        cols = floats[at:at + step]
        v = df.iloc[:, cols].to_numpy(dtype=np.float64)
        ok = np.isfinite(v).all(axis=0) & (v == np.round(v)).all(axis=0) \
            & (np.abs(v).max(axis=0) < 2**53)
        whole.extend(c for c, good in zip(cols, ok.tolist(), strict=True) if good)
    if len(whole) <= 256:  # a few: in place
        for i in whole:
            df.isetitem(i, df.iloc[:, i].to_numpy().astype(np.int64))
        return df
    parts = [pd.DataFrame(df.iloc[:, whole[at:at + step]].to_numpy(np.float64).astype(np.int64),
                          index=df.index, columns=df.columns[whole[at:at + step]])
             for at in range(0, len(whole), step)]
    done = set(whole)
    kept = [i for i in range(df.shape[1]) if i not in done]
    out = pd.concat([df.iloc[:, kept], *parts], axis=1)  # many: the frame put together once
    return out.iloc[:, np.argsort(np.array(kept + whole))]


def _as_text_throughout(chunks: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """A column that a later chunk has as text is text in the earlier chunks too, written as
    read, where the later chunk holds strings alone: ints where the text is 64-bit ids that met
    a value past int64 (exactly, nullable Int64 ids with a missing value too); ints and floats
    (a float that is whole as an integer) of a line format's field of numbers in the first
    chunk, of words later, in a training sample. A JSON column whose later chunk holds numbers
    beside strings keeps its numbers, ints as ints (exactly, a missing one ``None``) and floats
    as floats, as a file read in one chunk gives them. Columns are matched by name: chunks of
    JSON lines may order their fields differently, or lack one.

    Examples
    --------
    >>> a = pd.DataFrame({"id": [1], "n": [1], "r": [0.5], "w": [7.0], "j": [0.5], "k": [4]})
    >>> b = pd.DataFrame({"n": [2, 3], "id": ["x", "y"], "r": ["n/a", "-"], "w": ["y", "z"],
    ...                   "j": pd.Series([1.5, "n/a"], dtype=object),
    ...                   "k": pd.Series(["n/a", 2.5], dtype=object)})
    >>> pd.concat(_as_text_throughout([a, b]), ignore_index=True).to_dict("list")
    {'id': ['1', 'x', 'y'], 'n': [1, 2, 3], 'r': ['0.5', 'n/a', '-'], 'w': ['7', 'y', 'z'], \
'j': [0.5, 1.5, 'n/a'], 'k': [4, 'n/a', 2.5]}
    """
    names = list(dict.fromkeys(c for ch in chunks for c in ch.columns))
    for name in names:
        having = [ch for ch in chunks if name in ch.columns]
        text = [ch[name] for ch in having if pd.api.types.is_string_dtype(ch[name].dtype)]
        if not text:
            continue
        words = all(pd.api.types.infer_dtype(t, skipna=True) in ("string", "empty") for t in text)
        for ch in having:
            col = ch[name]
            nullable = isinstance(col.dtype, pd.api.extensions.ExtensionDtype)
            if words and (pd.api.types.is_integer_dtype(col.dtype) or pd.api.types.is_float_dtype(col.dtype)):
                values = col.array if nullable else col.to_numpy()  # not through float64: exact
                as_text = pd.Series(_numbers_text(values), index=ch.index, dtype=object)
                ch.isetitem(ch.columns.get_loc(name), as_text.astype(text[0].dtype))
            elif nullable and pd.api.types.is_integer_dtype(col.dtype):
                # numbers beside strings: Python ints, as a single read has them, not pd.NA
                ints = pd.Series(col.array.to_numpy(dtype=object, na_value=None), index=ch.index,
                                 dtype=object)
                ch.isetitem(ch.columns.get_loc(name), ints)
    return chunks


def _numbers_text(v: np.ndarray | pd.api.extensions.ExtensionArray) -> np.ndarray:
    """Numbers as text, an object array (a whole float as an integer, ``7`` not ``7.0``;
    ``None`` for a missing one), in a few array operations (only the floats that are not whole
    go through Python's ``str``, one call each); nullable ints (64-bit ids with a missing
    value) exactly, as pandas writes them as strings, not through float64.

    Examples
    --------
    >>> _numbers_text(np.array([7.0, 0.25, np.nan, 1e300])).tolist()
    ['7', '0.25', None, '1e+300']
    >>> _numbers_text(np.array([2 ** 63 - 1, 5])).tolist()
    ['9223372036854775807', '5']
    >>> _numbers_text(pd.array([2 ** 60 + 1, None], dtype="Int64")).tolist()
    ['1152921504606846977', None]
    >>> _numbers_text(pd.array([3, None], dtype="Int64").to_numpy(object)).tolist()
    ['3', None]
    """
    if isinstance(v, pd.api.extensions.ExtensionArray):
        if pd.api.types.is_integer_dtype(v.dtype):
            return np.asarray(v.astype("string").to_numpy(dtype=object, na_value=None), dtype=object)
        v = v.to_numpy(dtype=np.float64, na_value=np.nan)  # nullable floats
    if v.dtype.kind in "iu":
        return v.astype(str).astype(object)
    if v.dtype.kind != "f":  # nullable ints: objects with pd.NA
        return np.array([None if pd.isna(x) else str(x) for x in v.tolist()], dtype=object)
    out = np.full(len(v), None, dtype=object)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(v) & (v == np.round(v)) & (np.abs(v) < 2.0 ** 53)
    out[whole] = v[whole].astype(np.int64).astype(str)
    rest = ~whole & ~np.isnan(v)
    out[rest] = [str(x) for x in v[rest].tolist()]
    return out


def _exact_throughout(chunks: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """A column that a chunk has as nullable Int64 (whole numbers past 2**53 with a missing
    value: 64-bit ids), or as int64 past 2**53 (64-bit ids), is Int64 in the chunks that have it
    as float64 too (small ids and a missing one, or a whole float: ``7.0``), so that joining them
    does not make it float64, which rounds the large ones (:func:`_concat_chunks` makes it int64
    again where no value is missing).

    Examples
    --------
    >>> a = pd.DataFrame({"id": pd.array([2**60 + 1, None], dtype="Int64")})
    >>> pd.concat(_exact_throughout([a, pd.DataFrame({"id": [5.0, None]})]))["id"].tolist()
    [1152921504606846977, <NA>, 5, <NA>]
    >>> b = pd.DataFrame({"id": [2**53 + 1]})
    >>> pd.concat(_exact_throughout([b, pd.DataFrame({"id": [7.0]})]))["id"].tolist()
    [9007199254740993, 7]
    """
    exact = {c for ch in chunks for c, t in ch.dtypes.items() if isinstance(t, pd.Int64Dtype)
             or (t == np.int64 and len(ch) and (ch[c].max() > 2**53 or ch[c].min() < -2**53))}
    for name in exact:
        for ch in chunks:
            if name in ch.columns and ch[name].dtype == np.float64:
                v = ch[name].to_numpy()
                finite = v[~np.isnan(v)]
                if np.isfinite(finite).all() and (finite == np.round(finite)).all() \
                        and (np.abs(finite) < 2**63).all():
                    ch.isetitem(ch.columns.get_loc(name), ch[name].astype(pd.Int64Dtype()))
    return chunks


def _concat_chunks(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """The chunks of one file as one frame (:func:`_as_text_throughout`,
    :func:`_exact_throughout`), rows numbered afresh."""
    if len(chunks) == 1:
        return chunks[0]
    ints = {c for ch in chunks for c, t in ch.dtypes.items() if t == np.int64}
    df = pd.concat(_exact_throughout(_as_text_throughout(chunks)), ignore_index=True)
    for name in ints & set(df.columns):
        col = df[name]
        if isinstance(col, pd.Series) and isinstance(col.dtype, pd.Int64Dtype) \
                and not col.isna().any():  # int64, as one chunk has it
            df[name] = col.to_numpy(np.int64)
    return df


def read_table(
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    names: Sequence[str] | None = None,
    on_bad_rows: str = "error",
    stats: ReadStats | None = None,
    **dialect: Any,
) -> pd.DataFrame:
    """Read a whole table; errors name the file and, where known, the line.

    Parameters
    ----------
    path
        File to read (``.gz`` is decompressed on the fly).
    fmt
        ``csv``, ``tsv``, ``parquet``, ``jsonl`` or ``evtx``; when ``None``, from the name,
        corrected by the first bytes (:func:`table_format`).
    names
        Column names for a header-less CSV/TSV (e.g. NSL-KDD).
    on_bad_rows
        ``"error"`` (default) or ``"skip"`` malformed rows (counted in ``stats``).
    stats
        Receives row and skipped-row counts.
    **dialect
        Passed to :func:`~hourglass.ingest.tables.iter_table` (``sep``, ``null_values``, ...).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("a,b\\n1,x\\n")
    >>> read_table(p).to_dict("records")
    [{'a': 1, 'b': 'x'}]
    """
    _check_dialect(dialect)
    p = check_path(path)
    fmt = fmt or table_format(p)
    if fmt not in _FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(_FORMATS)}")
    chunks = list(iter_table(p, fmt=fmt, names=names, on_bad_rows=on_bad_rows, stats=stats,
                             **dialect))
    if not chunks or sum(len(c) for c in chunks) == 0:
        raise InputError(f"{p}: no data rows")
    df = _concat_chunks(chunks)
    df.columns = [str(c) for c in df.columns]
    return _restore_integers(df) if fmt in ("csv", "tsv") else df


def _check_dialect(dialect: dict[str, Any]) -> None:
    """A ``TypeError`` naming :func:`read_table` for a keyword in ``dialect`` that
    :func:`~hourglass.ingest.tables.iter_table` does not take (Python's own named ``iter_table``,
    which the caller never called), with the nearest of :func:`read_table`'s keywords.

    Examples
    --------
    >>> _check_dialect({"sep": ";"})
    >>> _check_dialect({"format": "csv"})
    Traceback (most recent call last):
    ...
    TypeError: read_table() got an unexpected keyword argument 'format' (did you mean 'fmt'?)
    """
    for key in dialect:
        if key not in _DIALECT:
            near = difflib.get_close_matches(key, _READ_TABLE_KEYWORDS, n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise TypeError(f"read_table() got an unexpected keyword argument {key!r}{hint}")


_OWN = ("path", "fmt", "names", "on_bad_rows", "stats", "dialect")  # read_table's, not **dialect
_DIALECT = frozenset(inspect.signature(iter_table).parameters).difference(_OWN)
_READ_TABLE_KEYWORDS = sorted(_DIALECT.union(_OWN[1:-1]))


def check_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`Path` if it is an existing file, else :class:`InputError`."""
    p = Path(path)
    if not path_exists(p):
        raise no_file(p)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a data file")
    if p.is_socket():  # (no pipe nor device: it cannot be opened at all)
        raise InputError(f"{p}: a socket, not a data file; save the data to a file")
    if not p.is_file():  # a pipe or a device: its size says nothing, and it can be read once only
        raise InputError(f"{p}: not a regular file (a pipe or a device); save the data to a file")
    if p.stat().st_size == 0:
        raise InputError(f"{p}: empty file")
    return p


def synced(path: str | os.PathLike[str]) -> None:
    """Flush what was written to the file ``path`` (or, for a folder, its entries) to the disk
    (``fsync``), before it is renamed into place: without it a power cut soon after the rename
    could leave the new name on an empty or partial file, the old output already gone. A file
    system that cannot sync (``EINVAL``, ``ENOTSUP``, ``ENOSYS``: some FUSE and network mounts, and
    folders on many) leaves it as it is: the output is written, as it was before syncing; a
    disk's error on the sync (``EIO``) is raised.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> target = os.path.join(folder, "out.csv")
    >>> with open(target, "w") as fh:
    ...     _ = fh.write("a")
    >>> synced(target); synced(folder)
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_SYNC:
            raise
    finally:
        os.close(fd)


#: the errors of a file system that cannot sync a file or folder (not a failed sync)
_NO_SYNC = frozenset(getattr(errno, n) for n in ("EINVAL", "ENOTSUP", "EOPNOTSUPP", "ENOSYS")
                     if hasattr(errno, n))


def default_mode(*, directory: bool) -> int:
    """Permissions a plain ``open``/``mkdir`` would give under the current umask.

    Temporary files and folders are created private (0600/0700); outputs renamed from them get
    these instead, like any other file the user writes.

    Examples
    --------
    >>> oct(default_mode(directory=False) & 0o600)
    '0o600'
    """
    return (0o777 if directory else 0o666) & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system says it (Linux 4.7+:
    ``/proc/self/status``): setting it to 0 for a moment, the only portable way to read it,
    would give a file another thread creates meanwhile (a service's) no mask at all."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)  # (the private mask meanwhile, never an open one)
    os.umask(mask)
    return mask


def is_stream_output(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is ``-`` (standard output) or an existing path that is neither a regular
    file nor a folder: a device such as ``/dev/null`` or ``/dev/stdout``, a named pipe, a socket
    (symbolic links followed). Such an output is written through, not replaced by a rename.

    Examples
    --------
    >>> is_stream_output("-"), is_stream_output("/dev/null"), is_stream_output("scores.csv")
    (True, True, False)
    """
    if str(path) == "-":
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:  # not there yet (or unreadable): an ordinary new file
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds.

    ``-`` is standard output, and a device or a named pipe (``/dev/null``, ``/dev/stdout``) is
    written into rather than replaced: the temporary file then lives in the system's temporary
    folder and its bytes are copied out when the block succeeds, so a failure sends nothing.
    A symbolic link is followed: the file it names is replaced (beside which the temporary file
    is made), and the link stays, as a shell's ``>`` writes through it.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_output(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> open(target).read()
    'done'
    >>> with atomic_output("/dev/null") as tmp:   # /dev/null stays the device
    ...     _ = tmp.write_text("gone")
    >>> os.path.isfile("/dev/null")
    False
    """
    if is_stream_output(path):
        yield from _through_output(str(path))
        return
    target = linked_output(path)
    if target.is_dir():
        raise InputError(f"{target}: is a directory, expected a file name")
    if not target.parent.exists():
        raise InputError(f"{target.parent}: output folder does not exist")
    try:
        # (the name cut: a legal name within 14 bytes of the file system's longest is written too;
        # a name of bytes that are not UTF-8 is not the temporary file's: Arrow's writers open it
        # by its name as UTF-8, see utf8_name)
        name = target.name[:40] if utf8_name(target.name) else os.fsencode(target.name[:40]).decode(
            "utf-8", "replace")
        try:
            os.fsencode(name)
        except UnicodeEncodeError:  # (nor one the file system's encoding cannot write: ASCII under
            name = name.encode("ascii", "replace").decode("ascii")  # LC_ALL=C with PYTHONUTF8=0,
            # where 'é.csv' is held as surrogate escapes and its UTF-8 reading is no ASCII name)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:  # named after the user's path, not the hidden temp file
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    tmp_path = Path(tmp)
    # (in the try: the temporary file is removed whatever happens from here on; a close that
    # failed, or a Ctrl-C before the block, left it behind)
    try:
        os.close(fd)
        # mkstemp's 0600 would outlive the rename; a file replaced keeps its own mode, as one written
        # in place does (an alerts file made private stayed private, not 0644). Read now, set only
        # once written: a read-only (0444) file replaced would refuse the writer its own temp file,
        # and a 0666 one would open the data to everyone while it goes in.
        mode = _replaced_mode(target)
        yield tmp_path
        if is_sqlite(target):  # the journal of the database replaced (a stream killed, a reader
            for side in ("-wal", "-shm", "-journal"):  # open) would be replayed into the new one
                try:
                    os.unlink(f"{target}{side}")
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    if exc.errno == errno.ENAMETOOLONG:  # (a name the longest the file system
                        continue  # allows: no journal can be beside it, the name too long)
                    # (not an OSError: the one below would pass it on as raw)
                    raise InputError(f"{target}{side}: cannot remove the replaced database's {side} "
                                     f"file ({read_problem(exc)}); remove it, or write elsewhere") from None
        synced(tmp_path)  # (the data on the disk before the name: a power cut keeps one whole)
        os.chmod(tmp_path, mode)
        try:
            os.replace(tmp_path, target)
        finally:  # (Ctrl-C as the rename returns: the file is in place all the same)
            if not tmp_path.exists():
                note_placed(path)
    except OSError as exc:
        if any(str(name).startswith(str(tmp_path)) for name in (exc.filename, exc.filename2)
               if name is not None):
            # a disk that filled up or turned read-only while writing: the user's path, not ours
            # (nor a writer's own file beside ours: a Parquet output's '.retype' copy)
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        # a write into the temporary file that failed (a full disk, a disk's I/O error, a stale
        # NFS handle) names no file (Python's and Arrow's writes say only the errno): the output's
        named = _named_write_error(exc, str(target))
        if named is exc:
            raise
        raise named from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
        for side in ("-journal", "-wal", "-shm"):  # a database's, left by a write that failed
            with contextlib.suppress(OSError):
                os.unlink(f"{tmp_path}{side}")


def linked_output(path: str | os.PathLike[str]) -> Path:
    """The file an output ``path`` writes: the one a symbolic link names (followed to the end,
    relative links read from their own folder, a dangling one naming the file to make, even one
    under a path that is a file or missing, for the caller to say why), else
    ``path``; an :class:`InputError` for a link loop, which names no file (a rename would put a
    file in the link's place), and for a path that cannot be looked at (a folder on it, or on
    the link's way, closed to the user: ``Permission denied``), said as such.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "link.csv").symlink_to("real.csv")
    >>> linked_output(d / "link.csv") == d.resolve() / "real.csv", linked_output(d / "x.csv") == d / "x.csv"
    (True, True)
    """
    target = Path(path)
    try:
        if not target.is_symlink():
            return target
        return Path(os.path.realpath(target, strict=True))
    except (FileNotFoundError, NotADirectoryError):  # (a dangling link: the file it names is
        # made, as a shell's > does; one under a file names that file, which the caller says)
        return Path(os.path.realpath(target))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise no_file(target) from None
        # (a folder the user may not search: not "no such file", which sent them looking for it)
        raise InputError(f"{target}: cannot write it ({read_problem(exc)})") from None


def _replaced_mode(target: Path) -> int:
    """The permissions the output ``target`` gets: those of the regular file it replaces, else
    :func:`default_mode`'s.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "alerts.csv"
    >>> _ = p.write_text("x")
    >>> p.chmod(0o600)
    >>> oct(_replaced_mode(p)), _replaced_mode(p.with_name("new.csv")) == default_mode(directory=False)
    ('0o600', True)
    """
    try:
        mode = os.stat(target).st_mode
    except OSError:  # not there yet (or unreadable): a new file
        return default_mode(directory=False)
    # (permission bits only: a write clears set-user-ID, as the kernel does)
    return stat.S_IMODE(mode) & 0o777 if stat.S_ISREG(mode) else default_mode(directory=False)


def stdout_closed() -> bool:
    """Whether the process was started with standard output closed (``>&-``): Python then has
    no ``sys.stdout``, and data for ``-`` has nowhere to go."""
    return sys.stdout is None


def _named_write_error(exc: OSError, name: str) -> OSError:
    """``exc``, a write's error (which names no file), naming ``name``, in the system's words for
    its errno; a reader gone (``BrokenPipeError``, which the command line ends quietly) or an
    error without an errno, or one of no memory left (``ENOMEM``), as it is.

    Examples
    --------
    >>> str(_named_write_error(OSError(5, "Input/output error"), "standard output"))
    "[Errno 5] Input/output error: 'standard output'"
    >>> type(_named_write_error(BrokenPipeError(32, "Broken pipe"), "standard output")).__name__
    'BrokenPipeError'
    """
    if exc.errno in (None, errno.ENOMEM) or exc.filename is not None or isinstance(exc, ConnectionError):
        return exc  # (no memory left is the machine's, not the file's: said as such)
    return OSError(exc.errno, os.strerror(exc.errno), name)


@contextlib.contextmanager
def _cut_noted(target: str) -> Iterator[None]:
    """The copy out of :func:`_through_output`: Ctrl-C or SIGTERM during it (a slow reader of
    the pipe) leaves the reader part of the data, which the interruption's line then says
    (:func:`~hourglass._placed.note_cut`), where it said that no output was written."""
    try:
        yield
    except KeyboardInterrupt:
        note_cut(target)
        raise


def _through_output(target: str) -> Iterator[Path]:
    """:func:`atomic_output` for standard output (``-``), a device or a named pipe. The data is
    built in the system's temporary folder: an error there (the folder refused, a write's I/O
    error) names that folder, not the random name tried nor nothing."""
    if target == "-" and stdout_closed():
        raise InputError("-: standard output is closed; give a file name, or leave standard "
                         "output open")
    where = tempfile.gettempdir()
    try:
        folder = Path(tempfile.mkdtemp(prefix="hourglass-output-"))
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, where) from None
    tmp_path = folder / "output"
    try:
        try:
            tmp_path.touch()
            yield tmp_path
        except OSError as exc:
            ours = exc.filename is not None and str(exc.filename).startswith(str(folder))
            named = _named_write_error(OSError(exc.errno, exc.strerror) if ours else exc, where)
            if named is exc:
                raise
            raise named from None
        with open(tmp_path, "rb") as src, _cut_noted(target):
            if target == "-":
                try:
                    sys.stdout.flush()
                    shutil.copyfileobj(src, sys.stdout.buffer)
                    sys.stdout.buffer.flush()
                except OSError as exc:
                    raise _named_write_error(exc, "standard output") from None
            else:
                try:
                    dst = open(target, "wb")
                except OSError as exc:  # a socket, a device without its hardware (/dev/tty, no terminal)
                    raise InputError(f"{target}: cannot write it ({read_problem(exc)})") from None
                try:
                    with dst:
                        shutil.copyfileobj(src, dst)
                except OSError as exc:
                    raise _named_write_error(exc, target) from None
        note_placed(target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _GzipWriter(gzip.GzipFile):
    """Gzip into ``path`` with ``name`` in the header; closing it closes the file too."""

    def __init__(self, path: Path, name: str) -> None:
        self._raw = open(path, "wb")
        super().__init__(filename=name, mode="wb", fileobj=self._raw)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def open_output(tmp: Path, target: str | os.PathLike[str], *, text: bool = True) -> IO[Any]:
    r"""Open ``tmp`` (from :func:`atomic_output`) to write what becomes ``target``: gzip when
    ``target`` ends in ``.gz``, its header naming ``target`` less ``.gz`` as the ``gzip`` tool
    does (``gzip.open(tmp)`` would record the temporary name, which ``gunzip -N`` restores).

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "alerts.jsonl.gz")
    >>> with atomic_output(target) as tmp, open_output(tmp, target) as fh:
    ...     _ = fh.write("{}\n")
    >>> gzip.open(target, "rt").read(), open(target, "rb").read()[10:23]
    ('{}\n', b'alerts.jsonl\x00')
    """
    if not str(target).lower().endswith(".gz"):
        return open(tmp, "w", encoding="utf-8") if text else open(tmp, "wb")
    gz = _GzipWriter(tmp, Path(target).name)
    if text:
        return io.TextIOWrapper(gz, encoding="utf-8")
    return gz  # type: ignore[return-value]  # a binary file object; typeshed's GzipFile is no IO[bytes]


def csv_text(df: pd.DataFrame, fh: IO[str], sep: str = ",", *, header: bool = True) -> None:
    """Write ``df`` (its times as :func:`iso_times` gives them) to the text file ``fh`` as CSV
    (TSV with ``sep`` a tab), each cell quoted where RFC 4180 wants it. Python's csv writer,
    which ``DataFrame.to_csv`` uses, quotes a cell holding the separator, a quote or its line end
    ``\\n``, but not a carriage return alone, which ``csv``, pandas and spreadsheets read as the
    end of the row (a session id ``cr\\rz`` came back as two rows); a frame with one, in a
    cell or a column name, has all its text quoted.

    Examples
    --------
    >>> buf = io.StringIO()
    >>> csv_text(pd.DataFrame({"session": ["a,b", "cr\\rz"], "n": [1, 2]}), buf)
    >>> buf.getvalue()
    '"session","n"\\n"a,b",1\\n"cr\\rz",2\\n'
    >>> buf = io.StringIO()
    >>> csv_text(pd.DataFrame({"session": ["a,b", "c"], "n": [1, 2]}), buf)
    >>> buf.getvalue()
    'session,n\\n"a,b",1\\nc,2\\n'
    """
    import csv

    df = iso_times(df)
    returns = any("\r" in str(c) for c in df.columns)
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if returns or not (col.dtype == object or isinstance(col.dtype, pd.StringDtype)):
            continue
        try:
            returns = bool(col.str.contains("\r", regex=False).fillna(False).any())
        except AttributeError:  # (no text in the column: .str refuses it)
            continue
    df.to_csv(fh, sep=sep, index=False, header=header,
              quoting=csv.QUOTE_NONNUMERIC if returns else csv.QUOTE_MINIMAL)


def iso_times(df: pd.DataFrame, *, dates: bool = True) -> pd.DataFrame:
    """``df`` with its time and date columns as ISO 8601 text (``isoformat``: a ``T`` before the
    time, the UTC offset where the times carry one, fractions of a second only where there are
    some), the text every output writes them in (``df`` itself where it has none): the CSV
    writers wrote a kept time as Arrow's ``2024-03-10 00:00:00.000000`` or pandas'
    ``2024-03-10 00:00:00`` where the JSON lines and SQLite outputs of the same scoring wrote
    ``2024-03-10T00:00:00``. ``dates=False`` leaves columns of dates alone (Arrow's CSV writer
    gives them as ``2024-01-01`` already, unquoted).

    Examples
    --------
    >>> df = pd.DataFrame({"ts": pd.to_datetime(["2024-05-01 00:01:00", None]), "n": [1, 2]})
    >>> iso_times(df)["ts"].iloc[0], iso_times(df)["ts"].isna().tolist()
    ('2024-05-01T00:01:00', [False, True])
    >>> iso_times(pd.DataFrame({"ts": pd.to_datetime(["2024-05-01T00:00:00.5+02:00"])}))["ts"].tolist()
    ['2024-05-01T00:00:00.500000+02:00']
    """
    times = [i for i in range(df.shape[1]) if pd.api.types.is_datetime64_any_dtype(df.iloc[:, i])
             or isinstance(df.iloc[:, i].dtype, pd.DatetimeTZDtype)
             # dates (a CSV column of 2024-01-01, Parquet's date32): Python objects pandas wrote
             # as epoch milliseconds too (infer_dtype stops at the first value that is no date: a
             # column of text at its first, a column of dates after all of them)
             or (df.iloc[:, i].dtype == object and pd.api.types.infer_dtype(
                 df.iloc[:, i], skipna=True) in (("date", "datetime") if dates else ("datetime",)))]
    if not times:
        return df
    df = df.copy()
    for i in times:
        col = df.iloc[:, i]
        text = _iso_column(col)
        df.isetitem(i, pd.Series(text, index=col.index, dtype=object) if text is not None else
                    col.map(lambda v: None if pd.isna(v) else v.isoformat()).astype(object))
    return df


_FIRST_SECOND, _LAST_SECOND = -62135596800, 253402300799  # 0001-01-01, 9999-12-31T23:59:59 (epoch s)


def _iso_column(col: pd.Series) -> np.ndarray | None:
    """The ``isoformat`` of each time of the datetime64 column ``col`` (``None`` where missing),
    made for the whole column at once (a tenth of the time of a call per value on plain times);
    ``None`` where the column is no datetime64 column, holds a year outside 1-9999, or a zone
    whose offset has seconds (local mean time before 1900): :func:`iso_times` calls
    ``isoformat`` per value then.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2024-03-31T00:30:00.25", "2024-03-31T01:30:00", None],
    ...                              format="ISO8601"))
    >>> _iso_column(t).tolist()
    ['2024-03-31T00:30:00.250000', '2024-03-31T01:30:00', None]
    >>> _iso_column(t.dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")).tolist()[:2]
    ['2024-03-31T01:30:00.250000+01:00', '2024-03-31T03:30:00+02:00']
    """
    if not pd.api.types.is_datetime64_any_dtype(col):
        return None
    dtype = col.dtype
    from hourglass._times import _PER_SECOND

    unit = str(dtype.unit if isinstance(dtype, pd.DatetimeTZDtype) else np.datetime_data(dtype)[0])
    if unit not in _PER_SECOND:
        return None
    per = int(_PER_SECOND[unit])
    tz = getattr(dtype, "tz", None)
    missing = col.isna().to_numpy()
    wall = (col.dt.tz_localize(None) if tz is not None else col).to_numpy().view("i8").copy()
    wall[missing] = 0
    sec = np.floor_divide(wall, per)
    if len(sec) and (sec.min() < _FIRST_SECOND or sec.max() > _LAST_SECOND):
        return None
    text = np.datetime_as_string(sec.astype("datetime64[s]"), unit="s")
    frac = (wall - sec * per) * (10**9 // per)  # nanoseconds past the second
    # np.char, not np.strings: numpy 2's np.char.add/zfill are np.strings' own ufuncs, and numpy
    # 1.26 (the floor in pyproject's dependencies) has np.char only
    if frac.any():  # as isoformat: microseconds (6 digits), or nanoseconds (9) where there are some
        micro = frac % 1000 == 0
        digits = np.where(micro, frac // 1000, frac).astype("U9")
        digits = np.where(micro, np.char.zfill(digits, 6), np.char.zfill(digits, 9))
        text = np.where(frac != 0, np.char.add(np.char.add(text, "."), digits), text)
    if tz is not None:
        utc = col.dt.tz_convert(None).to_numpy().view("i8").copy()  # (None: UTC, zone dropped)
        utc[missing] = 0
        east = (wall - utc) // per  # the offset, seconds east of UTC
        if (east % 60).any():
            return None
        minutes = np.abs(east) // 60
        hours = np.char.zfill((minutes // 60).astype("U2"), 2)
        text = np.char.add(np.char.add(text, np.where(east < 0, "-", "+")), hours)
        text = np.char.add(np.char.add(text, ":"), np.char.zfill((minutes % 60).astype("U2"), 2))
    out = text.astype(object)
    out[missing] = None
    return out


def _as_python_writes(col: np.ndarray, text: Any) -> Any:
    """Arrow's text (``text``) of the float64 column ``col`` with the numbers it writes otherwise
    than Python's ``json`` (``stream``'s alerts, the service) in Python's words: the same shortest
    digits, but Arrow keeps decimal notation down to 1e-7 and up to 1e21 and writes no
    exponent's leading zero (``0.00005651667168340329``, ``1.2e-9``, where Python writes
    ``5.651667168340329e-05``, ``1.2e-09``). Only those few are rewritten, one by one.

    Examples
    --------
    >>> import pyarrow as pa, pyarrow.compute as pc
    >>> v = np.array([0.5, 5.651667168340329e-05, 1.2e-9, 3e17, 0.0, np.nan])
    >>> _as_python_writes(v, pc.cast(pa.array(v), pa.large_string())).to_pylist()
    ['0.5', '5.651667168340329e-05', '1.2e-09', '3e+17', '0', 'nan']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    size = np.abs(col)
    with np.errstate(invalid="ignore"):
        other = np.isfinite(col) & (((size > 0) & (size < 1e-4)) | (size >= 1e16))
    if not other.any():
        return text
    return pc.replace_with_mask(text, pa.array(other),
                                pa.array([repr(float(v)) for v in col[other]], pa.large_string()))


def _slashes_kept(text: str) -> str:
    r"""pandas' JSON ``text`` with each ``/`` as it is, not ``\/``: pandas escapes every ``/``,
    so the character before any ``/`` of its text is that escape (a backslash of the value is
    ``\\``, never followed by a bare ``/``), and each ``\/`` is one escaped ``/``.

    Examples
    --------
    >>> print(_slashes_kept(pd.DataFrame({"p": ["a/b", "c\\/d"]}).to_json(orient="records")))
    [{"p":"a/b"},{"p":"c\\/d"}]
    """
    return text.replace("\\/", "/") if "\\/" in text else text


def json_lines(df: pd.DataFrame) -> str:
    """``df`` as JSON lines (one object per row, each line ending in a newline; ``""`` for no
    rows), times as ISO 8601 text as the CSV and SQLite outputs write them, not pandas' epoch
    milliseconds (which drop a UTC offset and read as a number in a SIEM). A float is written
    as the shortest text that reads back as the same number, as the CSV and SQLite outputs, the
    stream's alerts and the service hold it (pandas' JSON cuts at 15 decimal places: a score of
    5.3772125244140625 read back as 5.377212524414062, 1.234567890123e-9 as 1.234568e-9); NaN,
    and ±inf (JSON has no infinity), are ``null``. A ``/`` is written as it is, as the stream's
    alerts write it (pandas' ``\\/`` left ``grep 10.0.0.0/8`` finding nothing in the output),
    and other text as it is (UTF-8), not as ``\\u`` escapes (``grep José`` found nothing either).

    Examples
    --------
    >>> df = pd.DataFrame({"ts": pd.to_datetime(["2024-05-01 00:01:00", None]), "score": [1.5, 2.0]})
    >>> print(json_lines(df), end="")
    {"ts":"2024-05-01T00:01:00","score":1.5}
    {"ts":null,"score":2.0}
    >>> print(json_lines(pd.DataFrame({"score": [1.234567890123e-9, float("inf")]})), end="")
    {"score":1.234567890123e-09}
    {"score":null}
    >>> print(json_lines(pd.DataFrame({"score": [5.3772125244140625], "n": [-0.0]})), end="")
    {"score":5.3772125244140625,"n":-0.0}
    >>> import datetime
    >>> print(json_lines(pd.DataFrame({"day": [datetime.date(2024, 1, 1)]})), end="")
    {"day":"2024-01-01"}
    >>> print(json_lines(pd.DataFrame({"net": ["10.0.0.0/8"], "score": [1.5]})), end="")
    {"net":"10.0.0.0/8","score":1.5}
    >>> print(json_lines(pd.DataFrame({"user": ["José"], "é": [1.5]})), end="")
    {"user":"José","é":1.5}
    """
    if not len(df):
        return ""
    df = iso_times(df)
    # numbers and booleans of numpy's dtypes: written here; the other columns as pandas writes them
    plain = [isinstance(t, np.dtype) and t.kind in "fiub" for t in df.dtypes]
    if not any(isinstance(t, np.dtype) and t.kind == "f" for t in df.dtypes) or \
            df.columns.duplicated().any():  # (pandas refuses duplicate names itself)
        text = _slashes_kept(df.to_json(orient="records", lines=True, double_precision=15,
                                        force_ascii=False))
        # whether pandas ends ``lines=True`` output with a newline depends on its version
        return text if text.endswith("\n") else text + "\n"
    # each float column as its shortest exact text (an integer's or a boolean's as it is), the
    # other columns (runs of them) as pandas writes them; each row's parts joined in order
    import pyarrow as pa
    import pyarrow.compute as pc

    def lit(text: str) -> Any:
        return pa.scalar(text, pa.large_string())

    # every row's pieces joined in one pass (a join a column, then one a row, took three times
    # as long): '{', each field's name, its text (and a float's '.0'), ',' between, '}' LF
    pieces: list[Any] = [lit("{")]
    i = 0
    while i < df.shape[1]:
        j = i + 1
        while j < df.shape[1] and plain[j] == plain[i]:
            j += 1
        if plain[i]:
            for k in range(i, j):
                pieces.append(lit(f"{json.dumps(str(df.columns[k]), ensure_ascii=False)}:"))
                col = df.iloc[:, k].to_numpy()
                if col.dtype.kind == "b":
                    pieces.append(pc.if_else(pa.array(col), lit("true"), lit("false")))
                elif col.dtype.kind in "iu":
                    pieces.append(pc.cast(pa.array(col), pa.large_string()))
                else:
                    # (a float32 column, a Parquet file's: its own shortest text, as the CSV's)
                    values = pa.array(col if col.dtype.kind == "f" and col.dtype.itemsize in (4, 8)
                                      else col.astype(np.float64), from_pandas=False)
                    text = pc.cast(values, pa.large_string())  # (64-bit offsets: no 2 GiB limit)
                    finite = pc.is_finite(values)
                    if col.dtype == np.float64:
                        text = _as_python_writes(col, text)
                    pieces.append(pc.if_else(finite, text, lit("null")))
                    # a whole number keeps its '.0' (2.0, not 2: a float, as Python's json writes)
                    whole = pc.and_(finite, pc.invert(pc.or_(pc.match_substring(text, "."),
                                                             pc.match_substring(text, "e"))))
                    pieces.append(pc.if_else(whole, lit(".0"), lit("")))
                pieces.append(lit(","))
        else:
            lines = _slashes_kept(df.iloc[:, i:j].to_json(orient="records", lines=True,
                                                          double_precision=15, force_ascii=False))
            # (one line a row: pandas escapes every line break inside a value)
            each = pc.list_flatten(pc.split_pattern(pa.array([lines.rstrip("\n")], pa.large_string()), "\n"))
            pieces += [pc.utf8_slice_codeunits(each, 1, -1), lit(",")]  # the '{...}' of each row opened
        i = j
    pieces[-1] = lit("}\n")
    rows = pc.binary_join_element_wise(*pieces, lit(""))
    if rows.offset or rows.null_count:  # (never so far: the rows' text is read from its buffer)
        return "".join(rows.to_pylist())
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64, count=len(rows) + 1)
    return rows.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]].decode("utf-8")


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], *, table: str = "alerts") -> None:
    """Write ``df`` as CSV, TSV, Parquet, JSONL or SQLite (by extension; ``.gz`` compresses CSV,
    TSV and JSONL; a ``.sqlite``/``.db`` file gets one table named ``table``), atomically: a
    failure leaves no half-written file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "scores.csv.gz"
    >>> write_table(pd.DataFrame({"score": [0.5, 2.0]}), out)
    >>> read_table(out)["score"].tolist()
    [0.5, 2.0]
    """
    fmt = detect_format(path)
    with atomic_output(path) as tmp:
        if is_sqlite(path):
            writer = SQLiteWriter(tmp, table, target=path)  # errors name the output, not tmp
            try:
                writer.write(df)
            finally:
                writer.close()
            return
        if fmt == "parquet":  # (handed to Arrow open, not by name: see utf8_name)
            with open(tmp, "wb") as fh:
                df.to_parquet(fh, index=False)
            return
        with open_output(tmp, path) as fh:
            if fmt == "jsonl":
                fh.write(json_lines(df))
            else:
                csv_text(df, fh, "\t" if fmt == "tsv" else ",")
