"""Messages about a folder's files keep a quoted value as the user wrote it."""

from __future__ import annotations

from pathlib import Path

from tests._cli import ab_model, one_line_error


def test_a_folder_message_keeps_a_quoted_value_that_reads_line_n(tmp_path: Path) -> None:
    # what was wrong: 'hourglass score M d/' where d/b.csv held the text 'line 1' in a numeric
    # column said "found 'd/a.csv: line 1' (d/b.csv: line 3)": the rewrite of the joined copy's
    # 'line N' into each file's own line changed the user's quoted value too (as 'row N' was
    # changed in a single file's message); the value is now shown as written
    model = ab_model(tmp_path)
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.csv").write_text("a,b\n0.1,0.2\n0.3,0.4\n0.5,0.6\n")
    (folder / "b.csv").write_text("a,b\n0.1,0.2\nline 1,0.4\n")
    out = tmp_path / "out.csv"
    one_line_error(["score", str(model), str(folder), "-o", str(out)],
                   "column 'a': expected numbers, found 'line 1' (", out)
    one_line_error(["score", str(model), str(folder), "-o", str(out)], "b.csv: line 3)", out)
