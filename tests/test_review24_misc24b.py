"""Review 24 (misc24b): NUL in key files, year-9999 times, nested entity values in stream,
compact dates beside epoch seconds, gan.py --part report options."""

from __future__ import annotations

import numpy as np

from hourglass.features.sessions import EventSessions
from hourglass.features.sessions.keys import key_sequence


def test_nul_in_a_key_file_parts_keys(tmp_path):
    # was: the reader dropped NUL bytes inside a line, so '5\0\05' read as the one key 55
    path = tmp_path / "keys.txt"
    path.write_bytes(b"1 2 3\n5\x00\x005 1\n\x00\x00\x00\n")
    sessions = EventSessions(format="keys").fit(None).sessions(path)
    assert [s.tolist() for s in sessions.sequences] == [[1, 2, 3], [5, 5, 1]]
    assert key_sequence("5\x005").tolist() == [5, 5]


def test_nul_in_a_streamed_key_line_parts_keys():
    # was: the stream's line decoder dropped NUL too ('5\0\05' streamed as 55)
    from hourglass.cli.stream_logs import _decode

    assert key_sequence(_decode(b"5\x00\x005", False, " ")).tolist() == [5, 5]
    assert _decode(b"a\x00b", False) == "ab"  # a log's line still drops it
