"""Synthetic anomaly injection and the label-free ``linear_path="auto"`` choice it drives."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.features.injection import ANOMALY_KINDS, channel_scale, inject_anomalies


def _windows(n: int = 40, length: int = 16, n_ch: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, length, n_ch))


def test_injection_shapes_order_and_one_channel_per_copy() -> None:
    W = _windows()
    copies, kind = inject_anomalies(W, np.ones(3), seed=1)
    k = len(ANOMALY_KINDS)
    assert copies.shape == (40 * k, 16, 3) and copies.dtype == np.float32
    assert kind.tolist() == list(range(k)) * 40
    diff = np.abs(copies - np.repeat(W, k, axis=0)) > 1e-5
    touched = diff.any(axis=1)                       # (copies, channels)
    assert (touched.sum(axis=1) <= 1).all()          # at most one channel changes
    assert touched.any(axis=1).mean() > 0.95         # and nearly every copy changes one
    steps = diff.any(axis=2).sum(axis=1)             # steps changed per copy
    assert (steps[kind == 0] == 1).all()             # a spike is one step
    assert (steps[kind == 1] >= 4).all() and (steps[kind == 1] <= 8).all()   # L/4 … L/2
    assert np.array_equal(W, _windows())             # the input is left alone


def test_injection_is_seeded() -> None:
    W = _windows()
    a, _ = inject_anomalies(W, np.ones(3), seed=3)
    b, _ = inject_anomalies(W, np.ones(3), seed=3)
    c, _ = inject_anomalies(W, np.ones(3), seed=4)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_injection_magnitudes_follow_the_channel_scale() -> None:
    W = np.zeros((200, 16, 2))
    sigma = np.array([1.0, 10.0])
    copies, kind = inject_anomalies(W, sigma, seed=0, kinds=("spike", "level"))
    size = np.abs(copies).max(axis=1)                # (copies, channels): the change's size
    ch = size.argmax(axis=1)
    rel = size.max(axis=1) / sigma[ch]
    assert set(ch.tolist()) == {0, 1}
    assert (rel[kind == 0] >= 3 - 1e-5).all() and (rel[kind == 0] <= 5 + 1e-5).all()
    assert (rel[kind == 1] >= 1 - 1e-5).all() and (rel[kind == 1] <= 3 + 1e-5).all()
    # flattening makes a segment constant; scaling stretches it around its mean
    ramp = np.tile(np.arange(16.0)[None, :, None], (20, 1, 1))
    flat, _ = inject_anomalies(ramp, np.ones(1), seed=0, kinds=("flatten",))
    runs = (np.diff(flat[:, :, 0], axis=1) == 0).sum(axis=1)
    assert (runs >= 3).all()                         # a segment of >= 4 equal steps
    big, _ = inject_anomalies(ramp, np.ones(1), seed=0, kinds=("scale",))
    slope = np.abs(np.diff(big[:, :, 0], axis=1))
    inside = (slope >= 2 - 1e-4) & (slope <= 4 + 1e-4)     # the segment's slope is k in [2, 4]
    assert (inside.sum(axis=1) >= 3).all()


def test_injection_checks_its_input() -> None:
    with pytest.raises(ValueError, match="scale"):
        inject_anomalies(_windows(), np.ones(2))
    with pytest.raises(ValueError, match="kinds"):
        inject_anomalies(_windows(), np.ones(3), kinds=("wave",))
    with pytest.raises(ValueError, match="windows"):
        inject_anomalies(np.zeros((4, 4)), np.ones(4))
    assert channel_scale(np.zeros((5, 2))).tolist() == [1.0, 1.0]


def _linear_series(n: int, rng: np.random.Generator) -> np.ndarray:
    """Six channels that are linear mixtures of two latent signals plus a little noise."""
    t = np.arange(n)
    z = np.c_[np.sin(t / 7), np.cumsum(rng.normal(0, 0.1, n))]
    return (z @ rng.normal(size=(2, 6)) + rng.normal(0, 0.02, (n, 6))).astype("float32")


PARAMS = {"window": 16, "stride": 2, "epochs": 3, "verbose": 0, "validation_fraction": 0.2}


def test_auto_picks_the_pca_path_where_linear_structure_dominates() -> None:
    from hourglass.detectors import GRUAutoEncoder

    X = _linear_series(600, np.random.default_rng(0))
    det = GRUAutoEncoder(linear_path="auto", **PARAMS).fit(X)
    assert det.linear_path_ == "pca"
    scores = det.linear_path_scores_
    assert set(scores) == {"none", "pca"} and scores["pca"] > scores["none"] + 0.1, scores
    assert scores["pca"] > 0.8                        # the injected windows are well separated
    # the kept model is the very one linear_path="pca" trains (same seed)
    direct = GRUAutoEncoder(linear_path="pca", **PARAMS).fit(X)
    assert np.allclose(det.score(X), direct.score(X), atol=1e-5)
    # the choice and both figures are part of the saved state
    meta, arrays = det.get_state()
    assert meta["linear_path"] == "pca" and meta["linear_path_scores"] == scores
    again = GRUAutoEncoder(linear_path="auto", **PARAMS).set_state(meta, arrays)
    assert again.linear_path_ == "pca" and again.linear_path_scores_ == scores
    assert np.allclose(again.score(X), det.score(X))
    with pytest.raises(InputError, match="linear_path"):
        GRUAutoEncoder(linear_path="auto", **PARAMS).set_state({**meta, "linear_path": "auto"},
                                                               arrays)


def test_auto_without_a_held_out_tail_keeps_none(caplog) -> None:  # type: ignore[no-untyped-def]
    from hourglass.detectors import TCNAutoEncoder

    X = _linear_series(300, np.random.default_rng(1))
    with caplog.at_level(logging.WARNING):
        det = TCNAutoEncoder(linear_path="auto", **{**PARAMS, "validation_fraction": 0.0}).fit(X)
    assert det.linear_path_ == "none" and det.linear_path_scores_ == {}
    assert "linear_path='auto'" in caplog.text
    # a plain path is recorded as such; old artefacts without the key load with the param's path
    plain = TCNAutoEncoder(linear_path="pca", **PARAMS).fit(X)
    meta, arrays = plain.get_state()
    assert meta["linear_path"] == "pca" and meta["linear_path_scores"] == {}
    old = {k: v for k, v in meta.items() if not k.startswith("linear_path")}
    again = TCNAutoEncoder(linear_path="pca", **PARAMS).set_state(old, arrays)
    assert np.allclose(again.score(X), plain.score(X))
