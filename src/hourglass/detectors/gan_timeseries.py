"""GANomaly for time-series windows: 1-D convolutional encoder–decoder–encoder and critic."""

from __future__ import annotations

from typing import ClassVar, NoReturn

import numpy as np
import torch
from torch import nn

from hourglass.detectors.base import check_at_least_one
from hourglass.detectors.gan import adversarial_train_config, check_adversarial, train_on_reconstruction
from hourglass.detectors.windowed import WindowDetector, store_params
from hourglass.errors import InputError
from hourglass.features.timeseries import window_starts
from hourglass.nn import TrainConfig, conv1d_stack
from hourglass.nn.gan import GANomalyModule
from hourglass.thresholds import Threshold

__all__ = ["GANomaly1D"]

_LEVELS = 2  # stride-2 convolutions in each encoder and the critic
_CALIBRATION_WINDOWS = 20_000


def min_window(kernel_size: int) -> int:
    """Shortest window the convolution stack covers: the receptive field of ``_LEVELS`` stride-2
    convolutions, ``1 + (k - 1)(2^levels - 1)``.

    Examples
    --------
    >>> min_window(3)
    7
    """
    return 1 + (kernel_size - 1) * (2 ** _LEVELS - 1)


def _conv_body(n_channels: int, filters: int, kernel_size: int, spectral: bool) -> nn.Sequential:
    body = conv1d_stack([n_channels] + [filters * 2 ** i for i in range(_LEVELS)],
                        kernel_size=kernel_size, stride=2, activation=nn.LeakyReLU)
    if spectral:
        for layer in body:
            if isinstance(layer, nn.Conv1d):
                nn.utils.parametrizations.spectral_norm(layer)
    return body


class _ConvEncoder(nn.Module):
    """``(B, L, C)`` → strided 1-D convolutions → a linear map to ``latent`` units."""

    def __init__(self, n_channels: int, length: int, filters: int, kernel_size: int, latent: int,
                 spectral: bool = False) -> None:
        super().__init__()
        self.body = _conv_body(n_channels, filters, kernel_size, spectral)
        with torch.no_grad():
            self.shape = tuple(self.body(torch.zeros(1, n_channels, length)).shape[1:])
        self.out = nn.Linear(int(np.prod(self.shape)), latent)
        if spectral:
            nn.utils.parametrizations.spectral_norm(self.out)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.transpose(1, 2)).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(x))


class _ConvCritic(_ConvEncoder):
    """The discriminator: ``(logit, features)`` like :class:`hourglass.nn.gan.Discriminator`."""

    def __init__(self, n_channels: int, length: int, filters: int, kernel_size: int,
                 spectral: bool) -> None:
        super().__init__(n_channels, length, filters, kernel_size, 1, spectral)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        feats = self.features(x)
        return self.out(feats).squeeze(1), feats


