"""``-`` or a folder as a command's DATA: standard input, or the files of the folder, saved to
one temporary file first.

``train``, ``score``, ``evaluate``, ``explain``, ``inspect`` and ``benchmark`` read their data
more than once (the format is sniffed, a sample fitted, then every row scored), which a pipe
cannot give, so ``zcat flows.csv.gz | hourglass score MODEL - -o -`` copies the pipe into a file
in the system's temporary folder, removed when the command ends. ``hourglass stream`` reads
standard input as it arrives instead.

A folder (rotated logs: ``conn.00:00:00-01:00:00.log.gz`` ..., a day of ``eve.json.*``, a
prefix of CloudTrail files) is read as its files one after the other, in name order (a rotated
log's copies oldest first, :func:`rotation_sorted`): each
decompressed, a header line the first file had left out of the others (CSV, TSV, VPC flow logs;
a file whose header line names other columns, or the same in another order, is refused),
a CloudTrail ``{"Records": [...]}`` file written as its events one a line; API pages (Okta's JSON
arrays, Microsoft Graph's ``{"value": [...]}``) follow one another, as the formats read them.
Files of one format only: JSON lines beside CSV (or any other text lines) are warned about, naming
one file of each; Parquet and ``.evtx`` files are refused (binary: given one at a time). A
pattern (quoted, so that the shell leaves it alone: ``'zeek/*/conn.*.log.gz'``,
``'trail/**/*.json.gz'``) is read the same way, its files in path order: Zeek's archive of one
folder a day, each holding every log type, gives its connection logs in time order.
"""

from __future__ import annotations

import bisect
import glob
import gzip
import io
import json
import logging
import os
import re
import shutil
import stat
import sys
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer

from hourglass._columns import QUOTED_TEXT
from hourglass._eol import CrToLf, cr_ended, cr_lines, without_boms
from hourglass._limits import loads_json
from hourglass.errors import InputError, is_link_loop, no_file, read_problem

__all__ = ["STDIN_NAME", "folder_as_file", "folder_shown", "model_as_data", "pattern_as_file", "piped",
           "reads_file", "remove_spooled", "rotation_sorted", "same_file", "shown", "shown_name",
           "stdin_as_file", "stdin_copy", "stdin_is"]

STDIN_NAME = "standard input"
"""How messages, model cards and reports name DATA given as ``-``."""

_FOLDERS: list[Path] = []
_FILES: list[str] = []
_SHOWN: dict[str, str] = {}  # a folder's copy -> how messages name it
# a folder's copy -> (its first line, the file, the file's line there) for each file copied
_STARTS: dict[str, list[tuple[int, str, int]]] = {}
_CHUNK = 1 << 20
_NOTES: list[str] = []  # warnings about DATA noted by the argument callbacks (say_notes)
_SOURCES: dict[str, list[Path]] = {}  # a folder's or pattern's copy -> the files copied into it
_HEAD = 1 << 16  # the bytes of a file that tell whether its lines end with a CR alone
_NO_HEADER = (b"{", b"[", b"#")  # a file's first line starting so is no header line


def stdin_as_file(value: Path | None) -> Path | None:
    """A DATA argument's callback: ``-`` becomes a temporary copy of standard input, named
    ``stdin`` (tables read as CSV unless ``--format`` says otherwise) or, by its first bytes,
    ``stdin.gz``, ``stdin.parquet``, ``stdin.evtx`` or, starting with ``{``, ``stdin.jsonl``
    (``stdin.jsonl.gz``); a folder, and a glob pattern that names no file itself, become one
    temporary file of their files (:func:`folder_as_file`, :func:`pattern_as_file`); any other
    value is returned unchanged.

    Examples
    --------
    >>> str(stdin_as_file(Path("flows.csv")))  # a file name is left alone
    'flows.csv'
    """
    try:
        is_folder = value is not None and str(value) != "-" and value.is_dir()
    except OSError as exc:  # a name longer than the file system allows (ENAMETOOLONG)
        raise typer.BadParameter(f"{value}: cannot read it ({read_problem(exc)})") from None
    if value is not None and str(value) != "-" and is_link_loop(value):  # (said by every reader
        # as no file, and a traceback where its path was resolved)
        raise typer.BadParameter(str(no_file(value)))
    if value is not None and str(value) != "-":
        _not_a_model(value)
    if is_folder and value is not None:
        return folder_as_file(value)
    if value is not None and not value.exists() and glob.has_magic(str(value)):
        return pattern_as_file(str(value))
    if value is not None and str(value) != "-" and _is_pipe(value):
        return _copied(value)  # (a device, /dev/zero, is refused by the readers: it never ends)
    if value is None or str(value) != "-":
        return value
    stream = sys.stdin
    if stream is None:
        raise typer.BadParameter("'-' reads standard input, and this process has none")
    if _FILES:  # benchmark's DATA and --test: a pipe is read once
        raise typer.BadParameter("'-': standard input is read already for another argument; "
                                 "only one of them can be -")
    if stream.isatty():
        raise typer.BadParameter("'-' reads standard input, which is a terminal here; pipe the "
                                 "data in (zcat flows.csv.gz | hourglass COMMAND ... -), or give "
                                 "the file's name")
    folder = _copy_folder("hourglass-stdin-", "'-': cannot write the copy of standard input")
    path = folder / "stdin"
    source = getattr(stream, "buffer", None)
    try:
        with _Copy(path) as dst:
            if source is not None:
                shutil.copyfileobj(source, dst, _CHUNK)
            else:  # a text stream without bytes underneath (embedded use)
                for text in iter(lambda: stream.read(_CHUNK), ""):
                    dst.write(text.encode("utf-8"))
            dst.flush()
    except _CopyError as exc:  # a full disk: one line, not a traceback
        raise typer.BadParameter(_copy_failed("'-': cannot write the copy of standard input",
                                              folder.parent, exc)) from None
    if path.stat().st_size == 0:
        raise typer.BadParameter("'-': standard input is empty")
    suffix = _magic_suffix(path)
    if suffix in ("", ".gz") and _json_lines(path, suffix):  # read as CSV, '{"a": 1' made a column
        suffix = ".jsonl" + suffix
    if suffix:
        path = path.rename(path.with_name(f"stdin{suffix}"))
    _FILES.append(str(path))
    return path


