"""Regression tests of the JSON-document, line-format and Zeek readers: where a bad byte or bad
JSON is, files that are no UTF-8 text, and fields the model does not use."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.formats import get_format

_ZEEK_HEADER = ("#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.resp_h\tid.resp_p\tmissed_bytes\n"
                "#types\ttime\tstring\taddr\taddr\tport\tcount\n")


def test_zeek_column_the_caller_does_not_read_turns_to_text(tmp_path: Path) -> None:
    # a 'count' field the model does not read (missed_bytes) numbers first, a word later: read
    # leniently, as the CSV and VPC readers do, not a stop at line 3004
    p = tmp_path / "conn.log"
    p.write_text(_ZEEK_HEADER + "".join(f"{1700000000 + i}.0\tC{i}\t10.0.0.1\t10.0.0.2\t443\t"
                                        f"{'0' if i < 3000 else 'x'}\n" for i in range(4000)))
    spec = get_format("zeek-conn")
    used = {"ts", "id.orig_h", "id.resp_h", "id.resp_p"}
    assert sum(len(df) for df in spec.iter_chunks(p, chunk_bytes=1 << 15, used=used)) == 4000
    with pytest.raises(InputError, match="line 3004: column 'missed_bytes'"):  # read strictly
        list(spec.iter_chunks(p, chunk_bytes=1 << 15, used=used | {"missed_bytes"}))
