"""What is special about the hourglass AutoEncoder: the optional per-feature error normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.pipeline.artefact import _decode, _encode

FAST = {"hidden": (16, 8, 4), "epochs": 20, "batch_size": 64, "verbose": 0}


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(600, 2))
    X = z @ rng.normal(size=(2, 6)) + 0.05 * rng.normal(size=(600, 6))
    X[:, 5] = rng.normal(size=600)  # pure noise: always badly reconstructed
    return X.astype(np.float32), z


def test_feature_norm_divides_by_held_out_error() -> None:
    X, _ = _data()
    ae = AutoEncoder(score_norm="feature", **FAST).fit(X)
    scale = ae.module_.error_scale.cpu().numpy()
    assert scale[5] > 5 * np.median(scale[:5]), "the noise feature has the largest typical error"
    held = X[ae.val_index_]
    np.testing.assert_allclose(ae.score_features(held).mean(axis=0)[5], 1.0, rtol=0.05)
    np.testing.assert_allclose(ae.score_features(X).mean(axis=1), ae.score(X), rtol=1e-5)


def test_feature_norm_finds_a_shift_in_a_normally_exact_feature() -> None:
    X, _ = _data()
    shifted = X[:100].copy()
    shifted[:, 0] += 3 * X[:, 0].std()
    ranks = {}
    for norm in ("none", "feature"):
        ae = AutoEncoder(score_norm=norm, **FAST).fit(X)
        ranks[norm] = float((ae.score(shifted) > np.percentile(ae.score(X[ae.val_index_]), 99)).mean())
    assert ranks["feature"] >= ranks["none"]
    assert ranks["feature"] > 0.9


def test_feature_norm_survives_state_round_trip() -> None:
    X, _ = _data()
    ae = AutoEncoder(score_norm="feature", **FAST).fit(X)
    meta, arrays = ae.get_state()
    twin = AutoEncoder(score_norm="feature", **FAST).set_state(_decode(_encode(meta)), arrays)
    np.testing.assert_array_equal(twin.score(X[:50]), ae.score(X[:50]))


def test_bad_score_norm_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="score_norm"):
        AutoEncoder(score_norm="zscore", **FAST).fit(_data()[0])


def test_weights_saved_before_error_scale_still_load() -> None:
    X, _ = _data()
    ae = AutoEncoder(**FAST).fit(X)
    meta, arrays = ae.get_state()
    del arrays["module.error_scale"]  # the layout of artefacts written before score_norm existed
    twin = AutoEncoder(**FAST).set_state(_decode(_encode(meta)), arrays)
    np.testing.assert_array_equal(twin.score(X[:50]), ae.score(X[:50]))