def _is_pipe(value: Path) -> bool:
    """Whether ``value`` is a named pipe (``mkfifo``, ``<(...)``, ``/dev/stdin`` fed by a pipe)."""
    try:
        return stat.S_ISFIFO(value.stat().st_mode)
    except (OSError, ValueError):
        return False


def _copied(value: Path) -> Path:
    """A named pipe (``mkfifo``, ``<(zcat log.gz)``, ``/dev/stdin``) given as DATA, copied to a
    temporary file under its own name: it can be read once, and the commands read DATA more than
    once (a second read found it empty, or waited for a writer that had gone)."""
    folder = _copy_folder("hourglass-pipe-", f"{value}: cannot write its copy")
    path = folder / (value.name or "pipe")
    try:
        with open(value, "rb") as src, _Copy(path) as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
            dst.flush()
    except _CopyError as exc:  # the disk of the copy (said as such), not the pipe
        raise typer.BadParameter(_copy_failed(f"{value}: cannot write its copy", folder.parent,
                                              exc)) from None
    except OSError as exc:
        raise typer.BadParameter(f"{value}: cannot read ({read_problem(exc)})") from None
    if _magic_suffix(path) == ".gz" and not path.name.lower().endswith(".gz"):
        # '<(cat flows.csv.gz)', /dev/stdin fed a .gz: read as such, as '-' is
        path = path.rename(path.with_name(path.name + ".gz"))
    _SHOWN[str(path)] = str(value)
    return path


def model_as_data(value: Path) -> str | None:
    """The one line saying ``value`` is a saved hourglass model folder, or one of its files
    (``config.json``, ``weights.safetensors`` in a folder whose ``config.json`` carries the
    artefact marker), given where data goes; ``None`` for anything else. Read as data, the
    folder was joined as a folder of data files, and its files were refused as binary data (NUL
    bytes) or pretty-printed JSON.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text('{"format": "hourglass-artefact"}')
    >>> model_as_data(folder / "weights.safetensors")  # doctest: +ELLIPSIS
    '.../weights.safetensors: a file of the saved hourglass model folder ..., not data: give ...'
    >>> model_as_data(folder)  # doctest: +ELLIPSIS
    '...: a saved hourglass model folder, not data: give it as MODEL'
    >>> model_as_data(Path("flows.csv")) is None
    True
    """
    try:
        folder = value if value.is_dir() else value.parent
        if not (folder / "config.json").is_file():
            return None
    except (OSError, ValueError):  # (a name the file system refuses: said by the readers)
        return None
    # (torch: only for a folder with a config)
    from hourglass.pipeline.artefact import ARTEFACT_FILES, is_artefact

    if (folder != value and value.name not in ARTEFACT_FILES) or not is_artefact(folder):
        return None
    if folder == value:
        return f"{value}: a saved hourglass model folder, not data: give it as MODEL"
    return f"{value}: a file of the saved hourglass model folder {folder}, not data: give the folder as MODEL"


def _not_a_model(value: Path) -> None:
    """Refuse a saved hourglass model folder, or one of its files, given as DATA
    (:func:`model_as_data`)."""
    try:
        said = model_as_data(value)
    except InputError as exc:  # (a config.json there that cannot be read: a disk's I/O error)
        raise typer.BadParameter(str(exc)) from None
    if said is not None:
        raise typer.BadParameter(f"{said} (DATA is a data file, a folder of data files, a "
                                 "pattern, or -)")


def _where(starts: list[tuple[int, str, int]], line: int) -> tuple[str, int]:
    """(the file, its line) of a joined copy's ``line``, by the copy's ``starts`` (per file: its
    first line in the copy, its name, that line's number in the file); ("", ``line``): not known."""
    # the last file starting at or before ``line``: a bisection, as a session table asks once per
    # session (a scan of every file's start per line took seconds for a folder of 1,000 files)
    k = bisect.bisect_right(starts, line, key=lambda s: s[0]) - 1
    if k < 0 or not starts[k][1]:
        return ("", line)
    first, file, own = starts[k]
    return (file, line - first + own)


def line_source(path: Path, line: int) -> tuple[str, int] | None:
    """The file and its line number that line ``line`` of DATA's copy ``path`` came from, when
    ``path`` joins the files of a folder or a pattern (:func:`folder_as_file`); else ``None``
    (``line`` is the file's own).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.log").write_text("one\\ntwo\\n")
    >>> _ = (d / "b.log").write_text("three\\n")
    >>> one = folder_as_file(d)
    >>> name, line = line_source(one, 3)
    >>> Path(name).name, line, line_source(Path("app.log"), 3)
    ('b.log', 1, None)
    >>> remove_spooled()
    """
    starts = _STARTS.get(str(path))
    if not starts:
        return None
    file, own = _where(starts, int(line))
    return (file, own) if file else None


