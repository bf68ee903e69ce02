"""Regression tests of a review of the detectors, the thresholds and the metrics: each test names
the defect it pins down."""

from __future__ import annotations

import numpy as np
import pytest

import hourglass.detectors.base as detector_base
from hourglass.detectors import AutoEncoder
from hourglass.detectors.base import DetectorNotFittedError
from hourglass.thresholds import TRAINING, Percentile

AE = {"hidden": (4, 2), "epochs": 2, "verbose": 0, "device": "cpu"}


def _rows(n: int = 200, d: int = 5, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


# -- 1. a failed refit leaves the detector unfitted, not half refitted --------------------------
def test_a_refit_that_fails_in_training_leaves_the_detector_unfitted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    det = AutoEncoder(**AE).fit(_rows(d=5))

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("training failed")

    monkeypatch.setattr(detector_base, "train_module", boom)
    with pytest.raises(RuntimeError, match="training failed"):
        det.fit(_rows(d=3, seed=1))
    monkeypatch.undo()
    # before: n_features_in_ was 3 with the 5-feature module and threshold: a torch shape error
    with pytest.raises(DetectorNotFittedError, match="not fitted"):
        det.score(_rows(d=3))
    assert not hasattr(det, "module_") and not hasattr(det, "val_scores_")
    assert det.fit(_rows(d=3, seed=1)).score(_rows(d=3)).shape == (200,)  # refits cleanly


def test_a_refit_with_a_bad_threshold_leaves_the_detector_unfitted() -> None:
    det = AutoEncoder(**AE).fit(_rows(d=5))
    det.set_params(threshold=Percentile(150))
    with pytest.raises(ValueError, match="q must be in"):
        det.fit(_rows(d=3, seed=1))
    with pytest.raises(DetectorNotFittedError):
        det.predict(_rows(d=3))


# -- 2. nothing held out: the threshold is fitted on the normal training rows only ---------------
@pytest.mark.parametrize("n", [8, 200])  # under 10 rows, or validation_fraction=0
def test_without_held_out_rows_labelled_anomalies_stay_out_of_the_threshold(n: int) -> None:
    X = _rows(n=n)
    y = np.zeros(n, dtype=int)
    y[:2] = 1
    X[:2] += 50.0  # known anomalies, far out
    det = AutoEncoder(**AE, validation_fraction=0.0).fit(X, y)
    assert det.val_scores_source() == TRAINING
    assert len(det.val_scores_) == n - 2  # before: n, the two anomalies' scores among them
    np.testing.assert_array_equal(det.val_scores_, det.score(X[2:]))
    assert det.predict(X[:2]).tolist() == [1, 1]
