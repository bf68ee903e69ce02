"""Table input as users hand it in, found by a usability audit of the table workflows: each case
gave a wrong row number, an aborted process or a misleading message before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.ingest.tables import iter_table
from tests._cli import one_line_error

runner = CliRunner()
TAB = ["--epochs", "1", "--hidden", "8,4", "-q"]


def _error_line(args: list[str], match: str, out: Path) -> None:
    """Exit code 2, no traceback, nothing written; the last stderr line is the error (warnings
    about the data may come before it)."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    assert match in res.stderr.strip().splitlines()[-1], res.stderr
    assert not out.exists()


def _flows(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(5, 1, n).round(),
                         "rate": rng.uniform(0, 1, n),
                         "label": np.where(np.arange(n) % 4 == 0, "attack", "benign")})


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("audit")
    _flows().to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--label-col", "label", "--normal", "benign",
                              "-o", str(d / "m"), *TAB])
    assert res.exit_code == 0, res.output
    return d / "m"


def test_a_header_only_csv_never_reaches_pyarrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pyarrow's streaming reader over no rows, with torch loaded, aborted the interpreter's exit
    # now and then (exit code 134 after the error line): a header-only file is no rows, unread
    p = tmp_path / "h.csv"
    p.write_text("proto,bytes,rate\n\n")

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("open_csv called on a header-only file")

    monkeypatch.setattr(pacsv, "open_csv", refuse)
    assert list(iter_table(p, fmt="csv")) == []


def test_score_of_a_header_only_csv_is_one_line(model: Path, tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_text("proto,bytes,rate\n")
    one_line_error(["score", str(model), str(p), "-o", str(tmp_path / "s.csv")], "no data rows",
                   tmp_path / "s.csv")


def test_text_in_a_numeric_column_names_the_file_row_past_the_first_chunk(model: Path,
                                                                          tmp_path: Path) -> None:
    df = _flows(3000, seed=1).drop(columns="label")
    df["bytes"] = df["bytes"].astype(int).astype(str)  # numbers as text, as some exports write them
    df.loc[2500, "bytes"] = "12kbps"  # (a rate: no size in bytes)
    p = tmp_path / "t.parquet"
    df.to_parquet(p, row_group_size=200)
    out = tmp_path / "s.csv"
    # several chunks: the row is counted from the file's first row, not the chunk's
    one_line_error(["score", str(model), str(p), "-o", str(out), "--chunk-mb", "0.005"],
                   "found '12kbps' (row 2501)", out)


def test_train_names_the_file_row_of_junk_among_the_normal_rows(tmp_path: Path) -> None:
    df = _flows(400)
    df["bytes"] = df["bytes"].astype(object)
    df.loc[301, "bytes"] = "n/a?"  # a normal row; a quarter of the rows before it are attacks
    p = tmp_path / "t.csv"
    df.to_csv(p, index=False)
    one_line_error(["train", str(p), "--label-col", "label", "--normal", "benign", "-o", str(tmp_path / "m"),
                    *TAB], "found 'n/a?' (line 303)", tmp_path / "m")


def test_an_unknown_normal_value_names_the_label_it_looks_like(tmp_path: Path) -> None:
    # NSL-KDD style: 'normal' sorts after eight attack names, so the list alone hid it
    df = _flows(200)
    attacks = ["back", "imap", "ipsweep", "land", "mailbomb", "multihop", "neptune", "nmap", "pod"]
    df["label"] = np.where(np.arange(200) % 2 == 0, "normal", np.array(attacks)[np.arange(200) % 9])
    p = tmp_path / "t.csv"
    df.to_csv(p, index=False)
    one_line_error(["train", str(p), "--label-col", "label", "--normal", "Normal", "-o", str(tmp_path / "m"),
                    *TAB], "nmap ... (did you mean 'normal'?)", tmp_path / "m")


def test_a_warm_start_names_the_file_row_of_junk_among_the_normal_rows(model: Path, tmp_path: Path) -> None:
    df = _flows(400, seed=2)
    df["bytes"] = df["bytes"].astype(object)
    df.loc[301, "bytes"] = "n/a?"  # past the rows checked against the parent's schema up front
    df.loc[5, "label"] = None  # an unlabelled row left out before it: still the file's row
    p = tmp_path / "new.csv"
    df.to_csv(p, index=False)
    _error_line(["train", str(p), "--warm-start", str(model), "-o", str(tmp_path / "m2"), "--epochs", "1",
                    "-q"], "found 'n/a?' (line 303)", tmp_path / "m2")


def test_junk_in_the_carved_validation_rows_names_the_file_row(tmp_path: Path) -> None:
    df = _flows(400, seed=3)
    df["bytes"] = df["bytes"].astype(object)
    df.loc[200, "bytes"] = "n/a?"  # an attack row: only the labelled validation slice may hold it
    p = tmp_path / "t.csv"
    df.to_csv(p, index=False)
    _error_line(["train", str(p), "--label-col", "label", "--normal", "benign", "--threshold", "best-f1",
                    "--val-fraction", "0.99", "-o", str(tmp_path / "m"), *TAB],
                   "found 'n/a?' (line 202)", tmp_path / "m")


def test_too_few_held_out_scores_for_a_bound_name_what_to_change_in_the_users_words() -> None:
    from hourglass.errors import InputError
    from hourglass.thresholds import FalseAlarmBound

    with pytest.raises(InputError, match=r"\(validation_fraction=0\.2\).*fpr:RATE@CONFIDENCE"):
        FalseAlarmBound(0.01).fit(np.arange(100.0))


def test_a_semicolon_separated_table_is_read_as_such(model: Path, tmp_path: Path) -> None:
    # a European spreadsheet export: once refused (the whole header read as one column name), now
    # read with its own delimiter (tests/test_csv_dialect.py has the decimal comma)
    p = tmp_path / "semi.csv"
    _flows(50).to_csv(p, sep=";", index=False)
    res = runner.invoke(app, ["train", str(p), "--label-col", "label", "--normal", "benign", "-o",
                              str(tmp_path / "m"), *TAB])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(p), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "s.csv")) == 50


