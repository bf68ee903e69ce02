"""Ingest parsers against their formats' specifications: each test pinned by the input that
showed the defect."""

from __future__ import annotations

from pathlib import Path

from hourglass.ingest.formats import get_format


def _zeek_tsv(path: Path, fields: list[str], types: list[str], rows: list[list[str]]) -> Path:
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            f"#path\t{path.stem}", "#fields\t" + "\t".join(fields), "#types\t" + "\t".join(types)]
    path.write_text("\n".join([*head, *("\t".join(r) for r in rows), "#close\t2026-01-01-00-00-00"]) + "\n")
    return path


def test_zeek_tsv_values_have_their_escapes_undone(tmp_path: Path) -> None:
    """Zeek's TSV writer escapes a backslash, a tab, bytes that are no printable ASCII and a
    value that reads as '-' as ``\\xNN``; they were kept as written (``/a\\x09b``), so the same
    log read as TSV and as JSON (and a model trained on one, streamed the other) disagreed."""
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "host", "uri", "user_agent"]
    types = ["time", "string", "addr", "port", "addr", "port", "string", "string", "string"]
    rows = [["1700000000.5", "C1", "10.0.0.5", "40000", "10.0.0.1", "80", "caf\\xc3\\xa9.example",
             "/a\\x09b\\x5cc", "\\x2d"],
            ["1700000001.5", "C2", "10.0.0.5", "40001", "10.0.0.1", "80", "x.example", "/plain", "-"],
            ["1700000002.5", "C3", "10.0.0.5", "40002", "10.0.0.1", "80", "y.example", "/bad\\xff", "ua"]]
    df = get_format("zeek-conn").read(_zeek_tsv(tmp_path / "http.log", fields, types, rows))
    assert df["host"].tolist() == ["café.example", "x.example", "y.example"]
    assert df["uri"].tolist() == ["/a\tb\\c", "/plain", "/bad\\xff"]  # (no UTF-8: as written)
    assert df["user_agent"].iloc[0] == "-" and df["user_agent"].isna().iloc[1]  # escaped '-' vs unset
    assert df["id.orig_p"].tolist() == [40000, 40001, 40002]
