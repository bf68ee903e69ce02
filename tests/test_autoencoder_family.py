"""What is special about the autoencoder family, Deep SVDD and the hybrid detectors (the common
suite in test_common.py covers the contract)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from hourglass import Pipeline, load
from hourglass.detectors import (
    AutoEncoder,
    DeepSVDD,
    DenoisingAutoEncoder,
    Ensemble,
    LatentIForest,
    SparseAutoEncoder,
    VariationalAutoEncoder,
    registry,
)
from hourglass.detectors.latent_forest import ArrayForest
from hourglass.errors import InputError

from .conftest import FAST_PARAMS, tabular_data

AE_TYPES = ["autoencoder", "sparse-autoencoder", "denoising-autoencoder", "vae", "latent-iforest"]


def _make(name: str, **extra: object):  # type: ignore[no-untyped-def]
    return registry.get(name)(**{**FAST_PARAMS[name], **extra})


# -- attribution ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", AE_TYPES)
def test_score_features_ranks_the_shifted_feature_first(name: str) -> None:
    # 16 features driven by 3 factors: a shift of one feature leaves the learnt manifold along
    # that feature, so its error should dominate the row's errors
    rng = np.random.default_rng(3)
    W = rng.normal(size=(3, 16))
    train, rows = ((rng.normal(size=(n, 3)) @ W + 0.05 * rng.normal(size=(n, 16))).astype(np.float32)
                   for n in (800, 200))
    det = _make(name, hidden=(32, 8, 3), epochs=60).fit(train)
    shifted = rng.integers(0, rows.shape[1], size=rows.shape[0])
    rows[np.arange(rows.shape[0]), shifted] += 3.0 * train.std(axis=0)[shifted]
    errors = det.score_features(rows)
    assert errors.shape == rows.shape
    hit = float(np.mean(errors.argmax(axis=1) == shifted))
    assert hit >= 0.9, f"{name}: shifted feature ranked first in {hit:.0%} of rows"


def test_score_features_average_to_the_score_for_plain_sparse_and_denoising() -> None:
    data = tabular_data(seed=1)
    for name in ("autoencoder", "sparse-autoencoder", "denoising-autoencoder"):
        det = _make(name, epochs=3).fit(data["train"])
        np.testing.assert_allclose(det.score_features(data["test_anomaly"]).mean(axis=1),
                                   det.score(data["test_anomaly"]), rtol=1e-4)  # folded scoring


# -- semi-supervised --------------------------------------------------------------------------
def _ring_case(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Normal rows on a ring of a 2-D plane in 8-D; anomalies at its centre, which an autoencoder
    reconstructs well (it interpolates), so only labels reveal them."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(2, 8))

    def ring(n: int) -> np.ndarray:
        a = rng.uniform(0, 2 * np.pi, n)
        r = 2 + 0.1 * rng.normal(size=n)
        return (np.c_[r * np.cos(a), r * np.sin(a)] @ W + 0.05 * rng.normal(size=(n, 8)))

    def centre(n: int) -> np.ndarray:
        return 0.3 * rng.normal(size=(n, 2)) @ W + 0.05 * rng.normal(size=(n, 8))

    X = np.r_[ring(800), centre(16)].astype(np.float32)
    y = np.r_[np.zeros(800), np.ones(16)]
    T = np.r_[ring(300), centre(60)].astype(np.float32)
    yt = np.r_[np.zeros(300), np.ones(60)]
    return X, y, T, yt


def test_labelled_anomalies_beat_normal_only_training() -> None:
    X, y, T, yt = _ring_case()
    # without batch norm the plain autoencoder interpolates the centre well (ROC-AUC < 0.5)
    params = {"hidden": (16, 8, 2), "epochs": 60, "batch_size": 64, "batch_norm": False, "verbose": 0}
    unsup = AutoEncoder(**params).fit(X[y == 0])
    semi = AutoEncoder(**params).fit(X, y)
    auc_unsup = roc_auc_score(yt, unsup.score(T))
    auc_semi = roc_auc_score(yt, semi.score(T))
    assert auc_semi > auc_unsup + 0.2, (auc_unsup, auc_semi)
    # 16 labels among 800 rows weigh 2% of the (Deep SAD) loss; label_weight raises their say
    heavy = AutoEncoder(label_weight=10.0, **params).fit(X, y)
    assert roc_auc_score(yt, heavy.score(T)) > 0.9


def test_labels_weigh_by_their_count_as_in_deep_sad() -> None:
    from hourglass.nn import labelled_margin_loss

    v = torch.tensor([1.0, 1.0, 1.0, 1.0, 0.5])
    y = torch.tensor([0.0, 0.0, 0.0, 0.0, 1.0])
    one = labelled_margin_loss(v, (v, y), margin=2.0)
    # per-row mean over all 5 rows: (4 + log(2 / 0.5)) / 5, not a class-balanced 1 + log(4)
    assert float(one) == pytest.approx((4 + np.log(4.0)) / 5, rel=1e-5)
    assert float(labelled_margin_loss(v, (v, y), margin=2.0, weight=0.0)) == pytest.approx(0.8)


def test_all_zero_labels_train_exactly_as_unsupervised() -> None:
    data = tabular_data()
    a = _make("deep-svdd", epochs=3).fit(data["train"])
    b = _make("deep-svdd", epochs=3).fit(data["train"], np.zeros(len(data["train"])))
    np.testing.assert_array_equal(a.score(data["test_anomaly"]), b.score(data["test_anomaly"]))


def test_detectors_without_label_support_warn_and_ignore_labels() -> None:
    data = tabular_data()
    y = np.zeros(len(data["train"]))
    y[:5] = 1
    assert not LatentIForest.get_tags()["supports_labels"]
    with pytest.warns(UserWarning, match="does not use labels"):
        _make("latent-iforest", epochs=2).fit(data["train"], y)


@pytest.mark.parametrize("y, match", [
    (np.zeros(10), "y: has 10 labels"),
    (np.full(600, 2), "y: labels must be 0"),
    (np.ones(600), "y: every row"),
])
def test_bad_labels_are_a_value_error_naming_y(y: np.ndarray, match: str) -> None:
    data = tabular_data()
    with pytest.raises(ValueError, match=match):
        _make("autoencoder", epochs=1).fit(data["train"], y)


# -- hyper-parameters -------------------------------------------------------------------------
@pytest.mark.parametrize("name, params, param", [
    ("sparse-autoencoder", {"rho": -0.1}, "rho"),
    ("sparse-autoencoder", {"rho": 1.0}, "rho"),
    ("sparse-autoencoder", {"sparsity": "l2"}, "sparsity"),
    ("sparse-autoencoder", {"sparsity_weight": -1.0}, "sparsity_weight"),
    ("denoising-autoencoder", {"noise": "salt"}, "noise"),
    ("denoising-autoencoder", {"noise_std": -0.5}, "noise_std"),
    ("denoising-autoencoder", {"mask_rate": 1.0}, "mask_rate"),
    ("vae", {"beta": 0.0}, "beta"),
    ("vae", {"beta": -1.0}, "beta"),
    ("deep-svdd", {"center_eps": 0.0}, "center_eps"),
    ("deep-svdd", {"label_margin": 0.5}, "label_margin"),
    ("autoencoder", {"label_weight": -1.0}, "label_weight"),
    ("latent-iforest", {"n_estimators": 0}, "n_estimators"),
    ("ensemble", {"detectors": ()}, "detectors"),
    ("ensemble", {"calibration": "minmax"}, "calibration"),
    ("ensemble", {"combine": "median"}, "combine"),
    ("ensemble", {"detectors": (42,)}, r"detectors\[0\]"),
    ("ensemble", {"detectors": (("autoencoder", {"hidden": ()}),)}, "hidden"),
])
def test_invalid_hyper_parameters_raise_at_fit(name: str, params: dict, param: str) -> None:
    det = _make(name, **params)  # constructing never validates
    with pytest.raises(ValueError, match=param):
        det.fit(tabular_data()["train"])


# -- model-specific structure -------------------------------------------------------------
def test_deep_svdd_has_no_biases_and_centre_from_the_initial_pass() -> None:
    data = tabular_data()
    det = _make("deep-svdd", epochs=1, device="cpu").fit(data["train"])
    linears = [m for m in det.module_.modules() if isinstance(m, torch.nn.Linear)]
    assert linears and all(m.bias is None for m in linears)
    centre = det.module_.center
    assert bool((centre.abs() >= 0.1 - 1e-7).all())
    # the centre is the mean output of the *untrained* network on the training rows
    with torch.random.fork_rng():
        torch.manual_seed(det._seed())
        untrained = det.clone()._build_module(data["train"].shape[1])
    with torch.no_grad():
        mean = untrained.net(torch.from_numpy(data["train"][np.sort(
            np.setdiff1d(np.arange(600), det.val_index_))])).mean(dim=0)
    expected = torch.where(mean.abs() < 0.1, torch.where(mean < 0, -0.1, 0.1), mean)
    torch.testing.assert_close(centre, expected)


def test_denoising_noise_is_scaled_per_feature() -> None:
    data = tabular_data()
    X = data["train"] * np.array([1, 10, 100, 1, 1, 1], dtype=np.float32)
    det = _make("denoising-autoencoder", epochs=1).fit(X)
    train_rows = np.setdiff1d(np.arange(len(X)), det.val_index_)
    np.testing.assert_allclose(det.module_.scale.cpu().numpy(), X[train_rows].std(axis=0, ddof=1),
                               rtol=1e-4)


def test_sparse_code_is_sparse_with_kl() -> None:
    data = tabular_data()
    dense = _make("sparse-autoencoder", sparsity_weight=0.0, hidden=(16, 32), device="cpu").fit(data["train"])
    sparse = _make("sparse-autoencoder", sparsity="kl", rho=0.05, sparsity_weight=1.0,
                   hidden=(16, 32), device="cpu").fit(data["train"])
    with torch.no_grad():
        x = torch.from_numpy(data["test_normal"])
        assert sparse.module_.code(x).mean() < 0.5 * dense.module_.code(x).mean()


def test_vae_score_is_deterministic_and_not_only_reconstruction() -> None:
    data = tabular_data()
    vae = _make("vae", epochs=5).fit(data["train"])
    s1, s2 = vae.score(data["test_normal"]), vae.score(data["test_normal"])
    np.testing.assert_array_equal(s1, s2)
    # the score is the negative ELBO: half the summed squared error plus beta * KL
    half_sse = 0.5 * vae.score_features(data["test_normal"]).sum(axis=1)
    assert np.all(s1 >= half_sse - 1e-5) and np.any(s1 > half_sse + 1e-3)


# -- hybrids ----------------------------------------------------------------------------------
def test_array_forest_matches_scikit_learn_and_refuses_bad_indices() -> None:
    X = tabular_data()["train"]
    sk = IsolationForest(n_estimators=30, random_state=0).fit(X)
    forest = ArrayForest.from_sklearn(sk)
    np.testing.assert_allclose(forest.score(X), -sk.score_samples(X), rtol=1e-12)
    arrays = forest.to_arrays()
    arrays["left"] = arrays["left"].copy()
    arrays["left"][0] = 10**9
    with pytest.raises(InputError, match="left"):
        ArrayForest.from_arrays(arrays, forest.max_samples)


@pytest.mark.parametrize("calibration, combine", [("rank", "max"), ("zscore", "mean")])
def test_ensemble_saved_through_an_artefact_scores_identically(
        tmp_path, calibration: str, combine: str) -> None:  # type: ignore[no-untyped-def]
    data = tabular_data()
    df = pd.DataFrame(data["train"], columns=[f"f{i}" for i in range(6)])
    test = pd.DataFrame(np.r_[data["test_normal"], data["test_anomaly"]], columns=df.columns)
    members = (SparseAutoEncoder(**FAST_PARAMS["sparse-autoencoder"]),
               ("latent-iforest", FAST_PARAMS["latent-iforest"]))
    pipe = Pipeline(Ensemble(detectors=members, calibration=calibration, combine=combine)).fit(df)
    pipe.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.score(test), pipe.score(test))
    for live, saved in zip(pipe.detector_.members_, loaded.detector_.members_, strict=True):
        X = pipe.transform(test)
        np.testing.assert_array_equal(saved.score(X), live.score(X))
    y = np.r_[np.zeros(len(data["test_normal"])), np.ones(len(data["test_anomaly"]))]
    assert roc_auc_score(y, pipe.score(test)) > 0.8  # (the preprocessing squashes far outliers)
    assert members[0] is not pipe.detector_.members_[0]  # members are fitted clones


def test_ensemble_rank_calibration_keeps_order_beyond_held_out_scores() -> None:
    data = tabular_data()
    ens = _make("ensemble", calibration="rank", combine="max").fit(data["train"])
    far = data["test_anomaly"][:1] * np.array([[1.0], [2.0], [4.0]], dtype=np.float32)
    s = ens.score(far)
    assert s[0] < s[1] < s[2] and s[0] > 1.0


def test_ensemble_passes_labels_only_to_members_that_use_them() -> None:
    data = tabular_data()
    y = np.zeros(len(data["train"]))
    y[:6] = 1
    ens = Ensemble(detectors=(("autoencoder", FAST_PARAMS["autoencoder"]),
                              ("latent-iforest", FAST_PARAMS["latent-iforest"])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # LatentIForest would warn if it were handed labels
        ens.fit(data["train"], y)
    assert len(ens.members_) == 2


def test_ensemble_passes_its_common_options_to_members_built_from_names() -> None:
    ens = Ensemble(detectors=("autoencoder", ("deep-svdd", {"epochs": 3}),
                              AutoEncoder(epochs=4, device="cpu")),
                   epochs=2, device="cpu", verbose=0, random_state=7)
    ae, svdd, inst = ens._members()
    assert (ae.epochs, ae.device, ae.verbose, ae.random_state) == (2, "cpu", 0, 7)
    assert (svdd.epochs, svdd.random_state) == (3, 7)  # its own params win
    assert (inst.epochs, inst.random_state) == (4, 0)  # instances keep theirs


def test_models_are_listed_in_the_registry() -> None:
    for cls in (SparseAutoEncoder, DenoisingAutoEncoder, VariationalAutoEncoder, DeepSVDD,
                Ensemble, LatentIForest):
        assert registry.get(registry.name_of(cls)) is cls
