"""Lines ended by a carriage return alone (classic Mac OS, some exporters), importable without
pandas: the readers of a file, a folder's copy and the stream tell such text the same way."""

from __future__ import annotations

__all__ = ["CrToLf", "cr_ended"]


def cr_ended(head: bytes) -> bool:
    r"""Whether a file starting ``head`` (its first 64 KiB) ends its lines with a carriage return
    alone: a CR with text after it, and no line feed at all.

    Examples
    --------
    >>> cr_ended(b"a=1 b=2 c=3\rd=4 e=5 f=6\r"), cr_ended(b"a\r\nb\r\n"), cr_ended(b"a\r")
    (True, False, False)
    """
    return b"\n" not in head and b"\r" in head.rstrip(b"\r")


class CrToLf:
    r"""The pieces of a CR-ended text turned into LF-ended ones as they come: a CR, an LF and a
    CR LF each end a line (a CR LF split over two pieces included), as the file readers take them.

    Examples
    --------
    >>> t = CrToLf()
    >>> t(b"a\rb\r"), t(b"\nc\r\r"), t(b"d\ne")
    (b'a\nb\n', b'c\n\n', b'd\ne')
    """

    def __init__(self) -> None:
        self._after_cr = False  # the last piece ended with a CR: an LF first in the next is its own

    def __call__(self, piece: bytes) -> bytes:
        if self._after_cr and piece.startswith(b"\n"):
            piece = piece[1:]
        self._after_cr = piece.endswith(b"\r")
        return piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
