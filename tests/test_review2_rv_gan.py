"""Review of the adversarial detectors (AnoGAN, GANomaly, EncoderGAN, GANomaly1D): regressions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hourglass.detectors import EncoderGAN, GANomaly1D
from hourglass.nn import training


def _rows(n: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 3)) @ rng.normal(size=(3, 6))).astype(np.float32)


def _series(n: int = 300) -> np.ndarray:
    t = np.arange(n)
    return np.c_[np.sin(t / 4), np.cos(t / 7)].astype(np.float32)


@pytest.mark.parametrize("make", [
    lambda: (EncoderGAN(hidden=(8,), latent_dim=2, epochs=6, min_steps=0, batch_size=64,
                        patience=None, validation_fraction=0.0, verbose=0, device="cpu"), _rows()),
    lambda: (GANomaly1D(window=8, filters=4, latent_dim=4, epochs=4, min_steps=0, patience=None,
                        validation_fraction=0.0, verbose=0, device="cpu"), _series()),
])
def test_no_held_out_rows_keep_the_epoch_of_least_reconstruction_error(make, monkeypatch) -> None:
    # without held-out rows (and without ema_decay) the loop used to judge epochs on the sum of
    # the adversarial phase losses; the kept model is now the one reconstructing best
    seen: list[float] = []
    mean_loss = training._mean_loss

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(mean_loss(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(training, "_mean_loss", spy)
    det, X = make()
    det.fit(X)
    assert len(seen) == len(det.history_.train_loss)  # judged once per epoch
    assert det.history_.best_epoch == int(np.argmin(seen)) + 1
    assert det.history_.val_loss == []  # nothing was held out
    with torch.no_grad():
        windows = det._train_tensors(X, None) if isinstance(det, GANomaly1D) else (torch.from_numpy(X),)
        kept = float(det.module_.loss(windows))
    assert kept == pytest.approx(min(seen), rel=1e-4)


def test_ganomaly_1d_calibrates_its_latent_scale_a_scoring_batch_at_a_time() -> None:
    # the latent scale was computed in one pass over up to 20,000 training windows (2.1 GB of
    # activations for windows of 256 x 38); now in batches, to the same figures
    det = GANomaly1D(window=8, stride=1, filters=4, latent_dim=4, epochs=1, min_steps=0,
                     verbose=0, device="cpu")
    det._score_batch_size = lambda: 64  # type: ignore[method-assign]
    sizes: list[int] = []
    det.fit(_series(400))
    module = det.module_
    hook = module.encoder1.register_forward_pre_hook(lambda _m, args: sizes.append(args[0].shape[0]))
    windows = det._train_tensors(_series(400)[:-40], None)[0]
    module.calibrate(windows, batch_size=64)
    hook.remove()
    assert len(sizes) > 1 and max(sizes) <= 64
    with torch.no_grad():
        z, _, z_hat = module(windows)
    torch.testing.assert_close(module.latent_scale, (z - z_hat).std(0).clamp_min(1e-6), rtol=1e-4, atol=1e-7)


def test_ganomaly_score_is_the_unit_scaled_latent_distance_its_docstring_gives() -> None:
    from hourglass.detectors import GANomaly

    X = _rows(300)
    det = GANomaly(hidden=(16,), latent_dim=4, epochs=2, min_steps=0, verbose=0, device="cpu").fit(X)
    with torch.no_grad():
        z, _, z_hat = det.module_(torch.from_numpy(X))
        expected = ((z - z_hat) / det.module_.latent_scale).pow(2).mean(1).numpy()
    np.testing.assert_allclose(det.score(X), expected, rtol=1e-5)
    assert "mean(((z − ẑ) / s)²)" in (GANomaly.__doc__ or "")
