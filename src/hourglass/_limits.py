"""Limits shared by the readers and the command line, importable without pandas or torch."""

from __future__ import annotations

__all__ = ["MAX_LINE_BYTES", "too_long"]

#: The longest line a line-by-line reader keeps (``stream``, the CEF/LEEF/PAN-OS/key=value
#: formats): a longer one is a bad line, read past, not held (a source without line breaks cannot
#: fill memory)
MAX_LINE_BYTES = 16 << 20


def too_long(length: int, limit: int = MAX_LINE_BYTES) -> str:
    """What a reader says of a line of ``length`` bytes past its ``limit``.

    Examples
    --------
    >>> too_long(20_000_000)
    'longer than 16 MiB (20,000,000 bytes): not read'
    """
    return f"longer than {limit >> 20} MiB ({length:,} bytes): not read"
