"""Review 60 (left60): regression tests of items the last review round left alone."""

from __future__ import annotations

from pathlib import Path

from tests._cli import one_line_error


def test_control_bytes_without_a_nul_are_not_called_nul_bytes(tmp_path: Path) -> None:
    # What was wrong: a small CSV with a Ctrl-Z (0x1A) between its lines ('a,b\n1,2\n\x1a3,4\n')
    # was refused as 'binary data (NUL bytes), not a CSV/TSV/JSONL table or a text log (a UTF-16
    # text file? save it as UTF-8)', naming a NUL (and UTF-16) where the file holds neither. A
    # file refused for control bytes other than NUL now names the byte; NUL data reads as before.
    csv = tmp_path / "z.csv"
    csv.write_bytes(b"a,b\n1,2\n\x1a3,4\n")
    one_line_error(["inspect", str(csv)], f"{csv}: binary data (control bytes such as 0x1A), not a "
                                          "CSV/TSV/JSONL table or a text log")
    nul = tmp_path / "n.csv"
    nul.write_bytes(bytes(3000))
    one_line_error(["inspect", str(nul)], "binary data (NUL bytes), not a CSV/TSV/JSONL table")
