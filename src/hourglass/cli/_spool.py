"""``-`` as a command's DATA: standard input saved to a temporary file first.

``train``, ``score``, ``evaluate``, ``explain``, ``inspect`` and ``benchmark`` read their data
more than once (the format is sniffed, a sample fitted, then every row scored), which a pipe
cannot give, so ``zcat flows.csv.gz | hourglass score MODEL - -o -`` copies the pipe into a file
in the system's temporary folder, removed when the command ends. ``hourglass stream`` reads
standard input as it arrives instead.
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

import typer

__all__ = ["STDIN_NAME", "remove_spooled", "shown", "stdin_as_file"]

STDIN_NAME = "standard input"
"""How messages, model cards and reports name DATA given as ``-``."""

_FOLDERS: list[Path] = []
_FILES: list[str] = []
_CHUNK = 1 << 20


def stdin_as_file(value: Path | None) -> Path | None:
    """A DATA argument's callback: ``-`` becomes a temporary copy of standard input, named
    ``stdin`` (tables read as CSV unless ``--format`` says otherwise) or, by its first bytes,
    ``stdin.gz``, ``stdin.parquet``, ``stdin.evtx`` or, starting with ``{``, ``stdin.jsonl``
    (``stdin.jsonl.gz``); any other value is returned unchanged.

    Examples
    --------
    >>> str(stdin_as_file(Path("flows.csv")))  # a file name is left alone
    'flows.csv'
    """
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
                                 "data in (zcat flows.csv.gz | hourglass score MODEL - -o -)")
    folder = Path(tempfile.mkdtemp(prefix="hourglass-stdin-"))
    _FOLDERS.append(folder)
    path = folder / "stdin"
    source = getattr(stream, "buffer", None)
    with open(path, "wb") as dst:
        if source is not None:
            shutil.copyfileobj(source, dst, _CHUNK)
        else:  # a text stream without bytes underneath (embedded use)
            for text in iter(lambda: stream.read(_CHUNK), ""):
                dst.write(text.encode("utf-8"))
    if path.stat().st_size == 0:
        raise typer.BadParameter("'-': standard input is empty")
    with open(path, "rb") as fh:
        head = fh.read(8)
    suffix = next((s for magic, s in _MAGIC if head.startswith(magic)), "")
    if suffix in ("", ".gz") and _json_lines(path, suffix):  # read as CSV, '{"a": 1' made a column
        suffix = ".jsonl" + suffix
    if suffix:
        path = path.rename(path.with_name(f"stdin{suffix}"))
    _FILES.append(str(path))
    return path


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
    return text


def _json_lines(path: Path, suffix: str) -> bool:
    """Whether the (gunzipped) copy starts, blanks and a byte-order mark aside, with ``{``: JSON
    lines, which no CSV header does."""
    try:
        with (gzip.open(path, "rb") if suffix == ".gz" else open(path, "rb")) as fh:
            head = fh.read(4096)
    except (OSError, EOFError, zlib.error):  # a damaged gzip stream: the reader says so
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


# what the readers tell by the name, told here by the first bytes
_MAGIC = ((b"\x1f\x8b", ".gz"), (b"PAR1", ".parquet"), (b"ElfFile\x00", ".evtx"))


def remove_spooled() -> None:
    """Delete the copies :func:`stdin_as_file` made (called when a command ends)."""
    while _FOLDERS:
        shutil.rmtree(_FOLDERS.pop(), ignore_errors=True)
    _FILES.clear()
