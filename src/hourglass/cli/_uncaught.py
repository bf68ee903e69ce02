"""Ctrl-C in the instants no ``try`` of the command line covers.

:func:`hourglass.cli.app.main` turns Ctrl-C into one line and exit code 130 from its first
statement on, and ``hourglass.cli`` does the same while it imports the app. Between the two,
Python can still raise the signal's ``KeyboardInterrupt`` as ``main`` is entered (before its
``try``) or in ``python -m hourglass``'s own two lines; and one that lands inside the
import system's clean-up callbacks is "ignored" by Python with a traceback, and lost. Both
were a traceback on a user's Ctrl-C (about one run in a hundred in a test that interrupts the
start at several delays). :func:`install` sets a ``sys.excepthook`` that gives those the
command's one line and exit code 130, and a ``sys.unraisablehook`` that hands a lost Ctrl-C
back to the main thread; every other exception goes to the hook that was there before.
"""

from __future__ import annotations

import _thread
import os
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

_HERE = Path(__file__).resolve().parent
#: (file, function) of the frames whose uncaught Ctrl-C is the command's: ``main`` of the app and
#: ``python -m hourglass``'s module
_ENTRY = {(str(_HERE / "app.py"), "main"), (str(_HERE.parent / "__main__.py"), "<module>")}
_previous: dict[str, Any] = {"except": sys.excepthook, "unraisable": sys.unraisablehook}


def _resolved(filename: str) -> str:
    try:
        return str(Path(filename).resolve())
    except (OSError, RuntimeError, ValueError):
        return filename


def through_entry(tb: TracebackType | None) -> bool:
    """Whether a traceback passes through the command line's entry point (the app's ``main``,
    or ``hourglass/__main__.py``).

    Examples
    --------
    >>> try:
    ...     raise KeyboardInterrupt
    ... except KeyboardInterrupt as exc:
    ...     through_entry(exc.__traceback__)
    False
    """
    while tb is not None:
        code = tb.tb_frame.f_code
        if (_resolved(code.co_filename), code.co_name) in _ENTRY:
            return True
        tb = tb.tb_next
    return False


def _on_uncaught(kind: type[BaseException], value: BaseException,
                 tb: TracebackType | None) -> None:
    """``sys.excepthook``: a Ctrl-C that reached the top through the entry point is the
    command's one line and exit code 130 (not an interactive session's: it goes on)."""
    if (issubclass(kind, KeyboardInterrupt) and not sys.flags.interactive
            and not hasattr(sys, "ps1") and through_entry(tb)):
        from hourglass.cli import NOT_FINISHED

        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is sys.stderr:
                    stream.write(f"error: interrupted {NOT_FINISHED}\n")
                stream.flush()
            except (OSError, ValueError, AttributeError):  # (closed, or None)
                pass
        os._exit(130)  # (as the shell reports a command Ctrl-C ended; nothing was started yet)
    _previous["except"](kind, value, tb)


def _on_unraisable(unraisable: Any) -> None:
    """``sys.unraisablehook``: a Ctrl-C that landed where Python can only ignore it (a weakref
    callback of the import system's module locks) is delivered again, as if just pressed, where
    the main thread's handlers see it, with no "Exception ignored" traceback. (From a thread of
    its own: delivered from here, it would be raised in this hook, and ignored again.)"""
    if (isinstance(unraisable.exc_value, KeyboardInterrupt)
            and threading.current_thread() is threading.main_thread()):
        _thread.start_new_thread(_thread.interrupt_main, ())
        return
    _previous["unraisable"](unraisable)


def install() -> None:
    """Set both hooks, keeping the ones there before for everything else (once: installing
    again keeps the first ones)."""
    if sys.excepthook is not _on_uncaught:
        _previous["except"] = sys.excepthook
        sys.excepthook = _on_uncaught
    if sys.unraisablehook is not _on_unraisable:
        _previous["unraisable"] = sys.unraisablehook
        sys.unraisablehook = _on_unraisable
