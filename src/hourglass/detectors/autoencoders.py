"""Regularised autoencoders: sparse (L1 / KL on the code) and denoising (corrupted inputs).

Both keep the hourglass :class:`~hourglass.detectors.AutoEncoder` shape, training loop, labels
support and score (mean squared reconstruction error of the clean input).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from hourglass.detectors.autoencoder import AutoEncoder, _AEModule
from hourglass.detectors.base import check_float32
from hourglass.errors import InputError
from hourglass.nn import mlp
from hourglass.thresholds import Threshold

__all__ = ["DenoisingAutoEncoder", "SparseAutoEncoder"]

_SPARSITY = ("l1", "kl", "both")
_NOISE = ("gaussian", "mask", "both")
RHO_LEAST = float(np.finfo(np.float32).tiny)
"""Smallest ``rho``: the KL penalty computes in float32, where a smaller target is 0."""


class _SparseModule(_AEModule):
    """Autoencoder whose code is a sigmoid layer, penalised towards sparse activity."""

    def __init__(self, n_features: int, hidden: tuple[int, ...], activation: str, dropout: float,
                 batch_norm: bool, label_margin: float, label_weight: float, sparsity: str,
                 rho: float, weight: float) -> None:
        super().__init__(n_features, hidden, activation, dropout, batch_norm, label_margin,
                         label_weight)
        self.encoder = nn.Sequential(
            mlp([n_features, *hidden], activation=activation, dropout=dropout,
                batch_norm=batch_norm),
            nn.Sigmoid())
        self.sparsity, self.rho, self.weight = sparsity, rho, weight

    def penalty(self, code: torch.Tensor) -> torch.Tensor:
        out = code.new_zeros(())
        if self.sparsity in ("l1", "both"):
            out = out + code.abs().mean()
        if self.sparsity in ("kl", "both"):
            rho_hat = code.mean(dim=0).clamp(1e-6, 1 - 1e-6)
            rho = self.rho
            kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
            out = out + kl.mean()
        return out

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        x = batch[0]
        code = self.encoder(x)
        errors = (self.decoder(code) - x).pow(2)
        return self.loss_from_errors(errors, batch) + self.weight * self.penalty(code)


class _DenoisingModule(_AEModule):
    """Autoencoder trained to reconstruct clean rows from corrupted ones."""

    scale: torch.Tensor  # a buffer

    def __init__(self, n_features: int, hidden: tuple[int, ...], activation: str, dropout: float,
                 batch_norm: bool, label_margin: float, label_weight: float, noise: str,
                 noise_std: float, mask_rate: float) -> None:
        super().__init__(n_features, hidden, activation, dropout, batch_norm, label_margin,
                         label_weight)
        self.noise, self.noise_std, self.mask_rate = noise, noise_std, mask_rate
        self.register_buffer("scale", torch.ones(n_features))

    def corrupt(self, x: torch.Tensor) -> torch.Tensor:
        if self.noise in ("gaussian", "both") and self.noise_std > 0:
            x = x + torch.randn_like(x) * (self.noise_std * self.scale)
        if self.noise in ("mask", "both") and self.mask_rate > 0:
            x = x * (torch.rand_like(x) >= self.mask_rate).to(x.dtype)
        return x

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        x = batch[0]
        seen = self.corrupt(x) if self.training else x  # validation loss is on clean rows
        return self.loss_from_errors((self(seen) - x).pow(2), batch)


class SparseAutoEncoder(AutoEncoder):
    """Sparse autoencoder: sigmoid code penalised by L1 activity and/or KL to a target rate.

    Same shape, training and score as :class:`~hourglass.detectors.AutoEncoder` (mean squared
    reconstruction error; ``score_features`` per feature); the code layer is a sigmoid and the
    loss adds ``sparsity_weight`` times the penalty: ``"l1"`` the mean absolute code activation,
    ``"kl"`` the mean over code units of KL(``rho`` ‖ mean activation of the unit), ``"both"``
    their sum.

    Parameters
    ----------
    sparsity
        ``"l1"``, ``"kl"`` or ``"both"``.
    rho
        Target mean activation of each code unit for ``"kl"``, in (0, 1).
    sparsity_weight
        Weight of the penalty (>= 0).
    hidden, activation, dropout, batch_norm, epochs, batch_size, lr, weight_decay, patience, \
