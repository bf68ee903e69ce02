"""What a user pointing the CLI at server metrics ran into: the rows ``train`` reported for a
resampled series, and a time step printed as pandas' ``0 days 00:01:00``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import one_line_error, runner


def _metrics(n: int, step: str = "10s") -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(n)
    return pd.DataFrame({"ts": pd.date_range("2024-05-01", periods=n, freq=step),
                         "cpu": np.sin(t / 9) + rng.normal(0, 0.05, n),
                         "mem": np.cos(t / 13) + rng.normal(0, 0.05, n)})


def test_train_counts_time_steps_not_input_rows(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    _metrics(600).to_csv(path, index=False)  # 600 rows every 10 s = 100 steps of 1 min
    r = runner.invoke(app, ["train", str(path), "--model", "lstm-ae", "--timestamp-col", "ts",
                            "--freq", "1min", "--window", "8", "--epochs", "1", "--hidden", "8",
                            "-o", str(tmp_path / "M")])
    assert r.exit_code == 0, r.output
    info = json.loads((tmp_path / "M" / "config.json").read_text())["info"]
    assert info["n_train_rows"] == 100 and info["held_out"]["rows"] == 10
    assert "trained lstm-ae on 90 steps (+10 held out)" in r.stderr


def test_irregular_steps_are_named_as_freq_strings(tmp_path: Path) -> None:
    df = _metrics(100, "1min").drop(index=range(40, 45))
    path = tmp_path / "gap.csv"
    df.to_csv(path, index=False)
    one_line_error(["train", str(path), "--model", "lstm-ae", "--timestamp-col", "ts", "--window", "8",
                    "-o", str(tmp_path / "M")],
                   "timestamps are irregular (step 1min but 6min after 2024-05-01 00:39:00); set --freq, "
                   "e.g. '1min'", tmp_path / "M")


def test_series_options_that_would_be_ignored_are_refused(tmp_path: Path) -> None:
    path, out = tmp_path / "m.csv", tmp_path / "M"
    _metrics(60, "1min").to_csv(path, index=False)
    base = ["train", str(path), "--model", "lstm-ae", "--timestamp-col", "ts", "--window", "8",
            "-o", str(out)]
    one_line_error([*base, "--fill-limit", "5"], "--fill-limit: bounds the gaps --fill bridges", out)
    one_line_error([*base, "--key-col", "cpu"], "--key-col: not used by time-series models", out)
    one_line_error([*base, "--message-col", "cpu"], "--message-col: not used by time-series models", out)