def shown(value: object) -> str:
    """``str(value)`` with the temporary copy of standard input named as the user gave it
    (:data:`STDIN_NAME`): for messages, model cards and reports about DATA ``-``.

    Examples
    --------
    >>> shown(Path("flows.csv"))
    'flows.csv'
    >>> shown("/tmp/x.csv: line 2: expected 3 fields, found 4")
    '/tmp/x.csv: line 2: expected 3 fields, found 4'
    """
    text = str(value)
    for name in _FILES:
        text = text.replace(name, STDIN_NAME)
    for name, folder in _SHOWN.items():
        starts = _STARTS.get(name, [])

        def where(line: int, starts: list[tuple[int, str, int]] = starts) -> tuple[str, int]:
            return _where(starts, line)

        def in_file(m: re.Match[str]) -> str:
            file, line = where(int(m.group(1)))
            return f"{file}: line {line}" if file else m.group(0)

        def in_files(m: re.Match[str]) -> str:  # 'COPY (lines 5, 9 ...)': each in its own file
            parts: list[tuple[str, list[int]]] = []
            for number in re.findall(r"\d+", m.group(2)):
                file, line = where(int(number))
                if parts and parts[-1][0] == file:
                    parts[-1][1].append(line)
                else:
                    parts.append((file, [line]))
            said = "; ".join(f"{f + ': ' if f else ''}line{'s' if len(ls) > 1 else ''} "
                             f"{', '.join(map(str, ls))}" for f, ls in parts)
            return f"{m.group(1)} ({said}{m.group(3) or ''})"

        def in_own_file(m: re.Match[str], named: tuple[str, ...] = (name, *(s[1] for s in starts))) -> str:
            # 'line N' within a message about the copy (a row named by its line: "found 'x'
            # (line 8)", '(first: line 52)'): its file's; one a file or the copy names already
            # ('b.csv: line 5', told before; 'COPY: line N', below), or a quoted value's text
            # (found 'line 3'), is left as it is
            before = m.string[:m.start()]
            if m.group(1) or any(before.endswith(f"{n}: ") for n in named):
                return m.group(0)
            file, line = where(int(m.group(2)))
            return f"{file}: line {line}" if file else m.group(0)

        if starts and (name in text or folder in text):
            text = re.sub(f"({QUOTED_TEXT})" + r"|\bline (\d+)\b", in_own_file, text)
        text = re.sub(re.escape(name) + r": line (\d+)", in_file, text)
        text = re.sub(f"({re.escape(name)})" + r" \(lines ([\d, ]+?)( \.\.\.)?\)", in_files, text)
        text = text.replace(name, folder)
    return text


def shown_name(path: Path) -> str:
    """The name titles give DATA: the file's name, or, for the temporary copy of standard input,
    of a folder, a pattern or a named pipe, what :func:`shown` calls it (not ``stdin``, ``data``
    or ``63``, the copy's own name).

    Examples
    --------
    >>> shown_name(Path("/data/flows.csv"))
    'flows.csv'
    """
    text = str(path)
    return shown(text) if text in _FILES or text in _SHOWN else path.name


def folder_shown(path: object) -> str | None:
    """How messages name the folder ``path`` is the copy of (``FOLDER/ (N files)``), else ``None``.

    Examples
    --------
    >>> folder_shown(Path("flows.csv")) is None
    True
    """
    return _SHOWN.get(str(path))


def piped(path: object) -> str | None:
    """How messages name DATA when ``path`` is the copy of standard input (``-``) or of a named
    pipe, a file with no folder of its own beside it; else ``None``.

    Examples
    --------
    >>> piped(Path("flows.csv")) is None
    True
    """
    text = str(path)
    if text in _FILES:
        return STDIN_NAME
    return _SHOWN[text] if text in _SHOWN and text not in _SOURCES else None


def source_files(path: Path) -> list[Path]:
    """The files a DATA argument reads: those of a folder or a pattern copied into ``path``
    (:func:`folder_as_file`), else ``path`` itself (what an output must not replace).

    Examples
    --------
    >>> source_files(Path("flows.csv"))
    [PosixPath('flows.csv')]
    """
    return list(_SOURCES.get(str(path), [path]))


def reads_file(data: Path, path: Path) -> bool:
    """Whether DATA (a file, or the copy of a folder or pattern) reads the file ``path``: ``path``
    is DATA or one of its files (a link to one, or another spelling of its path, included).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("x\\n1\\n")
    >>> reads_file(d / "a.csv", d / "." / "a.csv"), reads_file(d / "a.csv", d / "b.csv")
    (True, False)
    """
    return any(same_file(own, path) for own in source_files(data))


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are one file (a hard link, a link, another spelling of its
    path); ``False`` where either is missing or cannot be looked at (said where it is read)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def stdin_copy(data: Path | None) -> bool:
    """Whether DATA is the copy of standard input that :func:`stdin_as_file` made of ``-``.

    Examples
    --------
    >>> stdin_copy(Path("flows.csv")), stdin_copy(None)
    (False, False)
    """
    return data is not None and str(data) in _FILES


