"""Regression tests: the deep detectors (tabular, time-series, adversarial, log) on edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import registry
from hourglass.errors import InputError

_ACTIVATION_MODELS = ("vae", "deep-svdd", "latent-iforest", "event-count-autoencoder")


@pytest.mark.parametrize("name", _ACTIVATION_MODELS)
@pytest.mark.parametrize("activation", [["relu"], 5, None])
def test_validate_params_refuses_an_activation_that_is_no_name(name: str, activation: object) -> None:
    # only a string was checked: ["relu"] passed validate_params and fit then failed with
    # TypeError "unhashable type: 'list'" (5 or None with a ValueError only once data was read)
    det = registry.get(name)(activation=activation)
    with pytest.raises(ValueError, match="activation: unknown"):
        det.validate_params()


def test_mlp_refuses_an_activation_that_is_no_name() -> None:
    from hourglass.nn import mlp

    with pytest.raises(ValueError, match="activation: unknown"):
        mlp([3, 2], activation=["relu"])  # type: ignore[arg-type]


def _series(n: int = 80, channels: int = 2) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, channels)).astype(np.float32)


@pytest.mark.parametrize(("name", "change"), [
    ("lstm-ae", {"window": 16}), ("cnn-lstm", {"window": 16}), ("tcn-ae", {"window": 16}),
    ("lstm-forecaster", {"window": 16}), ("lstm-forecaster", {"horizon": 2}),
    ("gru-ae", {"score_reduce": "max"})])
def test_window_detector_refuses_another_window_than_it_was_trained_with(name: str, change: dict) -> None:
    X = _series()
    det = registry.get(name)(window=8, epochs=1, verbose=0, device="cpu").fit(X)
    before, original = det.score(X), det.get_params()
    det.set_params(**change)
    # an LSTM reads windows of any length: scored (and saved) silently through windows of 16
    # steps it never learnt; a TCN stopped with torch's "mat1 and mat2 shapes cannot be
    # multiplied"; score_reduce="max" was compared with the threshold fitted on mean scores
    key = next(iter(change))
    for call in (lambda: det.score(X), det.get_state, lambda: det.warm_start(X, epochs=1)):
        with pytest.raises(InputError, match=f"{key} is {change[key]!r}, but the model was fitted with"):
            call()
    det.set_params(**{k: original[k] for k in change})
    assert np.array_equal(det.score(X), before)


def test_window_detector_loaded_from_its_state_scores_under_its_window() -> None:
    X = _series()
    det = registry.get("gru-ae")(window=8, epochs=1, verbose=0, device="cpu").fit(X)
    meta, arrays = det.get_state()
    twin = registry.get("gru-ae")(window=8, epochs=1, verbose=0, device="cpu")
    twin.set_state(meta, arrays)
    assert np.array_equal(twin.score(X), det.score(X))
    twin.set_params(window=16)  # a loaded model knows the window its network was trained with too
    for call in (lambda: twin.score(X), twin.get_state, lambda: twin.window_scores(X)):
        with pytest.raises(InputError, match="window is 16, but the model was fitted with 8"):
            call()


def test_sequence_autoencoder_refuses_another_reduce_than_it_was_fitted_with() -> None:
    from hourglass.detectors import SequenceAutoEncoder

    sessions = [np.array([1, 2, 3, 4])] * 20
    det = SequenceAutoEncoder(hidden=8, code=2, epochs=1, verbose=0, device="cpu").fit(sessions)
    before = det.score(sessions)
    det.set_params(reduce="mean")
    # mean surprises were compared with the threshold fitted on each session's maximum
    for call in (lambda: det.score(sessions), lambda: det.explain(sessions), det.get_state):
        with pytest.raises(InputError, match="reduce is 'mean', but the model was fitted with 'max'"):
            call()
    det.set_params(reduce="max", max_length=3)
    # the chunk length (5) came from max_length: the artefact saved under 3 failed to load with
    # "detector state has chunk length 5; expected a whole number from 1 to max_length (3)"
    with pytest.raises(InputError, match="max_length is 3, below the chunk length 5 the model"):
        det.get_state()
    det.set_params(max_length=128)
    assert np.array_equal(det.score(sessions), before)


@pytest.mark.parametrize(("name", "params", "change"), [
    ("anogan", {"min_steps": 0, "search_steps": 2}, {"search_steps": 30}),
    ("anogan", {"min_steps": 0, "search_steps": 2}, {"lam": 0.9}),
    ("encoder-gan", {"min_steps": 0}, {"lam": 0.9}),
    ("vae", {"hidden": (4, 2)}, {"beta": 50.0}),
    # the forest grown on the code and the error: an IndexError from the forest without the error
    ("latent-iforest", {"hidden": (4, 2), "n_estimators": 10}, {"use_error": False})])
def test_scoring_parameter_changed_after_fit_is_refused_not_saved(name: str, params: dict,
                                                                  change: dict) -> None:
    X = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    det = registry.get(name)(epochs=1, verbose=0, device="cpu", **params).fit(X)
    before, original = det.score(X), det.get_params()
    det.set_params(**change)
    # the network went on scoring with its own value, while the artefact saved the new one: the
    # loaded model scored differently from the saved one (AnoGAN lam=0.9: by up to 1.2)
    key = next(iter(change))
    for call in (lambda: det.score(X), det.get_state):
        with pytest.raises(InputError, match=f"{key} is {change[key]!r}, but the model was fitted with"):
            call()
    det.set_params(**{key: original[key]})
    meta, arrays = det.get_state()
    twin = registry.get(name)(epochs=1, verbose=0, device="cpu", **params)
    twin.set_state(meta, arrays)
    assert np.array_equal(twin.score(X), before)


def test_ensemble_refuses_to_score_or_save_after_its_detectors_were_changed() -> None:
    from hourglass.detectors import Ensemble

    X = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    spec = (("autoencoder", {"hidden": (4, 2)}), ("deep-svdd", {"hidden": (4,)}))
    ens = Ensemble(detectors=spec, epochs=1, verbose=0, device="cpu").fit(X)
    before = ens.score(X)
    ens.set_params(detectors=(("autoencoder", {"hidden": (8, 2)}), ("deep-svdd", {"hidden": (4,)})))
    # the fitted members went on scoring, and the artefact saved named the new ones: loading it
    # failed with "saved weights do not fit AutoEncoder: size mismatch ..."
    for call in (lambda: ens.score(X), ens.get_state):
        with pytest.raises(InputError, match="detectors were changed since fit"):
            call()
    ens.set_params(detectors=(("autoencoder", {"hidden": (4, 2)}), ("deep-svdd", {"hidden": (4,)})))
    assert np.array_equal(ens.score(X), before)  # an equal specification is the fitted one
