"""Regression tests: windowed time-series detectors and the log-session autoencoder."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import SequenceAutoEncoder
from hourglass.errors import InputError


@pytest.fixture(scope="module")
def seq_ae() -> SequenceAutoEncoder:
    normal = [np.array([1, 2, 3, 4, 5])] * 20
    return SequenceAutoEncoder(hidden=4, code=2, embed=4, epochs=1, verbose=0).fit(normal)


@pytest.mark.parametrize("length", [0, -3, 10**7, 10**400, 3.5, float("nan"), "x", True, None])
def test_sequence_ae_refuses_a_saved_chunk_length_fit_cannot_give(seq_ae, length) -> None:
    meta, arrays = seq_ae.get_state()
    meta["length"] = length
    with pytest.raises(InputError, match="chunk length"):
        SequenceAutoEncoder(hidden=4, code=2, embed=4).set_state(meta, arrays)


def test_sequence_ae_saved_chunk_length_round_trips(seq_ae) -> None:
    meta, arrays = seq_ae.get_state()
    back = SequenceAutoEncoder(hidden=4, code=2, embed=4).set_state(meta, arrays)
    X = [np.array([1, 2, 3, 4, 5]), np.array([5, 4])]
    assert back.length_ == seq_ae.length_ == 6
    np.testing.assert_array_equal(back.score(X), seq_ae.score(X))


def test_window_scoring_batches_are_bounded_for_wide_windows(monkeypatch) -> None:
    from hourglass.detectors import windowed
    from hourglass.detectors.recurrent import LSTMAutoEncoder

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 70)).astype(np.float32)
    det = LSTMAutoEncoder(window=64, hidden=2, code=2, epochs=1, verbose=0,
                          validation_fraction=0).fit(X)
    seen: list[int] = []
    real = windowed.predict_batches

    def spy(fn, data, *, batch_size, device=None):
        seen.append(batch_size)
        return real(fn, data, batch_size=batch_size, device=device)

    monkeypatch.setattr(windowed, "predict_batches", spy)
    det.score(X)
    det.score_channels(X)
    # 1,024 windows of 64 x 70 values held 4.6M inputs in one pass; the bound is 4M
    assert seen and all(0 < b * 64 * 70 <= windowed.SCORE_BATCH_VALUES for b in seen)
    small = LSTMAutoEncoder(window=16, hidden=2, code=2, epochs=1, verbose=0).fit(X[:, :2])
    assert small._score_batch_size() == 1024  # narrow series: as before


def test_forecaster_short_series_error_names_the_horizon() -> None:
    from hourglass.detectors import LSTMAutoEncoder, LSTMForecaster

    X = np.sin(np.arange(40) / 3)[:, None].astype(np.float32)
    det = LSTMForecaster(window=16, horizon=3, hidden=2, num_layers=1, epochs=1, verbose=0).fit(X)
    with pytest.raises(InputError, match=r"shorter than one window of 19 \(window=16 \+ horizon=3\)"):
        det.score(X[:18])
    with pytest.raises(InputError, match=r"shorter than one window of 16 \(window=16\);"):
        LSTMAutoEncoder(window=16, hidden=2, code=2, epochs=1, verbose=0).fit(X[:15])


def test_window_validation_loss_passes_are_bounded_for_wide_windows(monkeypatch) -> None:
    from hourglass.detectors import windowed
    from hourglass.detectors.recurrent import LSTMAutoEncoder

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 70)).astype(np.float32)
    seen = []
    real = windowed.WindowDetector._train_config

    def spy(self, n_rows=None):
        config = real(self, n_rows)
        seen.append(config)
        return config

    monkeypatch.setattr(windowed.WindowDetector, "_train_config", spy)
    LSTMAutoEncoder(window=64, hidden=2, code=2, epochs=1, verbose=0,
                    validation_fraction=0.5).fit(X)
    # the loop's default was 4,096 windows a pass: 18M inputs of 64 x 70
    assert seen and all(c.eval_batch_size * 64 * 70 <= windowed.SCORE_BATCH_VALUES for c in seen)
    narrow = LSTMAutoEncoder(window=16, hidden=2, code=2, epochs=1, verbose=0).fit(X[:, :2])
    assert narrow._train_config().eval_batch_size == 4096  # the loop's default, as before
    big = LSTMAutoEncoder(window=64, batch_size=2000, hidden=2, code=2, epochs=1, verbose=0).fit(X)
    assert big._train_config().eval_batch_size == 2000  # never below a training batch


def test_ganomaly1d_validation_loss_passes_are_bounded_too(monkeypatch) -> None:
    # GANomaly1D's own loop settings skipped the bound: 4,096 windows of 64 x 70 a pass
    from hourglass.detectors import base, windowed
    from hourglass.detectors.gan_timeseries import GANomaly1D

    X = np.random.default_rng(0).normal(size=(200, 70)).astype(np.float32)
    seen = []
    real = base.train_module

    def spy(module, train, val, config, **kwargs):
        seen.append(config)
        return real(module, train, val, config, **kwargs)

    monkeypatch.setattr(base, "train_module", spy)
    # min_steps=0: one epoch shows the batch sizes (the default floor of 400 steps took ~45 s)
    det = GANomaly1D(window=64, filters=4, latent_dim=2, epochs=1, min_steps=0, verbose=0,
                     validation_fraction=0.5)
    det.fit(X)
    assert seen and all(c.eval_batch_size * 64 * 70 <= windowed.SCORE_BATCH_VALUES for c in seen)
    assert seen[0].ema_decay == det._train_config().ema_decay  # the adversarial settings kept
    narrow = GANomaly1D(window=16, filters=4, latent_dim=2, epochs=1, min_steps=0, verbose=0).fit(X[:, :2])
    assert narrow._train_config().eval_batch_size == 4096


@pytest.mark.parametrize(("cls", "params", "message"), [
    ("Conv2DAutoEncoder", {"filters": 0}, "filters must be a positive integer, got 0"),
    ("CNNLSTM", {"hidden": 0}, "hidden must be a positive integer, got 0"),
    ("TCNAutoEncoder", {"channels": (4, 0)},
     r"channels must be a non-empty tuple of positive widths, got \(4, 0\)"),
    ("TCNAutoEncoder", {"channels": ()}, r"channels must be a non-empty tuple of positive widths"),
])
def test_conv_width_errors_say_what_the_parameter_is(cls, params, message) -> None:
    from hourglass import detectors

    X = np.sin(np.arange(40) / 3)[:, None].astype(np.float32)
    with pytest.raises(ValueError, match=message):
        getattr(detectors, cls)(window=8, epochs=1, verbose=0, **params).fit(X)