def stdin_is(path: Path) -> bool:
    """Whether standard input reads the file ``path`` (``< path`` in a shell): both are one
    regular file; ``False`` for a pipe or a terminal, and where either cannot be looked at.

    Examples
    --------
    >>> import tempfile
    >>> stdin_is(Path(tempfile.mkdtemp()) / "alerts.jsonl")  # (no such file)
    False
    """
    try:
        here = os.fstat(sys.stdin.fileno() if sys.stdin is not None else 0)
        return stat.S_ISREG(here.st_mode) and os.path.samestat(here, os.stat(path))
    except (OSError, ValueError):  # (no descriptor 0, a closed or replaced sys.stdin)
        return False


def _open(path: Path) -> Any:
    return gzip.open(path, "rb") if _magic_suffix(path) == ".gz" else open(path, "rb")


# a rotated copy of a log, by the name logrotate gives it: numbered (``app.log.1``, ``app.log.2.gz``:
# the higher the number, the older; at most three digits, so that a year, ``report.2024``, is
# none) or dated (``app.log-20240501``, ``app.log.2024-05-01.gz``, an epoch time), with the
# suffix of its compression or none
_ROTATED = re.compile(r"(?P<base>.+?)(?:\.(?P<number>[1-9]\d{0,2})|[._-](?P<date>(?:19|20)\d\d-?[01]\d-?"
                      r"[0-3]\d(?:[-_T]?\d\d){0,3}|1\d{9}))(?:\.(?:gz|bz2|xz|zst|lz4|Z))?")


def rotation_sorted(paths: Iterable[Path]) -> list[Path]:
    """``paths`` in name order (path order: each folder's files together), except that the
    copies of a rotated log go oldest first, then the log itself: logrotate numbers its copies
    from the newest (``app.log.1``), so name order read ``app.log`` (the newest lines) first, then
    ``app.log.1``, ``app.log.10`` before ``app.log.2``, and a session spanning a rotation had its
    events out of order (and scored otherwise than the same lines in one file). A dated copy
    (``app.log-20240501.gz``) is in time order by name already; the log itself goes after it.

    Examples
    --------
    >>> names = ["app.log", "app.log.1", "app.log.10.gz", "app.log.2.gz", "conn.log", "report.2024"]
    >>> [p.name for p in rotation_sorted(Path(n) for n in names)]
    ['app.log.10.gz', 'app.log.2.gz', 'app.log.1', 'app.log', 'conn.log', 'report.2024']
    >>> dated = ["app.log", "app.log-20240502", "app.log-20240501.gz"]
    >>> [p.name for p in rotation_sorted(Path(n) for n in dated)]
    ['app.log-20240501.gz', 'app.log-20240502', 'app.log']
    """
    matches = [(p, _ROTATED.fullmatch(p.name)) for p in paths]
    rotated = {(p.parent, m["base"]) for p, m in matches if m is not None}

    def key(pair: tuple[Path, re.Match[str] | None]) -> tuple[Any, ...]:
        p, found = pair
        if found is not None:  # a copy: among its log's copies, the highest number first
            number = found["number"]
            return (p.parent, found["base"], 0, -int(number) if number else 0, p.name)
        if (p.parent, p.name) in rotated:  # the log itself: after its copies
            return (p.parent, p.name, 1, 0, p.name)
        return (p.parent, p.name, 0, 0, p.name)

    return [p for p, _ in sorted(matches, key=key)]


def folder_as_file(folder: Path) -> Path:
    """The files of ``folder`` (not its subfolders, nor hidden files), in name order, as one
    temporary file (see the module's description); messages name it ``FOLDER/ (N files)``.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "b.csv").write_text("x,y\\n3,4\\n")
    >>> _ = (d / "a.csv").write_text("x,y\\n1,2")
    >>> one = folder_as_file(d)
    >>> one.read_text(), shown(one).endswith("/ (2 files)")
    ('x,y\\n1,2\\n3,4\\n', True)
    >>> remove_spooled()
    """
    files = rotation_sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    _note_dangling(sorted(p for p in folder.iterdir() if not p.name.startswith(".")), str(folder))
    if not files:
        inner = any(p.is_dir() and not p.name.startswith(".") for p in folder.iterdir())
        hint = (f"; for the files of its subfolders give a pattern in quotes, e.g. "
                f"'{folder}/*/conn.*.log.gz'" if inner else "")
        raise typer.BadParameter(f"{folder}: a folder without files (DATA is a file, a folder of "
                                 f"files of one layout, a pattern, or -){hint}")
    return _files_as_file(files, str(folder), f"{folder}/ ")


def pattern_as_file(pattern: str) -> Path:
    """The files a glob ``pattern`` matches (``**`` any depth of folders; hidden files and
    folders only when the pattern names them), in path order, as one temporary file like
    :func:`folder_as_file`; messages name it ``PATTERN (N files)``.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> for day, text in (("2024-11-15", "x,y\\n3,4\\n"), ("2024-11-14", "x,y\\n1,2\\n")):
    ...     (d / day).mkdir()
    ...     _ = (d / day / "conn.csv").write_text(text)
    ...     _ = (d / day / "dns.csv").write_text("q\\nexample.com\\n")
    >>> one = pattern_as_file(f"{d}/*/conn.csv")
    >>> one.read_text(), shown(one).endswith("/*/conn.csv (2 files)")
    ('x,y\\n1,2\\n3,4\\n', True)
    >>> remove_spooled()
    """
    matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
    files = rotation_sorted(p for p in matches if p.is_file())
    _note_dangling(matches, pattern)
    if not files:
        raise typer.BadParameter(f"{pattern}: no file matches this pattern (nor is it a file or "
                                 "a folder)")
    return _files_as_file(files, pattern, f"{pattern} ")


