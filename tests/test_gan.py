"""What is special about the adversarial detectors (the common suite covers the contract)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from hourglass.detectors import AnoGAN, EncoderGAN, GANomaly

from .conftest import FAST_PARAMS, tabular_data

FAST = {AnoGAN: FAST_PARAMS["anogan"], GANomaly: FAST_PARAMS["ganomaly"],
        EncoderGAN: FAST_PARAMS["encoder-gan"]}


def two_moons(seed: int = 0, n: int = 600) -> np.ndarray:
    """Two well-separated clusters on a curve: a generator that collapses covers one."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    side = rng.integers(0, 2, n)
    x = np.where(side == 0, np.cos(t), 1 - np.cos(t))
    y = np.where(side == 0, np.sin(t), 0.5 - np.sin(t)) + 3.0 * side
    noise = 0.05 * rng.normal(size=(n, 2))
    return (np.c_[x, y] + noise).astype(np.float32)


@pytest.mark.parametrize("cls, param, value", [
    (AnoGAN, "latent_dim", 0), (AnoGAN, "search_steps", -1), (AnoGAN, "search_lr", 0.0),
    (AnoGAN, "lam", 1.5), (AnoGAN, "lr_d", 0.0), (GANomaly, "w_con", -1.0),
    (GANomaly, "hidden", ()), (EncoderGAN, "w_rec", -0.5), (EncoderGAN, "lam", -0.1),
    (AnoGAN, "gradient_penalty", -1.0), (AnoGAN, "prior", -0.1), (GANomaly, "ema_decay", 1.0),
    (EncoderGAN, "ema_decay", 0.0),
])
def test_bad_params_name_the_parameter(cls: type, param: str, value: object) -> None:
    X = tabular_data()["train"][:50]
    with pytest.raises(ValueError, match=param):
        cls(**{**FAST[cls], param: value}).fit(X)


def test_anogan_search_is_batched_row_independent_and_lowers_the_loss() -> None:
    data = tabular_data()
    det = AnoGAN(**{**FAST[AnoGAN], "epochs": 5}).fit(data["train"])
    X = np.r_[data["test_normal"], data["test_anomaly"]]
    whole = det.score(X)
    parts = np.r_[det.score(X[:7]), det.score(X[7:])]  # other batches: same per-row result
    np.testing.assert_allclose(parts, whole, rtol=1e-4, atol=1e-6)
    det.module_.search_steps = 0  # the encoder's guess alone
    guess = det.score(X)
    assert np.all(whole <= guess + 1e-6) and whole.mean() < guess.mean()


def test_anogan_prior_adds_the_latent_codes_mean_square_to_the_score() -> None:
    data = tabular_data()
    det = AnoGAN(**{**FAST[AnoGAN], "epochs": 3, "search_steps": 0, "prior": 0.0, "device": "cpu"}).fit(
        data["train"])
    X = np.r_[data["test_normal"], data["test_anomaly"]]
    plain = det.score(X)
    with torch.no_grad():
        z = det.module_.encoder(det.module_._input(torch.from_numpy(X))).clamp(-3, 3)
    det.module_.prior = 0.5
    np.testing.assert_allclose(det.score(X), plain + 0.5 * z.pow(2).mean(1).numpy(), rtol=1e-5)


def test_anogan_standardize_keeps_the_training_scale_in_the_saved_weights() -> None:
    X = tabular_data()["train"] * 50.0 + 7.0
    det = AnoGAN(**{**FAST[AnoGAN], "epochs": 2, "standardize": True}).fit(X)
    offset = det.module_.input_offset.cpu().numpy()
    scale = det.module_.input_scale.cpu().numpy()
    fit_rows = np.delete(X, det.val_index_, axis=0)  # statistics of the rows trained on
    np.testing.assert_allclose(offset, fit_rows.mean(0), rtol=1e-4)
    assert np.all(scale >= fit_rows.std(0) * (1 - 1e-4)) and np.all(scale > 1.0)
    _, arrays = det.get_state()
    assert "module.input_offset" in arrays and "module.input_scale" in arrays
    raw = AnoGAN(**{**FAST[AnoGAN], "epochs": 2, "standardize": False}).fit(X)
    assert not any(k.startswith("module.input_") for k in raw.get_state()[1])


def test_another_seed_gives_other_scores() -> None:
    data = tabular_data()
    a = GANomaly(**{**FAST[GANomaly], "epochs": 3}).fit(data["train"]).score(data["test_normal"])
    b = GANomaly(**{**FAST[GANomaly], "epochs": 3, "random_state": 1}).fit(
        data["train"]).score(data["test_normal"])
    assert not np.allclose(a, b)


def test_generator_covers_both_modes_and_scores_separate_them() -> None:
    X = two_moons(n=400)
    det = AnoGAN(hidden=(32, 32), latent_dim=2, epochs=40, min_steps=0, batch_size=64, patience=None,
                 verbose=0, device="cpu").fit(X)
    with torch.no_grad():
        fake = det.module_.generator(torch.randn(1000, 2, generator=torch.Generator().manual_seed(0)))
        fake = fake * det.module_.input_scale + det.module_.input_offset  # back to input units
    upper = float((fake[:, 1] > 1.5).float().mean())
    assert 0.2 < upper < 0.8, f"mode collapse: {upper:.2f} of generated rows in the upper cluster"
    rng = np.random.default_rng(1)
    off = np.c_[rng.uniform(-2, 3, 400), rng.uniform(-3, 6, 400)].astype(np.float32)
    normal = two_moons(seed=2, n=200)
    dist = np.min(np.linalg.norm(off[:, None] - X[None], axis=2), axis=1)
    off = off[dist > 1.0]  # clearly away from the training data
    y = np.r_[np.zeros(len(normal)), np.ones(len(off))]
    auc = roc_auc_score(y, np.r_[det.score(normal), det.score(off)])
    # seeds 0-2 gave 0.84-0.90; GAN training amplifies float-level differences (e.g. from memory
    # alignment), so the bound leaves room while staying far above chance
    assert auc > 0.75, f"ROC-AUC {auc:.3f}"
    assert np.std(det.score(normal)) > 0


