"""Limits shared by the readers and the command line, importable without pandas or torch."""

from __future__ import annotations

__all__ = ["MAX_LINE_BYTES"]

#: The longest line a line-by-line reader keeps (``stream``, the CEF/LEEF/PAN-OS/key=value
#: formats): a longer one is a bad line, read past, not held (a source without line breaks cannot
#: fill memory)
MAX_LINE_BYTES = 16 << 20
