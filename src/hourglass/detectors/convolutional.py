"""Convolutional time-series detectors: a TCN autoencoder, a spatial (2-D) CNN autoencoder and a
CNN-LSTM hybrid, all scored by the reconstruction error of sliding windows."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from hourglass.detectors.base import check_dropout
from hourglass.detectors.windowed import Reconstruction, WindowDetector, store_params
from hourglass.errors import InputError
from hourglass.nn import TCN, RNNDecoder, RNNEncoder, conv1d_stack
from hourglass.thresholds import Threshold

__all__ = ["CNNLSTM", "Conv2DAutoEncoder", "TCNAutoEncoder"]


def _positive(det: object, *names: str) -> None:
    for name in names:
        value = getattr(det, name)
        values = value if isinstance(value, Sequence) else (value,)
        if len(values) == 0 or any(int(v) < 1 for v in values):
            what = "a non-empty tuple of positive widths" if values is value else "a positive integer"
            raise InputError(f"{name} must be {what}, got {value}", param=name)


class _TCNAEModule(Reconstruction):
    def __init__(self, n_channels: int, length: int, channels: tuple[int, ...], kernel_size: int,
                 code: int, dropout: float) -> None:
        super().__init__()
        self.length, self.width = length, channels[-1]
        self.encoder = TCN(n_channels, channels, kernel_size=kernel_size, dropout=dropout)
        self.to_code = nn.Linear(channels[-1] * length, code)
        self.from_code = nn.Linear(code, channels[-1] * length)
        self.decoder = TCN(channels[-1], tuple(reversed(channels)), kernel_size=kernel_size,
                           dropout=dropout)
        self.head = nn.Conv1d(channels[0], n_channels, 1)
        self._init_error_scale(n_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(x.transpose(1, 2)).flatten(1)  # (B, width * length)
        code = torch.tanh(self.to_code(h))
        h = torch.relu(self.from_code(code)).view(x.shape[0], self.width, self.length)
        return self.head(self.decoder(h)).transpose(1, 2)

    def output_layer(self) -> nn.Module:
        return self.head


class TCNAutoEncoder(WindowDetector):
    """Temporal-convolution (dilated causal 1-D CNN) autoencoder over sliding windows.

    The encoder is a TCN (residual blocks of dilated causal convolutions, dilations 1, 2, 4, …);
    its output over the window is squeezed into a ``code``-sized vector, expanded back and
    decoded by a mirrored TCN. A step's score is the reconstruction error of the windows
    covering it.

    Parameters
    ----------
    channels
        Width of each TCN block (block ``i`` has dilation ``2**i``).
    kernel_size, code, dropout
        Convolution width, bottleneck size, dropout inside the blocks.
    window, stride, score_reduce
        Steps per window (the series must be at least this long), step between training
        windows, and ``"mean"``/``"max"`` of the window scores covering a step.
    score_norm
        ``"channel"`` (each channel's error in units of its mean error on the held-out normal
        tail, or on the training windows when the tail holds fewer than 8 windows) or
        ``"none"``, as for :class:`~hourglass.detectors.LSTMAutoEncoder`.
    linear_path
        ``"pca"`` (a frozen window-PCA path; this network reconstructs its residual),
        ``"none"`` or ``"auto"`` (chosen at fit by synthetic anomalies injected into the
        held-out tail), as for :class:`~hourglass.detectors.LSTMAutoEncoder`.
    epochs, batch_size, lr, weight_decay, patience, validation_fraction
        Training (Adam; early stopping on the held-out *tail* of the series, whose scores also
        fit the threshold).
    threshold, device, verbose, random_state
        As for every hourglass detector.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import TCNAutoEncoder
    >>> X = np.sin(np.arange(400) / 4)[:, None].astype("float32")
    >>> TCNAutoEncoder(window=16, channels=(8, 8), epochs=2, verbose=0).fit(X).score(X).shape
    (400,)
    """

    def __init__(
        self,
        window: int = 32,
        stride: int = 4,
        channels: Sequence[int] = (32, 32),
        kernel_size: int = 3,
        code: int = 16,
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
        _positive(self, "channels", "code")
        if int(self.kernel_size) < 2:
            raise InputError(f"kernel_size must be >= 2, got {self.kernel_size}", param="kernel_size")
        check_dropout(self)

    def _build_window_module(self, n_features: int) -> nn.Module:
        return _TCNAEModule(n_features, int(self.window), tuple(int(c) for c in self.channels),
                            int(self.kernel_size), int(self.code), float(self.dropout))


class _Conv2DAEModule(Reconstruction):
    def __init__(self, n_channels: int, length: int, filters: int, code: int) -> None:
        super().__init__()
        self.length, self.n_channels, self.filters = length, n_channels, filters
        self.encoder = nn.Sequential(
            nn.Conv2d(1, filters, 3, padding=1), nn.ReLU(),
            nn.Conv2d(filters, filters, 3, stride=2, padding=1), nn.ReLU(),
        )
        reduced = filters * ((length + 1) // 2) * ((n_channels + 1) // 2)
        self.to_code = nn.Linear(reduced, code)
        self.from_code = nn.Linear(code, filters * length * n_channels)
        self.decoder = nn.Sequential(
            nn.Conv2d(filters, filters, 3, padding=1), nn.ReLU(),
            nn.Conv2d(filters, 1, 3, padding=1),
        )
        self._init_error_scale(n_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        code = torch.tanh(self.to_code(self.encoder(x.unsqueeze(1)).flatten(1)))
        h = torch.relu(self.from_code(code)).view(b, self.filters, self.length, self.n_channels)
        return self.decoder(h).squeeze(1)

    def output_layer(self) -> nn.Module:
        return self.decoder[-1]


class Conv2DAutoEncoder(WindowDetector):
    """Spatial CNN autoencoder: each window ``time × channel`` is convolved as a one-channel image.

    2-D convolutions see neighbouring steps *and* neighbouring channels at once, so they pick up
    patterns across metrics that move together (put related channels next to each other). Two
    convolutions (the second with stride 2) encode the image into a ``code``-sized vector; a
    linear layer and two convolutions decode it.

    Parameters
    ----------
    filters, code
        Feature maps per convolution, bottleneck size.
    window, stride, score_reduce
        Steps per window (the series must be at least this long), step between training
        windows, and ``"mean"``/``"max"`` of the window scores covering a step.
    score_norm
        ``"channel"`` (each channel's error in units of its mean error on the held-out normal
        tail, or on the training windows when the tail holds fewer than 8 windows) or
        ``"none"``, as for :class:`~hourglass.detectors.LSTMAutoEncoder`.
    linear_path
        ``"pca"`` (a frozen window-PCA path; this network reconstructs its residual),
        ``"none"`` or ``"auto"`` (chosen at fit by synthetic anomalies injected into the
        held-out tail), as for :class:`~hourglass.detectors.LSTMAutoEncoder`.
    epochs, batch_size, lr, weight_decay, patience, validation_fraction
        Training (Adam; early stopping on the held-out *tail* of the series, whose scores also
        fit the threshold).
    threshold, device, verbose, random_state
        As for every hourglass detector.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import Conv2DAutoEncoder
    >>> t = np.arange(400)
    >>> X = np.c_[np.sin(t / 4), np.cos(t / 4)].astype("float32")
    >>> Conv2DAutoEncoder(window=16, filters=4, epochs=2, verbose=0).fit(X).score(X).shape
    (400,)
    """

    def __init__(
        self,
        window: int = 32,
        stride: int = 4,
        filters: int = 8,
        code: int = 16,
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
        _positive(self, "filters", "code")

    def _build_window_module(self, n_features: int) -> nn.Module:
        return _Conv2DAEModule(n_features, int(self.window), int(self.filters), int(self.code))


class _CNNLSTMModule(Reconstruction):
    def __init__(self, n_channels: int, filters: int, kernel_size: int, hidden: int,
                 code: int) -> None:
        super().__init__()
        self.features = conv1d_stack([n_channels, filters, filters], kernel_size=kernel_size)
        self.encoder = RNNEncoder(filters, hidden, cell="lstm")
        self.to_code = nn.Linear(hidden, code)
        self.decoder = RNNDecoder(code, hidden, n_channels, cell="lstm")
        self._init_error_scale(n_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x.transpose(1, 2)).transpose(1, 2)  # (B, L, filters)
        code = torch.tanh(self.to_code(self.encoder(f)[1]))
        return self.decoder(code, x.shape[1])

    def output_layer(self) -> nn.Module:
        return self.decoder.head


class CNNLSTM(WindowDetector):
    """CNN-RNN hybrid: 1-D convolutions extract local features, an LSTM encoder-decoder
    reconstructs the window from them; score = reconstruction error.

    Parameters
    ----------
    filters, kernel_size
        Width and kernel of the two convolutions (odd kernels keep the length).
    hidden, code
        LSTM width and bottleneck size.
    window, stride, score_reduce
        Steps per window (the series must be at least this long), step between training
        windows, and ``"mean"``/``"max"`` of the window scores covering a step.
    score_norm
        ``"channel"`` (each channel's error in units of its mean error on the held-out normal
        tail, or on the training windows when the tail holds fewer than 8 windows) or
        ``"none"``, as for :class:`~hourglass.detectors.LSTMAutoEncoder`.
    linear_path
        ``"pca"`` (a frozen window-PCA path; this network reconstructs its residual),
        ``"none"`` or ``"auto"`` (chosen at fit by synthetic anomalies injected into the
        held-out tail), as for :class:`~hourglass.detectors.LSTMAutoEncoder`.
    epochs, batch_size, lr, weight_decay, patience, validation_fraction
        Training (Adam; early stopping on the held-out *tail* of the series, whose scores also
        fit the threshold).
    threshold, device, verbose, random_state
        As for every hourglass detector.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import CNNLSTM
    >>> X = np.sin(np.arange(400) / 4)[:, None].astype("float32")
    >>> CNNLSTM(window=16, filters=8, hidden=8, epochs=2, verbose=0).fit(X).score(X).shape
    (400,)
    """

    def __init__(
        self,
        window: int = 32,
        stride: int = 4,
        filters: int = 16,
        kernel_size: int = 3,
        hidden: int = 32,
        code: int = 16,
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
        _positive(self, "filters", "hidden", "code")
        if int(self.kernel_size) < 1 or int(self.kernel_size) % 2 == 0:
            raise InputError(f"kernel_size must be odd and positive, got {self.kernel_size}",
                             param="kernel_size")

    def _build_window_module(self, n_features: int) -> nn.Module:
        return _CNNLSTMModule(n_features, int(self.filters), int(self.kernel_size),
                              int(self.hidden), int(self.code))
