"""Lines ended by a carriage return alone (classic Mac OS, some exporters), and the byte-order
marks before a file's text, importable without pandas: the readers of a file, a folder's copy
and the stream tell such text the same way."""

from __future__ import annotations

import io
import re
from typing import Any, AnyStr

__all__ = ["CrToLf", "CrToLfReader", "blank_line", "cr_ended", "cr_lines", "text_lines", "without_boms"]

#: a UTF-8 byte-order mark (as Windows editors and PowerShell save text), encoded
UTF8_BOM = b"\xef\xbb\xbf"


def without_boms(text: AnyStr) -> AnyStr:
    r"""``text`` (decoded, or UTF-8 bytes) without every byte-order mark it starts with, not the
    first only: a file saved twice by a Windows tool, or one joined after another (``cat a b``),
    starts with two, and the second was else part of its first key, field or line. One rule for
    every text reader (JSON lines and documents, logs, key files, line formats, CSV headers).

    Examples
    --------
    >>> without_boms("\ufeff\ufeffa,b"), without_boms(b"\xef\xbb\xbf\xef\xbb\xbf{}"), without_boms("a\ufeff")
    ('a,b', b'{}', 'a\ufeff')
    """
    if isinstance(text, str):
        return text.lstrip("\ufeff")
    while text.startswith(UTF8_BOM):
        text = text[len(UTF8_BOM):]
    return text


def blank_line(text: str | bytes) -> bool:
    r"""Whether a line (decoded, or bytes) is blank: white space alone, or with Ctrl-Z (0x1A),
    the end-of-file mark old DOS and Windows tools (``copy /a``, some exporters) write after a
    text file's last line, invisible in an editor. One rule for the table, JSON-lines and stream
    readers, which pass blank lines over (a Ctrl-Z was 'line 5: expected 6 fields, found 1').

    Examples
    --------
    >>> blank_line(" \r\n"), blank_line(b"\x1a"), blank_line("\x1a\r\n"), blank_line("a\x1a")
    (True, True, True, False)
    """
    bare = text.strip()  # (a line of text: one strip, its first character looked at)
    if isinstance(bare, str):
        return not bare or (bare[0] == "\x1a" and not bare.replace("\x1a", "").strip())
    return not bare or (bare[:1] == b"\x1a" and not bare.replace(b"\x1a", b"").strip())


def cr_ended(head: bytes) -> bool:
    r"""Whether a file starting ``head`` (its first 64 KiB) ends its lines with a carriage return
    alone: a CR with text after it, and no line feed at all.

    Examples
    --------
    >>> cr_ended(b"a=1 b=2 c=3\rd=4 e=5 f=6\r"), cr_ended(b"a\r\nb\r\n"), cr_ended(b"a\r")
    (True, False, False)
    """
    return b"\n" not in head and b"\r" in head.rstrip(b"\r")


def text_lines(text: str) -> list[str]:
    r"""The lines of ``text`` as a file holding it is read: with a line feed in it, an LF or a
    CR LF ends a line and a CR alone is text within one (as a record's value may hold it); without
    one, a CR ends a line (a CR-ended file: :func:`cr_ended`).

    Examples
    --------
    >>> text_lines("a=1\rb\r\nc=2\n"), text_lines("a=1\rc=2\r")
    (['a=1\rb', 'c=2', ''], ['a=1', 'c=2', ''])
    """
    return _LF_EOL.split(text) if "\n" in text else text.split("\r")


_LF_EOL = re.compile(r"\r?\n")  # a line's end in a text with line feeds: LF or CR LF


class CrToLf:
    r"""The pieces of a CR-ended text turned into LF-ended ones as they come: a CR, an LF and a
    CR LF each end a line (a CR LF split over two pieces included), as the file readers take them.
    With ``quotes``, a CR or LF after an odd number of ``"`` in its line is within a quoted field
    (a CSV value holding a line break) and kept as it is, as the CSV reader keeps it in such a
    file read alone.

    Examples
    --------
    >>> t = CrToLf()
    >>> t(b"a\rb\r"), t(b"\nc\r\r"), t(b"d\ne")
    (b'a\nb\n', b'c\n\n', b'd\ne')
    >>> q = CrToLf(quotes=True)
    >>> q(b'id,m\r1,"a\rb ""c'), q(b'"" d"\r'), q(b'\n2,x\r')
    (b'id,m\n1,"a\rb ""c', b'"" d"\n', b'2,x\n')
    """

    def __init__(self, *, quotes: bool = False) -> None:
        self._after_cr = False  # the last piece ended with a CR: an LF first in the next is its own
        self._quotes = quotes
        self._quoted = False  # within a quoted field (an odd number of '"' so far in the line)

    def __call__(self, piece: bytes) -> bytes:
        if self._after_cr and piece.startswith(b"\n"):
            piece = piece[1:]
        if not self._quotes:
            self._after_cr = piece.endswith(b"\r")
            return piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self._after_cr = False
        out: list[bytes] = []
        at = 0
        for m in _QUOTE_OR_EOL.finditer(piece):
            if m.group() == b'"':
                self._quoted = not self._quoted
            elif not self._quoted:  # a line's end: an LF
                out += [piece[at:m.start()], b"\n"]
                at = m.end()
                self._after_cr = at == len(piece) and m.group() == b"\r"
        out.append(piece[at:])
        return b"".join(out)


_QUOTE_OR_EOL = re.compile(rb'"|\r\n?|\n')


class CrToLfReader(io.RawIOBase):
    r"""A binary file whose lines end with a carriage return alone, read (wrapped in an
    :class:`io.BufferedReader`: ``readline``, iteration, ``read``) as one whose lines end with a
    line feed, each piece through :class:`CrToLf`; closing it closes the file.

    Examples
    --------
    >>> with io.BufferedReader(CrToLfReader(io.BytesIO(b"a,b\r1,2\r\n3,4"))) as fh:
    ...     list(fh)
    [b'a,b\n', b'1,2\n', b'3,4']
    """

    def __init__(self, fh: Any, *, quotes: bool = False) -> None:
        self._fh, self._convert, self._held = fh, CrToLf(quotes=quotes), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._held:
            piece = self._fh.read(len(buffer))
            if not piece:
                return 0
            self._held = self._convert(piece)
        data, self._held = self._held[:len(buffer)], self._held[len(buffer):]
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def cr_lines(fh: Any, block: int = 1 << 20, *, quotes: bool = False) -> io.BufferedReader:
    r"""The binary file ``fh``, whose lines end with a carriage return alone, to be read by its
    lines (``readline``, iteration) as LF-ended ones: a :class:`CrToLfReader` buffered by
    ``block`` bytes (a CR, LF or CR LF each given as LF: a line feed later in such a file ends a
    line too; with ``quotes``, not one within a quoted field: :class:`CrToLf`); closing it
    closes ``fh``.

    Examples
    --------
    >>> list(cr_lines(io.BytesIO(b"a\rb\r\nc\nd"), block=2))
    [b'a\n', b'b\n', b'c\n', b'd']
    """
    return io.BufferedReader(CrToLfReader(fh, quotes=quotes), block)
