"""Review round 54 (api54): the public API and docs this round added or changed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner


def _forecaster(tmp_path, window: int = 8):
    """A one-epoch lstm-forecaster trained on a calm sine (fast), and its folder."""
    n = 120
    t = np.arange(n)
    data = tmp_path / "train.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                  "cpu": np.sin(t / 5)}).to_csv(data, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["--threads", "1", "train", str(data), "--timestamp-col", "ts", "--model",
                              "lstm-forecaster", "--window", str(window), "--epochs", "1", "-q",
                              "-o", str(model)])
    assert res.exit_code == 0, res.output
    return model
