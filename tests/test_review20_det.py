"""Regression tests: the window, recurrent, convolutional and table deep detectors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hourglass.detectors import TCNAutoEncoder


def _series(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.c_[np.sin(t / 5), np.cos(t / 7), 0.3 * rng.normal(size=n)].astype(np.float32)


def test_channel_scale_of_a_tail_of_one_window_is_not_fitted_on_that_window() -> None:
    # 100 steps, window 16: the held-out tail is one window; its channels' error scales were that
    # window's own errors, so every held-out score was exactly 1.0 and the threshold 1.0 whatever
    # the tail's errors. The scales now come from the training windows.
    X = _series(100)
    det = TCNAutoEncoder(window=16, channels=(4,), epochs=2, verbose=0, random_state=0, device="cpu").fit(X)
    assert len(det.val_index_) - 16 + 1 == 1
    assert not np.allclose(det.val_scores_, 1.0)
    assert det.threshold_.value_ != pytest.approx(1.0)
    head = X[: det.val_index_[0]]
    errs = det.module_.channel_errors((torch.from_numpy(
        np.lib.stride_tricks.sliding_window_view(head, 16, axis=0).transpose(0, 2, 1).copy()),))
    assert np.allclose(det.module_.error_scale.numpy(), errs.detach().numpy().mean(0), rtol=1e-5)


def test_channel_scale_of_a_tail_of_enough_windows_is_still_that_tail() -> None:
    X = _series(400)
    det = TCNAutoEncoder(window=16, channels=(4,), epochs=2, verbose=0, random_state=0, device="cpu").fit(X)
    tail = X[det.val_index_]
    view = np.lib.stride_tricks.sliding_window_view(tail, 16, axis=0).transpose(0, 2, 1).copy()
    errs = det.module_.channel_errors((torch.from_numpy(view),)).detach().numpy().mean(0)
    assert np.allclose(det.module_.error_scale.numpy(), errs, rtol=1e-5)


def test_warm_start_on_a_tail_of_one_window_fits_the_channel_scale_on_the_new_training_windows() -> None:
    det = TCNAutoEncoder(window=16, channels=(4,), epochs=2, verbose=0, random_state=0,
                         device="cpu").fit(_series(400))
    X = _series(100, seed=1) + 0.2
    new = det.warm_start(X, epochs=1)
    assert len(new.val_index_) == 16
    assert not np.allclose(new.val_scores_, 1.0)
    head = X[: new.val_index_[0]]
    view = np.lib.stride_tricks.sliding_window_view(head, 16, axis=0).transpose(0, 2, 1).copy()
    errs = new.module_.channel_errors((torch.from_numpy(view),)).detach().numpy().mean(0)
    assert np.allclose(new.module_.error_scale.numpy(), errs, rtol=1e-5)


def test_forecaster_horizon_spreads_a_spike_over_the_steps_before_it_as_documented() -> None:
    # the docstring said a step's score is the error of the forecasts made for it; with
    # horizon 3 the two steps before a spike are raised too (a forecast's error is shared by its
    # horizon), which the docstring now says
    from hourglass.detectors import LSTMForecaster

    X = np.sin(np.arange(300) / 4)[:, None].astype(np.float32)
    det = LSTMForecaster(window=8, horizon=3, hidden=8, num_layers=1, epochs=2, verbose=0).fit(X)
    spiked = X.copy()
    spiked[200] += 3.0
    lift = det.score(spiked) - det.score(X)
    assert np.all(lift[198:200] > 0.05) and np.allclose(lift[:197], 0.0, atol=1e-6)
    assert "steps before it too" in " ".join((LSTMForecaster.__doc__ or "").split())


def test_an_empty_session_at_fit_is_not_said_to_be_a_scoring_error() -> None:
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.errors import InputError

    sessions = [np.array([1, 2, 3])] * 10 + [np.array([], dtype=np.int64)]
    with pytest.raises(InputError, match="session 10 is empty") as info:
        EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(sessions)
    assert "scoring" not in str(info.value)
