"""Review 7 of the GAN and one-class detectors (gan, gan_timeseries, latent_forest, deep_svdd,
nn/gan): each test is a defect found by the review, with what it was before."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import AnoGAN, DeepSVDD, EncoderGAN, GANomaly, GANomaly1D, LatentIForest
from hourglass.errors import InputError


def _rows(n: int = 100, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


@pytest.fixture(scope="module")
def forest() -> LatentIForest:
    return LatentIForest(hidden=(8, 2), epochs=1, n_estimators=3, verbose=0, device="cpu").fit(_rows())


@pytest.mark.parametrize("edit", ["self_loop", "back_edge", "short_threshold", "half_leaf", "max_samples"])
def test_forest_malformed_state_refused(forest: LatentIForest, edit: str) -> None:
    # a saved forest whose node pointed back at itself (content hash recomputed, as anyone
    # editing an artefact can) loaded, then scoring looped for ever; a short threshold array
    # was an IndexError at scoring; max_samples 0 scored NaN
    meta, arrays = forest.get_state()
    arrays = dict(arrays)
    left, right = arrays["forest.left"].copy(), arrays["forest.right"].copy()
    inner = np.flatnonzero(left >= 0)
    if edit == "self_loop":
        left[0] = right[0] = 0
    elif edit == "back_edge":
        left[inner[1]] = inner[0]
    elif edit == "short_threshold":
        arrays["forest.threshold"] = arrays["forest.threshold"][:3]
    elif edit == "half_leaf":
        right[inner[0]] = -1
    else:
        meta = {**meta, "forest_max_samples": 0}
    arrays["forest.left"], arrays["forest.right"] = left, right
    with pytest.raises(InputError, match="saved forest"):
        LatentIForest(**forest.get_params()).set_state(meta, arrays)
    meta, arrays = forest.get_state()  # the real one still loads, scoring alike
    again = LatentIForest(**forest.get_params()).set_state(meta, arrays)
    assert np.array_equal(again.score(_rows(5)), forest.score(_rows(5)))


def test_forest_max_samples_one_refused() -> None:
    # was a RuntimeWarning (0 / 0) and "Percentile: scores contain NaN or inf" after training
    det = LatentIForest(hidden=(4, 2), epochs=1, n_estimators=3, max_samples=1, verbose=0)
    with pytest.raises(ValueError, match="max_samples must be >= 2"):
        det.validate_params()
    with pytest.raises(ValueError, match="max_samples must be >= 2"):
        det.fit(_rows())


def test_svdd_no_normal_training_row() -> None:
    # 12 rows, one normal, and the seeded held-out row is that one: the centre (mean of normal
    # training rows) was torch's "torch.cat(): expected a non-empty list of Tensors" ValueError
    y = np.ones(12, dtype=int)
    y[np.random.default_rng(0).permutation(12)[0]] = 0
    det = DeepSVDD(hidden=(8, 4), epochs=1, verbose=0, device="cpu")
    with pytest.raises(InputError, match=r"every training row \(11 of 12, after the 1 held out\) is "
                                         r"labelled an anomaly"):
        det.fit(_rows(12), y)
    assert not hasattr(det, "module_")


@pytest.mark.parametrize(("cls", "param"), [(AnoGAN, "lr_d"), (AnoGAN, "search_lr"), (GANomaly, "lr_d"),
                                            (EncoderGAN, "lr_d"), (GANomaly1D, "lr_d")])
def test_rate_past_float32_refused(cls: type, param: str) -> None:
    # was torch's RuntimeError "value cannot be converted to type float without overflow",
    # raised from inside training (lr and weight_decay were already checked so)
    with pytest.raises(ValueError, match=f"{param} must be .*at most 3.4e\\+37"):
        cls(**{param: 1e39}).validate_params()


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_svdd_bounded_activation_refused(activation: str) -> None:
    # trained and collapsed: on 6-d Gaussian rows against 3x-wider ones, tanh reached ROC-AUC
    # 0.84 at the defaults and 0.43 after 150 epochs at lr=1e-2 (leaky_relu 0.98 both)
    with pytest.raises(ValueError, match=f"activation='{activation}' is bounded.*choose relu, leaky_relu"):
        DeepSVDD(activation=activation).validate_params()
    DeepSVDD(activation="gelu").validate_params()
