"""Regression tests: the adversarial detectors (AnoGAN, GANomaly, EncoderGAN, GANomaly1D)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass import Pipeline
from hourglass.detectors import AnoGAN, GANomaly, GANomaly1D
from hourglass.errors import InputError


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


def test_ganomaly_1d_one_training_window_names_the_held_out_tail_not_the_stride() -> None:
    # 64 steps, window 32: the held-out tail (10%, rounded up to a window) left one training
    # window, and the advice was "a longer series or a smaller window or stride"; no stride cuts
    # one window's steps into two, and the tail was never named
    S = _series(64)[:, :1]
    det = GANomaly1D(window=32, filters=2, latent_dim=2, epochs=1, min_steps=0, verbose=0, device="cpu")
    with pytest.raises(InputError) as info:
        det.fit(S)
    msg = str(info.value)
    assert "after the last 32 steps held out by validation_fraction=0.1" in msg
    assert msg.endswith("pass a longer series, use a smaller window or a smaller validation_fraction "
                        "(0 holds nothing out)")
    assert "stride" not in msg.split(":", 2)[-1]
    with pytest.raises(InputError, match=r"or use a smaller window$"):
        det.fit(S[:32])
    det.set_params(validation_fraction=0.0).fit(S)  # what the message advises trains


def test_anogan_kappa_is_a_training_loss_weight_free_after_fit(tmp_path: Path) -> None:
    # kappa weighs feature matching in the encoder's training loss only, but a set_params after
    # fit refused scoring and saving: "its network was built and its threshold fitted under it"
    X = _rows(120)
    det = AnoGAN(hidden=(4,), latent_dim=1, epochs=1, min_steps=0, verbose=0, device="cpu").fit(X)
    before = det.score(X[:5])
    det.set_params(kappa=2.5)
    np.testing.assert_array_equal(det.score(X[:5]), before)
    Pipeline(det.set_params(kappa=1.0)).fit(pd.DataFrame(X, columns=list("abcde"))).save(tmp_path / "m")
    pipe = hourglass.load(tmp_path / "m")
    pipe.detector_.set_params(kappa=3.0)
    pipe.save(tmp_path / "m2")
    assert hourglass.load(tmp_path / "m2").detector_.kappa == 3.0
    det.set_params(lam=0.5)  # lam weighs the score: still refused
    with pytest.raises(InputError, match=r"lam is 0\.5, but the model was fitted with 0\.1"):
        det.score(X[:5])


def test_anogan_patience_counts_groups_of_epochs_when_min_steps_adds_epochs() -> None:
    # the docstring said patience counted epochs; with min_steps adding epochs it counts the
    # judgements, one per group of total // epochs epochs
    assert "``patience`` then counts\n    those judgements, not epochs" in (AnoGAN.__doc__ or "")
    X = _rows(100)
    det = AnoGAN(hidden=(4,), latent_dim=1, epochs=4, min_steps=40, patience=None, verbose=0,
                 device="cpu").fit(X)
    assert len(det.history_.train_loss) == 40  # one step an epoch: 40 epochs
    assert len(det.history_.val_loss) == 4  # judged every 10 epochs
    assert det.history_.best_epoch % 10 == 0
