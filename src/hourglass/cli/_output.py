"""Terminal output of the CLI: the stdout/stderr consoles, one-line user errors (exit code 2),
logging to stderr, and the metrics tables."""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import logging
import os
import signal
import sys
import tempfile
import threading
import traceback
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hourglass.cli._options import cli_advice, option_message
from hourglass.cli._spool import shown
from hourglass.errors import (
    HourglassError,
    HourglassWarning,
    first_line,
    out_of_memory,
    read_problem,
)

if TYPE_CHECKING:
    from hourglass.ingest import ReadStats

__all__ = [
    "DISK_FULL",
    "ENDING_SIGNALS",
    "NO_FILES_LEFT",
    "READER_GONE",
    "StderrHandler",
    "class_table",
    "data_on_stdout",
    "debug_traceback",
    "disk_full_text",
    "end_by_sigterm",
    "err",
    "error_line",
    "interrupt_seen",
    "interrupted",
    "interruption_reported",
    "io_error_exit",
    "io_error_text",
    "is_sigterm_handler",
    "metrics_table",
    "no_files_left_text",
    "on_screen",
    "os_error_text",
    "out",
    "out_of_memory",
    "out_of_memory_text",
    "output_full",
    "output_name",
    "print_stream_threshold",
    "reader_gone",
    "release_stdout",
    "report_skipped",
    "say_error",
    "say_wrote",
    "set_command_options",
    "settle_bad_lines",
    "setup_logging",
    "sigint_noted",
    "sigterm_as_exception",
    "sigterm_name",
    "sigterm_seen",
    "skipped_lines_text",
    "table_console",
    "text_never_fails",
    "threshold_text",
    "usable_widths",
    "user_errors",
    "whole_cells",
    "with_placed",
]


class _Console(Console):
    """A console whose text lines name DATA given as ``-`` "standard input", not by its
    temporary copy (:func:`hourglass.cli._spool.shown`), show the control characters of what
    they quote (a file name, a value) escaped as error lines do (:func:`on_screen`; a line break
    of a command-line argument too, :func:`arguments_escaped`), whose tables cut no cell short
    (:func:`whole_cells`), and that leaves a closed output to :func:`reader_gone`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self._width == 0:  # COLUMNS=0 (usable_widths): the terminal's width, else 80
            self._width = None

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if self is out and _STDOUT_FOR_DATA["on"]:
            # standard output holds data (data_on_stdout): the lines and tables go to stderr as
            # ``err`` writes there, its colours and width; ``out``, set up for a terminal on
            # stdout, wrote its escape sequences into ``2> log`` and the terminal's width there
            err.print(*objects, **kwargs)
            return
        super().print(*(on_screen(arguments_escaped(shown(o)), lines=True) if isinstance(o, str)
                        else whole_cells(o, self.encoding) if isinstance(o, Table) else o
                        for o in objects), **kwargs)

    def on_broken_pipe(self) -> None:
        """A reader that closed the output: raised on to :func:`reader_gone`, which ends the
        command (rich itself would end the process with exit code 1)."""
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    def _check_buffer(self) -> None:
        """rich's writing of what was printed, whose failure (a disk's I/O error under ``> file``,
        a terminal hung up) names the stream: the write's error names no file, and the line said
        only 'Input/output error'. A reader gone is :meth:`on_broken_pipe`'s. Standard error that
        cannot take a line (``2>>log`` on a full disk, ``2>/dev/full``) loses the line and the
        rest of what goes there (:func:`_stderr_lost`), and the command goes on: its exit code
        says what it did, as GNU tools' do, not whether its messages could be written."""
        try:
            super()._check_buffer()
        except OSError as exc:
            if self.stderr and not isinstance(exc, BrokenPipeError):
                del self._buffer[:]
                _stderr_lost()
                return
            if exc.errno is None or exc.filename is not None or isinstance(exc, ConnectionError):
                raise
            where = "standard error" if self.stderr else "standard output"
            raise OSError(exc.errno, os.strerror(exc.errno), where) from None


def usable_widths() -> None:
    """Forget a width in the environment that no console can use: a ``COLUMNS`` of ``0`` (a CI
    runner's, a ``docker exec`` whose terminal has no size yet), which rich took as a width of 0
    and so printed nothing (``models`` and ``--help`` wrote no line, ``evaluate`` a table
    without a figure, exit code 0), and a ``TERMINAL_WIDTH`` (typer's variable for its help)
    that is not a whole number from 1: ``abc`` stopped ``--help`` with a traceback, ``0``
    printed an empty help. Without them the terminal's width counts, else 80, as rich does for
    a terminal that reports 0 columns.

    Examples
    --------
    >>> import os
    >>> saved = {k: os.environ.get(k) for k in ("COLUMNS", "TERMINAL_WIDTH")}
    >>> os.environ.update(COLUMNS="0", TERMINAL_WIDTH="abc")
    >>> usable_widths()
    >>> "COLUMNS" in os.environ, "TERMINAL_WIDTH" in os.environ
    (False, False)
    >>> os.environ.update({k: v for k, v in saved.items() if v is not None})
    """
    value = os.environ.get("COLUMNS")
    if value is not None and value.strip().isdigit() and int(value) == 0:
        del os.environ["COLUMNS"]
    # typer reads it with int() when its help module is imported, an empty value as unset
    value = os.environ.get("TERMINAL_WIDTH")
    if value and not (value.strip().isdigit() and int(value) >= 1):
        del os.environ["TERMINAL_WIDTH"]


