"""Limits shared by the readers and the command line, importable without pandas or torch."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "MAX_LINE_BYTES", "WHOLE_TOP", "check_json_depth", "loads_json",
           "raw_decode_json", "too_large", "too_long"]

#: The largest whole number a command-line option or ``--param`` takes (a seed aside, up to
#: 2**64-1): what a C long holds. Past it a count reached NumPy or pandas as an ``OverflowError``
#: traceback (``--fill-limit``), a vague error (``export --check-rows``: "Maximum allowed
#: dimension exceeded"), or was taken (``--epochs 1e30``: a run that ends only by early stopping)
WHOLE_TOP = 2**63 - 1


def too_large(value: int) -> str | None:
    """What an option says of a whole number past :data:`WHOLE_TOP` either way, else ``None``.

    Examples
    --------
    >>> too_large(10**30)
    'above 2**63-1 (9223372036854775807), the largest whole number an option takes'
    >>> too_large(2**63 - 1) is None and too_large(-(2**63)) is None
    True
    """
    if value > WHOLE_TOP:
        return f"above 2**63-1 ({WHOLE_TOP}), the largest whole number an option takes"
    if value < -WHOLE_TOP - 1:
        return f"below -2**63 ({-WHOLE_TOP - 1}), the smallest whole number an option takes"
    return None

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


#: The deepest nesting of JSON arrays and objects a reader takes. Python 3.11's parser stopped at
#: about 1,000 levels with a ``RecursionError`` that every reader turns into a bad line or a clear
#: error; from 3.12 the parser goes deeper, and the code that walks the parsed values (flattening
#: nested fields, escaping lone surrogates) would then stop mid-way with a traceback. The same
#: limit on every Python keeps the answer the same. Real records nest a few levels.
MAX_JSON_DEPTH = 400

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_STRING_BYTES = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NOT_BRACKET_BYTES = re.compile(rb"[^\[\]{}]+")


def check_json_depth(text: str | bytes, start: int = 0, end: int | None = None,
                     limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ``RecursionError`` when ``text[start:end]`` nests arrays or objects deeper than
    ``limit``, as Python 3.11's parser did past its stack, whatever this Python's parser takes.

    Brackets inside strings do not count. A text holding fewer opening brackets than ``limit``
    is passed at the cost of two counts.

    Examples
    --------
    >>> check_json_depth('{"a": [[1], "[[["]}', limit=3)
    >>> check_json_depth("[" * 5 + "]" * 5, limit=4)
    Traceback (most recent call last):
    ...
    RecursionError: JSON nested deeper than 4 levels
    """
    stop = len(text) if end is None else end
    opening = (text.count(b"[", start, stop) + text.count(b"{", start, stop) if isinstance(text, bytes)
               else text.count("[", start, stop) + text.count("{", start, stop))
    if opening <= limit:
        return
    if isinstance(text, bytes):
        brackets = _NOT_BRACKET_BYTES.sub(b"", _JSON_STRING_BYTES.sub(b"", text[start:stop])).decode("ascii")
    else:
        brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text[start:stop]))
    depth = 0
    for c in brackets:
        if c in "[{":
            depth += 1
            if depth > limit:
                raise RecursionError(f"JSON nested deeper than {limit} levels")
        else:
            depth -= 1


def loads_json(text: str | bytes) -> Any:
    """``json.loads(text)``, then :func:`check_json_depth`: a document nested deeper than
    :data:`MAX_JSON_DEPTH` raises ``RecursionError`` on every Python version. A text that is no
    JSON raises the parser's own error (an unterminated string is said as such, whatever its
    brackets).

    Examples
    --------
    >>> loads_json('{"a": [1, 2]}')
    {'a': [1, 2]}
    """
    value = json.loads(text)
    # check_json_depth's own first test, here: a call less for each line of a JSON-lines file
    if (text.count(b"[") + text.count(b"{") if isinstance(text, bytes)
            else text.count("[") + text.count("{")) > MAX_JSON_DEPTH:
        check_json_depth(text)
    return value


def raw_decode_json(decoder: json.JSONDecoder, text: str, at: int = 0) -> tuple[Any, int]:
    """``decoder.raw_decode(text, at)``, then :func:`check_json_depth` on the document read.

    Examples
    --------
    >>> raw_decode_json(json.JSONDecoder(), '  {"a": 1} [2]', 2)
    ({'a': 1}, 10)
    """
    value, end = decoder.raw_decode(text, at)
    check_json_depth(text, at, end)
    return value, end
