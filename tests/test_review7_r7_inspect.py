"""Review 7 of ``hourglass inspect``/``models``/``formats`` and the CLI's shared helpers (output
checks, standard input and folder copies): each test is one defect fixed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from tests._cli import runner


def _table(path: Path, n: int = 60) -> Path:
    rng = np.random.default_rng(0)
    path.write_text("ts,host,x,p\n" + "".join(
        f"2024-01-01 00:{i // 60:02d}:{i % 60:02d},h{i % 3},{v:.4f},{'ab'[i % 2]}\n"
        for i, v in enumerate(rng.random(n))))
    return path


def test_inspect_says_the_malformed_rows_it_skipped(tmp_path: Path) -> None:
    # --on-bad-rows skip left rows out of the preview without a word (train and score say them)
    data = tmp_path / "t.csv"
    data.write_text("a,b\n1,2\n3,4,5\n6,7\n8,9\n")
    res = runner.invoke(app, ["inspect", str(data), "--on-bad-rows", "skip", "--json",
                              str(tmp_path / "s.json")])
    assert res.exit_code == 0, res.output
    assert "skipped 1 malformed row(s)" in res.stderr and "lines 3" in res.stderr
    assert json.loads((tmp_path / "s.json").read_text())["skipped_rows"] == 1
    data.write_text("a,b\n1,2,3\n4,5,6\n")  # every row malformed: not 'no data rows' alone
    res = runner.invoke(app, ["inspect", str(data), "--on-bad-rows", "skip"])
    assert res.exit_code == 2 and "no data rows (skipped 2 malformed row(s))" in res.stderr


def test_inspect_entity_reads_no_more_than_its_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # --entity-col read the whole file again (all of it in memory) and then kept --rows of it
    from hourglass.cli import entity

    def whole(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole file was read")

    monkeypatch.setattr(entity, "_read", whole)
    monkeypatch.setattr(entity, "read_data", whole)
    data = _table(tmp_path / "t.csv")
    res = runner.invoke(app, ["inspect", str(data), "--entity-col", "host", "--timestamp-col", "ts",
                              "--rows", "40", "--json", str(tmp_path / "s.json")])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "s.json").read_text())["rows"] == 40


@pytest.mark.parametrize("pattern", [False, True])
def test_an_output_is_never_a_file_of_a_folder_or_pattern_read(tmp_path: Path, pattern: bool) -> None:
    # the check compared the output with the temporary copy of the folder's files: --json (and
    # score's --output) equal to one of them replaced the user's data file
    from tests._cli import one_line_error

    folder = tmp_path / "day"
    folder.mkdir()
    a, b = _table(folder / "a.csv"), _table(folder / "b.csv")
    before = a.read_bytes()
    data = str(folder / "*.csv") if pattern else str(folder)
    one_line_error(["inspect", data, "--json", str(a)], f"is the input file {a} of")
    assert a.read_bytes() == before
    res = runner.invoke(app, ["inspect", data, "--json", str(folder / "schema.json")])
    assert res.exit_code == 0, res.output  # a new file beside them is fine
    from hourglass.cli._common import check_model_dir
    from hourglass.cli._spool import folder_as_file, remove_spooled
    from hourglass.errors import HourglassError

    try:
        with pytest.raises(HourglassError, match="is the input file"):
            check_model_dir(b, folder_as_file(folder))
    finally:
        remove_spooled()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_under_the_stdin_copy_is_one_line(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # copying standard input to a full temporary folder was an OSError traceback
    import tempfile

    folder = tmp_path / "spool"

    def mkdtemp(*args: object, **kwargs: object) -> str:
        folder.mkdir()
        (folder / "stdin").symlink_to("/dev/full")  # every write: no space left on device
        return str(folder)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    res = runner.invoke(app, ["inspect", "-"], input=b"a,b\n1,2\n" * 1000)
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    assert "cannot write the copy of standard input" in res.stderr and "TMPDIR" in res.stderr
    assert not folder.exists()  # and the copy's folder is removed


def test_skipped_lines_of_a_folder_are_named_in_their_files(tmp_path: Path) -> None:
    # 'skipped 1 malformed row(s) in day/ (2 files) (lines 5)': a line of the temporary copy of the
    # files one after the other, in none of them (the error without skip named b.csv: line 3)
    folder = tmp_path / "day"
    folder.mkdir()
    (folder / "a.csv").write_text("a,b\n1,2\n3,4\n")
    (folder / "b.csv").write_text("a,b\n5,6\n7,8,9\n10,11\n1,2,3\n")
    res = runner.invoke(app, ["inspect", str(folder), "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split()).replace(" ", "")  # (the console wraps long lines)
    assert f"(2files)({folder / 'b.csv'}:lines3,5)".replace(" ", "") in said, res.stderr
    from hourglass.cli._spool import _SHOWN, _STARTS, remove_spooled, shown

    _SHOWN["/t/copy"], _STARTS["/t/copy"] = "day/ (2 files)", [(1, "day/a.csv", 1), (4, "day/b.csv", 2)]
    try:
        assert shown("skipped 12 in /t/copy (lines 2, 4, 6 ...)") == (
            "skipped 12 in day/ (2 files) (day/a.csv: line 2; day/b.csv: lines 2, 4 ...)")
    finally:
        remove_spooled()


@pytest.mark.parametrize("option", ["--drop", "--categorical"])
def test_inspect_says_a_column_option_names_the_label(tmp_path: Path, option: str) -> None:
    # 'error: --drop: no column 'label' in t.csv; columns are ...': false, the file has it (as
    # train says: the label column is never a feature)
    from tests._cli import one_line_error

    data = tmp_path / "t.csv"
    data.write_text("x,label\n1,normal\n2,attack\n3,normal\n")
    one_line_error(["inspect", str(data), "--label-col", "label", option, "label"],
                   f"{option} label: is the label column, which is never a feature")


def test_inspect_refuses_normal_without_a_label_column(tmp_path: Path) -> None:
    # --normal without --label-col was ignored: a preview of every row as a feature row, label
    # column included, where train refuses the same options
    from tests._cli import one_line_error

    data = tmp_path / "t.csv"
    data.write_text("x,label\n1,normal\n2,attack\n3,normal\n")
    one_line_error(["inspect", str(data), "--normal", "normal"], "--normal normal: the normal values of")
    res = runner.invoke(app, ["inspect", str(data), "--normal", "normal", "--label-col", "label"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("second, refused", [
    ("b,a\n5,6\n", True),  # its columns in another order: 5 read as a, 6 as b
    ("a,b,c\n5,6,7\n", True),  # a column added
    ('"a","b"\n5,6\n', False),  # the same names, quoted: written once
    ("5,6\n", False),  # no header line of its own
])
def test_a_folder_file_with_another_header_is_refused(tmp_path: Path, second: str, refused: bool) -> None:
    # a later file's other header line was copied as a data row, and its rows read into the first
    # file's columns (b.csv's 'b,a' swapped them): wrong values, without a word
    folder = tmp_path / "day"
    folder.mkdir()
    (folder / "a.csv").write_text("a,b\n1,2\n3,4\n")
    (folder / "b.csv").write_text(second)
    res = runner.invoke(app, ["inspect", str(folder), "--json", str(tmp_path / "s.json")])
    if refused:
        said = " ".join(res.stderr.replace("│", " ").split())  # (the usage box wraps lines)
        assert res.exit_code == 2 and "b.csv has another header line than a.csv" in said, res.output
    else:
        assert res.exit_code == 0, res.output
        assert json.loads((tmp_path / "s.json").read_text())["rows_inspected"] == 3


def test_inspect_names_the_rows_without_a_label(tmp_path: Path) -> None:
    # 'normal (2),  (2), attack (1)': the rows with an empty label cell counted under a blank name
    data = tmp_path / "t.csv"
    data.write_text("x,label\n1,normal\n2,\n3,normal\n4,attack\n5,\n")
    res = runner.invoke(app, ["inspect", str(data), "--label-col", "label", "--normal", "normal"])
    assert res.exit_code == 0, res.output
    assert "normal (2), (no label) (2), attack (1)" in res.stdout
