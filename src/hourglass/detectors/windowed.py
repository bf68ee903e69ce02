"""Shared base of the time-series detectors: windows built inside, scores per time step.

Input is one 2-D series ``time × channels`` (already aligned and scaled, e.g. by
:class:`~hourglass.features.timeseries.TimeSeriesPreprocessor`). ``fit`` holds out the *last*
``validation_fraction`` of the series as one contiguous slice (a random choice of rows would leak
the neighbours of every held-out step into training); the model trains on windows of the head
and its threshold is fitted on the per-step scores of the tail. ``score`` cuts the series into
windows lazily (a strided view, one batch materialised at a time) and maps window scores back
to one score per input row with :func:`~hourglass.features.timeseries.windows_to_points`.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from hourglass.detectors.base import DeepDetector, check_at_least_one
from hourglass.errors import InputError
from hourglass.features.timeseries import sliding_windows, window_starts, windows_to_points
from hourglass.features.validation import check_array
from hourglass.nn import predict_batches

__all__ = ["ChannelScaled", "Reconstruction", "WindowDetector"]

logger = logging.getLogger(__name__)

Batch = tuple[torch.Tensor, ...]


class ChannelScaled(nn.Module):
    """Mixin: a window's score is the mean over channels of ``channel_errors(batch)`` ``(B, C)``,
    each divided by that channel's entry of the ``error_scale`` buffer (ones unless the detector
    sets it: ``score_norm="channel"``). Call :meth:`_init_error_scale` in ``__init__``."""

    def _init_error_scale(self, n_channels: int) -> None:
        self.register_buffer("error_scale", torch.ones(n_channels))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):  # type: ignore[no-untyped-def]
        # weights saved before ``error_scale`` existed scored with plain errors: keep the ones
        state_dict.setdefault(prefix + "error_scale", self.error_scale.detach().clone())
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def channel_errors(self, batch: Batch) -> torch.Tensor:
        raise NotImplementedError

    def score(self, batch: Batch) -> torch.Tensor:
        return (self.channel_errors(batch) / self.error_scale).mean(dim=1)


class Reconstruction(ChannelScaled):
    """Mixin for window autoencoders: ``forward(x)`` reconstructs ``x`` ``(B, L, C)``; the loss is
    the mean squared error, a channel's error its mean squared error over the window."""

    def loss(self, batch: Batch) -> torch.Tensor:
        x = batch[0]
        return (self(x) - x).pow(2).mean()

    def channel_errors(self, batch: Batch) -> torch.Tensor:
        x = batch[0]
        return (self(x) - x).pow(2).mean(dim=1)


