"""Review round 54 (paper54): each model's mathematics against its reference definition."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hourglass.detectors import AnoGAN, EncoderGAN, GANomaly, GANomaly1D, VariationalAutoEncoder
from hourglass.errors import InputError
from hourglass.nn.training import TrainingDiverged

_GAN = {"hidden": (4,), "latent_dim": 2, "epochs": 1, "min_steps": 0, "verbose": 0, "device": "cpu"}


def _rows(n: int = 60) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, 3)).astype(np.float32)


@pytest.mark.parametrize(("cls", "params", "param"), [
    (VariationalAutoEncoder, {"hidden": (4, 2), "epochs": 1, "verbose": 0}, "beta"),
    (GANomaly, _GAN, "w_adv"),
    (GANomaly, _GAN, "w_con"),
    (GANomaly, _GAN, "w_enc"),
    (GANomaly, _GAN, "gradient_penalty"),
    (AnoGAN, _GAN, "kappa"),
    (AnoGAN, _GAN, "prior"),
    (EncoderGAN, _GAN, "w_rec"),
    (GANomaly1D, {"window": 8, "filters": 2, "epochs": 1, "min_steps": 0, "verbose": 0}, "w_con"),
])
def test_a_loss_weight_past_float32_is_named_not_training_diverged(
        cls: type, params: dict, param: str) -> None:
    # What was wrong: the VAE's beta (the weight of its KL term) and the GANs' loss weights
    # (w_adv, w_con, w_enc, w_rec, kappa, prior) and R1 weight (gradient_penalty) were only
    # checked to be >= 0. Above float32's largest value (3.4e38) the weighted term is inf in the
    # first step, and fit stopped with "training diverged ... some training rows hold values
    # whose error overflows float32 ...; scale the inputs" (the data blamed), or "lower the
    # learning rate", or, for AnoGAN's prior, "Percentile: scores contain NaN or inf"; the
    # autoencoders' loss settings (label_margin, sparsity_weight, noise_std) were already named.
    det = cls(**{**params, param: 1e39})
    said = f"{param} must be at most 3.4e+38"
    with pytest.raises(InputError, match=re.escape(said)):
        det.validate_params()
    data = _rows() if cls is not GANomaly1D else np.sin(np.arange(60) / 4)[:, None].astype(np.float32)
    try:
        det.fit(data)
    except TrainingDiverged as exc:  # the old answer: the data or the learning rate blamed
        pytest.fail(f"fit blamed training, not {param}: {exc}")
    except InputError as exc:
        assert said in str(exc) and exc.param == param
    else:
        pytest.fail(f"fit took {param}=1e39")

