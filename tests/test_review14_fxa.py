"""``hourglass train --warm-start`` replay refusals, ``hourglass inspect --rows`` at the file's
end and options typed at their defaults, on small generated data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


def _series(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                         "a": np.sin(2 * np.pi * t / 25) + 0.05 * rng.normal(size=n),
                         "b": np.cos(2 * np.pi * t / 25) + 0.05 * rng.normal(size=n)})


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("review14_fxa_series")
    _series(300, 1).to_csv(d / "old.csv", index=False)
    _series(200, 2).to_csv(d / "new.csv", index=False)
    _series(10, 1).to_csv(d / "short.csv", index=False)  # shorter than one window (16)
    _series(300, 1)[["ts", "a"]].to_csv(d / "a_only.csv", index=False)  # lacks channel b
    res = runner.invoke(app, ["train", str(d / "old.csv"), "-m", "tcn-ae", "--timestamp-col", "ts",
                              "--window", "16", "--epochs", "1", "-o", str(d / "S"), "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "new": d / "new.csv", "short": d / "short.csv", "a_only": d / "a_only.csv",
            "model": d / "S"}


@pytest.mark.parametrize("replay", ["0.0001", "0.02"])
def test_series_warm_start_blames_a_replay_file_shorter_than_a_window_not_replay(
        series: dict[str, Path], replay: str) -> None:
    # all 10 rows of the file make 10 steps < 16: 'give a larger --replay' could never work
    out = series["dir"] / f"Wshort{replay}"
    one_line_error(["train", str(series["new"]), "--warm-start", str(series["model"]), "-o", str(out),
                    "--replay-data", str(series["short"]), "--replay", replay],
                   f"--replay-data {series['short']}: 10 steps to replay, shorter than one window", out)


@pytest.mark.parametrize("replay", ["0.0001", "0.02"])
def test_series_warm_start_names_the_channel_a_replay_file_lacks_whatever_replay(
        series: dict[str, Path], replay: str) -> None:
    # --replay 0.0001 took no row, so the channel check was skipped: 'give a larger --replay'
    out = series["dir"] / f"Wa{replay}"
    one_line_error(["train", str(series["new"]), "--warm-start", str(series["model"]), "-o", str(out),
                    "--replay-data", str(series["a_only"]), "--replay", replay],
                   f"--replay-data {series['a_only']}: column(s) the model needs are missing: b", out)