def _files_as_file(files: list[Path], name: str, label: str) -> Path:
    """``files`` copied one after the other to one temporary file; ``name`` (a folder, a
    pattern) is how errors name them all, ``label`` + ``(N files)`` how messages name the copy."""
    out_folder = _copy_folder("hourglass-folder-", f"{name}: cannot write its copy")
    header: bytes | None = None
    kinds: set[str] = set()
    layouts: dict[bool, Path] = {}  # JSON lines or not -> the first file that is so
    out = out_folder / "data"
    starts: list[tuple[int, str, int]] = []
    lines = 0  # lines written so far
    path: Path | None = None  # the file being copied
    header_file: Path | None = None  # the file the header line is from
    names = False  # whether that line names columns (a table's header, not a log's first line)
    decided = False  # whether a line after it told (a file of that one line leaves it open)
    try:
        from hourglass.ingest.logs import compressed_kind, tar_member
        from hourglass.ingest.tables import (
            DHCP_HEADER,
            DHCP_PREAMBLE_LINES,
            QUALYS_HEAD,
            QUALYS_LINES,
            dhcp_preamble,
            qualys_header_at,
            report_header_at,
            type_line,
        )

        with _Copy(out) as dst:
            for path in files:
                with _open(path) as fh:
                    head = fh.peek(16)[:16]
                    if head.startswith((b"PAR1", b"ElfFile\x00")):
                        what = "Parquet" if head.startswith(b"PAR1") else "a Windows .evtx log"
                        raise typer.BadParameter(
                            f"{name}: {path.name} is {what}: a folder or a pattern is read as "
                            "text files one after the other; give such files one at a time")
                    member = tar_member(fh.peek(512)[:512])
                    if member is not None:  # (its header and padding were copied as lines of text)
                        raise typer.BadParameter(
                            f"{name}: {_relative(path, name)} is a tar archive (its first file: "
                            f"{member}): a folder or a pattern is read as text files one after the "
                            "other; extract the archive's files into the folder instead")
                    packed = compressed_kind(head)
                    if packed is not None:  # (any file, not only the first: its bytes were
                        # copied as lines of text, garbage read as rows)
                        raise typer.BadParameter(
                            f"{name}: {_relative(path, name)} is {packed[0]}-compressed, and only "
                            "gzip is read directly; decompress it there first ("
                            f"{packed[1]} FILE writes its text out), or give a pattern that leaves it out")
                    if head.startswith(b"\x1f\x8b"):  # (gzip data, decompressed: gzip again)
                        raise typer.BadParameter(
                            f"{name}: {_relative(path, name)} is gzip-compressed twice (gzip data "
                            "inside the gzip data); decompress it once: what zcat writes is a "
                            ".gz file itself")
                    src = fh
                    if head.lstrip().startswith(b'{"Records"'):  # CloudTrail's files are small
                        text = fh.read()
                        records = _cloudtrail_records(text)
                        if records is not None:
                            kinds.add("cloudtrail")
                            dst.writelines(json.dumps(r).encode() + b"\n" for r in records)
                            starts.append((lines + 1, f"{path} (Records)", 1))
                            lines += len(records)
                            continue
                        src = io.BytesIO(text)  # not CloudTrail after all: its text as it is
                    head = src.read(_HEAD)  # lines ended by a CR alone: copied as LF-ended lines,
                    if cr_ended(head):  # as the readers take such a file given alone: a CR
                        # within a quoted field where a CSV reader would find one (its value's)
                        from hourglass.ingest.tables import _quoted_newline

                        lf = CrToLf()(head)  # (a log's stray " is text)
                        quotes = _quoted_newline(lf) and _csv_table(path, lf)
                        src = cr_lines(_Chain(head, src), quotes=quotes)
                    else:
                        src.seek(0)  # (a gzip file's first 64 KiB decompressed again: cheap)
                    # a byte-order mark (Windows tools write one in each file) is left out: past
                    # the first file it is in the middle of the copy, where no reader skips it
                    first = without_boms(src.readline())
                    blanks = 0  # blank lines before its first line (the readers skip them in a
                    while first and not first.strip():  # file, so its header is that line)
                        first, blanks = src.readline(), blanks + 1
                    if type_line(first):  # PowerShell's '#TYPE ...' line, before the header: the
                        first, blanks = src.readline(), blanks + 1  # readers pass over it too
                        while first and not first.strip():
                            first, blanks = src.readline(), blanks + 1
                    if dhcp_preamble(first):  # the DHCP Server audit log's event-ID meanings
                        ahead = [first]  # before its header: the readers pass over them too
                        while len(ahead) < DHCP_PREAMBLE_LINES and (more := src.readline()):
                            if without_boms(more).startswith(DHCP_HEADER):
                                first, blanks = more, blanks + len(ahead)
                                break
                            ahead.append(more)
                        else:  # (no header: its lines read as they are)
                            src = io.BufferedReader(_Chain(b"".join(ahead[1:]), src))
                    elif first and b"QID" not in first:  # a Qualys (or an access or print) report's
                        ahead, size = [first], len(first)  # own lines before its header: passed over too
                        while len(ahead) < QUALYS_LINES and size < QUALYS_HEAD and (more := src.readline()):
                            ahead.append(more)
                            size += len(more)
                        at = (qualys_header_at(ahead) if any(b"QID" in a for a in ahead)
                              else report_header_at(ahead))  # (an access or print report's title)
                        if at:
                            first, blanks = ahead[at], blanks + at
                        if ahead[at + 1:]:
                            src = io.BufferedReader(_Chain(b"".join(ahead[at + 1:]), src))
                    if not first:
                        continue
                    kinds.add("text")
                    line = first.rstrip(b"\r\n")
                    _check_layout(layouts, path, line, name)
                    if header is None:  # a header line: no JSON object or array (API pages), no Zeek '#' line
                        # (nor a line format's record: a log's line, which names no columns)
                        header = (b"" if line.lstrip(b"\xef\xbb\xbf \t").startswith(_NO_HEADER)
                                  or _line_record(line) else line)
                        header_file = path
                        second, src = _peek_line(src)  # a header names columns its data lines do not
                        # (a log's lines share words; a lone line is no header: it names no
                        # columns a data line lacks, and a quiet hour's log may hold one line)
                        names, decided = _names_of(header, second), bool(second.strip())
                    elif header and line == header and names:  # the same header again: once
                        first = b""
                    elif header and line == header and not decided and _delimited(header):
                        # the first file was that table line alone: this file's next line tells
                        # whether it names columns (a line of words, a log's or a key file's
                        # session, is data again: never dropped)
                        second, src = _peek_line(src)
                        names, decided = _names_of(header, second), bool(second.strip())
                        if names or not decided:  # (files of that one line: a header, once)
                            first = b""
                    elif names and _fields(line) == _fields(header):  # the same, quoted otherwise
                        first = b""
                    elif names and header_file and _names_columns(line, header):  # its rows shifted
                        raise typer.BadParameter(
                            f"{name}: {_relative(path, name)} has another header line than "
                            f"{_relative(header_file, name)} ({line[:80].decode(errors='replace')!r}): "
                            "read one after the other, its rows would be read into the first file's "
                            "columns; give files of one header line")
                    starts.append((lines + 1, str(path), (1 if first else 2) + blanks))
                    last = first[-1:]
                    dst.write(first)
                    lines += first.count(b"\n")
                    while chunk := src.read(_CHUNK):
                        dst.write(chunk)
                        lines += chunk.count(b"\n")
                        last = chunk[-1:]
                    if last not in (b"", b"\n"):
                        dst.write(b"\n")
                        lines += 1
            dst.flush()
    except _CopyError as exc:  # the disk of the copy, not a file of the folder
        raise typer.BadParameter(_copy_failed(f"{name}: cannot write its copy", out_folder.parent,
                                              exc)) from None
    except (OSError, EOFError, zlib.error) as exc:  # a .gz cut short (being compressed), damaged
        where = f"{name}: {_relative(path, name)}" if path is not None else name
        raise typer.BadParameter(f"{where}: cannot read ({read_problem(exc)})") from None
    if len(kinds) > 1:
        raise typer.BadParameter(f"{name}: holds CloudTrail files and other files; give a folder "
                                 "of one layout")
    _SHOWN[str(out)] = f"{label}({len(files)} files)"
    _STARTS[str(out)] = starts
    _SOURCES[str(out)] = files
    return out


