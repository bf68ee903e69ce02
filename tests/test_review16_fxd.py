"""Regression tests: a fitted deep detector refuses settings changed since fit that its network
or threshold depends on, and takes those it does not."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hourglass.detectors import registry
from hourglass.errors import InputError
from hourglass.thresholds import Percentile


def _rows(n: int = 60, features: int = 3) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, features)).astype(np.float32)


@pytest.mark.parametrize(("name", "params", "change"), [
    ("vae", {"hidden": (4, 2)}, {"activation": "tanh"}),
    ("latent-iforest", {"hidden": (4, 2), "n_estimators": 10}, {"activation": "tanh"}),
    ("autoencoder", {"hidden": (4, 2)}, {"hidden": (8, 2)}),
    ("anogan", {"min_steps": 0, "search_steps": 2}, {"standardize": False})])
def test_a_setting_the_network_was_built_under_cannot_change_after_fit(
        name: str, params: dict, change: dict) -> None:
    # the network went on scoring with its own setting while the artefact saved the new one: the
    # loaded VAE scored differently, the AutoEncoder and AnoGAN artefacts did not load
    X = _rows()
    det = registry.get(name)(epochs=1, verbose=0, device="cpu", **params).fit(X)
    before = det.score(X)
    original = det.get_params(deep=False)
    det.set_params(**change)
    key = next(iter(change))
    for call in (lambda: det.score(X), det.get_state):
        said = f"{key} is {change[key]!r}, but the model was fitted with"
        with pytest.raises(InputError, match=re.escape(said)):
            call()
    det.set_params(**{key: original[key]})
    meta, arrays = det.get_state()
    twin = registry.get(name)(**det.get_params(deep=False))
    twin.set_state(meta, arrays)
    assert np.array_equal(twin.score(X), before)


def test_deeplog_refuses_another_top_g_than_it_was_fitted_with() -> None:
    sessions = [np.array([1, 2, 3, 4, 1, 2, 3, 4])] * 20
    det = registry.get("deeplog")(window=3, top_g=2, epochs=1, verbose=0, device="cpu").fit(sessions)
    det.set_params(top_g=5)
    with pytest.raises(InputError, match="top_g is 5, but the model was fitted with 2"):
        det.score(sessions)


def test_the_same_setting_in_another_type_is_no_change() -> None:
    X = _rows()
    det = registry.get("encoder-gan")(hidden=(4,), lam=0.1, min_steps=0, epochs=1, verbose=0,
                                      device="cpu").fit(X)
    before = det.score(X)
    # 0.1 read back from a float32 (0.10000000149011612 != 0.1), the tuple as a list ([4] != (4,))
    det.set_params(lam=float(np.float32(0.1)), hidden=[4])
    assert np.array_equal(det.score(X), before)
    det.set_params(lam=0.1000001 * 1.1)  # another value is still refused
    with pytest.raises(InputError, match=r"lam is 0\.11"):
        det.score(X)


def test_training_settings_and_the_threshold_rule_still_change_after_fit() -> None:
    X = _rows(200)
    det = registry.get("autoencoder")(hidden=(4, 2), epochs=1, verbose=0, device="cpu",
                                      threshold=Percentile(99)).fit(X)
    before = det.score(X)
    det.set_params(epochs=3, lr=0.01, batch_size=16, patience=2, verbose=0, random_state=7,
                   validation_fraction=0.3, threshold__q=95.0)
    assert np.array_equal(det.score(X), before)
    meta, arrays = det.get_state()
    twin = registry.get("autoencoder")(**det.get_params(deep=False))
    twin.set_state(meta, arrays)
    assert np.array_equal(twin.score(X), before)
    assert det.warm_start(X, epochs=1).score(X).shape == (200,)


def test_sequence_autoencoder_takes_a_max_length_no_shorter_than_its_chunks() -> None:
    from hourglass.detectors import SequenceAutoEncoder

    sessions = [np.array([1, 2, 3, 4])] * 20
    det = SequenceAutoEncoder(hidden=8, code=2, epochs=1, verbose=0, device="cpu").fit(sessions)
    before = det.score(sessions)
    assert det.length_ == 5
    for longer in (256, 5):  # chunks of 5 events still fit: nothing scored or saved changes
        det.set_params(max_length=longer)
        assert np.array_equal(det.score(sessions), before)
        meta, arrays = det.get_state()
        twin = SequenceAutoEncoder(**det.get_params(deep=False))
        twin.set_state(meta, arrays)
        assert np.array_equal(twin.score(sessions), before)
    det.set_params(max_length=4)  # an artefact saved so would not load
    for call in (lambda: det.score(sessions), det.get_state):
        with pytest.raises(InputError, match="max_length is 4, below the chunk length 5 the model "
                                             "was fitted with"):
            call()


@pytest.mark.parametrize("how", ["member instance", "spec in place"])
def test_ensemble_notices_a_member_changed_in_place(how: str) -> None:
    from hourglass.detectors import AutoEncoder, DeepSVDD, Ensemble

    X = _rows()
    if how == "member instance":
        ens = Ensemble(detectors=[AutoEncoder(hidden=(4, 2)), DeepSVDD(hidden=(4,))],
                       epochs=1, verbose=0, device="cpu").fit(X)
    else:
        ens = Ensemble(detectors=[("autoencoder", {"hidden": (4, 2)}), ("deep-svdd", {"hidden": (4,)})],
                       epochs=1, verbose=0, device="cpu").fit(X)
    before = ens.score(X)
    if how == "member instance":
        ens.detectors[0].set_params(hidden=(8, 2))
    else:
        ens.detectors[0][1]["hidden"] = (8, 2)
    # saved, the artefact named the new member: loading failed with 'size mismatch'
    for call in (lambda: ens.score(X), ens.get_state):
        with pytest.raises(InputError, match="detectors were changed since fit"):
            call()
    if how == "member instance":
        ens.detectors[0].set_params(hidden=(4, 2))
    else:
        ens.detectors[0][1]["hidden"] = (4, 2)
    assert np.array_equal(ens.score(X), before)
    meta, arrays = ens.get_state()
    twin = Ensemble(**ens.get_params(deep=False))
    twin.set_state(meta, arrays)
    assert np.array_equal(twin.score(X), before)


def test_window_scores_take_another_score_reduce_but_not_another_window() -> None:
    X = np.random.default_rng(0).normal(size=(80, 2)).astype(np.float32)
    det = registry.get("gru-ae")(window=8, epochs=1, verbose=0, device="cpu").fit(X)
    before = det.window_scores(X)
    det.set_params(score_reduce="max")  # per-window scores involve no reduction
    assert np.array_equal(det.window_scores(X), before)
    with pytest.raises(InputError, match="score_reduce is 'max', but the model was fitted with"):
        det.score(X)
    det.set_params(score_reduce="mean", window=16)
    with pytest.raises(InputError, match="window is 16, but the model was fitted with 8"):
        det.window_scores(X)