standardize, score_norm, validation_fraction, label_margin, label_weight, threshold, device, verbose, \
random_state
        As for :class:`~hourglass.detectors.AutoEncoder`, except that the defaults stay
        ``batch_size=1024``, ``standardize=False`` and ``batch_norm=False`` (the settings these
        were benchmarked and validated with).

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import SparseAutoEncoder
    >>> X = np.random.default_rng(0).normal(size=(400, 6)).astype("float32")
    >>> det = SparseAutoEncoder(hidden=(16, 8), sparsity="both", epochs=5, verbose=0).fit(X)
    >>> bool(det.score(X[:1] + 10)[0] > det.score(X[:1])[0])
    True
    """

    # the sparsity penalty: a training loss term only
    _free_after_fit: ClassVar[frozenset[str]] = (
        AutoEncoder._free_after_fit | {"sparsity", "rho", "sparsity_weight"})

    def __init__(
        self,
        hidden: Sequence[int] = (128, 64, 32, 16),
        sparsity: str = "kl",
        rho: float = 0.05,
        sparsity_weight: float = 0.01,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        epochs: int = 40,
        batch_size: int | str = 1024,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 5,
        standardize: bool = False,
        score_norm: str = "none",
        validation_fraction: float = 0.1,
        label_margin: float = 10.0,
        label_weight: float = 1.0,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(hidden=hidden, activation=activation, dropout=dropout,
                         batch_norm=batch_norm, epochs=epochs, batch_size=batch_size, lr=lr,
                         weight_decay=weight_decay, patience=patience, standardize=standardize,
                         score_norm=score_norm,
                         validation_fraction=validation_fraction, label_margin=label_margin,
                         label_weight=label_weight, threshold=threshold, device=device,
                         verbose=verbose, random_state=random_state)
        self.sparsity = sparsity
        self.rho = rho
        self.sparsity_weight = sparsity_weight

    def _check_params(self) -> None:
        super()._check_params()
        if self.sparsity not in _SPARSITY:
            raise InputError(f"sparsity must be one of {_SPARSITY}, got {self.sparsity!r}", param="sparsity")
        if not 0 < float(self.rho) < 1:
            raise InputError(f"rho must be in (0, 1), got {self.rho}", param="rho")
        if float(self.rho) < RHO_LEAST:  # 0 in float32: the KL penalty was NaN, "training diverged"
            raise InputError(f"rho must be at least {RHO_LEAST:.3g} (the smallest normal float32), "
                             f"got {self.rho}", param="rho")
        if not float(self.sparsity_weight) >= 0:
            raise InputError(f"sparsity_weight must be >= 0, got {self.sparsity_weight}",
                             param="sparsity_weight")
        check_float32(self, "sparsity_weight")

    def _builds_batch_norm(self) -> bool:
        # the code layer is a sigmoid with no norm before it: one hidden layer has none
        return bool(self.batch_norm) and len(tuple(self.hidden)) > 1

    def _build_module(self, n_features: int) -> nn.Module:
        return _SparseModule(n_features, tuple(int(h) for h in self.hidden), self.activation,
                             float(self.dropout), bool(self.batch_norm), float(self.label_margin),
                             float(self.label_weight), self.sparsity, float(self.rho),
                             float(self.sparsity_weight))


class DenoisingAutoEncoder(AutoEncoder):
    """Denoising autoencoder: learns to rebuild clean rows from corrupted copies.

    Training corrupts each batch afresh: ``"gaussian"`` adds noise of ``noise_std`` times each
    feature's standard deviation (measured on the training rows, so every feature is disturbed
    in its own units), ``"mask"`` zeroes each value with probability ``mask_rate``, ``"both"``
    does both (with labelled anomalies in ``fit(X, y)``, the standard deviations are those of the
    rows labelled normal). Validation loss, ``score`` (mean squared error) and ``score_features``
    use the clean input.

    Parameters
    ----------
    noise
        ``"gaussian"``, ``"mask"`` or ``"both"``.
    noise_std
        Gaussian noise in units of each feature's training standard deviation (>= 0).
    mask_rate
        Probability of zeroing a value, in [0, 1).
    hidden, activation, dropout, batch_norm, epochs, batch_size, lr, weight_decay, patience, \
