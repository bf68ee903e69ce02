"""Regression tests: streaming scorers, the stream command and the spooling of DATA folders."""

from __future__ import annotations

from pathlib import Path

from hourglass.cli._spool import folder_as_file, remove_spooled


def test_folder_keeps_a_later_files_first_line_equal_to_the_first_files_when_it_is_data(
        tmp_path: Path) -> None:
    keys = tmp_path / "keys"  # key-sequence files (a session a line): the same first session
    keys.mkdir()
    (keys / "a.txt").write_text("1 2 3 4\n1 2 3 5\n")
    (keys / "b.txt").write_text("1 2 3 4\n1 2 4 4\n")
    try:
        assert folder_as_file(keys).read_text().splitlines() == [
            "1 2 3 4", "1 2 3 5", "1 2 3 4", "1 2 4 4"]  # the second '1 2 3 4' was dropped
        csv = tmp_path / "csv"  # a header line again is still written once, also after files of
        csv.mkdir()  # the header alone (quiet hours), which cannot tell a header from a lone line
        for name, text in (("a", "x,y\n"), ("b", "x,y\n"), ("c", "x,y\n1,2\n"), ("d", "x,y\n3,4\n")):
            (csv / f"{name}.csv").write_text(text)
        assert folder_as_file(csv).read_text().splitlines() == ["x,y", "1,2", "3,4"]
    finally:
        remove_spooled()
