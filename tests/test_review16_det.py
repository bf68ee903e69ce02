"""Regression tests: the deep detectors (tabular, time-series, adversarial, log) on edge cases."""

from __future__ import annotations

import pytest

from hourglass.detectors import registry

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