standardize, score_norm, validation_fraction, label_margin, label_weight, threshold, device, verbose, \
random_state
        As for :class:`~hourglass.detectors.AutoEncoder`, except that the defaults stay
        ``batch_size=1024``, ``standardize=False`` and ``batch_norm=False`` (the settings these
        were benchmarked and validated with).

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import DenoisingAutoEncoder
    >>> X = np.random.default_rng(0).normal(size=(400, 6)).astype("float32")
    >>> det = DenoisingAutoEncoder(hidden=(16, 8), noise="both", epochs=5, verbose=0).fit(X)
    >>> bool(det.score(X[:1] + 10)[0] > det.score(X[:1])[0])
    True
    """

    # the corruption of training rows (scores and the validation loss see clean rows)
    _free_after_fit: ClassVar[frozenset[str]] = (
        AutoEncoder._free_after_fit | {"noise", "noise_std", "mask_rate"})

    def __init__(
        self,
        hidden: Sequence[int] = (128, 64, 32, 16),
        noise: str = "gaussian",
        noise_std: float = 0.1,
        mask_rate: float = 0.1,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        epochs: int = 40,
        batch_size: int | str = 1024,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 5,
        standardize: bool = False,
        score_norm: str = "none",
        validation_fraction: float = 0.1,
        label_margin: float = 10.0,
        label_weight: float = 1.0,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(hidden=hidden, activation=activation, dropout=dropout,
                         batch_norm=batch_norm, epochs=epochs, batch_size=batch_size, lr=lr,
                         weight_decay=weight_decay, patience=patience, standardize=standardize,
                         score_norm=score_norm,
                         validation_fraction=validation_fraction, label_margin=label_margin,
                         label_weight=label_weight, threshold=threshold, device=device,
                         verbose=verbose, random_state=random_state)
        self.noise = noise
        self.noise_std = noise_std
        self.mask_rate = mask_rate

    def _check_params(self) -> None:
        super()._check_params()
        if self.noise not in _NOISE:
            raise InputError(f"noise must be one of {_NOISE}, got {self.noise!r}", param="noise")
        if not float(self.noise_std) >= 0:
            raise InputError(f"noise_std must be >= 0, got {self.noise_std}", param="noise_std")
        check_float32(self, "noise_std")
        if not 0 <= float(self.mask_rate) < 1:
            raise InputError(f"mask_rate must be in [0, 1), got {self.mask_rate}", param="mask_rate")

    def _build_module(self, n_features: int) -> nn.Module:
        return _DenoisingModule(n_features, tuple(int(h) for h in self.hidden), self.activation,
                                float(self.dropout), bool(self.batch_norm),
                                float(self.label_margin), float(self.label_weight), self.noise,
                                float(self.noise_std), float(self.mask_rate))

    def _init_module(self, module: nn.Module, train: tuple[torch.Tensor, ...]) -> None:
        assert isinstance(module, _DenoisingModule)  # built by _build_module
        # the normal rows' spread: labelled anomalies (fit(X, y)) would widen it, as they would
        # the standardisation, which leaves them out too
        x = train[0] if len(train) < 2 or not bool((train[1] == 0).any()) else train[0][train[1] == 0]
        std = x.std(dim=0) if x.shape[0] > 1 else torch.ones_like(x[0])
        module.scale.copy_(torch.where(std > 0, std, torch.ones_like(std)))
