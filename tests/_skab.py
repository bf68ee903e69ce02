"""A small SKAB-like series file for the time-series tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def skab_file(path: Path, n: int = 460, seed: int = 0) -> pd.DataFrame:
    """A small SKAB-like file: ';'-separated, 1 Hz, two sensors, anomaly and changepoint."""
    rng = np.random.default_rng(seed)
    t = pd.date_range("2020-03-09 10:00:00", periods=n, freq="1s")
    df = pd.DataFrame({"datetime": t.strftime("%Y-%m-%d %H:%M:%S"),
                       "A": np.sin(np.arange(n) / 6) + rng.normal(0, 0.05, n),
                       "B": rng.normal(0, 1, n)})
    df["anomaly"] = 0.0
    df.loc[430:445, "anomaly"] = 1.0
    df["changepoint"] = 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, sep=";", index=False)
    return df


def train_skab_model(folder: Path, data: Path) -> dict[str, Path]:
    """A small LSTM autoencoder trained by ``hourglass train --dataset skab`` on a
    :func:`skab_file` written at ``data``: the ``data``, the ``model`` and the ``folder``."""
    from hourglass.cli import app
    from tests._cli import runner

    skab_file(data)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "--dataset", "skab", "--model", "lstm-ae",
                              "--epochs", "1", "--window", "8", "--hidden", "4", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    return {"data": data, "model": model, "folder": folder}
