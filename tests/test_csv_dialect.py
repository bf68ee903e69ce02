"""CSV files as spreadsheets in a European locale export them (semicolons), and with pipe or tab
delimiters under a ``.csv`` name: read as the comma file of the same data is. Decimal commas are
never converted (a column of ``80,443`` port lists is no number): such a column reads as text,
and training says so."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.ingest.readers import read_table
from hourglass.ingest.tables import iter_table, sniff_delimiter

runner = CliRunner()
TAB = ["--epochs", "2", "--hidden", "8,4", "-q", "--seed", "0"]


def _flows(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(5, 1, n).round(2),
                       "rate": rng.uniform(0, 1, n).round(4), "label": "benign"})
    df.loc[: n // 10, ["bytes", "label"]] = [1e6, "attack"]
    return df


def test_sniffed_delimiters(tmp_path: Path) -> None:
    cases = {"eu.csv": ("h;b;c\nx;1,5;2\n", ";"),
             "pipe.csv": ("h|b\nx|1,5\n", "|"),
             "tab.csv": ("h\tb\nx\t1\n", "\t"),
             "comma.csv": ("h,b;c\nx,1\n", ","),  # a tie (2 fields either way): a comma
             "quoted.csv": ('"host, name";"bytes (in, out)";label\nx;1;n\n', ";"),  # commas in quotes
             "one.csv": ("h\nx;y\n", ","),
             "bom.csv": ("\ufeffh;b\nx;1\n", ";")}
    for name, (text, want) in cases.items():
        (tmp_path / name).write_text(text)
        assert sniff_delimiter(tmp_path / name) == want, name
    with gzip.open(tmp_path / "eu.csv.gz", "wt") as fh:
        fh.write(cases["eu.csv"][0])
    assert sniff_delimiter(tmp_path / "eu.csv.gz") == ";"


def test_a_semicolon_export_reads_as_the_comma_file(tmp_path: Path) -> None:
    df = _flows()
    df.to_csv(tmp_path / "us.csv", index=False)
    df.to_csv(tmp_path / "eu.csv", index=False, sep=";")
    df.to_csv(tmp_path / "pipe.csv", index=False, sep="|")
    us = read_table(tmp_path / "us.csv")
    pd.testing.assert_frame_equal(read_table(tmp_path / "eu.csv"), us)
    pd.testing.assert_frame_equal(read_table(tmp_path / "pipe.csv"), us)
    assert us["bytes"].dtype == np.float64


def test_comma_numbers_are_never_converted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # a port list is no decimal number: guessing a decimal comma would read 80,443 as 80.443
    p = tmp_path / "ports.csv"
    p.write_text("src;ports;bytes\n10.0.0.1;80,443;1200\n10.0.0.3;22;300\n10.0.0.5;53,123;90\n")
    df = read_table(p)
    assert df["ports"].tolist() == ["80,443", "22", "53,123"] and df["bytes"].tolist() == [1200, 300, 90]
    eu = tmp_path / "eu.csv"
    _flows().to_csv(eu, index=False, sep=";", decimal=",")
    with caplog.at_level(logging.WARNING):
        res = runner.invoke(app, ["train", str(eu), "--label-col", "label", "--normal", "benign", "-o",
                                  str(tmp_path / "m"), *TAB])
    assert res.exit_code == 0, res.output
    assert "column 'bytes' holds numbers with separators" in res.stderr + caplog.text  # said, not guessed


def test_train_and_score_across_delimiters(tmp_path: Path) -> None:
    df = _flows()
    df.to_csv(tmp_path / "us.csv", index=False)
    df.to_csv(tmp_path / "eu.csv", index=False, sep=";")
    res = runner.invoke(app, ["inspect", str(tmp_path / "eu.csv")])
    assert res.exit_code == 0, res.output
    assert "format csv (semicolon-separated)" in res.stdout
    for name in ("us", "eu"):
        res = runner.invoke(app, ["train", str(tmp_path / f"{name}.csv"), "--label-col", "label",
                                  "--normal", "benign", "-o", str(tmp_path / f"m_{name}"), *TAB])
        assert res.exit_code == 0, res.output
    # a model trained on the semicolon export scores the comma file as the comma-trained one does
    scores = {}
    for name in ("us", "eu"):
        out = tmp_path / f"s_{name}.csv"
        res = runner.invoke(app, ["score", str(tmp_path / f"m_{name}"), str(tmp_path / "us.csv"), "-o",
                                  str(out)])
        assert res.exit_code == 0, res.output
        scores[name] = pd.read_csv(out)
    pd.testing.assert_series_equal(scores["us"]["score"], scores["eu"]["score"])
    flagged = scores["eu"].loc[df["label"] == "attack", "flag"].mean()
    assert flagged > 0.9 and scores["eu"].loc[df["label"] == "benign", "flag"].mean() < 0.25


def test_a_ragged_semicolon_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("h;b\nx;1;9\ny;2\n")
    res = runner.invoke(app, ["inspect", str(tmp_path / "bad.csv")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "line 2: expected 2 fields, found 3" in res.stderr


def test_a_gz_name_on_a_file_that_is_not_gzip_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "t.csv.gz"
    p.write_text("a;b\n1;2\n")
    with pytest.raises(InputError, match=r"not gzip-compressed, though its name ends in \.gz"):
        list(iter_table(p, fmt="csv"))
