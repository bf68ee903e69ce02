"""Regression tests: ``--on-bad-rows skip`` warnings name the line of a row the model refused
(a value that is no number in a numeric column), of CSV and JSON lines alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.cli import app
from hourglass.ingest import ReadStats, iter_table
from tests._cli import ab_model, runner


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A table model on two numeric columns a, b."""
    folder = tmp_path_factory.mktemp("skip23")
    return ab_model(folder)


def _one_line(text: str) -> str:
    return " ".join(text.split())  # (the console wraps long lines)


def _skip(model: Path, data: Path, out: Path, command: str = "score") -> str:
    every = ["--all"] if command == "explain" else []
    res = runner.invoke(app, [command, str(model), str(data), "--on-bad-rows", "skip", *every,
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    return _one_line(res.stderr)


# What was wrong: a row whose value the model refused ('x' in the numeric column b) was skipped
# with 'skipped 1 malformed row(s) in FILE' and no line, of CSV and JSON lines alike (and so in
# explain, which scores through the same path), though the reader knows the row's line. The
# warning now names it: line 4 of the CSV (the header is line 1), line 3 of the JSON lines.
@pytest.mark.parametrize("command", ["score", "explain"])
@pytest.mark.parametrize(("name", "text", "line"), [
    ("rs.csv", "a,b\n1,2\n3,4\n5,x\n7,8\n", 4),
    ("rs.jsonl", '{"a":1,"b":2}\n{"a":3,"b":4}\n{"a":5,"b":"x"}\n{"a":7,"b":8}\n', 3),
])
def test_refused_row_is_named_by_its_line(model: Path, tmp_path: Path, command: str, name: str,
                                          text: str, line: int) -> None:
    data = tmp_path / name
    data.write_text(text)
    said = _skip(model, data, tmp_path / "out.csv", command)
    assert f"skipped 1 malformed row(s) in {data} (lines {line})" in said, said


# What was wrong (as above), past blank lines and lines the reader itself skipped (malformed
# JSON, a row of three fields): the refused rows' lines are those of the file, in file order
# among the reader's (before: the reader's alone, 'lines 4' and 'lines 7 ...').
@pytest.mark.parametrize(("name", "text", "lines"), [
    ("rs.jsonl", '{"a":1,"b":2}\n\n{"a":3,"b":4}\nnot json\n{"a":5,"b":"x"}\n{"a":7,"b":8}\n'
                 '{"a":7,"b":"y"}\n', "4, 5, 7"),
    ("rs.csv", "a,b\n1,2\n\n3,4\n5,x\n7,8\n1,2,3\n4,y\n", "5, 7, 8"),
])
def test_refused_rows_lines_past_lines_left_out(model: Path, tmp_path: Path, name: str, text: str,
                                                lines: str) -> None:
    data = tmp_path / name
    data.write_text(text)
    said = _skip(model, data, tmp_path / "out.csv")
    assert f"skipped 3 malformed row(s) in {data} (lines {lines})" in said, said


# What was wrong: pyarrow's parallel parser numbers no line of a row of the wrong field count; it
# is found by its text, and a second row of the same text found the first's line ('lines 2, 2').
# No line is guessed: since review 24 such a row ends the parallel read and the file is read in
# one thread, where pyarrow numbers each row, so every line is told, the second row's its own.
def test_no_line_guessed_after_a_repeated_bad_row(model: Path, tmp_path: Path) -> None:
    data = tmp_path / "rs.csv"
    data.write_text("a,b\n1,2,3\n1,2\n1,2,3\n5,x\n")
    said = _skip(model, data, tmp_path / "out.csv")
    assert f"skipped 3 malformed row(s) in {data} (lines 2, 4, 5)" in said, said


# What was wrong: a word in a column typed from the first block (read again as text and converted)
# was skipped without its line when pyarrow's handler had skipped a row of the wrong field count
# before it in the read ([102] alone); its line is now told past that row's.
def test_converted_column_value_named_past_a_wrong_field_count(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("a,b\n" + "".join("1,2,3\n" if i == 100 else "5,x\n" if i == 4000 else
                                      f"{i},{2 * i}\n" for i in range(5000)))
    stats = ReadStats()
    rows = sum(len(df) for df in iter_table(data, fmt="csv", on_bad_rows="skip", stats=stats,
                                            chunk_bytes=4096))
    assert (rows, stats.bad_rows, stats.bad_lines) == (4998, 2, [102, 4002])


# What was wrong (a cost of the fix above): each refused row's line was found by reading the file
# from its start again (9 rows near the end of a 2-million-row CSV: 14 s more); a look now goes
# on from where the last one stopped, and finds the same lines as a read from the start.
def test_row_lines_go_on_from_the_last_look(tmp_path: Path) -> None:
    from hourglass.ingest.tables import _RowLines

    data = tmp_path / "t.csv"
    data.write_text('a,b\n1,2\n\n3,"x\ny"\n# c\n5,6\n7,8\n')

    def look(row: int, at: tuple[int, int, int] | None = None) -> tuple[int | None, tuple[int, int, int]]:
        lines = _RowLines(data, 1, "#", decodable=False, quote=True, at=at)
        try:
            return lines.line_of(row), lines.place
        finally:
            lines.close()

    found, place = look(2)
    assert found == 4
    assert [look(row, place)[0] for row in (3, 4)] == [look(row)[0] for row in (3, 4)] == [7, 8]
