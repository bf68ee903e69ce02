"""Regression tests: adversarial detectors (AnoGAN, GANomaly, EncoderGAN, GANomaly1D), Deep SVDD
and the VAE."""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import numpy as np
import pytest

from hourglass.detectors import AnoGAN, DeepSVDD, GANomaly, VariationalAutoEncoder
from hourglass.nn.training import TrainingDiverged


def _rows(n: int = 40, d: int = 3) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)


_TINY: dict[str, Any] = {"epochs": 1, "verbose": 0, "device": "cpu"}


@pytest.mark.parametrize(("make", "param"), [
    (lambda: VariationalAutoEncoder(hidden=(4, 2), lr=2e38, **_TINY), "lr"),
    (lambda: DeepSVDD(hidden=(4,), lr=5e37, **_TINY), "lr"),
    (lambda: AnoGAN(hidden=(4,), latent_dim=2, min_steps=0, lr=1.8e38, **_TINY), "lr"),
    (lambda: GANomaly(hidden=(4,), latent_dim=2, min_steps=0, lr_d=1.8e38, **_TINY), "lr_d"),
    (lambda: AnoGAN(hidden=(4,), latent_dim=2, min_steps=0, search_lr=5e37, **_TINY), "search_lr"),
])
def test_rate_whose_first_adam_step_overflows_float32_is_named(make: object, param: str) -> None:
    # a rate under float32's largest value passed the check, but Adam's first step is
    # lr / (1 - beta1) (10 x lr at beta1 = 0.9, 2 x at the GANs' 0.5): torch's RuntimeError
    # "value cannot be converted to type float without overflow" from inside fit
    det = make()  # type: ignore[operator]
    with pytest.raises(ValueError, match=rf"{param} must be at most 3.4e\+37"):
        det.fit(_rows())
    # the largest allowed rate trains (or diverges with the training loop's own message)
    det.set_params(**{param: 3.4e37})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(TrainingDiverged):
            det.fit(_rows())


def test_anogan_standardizes_a_feature_whose_float32_sum_overflows() -> None:
    # a constant column of 1e36 over 400 rows: torch's float32 mean overflowed to inf, every
    # standardised row became NaN and fit failed with "training diverged ... scale the inputs";
    # the AutoEncoder (whose standardisation AnoGAN's follows) trained on the same rows
    X = _rows(400)
    X[:, 0] = 1e36
    det = AnoGAN(hidden=(8,), latent_dim=2, min_steps=0, **_TINY).fit(X)
    assert float(det.module_.input_offset[0]) == pytest.approx(1e36, rel=1e-6)
    assert np.isfinite(det.module_.input_scale.numpy()).all()
    assert np.isfinite(det.score(X[:5])).all()



def test_anogan_search_steps_zero_scores_the_clipped_guess_as_documented() -> None:
    # the docstring said the encoder's guess was scored "as is"; the code clips it into
    # [-3, 3] (far rows have codes of -100s, scored 3708 as is and 930 clipped)
    import torch

    X = _rows(100)
    det = AnoGAN(hidden=(8,), latent_dim=2, search_steps=0, min_steps=0, **_TINY).fit(X)
    far = np.full((2, 3), 1000.0, dtype=np.float32)
    m = det.module_
    with torch.no_grad():
        x = m._input(torch.from_numpy(far))
        w = m.disc.weights()
        feats = m.disc.forward_with(x, w)[1]
        clipped = m._anomaly_loss(x, feats, m.encoder(x).clamp(-3.0, 3.0), w)
    np.testing.assert_allclose(det.score(far), clipped.numpy(), rtol=1e-6)
    assert "clipped into" in (AnoGAN.__doc__ or "") and "as is" not in (AnoGAN.__doc__ or "")