def whole_cells(table: Table, encoding: str = "utf-8") -> Table:
    """``table`` with no cell cut short: a column narrower than a word in it (a terminal 80 or
    fewer columns wide, ``COLUMNS=40``) folds the word onto the next line, where rich's default
    cut it with '…' ('inspect' showed ``durati…`` and ``protoc…`` for every column name on an
    80-column terminal, ``models`` ``gradien…``); a column that must stay one line
    (``no_wrap``) is left as it is. Its title and caption (which name DATA: ``evaluate``'s
    metrics table) show their control characters escaped, as the lines do (:func:`on_screen`).
    A cell or header that the console's ``encoding`` cannot hold (``é`` under ``LC_ALL=C`` with
    ``PYTHONUTF8=0``, or ``PYTHONIOENCODING=ascii``) is escaped (``\\xe9``) before the table is
    laid out: the stream escaped it as it was written (:func:`text_never_fails`), after the
    widths were measured, which pushed that row's borders out of line.

    Examples
    --------
    >>> t = Table("name", title="x\x1b[2J.csv: threshold 0.5")
    >>> t.add_row("dst_host_same_src_port_rate")
    >>> [c.overflow for c in whole_cells(t).columns], t.title
    (['fold'], 'x\\\\x1b[2J.csv: threshold 0.5')
    >>> t = Table("column")
    >>> t.add_row("caf\u00e9")
    >>> list(whole_cells(t, "ascii").columns[0].cells)
    ['caf\\\\xe9']
    """
    narrow = not codecs.lookup(encoding).name.startswith("utf")
    for column in table.columns:
        if column.overflow == "ellipsis" and not column.no_wrap:
            column.overflow = "fold"
        if narrow:
            column.header = _encodable(column.header, encoding)
            column._cells = [_encodable(cell, encoding) for cell in column._cells]
    if isinstance(table.title, str):
        table.title = on_screen(table.title)
    if isinstance(table.caption, str):
        table.caption = on_screen(table.caption)
    return table


def _encodable(cell: Any, encoding: str) -> Any:
    """A table cell (text, or rich ``Text``) as ``encoding`` can write it, what it cannot hold
    escaped as the stream would (``\\xe9``); another renderable as it is."""
    plain = cell.plain if isinstance(cell, Text) else cell
    if not isinstance(plain, str):
        return cell
    escaped = plain.encode(encoding, "backslashreplace").decode(encoding)
    if escaped == plain:
        return cell
    return Text(escaped, style=cell.style, justify=cell.justify) if isinstance(cell, Text) else escaped


# soft_wrap: a line stays one line in a pipe or a log file (rich wraps at 80 columns there, which
# broke the paths and commands it prints); tables still fit the width. markup off: the lines and
# table cells carry the user's text (paths, column names, rule names), and a '[/x]' in a column
# name stopped 'inspect' with rich's MarkupError (a traceback); styles are set as styles.
out = _Console(soft_wrap=True, markup=False)
err = _Console(stderr=True, soft_wrap=True, markup=False)


def table_console() -> Console:
    """The console for wide tables: ``out`` on a terminal, else one 150 columns wide, so that a
    pipe or a file gets the whole table rather than cells folded to fit 80 columns (on stderr
    while :func:`data_on_stdout` holds standard output for data)."""
    screen = err if _STDOUT_FOR_DATA["on"] else out
    if screen.is_terminal:
        return screen
    return _Console(width=150, soft_wrap=True, stderr=_STDOUT_FOR_DATA["on"], markup=False)


_STDOUT_FOR_DATA = {"on": False}


def data_on_stdout(*paths: str | os.PathLike[str] | None) -> None:
    """When one of a command's outputs is ``-`` (standard output), send the command's own lines
    and tables to stderr until the command ends, so that stdout carries the data alone (``--json -
    | jq``); the CLI's group callback registers :func:`release_stdout` for the command's end."""
    if any(p is not None and str(p) == "-" for p in paths):
        _STDOUT_FOR_DATA["on"] = True  # (out's print hands its lines to err)


def release_stdout() -> None:
    """Undo :func:`data_on_stdout`: ``out`` prints to standard output again."""
    _STDOUT_FOR_DATA["on"] = False


