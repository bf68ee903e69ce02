"""Regression tests: defects found and fixed after the tenth round of fixes."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import AutoEncoder, Ensemble
from hourglass.errors import InputError


def test_ensemble_names_the_member_whose_fit_fails() -> None:
    # a member's own held-out split cannot be carved: the error said so without saying which
    X = np.random.default_rng(0).normal(size=(30, 4))
    ens = Ensemble(detectors=("vae", AutoEncoder(validation_fraction=0.95, epochs=1)), epochs=1,
                   verbose=0, random_state=0)
    with pytest.raises(InputError, match=r"^detectors\[1\] \(autoencoder\): validation_fraction=0.95"):
        ens.fit(X)
