"""Review 8: the sequence and time-series detectors and their explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import DeepSVDD
from hourglass.errors import InputError
from hourglass.explain.gradients import attributions


@pytest.fixture(scope="module")
def svdd_frame() -> tuple[DeepSVDD, pd.DataFrame]:
    X = np.random.default_rng(0).normal(size=(200, 4)).astype("float32")
    df = pd.DataFrame(X, columns=list("abcd"))
    return DeepSVDD(hidden=(8, 4), epochs=1, verbose=0, device="cpu").fit(df), df


def test_attributions_refuse_moved_columns(svdd_frame: tuple[DeepSVDD, pd.DataFrame]) -> None:
    det, df = svdd_frame
    with pytest.raises(InputError, match="another order"):
        attributions(det, df[list("dcba")].head(2))


def test_attributions_refuse_bad_rows(svdd_frame: tuple[DeepSVDD, pd.DataFrame]) -> None:
    det, df = svdd_frame
    X = df.to_numpy()[:2].copy()
    with pytest.raises(InputError, match="4"):
        attributions(det, X[:, :3])  # was torch's RuntimeError about tensor sizes
    X[0, 1] = np.nan
    with pytest.raises(InputError, match="non-finite"):
        attributions(det, X)  # was NaN attributions
    a = attributions(det, df.head(3))
    assert np.allclose(a.score, det.score(df.head(3)), rtol=1e-4)
