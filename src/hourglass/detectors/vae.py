"""Variational autoencoder (Kingma & Welling 2014) with a β-weighted KL term (Higgins et al. 2017)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import nn

from hourglass.detectors._reconstruction import ReconstructionMixin
from hourglass.detectors.base import DeepDetector, check_float32, check_hidden
from hourglass.errors import InputError
from hourglass.nn import labelled_margin_loss, mlp
from hourglass.thresholds import Threshold

__all__ = ["VariationalAutoEncoder"]


class _VAEModule(nn.Module):
    """Gaussian encoder ``d -> hidden[:-1] -> (mu, log var)`` of size ``hidden[-1]``; decoder back."""

    def __init__(self, n_features: int, hidden: tuple[int, ...], activation: str, beta: float,
                 label_margin: float, label_weight: float) -> None:
        super().__init__()
        trunk, latent = hidden[:-1], hidden[-1]
        self.encoder: nn.Module = (mlp([n_features, *trunk], activation=activation,
                                       last_activation=True) if trunk else nn.Identity())
        width = trunk[-1] if trunk else n_features
        self.mu = nn.Linear(width, latent)
        self.logvar = nn.Linear(width, latent)
        self.decoder = mlp([latent, *reversed(trunk), n_features], activation=activation)
        self.beta, self.label_margin, self.label_weight = beta, label_margin, label_weight

    def _parts(self, x: torch.Tensor, sample: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """Squared error per feature and KL per row; ``z`` sampled when ``sample``, else its mean."""
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h).clamp(-10.0, 10.0)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if sample else mu
        sq = (self.decoder(z) - x).pow(2)
        kl = -0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
        return sq, kl

    def _neg_elbo(self, x: torch.Tensor, sample: bool) -> torch.Tensor:
        sq, kl = self._parts(x, sample)
        return 0.5 * sq.sum(dim=1) + self.beta * kl

    def feature_errors(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self._parts(batch[0], sample=False)[0]

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        nelbo = self._neg_elbo(batch[0], sample=self.training)
        return labelled_margin_loss(nelbo, batch, margin=self.label_margin, weight=self.label_weight)

    def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self._neg_elbo(batch[0], sample=False)


class VariationalAutoEncoder(ReconstructionMixin, DeepDetector):
    """Variational autoencoder scored by its negative ELBO (β-weighted), evaluated at the posterior mean.

    Training minimises, per row, ``½‖x − x̂‖² + β·KL(q(z|x) ‖ N(0, I))`` with ``z`` sampled by the
    reparameterisation trick (a unit-variance Gaussian likelihood, constants dropped). The
    **score** is that same quantity with ``z`` set to the posterior mean: the negative ELBO
    without sampling noise, so the same row always gets the same score (a Monte-Carlo estimate
    would make scores depend on the draw). ``score_features`` is the squared error per feature of
    that mean reconstruction. With labelled anomalies in ``fit(X, y)`` their negative ELBO is
    pushed above ``label_margin`` times the normal rows' mean.

    Parameters
    ----------
    hidden
        Encoder widths; the last one is the latent size, the decoder mirrors the rest.
    beta
        Weight of the KL term (> 0); 1 is the plain ELBO.
    batch_size
        Rows per step (256: on sets of a few thousand rows, 1024-row batches leave the VAE
        undertrained within 40 epochs).
    activation, epochs, lr, weight_decay, patience, validation_fraction, \
label_margin, label_weight, threshold, device, verbose, random_state
        As for :class:`~hourglass.detectors.AutoEncoder`.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import VariationalAutoEncoder
    >>> X = np.random.default_rng(0).normal(size=(400, 6)).astype("float32")
    >>> vae = VariationalAutoEncoder(hidden=(16, 4), epochs=5, verbose=0).fit(X)
    >>> bool(vae.score(X[:1] + 10)[0] > vae.score(X[:1])[0])
    True
    """

    _tags: ClassVar[dict[str, Any]] = {"supports_explain": True, "supports_labels": True, "onnx_export": True,
                                       "gradients": True, "warm_start": True}

    # the labelled rows' margin loss: training only
    _free_after_fit: ClassVar[frozenset[str]] = (
        DeepDetector._free_after_fit | {"label_margin", "label_weight"})

    def __init__(
        self,
        hidden: Sequence[int] = (128, 64, 16),
        beta: float = 1.0,
        activation: str = "relu",
        epochs: int = 40,
        batch_size: int = 256,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 5,
        validation_fraction: float = 0.1,
        label_margin: float = 10.0,
        label_weight: float = 1.0,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.hidden = hidden
        self.beta = beta
        self.activation = activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.label_margin = label_margin
        self.label_weight = label_weight
        self.threshold = threshold
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def _check_params(self) -> None:
        check_hidden(self)
        if not float(self.beta) > 0:
            raise InputError(f"beta must be > 0, got {self.beta}", param="beta")
        check_float32(self, "beta")  # past it, beta · KL is inf: "training diverged", the data blamed
        self._check_label_params()

    def _build_module(self, n_features: int) -> nn.Module:
        return _VAEModule(n_features, tuple(int(h) for h in self.hidden), self.activation,
                          float(self.beta), float(self.label_margin), float(self.label_weight))