def text_never_fails() -> None:
    """Let standard output and error write any text in their encoding, with what it cannot
    encode as ``\\xe9``-style escapes: under ``PYTHONIOENCODING=ascii`` (or another narrow
    encoding) a class, column or file name such as ``josé`` in ``explain``'s table, and
    ``inspect``'s own arrows, stopped the command with a ``UnicodeEncodeError`` traceback (so
    did ``LC_ALL=C`` with ``PYTHONUTF8=0``: ASCII with ``surrogateescape``, which escapes only
    the undecodable bytes of a file name). Python's own ``stderr`` already escapes; an error
    handler the user chose (``PYTHONIOENCODING=ascii:replace``) is kept; data written to standard
    output (``-o -``) goes to its byte buffer as UTF-8 and is not touched."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):
            continue
        with contextlib.suppress(LookupError, OSError, ValueError):  # (closed, detached)
            utf8 = codecs.lookup(stream.encoding).name == "utf-8"
            if stream.errors == "strict" or (stream.errors == "surrogateescape" and not utf8):
                stream.reconfigure(errors="backslashreplace")


#: exit code of a command whose standard output (or error) was closed by its reader, as the shell
#: reports ``cat``, ``zcat`` or ``sort`` killed by SIGPIPE in the same place (128 + 13)
READER_GONE = 141


@contextlib.contextmanager
def reader_gone() -> Iterator[None]:
    """End a command quietly when whoever reads its standard output (or error) has gone
    (``hourglass score model/ flows.csv -o - | head -1``): no traceback, no message, exit code
    :data:`READER_GONE`; the closed descriptors now point at the null device, so that Python's
    flush at exit raises no second ``BrokenPipeError``. A broken pipe elsewhere is re-raised."""
    try:
        yield
    except BrokenPipeError:
        gone = [fd for fd in (1, 2) if _reader_closed(fd)]
        if not gone:
            raise
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in gone:
            os.dup2(devnull, fd)
        os.close(devnull)
        raise typer.Exit(READER_GONE) from None


@contextlib.contextmanager
def output_full() -> Iterator[None]:
    """End a command whose own lines or tables found standard output on a full disk
    (``hourglass models > /dev/full``, a log file on a full disk) with one line and exit code 1,
    as a data output on a full disk ends (:func:`user_errors`, ``HOURGLASS_DEBUG`` included); a
    full standard output then points at the null device, so that Python's flush at exit raises
    no second error."""
    try:
        yield
    except ImportError as exc:  # a library loaded on use, with no memory left to map it
        if not out_of_memory(exc):
            raise
        debug_traceback()
        library = os.path.basename(str(exc).split(": ")[0])  # (the loader's words name its path)
        err.print(error_line(f"out of memory loading the library {library}: raise the memory "
                             "limit (ulimit -v) or free some memory"), highlight=False)
        raise typer.Exit(1) from None
    except OSError as exc:
        if exc.errno in NO_FILES_LEFT:
            debug_traceback()
            err.print(error_line(no_files_left_text(exc)), highlight=False)
            raise typer.Exit(1) from None
        if exc.errno not in DISK_FULL:
            io_error_exit(exc)  # (one outside a command's user_errors)
            raise
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except OSError:  # the full output is standard output: pointed at the null device
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.close(devnull)
        with contextlib.suppress(OSError):  # (standard error on the full disk too)
            debug_traceback()
            err.print(error_line(with_placed(disk_full_text(exc))), highlight=False)
        raise typer.Exit(1) from None


def _reader_closed(fd: int) -> bool:
    """Whether ``fd`` is a pipe or socket whose reading end is closed (where the system cannot
    tell, without ``poll``, standard output is taken to be it)."""
    import select

    if not hasattr(select, "poll"):
        return fd == 1
    poller = select.poll()
    try:
        poller.register(fd, select.POLLOUT)
        events = poller.poll(0)
    except (OSError, ValueError):  # a closed descriptor
        return False
    return any(ev & (select.POLLERR | select.POLLHUP) for _, ev in events)


_INTERRUPT = {"reported": False}


def interrupted() -> typer.Exit:
    """Exit code 130 for a command that has caught Ctrl-C and said what it finished (a stream's
    summary, benchmark's finished runs); without it the console script says the command was
    interrupted and nothing was written.

    Examples
    --------
    >>> interrupted().exit_code
    130
    """
    _INTERRUPT["reported"] = True
    return typer.Exit(130)


class _Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) outside a stream (:func:`sigterm_as_exception`): unwinds as Ctrl-C
    does."""


_SIGTERM: dict[str, Any] = {"seen": False, "signal": signal.SIGTERM}

#: The signals that unwind a command (:func:`sigterm_as_exception`) and then end the process as
#: they would have: SIGTERM (``timeout``, ``docker stop``) and SIGHUP (its terminal closed, an
#: ``ssh`` session gone), where the process does not ignore it (``nohup``)
ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM (``timeout``, ``docker stop``, ``systemctl stop``) or SIGHUP (a closed terminal)
    while a command runs: raised as Ctrl-C is, so that the command's temporary files (a copy of
    standard input, an output or a model being written beside its final name) are removed on the
    way out; a second one ends the process at once."""
    if _SIGTERM["seen"]:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _SIGTERM["seen"] = True
    _SIGTERM["signal"] = signum
    raise _Terminated()


def sigterm_as_exception() -> dict[int, Any]:
    """Make SIGTERM and SIGHUP unwind the running command (:func:`_on_sigterm`) where they would
    kill the process on the spot, leaving temporary files behind; the handlers replaced, by
    signal (none where a signal is handled otherwise already: ignored, as ``nohup`` ignores
    SIGHUP, or a handler of the embedding program, and left alone). The console script then
    ends by the signal (:func:`sigterm_seen`, :func:`end_by_sigterm`)."""
    if threading.current_thread() is not threading.main_thread():  # (signal.signal: main only)
        return {}
    _SIGTERM["seen"] = False
    _SIGTERM["signal"] = signal.SIGTERM
    return {s: signal.signal(s, _on_sigterm) for s in ENDING_SIGNALS
            if signal.getsignal(s) is signal.SIG_DFL}


def sigterm_seen() -> bool:
    """Whether SIGTERM (or SIGHUP) came since :func:`sigterm_as_exception`.

    Examples
    --------
    >>> sigterm_seen()
    False
    """
    return _SIGTERM["seen"]


def sigterm_name() -> str:
    """The name of the signal :func:`sigterm_seen` saw (``SIGTERM`` or ``SIGHUP``).

    Examples
    --------
    >>> sigterm_name()
    'SIGTERM'
    """
    return signal.Signals(_SIGTERM["signal"]).name


def end_by_sigterm(signum: int | None = None) -> None:
    """End the process by SIGTERM, or by ``signum`` (SIGHUP), else by the signal
    :func:`sigterm_seen` saw, as it would have ended without a handler of ours (exit status 143,
    129; a clean stop for systemd), once what it wrote is flushed."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    if signum is None:
        signum = _SIGTERM["signal"]  # (SIGTERM until a signal is seen)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


_SIGINT = {"seen": False}


def _on_sigint(signum: int, frame: object) -> None:
    """Ctrl-C while a command runs: ``KeyboardInterrupt``, as Python's own handler raises it, and
    noted (:func:`interrupt_seen`)."""
    _SIGINT["seen"] = True
    raise KeyboardInterrupt


