"""Regression tests: composite detectors' parameter errors, threshold settings, training errors."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import Ensemble
from hourglass.errors import InputError
from hourglass.thresholds import Percentile

SMALL = {"hidden": (4, 2)}
KW = dict(epochs=1, verbose=0, device="cpu")


def _X(n: int = 200, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


@pytest.mark.parametrize("q, match", [(150, r"q must be in \(0, 100\), got 150"),
                                      (float("nan"), "q must be a finite number")])
def test_an_ensemble_members_bad_threshold_setting_names_the_member(q: float, match: str) -> None:
    ens = Ensemble(detectors=(("autoencoder", SMALL),
                              ("deep-svdd", {**SMALL, "threshold": Percentile(q)})), **KW)
    for call in (ens.validate_params, lambda: ens.fit(_X())):
        with pytest.raises(InputError, match=r"^detectors\[1\] \(deep-svdd\): Percentile: " + match):
            call()


def test_an_ensembles_own_bad_random_state_is_not_blamed_on_member_0() -> None:
    ens = Ensemble(detectors=("autoencoder", "deep-svdd"), random_state=-1, **KW)
    for call in (ens.validate_params, lambda: ens.fit(_X())):
        with pytest.raises(ValueError, match=r"^random_state must be None or an integer"):
            call()