class _ConvDecoder(nn.Module):
    """``latent`` → linear → upsample + convolution per level → ``(B, L, C)``."""

    def __init__(self, latent: int, n_channels: int, length: int, filters: int, kernel_size: int,
                 shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = shape
        self.inp = nn.Linear(latent, int(np.prod(shape)))
        sizes = [length] + [(length + 2 ** i - 1) // 2 ** i for i in range(1, _LEVELS)]
        widths = [filters * 2 ** i for i in range(_LEVELS)]
        layers: list[nn.Module] = []
        for i in reversed(range(_LEVELS)):
            out = n_channels if i == 0 else widths[i - 1]
            layers += [nn.Upsample(size=sizes[i]), nn.Conv1d(widths[i], out, kernel_size,
                                                             padding=kernel_size // 2)]
            if i > 0:
                layers.append(nn.LeakyReLU())
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.nn.functional.leaky_relu(self.inp(z)).view(z.shape[0], *self.shape)
        return self.body(h).transpose(1, 2)


class _GANomaly1DModule(GANomalyModule):
    """:class:`GANomalyModule`'s losses and score over convolutional networks for windows."""

    def __init__(self, n_channels: int, length: int, *, filters: int, kernel_size: int,
                 latent_dim: int, lr: float, lr_d: float, w_adv: float, w_con: float,
                 w_enc: float, spectral_norm: bool, gp: float = 0.0) -> None:
        nn.Module.__init__(self)
        self.lr, self.lr_d, self.gp = lr, lr_d, gp
        self.w_adv, self.w_con, self.w_enc = w_adv, w_con, w_enc
        self.encoder1 = encoder1 = _ConvEncoder(n_channels, length, filters, kernel_size, latent_dim)
        self.decoder = _ConvDecoder(latent_dim, n_channels, length, filters, kernel_size,
                                    encoder1.shape)
        self.encoder2 = _ConvEncoder(n_channels, length, filters, kernel_size, latent_dim)
        self.disc = _ConvCritic(n_channels, length, filters, kernel_size, spectral_norm)
        self.register_buffer("latent_scale", torch.ones(latent_dim))


class GANomaly1D(WindowDetector):
    """GANomaly over sliding windows of a series, with 1-D convolutional networks.

    Each window ``time × channels`` goes through a convolutional encoder (two stride-2
    convolutions and a linear map to the latent code), a decoder (linear map, upsampling and
    convolutions) and a second encoder; a spectrally normalised convolutional critic supplies
    the adversarial feature-matching loss. Losses and score are :class:`GANomaly`'s (latent
    distance ``‖z − ẑ‖²`` per unit-calibrated latent), mapped back to one score per time step.

    Parameters
    ----------
    filters
        Feature maps of the first convolution (the second has twice as many).
    kernel_size
        Odd convolution width; the window must be at least ``1 + 3 (kernel_size - 1)`` steps
        (7 for the default 3), the receptive field of the two stride-2 convolutions.
    latent_dim, w_adv, w_con, w_enc, lr_d, spectral_norm, gradient_penalty, ema_decay
        As for :class:`GANomaly`, with a smaller code here (``latent_dim=16``) and weight
        averaging off by default (``ema_decay=None``: not measured on windows).
    window, stride, score_reduce
        Steps per window, step between training windows, ``"mean"``/``"max"`` of the window
        scores covering a step.
    epochs, batch_size, lr, weight_decay, patience, validation_fraction
        Training (early stopping on the reconstruction error of the held-out *tail*).
    min_steps
        Floor on the optimiser steps, as for :class:`GANomaly`: a short series gives a few
        batches of windows per epoch (SKAB's 400-row files: 3), and ``epochs`` alone would
        stop the adversarial game after a few dozen updates.
    threshold, device, verbose, random_state
        As for every hourglass detector.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import GANomaly1D
    >>> X = np.sin(np.arange(400) / 4)[:, None].astype("float32")
    >>> GANomaly1D(window=16, filters=4, epochs=2, min_steps=0, verbose=0).fit(X).score(X).shape
    (400,)
    """

    _weights: ClassVar[tuple[str, ...]] = ("w_adv", "w_con", "w_enc")
    _loss_weights: ClassVar[tuple[str, ...]] = _weights  # (gan.check_generator_loss)
    _tags: ClassVar[dict[str, object]] = {"supports_explain": False, "warm_start": False}
    explain_refusal: ClassVar[str | None] = (
        "GANomaly1D scores a window by the distance between its latent codes (‖z − ẑ‖²), which has "
        "no part per channel; train a reconstruction or forecasting model (lstm-ae, gru-ae, tcn-ae, "
        "conv2d-ae, cnn-lstm, lstm-forecaster) to explain time steps")

    module_: _GANomaly1DModule

    # GANomaly's training settings: the loss weights, the discriminator's rate, its
    # gradient penalty, the weight averaging and the least number of steps
    _free_after_fit: ClassVar[frozenset[str]] = WindowDetector._free_after_fit | {
        "w_adv", "w_con", "w_enc", "lr_d", "gradient_penalty", "ema_decay", "min_steps"}

    def __init__(
        self,
        window: int = 32,
        stride: int = 4,
        filters: int = 16,
        kernel_size: int = 3,
        latent_dim: int = 16,
        w_adv: float = 1.0,
        w_con: float = 50.0,
        w_enc: float = 1.0,
        score_reduce: str = "mean",
        epochs: int = 20,
        batch_size: int = 128,
        lr: float = 1e-3,
        lr_d: float = 4e-3,
        weight_decay: float = 0.0,
        spectral_norm: bool = True,
        gradient_penalty: float = 0.0,
        ema_decay: float | None = None,
        patience: int | None = 5,
        validation_fraction: float = 0.1,
        min_steps: int = 400,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        store_params(self, locals())

    def _check_window(self) -> None:
        # before the windowed detectors' own checks: their floor (2 steps) is not this model's,
        # and window=1 must name the minimum the convolutions need, not a smaller one
        self._check_convolutions()
        super()._check_window()

    def _check_convolutions(self) -> None:
        k = int(self.kernel_size)
        if k < 3 or k % 2 == 0:
            raise InputError(f"kernel_size must be odd and >= 3, got {self.kernel_size}", param="kernel_size")
        if int(self.window) < min_window(k):
            raise InputError(f"window must be >= {min_window(k)} steps for kernel_size={k} (the "
                             f"receptive field of {_LEVELS} stride-2 convolutions), got {self.window}",
                             param="window")

    def _check_params(self) -> None:
        check_at_least_one(self, "filters", "latent_dim")
        self._check_convolutions()
        check_adversarial(self, self._weights)

    def _build_module(self, n_features: int) -> nn.Module:
        return _GANomaly1DModule(
            n_features, int(self.window), filters=int(self.filters),
            kernel_size=int(self.kernel_size), latent_dim=int(self.latent_dim), lr=float(self.lr),
            lr_d=float(self.lr_d), w_adv=float(self.w_adv), w_con=float(self.w_con),
            w_enc=float(self.w_enc), spectral_norm=bool(self.spectral_norm),
            gp=float(self.gradient_penalty))

    def _train_config(self, n_rows: int | None = None) -> TrainConfig:
        # (the validation-loss passes bounded for wide windows, as every window detector's)
        return self._bounded_eval(adversarial_train_config(self, n_rows))

    def _train(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None,
               module: nn.Module | None) -> None:
        train_on_reconstruction(self, X, X_val, y, module)

    def _fit(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        held = 0 if X_val is None else int(X_val.shape[0])
        n_windows = len(window_starts(X.shape[0], self._length(), int(self.stride)))
        if n_windows < 2:  # the latent scale is a spread over training windows: none from one
            # (the last window always ends at the last step: one window means one window's
            # steps, which no stride cuts into two)
            self._few_windows(n_windows, X.shape[0], held, stride_helps=False)
        super()._fit(X, X_val, y)
        windows = self._train_tensors(X, None)[0]
        if len(windows) < 2:  # fewer once windows spanning a seam are left out
            self._few_windows(len(windows), X.shape[0], held, stride_helps=True)
        rows = np.sort(np.random.default_rng(self._seed()).permutation(len(windows))
                       [:_CALIBRATION_WINDOWS])
        self.module_.calibrate(windows[torch.from_numpy(rows)], batch_size=self._score_batch_size())

    def _few_windows(self, n_windows: int, n_steps: int, held: int, *, stride_helps: bool) -> NoReturn:
        """Refuse a fit of fewer than 2 training windows, with the fixes that give more: a
        held-out tail (``held`` steps) is named, and a smaller stride advised only where it
        would help (``stride_helps``)."""
        after = (f" (after the last {held} steps held out by validation_fraction="
                 f"{self.validation_fraction})") if held else ""
        fixes = ["pass a longer series", "use a smaller window"]
        if stride_helps:
            fixes.append("a smaller stride")
        if held:
            fixes.append("a smaller validation_fraction (0 holds nothing out)")
        # (two windows from window + 1 steps: the last window ends at the last step; where
        # windows spanning a seam are left out, that count depends on where the seams are)
        steps = "" if stride_helps else f", from {self._length() + 1} training steps"
        raise InputError(f"{type(self).__name__}: {n_steps} training steps{after} give {n_windows} "
                         f"training window(s) of {self.window} (stride={self.stride}); fitting "
                         f"needs at least 2{steps} (its latent error scale is a spread over windows): "
                         f"{', '.join(fixes[:-1])} or {fixes[-1]}")