def sigint_noted() -> Any:
    """Note Ctrl-C (:func:`_on_sigint`) where Python's own handler would raise it unnoted: one that
    cuts short the import of a compiled library (numpy, torch, scikit-learn) can leave another
    error behind it, numpy's ``cannot load module more than once per process`` or a
    ``RecursionError``, that is the interruption's, not a traceback to show. The handler it
    replaced, or ``None`` where SIGINT is handled otherwise (ignored: a background job) and left
    alone."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        return None
    _SIGINT["seen"] = False
    return signal.signal(signal.SIGINT, _on_sigint)


def interrupt_seen() -> bool:
    """Whether Ctrl-C or SIGTERM came since :func:`sigint_noted` and :func:`sigterm_as_exception`.

    Examples
    --------
    >>> interrupt_seen()
    False
    """
    return _SIGINT["seen"] or _SIGTERM["seen"]


def is_sigterm_handler(handler: object) -> bool:
    """Whether ``handler`` is one that :func:`sigterm_as_exception` or :func:`sigint_noted` set (a
    stream replaces it with its own while it runs, as it replaces the default action)."""
    return handler is _on_sigterm or handler is _on_sigint


def interruption_reported() -> bool:
    """Whether a command raised :func:`interrupted` (it has said what Ctrl-C stopped) since the
    last call; the call clears the mark."""
    reported, _INTERRUPT["reported"] = _INTERRUPT["reported"], False
    return reported


def output_name(path: str | os.PathLike[str]) -> str:
    """An output as a message names it: ``-`` is "standard output".

    Examples
    --------
    >>> output_name("-"), output_name("alerts.jsonl")
    ('standard output', 'alerts.jsonl')
    """
    return "standard output" if str(path) == "-" else str(path)


def say_wrote(path: str | os.PathLike[str], detail: str = "") -> None:
    """``wrote PATH`` on stdout, or on stderr when PATH is standard output (``-``), a device or a
    pipe, so that the line does not end up inside the data written there."""
    from hourglass.ingest.readers import is_stream_output

    text = f"wrote {output_name(path)}{detail}"
    (err if is_stream_output(path) else out).print(text, highlight=False)


def error_line(message: str) -> Text:
    r"""``error: MESSAGE`` for stderr, the message as plain text: rich markup (even escaped)
    would eat the backslash of a ``\[`` in a regular expression the user typed. DATA given as
    ``-`` is named "standard input", not by its temporary copy.

    Examples
    --------
    >>> print(error_line(r"--format: '^\[(?P<x>\w+)\]' is wrong").plain)
    error: --format: '^\[(?P<x>\w+)\]' is wrong
    """
    return Text.assemble(("error:", "bold red"), " ", on_screen(cut_message(shown(message)), lines=True))


#: the most characters of a message an error line shows: a value the message quotes from the
#: data (a 16 MiB Zeek '#separator' line, a 300 KB cell or column name) made a line that size
MESSAGE_MAX = 2000


def cut_message(text: str, limit: int = MESSAGE_MAX) -> str:
    """``text`` at most about ``limit`` characters: its start and its end (where a message says
    what was expected) with the middle cut out, and the cut said.

    Parameters
    ----------
    text
        The message.
    limit
        The characters kept, half from each end.

    Returns
    -------
    str
        ``text`` as it is when it fits, else its two ends around ``… (N characters cut) …``.

    Examples
    --------
    >>> cut_message("short")
    'short'
    >>> cut_message("a" * 10 + "b" * 10, limit=8)
    'aaaa… (12 characters cut) …bbbb'
    """
    if len(text) <= limit:
        return text
    keep = limit // 2
    return f"{text[:keep]}… ({len(text) - 2 * keep:,} characters cut) …{text[len(text) - keep:]}"


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn input errors into one line on stderr and exit code 2 (no traceback); running out of
    memory (the CPU's or the GPU's) or of disk space into one line with what to change and exit
    code 1. With ``HOURGLASS_DEBUG=1`` in the environment the traceback comes first (for a bug
    report: an error the line blames on the input may be hourglass' own)."""
    try:
        yield
    except (HourglassError, ValueError, FileNotFoundError, PermissionError) as exc:
        debug_traceback()
        # (the first line: a CR or a form feed, which splitlines also cuts at, is part of a
        # value the message quotes, shown escaped, not the end of the message)
        msg = first_line(arguments_escaped(str(exc).strip()), type(exc).__name__)
        if isinstance(exc, OSError) and exc.strerror and msg.startswith("[Errno"):
            msg = arguments_escaped(os_error_text(exc))  # the file and the system's words, not repr
        msg = option_message(cli_advice(msg), getattr(exc, "param", None))
        say_error(msg)
        raise typer.Exit(2) from None
    except (MemoryError, RuntimeError) as exc:
        if not out_of_memory(exc):
            raise
        debug_traceback()
        err.print(error_line(out_of_memory_text(exc)), highlight=False)
        raise typer.Exit(1) from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:  # a path given: bad input, not a failure
            debug_traceback()
            text = os_error_text(exc) if exc.filename is not None else str(exc)
            err.print(error_line(text), highlight=False)
            raise typer.Exit(2) from None
        if exc.errno not in DISK_FULL:
            io_error_exit(exc)
            raise
        debug_traceback()
        err.print(error_line(with_placed(disk_full_text(exc))), highlight=False)
        raise typer.Exit(1) from None


def say_error(text: str) -> None:
    """The error line of an input error, on stderr; a standard error that cannot take it (a log
    file on a full disk, ``2>/dev/full``) does not change the exit code the error has (2, not
    the full disk's 1), as GNU tools' exit codes do not depend on their messages being written.
    A reader gone (``2>&1 | head``) is still :func:`reader_gone`'s.

    Examples
    --------
    >>> say_error("x.csv: no such file")  # doctest: +SKIP
    error: x.csv: no such file
    """
    err.print(error_line(text), highlight=False)  # (a standard error that fails: _stderr_lost)


def _stderr_lost() -> None:
    """Point standard error, which could not take a line, at the null device: what was
    buffered there goes, and Python's flush at exit (or a later line) raises no second error."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def io_error_exit(exc: OSError) -> None:
    """End the command with one line naming the file (:func:`io_error_text`) and exit code 2 for
    a failure of the system's on a file that nothing else words (a disk's I/O error, a read-only
    or stale file system, a rename refused), not a traceback; return for any other ``exc``, for
    the caller to raise: one without an errno, a reader gone (``BrokenPipeError``:
    :func:`reader_gone`'s), no file descriptor left (:func:`output_full`'s). A stream's summary
    comes with the line, as with a full disk's: its guard sees the exit. No memory left
    (``ENOMEM``) is the out-of-memory line and exit code 1, as a ``MemoryError`` is."""
    if exc.errno is None or exc.errno in NO_FILES_LEFT or isinstance(exc, ConnectionError):
        return
    debug_traceback()
    if exc.errno == errno.ENOMEM:  # (the system's own 'Cannot allocate memory': as a MemoryError)
        err.print(error_line(out_of_memory_text(exc)), highlight=False)
        raise typer.Exit(1) from None
    err.print(error_line(with_placed(io_error_text(exc))), highlight=False)
    raise typer.Exit(2) from None


def arguments_escaped(message: str, args: list[str] | None = None) -> str:
    r"""``message`` with the line breaks that come from a command-line argument (a path with a
    newline in a name, legal on Linux) as ``\x0a``, in the argument and in its parts (a folder,
    a file's name, its stem): an error is one line, and the cut at such a break named another
    path and lost the reason (``error: --output out/n`` for ``-o $'out/n\nl.csv'``). ``args``:
    the arguments, by default the command line's (``sys.argv[1:]``).

    Examples
    --------
    >>> arguments_escaped("--output out/n\nl.csv: name it n\nl.jsonl", ["-o", "out/n\nl.csv"])
    '--output out/n\\x0al.csv: name it n\\x0al.jsonl'
    """
    pieces: set[str] = set()
    for arg in sys.argv[1:] if args is None else args:
        if _broken(arg):
            parts = arg.split("/")
            pieces.update([arg, *parts, *(part.split(".")[0] for part in parts)])
    for piece in sorted(filter(_broken, pieces), key=len, reverse=True):
        message = message.replace(piece, on_screen(piece))
    return message


def _broken(text: str) -> bool:
    r"""Whether ``text`` holds a character :meth:`str.splitlines` breaks a line at (a message is
    cut at its first newline, :func:`~hourglass.errors.first_line`; a terminal breaks at the
    others): a newline or CR, a vertical tab, form feed, U+001C to U+001E, NEL, U+2028 or U+2029.

    Examples
    --------
    >>> _broken("a/b.csv"), _broken("a\nb"), _broken("a\u2028b"), _broken("a\x0bb")
    (False, True, True, True)
    """
    return len((text + "x").splitlines()) > 1


def os_error_text(exc: OSError) -> str:
    """A file error as one line, as ``cat`` says it: the file, then the system's words (Python's
    own text, ``[Errno 13] Permission denied: 'm/config.json'``, speaks to developers).

    Examples
    --------
    >>> os_error_text(PermissionError(13, "Permission denied", "m/config.json"))
    'm/config.json: Permission denied'
    >>> os_error_text(FileNotFoundError(2, "No such file or directory"))
    'No such file or directory'
    """
    problem = read_problem(exc)  # the system's words (the error's own text without them)
    return problem if exc.filename is None else f"{exc.filename}: {problem}"


#: the errno values of a write that found the disk full (or a quota or file-size limit reached)
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)

#: the errno values of an open that found no file descriptor left (the process's ``ulimit -n``,
#: the system's table)
NO_FILES_LEFT = (errno.EMFILE, errno.ENFILE)


def debug_traceback() -> None:
    """With ``HOURGLASS_DEBUG`` set (not empty, ``0``, ``false``, ``no`` or ``off``: a unit file's
    ``HOURGLASS_DEBUG=false`` turns it off, not on; ``0`` in any spelling the options read as 0,
    ``00``, ``0.0``, ``-0``, too), the handled exception's traceback on stderr."""
    value = os.environ.get("HOURGLASS_DEBUG", "").strip().lower()
    if value in ("", "false", "no", "off"):
        return
    from hourglass._numbers import read_number  # (only here: pandas is not the light start's)

    if read_number(value) != 0:
        traceback.print_exc(file=sys.stderr)


