"""The outputs a command has put in place, for what an interruption after that says."""

from __future__ import annotations

import os

__all__ = ["note_placed", "placed_outputs"]

_PLACED: list[str] = []


def note_placed(path: str | os.PathLike[str]) -> None:
    """Note that ``path`` (an output file, a model folder, ``-``) is complete where the user
    asked for it: renamed into place, or copied out whole. Ctrl-C or SIGTERM after that no longer
    says that no output was written (:func:`placed_outputs`)."""
    _PLACED.append(os.fspath(path))


def placed_outputs() -> list[str]:
    """The outputs noted by :func:`note_placed` since the last call, which forgets them.

    Examples
    --------
    >>> note_placed("scores.csv"); placed_outputs(), placed_outputs()
    (['scores.csv'], [])
    """
    placed = _PLACED[:]
    _PLACED.clear()
    return placed
