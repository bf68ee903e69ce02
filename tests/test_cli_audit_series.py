"""What a fresh look at the time-series and entity workflows found: input a user produces
(a blank time in a CSV, a gap at scoring time, a first step unlike the rest, a short held-out
tail, times with and without a UTC offset in one stream) and what each command says about it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner

WINDOW = 8


def _metrics(n: int, step: str = "1min", seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    ts = pd.date_range("2024-05-01", periods=n, freq=step).strftime("%Y-%m-%d %H:%M:%S")
    return pd.DataFrame({"ts": ts,
                         "cpu": np.sin(t / 7) + rng.normal(0, 0.05, n),
                         "mem": 50 + np.cos(t / 11) + rng.normal(0, 0.05, n)})


def _train(data: Path, out: Path, window: int = WINDOW) -> str:
    r = runner.invoke(app, ["train", str(data), "--model", "lstm-ae", "--timestamp-col", "ts",
                            "--window", str(window), "--hidden", "8", "--epochs", "1", "-o", str(out)])
    assert r.exit_code == 0, r.output
    return r.stderr


def test_a_blank_time_in_a_csv_column_read_as_times_is_named(tmp_path: Path) -> None:
    # the CSV reader types the column as times and the blank as NaT: it was dropped or sorted
    # last, and the error spoke of unsorted or irregular timestamps instead
    df = _metrics(120)
    df.loc[30, "ts"] = None
    path = tmp_path / "blank.csv"
    df.to_csv(path, index=False)
    want = "column 'ts': row 31 has no time (missing)"
    one_line_error(["train", str(path), "--model", "lstm-ae", "--timestamp-col", "ts", "--window",
                    str(WINDOW), "--freq", "1min", "--fill", "ffill", "-o", str(tmp_path / "M")],
                   want, tmp_path / "M")
    df.to_parquet(tmp_path / "blank.parquet")
    one_line_error(["train", str(tmp_path / "blank.parquet"), "--model", "lstm-ae", "--timestamp-col",
                    "ts", "--window", str(WINDOW), "-o", str(tmp_path / "M")], want, tmp_path / "M")

