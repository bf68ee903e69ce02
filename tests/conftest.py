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


# Per input kind: a function giving train / test_normal / test_anomaly. Detectors of other input
# kinds (time series, events) add their generator here.
DATA: dict[str, Any] = {"tabular": tabular_data}

# Fast settings for the common suite (small nets, few epochs). A registered detector missing
# here runs with its defaults — keep them quick or add an entry.
FAST_PARAMS: dict[str, dict[str, Any]] = {
    "autoencoder": {"hidden": (16, 8, 4), "epochs": 30, "batch_size": 64, "lr": 3e-3,
                    "verbose": 0},
    "anogan": {"hidden": (32, 16), "latent_dim": 2, "epochs": 15, "batch_size": 64, "verbose": 0},
    "ganomaly": {"hidden": (64, 32), "latent_dim": 16, "epochs": 15, "batch_size": 64, "verbose": 0},
    "encoder-gan": {"hidden": (32, 16), "latent_dim": 2, "epochs": 15, "batch_size": 64,
                    "verbose": 0},
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
