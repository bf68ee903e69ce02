"""The core table CLI (train, score, explain, their options) and table explanations: regression
tests of defects found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner, small_labelled_model


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An autoencoder trained on a small labelled table."""
    return small_labelled_model(tmp_path_factory.mktemp("review15"))


def _train(kit: dict[str, Path], name: str, *args: str) -> list[str]:
    return ["train", str(kit["data"]), "-o", str(kit["folder"] / name), "--label-col", "label",
            "--normal", "normal", "--epochs", "1", "-q", *args]


def test_an_empty_hidden_is_refused_not_trained_with_the_default(kit: dict[str, Path]) -> None:
    # "--hidden ''" (a variable left empty in a script) trained the model's default widths
    # without a word; any other --hidden that is no list of widths is refused
    one_line_error(_train(kit, "empty-hidden", "--hidden", ""),
                   "--hidden must be a list of whole numbers such as 64,32, got ''",
                   kit["folder"] / "empty-hidden")


def test_a_typed_val_fraction_without_a_labelled_threshold_is_refused(kit: dict[str, Path]) -> None:
    # '--val-fraction 0.2' (its default, typed) with a percentile threshold was silently ignored,
    # where any other value is refused: an option typed that the run does not use is refused
    one_line_error(_train(kit, "vf", "--val-fraction", "0.2"),
                   "--val-fraction: only a labelled threshold", kit["folder"] / "vf")
    res = runner.invoke(app, _train(kit, "vf-f1", "--val-fraction", "0.2", "--threshold", "best-f1"))
    assert res.exit_code == 0, res.output


def test_explain_keep_of_a_nested_field_names_its_fields(kit: dict[str, Path]) -> None:
    # 'explain --keep src' of JSON lines holding "src": {"ip": ...} said only "no column 'src'",
    # where score adds that the data has it as a nested object read as src.ip: explain looked
    # at the kept columns alone
    data = kit["folder"] / "nested.jsonl"
    rows = pd.read_csv(kit["data"]).head(20).to_dict("records")
    data.write_text("".join(json.dumps({**r, "src": {"ip": "10.0.0.1"}}) + "\n" for r in rows))
    for command in ("score", "explain"):
        out = kit["folder"] / f"nested-{command}.csv"
        res = runner.invoke(app, [command, str(kit["model"]), str(data), "--keep", "src", "-o", str(out)])
        assert res.exit_code == 2, res.output
        assert "read as its fields (src.ip)" in res.stderr, res.stderr
        assert not out.exists()


def test_a_folder_whose_first_file_starts_with_blank_lines_reads_one_header(kit: dict[str, Path]) -> None:
    # a folder's first file starting with a blank line (read alone, the file scores) took that
    # blank line for its header: the next file's header line was then read as a data row
    # ("column 'bytes': expected numbers, found 'bytes'"); a later file's line numbers count
    # its blank lines
    folder = kit["folder"] / "blank-first"
    folder.mkdir()
    frame = pd.read_csv(kit["data"])
    (folder / "a.csv").write_text("\n" + frame.head(150).to_csv(index=False))
    (folder / "b.csv").write_text("\r\n\n" + frame.tail(150).to_csv(index=False))
    out = kit["folder"] / "blank-first.csv"
    res = runner.invoke(app, ["score", str(kit["model"]), str(folder), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 300
    with (folder / "b.csv").open("a") as fh:
        fh.write("1,2,tcp,normal,9\n")  # line 154: 2 blank lines, the header, 150 rows
    one_line_error(["score", str(kit["model"]), str(folder), "-o", str(kit["folder"] / "bad.csv")],
                   "b.csv: line 154: expected 4 fields, found 5", kit["folder"] / "bad.csv")


def test_explain_writes_a_kept_integer_column_with_a_gap_as_integers(kit: dict[str, Path]) -> None:
    # a CSV's integer column with an empty cell is read as floats: 'score -o x.jsonl --keep
    # port' writes 443, explain wrote 443.0 (and showed 443.0 on screen)
    frame = pd.read_csv(kit["data"]).assign(port=443.0)
    frame.loc[1, "port"] = np.nan
    data = kit["folder"] / "ports.csv"
    frame.to_csv(data, index=False)
    out = kit["folder"] / "ports.jsonl"
    res = runner.invoke(app, ["explain", str(kit["model"]), str(data), "--all", "--keep", "port",
                              "--limit", "3", "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["port"] for r in rows[:2]] == [443, None]
    assert out.read_text().splitlines()[0].endswith('"port":443}')
    assert "443.0" not in res.stdout and "443" in res.stdout


def test_explain_shows_a_missing_kept_value_as_missing(kit: dict[str, Path]) -> None:
    # the screen table showed a kept column's empty cell as 'nan' (or None, <NA>), as its
    # column's type held it, beside a why text that says '<missing>'
    frame = pd.read_csv(kit["data"]).assign(host="h1")
    frame["host"] = frame["host"].where(frame.index % 30 != 0)  # the attacks: no host
    data = kit["folder"] / "hosts.csv"
    frame.to_csv(data, index=False)
    res = runner.invoke(app, ["explain", str(kit["model"]), str(data), "--keep", "host",
                              "--limit", "300", "--all"])
    assert res.exit_code == 0, res.output
    assert "<missing>" in res.stdout and "h1" in res.stdout
    assert " nan " not in res.stdout and "None" not in res.stdout


def test_score_refuses_a_typed_sqlite_table_without_a_sqlite_output(kit: dict[str, Path]) -> None:
    # '--sqlite-table alerts' (its default, typed) with a CSV --output was silently ignored,
    # where any other table name is refused
    out = kit["folder"] / "table.csv"
    one_line_error(["score", str(kit["model"]), str(kit["data"]), "-o", str(out),
                    "--sqlite-table", "alerts"], "--sqlite-table: only for a SQLite --output", out)
    db = kit["folder"] / "table.sqlite"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["data"]), "-o", str(db),
                              "--sqlite-table", "alerts"])
    assert res.exit_code == 0, res.output
