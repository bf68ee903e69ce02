"""Exceptions raised by hourglass.

Every problem with what a user handed in (data, options, artefacts) is an :class:`InputError`
(or a subclass). The CLI turns these into one line on stderr and exit code 2.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

__all__ = ["ArtefactError", "HourglassError", "HourglassWarning", "InputError", "NotFittedError",
           "first_line", "is_link_loop", "json_problem", "no_file", "out_of_memory", "path_exists",
           "read_problem"]


class HourglassError(Exception):
    """Base class of every error hourglass raises on purpose.

    Examples
    --------
    >>> try:
    ...     raise InputError("data.csv: empty file")
    ... except HourglassError as exc:
    ...     print(exc)
    data.csv: empty file
    """


class InputError(HourglassError, ValueError):
    """Bad input: missing columns, wrong dtypes, NaN/inf, empty data, malformed files.

    The message names the column, line or option at fault and what was expected.

    Examples
    --------
    >>> from hourglass.errors import InputError
    >>> raise InputError("column 'src_bytes': expected numbers, found 'abc' (row 3)")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: column 'src_bytes': expected numbers, found 'abc' (row 3)

    An error about constructor parameters names them in the message and passes them as
    ``param`` (a name or a tuple of names); the CLI then names the options the user typed instead
    (``--scaler`` for ``scaler``, ``--session-col`` for ``session_column``).

    >>> InputError("scaler: unknown 'x'", param="scaler").param
    'scaler'
    """

    def __init__(self, *args: object, param: str | tuple[str, ...] | None = None) -> None:
        super().__init__(*args)
        self.param = param


class ArtefactError(InputError):
    """A saved model directory is missing, tampered with, or of an incompatible version.

    Examples
    --------
    >>> import tempfile
    >>> from hourglass import load
    >>> load(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    hourglass.errors.ArtefactError: ...: not a hourglass model (missing config.json or weights.safetensors)
    """


class HourglassWarning(UserWarning):
    """Advice about a fit that hourglass gives as a Python warning (POT fell back to the empirical
    quantile, a DeepLog ``top_g`` that flags almost nothing, labels a detector ignores).

    The command line shows each as one line on stderr whatever the interpreter's warning filters
    say (``PYTHONWARNINGS=error`` set for other programs does not turn it into a traceback);
    in Python it is an ordinary ``UserWarning`` to filter or record.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("advice", HourglassWarning)
    >>> issubclass(seen[0].category, UserWarning)
    True
    """


class NotFittedError(HourglassError, AttributeError):
    """A method that needs a fitted estimator was called before ``fit``.

    Detectors raise its subclass :class:`~hourglass.detectors.base.DetectorNotFittedError`, and a
    :class:`~hourglass.Pipeline` ``PipelineNotFittedError``, which are scikit-learn's
    ``NotFittedError`` too.

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> try:
    ...     AutoEncoder().score([[0.0, 1.0]])
    ... except NotFittedError as exc:
    ...     print(exc)
    AutoEncoder is not fitted; call fit(X) first
    """


def json_problem(exc: Exception) -> str:
    """What is wrong with a line that is not valid JSON, with the column where the parser
    stopped (``json``'s own message ends in a dangling "at" once its position is cut off).

    Examples
    --------
    >>> import json
    >>> try:
    ...     json.loads('{"a": "x')
    ... except ValueError as exc:
    ...     print(json_problem(exc))
    Unterminated string starting at column 7
    >>> json_problem(ValueError("expected a JSON object, got list"))
    'expected a JSON object, got list'
    >>> try:  # (Python's advice to raise its limit is none for a user of the command line)
    ...     json.loads("1" * 5000)
    ... except ValueError as exc:
    ...     print(json_problem(exc))
    Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits
    """
    msg, col = getattr(exc, "msg", None), getattr(exc, "colno", None)
    if not isinstance(msg, str) or not isinstance(col, int):
        return (str(exc) or type(exc).__name__).split("; use sys.")[0]
    return f"{msg.removesuffix(' at')} at column {col}"


def first_line(message: object, default: str = "") -> str:
    r"""The first line of a message (an exception's text, stripped): up to its first newline
    only. A CR, a form feed or U+2028, where :meth:`str.splitlines` also cuts, is part of a value
    the message quotes (a cell, a column or file name), shown escaped on the screen, not the end
    of the message: cut there, the message lost what it said was expected.

    Parameters
    ----------
    message
        The message, or an exception whose text it is.
    default
        What to return for an empty message (an exception's class name, say).

    Returns
    -------
    str
        The message's first line, without a CR that ended it (a CRLF line break).

    Examples
    --------
    >>> first_line(ValueError("column 'a\rb' is not a number; give numbers"))
    "column 'a\rb' is not a number; give numbers"
    >>> first_line("first\r\nsecond")
    'first'
    >>> first_line("  ", default="ValueError")
    'ValueError'
    """
    text = str(message).strip()
    return text.split("\n")[0].rstrip("\r") if text else default


def read_problem(exc: BaseException) -> str:
    """Why a file could not be read, for a message that names the file already: the system's
    words for a file error (not Python's ``[Errno 13] Permission denied: 'x.csv'``, which names
    it again), else the error's own text.

    Examples
    --------
    >>> read_problem(PermissionError(13, "Permission denied", "flows/b.csv"))
    'Permission denied'
    >>> read_problem(EOFError("Compressed file ended before the end-of-stream marker was reached"))
    'Compressed file ended before the end-of-stream marker was reached'
    """
    if isinstance(exc, OSError) and exc.strerror:
        return str(exc.strerror)
    return str(exc) or type(exc).__name__


def is_link_loop(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` cannot be followed to a file or folder because a symbolic link on it
    leads back to itself (``ln -s loop loop``; the system's ``ELOOP``): it names nothing, and
    :meth:`pathlib.Path.resolve` raises a ``RuntimeError`` on it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "loop").symlink_to("loop")
    >>> is_link_loop(d / "loop"), is_link_loop(d / "loop" / "x.csv"), is_link_loop(d / "x.csv")
    (True, True, False)
    """
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    except ValueError:  # a NUL in the name: no loop, the caller says what it is
        return False
    return False


def _shown_path(path: str | os.PathLike[str]) -> str:
    """A path as a message names it: a text too long for one line cut, with its length."""
    text = str(path)
    if len(text) <= 80:
        return repr(text) if "\n" in text or "\r" in text or "\0" in text else text
    return f"{text[:60]!r}... ({len(text):,} characters)"


def path_exists(path: str | os.PathLike[str]) -> bool:
    """``Path(path).exists()``, where a name the system cannot look up (longer than it allows,
    ``ENAMETOOLONG``; a NUL character) is an :class:`InputError` naming it, not Python's
    ``OSError``/``ValueError`` from inside: a log's or a table's text given where its path is
    asked (a notebook's ``fit(open(f).read())``).

    Examples
    --------
    >>> path_exists("flows.csv")
    False
    >>> try:
    ...     path_exists("x" * 5000)
    ... except InputError as exc:
    ...     print(str(exc)[-58:])
    (5,000 characters): not a file's path (File name too long)
    >>> path_exists("flows.csv\\0")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: 'flows.csv\\x00': not a file's path (it holds a NUL character)
    """
    try:
        if "\0" in str(path):  # pathlib answers False, as for no such file, where a NUL is
            raise ValueError("it holds a NUL character")  # a name no system can look up
        return Path(path).exists()
    except (OSError, ValueError) as exc:
        if "\n" in str(path) or "\r" in str(path):
            raise no_file(path) from None  # a file's text: said as such
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"{_shown_path(path)}: not a file's path ({why})") from None


def path_hint(path: str | os.PathLike[str]) -> str:
    """What tells why ``path``, which names nothing, was meant for a file that is there: white
    space around it (a line break kept from a file's line, ``f.readline()``), or a ``~`` that
    names the home folder to a shell but not here; ``""`` when neither leads to one.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> open(os.path.join(d, "m.csv"), "w").close()
    >>> path_hint(os.path.join(d, "m.csv") + "\\n").endswith("m.csv' without it is there)")
    True
    >>> path_hint(os.path.join(d, "none.csv") + "\\n"), path_hint("flows.csv")
    ('', '')
    """
    text = str(path)
    try:
        bare = text.strip()
        if bare != text and bare and Path(bare).exists():
            around = ("a line break at its end" if text.lstrip() == text and text.endswith(("\n", "\r"))
                      else "white space around the name")
            return f" (it has {around}: {bare!r} without it is there)"
        home = Path(text).expanduser() if text.startswith("~") else Path(text)
        if home != Path(text) and home.exists():
            return (f" ('~' is no home folder here: give the path as a shell expands it, {home}, "
                    "which is there)")
    except (OSError, ValueError, RuntimeError):  # (a name too long; no home folder to expand)
        return ""
    return ""


def no_file(path: str | os.PathLike[str]) -> InputError:
    """The error for ``path``, which names no file: a symbolic link loop (:func:`is_link_loop`),
    it or a folder on its path, said as such, else ``no such file``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "loop").symlink_to("loop")
    >>> str(no_file(d / "loop")).endswith("loop: a symbolic link loop, which leads to no file")
    True
    >>> str(no_file(d / "loop" / "a.csv")).startswith(f"{d}/loop/a.csv: {d}/loop is a symbolic link loop")
    True
    >>> str(no_file("flows.csv"))
    'flows.csv: no such file'
    """
    text = str(path)
    hint = path_hint(path)
    if hint:  # a path read from a file with its line break, or given with '~'
        return InputError(f"{text!r}: no such file{hint}" if len(text) <= 80 else
                          f"{_shown_path(path)}: no such file{hint}")
    if "\n" in text or "\r" in text:  # a file's text given for its path (a notebook's open(f).read())
        lines = len(text.splitlines())
        return InputError(f"{_shown_path(path)}: no such file; this is text of {lines:,} line(s), "
                          "not a file's path: give the file's path (or, for a log, its lines: "
                          "text.splitlines())")
    if not is_link_loop(path):
        return InputError(f"{path}: no such file")
    given = Path(path)
    loop = next((p for p in reversed(given.parents) if is_link_loop(p)), given)
    if loop != given:  # a folder on its path: "loop/flows.csv"
        return InputError(f"{path}: {loop} is a symbolic link loop, which leads to no file")
    return InputError(f"{path}: a symbolic link loop, which leads to no file")


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` says memory ran out: Python's ``MemoryError``, torch's
    ``OutOfMemoryError`` (CUDA) or its CPU allocator's error (a plain ``RuntimeError``), or an
    ``ImportError`` of a shared library the loader could not map (``ulimit -v`` reached).

    Examples
    --------
    >>> out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to ..."))
    True
    >>> out_of_memory(RuntimeError("mat1 and mat2 shapes cannot be multiplied"))
    False
    >>> out_of_memory(ImportError("/x/_core.so: failed to map segment from shared object"))
    True
    """
    text = str(exc)
    if isinstance(exc, ImportError):  # a shared library the loader had no memory to map
        return "failed to map segment from shared object" in text
    return (isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError"
            or "out of memory" in text.lower() or "can't allocate memory" in text)
