"""Outputs at unusual but legal paths (review 29, paths29): the same command writing to an
ordinary path and to a folder whose name is not UTF-8, or to a name of the longest length the
file system allows, gives the same bytes, where asked."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.readers import write_table
from hourglass.ingest.writers import chunk_writer
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("paths29"))


def _non_utf8_folder(tmp_path: Path) -> Path:
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/\xff\xfedir"))
    folder.mkdir()
    return folder


def _as_main(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> Any:
    """``runner.invoke`` as the console script runs a command: ``main`` first lets standard
    output and error write any text (``text_never_fails``). CliRunner's streams are strict: its
    ``wrote`` line naming a non-UTF-8 path would raise, and leave the shared console's buffer
    holding that line for every later test in the process."""
    from hourglass.cli import _output, explain, score

    for module in (score, explain):
        def escaping(quiet: bool, original: Any = module.setup_logging) -> None:
            _output.text_never_fails()
            original(quiet)
        monkeypatch.setattr(module, "setup_logging", escaping)
    res = runner.invoke(app, args)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code in (0, 1), res.output  # (1: rows flagged)
    return res


def _plain(data: bytes, name: str) -> bytes:
    return gzip.decompress(data) if name.endswith(".gz") else data


@pytest.mark.parametrize("name", ["scores.csv", "scores.csv.gz", "scores.parquet"])
def test_score_into_a_non_utf8_folder_writes_what_an_ordinary_folder_gets(
        labelled: dict[str, Any], tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: Arrow's CSV and Parquet writers were handed the temporary file by its name,
    # which Arrow takes as UTF-8: under a folder named b'\xff\xfe' `score -o` stopped with
    # "error: 'utf-8' codec can't encode characters ...: surrogates not allowed" (the JSON lines
    # and SQLite outputs, written by Python, were fine)
    model, data = str(labelled["model"]), str(labelled["data"])
    folder = _non_utf8_folder(tmp_path)
    outs = [tmp_path / name, folder / name]
    for out in outs:
        _as_main(monkeypatch, ["score", model, data, "-o", str(out), "-q"])
    assert _plain(outs[1].read_bytes(), name) == _plain(outs[0].read_bytes(), name)
    assert sorted(os.listdir(folder)) == [name]  # no temporary left beside it


def test_explain_into_a_non_utf8_folder(labelled: dict[str, Any], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: the same for `explain -o` (the chunk writer it shares with score)
    model, data = str(labelled["model"]), str(labelled["data"])
    outs = [tmp_path / "why.csv", _non_utf8_folder(tmp_path) / "why.csv"]
    for out in outs:
        _as_main(monkeypatch, ["explain", model, data, "-o", str(out), "-q"])
    assert outs[1].read_bytes() == outs[0].read_bytes()


@pytest.mark.parametrize("name", ["t.parquet", "t.csv.gz"])
def test_chunk_writer_retyped_in_a_non_utf8_folder(tmp_path: Path, name: str) -> None:
    # what was wrong: the Parquet file written so far, copied under a column's new type when a
    # later chunk first gives it values, was opened by name too; a CSV sink outlives its writer
    folder = _non_utf8_folder(tmp_path)
    for out in (tmp_path / name, folder / name):
        with chunk_writer(out) as w:
            w.write(pd.DataFrame({"a": [1, 2], "e": [None, None]}))
            w.write(pd.DataFrame({"a": [3, 4], "e": [1.5, None]}))
    assert _plain((folder / name).read_bytes(), name) == _plain((tmp_path / name).read_bytes(), name)
    with open(folder / name, "rb") as fh:  # (pandas, too, gives Arrow a name as UTF-8)
        back = pd.read_parquet(fh) if name.endswith(".parquet") else pd.read_csv(fh, compression="gzip")
    assert back["e"].tolist()[2] == 1.5 and len(back) == 4


def test_write_table_parquet_into_a_non_utf8_folder(tmp_path: Path) -> None:
    # what was wrong: write_table (the log, time-series and series-explain outputs) gave pandas
    # the temporary Parquet file by name: the same UnicodeEncodeError under such a folder
    frame = pd.DataFrame({"score": [0.5, 2.0], "flag": [0, 1]})
    out = _non_utf8_folder(tmp_path) / "x.parquet"
    write_table(frame, out)
    with open(out, "rb") as fh:
        pd.testing.assert_frame_equal(pd.read_parquet(fh), frame)


@pytest.mark.parametrize("ext", [".sqlite", ".db"])
def test_score_to_a_database_of_the_longest_name(labelled: dict[str, Any], tmp_path: Path,
                                                  ext: str) -> None:
    # what was wrong: before renaming the new database into place, the replaced one's
    # NAME-wal/-shm/-journal files are removed; for a NAME of 255 bytes those names are too long
    # to exist, and the ENAMETOOLONG of the unlink refused the output ("cannot remove the
    # replaced database's -wal file (File name too long)")
    out = tmp_path / ("x" * (255 - len(ext)) + ext)
    res = runner.invoke(app, ["score", str(labelled["model"]), str(labelled["data"]), "-o", str(out),
                              "-q"])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code in (0, 1), res.output
    import sqlite3

    with sqlite3.connect(f"file:{out}?mode=ro", uri=True) as db:
        assert db.execute("select count(*) from alerts").fetchone()[0] == len(labelled["frame"])


def test_an_error_about_a_path_with_a_newline_is_one_whole_line(
        labelled: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: the error line was cut at the first line break, and a path may hold one
    # (legal on Linux): `score -o $'no\ndir/x.csv'` said only "error: --output .../no", another
    # path and no reason; the break is now written \x0a, the line whole
    out = tmp_path / "no\ndir" / "x.csv"
    args = ["score", str(labelled["model"]), str(labelled["data"]), "-o", str(out), "-q"]
    monkeypatch.setattr("sys.argv", ["hourglass", *args])
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines == [f"error: --output {tmp_path}/no\\x0adir/x.csv: output folder {tmp_path}/no\\x0adir "
                     "does not exist"], res.stderr


def test_stream_to_a_database_of_the_longest_name_is_refused_clearly_and_leaves_nothing(
        labelled: dict[str, Any], tmp_path: Path) -> None:
    # what was wrong: `stream -o` to a .sqlite name of 255 bytes (legal) said only "cannot open
    # it as a SQLite database (unable to open database file)" -- SQLite's NAME-journal beside it
    # cannot exist -- and left the empty database it had made: the check for its -wal file
    # raised ENAMETOOLONG, so the clean-up gave up. Now the line says why, and nothing is left
    rows = tmp_path / "rows.jsonl"
    labelled["frame"].drop(columns=["label"]).head(20).to_json(rows, orient="records", lines=True)
    out = tmp_path / ("x" * 248 + ".sqlite")
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(rows), "-o", str(out), "-q"])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "leaves no room for the -journal" in lines[0], res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl"]


def test_stream_output_that_is_a_hard_link_to_its_input_is_refused(
        labelled: dict[str, Any], tmp_path: Path) -> None:
    # what was wrong: the output-is-the-input check compared paths; `stream -i rows.jsonl -o
    # alerts.jsonl` with alerts.jsonl a hard link to rows.jsonl appended the alerts into the
    # data being read (the file grew from 20 lines to 20 + the alerts). stream appends in place,
    # so a hard link is the input: refused as the path itself is (a renamed output such as
    # score's only replaces the link and stays allowed)
    rows = tmp_path / "rows.jsonl"
    labelled["frame"].drop(columns=["label"]).head(20).to_json(rows, orient="records", lines=True)
    before = rows.read_bytes()
    link = tmp_path / "alerts.jsonl"
    os.link(rows, link)
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(rows), "-o", str(link),
                              "--all", "-q"])
    assert res.exit_code == 2, res.output
    assert "is the input file" in res.stderr and rows.read_bytes() == before


def test_train_force_over_a_link_to_a_model_replaces_the_link(labelled: dict[str, Any],
                                                               tmp_path: Path) -> None:
    # a pin, not a fix (README's error policy now says it): a model folder given as a symbolic
    # link is the link, replaced by the new folder; the model it named is left as it was
    import shutil

    from tests._cli import digest

    kept = tmp_path / "v1"
    shutil.copytree(labelled["model"], kept)
    before = digest(kept)
    link = tmp_path / "current"
    link.symlink_to(kept)
    res = runner.invoke(app, ["train", str(labelled["data"]), "--label-col", "label", "--normal",
                              "normal", "--epochs", "1", "--hidden", "4,2", "-o", str(link),
                              "--force", "-q"])
    assert res.exit_code == 0, res.output
    assert not link.is_symlink() and (link / "weights.safetensors").is_file()
    assert digest(kept) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "v1"]