def _fields(line: bytes) -> list[bytes]:
    """The names of a header ``line`` (its fields by its most frequent delimiter, blanks and
    quotes aside).

    Examples
    --------
    >>> _fields(b'"a", "b"') == _fields(b"a,b")
    True
    >>> _fields(b"src ip, dst ip") == _fields(b'"src ip","dst ip"') == [b"src ip", b"dst ip"]
    True
    """
    seps = [d for d in (b",", b"\t", b";", b"|") if d in line]  # names may hold spaces
    sep = max(seps, key=line.count) if seps else b" "
    return [f.strip().strip(b'"') for f in line.split(sep)]


def _names_of(header: bytes, second: bytes) -> bool:
    """Whether a file's first line ``header`` names columns, told by the ``second`` line: a
    header names columns its data lines do not (a log's lines share words; a key file's keys).

    Examples
    --------
    >>> _names_of(b"x,y", b"1,2\\n"), _names_of(b"1 2 3 4", b"1 2 3 5\\n"), _names_of(b"x,y", b"")
    (True, False, False)
    >>> _names_of(b"src,bytes,", b"10.0.0.1,5,\\n"), _names_of(b",src", b"0,\\n")  # empty cells
    (True, True)
    >>> _names_of(b"src,dst", b"src,x\\n"), _names_of(b"0,tcp,http,SF", b"0,tcp,http,REJ\\n")
    (True, False)
    """
    if not header or not second.strip():
        return False
    shared = set(_fields(second.rstrip(b"\r\n"))) & set(_fields(header))
    if not _delimited(header):  # a log's lines share words, a key file's sessions keys
        return not shared
    # a table's: a data value may equal a column name (src,dst over src,x); a row repeated
    # with a field changed (headerless flow records) shares most; an empty cell names nothing
    names = {f for f in _fields(header) if f}
    return 2 * len(shared - {b""}) <= len(names)


