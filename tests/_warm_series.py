"""A small two-channel series and a time-series parent model trained on it, for the warm-start
tests: ``old.csv`` (300 rows), ``new.csv`` (200 rows) and ``S``, a tcn-ae (window 16) trained one
epoch on ``old.csv``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner


def series_frame(n: int, seed: int) -> pd.DataFrame:
    """``n`` minutes of two noisy sine channels ``a`` and ``b`` with a text time column ``ts``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                         "a": np.sin(2 * np.pi * t / 25) + 0.05 * rng.normal(size=n),
                         "b": np.cos(2 * np.pi * t / 25) + 0.05 * rng.normal(size=n)})


def series_parent(d: Path) -> dict[str, Path]:
    """Write ``old.csv`` and ``new.csv`` in ``d`` and train ``d / "S"`` on the old one."""
    series_frame(300, 1).to_csv(d / "old.csv", index=False)
    series_frame(200, 2).to_csv(d / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "old.csv"), "-m", "tcn-ae", "--timestamp-col", "ts",
                              "--window", "16", "--epochs", "1", "-o", str(d / "S"), "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "old": d / "old.csv", "new": d / "new.csv", "model": d / "S"}