class WindowDetector(DeepDetector):
    """Base of detectors that read a series through sliding windows.

    Subclasses store ``window``, ``stride`` and ``score_reduce`` (plus the usual training
    parameters) and build a module whose ``loss``/``score`` take a batch of windows
    ``(B, length, channels)``. A forecaster overrides :meth:`_length` (context + horizon) and
    :meth:`_span` (the steps a window's score is about).
    """

    _tags: ClassVar[dict[str, Any]] = {"input": "timeseries"}

    def _length(self) -> int:
        """Steps in one window tensor."""
        return int(self.window)

    def _span(self) -> tuple[int, int]:
        """Offsets (from the window start) of the steps a window's score is about."""
        return 0, self._length()

    def _check_window(self) -> None:
        if int(self.window) < 2:
            raise ValueError(f"window must be >= 2, got {self.window}")
        check_at_least_one(self, "stride")
        if self.score_reduce not in ("mean", "max"):
            raise ValueError(f"score_reduce must be 'mean' or 'max', got {self.score_reduce!r}")
        if getattr(self, "score_norm", "none") not in ("none", "channel"):
            raise ValueError(f"score_norm must be 'none' or 'channel', got {self.score_norm!r}")

    def validate_params(self) -> None:
        self._check_window()
        super().validate_params()

    # -- input hooks --------------------------------------------------------------------------
    def _validate(self, X: object, *, reset: bool) -> np.ndarray:
        self._check_window()
        Xa = check_array(X, n_features=None if reset else self.n_features_in_, what="series")
        if reset:
            self.n_features_in_ = Xa.shape[1]
        length = self._length()
        if Xa.shape[0] < length:
            raise InputError(f"series has {Xa.shape[0]} time steps, shorter than one window of "
                             f"{length} (window={self.window}); pass a longer series or a "
                             "smaller window")
        return Xa

    def _split(self, n: int, frac: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Contiguous split: the last share ``frac`` of the steps (at least one window) is held out;
        nothing is held out when the head would be shorter than one window."""
        length = self._length()
        n_val = int(round(frac * n))
        if 0 < n_val < length:
            n_val = length
        if n_val and n - n_val < length:
            logger.warning("%s: series of %d steps is too short to hold out a tail of %d",
                           type(self).__name__, n, n_val)
            n_val = 0
        return np.arange(n - n_val), np.arange(n - n_val, n)

    def _take(self, X: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if len(idx) == 0:
            return X[:0]
        return X[int(idx[0]):int(idx[-1]) + 1]  # a contiguous slice (a view)

    # -- training and scoring -------------------------------------------------------------------
    def _train_tensors(self, X: np.ndarray, y: np.ndarray | None) -> tuple[torch.Tensor, ...]:
        length = self._length()
        starts = window_starts(X.shape[0], length, int(self.stride))
        series = torch.from_numpy(np.require(X, requirements=["C", "W"]))
        view = series.unfold(0, length, 1)  # (n - length + 1, C, length), a view
        return (view[torch.from_numpy(starts)].transpose(1, 2).contiguous(),)

    def _fit(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        if X_val is not None and X_val.shape[0] < self._length():
            X_val = None
        super()._fit(X, X_val, y)
        if getattr(self, "score_norm", "none") == "channel":
            self._fit_error_scale(X_val if X_val is not None else X)

    def _fit_error_scale(self, X: np.ndarray) -> None:
        """Each channel's mean error over the windows of ``X`` (the held-out normal tail): the
        unit its error is scored in, so a channel that is always hard to predict (noise) does not
        drown one that is normally exact. Floored at 1% of the channels' mean (a channel
        reconstructed exactly must not divide by ~0)."""
        self.module_.eval()
        err = predict_batches(self.module_.channel_errors, [sliding_windows(X, self._length())],
                              device=self.device_, batch_size=self._score_batch_size())
        scale = err.mean(axis=0)
        scale = np.maximum(scale, max(float(scale.mean()), 1e-12) * 1e-2)
        self.module_.error_scale.copy_(torch.from_numpy(scale.astype(np.float32)))

    def window_scores(self, X: object) -> np.ndarray:
        """One score per window (stride 1): window ``i`` starts at step ``i``."""
        self._check_fitted()
        return self._window_scores(self._validate(X, reset=False))

    def _window_scores(self, X: np.ndarray) -> np.ndarray:
        self.module_.eval()
        view = sliding_windows(X, self._length())  # no copy; batches are materialised one by one
        return predict_batches(self.module_.score, [view], device=self.device_,
                               batch_size=self._score_batch_size())

    def _score(self, X: np.ndarray) -> np.ndarray:
        scores = self._window_scores(X)
        starts = np.arange(len(scores), dtype=np.int64)
        return windows_to_points(scores, X.shape[0], starts, span=self._span(),
                                 how=str(self.score_reduce))

    def _score_batch_size(self) -> int:
        return 1024


def store_params(obj: object, params: dict[str, Any]) -> None:
    """Assign constructor arguments unchanged (``params`` is the constructor's ``locals()``)."""
    for key, value in params.items():
        if key not in ("self", "__class__"):
            setattr(obj, key, value)
