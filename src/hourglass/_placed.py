"""The outputs a command has put in place, for what an interruption after that says."""

from __future__ import annotations

import os
from collections import deque

__all__ = ["cut_outputs", "note_cut", "note_placed", "placed_outputs"]

#: the last few only: the library notes every model or table it saves, and only the CLI, which
#: writes a handful per command, ever reads and clears them (a long-lived process that saves a
#: model an hour does not grow this list)
_PLACED: deque[str] = deque(maxlen=64)


def _taken(noted: deque[str]) -> list[str]:
    """What ``noted`` holds, which it forgets (one command's outputs are no later command's)."""
    taken = list(noted)
    noted.clear()
    return taken


def note_placed(path: str | os.PathLike[str]) -> None:
    """Note that ``path`` (an output file, a model folder, ``-``) is complete where the user
    asked for it: renamed into place, or copied out whole. Ctrl-C or SIGTERM after that no longer
    says that no output was written (:func:`placed_outputs`)."""
    _PLACED.append(os.fspath(path))


def placed_outputs() -> list[str]:
    """The outputs noted by :func:`note_placed` since the last call, which forgets them.

    Examples
    --------
    >>> _ = placed_outputs()  # (forget what earlier saves in this process noted)
    >>> note_placed("scores.csv"); placed_outputs(), placed_outputs()
    (['scores.csv'], [])
    """
    return _taken(_PLACED)


#: outputs whose copy out (standard output, a named pipe, a device) Ctrl-C or SIGTERM cut short
_CUT: deque[str] = deque(maxlen=64)


def note_cut(path: str | os.PathLike[str]) -> None:
    """Note that ``path`` (``-``, a named pipe, a device) was being copied out when Ctrl-C or
    SIGTERM stopped the command: its reader got part of the data, so an interruption no longer
    says that no output was written (:func:`cut_outputs`)."""
    _CUT.append(os.fspath(path))


def cut_outputs() -> list[str]:
    """The outputs noted by :func:`note_cut` since the last call, which forgets them.

    Examples
    --------
    >>> _ = cut_outputs()  # (forget what earlier commands in this process noted)
    >>> note_cut("-"); cut_outputs(), cut_outputs()
    (['-'], [])
    """
    return _taken(_CUT)