def _line_record(line: bytes) -> bool:
    """Whether ``line`` is a record of a line format (CEF, LEEF, PAN-OS, key=value, a Linux audit
    record): a log's line, which names no columns, whatever words the line after it shares (a
    later file starting with such a line again is data, neither a header repeated nor another).

    Examples
    --------
    >>> _line_record(b"CEF:0|Acme|FW|1.0|100|deny|5|src=10.0.0.1 dst=10.0.0.2 dpt=443")
    True
    >>> _line_record(b"type=USER_AUTH msg=audit(1700000000.101:310): pid=1 uid=0 res=success")
    True
    >>> _line_record(b"ts,src,dst"), _line_record(b"version account-id interface-id srcaddr")
    (False, False)
    """
    from hourglass.ingest.formats import all_formats

    for spec in all_formats().values():
        parse = getattr(spec, "parse", None)
        try:
            if parse is not None and parse(line) is not None:
                return True
        except Exception:  # a parser that chokes on this line: no record of its format
            continue
    return False


def _delimited(line: bytes) -> bool:
    """Whether ``line`` is split by a delimiter (a table's line), not by spaces only (a log's
    line, a key file's session: such a line again in a later file may be data).

    Examples
    --------
    >>> _delimited(b"x,y"), _delimited(b"a\\tb"), _delimited(b"1 2 3")
    (True, True, False)
    """
    return any(d in line for d in (b",", b"\t", b";", b"|"))


def _names_columns(line: bytes, header: bytes) -> bool:
    """Whether ``line`` (a later file's first line) is a header line of its own rather than data:
    at least half (and two) of the names of the first file's ``header``, in another order, or with
    columns added or left out.

    Examples
    --------
    >>> _names_columns(b"b,a", b"a,b"), _names_columns(b"ts,src,dst,bytes", b"ts,src,bytes")
    (True, True)
    >>> _names_columns(b"1,2", b"a,b"), _names_columns(b"2024-01-01,tcp,80", b"ts,proto,port")
    (False, False)
    """
    names = set(_fields(header))
    return len(names) > 1 and len(names & set(_fields(line))) >= max(2, len(names) // 2)


def _csv_table(path: Path, head: bytes) -> bool:
    """Whether ``path``, starting with the LF-ended text ``head``, given alone is read as a CSV or
    TSV table, whose quoted fields may hold a line break: its name says so (``.csv``, ``.tsv``;
    ``.gz`` aside), or it is named ``.txt`` or has no extension, the format sniffer reads it as
    such a table and a line of ``head`` ends inside a field quoted from its start, as the CSV
    reader quotes (a log's lines, ``.log`` or not, are text lines: a stray ``"`` joins none)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".csv", ".tsv")):
        return True
    if "." in name and not name.endswith(".txt"):
        return False
    from hourglass.ingest.formats import sniff_format
    from hourglass.ingest.tables import _ends_open, sniff_delimiter

    try:
        fmt = str(sniff_format(path).name)
        if fmt not in ("csv", "tsv"):
            return False
        sep = b"\t" if fmt == "tsv" else sniff_delimiter(path).encode()
    except (InputError, OSError, EOFError, zlib.error):  # (said when the file is copied or read)
        return False
    inside = False
    for line in head.split(b"\n")[:-1]:  # (whole lines: the last may be cut)
        inside = _ends_open(line + b"\n", inside, sep)
        if inside:
            return True
    return False


def _peek_line(src: Any) -> tuple[bytes, Any]:
    """The next line of ``src``, and a stream that reads it again, then the rest."""
    line = src.readline()
    return line, (io.BufferedReader(_Chain(line, src)) if line else src)


class _Chain(io.RawIOBase):
    """``head`` (bytes read ahead) then the rest of ``rest``, as one stream."""

    def __init__(self, head: bytes, rest: Any) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.head[:len(buffer)] if self.head else self.rest.read(len(buffer))
        self.head = self.head[len(data):] if self.head else b""
        buffer[:len(data)] = data
        return len(data)


class _CopyError(Exception):
    """Making or writing the copy of a folder's files, a pipe or standard input failed (a full
    disk, a file size limit, a disk's I/O error); the system's error is its cause."""


def _copy_folder(prefix: str, what: str) -> Path:
    """A new folder for a copy in the system's temporary folder (removed by
    :func:`remove_spooled`); one that cannot be made is ``what`` said of that folder
    (:func:`_copy_failed`), not the random name tried, which is no folder."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=prefix))
    except OSError as exc:
        raise typer.BadParameter(_copy_failed(what, Path(tempfile.gettempdir()), exc)) from None
    _FOLDERS.append(folder)
    return folder


def _copy_failed(what: str, where: Path, exc: BaseException) -> str:
    """The line for a copy that could not be made in the folder ``where``: ``what`` (``NAME:
    cannot write its copy``), the folder, the system's words, and what helps: room for a full
    disk, another folder for any other failure (freeing space mends no I/O error).

    Examples
    --------
    >>> _copy_failed("'-': cannot write its copy", Path("/tmp"), OSError(28, "No space left on device"))
    "'-': cannot write its copy in /tmp (No space left on device); free space there or set TMPDIR"
    >>> _copy_failed("logs/: cannot write its copy", Path("/tmp"), OSError(5, "Input/output error"))
    'logs/: cannot write its copy in /tmp (Input/output error); set TMPDIR to another folder'
    """
    from hourglass.cli._output import DISK_FULL  # (that module imports this one)

    cause = exc.__cause__ if isinstance(exc, _CopyError) and exc.__cause__ is not None else exc
    full = isinstance(cause, OSError) and cause.errno in DISK_FULL
    advice = "free space there or set TMPDIR" if full else "set TMPDIR to another folder"
    return f"{what} in {where} ({read_problem(cause)}); {advice}"


