"""The table CLI (train, score, evaluate, threshold, explain): regression tests of defects found."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An autoencoder trained on a small labelled table, the table as CSV and Parquet."""
    folder = tmp_path_factory.mktemp("review9")
    rng = np.random.default_rng(0)
    label = np.where(np.arange(300) % 30 == 0, "attack", "normal")
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, 300), "pkts": rng.poisson(8, 300),
                          "label": label})
    data, parquet = folder / "flows.csv", folder / "flows.parquet"
    frame.to_csv(data, index=False)
    frame.to_parquet(parquet)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--label-col", "label", "--normal",
                              "normal", "--epochs", "1", "--hidden", "4,2", "--batch-size", "64", "-q"])
    assert res.exit_code == 0, res.output
    return {"data": data, "parquet": parquet, "model": model, "folder": folder}


@pytest.mark.parametrize("value", ["inf", "1e20"])
@pytest.mark.parametrize("command", ["score", "explain"])
def test_chunk_mb_infinite_or_huge_is_no_traceback(kit: dict[str, Path], command: str,
                                                    value: str) -> None:
    # '--chunk-mb inf' stopped the readers with OverflowError (a traceback) after loading the
    # model; '1e20' did so for a Parquet input (a batch size beyond a C long)
    out = kit["folder"] / f"{command}-{value}.csv"
    args = [command, str(kit["model"]), str(kit["parquet"]), "-o", str(out), "--chunk-mb", value, "-q"]
    if value == "inf":
        one_line_error(args, "--chunk-mb: must be > 0 and finite, got inf", out)
        return
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    written = pd.read_csv(out)
    assert len(written) == 300 if command == "score" else (written["flag"] == 1).all()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_named_pipe_of_gzip_data_is_read_as_gzip(kit: dict[str, Path], tmp_path: Path) -> None:
    # '<(cat flows.csv.gz)' or '... | hourglass score MODEL /dev/stdin': the pipe's copy kept the
    # pipe's name ('63'), and the reader refused it: "gzip-compressed data in a file not named
    # .gz; name it 63.gz" (which a pipe cannot be); '-' sniffed the bytes and read it
    fifo = tmp_path / "63"
    os.mkfifo(fifo)
    payload = gzip.compress(kit["data"].read_bytes())

    def feed() -> None:
        with open(fifo, "wb") as fh:
            fh.write(payload)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(kit["model"]), str(fifo), "-o", str(out), "-q"])
    writer.join(10)
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 300


def test_evaluate_names_a_folder_or_stdin_as_given_not_by_its_copy(kit: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    # the metrics table's and the HTML report's titles named DATA by its temporary copy's file
    # name: 'data' for a folder or a pattern, 'stdin' for '-', '63' for '<(...)'
    folder = tmp_path / "day"
    folder.mkdir()
    lines = kit["data"].read_text().splitlines(keepends=True)
    (folder / "a.csv").write_text("".join(lines[:150]))
    (folder / "b.csv").write_text("".join([lines[0], *lines[150:]]))
    res = runner.invoke(app, ["evaluate", str(kit["model"]), str(folder), "-q"])
    assert res.exit_code == 0, res.output
    assert f"{folder}/ (2 files): threshold" in res.stdout  # (the report's title: the same name)
    res = runner.invoke(app, ["evaluate", str(kit["model"]), "-", "-q"], input=kit["data"].read_bytes())
    assert res.exit_code == 0, res.output
    assert "standard input: threshold" in res.stdout and "stdin" not in res.stdout
