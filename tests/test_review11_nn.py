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