class _Copy:
    """The copy's file ``path``, opened for writing, whose errors (opening, writing, closing it)
    are :class:`_CopyError` (not a file's read error)."""

    def __init__(self, path: Path) -> None:
        try:
            self.fh = open(path, "wb")
        except OSError as exc:
            raise _CopyError() from exc

    def __enter__(self) -> _Copy:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        try:
            self.fh.close()
        except OSError as exc:
            if kind is None:  # (one already on its way says more)
                raise _CopyError() from exc

    def write(self, data: bytes) -> None:
        try:
            self.fh.write(data)
        except OSError as exc:
            raise _CopyError() from exc

    def writelines(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self.fh.flush()
        except OSError as exc:
            raise _CopyError() from exc


def _relative(path: Path, name: str) -> str:
    """``path`` as messages name a file of the folder (its path in it) or pattern ``name``.

    Examples
    --------
    >>> _relative(Path("/no/such/folder/b.gz"), "/no/such/folder"), _relative(Path("x/1.gz"), "x/*.gz")
    ('/no/such/folder/b.gz', 'x/1.gz')
    """
    folder = Path(name)
    return str(path.relative_to(folder)) if folder.is_dir() and path.is_relative_to(folder) else str(path)


def _check_layout(layouts: dict[bool, Path], path: Path, line: bytes, name: str) -> None:
    """Note whether ``path``, whose first line is ``line``, holds JSON lines (its first line a
    JSON object) or other text (CSV, TSV, a log); at the first of each in ``name``, warn, naming
    both: read as one file in one format, the JSON lines would become values of the CSV's columns
    (``{"a":1``). A warning, not a refusal: a log's line may be JSON (``--format syslog``), a CSV
    part's first cell braced (``{GUID}``), a rotated file's first line cut. A line starting with
    ``[`` (a JSON array of events, a log's ``[time]``) or ``{`` that is no JSON object, or a blank
    one, tells neither."""
    head = line.lstrip(b"\xef\xbb\xbf \t")
    if not head or head.startswith(b"[") or len(layouts) > 1:
        return
    if head.startswith(b"{"):
        try:
            if len(head) > _CHUNK or not isinstance(loads_json(head), dict):
                return
        except (ValueError, RecursionError):
            return
    json_lines = head.startswith(b"{")
    layouts.setdefault(json_lines, path)
    if len(layouts) > 1:
        _NOTES.append(  # said once the command has set up its logging (say_notes)
            f"{name}: holds files of different layouts: {_relative(layouts[True], name)} is JSON lines, "
            f"{_relative(layouts[False], name)} is text lines (CSV, TSV or a log); a folder or a pattern is "
            "read as files of one format, one after the other: if they differ, give them apart")


def _note_dangling(paths: list[Path], name: str) -> None:
    """Note (:func:`say_notes`) each of ``paths`` that is a symbolic link to a missing file (a log
    rotated away, a disk not mounted) or a link loop: left out of DATA ``name``, and its rows with it, which
    went unsaid."""
    for path in paths:
        if path.is_symlink() and not path.exists():
            what = "a symbolic link loop" if is_link_loop(path) else "a symbolic link to a missing file"
            _NOTES.append(f"{name}: left out {_relative(path, name)}: {what} ({os.readlink(path)}); "
                          "its rows are not read")


def say_notes() -> None:
    """Log (as warnings) what reading DATA's folders noted, once: the argument callbacks run
    before a command sets up its logging."""
    for note in _NOTES:
        logging.getLogger("hourglass").warning("%s", note)
    _NOTES.clear()


def _json_lines(path: Path, suffix: str) -> bool:
    """Whether the (gunzipped) copy starts, blanks and a byte-order mark aside, with ``{``: JSON
    lines, which no CSV header does."""
    try:
        with (gzip.open(path, "rb") if suffix == ".gz" else open(path, "rb")) as fh:
            head = fh.read(4096)
    except (OSError, EOFError, zlib.error):  # a damaged gzip stream: the reader says so
        return False
    return without_boms(head).lstrip().startswith(b"{")


def _cloudtrail_records(text: bytes) -> list[Any] | None:
    """The events of a CloudTrail ``{"Records": [...]}`` file, else ``None``."""
    if not text.lstrip().startswith(b'{"Records"'):
        return None
    try:
        records = loads_json(text).get("Records")
    except (ValueError, RecursionError):
        return None
    return records if isinstance(records, list) else None


# what the readers tell by the name, told here by the first bytes
_MAGIC = ((b"\x1f\x8b", ".gz"), (b"PAR1", ".parquet"), (b"ElfFile\x00", ".evtx"))


def _magic_suffix(path: Path) -> str:
    """The suffix the first bytes of ``path`` call for (:data:`_MAGIC`), ``""`` for none."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    return next((s for magic, s in _MAGIC if head.startswith(magic)), "")


def remove_spooled() -> None:
    """Delete the copies :func:`stdin_as_file` made (called when a command ends, and again by the
    console script: a copy stays listed until it is gone, so Ctrl-C or SIGTERM that cut the first
    call short leaves none behind)."""
    while _FOLDERS:
        shutil.rmtree(_FOLDERS[-1], ignore_errors=True)
        _FOLDERS.pop()
    _FILES.clear()
    _SHOWN.clear()
    _STARTS.clear()
    _SOURCES.clear()
    _NOTES.clear()
