"""Regression tests: parameter kinds, saved models and their checks on load."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import AutoEncoder, Ensemble

KW = dict(hidden=(4, 2), epochs=1, device="cpu")


def _X(n: int = 60, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


@pytest.mark.parametrize("make", [
    lambda v: AutoEncoder(**KW, verbose=v),
    lambda v: Ensemble(detectors=("autoencoder",), epochs=1, verbose=v, device="cpu"),
])
def test_verbose_as_a_numpy_bool_is_taken_as_verbose_true_is(make: object) -> None:
    # a grid's np.array([True, False]) hands np.True_: verbose=True was taken, np.True_ refused
    # ('verbose must be a number, got np.True_') by validate_params and fit
    for value in (True, np.True_, np.False_):
        make(value).validate_params()  # type: ignore[operator]
    make(np.False_).fit(_X())  # type: ignore[operator]
