"""The training loop and the deep-detector contract: settings changed after fit, and what saves."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline, load
from hourglass.errors import InputError
from hourglass.nn import TrainHistory
from hourglass.thresholds import Contamination, Percentile


@pytest.fixture(scope="module")
def fitted_pipe() -> Pipeline:
    df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0, device="cpu",
                                threshold=Percentile(99))).fit(df)


@pytest.mark.parametrize(("params", "match"), [
    ({"device": "tpu"}, "unknown device 'tpu'"),
    ({"device": "meta"}, "'meta' is not a device"),
    ({"threshold__q": 150}, "q must be in"),
    ({"threshold": Contamination(5.0)}, "c must be in"),
])
def test_a_free_setting_changed_to_what_no_load_takes_is_refused_not_saved(
        fitted_pipe: Pipeline, tmp_path: Path, params: dict, match: str) -> None:
    pipe = copy.deepcopy(fitted_pipe)
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 3.0]})
    pipe.detector_.set_params(**params)
    with pytest.raises((InputError, ValueError), match=match):
        pipe.score(df)
    with pytest.raises((InputError, ValueError), match=match):
        pipe.save(tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_a_device_this_machine_lacks_still_scores_saves_and_loads(fitted_pipe: Pipeline,
                                                                  tmp_path: Path) -> None:
    pipe = copy.deepcopy(fitted_pipe)
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 3.0]})
    before = pipe.score(df)
    pipe.detector_.set_params(device="mps", threshold__q=95)
    assert np.array_equal(pipe.score(df), before)
    pipe.save(tmp_path / "model")
    assert np.array_equal(load(tmp_path / "model").score(df), before)




def test_a_small_training_loss_survives_the_saved_history() -> None:
    # a well-fitted network on features of tiny spread, not standardised: losses below 5e-7,
    # which the saved history (an artefact's, a loaded model's history_) held as 0.0
    history = TrainHistory([0.25, 4.2e-7, 3.1e-8], [5.5e-7, 2.4e-8, 2.6e-8], best_epoch=2, seconds=1.5)
    loaded = TrainHistory.from_dict(json.loads(json.dumps(history.to_dict())))
    assert np.allclose(loaded.val_loss, history.val_loss, rtol=1e-5, atol=0)
    assert np.allclose(loaded.train_loss, history.train_loss, rtol=1e-5, atol=0)
    assert loaded.val_loss.index(min(loaded.val_loss)) + 1 == loaded.best_epoch


def test_an_ensemble_whose_threshold_rule_was_set_out_of_range_after_fit_is_not_saved(
        tmp_path: Path) -> None:
    from hourglass.detectors import DeepSVDD, Ensemble

    df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
    members = [AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu"),
               DeepSVDD(hidden=(4,), epochs=1, verbose=0, device="cpu")]
    pipe = Pipeline(Ensemble(detectors=members, threshold=Percentile(99))).fit(df)
    pipe.detector_.set_params(threshold__q=150)
    with pytest.raises((InputError, ValueError), match="q must be in"):
        pipe.save(tmp_path / "model")
    assert not (tmp_path / "model").exists()
    pipe.detector_.set_params(threshold__q=95)
    pipe.save(tmp_path / "model")
    assert np.array_equal(load(tmp_path / "model").score(df), pipe.score(df))


def test_per_feature_errors_of_wide_rows_go_in_passes_of_bounded_size(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.detectors._reconstruction as reconstruction
    import hourglass.detectors.autoencoder as autoencoder

    seen: list[int] = []
    real = reconstruction.predict_batches

    def spy(fn, data, *, batch_size=16384, device=None):  # type: ignore[no-untyped-def]
        if getattr(fn, "__name__", "") in ("feature_errors", "raw_errors"):
            seen.append(batch_size * data[0].shape[1])
        return real(fn, data, batch_size=batch_size, device=device)

    monkeypatch.setattr(reconstruction, "predict_batches", spy)
    monkeypatch.setattr(autoencoder, "predict_batches", spy)
    X = np.random.default_rng(0).normal(size=(40, 600)).astype(np.float32)
    det = AutoEncoder(hidden=(4,), epochs=1, verbose=0, device="cpu", batch_norm=False,
                      score_norm="feature").fit(X)
    per_feature = det.score_features(X)
    # 16,384 rows of 600 features were ~10 M values a pass: 4x slower on CPU at 2,048 features
    assert len(seen) == 2 and max(seen) <= 1 << 22  # the error scale, then score_features
    assert np.allclose(per_feature.mean(axis=1), det.score(X), rtol=1e-4)