def io_error_text(exc: OSError) -> str:
    """One line for a file error of the system's (not a full disk, nor a missing file or a
    permission, which say so themselves): the file it names, then the system's words for the
    errno, as ``cp`` says it (a writer's wrapping of them, Arrow's ``error writing bytes to file.
    Detail: ...``, left out): :func:`os_error_text` of the errno's own words.

    Examples
    --------
    >>> io_error_text(OSError(5, "Input/output error", "out/scores.csv"))
    'out/scores.csv: Input/output error'
    >>> io_error_text(OSError(5, "error writing bytes to file. Detail: [errno 5] Input/output error"))
    'Input/output error'
    """
    said = OSError(exc.errno, os.strerror(exc.errno), exc.filename) if exc.errno else exc
    return arguments_escaped(os_error_text(said))


def disk_full_text(exc: OSError) -> str:
    """One line for a write that found the disk full (or a quota or file-size limit reached):
    exit code 1 like running out of memory, the input was fine ('score' removes its partial
    output; 'stream' keeps the alerts written before). The temporary folder found full (where
    an output to standard output, ``-o -``, is built first) is named, with what frees it: writing
    the output elsewhere would not.

    Examples
    --------
    >>> disk_full_text(OSError(28, "No space left on device"))
    'no space left on device: free some space or write the output elsewhere'
    >>> disk_full_text(OSError(28, "error writing bytes to file. Detail: [errno 28] No space left"))
    'no space left on device: free some space or write the output elsewhere'
    >>> import tempfile
    >>> text = disk_full_text(OSError(28, "No space left on device", tempfile.gettempdir()))
    >>> text.startswith(tempfile.gettempdir()), text.split("): ")[1]
    (True, 'free some space there or set TMPDIR to another folder')
    """
    # the system's words for the errno, not a library's wrapping of them (pyarrow's "error
    # writing bytes to file. Detail: [errno 28] No space left on device")
    what = (os.strerror(exc.errno) if exc.errno else exc.strerror or "no space left on device").rstrip(".")
    what = f"{what[:1].lower()}{what[1:]}"
    if exc.filename is not None and os.fspath(exc.filename) == tempfile.gettempdir():
        return (f"{arguments_escaped(str(exc.filename))}: {what} (the temporary folder, where the "
                "output is built before it is copied): free some space there or set TMPDIR to "
                "another folder")
    return f"{what}: free some space or write the output elsewhere"


