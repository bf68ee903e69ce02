"""The detectors' Python API fuzzed as a notebook user calls it (review 25, num25)."""

from __future__ import annotations

import pytest

from hourglass.detectors import AutoEncoder


def test_set_params_names_an_unknown_parameter_in_one_line() -> None:
    # What was wrong: scikit-learn's "Invalid parameter 'foo' for estimator AutoEncoder(...)"
    # printed the detector's repr, over several lines for a detector of a few settings, and did
    # not say which parameters there are (as the CLI's --param and an Ensemble member's do).
    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu", batch_norm=False,
                      standardize=False, lr=1e-3, weight_decay=1e-5, patience=2)
    with pytest.raises(ValueError, match=r"^AutoEncoder has no parameter 'foo'; it takes activation,") as exc:
        det.set_params(foo=1)
    assert "\n" not in str(exc.value) and "epochs" in str(exc.value)
    with pytest.raises(ValueError, match=r"^AutoEncoder has no parameter 'foo__bar'"):
        det.set_params(foo__bar=1)
    assert det.set_params(epochs=2, threshold=None).epochs == 2  # known ones still set
