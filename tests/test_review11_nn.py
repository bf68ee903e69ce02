"""Regression tests: detector contract, autoencoder family and the training loop."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import DenoisingAutoEncoder, SparseAutoEncoder


def _rows(n: int = 80, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


@pytest.mark.parametrize("cls", [SparseAutoEncoder, DenoisingAutoEncoder])
def test_regularised_autoencoders_take_batch_size_auto(cls: type) -> None:
    # annotated ``int | str`` and documented as AutoEncoder's: "auto" was refused as not a number
    det = cls(hidden=(4, 2), batch_size="auto", epochs=1, verbose=0, device="cpu").fit(_rows())
    assert det._train_config(72).batch_size == 32
    with pytest.raises(ValueError, match="batch_size must be 'auto' or an integer"):
        cls(hidden=(4, 2), batch_size="big", epochs=1, verbose=0, device="cpu").fit(_rows())


def test_autoencoder_scores_a_feature_of_huge_spread() -> None:
    # standardisation makes it a normal input, but the folded scorer squared the raw error:
    # inf for every row past a spread of ~1.8e19, and fit failed on its held-out scores
    import torch

    from hourglass.detectors import AutoEncoder

    X = _rows(300)
    X[:, 2] = (np.random.default_rng(1).normal(size=300) * 1e20).astype(np.float32)
    ae = AutoEncoder(hidden=(4, 2), epochs=2, verbose=0, device="cpu").fit(X)
    s = ae.score(X[:5])
    with torch.no_grad():
        plain = ae.module_.score((torch.from_numpy(ae._model_input(X[:5])),)).numpy()
        exported = ae.score_module()(torch.from_numpy(X[:5])).numpy()
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s, plain, rtol=1e-4)
    np.testing.assert_allclose(exported, plain, rtol=1e-4)
    assert ae.predict(X[:5]).shape == (5,)


@pytest.mark.parametrize("epochs", ["abc", [3], "3"])
def test_ensemble_epochs_of_another_kind_is_named(epochs: object) -> None:
    # float('abc') or float([3]) spoke instead: no parameter named, a TypeError for the list
    from hourglass.detectors import Ensemble

    ens = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}),), epochs=epochs, verbose=0)
    with pytest.raises(ValueError, match=r"^epochs must be None or an integer >= 1"):
        ens.validate_params()


def test_ensemble_says_which_member_diverged() -> None:
    # "training diverged ...; lower the learning rate" did not say whose learning rate
    from hourglass.detectors import Ensemble
    from hourglass.nn.training import TrainingDiverged

    ens = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}),
                              ("deep-svdd", {"hidden": (4, 2), "lr": 1e30})),
                   epochs=2, verbose=0, device="cpu")
    with pytest.raises(TrainingDiverged, match=r"^detectors\[1\] \(deep-svdd\): training diverged"):
        ens.fit(_rows())


def test_deep_svdd_validate_params_refuses_a_bounded_activation_after_fit() -> None:
    # validate_params passed on a fitted detector set to tanh, and the next fit refused it
    from hourglass.detectors import DeepSVDD

    det = DeepSVDD(hidden=(4, 2), epochs=1, verbose=0, device="cpu").fit(_rows())
    det.set_params(activation="tanh")
    with pytest.raises(ValueError, match="activation='tanh' is bounded"):
        det.validate_params()
    # a network trained with it (saved before the check) still continues training as it was made
    legacy = DeepSVDD(hidden=(4, 2), epochs=1, verbose=0, device="cpu")
    meta, arrays = det.set_params(activation="leaky_relu").get_state()
    legacy.set_params(activation="tanh").set_state(meta, arrays)
    assert legacy.warm_start(_rows(seed=1), epochs=1).score(_rows(5)).shape == (5,)