def with_placed(text: str) -> str:
    """``text``, the line of an output that failed, naming the outputs already complete and in
    place (:func:`~hourglass._placed.placed_outputs`): ``train -o model/ > /dev/full`` saved the
    model whole before its summary line found standard output full, and the line alone said to
    write "the output" elsewhere, as if no model had been saved.

    Examples
    --------
    >>> from hourglass._placed import note_placed, placed_outputs
    >>> _ = placed_outputs()
    >>> note_placed("model")
    >>> with_placed("no space left on device: free some space or write the output elsewhere")
    'no space left on device: free some space or write the output elsewhere; model written in full'
    >>> with_placed("no space left on device")  # (none placed)
    'no space left on device'
    """
    from hourglass._placed import placed_outputs

    placed = list(dict.fromkeys(output_name(p) for p in placed_outputs()))
    return f"{text}; {', '.join(placed)} written in full" if placed else text


def no_files_left_text(exc: OSError) -> str:
    """One line for an open that found no file descriptor left (:data:`NO_FILES_LEFT`): exit
    code 1 like a full disk: the input was fine, the process's limit (or the system's) too low
    for it.

    Examples
    --------
    >>> no_files_left_text(OSError(24, "Too many open files", "flows/b.csv"))
    'too many open files (flows/b.csv): raise the limit (ulimit -n) and run the command again'
    """
    where = f" ({exc.filename})" if exc.filename is not None else ""
    return f"too many open files{where}: raise the limit (ulimit -n) and run the command again"


#: the option names of the command running (:func:`set_command_options`), or ``None`` outside
#: one (the library's own use): what running out of memory advises
_COMMAND_OPTIONS: list[frozenset[str] | None] = [None]


def set_command_options(names: Iterable[str] | None) -> None:
    """Note the option names of the command about to run (``{"--chunk-mb", ...}``), which
    :func:`out_of_memory_text` advises; ``None``: no command."""
    _COMMAND_OPTIONS[0] = None if names is None else frozenset(names)


def _memory_advice(cuda: bool) -> str:
    """What the running command can change to use less memory: only ``train`` has
    ``--batch-size`` and ``--memory-budget`` (``score`` was advised them: 'No such option'),
    ``score`` and ``explain`` have ``--chunk-mb``; other commands, none."""
    opts = _COMMAND_OPTIONS[0]
    if opts is None or "--batch-size" in opts:
        if cuda:
            return "train with a lower --batch-size, or use --device cpu"
        sample = opts is None or "--memory-budget" in opts
        return ("train with a lower --batch-size"
                + (", or on a sample (--memory-budget MB, --sample-rows N)" if sample else ""))
    free = "free some GPU memory" if cuda else "free some memory"
    if "--chunk-mb" in opts:
        return f"{free}, or give a smaller --chunk-mb"
    limit = "" if cuda else ", or raise the limit (ulimit -v)"
    return f"{free}{limit}, or give less data"


def out_of_memory_text(exc: BaseException) -> str:
    """One line for :func:`out_of_memory` errors: which memory, and the options of the running
    command that use less.

    Examples
    --------
    >>> out_of_memory_text(MemoryError())
    'out of memory: train with a lower --batch-size, or on a sample (--memory-budget MB, --sample-rows N)'
    """
    cuda = type(exc).__name__ == "OutOfMemoryError" or "CUDA" in str(exc)
    first = first_line(exc)[:160]
    where = f"GPU out of memory ({first})" if cuda else "out of memory"
    doing = getattr(exc, "hourglass_advice", None)  # a command that does no training says its own
    if doing is not None:
        return f"{where} {doing}"
    return f"{where}: {_memory_advice(cuda)}"


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (test runners swap it);
    DATA given as ``-`` is named "standard input", not by its temporary copy. Each line of a
    record is cut as an error line is (:func:`cut_message`): a warning quoting a value from the
    data (a 300 KB cell or column name) printed a line that size."""

    def format(self, record: logging.LogRecord) -> str:
        # a library warning's advice in Python words (validation_fraction=...): the CLI's options
        text = shown(cli_advice(super().format(record)))
        return on_screen("\n".join(map(cut_message, text.split("\n"))), lines=True)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _warning_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A Python warning as one bare line on stderr, like the log records (no file, line or
    source excerpt: those speak to developers, not to whoever runs the command)."""
    logging.getLogger("hourglass").warning("%s", message)


def setup_logging(quiet: bool) -> None:
    """Log records as bare lines on stderr (INFO, or WARNING with ``quiet``); Python warnings
    become such lines too."""
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, handlers=[handler],
                        force=True)
    warnings.showwarning = _warning_line
    # hourglass' own advice (HourglassWarning) is one of the command's lines, as its log records
    # are: a PYTHONWARNINGS=error (or -W error) meant for other programs must not turn it into a
    # traceback and exit code 1
    warnings.filterwarnings("default", category=HourglassWarning)
    # pandas' hint to pass a date format when it parses times one by one: hourglass reads a time
    # column its own way and names a bad value itself; the hint is noise before that one line
    warnings.filterwarnings("ignore", message="Could not infer format", category=UserWarning)
    # Pipeline.fit's word of a column named like a label trained on without labels: the
    # commands say it themselves, with the options that fix it (--label-col, --drop)
    from hourglass._labels import LABEL_COLUMN_WARNING

    warnings.filterwarnings("ignore", message=LABEL_COLUMN_WARNING, category=HourglassWarning)
    from hourglass.cli._spool import say_notes

    say_notes()  # what reading a folder DATA noted, before the command's own lines


