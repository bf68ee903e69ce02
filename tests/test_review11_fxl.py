"""Regression tests: a folder's repeated header lines, log time stamps, event-table keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.cli._spool import folder_as_file, remove_spooled


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("header, rows", [
    ("src,dst,bytes,", ("10.0.0.1,10.0.0.2,5,", "10.0.0.3,10.0.0.4,7,")),  # a trailing separator
    (",src,bytes", ("0,10.0.0.1,", "1,10.0.0.3,7")),  # pandas' index column, an empty cell
    ("src,dst", ("src,x", "1,2")),  # a value equal to a column's name
])
def test_folder_writes_a_tables_header_once_when_a_data_line_shares_a_field_with_it(
        tmp_path: Path, header: str, rows: tuple[str, str]) -> None:
    folder = _folder(tmp_path, {"a.csv": f"{header}\n{rows[0]}\n", "b.csv": f"{header}\n{rows[1]}\n"})
    try:
        assert folder_as_file(folder).read_text().splitlines() == [header, *rows]
    finally:
        remove_spooled()
