"""What is special about the hourglass AutoEncoder: the optional per-feature error normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.nn import predict_batches
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
    # raw units (no standardisation): the low-rank features are reconstructed almost exactly
    ae = AutoEncoder(score_norm="feature", standardize=False, **FAST).fit(X)
    scale = ae.module_.error_scale.cpu().numpy()
    assert scale[5] > 5 * np.median(scale[:5]), "the noise feature has the largest typical error"
    held = X[ae.val_index_]
    np.testing.assert_allclose(ae.score_features(held).mean(axis=0)[5], 1.0, rtol=0.05)
    # scoring folds batch norm into the linear layers: equal up to float rounding
    np.testing.assert_allclose(ae.score_features(X).mean(axis=1), ae.score(X), rtol=1e-4)


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


def test_standardize_makes_scores_blind_to_feature_units() -> None:
    X, _ = _data()
    rescaled = X * np.array([1, 1000, 1, 0.001, 1, 1], dtype=np.float32)
    a = AutoEncoder(**FAST).fit(X)
    b = AutoEncoder(**FAST).fit(rescaled)
    np.testing.assert_allclose(b._model_input(rescaled), a._model_input(X), rtol=1e-4, atol=1e-4)
    # without batch norm, training on the same inputs (up to rounding) gives the same scores
    a = AutoEncoder(batch_norm=False, **FAST).fit(X)
    b = AutoEncoder(batch_norm=False, **FAST).fit(rescaled)
    np.testing.assert_allclose(b.score(rescaled[:50]), a.score(X[:50]), rtol=1e-3, atol=1e-5)
    # and the raw-unit model is not: the 1000× feature dominates its error
    raw = AutoEncoder(standardize=False, **FAST).fit(rescaled)
    assert int(np.argmax(raw.score_features(rescaled[:50]).mean(axis=0))) == 1


def test_standardize_survives_state_round_trip_and_old_states_load_raw() -> None:
    X, _ = _data()
    X = X * 50 + 7
    ae = AutoEncoder(**FAST).fit(X)
    meta, arrays = ae.get_state()
    twin = AutoEncoder(**FAST).set_state(_decode(_encode(meta)), arrays)
    np.testing.assert_array_equal(twin.score(X[:50]), ae.score(X[:50]))
    np.testing.assert_array_equal(twin.score_features(X[:5]), ae.score_features(X[:5]))
    raw = AutoEncoder(standardize=False, **FAST).fit(X)
    meta, arrays = raw.get_state()
    assert "input_scale" not in arrays  # the layout of states written before standardize existed
    old = AutoEncoder(**FAST).set_state(meta, arrays)
    np.testing.assert_array_equal(old.score(X[:50]), raw.score(X[:50]))


def test_auto_batch_gives_small_tables_enough_optimiser_steps() -> None:
    from hourglass.detectors.base import AUTO_BATCH_STEPS, auto_batch_size

    for n in (50, 135, 900, 3000, 70_000):
        b = auto_batch_size(n)
        assert 32 <= b <= 1024 and b & (b - 1) == 0
        assert b == 32 or n // b >= AUTO_BATCH_STEPS
    ae = AutoEncoder(hidden=(8, 4), epochs=2, batch_size="auto", verbose=0).fit(_data()[0][:300])
    assert ae._train_config(270).batch_size == 32  # 270 training rows: 8 steps, not 1 of 1024


def test_auto_batch_on_large_tables_doubles_batch_and_lr() -> None:
    from hourglass.detectors import SparseAutoEncoder
    from hourglass.detectors.autoencoder import AUTO_BATCH_LARGEST, fused_adam

    auto = AutoEncoder()  # _train_config only reads parameters: no fit needed
    small, large = auto._train_config(3000), auto._train_config(60_000)
    assert (small.batch_size, small.lr) == (256, 3e-3)  # small tables: unchanged
    assert (large.batch_size, large.lr) == (AUTO_BATCH_LARGEST, 3e-3 * AUTO_BATCH_LARGEST / 1024)
    assert large.optimizer is fused_adam
    fixed = AutoEncoder(batch_size=1024)._train_config(60_000)
    assert (fixed.batch_size, fixed.lr) == (1024, 3e-3)  # an explicit batch keeps its lr
    # subclasses keep the loop's optimiser and the 1,024 cap they were benchmarked with
    sparse = SparseAutoEncoder(batch_size="auto")._train_config(60_000)
    assert sparse.optimizer is None and (sparse.batch_size, sparse.lr) == (1024, 3e-3)


def test_fused_adam_trains_like_the_loop_adam() -> None:
    from hourglass.detectors.base import DeepDetector

    X, _ = _data()
    fused = AutoEncoder(**FAST).fit(X)
    ref = AutoEncoder(**FAST)
    ref._train_config = lambda n_rows=None: DeepDetector._train_config(ref, n_rows)  # type: ignore[method-assign]
    ref.fit(X)
    a, b = fused.score(X), ref.score(X)
    from hourglass.nn.optim import fused_adam_runs_on

    # another kernel, other rounding (torch < 2.4 has no CPU kernel: the same foreach update) ...
    assert np.array_equal(a, b) is not fused_adam_runs_on("cpu")
    assert np.corrcoef(a, b)[0, 1] > 0.99  # ... the same training


@pytest.mark.parametrize("bad", ["big", 0, -5, True, 64.5, float("nan")])
def test_bad_batch_size_is_a_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        AutoEncoder(hidden=(4,), epochs=1, batch_size=bad, verbose=0).fit(_data()[0])


def test_labelled_fit_early_stops_on_held_out_normal_rows() -> None:
    X, _ = _data()
    y = np.zeros(len(X))
    y[:12] = 1
    ae = AutoEncoder(**FAST).fit(X, y)
    assert len(ae.history_.val_loss) == len(ae.history_.train_loss) > 0
    assert len(ae.val_scores_) == int((y[ae.val_index_] == 0).sum())


@pytest.mark.parametrize("kw", [{}, {"batch_norm": False}, {"standardize": False},
                                {"score_norm": "feature"}, {"activation": "tanh", "dropout": 0.2}])
def test_folded_scoring_equals_the_module_on_standardised_rows(kw: dict) -> None:  # type: ignore[type-arg]
    """Scoring folds batch norm and standardisation into the linear layers: same scores."""
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(600, 7)) * rng.uniform(0.1, 50, 7) + rng.uniform(-5, 5, 7)).astype(np.float32)
    ae = AutoEncoder(hidden=(16, 8, 4), epochs=3, verbose=0, **kw).fit(X)
    reference = predict_batches(ae.module_.score, [ae._model_input(X)], device=ae.device_)
    np.testing.assert_allclose(ae.score(X), reference, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(ae.score_features(X).mean(axis=1), reference, rtol=1e-4, atol=1e-7)
