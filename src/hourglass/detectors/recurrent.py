"""Recurrent time-series detectors: LSTM/GRU window autoencoders and an LSTM forecaster."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from hourglass.detectors.base import check_at_least_one, check_dropout
from hourglass.detectors.windowed import ChannelScaled, Reconstruction, WindowDetector, store_params
from hourglass.nn import RNNDecoder, RNNEncoder
from hourglass.thresholds import Threshold

__all__ = ["GRUAutoEncoder", "LSTMAutoEncoder", "LSTMForecaster"]

Batch = tuple[torch.Tensor, ...]


class _RNNAEModule(Reconstruction):
    def __init__(self, n_channels: int, cell: str, hidden: int, code: int, num_layers: int,
                 bidirectional: bool, dropout: float) -> None:
        super().__init__()
        self.encoder = RNNEncoder(n_channels, hidden, cell=cell, num_layers=num_layers,
                                  bidirectional=bidirectional, dropout=dropout)
        self.to_code = nn.Linear(self.encoder.out_size, code)
        self.decoder = RNNDecoder(code, hidden, n_channels, cell=cell, num_layers=num_layers,
                                  dropout=dropout)
        self._init_error_scale(n_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        code = torch.tanh(self.to_code(self.encoder(x)[1]))
        return self.decoder(code, x.shape[1])

    def output_layer(self) -> nn.Module:
        return self.decoder.head


class _RNNAutoEncoder(WindowDetector):
    _cell: ClassVar[str] = "lstm"

    def __init__(
        self,
        window: int = 32,
        stride: int = 4,
        hidden: int = 32,
        code: int = 16,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        score_reduce: str = "mean",
        score_norm: str = "channel",
        linear_path: str = "none",
        epochs: int = 20,
        batch_size: int = 128,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 3,
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        check_at_least_one(self, "hidden", "code", "num_layers")
        check_dropout(self)

    def _build_window_module(self, n_features: int) -> nn.Module:
        return _RNNAEModule(n_features, self._cell, int(self.hidden), int(self.code),
                            int(self.num_layers), bool(self.bidirectional), float(self.dropout))


_RNN_AE_DOC = """{cell} autoencoder over sliding windows; a step's score is the reconstruction error
    of the windows covering it.

    The encoder ({cell}, ``bidirectional=True`` reads each window both ways) compresses a window
    into a ``code``-sized vector; a {cell} decoder unrolls it back. Trained on normal windows
    only, so windows unlike normal behaviour reconstruct badly.

    Parameters
    ----------
    window
        Steps per window. The series must be at least this long.
    stride
        Step between training windows (scoring always uses every window).
    hidden, code, num_layers, bidirectional, dropout
        Recurrent width, code size, stacked layers, two-way encoder, dropout between layers.
    score_reduce
        ``"mean"`` or ``"max"`` of the window scores covering a step.
    score_norm
        ``"channel"``: each channel's error is divided by its mean error on the held-out normal
        tail (on the training windows when the tail holds fewer than 8 windows) before the
        channels are averaged, so every channel counts in units of its own normal error (a noisy
        channel cannot drown a quiet one). ``"none"``: plain mean.
    linear_path
        ``"pca"``: reconstruct a window as its PCA reconstruction (directions explaining 90% of
        the training windows' variance, fitted once and frozen) plus this autoencoder's
        reconstruction of the PCA residual (:class:`~hourglass.detectors.windowed.PCAResidual`);
        the model starts as window PCA. Helps with little training data and drifting normal
        levels (SKAB), hurt on NAB. ``"none"``: the autoencoder alone. ``"auto"``: train both
        and keep the one that best separates synthetic anomalies injected into the held-out
        normal tail from the clean tail (label-free; twice the fit time; see
        :meth:`~hourglass.detectors.windowed.WindowDetector._fit_auto`). The path used is
        ``linear_path_``, the two injection ROC-AUCs ``linear_path_scores_``.
    epochs, batch_size, lr, weight_decay, patience
        Training (Adam; early stopping on the held-out tail's loss). Defaults chosen so one fit
        on 8.6k steps × 19 channels stays under a minute on two CPU cores.
    validation_fraction
        Share at the *end* of the series held out for early stopping and the threshold.
    threshold, device, verbose, random_state
        As for every hourglass detector.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import {name}
    >>> t = np.arange(600)
    >>> X = np.c_[np.sin(t / 5), np.cos(t / 5)].astype("float32")
    >>> det = {name}(window=16, hidden=16, epochs=3, verbose=0).fit(X)
    >>> det.score(X).shape
    (600,)
    """


class LSTMAutoEncoder(_RNNAutoEncoder):
    __doc__ = _RNN_AE_DOC.format(cell="LSTM", name="LSTMAutoEncoder")
    _cell: ClassVar[str] = "lstm"


class GRUAutoEncoder(_RNNAutoEncoder):
    __doc__ = _RNN_AE_DOC.format(cell="GRU", name="GRUAutoEncoder")
    _cell: ClassVar[str] = "gru"


class _ForecastModule(ChannelScaled):
    def __init__(self, n_channels: int, hidden: int, num_layers: int, dropout: float,
                 context: int, horizon: int) -> None:
        super().__init__()
        self.context, self.horizon, self.n_channels = context, horizon, n_channels
        self.encoder = RNNEncoder(n_channels, hidden, cell="lstm", num_layers=num_layers,
                                  dropout=dropout)
        self.head = nn.Linear(hidden, horizon * n_channels)
        self._init_error_scale(n_channels)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        out = self.head(self.encoder(context)[1])
        return out.view(context.shape[0], self.horizon, self.n_channels)

    def _errors(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        x = batch[0]
        pred = self(x[:, :self.context])
        return pred, x[:, self.context:]

    def loss(self, batch: Batch) -> torch.Tensor:
        pred, target = self._errors(batch)
        return (pred - target).pow(2).mean()

    def errors_and_prediction(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        pred, target = self._errors(batch)
        return (pred - target).abs().mean(dim=1), pred


class LSTMForecaster(WindowDetector):
    """LSTM that forecasts the next step(s) from a window of the past; score = forecast error
    (Telemanom-style, Hundman et al. 2018).

    A stacked LSTM reads ``window`` steps and predicts the next ``horizon`` steps of every
    channel; a forecast's error is its mean absolute error over its ``horizon`` steps, and the
    score of a step combines (``score_reduce``) the errors of the forecasts whose horizon holds
    it. With ``horizon > 1`` a forecast's error is shared by all of its steps, so a step also
    carries the errors made for up to ``horizon - 1`` steps on either side: a spike raises the
    scores of the ``horizon - 1`` steps before it too. The first ``window`` steps of a series
    have no forecast and take the first forecast's score; those copies are no held-out scores:
    the threshold and the calibration are fitted on the held-out tail's forecast steps alone
    (``val_scores_`` holds ``window`` fewer scores than the tail has steps).

    Parameters
    ----------
    window
        Context steps fed to the LSTM; the series must be longer than ``window + horizon - 1``.
    horizon
        Steps predicted at once (1, the default, scores each step by its own forecast alone).
    stride, score_reduce, score_norm
        As for :class:`LSTMAutoEncoder` (errors are absolute forecast errors).
    hidden, num_layers, dropout
        LSTM width, stacked layers (Telemanom uses 2 × 80), dropout between layers.
    epochs, batch_size, lr, weight_decay, patience, validation_fraction
        Training, as for :class:`LSTMAutoEncoder`.
    threshold, device, verbose, random_state
        As for every hourglass detector.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import LSTMForecaster
    >>> X = np.sin(np.arange(500) / 4)[:, None].astype("float32")
    >>> det = LSTMForecaster(window=16, hidden=16, epochs=3, verbose=0).fit(X)
    >>> det.score(X).shape
    (500,)
    """

    def __init__(
        self,
        window: int = 32,
        horizon: int = 1,
        stride: int = 4,
        hidden: int = 32,
        num_layers: int = 2,
        dropout: float = 0.0,
        score_reduce: str = "mean",
        score_norm: str = "channel",
        epochs: int = 20,
        batch_size: int = 128,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 3,
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        store_params(self, locals())

    def _length(self) -> int:
        return int(self.window) + int(self.horizon)

    def _span(self) -> tuple[int, int]:
        return int(self.window), self._length()

    def _check_params(self) -> None:
        check_at_least_one(self, "hidden", "num_layers", "horizon")
        check_dropout(self)

    def _build_window_module(self, n_features: int) -> nn.Module:
        return _ForecastModule(n_features, int(self.hidden), int(self.num_layers),
                               float(self.dropout), int(self.window), int(self.horizon))
