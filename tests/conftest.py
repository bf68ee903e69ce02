"""Shared fixtures: small generated data, and fast settings for every registered detector."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

torch.set_num_threads(1)


def tabular_data(seed: int = 0, n: int = 600, d: int = 6) -> dict[str, np.ndarray]:
    """Normal rows on a low-dimensional manifold, and anomalies off it."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    W = rng.normal(size=(2, d))
    X = (z @ W + 0.05 * rng.normal(size=(n, d))).astype(np.float32)
    zt = rng.normal(size=(100, 2))
    Xt = (zt @ W + 0.05 * rng.normal(size=(100, d))).astype(np.float32)
    A = (rng.normal(size=(40, d)) * 3).astype(np.float32)
    return {"train": X, "test_normal": Xt, "test_anomaly": A}


def timeseries_data(seed: int = 0, n: int = 600, d: int = 3) -> dict[str, np.ndarray]:
    """Correlated periodic channels (time × channels); the anomalous series breaks the pattern
    (one channel jumps to another level and the others lose their rhythm)."""
    rng = np.random.default_rng(seed)

    def series(start: int, length: int) -> np.ndarray:
        t = np.arange(start, start + length)
        base = np.c_[np.sin(2 * np.pi * t / 25), np.cos(2 * np.pi * t / 25),
                     np.sin(2 * np.pi * t / 50)][:, :d]
        return (base + 0.05 * rng.normal(size=base.shape)).astype(np.float32)

    anomaly = series(n + 200, 120)
    anomaly[:, 0] = 2.5
    anomaly[:, 1:] = rng.normal(0, 1.0, size=(120, d - 1))
    return {"train": series(0, n), "test_normal": series(n, 120), "test_anomaly": anomaly}


# Per input kind: a function giving train / test_normal / test_anomaly. Detectors of other input
# kinds (time series, events) add their generator here.
DATA: dict[str, Any] = {"tabular": tabular_data, "timeseries": timeseries_data}

# Fast settings for the common suite (small nets, few epochs). A registered detector missing
# here runs with its defaults — keep them quick or add an entry.
FAST_PARAMS: dict[str, dict[str, Any]] = {
    "autoencoder": {"hidden": (16, 8, 4), "epochs": 30, "batch_size": 64, "lr": 3e-3,
                    "verbose": 0},
    **{name: {"window": 16, "epochs": 12, "batch_size": 64, "lr": 5e-3, "verbose": 0, **extra}
       for name, extra in {
           "lstm-ae": {"hidden": 16, "code": 8},
           "gru-ae": {"hidden": 16, "code": 8, "bidirectional": True},
           "lstm-forecaster": {"hidden": 16, "num_layers": 1},
           "tcn-ae": {"channels": (8, 8), "code": 8},
           "conv2d-ae": {"filters": 4, "code": 8},
           "cnn-lstm": {"filters": 8, "hidden": 16, "code": 8},
       }.items()},
}


@pytest.fixture
def tabular_frame() -> pd.DataFrame:
    """A small flow-like DataFrame with a categorical and heavy-tailed numeric columns."""
    rng = np.random.default_rng(1)
    n = 400
    return pd.DataFrame({
        "proto": rng.choice(["tcp", "udp"], n, p=[0.7, 0.3]),
        "bytes": rng.lognormal(6, 1, n).round(),
        "duration": rng.exponential(2.0, n),
        "rate": rng.uniform(0, 1, n),
    })
