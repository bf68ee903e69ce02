"""A row a command refuses is named at the same place by every path: in a text file (CSV, JSON
lines) its physical line from 1, as ``stream`` and the malformed-row errors name it; in a
Parquet file its data row from 1."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.cli.tables import at_file_rows
from hourglass.errors import InputError
from hourglass.ingest.tables import ReadStats
from tests._cli import ab_model, one_line_error, runner

_ROWS = [{"a": 0.1 * i, "b": 0.5} for i in range(6)]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ab_model(tmp_path_factory.mktemp("ab"))


def _csv(folder: Path, bad: str, *, blank: bool = False, quoted: bool = False) -> Path:
    # data row 3 (from 0) holds ``bad`` in 'b'; a blank line after data row 0 (blank) and a
    # quoted two-line value in a third column of data row 1 (quoted) move its line down
    lines = ["a,b,note,label"] + [f"{r['a']:.1f},{bad if i == 3 else r['b']},x,normal"
                                  for i, r in enumerate(_ROWS)]
    if quoted:
        lines[2] = lines[2].replace(",x,", ',"two\nlines",')
    if blank:
        lines.insert(2, "")
    path = folder / f"rows{int(blank)}{int(quoted)}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(("blank", "quoted", "line"), [(False, False, 5), (True, False, 6),
                                                       (False, True, 6), (True, True, 7)])
def test_text_in_a_numeric_column_of_a_csv_names_its_line(model: Path, tmp_path: Path, blank: bool,
                                                          quoted: bool, line: int) -> None:
    # what was wrong: 'hourglass score m/ flows.csv' said "column 'b': expected numbers, found
    # 'oops' (row 4)", the data row from 1, where a malformed row of the same file is named
    # 'line 5' and the output's 'row' column says 3; blank lines and a quoted value over two lines
    # moved the line further from it. It now says '(line 5)', the line an editor shows (where
    # the record starts), in score, evaluate and explain alike
    data = _csv(tmp_path, "oops", blank=blank, quoted=quoted)
    want = f"column 'b': expected numbers, found 'oops' (line {line})"
    one_line_error(["score", str(model), str(data), "-o", str(tmp_path / "s.csv")], want, tmp_path / "s.csv")
    one_line_error(["explain", str(model), str(data), "-o", str(tmp_path / "e.csv")], want)
    one_line_error(["evaluate", str(model), str(data), "--label-col", "label", "--normal", "normal"], want)
    # the same line --on-bad-rows skip lists
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "k.csv"),
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0 and f"(lines {line})" in res.stderr, res.output


def test_json_lines_score_names_the_line_stream_names(model: Path, tmp_path: Path) -> None:
    # what was wrong: score of a JSON-lines file said '(row 4)' for text in a numeric column on
    # line 5 (a blank line before it), where 'hourglass stream m/ -i FILE' of the same bytes
    # says '(line 5)'; both now say line 5
    rows = [json.dumps({**r, "b": "oops"} if i == 3 else r) for i, r in enumerate(_ROWS)]
    data = tmp_path / "rows.jsonl"
    data.write_text("\n".join([rows[0], "", *rows[1:]]) + "\n")
    want = "column 'b': expected numbers, found 'oops' (line 5)"
    one_line_error(["score", str(model), str(data), "-o", str(tmp_path / "s.csv")], want)
    res = runner.invoke(app, ["stream", str(model), "-i", str(data)])
    assert res.exit_code == 2 and want in res.stderr, res.output


def test_a_parquet_row_stays_its_data_row(model: Path, tmp_path: Path) -> None:
    # a pin (this held): a Parquet file has no lines; its row is named by its data row from 1
    frame = pd.DataFrame(_ROWS).astype({"b": str})
    frame.loc[3, "b"] = "oops"
    data = tmp_path / "rows.parquet"
    frame.to_parquet(data)
    one_line_error(["score", str(model), str(data), "-o", str(tmp_path / "s.csv")],
                   "column 'b': expected numbers, found 'oops' (row 4)")


def test_train_names_the_line_of_text_in_a_numeric_column(tmp_path: Path) -> None:
    # what was wrong: 'hourglass train flows.csv --role b=numeric' with 'oops' on line 10 (a
    # blank line and attack rows before it) said '(row 7)', its data row; it now says '(line 10)'
    lines = ["a,b,label"] + [f"0.{i},0.5,{'attack' if i % 3 == 0 else 'normal'}" for i in range(12)]
    lines[8] = "0.7,oops,normal"
    lines.insert(2, "")
    data = tmp_path / "train.csv"
    data.write_text("\n".join(lines) + "\n")
    one_line_error(["train", str(data), "--label-col", "label", "--normal", "normal", "--role", "b=numeric",
                    "--epochs", "1", "--hidden", "2", "-q", "-o", str(tmp_path / "m")],
                   "column 'b': expected numbers, found 'oops' (line 10)", tmp_path / "m")


def test_a_row_whose_place_is_not_known_names_no_line() -> None:
    # a pin of the rule's limit: a row of a training sample (or past a skipped row the reader
    # did not place) has no known data row: it is named so, not by the line its position among
    # the rows kept would give
    stats = ReadStats(first_skip=0)
    stats.lines_of = lambda at: at + 2
    exc = InputError("column 'b': expected numbers, found 'x' (row 2)")
    told = at_file_rows(exc, stats.known(np.arange(3)), stats)
    assert str(told) == "column 'b': expected numbers, found 'x' (a row whose data row is not known)"


def test_grouped_alerts_name_an_unreadable_time_at_the_line_stream_names(model: Path, tmp_path: Path) -> None:
    # what was wrong: 'hourglass score m/ x.jsonl --alert-format ecs --group-by a --timestamp-col ts'
    # said "column 'ts': data row 6 is not a timestamp" for the time on line 7 (a blank line
    # before it), where 'hourglass stream' of the same file with the same options said 'line 7'
    rows = [{"a": 0.5, "b": 0.5, "ts": f"2024-01-01T00:{i:02d}:00Z" if i != 5 else "not a time"}
            for i in range(12)]
    lines = [json.dumps(r) for r in rows]
    data = tmp_path / "t.jsonl"
    data.write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n")
    opts = ["--alert-format", "ecs", "--group-by", "a", "--group-window", "10m", "--timestamp-col", "ts"]
    want = "column 'ts': line 7 is not a timestamp ('not a time')"
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.jsonl"), *opts])
    assert res.exit_code == 2 and want in res.stderr, res.output
    res = runner.invoke(app, ["stream", str(model), "-i", str(data), *opts])
    assert res.exit_code == 2 and want in res.stderr, res.output


def test_a_warning_about_a_row_names_its_line(tmp_path: Path) -> None:
    # what was wrong: 'hourglass train flows.csv --label-col label --normal normal' with no label
    # on line 7 (a blank line before it) warned '(first: data row 5)'; it now says '(first: line 7)'
    lines = ["a,b,label"] + [f"0.{i},0.5,{'' if i == 4 else 'normal'}" for i in range(30)]
    lines.insert(3, "")
    data = tmp_path / "t.csv"
    data.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["train", str(data), "--label-col", "label", "--normal", "normal",
                              "--epochs", "1", "--hidden", "2", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "1 row(s) have no value in label column 'label' (first: line 7)" in res.stderr, res.stderr


def test_a_folder_names_the_line_in_its_own_file(model: Path, tmp_path: Path) -> None:
    # what was wrong: 'hourglass score m/ folder/' with text in a numeric column on line 5 of its
    # second file said "(row 7)", then "(line 8)": the data row and the line of the joined copy,
    # where the --on-bad-rows skip summary says '(folder/b.csv: line 5)'; both now say that
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.csv").write_text("a,b\n0.1,0.2\n0.2,0.3\n0.3,0.4\n")
    (folder / "b.csv").write_text("a,b\n0.1,0.2\n0.2,0.3\n0.3,oops\n0.4,0.5\n")
    want = f"(found 'oops' ({folder / 'b.csv'}: line 4)"[1:]
    one_line_error(["score", str(model), str(folder), "-o", str(tmp_path / "s.csv")], want)
    res = runner.invoke(app, ["score", str(model), str(folder), "-o", str(tmp_path / "k.csv"),
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0 and f"({folder / 'b.csv'}: line 4)" in res.stderr, res.output


def test_shown_tells_a_line_of_a_joined_copy_once(tmp_path: Path) -> None:
    # a pin: a message shown twice (a warning built from shown text, then logged) keeps the line
    # it was told, not that line again read as one of the joined copy
    from hourglass.cli._spool import folder_as_file, remove_spooled, shown

    (tmp_path / "a.csv").write_text("a\n1\n2\n3\n")
    (tmp_path / "b.csv").write_text("a\n4\n5\n")
    copy = folder_as_file(tmp_path)
    try:
        # (the copy's line 5: b.csv's line 2, its header not copied)
        once = shown(f"{copy}: column 'a': expected numbers, found 'x' (line 5)")
        assert once.endswith(f"({tmp_path / 'b.csv'}: line 2)"), once
        assert shown(once) == once
    finally:
        remove_spooled()
