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
    with pytest.raises(InputError, match="NaN or infinite value"):
        attributions(det, X)  # was NaN attributions
    a = attributions(det, df.head(3))
    assert np.allclose(a.score, det.score(df.head(3)), rtol=1e-4)


def test_pca_path_on_a_flat_series_still_scores_a_spike() -> None:
    from hourglass.detectors import LSTMAutoEncoder

    X = np.zeros((200, 2), dtype="float32")  # a quiet metric: no variation in training
    Y = X.copy()
    Y[100:104, 0] = 5.0
    det = LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0, linear_path="pca").fit(X)
    assert not det.module_.pca_basis.any()  # no direction of variance: the linear path is the mean
    s = det.score(Y)
    assert s[100:104].min() > s[:50].max()  # was 0 everywhere: every window reconstructed exactly
    assert det.predict(Y)[100:104].all()


def test_sequence_ae_explain_batch_equals_one_by_one() -> None:
    from hourglass.detectors import SequenceAutoEncoder

    normal = [np.array([1, 2, 3, 4, 5])] * 30 + [np.arange(1, 20) % 5 + 1] * 5
    det = SequenceAutoEncoder(hidden=8, code=4, epochs=2, max_length=6, verbose=0).fit(normal)
    test = [np.array([1, 2, 3, 4, 5]), np.arange(1, 30) % 5 + 1, np.array([1, 9, 3]), np.array([2])]
    together = det.explain(test, top=2)
    assert together == [det.explain([s], top=2)[0] for s in test]
    assert together[1]["position"] <= len(test[1])  # a session of several chunks: its own position
