"""``hourglass stream``: gzip-compressed UTF-16 read a few bytes at a time, an output that refuses
a write, and the audit events a read error completes."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable

from hourglass.cli import stream as stream_module


def _trickle(data: bytes) -> Callable[[int], bytes]:
    """Reads of ``data`` one byte at a time, as a pipe fed slowly gives them."""
    source = io.BytesIO(data)
    return lambda n: source.read(1)


def test_gzip_compressed_utf16_arriving_a_byte_at_a_time_is_decoded() -> None:
    # the byte-order mark was looked for in the first chunk out of gzip only: from a slow
    # producer that chunk is b'\xff' alone, the text was not decoded ("line 2: not valid JSON")
    text = '{"user": "zoë", "n": 1}\n{"user": "bo", "n": 2}\n'
    for data in (text.encode("utf-16"), gzip.compress(text.encode("utf-16")),
                 gzip.compress(text.encode("utf-8"))):
        read = stream_module._gunzip_if_gzip(_trickle(data), "<stdin>")
        lines = [pair for batch in stream_module.LineBatcher(read, size=10, max_delay=0.05)
                 for pair in batch]
        rows, numbers, problem = stream_module._parse(lines, "<stdin>", "error", [])
        assert problem is None
        assert rows == [{"user": "zoë", "n": 1}, {"user": "bo", "n": 2}]
        assert numbers == [1, 2]


def test_a_one_byte_gzip_line_is_not_held_back_for_a_byte_order_mark() -> None:
    read = stream_module._gunzip_if_gzip(_trickle(gzip.compress(b"\n")), "x")
    assert read(100) == b"\n" and read(100) == b""