def test_a_first_data_line_of_another_width_asks_about_the_layout(tmp_path: Path) -> None:
    # KDDTest+ read as --dataset unsw-nb15 said only "use --on-bad-rows skip", which skips every row
    from hourglass.errors import InputError
    from hourglass.ingest import get_format

    short = tmp_path / "short.txt"
    short.write_text("0,tcp,http\n1,udp,dns\n")
    with pytest.raises(InputError, match=r"line 1: expected 43 fields, found 3 \(the first data line: is the "
                                         r"file in this layout \(fmt=\.\.\.\)\?"):
        get_format("nsl-kdd").read(short)
    later = tmp_path / "later.csv"
    later.write_text("a,b,c\n1,2,3\n1,2\n")
    with pytest.raises(InputError, match=r"line 3: expected 3 fields, found 2 \(use on_bad_rows='skip'"):
        list(iter_table(later, fmt="csv"))


def test_a_repeated_header_name_is_said_once_unless_it_is_a_format_quirk(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i + 1},{i + 2},benign\n" for i in range(20))
    (tmp_path / "dup.csv").write_text("a,b,a,label\n" + rows)
    res = runner.invoke(app, ["inspect", str(tmp_path / "dup.csv")])
    assert res.exit_code == 0, res.output
    said = [ln for ln in res.stderr.splitlines() if "more than once" in ln]
    assert len(said) == 1 and "('a' 2 times: read as 'a', 'a.1')" in said[0]
    (tmp_path / "cic.csv").write_text("Fwd Header Length,b,Fwd Header Length,label\n" + rows)
    res = runner.invoke(app, ["inspect", str(tmp_path / "cic.csv")])
    assert res.exit_code == 0 and "more than once" not in res.stderr
