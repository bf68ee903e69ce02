"""Regression tests: a Zeek log whose separator is a literal blank, a GCP audit entry whose
untyped protoPayload sits beside a null payload key, an NSL-KDD file opening with a BOM and a
blank line."""

from __future__ import annotations

from pathlib import Path

from hourglass.ingest.formats import get_format, sniff_format


def test_zeek_literal_space_separator_splits_the_fields(tmp_path: Path) -> None:
    """A '#separator' written as a literal blank ('#separator ' + ' ') is the space: the value was
    read stripped, taken for the tab, the space-separated '#fields' line left unsplit and the file
    refused as needing a '#fields' header line."""
    p = tmp_path / "conn.log"
    p.write_text("#separator  \n#fields ts id.orig_h id.resp_h orig_bytes\n#types time addr addr count\n"
                 + "".join(f"1700000000.5 10.0.0.{i} 10.0.1.5 {i}\n" for i in range(3)))
    assert sniff_format(p).name == "zeek-conn"
    df = get_format("zeek-conn").read(p)
    assert list(df.columns) == ["ts", "id.orig_h", "id.resp_h", "orig_bytes"]
    assert df["id.orig_h"].tolist() == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
    assert df["orig_bytes"].tolist() == [0, 1, 2]
