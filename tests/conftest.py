"""Shared fixtures: small generated data, and fast settings for every registered detector."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest


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


def events_data(seed: int = 0, n: int = 300) -> dict[str, list[np.ndarray]]:
    """Log sessions from two workflows with loops; anomalies start one workflow and continue
    with the other, insert a step of the other workflow, or stop early (order-only anomalies
    are left out: the event-count view cannot see them, by design)."""
    rng = np.random.default_rng(seed)

    def session() -> list[int]:
        if rng.random() < 0.5:
            return [1, 2, 3, *[4, 5] * int(rng.integers(1, 4)), 6]
        return [1, 2, 7, *[8, 5, 9] * int(rng.integers(1, 3)), 6]

    def anomaly(i: int) -> list[int]:
        s = session()
        if i % 3 == 0:
            s[2] = 7 if s[2] == 3 else 3
        elif i % 3 == 1:
            s.insert(3, 8 if s[2] == 3 else 4)
        else:
            s = s[:2]
        return s

    def arr(s: list[int]) -> np.ndarray:
        return np.asarray(s, dtype=np.int64)

    return {"train": [arr(session()) for _ in range(n)],
            "test_normal": [arr(session()) for _ in range(60)],
            "test_anomaly": [arr(anomaly(i)) for i in range(30)]}


# Per input kind: a function giving train / test_normal / test_anomaly. Detectors of other input
# kinds (time series, events) add their generator here.
DATA: dict[str, Any] = {"tabular": tabular_data, "timeseries": timeseries_data,
                        "events": events_data}

# Fast settings for the common suite (small nets, few epochs). A registered detector missing
# here runs with its defaults — keep them quick or add an entry.
_FAST_AE = {"hidden": (16, 8, 4), "epochs": 30, "batch_size": 64, "lr": 3e-3, "verbose": 0}
FAST_PARAMS: dict[str, dict[str, Any]] = {
    "autoencoder": dict(_FAST_AE),
    "sparse-autoencoder": {**_FAST_AE, "sparsity": "both"},
    "denoising-autoencoder": {**_FAST_AE, "noise": "both"},
    "vae": {"hidden": (16, 4), "epochs": 30, "batch_size": 64, "verbose": 0},
    "deep-svdd": {"hidden": (16, 8), "epochs": 30, "batch_size": 64, "lr": 3e-3, "verbose": 0},
    "latent-iforest": {"hidden": (16, 4), "epochs": 20, "batch_size": 64, "n_estimators": 50,
                       "verbose": 0},
    "ensemble": {"detectors": (("autoencoder", {**_FAST_AE, "epochs": 20}),
                               ("deep-svdd", {"hidden": (16, 8), "epochs": 20, "batch_size": 64,
                                              "verbose": 0}))},
    # min_steps=0: 15 epochs of 9 batches are what these tests need (the default floor is 400)
    "anogan": {"hidden": (32, 16), "latent_dim": 2, "epochs": 15, "min_steps": 0, "batch_size": 64,
               "verbose": 0},
    "ganomaly": {"hidden": (64, 32), "latent_dim": 16, "epochs": 15, "min_steps": 0,
                 "batch_size": 64, "verbose": 0},
    "encoder-gan": {"hidden": (32, 16), "latent_dim": 2, "epochs": 15, "min_steps": 0,
                    "batch_size": 64, "verbose": 0},
    "ganomaly-1d": {"window": 16, "stride": 2, "filters": 8, "latent_dim": 8, "epochs": 15,
                    "batch_size": 64, "min_steps": 0, "verbose": 0},
    **{name: {"window": 16, "epochs": 12, "batch_size": 64, "lr": 5e-3, "verbose": 0, **extra}
       for name, extra in {
           "lstm-ae": {"hidden": 16, "code": 8},
           "gru-ae": {"hidden": 16, "code": 8, "bidirectional": True, "linear_path": "pca"},
           "lstm-forecaster": {"hidden": 16, "num_layers": 1},
           "tcn-ae": {"channels": (8, 8), "code": 8},
           "conv2d-ae": {"filters": 4, "code": 8, "linear_path": "pca"},
           "cnn-lstm": {"filters": 8, "hidden": 16, "code": 8, "linear_path": "auto"},
       }.items()},
    "deeplog": {"window": 4, "top_g": 2, "embed": 8, "hidden": 16, "layers": 1, "epochs": 40,
                "lr": 0.02, "verbose": 0},
    "sequence-autoencoder": {"embed": 8, "hidden": 16, "code": 8, "epochs": 80, "lr": 0.01,
                             "patience": None, "verbose": 0},
    "event-count-autoencoder": {"hidden": (16, 4), "epochs": 60, "lr": 0.01, "batch_size": 64,
                                "verbose": 0},
    "event-ensemble": {"detectors": (
        ("event-count-autoencoder", {"hidden": (16, 4), "epochs": 40, "lr": 0.01, "batch_size": 64}),
        ("deeplog", {"window": 4, "top_g": 2, "embed": 8, "hidden": 16, "layers": 1, "epochs": 30,
                     "lr": 0.02})), "verbose": 0},
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


@pytest.fixture()
def bench_common() -> Iterator[Any]:
    """The benchmarks' ``_common`` module (``benchmarks/`` on ``sys.path`` while a test runs)."""
    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        import _common

        yield _common
    finally:
        sys.path.remove(bench)


@pytest.fixture()
def script_state_kept() -> Iterator[None]:
    """What a benchmark script's ``main()`` sets for the whole process, put back after the test
    (:func:`tests._scripts.script_state`); the benchmark scripts' test files use it for each test
    (``pytestmark = pytest.mark.usefixtures("script_state_kept")``)."""
    from tests._scripts import script_state

    with script_state():
        yield


@pytest.fixture(scope="module")
def table_and_series() -> tuple[Any, Any, pd.DataFrame, pd.DataFrame]:
    """A fitted table model and a fitted time-series model (one epoch each), with the 120 rows
    and the 80-step series they were fitted on: for checks of which model kind a function takes."""
    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder, LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    rng = np.random.default_rng(0)
    rows = pd.DataFrame(rng.normal(size=(120, 2)), columns=["a", "b"])
    series = pd.DataFrame({"cpu": np.sin(np.arange(80) / 3)})
    table = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(rows)
    ts = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
                  features=TimeSeriesPreprocessor()).fit(series)
    return table, ts, rows, series
