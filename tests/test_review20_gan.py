"""Regression tests: the adversarial detectors (AnoGAN, GANomaly, EncoderGAN, GANomaly1D)."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import GANomaly, GANomaly1D


def _rows(n: int = 300, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 3)) @ rng.normal(size=(3, 5))).astype(np.float32)


def _series(n: int = 240) -> np.ndarray:
    t = np.arange(n)
    return np.c_[np.sin(t / 4), np.cos(t / 7)].astype(np.float32)


@pytest.mark.parametrize("make", [
    lambda: (GANomaly(hidden=(8,), latent_dim=2, w_con=0, w_enc=0, epochs=8, min_steps=0,
                      patience=3, verbose=0, device="cpu"), _rows()),
    lambda: (GANomaly1D(window=8, filters=2, latent_dim=2, w_con=0, w_enc=0, epochs=6, min_steps=0,
                        patience=3, verbose=0, device="cpu"), _series()),
])
def test_ganomaly_without_contextual_and_latent_weights_still_judges_its_epochs(make) -> None:
    # w_con = w_enc = 0 (feature matching alone) made the held-out criterion 0 at every epoch:
    # training stopped after `patience` epochs and kept the first epoch's networks
    det, X = make()
    det.fit(X)
    assert min(det.history_.val_loss) > 0
    assert len(set(det.history_.val_loss)) == len(det.history_.val_loss)
    assert det.history_.best_epoch == 1 + int(np.argmin(det.history_.val_loss))
