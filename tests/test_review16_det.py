"""Regression tests: the deep detectors (tabular, time-series, adversarial, log) on edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import registry
from hourglass.errors import InputError

_ACTIVATION_MODELS = ("vae", "deep-svdd", "latent-iforest", "event-count-autoencoder")


@pytest.mark.parametrize("name", _ACTIVATION_MODELS)
@pytest.mark.parametrize("activation", [["relu"], 5, None])
def test_validate_params_refuses_an_activation_that_is_no_name(name: str, activation: object) -> None:
    # only a string was checked: ["relu"] passed validate_params and fit then failed with
    # TypeError "unhashable type: 'list'" (5 or None with a ValueError only once data was read)
    det = registry.get(name)(activation=activation)
    with pytest.raises(ValueError, match="activation: unknown"):
        det.validate_params()


def test_mlp_refuses_an_activation_that_is_no_name() -> None:
    from hourglass.nn import mlp

    with pytest.raises(ValueError, match="activation: unknown"):
        mlp([3, 2], activation=["relu"])  # type: ignore[arg-type]


def _series(n: int = 80, channels: int = 2) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, channels)).astype(np.float32)


@pytest.mark.parametrize(("name", "change"), [
    ("lstm-ae", {"window": 16}), ("cnn-lstm", {"window": 16}), ("tcn-ae", {"window": 16}),
    ("lstm-forecaster", {"window": 16}), ("lstm-forecaster", {"horizon": 2})])
def test_window_detector_refuses_another_window_than_it_was_trained_with(name: str, change: dict) -> None:
    X = _series()
    det = registry.get(name)(window=8, epochs=1, verbose=0, device="cpu").fit(X)
    before = det.score(X)
    det.set_params(**change)
    # an LSTM reads windows of any length: scored (and saved) silently through windows of 16
    # steps it never learnt; a TCN stopped with torch's "mat1 and mat2 shapes cannot be multiplied"
    key = next(iter(change))
    for call in (lambda: det.score(X), det.get_state, lambda: det.warm_start(X, epochs=1)):
        with pytest.raises(InputError, match=f"{key} is {change[key]}, but the network was trained with"):
            call()
    det.set_params(window=8, horizon=1) if name == "lstm-forecaster" else det.set_params(window=8)
    assert np.array_equal(det.score(X), before)


def test_window_detector_loaded_from_its_state_scores_under_its_window() -> None:
    X = _series()
    det = registry.get("gru-ae")(window=8, epochs=1, verbose=0, device="cpu").fit(X)
    meta, arrays = det.get_state()
    twin = registry.get("gru-ae")(window=8, epochs=1, verbose=0, device="cpu")
    twin.set_state(meta, arrays)
    assert np.array_equal(twin.score(X), det.score(X))
