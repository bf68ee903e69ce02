"""The outputs a command has put in place, for what an interruption after that says."""

from __future__ import annotations

import os
from collections import deque

__all__ = ["note_placed", "placed_outputs"]

#: the last few only: the library notes every model or table it saves, and only the CLI, which
#: writes a handful per command, ever reads and clears them (a long-lived process that saves a
#: model an hour does not grow this list)
_PLACED: deque[str] = deque(maxlen=64)


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
    placed = list(_PLACED)
    _PLACED.clear()
    return placed