def test_ganomaly_latent_scale_is_saved_with_the_weights() -> None:
    det = GANomaly(**{**FAST[GANomaly], "epochs": 2}).fit(tabular_data()["train"])
    scale = det.module_.latent_scale
    assert not torch.allclose(scale, torch.ones_like(scale))
    _, arrays = det.get_state()
    assert "module.latent_scale" in arrays


def test_ganomaly_1d_rejects_a_window_shorter_than_its_convolutions_and_says_the_minimum() -> None:
    from hourglass.detectors import GANomaly1D

    from .conftest import timeseries_data

    X = timeseries_data()["train"]
    with pytest.raises(ValueError, match=r"window must be >= 7 steps for kernel_size=3"):
        GANomaly1D(window=6, epochs=1, verbose=0).fit(X)
    with pytest.raises(ValueError, match=r"window must be >= 13 steps for kernel_size=5"):
        GANomaly1D(window=12, kernel_size=5, epochs=1, verbose=0).fit(X)
    # the minimum; min_steps=0: one epoch is what a fit at this window needs (the floor: 400 steps)
    det = GANomaly1D(window=7, filters=4, latent_dim=4, epochs=1, min_steps=0, verbose=0).fit(X)
    assert det.score(X[:50]).shape == (50,)


def _disc_grad_norm(disc: torch.nn.Module, X: np.ndarray) -> float:
    x = torch.from_numpy(X).requires_grad_(True)
    (grad,) = torch.autograd.grad(disc(x)[0].sum(), x)
    return float(grad.norm(dim=1).mean())


def test_r1_penalty_flattens_the_discriminator_on_real_rows_and_still_detects() -> None:
    data = tabular_data()
    X = data["train"]
    params = {**FAST[GANomaly], "epochs": 8, "spectral_norm": False, "ema_decay": None, "device": "cpu"}
    free = GANomaly(**params).fit(X)
    r1 = GANomaly(**{**params, "gradient_penalty": 10.0}).fit(X)
    assert _disc_grad_norm(r1.module_.disc, X) < 0.5 * _disc_grad_norm(free.module_.disc, X)
    y = np.r_[np.zeros(len(data["test_normal"])), np.ones(len(data["test_anomaly"]))]
    auc = roc_auc_score(y, r1.score(np.r_[data["test_normal"], data["test_anomaly"]]))
    assert auc > 0.75, f"ROC-AUC {auc:.3f}"  # seeds 0-2: 0.95, 0.94, 0.79


@pytest.mark.parametrize("cls", [AnoGAN, EncoderGAN])
def test_r1_penalty_trains_through_the_other_gans(cls: type) -> None:
    data = tabular_data()
    det = cls(**{**FAST[cls], "epochs": 3, "gradient_penalty": 10.0}).fit(data["train"])
    assert np.all(np.isfinite(det.score(data["test_anomaly"])))


def test_encoder_gan_latent_cycle_discriminator_is_optional_and_saved() -> None:
    X = tabular_data()["train"]
    with_zz = EncoderGAN(**{**FAST[EncoderGAN], "epochs": 2}).fit(X)
    without = EncoderGAN(**{**FAST[EncoderGAN], "epochs": 2, "latent_cycle": False}).fit(X)
    _, arrays = with_zz.get_state()
    assert any(k.startswith("module.d_zz.") for k in arrays)
    assert without.module_.d_zz is None
    assert not np.allclose(with_zz.score(X[:20]), without.score(X[:20]))


@pytest.mark.parametrize("training", [True, False])
def test_discriminator_forward_with_its_weights_is_its_forward_bit_for_bit(training: bool) -> None:
    """AnoGAN evaluates the spectrally normalised weights itself (Discriminator.weights) and runs
    the layers' functions (forward_with, sequential_forward): the same logits, features, power
    iteration state and gradients as the modules' own forward pass, to the bit."""
    import copy

    from hourglass.nn.blocks import mlp, sequential_forward
    from hourglass.nn.gan import Discriminator

    torch.manual_seed(0)
    ref = Discriminator(5, (8, 4)).train(training)
    ours = copy.deepcopy(ref)
    x = torch.randn(7, 5)
    for _ in range(3):  # power-iteration steps accumulate in the _u / _v buffers
        outs = []
        for disc, run in ((ref, ref), (ours, lambda h: ours.forward_with(h, ours.weights()))):
            disc.zero_grad(set_to_none=True)
            logit, feats = run(x)
            (logit.sum() + feats.pow(2).sum()).backward()
            outs.append((logit.detach(), feats.detach(), [p.grad for p in disc.parameters()],
                         [b.clone() for b in disc.buffers()]))
        (l1, f1, g1, b1), (l2, f2, g2, b2) = outs
        assert torch.equal(l1, l2) and torch.equal(f1, f2)
        assert all(torch.equal(a, b) for a, b in zip(g1, g2, strict=True))
        assert all(torch.equal(a, b) for a, b in zip(b1, b2, strict=True)) and len(b1) == 6
    net = mlp([5, 8, 3], activation="leaky_relu")  # AnoGAN's generator and encoder
    assert torch.equal(sequential_forward(net, x), net(x))
