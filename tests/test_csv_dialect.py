"""CSV files as spreadsheets in a European locale export them (semicolons, decimal commas), and
with pipe or tab delimiters under a ``.csv`` name: read as the comma file of the same data is."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.ingest.readers import read_table
from hourglass.ingest.tables import sniff_dialect

runner = CliRunner()
TAB = ["--epochs", "2", "--hidden", "8,4", "-q", "--seed", "0"]


def _flows(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(5, 1, n).round(2),
                       "rate": rng.uniform(0, 1, n).round(4), "label": "benign"})
    df.loc[: n // 10, ["bytes", "label"]] = [1e6, "attack"]
    return df


def test_sniffed_delimiters_and_decimal_mark(tmp_path: Path) -> None:
    cases = {"eu.csv": ("h;b;c\nx;1,5;2\n", (";", ",")),
             "eu_points.csv": ("h;b\nx;1.5\n", (";", ".")),
             "eu_integers.csv": ("h;b\nx;15\n", (";", ".")),
             "mixed.csv": ("h;b;c\nx;1,5;2.5\n", (";", ".")),  # a point anywhere: no decimal comma
             "pipe.csv": ("h|b\nx|1,5\n", ("|", ",")),
             "tab.csv": ("h\tb\nx\t1\n", ("\t", ".")),
             "comma.csv": ("h,b;c\nx,1\n", (",", ".")),  # a comma in the header: a comma file
             "one.csv": ("h\nx;y\n", (",", "."))}
    for name, (text, want) in cases.items():
        (tmp_path / name).write_text(text)
        assert sniff_dialect(tmp_path / name) == want, name
    with gzip.open(tmp_path / "eu.csv.gz", "wt") as fh:
        fh.write(cases["eu.csv"][0])
    assert sniff_dialect(tmp_path / "eu.csv.gz") == (";", ",")


def test_a_semicolon_export_reads_as_the_comma_file(tmp_path: Path) -> None:
    df = _flows()
    df.to_csv(tmp_path / "us.csv", index=False)
    df.to_csv(tmp_path / "eu.csv", index=False, sep=";", decimal=",")
    df.to_csv(tmp_path / "pipe.csv", index=False, sep="|")
    us = read_table(tmp_path / "us.csv")
    pd.testing.assert_frame_equal(read_table(tmp_path / "eu.csv"), us)
    pd.testing.assert_frame_equal(read_table(tmp_path / "pipe.csv"), us)
    assert us["bytes"].dtype == np.float64


def test_train_and_score_across_dialects(tmp_path: Path) -> None:
    df = _flows()
    df.to_csv(tmp_path / "us.csv", index=False)
    df.to_csv(tmp_path / "eu.csv", index=False, sep=";", decimal=",")
    res = runner.invoke(app, ["inspect", str(tmp_path / "eu.csv")])
    assert res.exit_code == 0, res.output
    assert "format csv (semicolon-separated, decimal comma)" in res.stdout
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


@pytest.mark.parametrize("text", ["h;b\nx;1,5;9\n"])
def test_a_ragged_semicolon_file_names_its_line(tmp_path: Path, text: str) -> None:
    (tmp_path / "bad.csv").write_text(text)
    res = runner.invoke(app, ["inspect", str(tmp_path / "bad.csv")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "line 2: expected 2 fields, found 3" in res.stderr