def threshold_text(info: dict[str, Any]) -> str:
    """The fitted threshold as ``train`` reports it: its rule and value (once if the rule is the
    value itself).

    Examples
    --------
    >>> threshold_text({"threshold": "fixed at 9", "threshold_value": 9.0})
    'fixed at 9'
    >>> threshold_text({"threshold": "percentile 99.0 of held-out normal scores",
    ...                 "threshold_value": 1.0879812})
    'percentile 99.0 of held-out normal scores = 1.08798'
    """
    rule = str(info["threshold"])
    return rule if rule.startswith("fixed at") else f"{rule} = {info['threshold_value']:.6g}"


def print_stream_threshold(info: dict[str, Any]) -> None:
    """The stream threshold of a time-series model, as ``train`` reports it (stderr); nothing for
    a model without one."""
    if "stream_threshold" in info:
        stream = {"threshold": info["stream_threshold"],
                  "threshold_value": info["stream_threshold_value"]}
        err.print(f"stream threshold {threshold_text(stream)}", highlight=False)


def fitted_text(n_rows: int, held_out: int, unit: str = "rows") -> str:
    """How many rows the model trained on and how many were held out, as ``train`` says it
    (``n_rows`` counts both).

    Examples
    --------
    >>> fitted_text(1000, 100)
    '900 rows (+100 held out)'
    >>> fitted_text(5, 0, "sessions"), fitted_text(1, 0, "sessions")
    ('5 sessions (none held out)', '1 session (none held out)')
    """
    from hourglass._columns import counted_plural

    if not held_out:
        return f"{counted_plural(n_rows, unit)} (none held out)"
    return f"{counted_plural(n_rows - held_out, unit)} (+{held_out:,} held out)"


def warm_epochs_text(warm_start: dict[str, Any]) -> str:
    """The epochs a warm start ran and the one its model keeps, as its summary says them:
    epoch 0, the parent's own weights (kept when no epoch beat their held-out loss), said in words.

    Examples
    --------
    >>> warm_epochs_text({"epochs_run": 5, "best_epoch": 3})
    '5 epochs, best 3'
    >>> warm_epochs_text({"epochs_run": 1, "best_epoch": 0})
    "1 epoch, none better than the parent on the held-out loss: the parent's weights kept"
    """
    from hourglass._columns import counted

    run = counted(int(warm_start["epochs_run"]), "epoch")
    if warm_start.get("best_epoch") == 0:
        return f"{run}, none better than the parent on the held-out loss: the parent's weights kept"
    return f"{run}, best {warm_start['best_epoch']}"


#: how an output's ``row`` numbers rows once a reader skipped a row whose place it does not
#: know (``--on-bad-rows skip``; CSV, JSON lines and Parquet place every row they skip, so their
#: outputs number data rows)
ROWS_KEPT_NOTE = ("the output's row numbers count data rows, from 0, except such a skipped row "
                  "(its place in the file is not known): a row after one is numbered lower than "
                  "its data row by the rows so skipped before it")


def report_skipped(stats: ReadStats, path: Path, kept: int | None = None) -> None:
    """Say on stderr how many malformed rows of ``path`` were skipped (and on which lines);
    ``kept``: the rows an output numbered in a ``row`` column (``score``, ``explain``), which
    then says how it numbers them where a skipped row whose place is not known comes before
    a row kept (:meth:`~hourglass.ingest.ReadStats.shifted`)."""
    if stats.bad_rows:
        more = " ..." if stats.bad_rows - stats.lines_again > len(stats.bad_lines) else ""
        lines = f" (lines {', '.join(map(str, stats.bad_lines))}{more})" if stats.bad_lines else ""
        if not lines and stats.bad_data_rows:  # a file without lines (Parquet): the rows left out
            more = " ..." if stats.bad_rows > len(stats.bad_data_rows) else ""
            lines = f" (rows {', '.join(map(str, stats.bad_data_rows))}{more})"
        note = f"; {ROWS_KEPT_NOTE}" if kept is not None and stats.shifted(kept) else ""
        err.print(f"skipped {stats.bad_rows} malformed row(s) in {path}{lines}{note}", highlight=False)


#: malformed line numbers a stream's end summary names
SHOWN_BAD_LINES = 10


def skipped_lines_text(bad: list[int]) -> str:
    """A stream summary's part for the malformed lines it skipped (``--on-bad-rows skip``).

    Examples
    --------
    >>> skipped_lines_text([5, 9])
    'skipped 2 malformed line(s) (lines 5, 9)'
    >>> skipped_lines_text(list(range(1, 1201)))
    'skipped 1,200 malformed line(s) (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ...)'
    """
    more = " ..." if len(bad) > SHOWN_BAD_LINES else ""
    return (f"skipped {len(bad):,} malformed line(s) (lines "
            f"{', '.join(map(str, bad[:SHOWN_BAD_LINES]))}{more})")


def output_failed_text(sink: Any) -> str:
    """A stream summary's ending once its output failed (a full disk, a reader that closed the
    pipe, a SQLite file locked too long): how many of the alerts made were written, since the
    counts before it are of the rows scored and flagged, not of those written; else ``""``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> output_failed_text(SimpleNamespace(failed=True, written=120, offered=176))
    '; the output failed: 120 of 176 alerts written'
    >>> output_failed_text(SimpleNamespace(failed=False, written=176, offered=176))
    ''

    A SQLite output whose alerts were all committed but, the disk full at the end, not moved
    out of its ``-wal`` file (``wal_kept``) says where they are:

    >>> from pathlib import Path
    >>> output_failed_text(SimpleNamespace(failed=False, written=176, offered=176,
    ...                                    wal_kept=Path("live.sqlite-wal")))[:62]
    '; all 176 alerts written, intact in live.sqlite-wal: the disk '
    """
    wal = getattr(sink, "wal_kept", None)
    if wal is not None and not getattr(sink, "failed", False):
        return (f"; all {sink.written:,} alerts written, intact in {wal}: the disk was full when they "
                f"were to be moved into {str(wal)[:-4]} (SQLite does it when it next opens the file "
                "with room; keep the -wal file beside it)")
    if not getattr(sink, "failed", False):
        return ""
    return f"; the output failed: {sink.written:,} of {sink.offered:,} alerts written"


