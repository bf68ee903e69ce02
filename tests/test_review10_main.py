"""Regression tests: defects found and fixed after the tenth round of fixes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder, Ensemble
from hourglass.errors import InputError
from tests._cli import one_line_error


def test_ensemble_names_the_member_whose_fit_fails() -> None:
    # a member's own held-out split cannot be carved: the error said so without saying which
    X = np.random.default_rng(0).normal(size=(30, 4))
    ens = Ensemble(detectors=("vae", AutoEncoder(validation_fraction=0.95, epochs=1)), epochs=1,
                   verbose=0, random_state=0)
    with pytest.raises(InputError, match=r"^detectors\[1\] \(autoencoder\): validation_fraction=0.95"):
        ens.fit(X)


def test_param_and_its_option_together_are_refused(tmp_path: Path) -> None:
    # --param epochs=3 --epochs 5 trained 3 epochs without a word: one value each, or an error
    data = tmp_path / "t.csv"
    pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 7}).to_csv(data, index=False)
    model = tmp_path / "m"
    one_line_error(["train", str(data), "-o", str(model), "-q", "--epochs", "5", "--param", "epochs=3"],
                   "--param epochs=... and --epochs both set epochs; give it once", model)
    one_line_error(["train", str(data), "-o", str(model), "-q", "--hidden", "4,2", "--param",
                    "hidden=[8, 4]"], "--hidden both set hidden", model)
