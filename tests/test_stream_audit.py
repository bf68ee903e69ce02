"""``hourglass stream`` run the way it runs in production: long lines, bad rows skipped, an
appended output file, SIGTERM from systemd or docker, Ctrl-C while a batch waits."""

from __future__ import annotations

import io
import time

from hourglass.cli.stream import LineBatcher


def test_a_very_long_line_is_read_in_linear_time() -> None:
    # a minified JSON export is one line of many megabytes: reading it piece by piece once cost
    # its length squared (28 s for 40 MB)
    data = b'{"a": "' + b"x" * 40_000_000 + b'"}\n{"b": 1}'
    start = time.perf_counter()
    batches = [[len(line) for _, line in b] for b in LineBatcher(io.BytesIO(data).read, size=4,
                                                                    max_delay=0.2)]
    assert batches == [[40_000_009, 8]]
    assert time.perf_counter() - start < 5