def settle_bad_lines(bad_rows: list[tuple[int, str]], bad: list[int], on_bad_rows: str,
                     where: str, problem: Exception | None = None) -> None:
    """A stream batch's malformed lines under ``--on-bad-rows``: ``error`` stops at the first
    (its line and message), ``skip`` adds their numbers to ``bad``; then ``problem``, an error
    the batch deferred until its good lines were written, is raised.

    Examples
    --------
    >>> bad = []
    >>> settle_bad_lines([(4, "not JSON")], bad, "skip", "stdin"); bad
    [4]
    >>> settle_bad_lines([(4, "not JSON")], bad, "error", "stdin")
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: stdin: line 4: not JSON
    """
    if bad_rows and on_bad_rows == "error":
        line, message = bad_rows[0]
        # a time that is no time names its line as score says it ("column 'ts': line 4 is not a
        # timestamp ('soon')"); the other problems follow their line
        placed = message.startswith("column ") and f": line {line} is not a timestamp" in message
        raise HourglassError(f"{where}: {message}" if placed else f"{where}: line {line}: {message}")
    bad.extend(line for line, _ in bad_rows)
    if problem is not None:
        raise problem


def severity_counts(severity: Any, flag: Any) -> dict[str, int]:
    """How many flagged rows (sessions, buckets, time steps) have each severity, most first: the
    ``severity_counts`` of ``hourglass evaluate --json`` for every model kind.

    Examples
    --------
    >>> severity_counts(["low", "high", "high", "medium"], [0, 1, 1, 1])
    {'high': 2, 'medium': 1}
    """
    import numpy as np
    import pandas as pd

    flagged = np.asarray(severity, dtype=object)[np.asarray(flag) == 1]
    return {str(k): int(v) for k, v in pd.Series(flagged, dtype=object).value_counts().items()}


def metrics_table(title: str, metrics: dict[str, Any], unit: str = "rows") -> Table:
    """Detection metrics of one evaluation as a two-column table (``unit``: rows or sessions);
    counts with thousands separators, as the command's other lines write them."""
    t = Table(title=title, show_header=True, header_style="bold")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for key in ("roc_auc", "pr_auc", "f1", "precision", "recall", "fpr", "accuracy"):
        v = metrics.get(key)
        t.add_row(key, "n/a" if v is None else f"{v:.4f}")
    t.add_row("tp / fp / tn / fn", " / ".join(f"{metrics[k]:,}" for k in ("tp", "fp", "tn", "fn")))
    t.add_row(f"{unit} (anomalies)", f"{metrics['n']:,} ({metrics['n_anomalies']:,})")
    if "alerts_per_10k" in metrics:
        t.add_row(f"alerts per 10k {'events' if unit == 'rows' else unit}",
                  f"{metrics['alerts_per_10k']:,.1f}")
    if metrics.get("alerts_per_day") is not None:
        t.add_row("expected alerts per day", f"{metrics['alerts_per_day']:,.1f}")
    return t


# C0 controls, DEL and C1 controls (ESC starts a terminal's escape sequences; 0x9b is one on some);
# the line and paragraph separators (str.splitlines breaks a line at them, and a message is one
# line); and the bidirectional embeddings, overrides and isolates, which reorder what follows
# them on the screen (U+202E shows 'exe.txt' as 'txt.exe': CVE-2021-42574), as \uNNNN
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))} | {
    c: f"\\u{c:04x}" for c in (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_CONTROLS_IN_LINES = {c: v for c, v in _CONTROLS.items() if c not in (0x09, 0x0A)}  # tab, newline


def on_screen(text: object, *, lines: bool = False) -> str:
    r"""``text`` for the screen: control characters as ``\xNN``, the line separators U+2028 and
    U+2029 and the bidirectional controls (U+202A to U+202E, U+2066 to U+2069) as ``\uNNNN``. A
    value read from the data (a user agent, a host name, a command line) is quoted on the
    analyst's terminal: an escape sequence in it would clear the screen, move the cursor or
    recolour what follows, a right-to-left override show the text after it reversed. With
    ``lines`` (a message), tabs and newlines stay.

    Examples
    --------
    >>> on_screen("proto=x\x1b[2J (67%)")
    'proto=x\\x1b[2J (67%)'
    >>> on_screen("a\tb\x9bc", lines=True)
    'a\tb\\x9bc'
    >>> on_screen("report\u202etxt.exe \u2028x")
    'report\\u202etxt.exe \\u2028x'
    """
    return str(text).translate(_CONTROLS_IN_LINES if lines else _CONTROLS)


def rich_table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    """A plain table of text cells (the first column right-aligned: row numbers).

    Examples
    --------
    >>> rich_table("t", ["row", "why"], [["3", "x=1 (90%)"]]).row_count
    1
    """
    t = Table(title=on_screen(title), show_header=True, header_style="bold")
    for i, h in enumerate(headers):
        t.add_column(on_screen(h), justify="right" if i == 0 else "left", overflow="fold")
    for r in rows:  # plain text: the consoles print no markup; a value's escape sequences quoted
        t.add_row(*(on_screen(c) for c in r))
    return t


def class_table(per_class: dict[str, dict[str, Any]], normal: list[str], unit: str = "rows") -> Table:
    """Flagged count and rate per class (the FPR for the normal ones); ``unit`` names what was
    counted (``sessions`` for a log model)."""
    t = Table(title="flagged per class (normal: FPR)", header_style="bold")
    t.add_column("class")
    t.add_column(unit, justify="right")
    t.add_column("flagged", justify="right")
    t.add_column("rate", justify="right")
    for c, v in per_class.items():
        t.add_row(on_screen(c) + (" (normal)" if c in normal else ""), f"{v['n']:,}", f"{v['detected']:,}",
                  f"{v['rate']:.3f}")
    return t
