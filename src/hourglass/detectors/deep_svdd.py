"""Deep SVDD (Ruff et al., ICML 2018), and Deep SAD's use of labelled anomalies (ICLR 2020)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import nn

from hourglass.detectors.base import BaseDetector, DeepDetector, check_hidden
from hourglass.errors import InputError
from hourglass.nn import labelled_margin_loss, mlp
from hourglass.nn.blocks import ACTIVATIONS
from hourglass.thresholds import Threshold

__all__ = ["DeepSVDD"]

# Ruff et al. (2018), Prop. 3: a bounded activation lets the network collapse onto the centre
_BOUNDED = ("tanh", "sigmoid")


class _SVDDModule(nn.Module):
    """Bias-free network ``phi`` and a fixed centre ``c`` (a buffer, saved with the weights)."""

    center: torch.Tensor  # a buffer

    def __init__(self, n_features: int, hidden: tuple[int, ...], activation: str,
                 label_margin: float, label_weight: float) -> None:
        super().__init__()
        # no biases and no bounded output: otherwise phi can map everything onto c (collapse)
        self.net = mlp([n_features, *hidden], activation=activation, bias=False)
        self.register_buffer("center", torch.zeros(hidden[-1]))
        self.label_margin, self.label_weight = label_margin, label_weight

    def dist(self, x: torch.Tensor) -> torch.Tensor:
        return (self.net(x) - self.center).pow(2).sum(dim=1)

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return labelled_margin_loss(self.dist(batch[0]), batch, margin=self.label_margin,
                                    weight=self.label_weight)

    def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.dist(batch[0])


class DeepSVDD(DeepDetector):
    """One-class Deep SVDD: a bias-free network maps normal rows close to a centre; score = distance².

    As published: the centre ``c`` is the mean output of the freshly initialised network over the
    (normal) training rows, with coordinates closer to 0 than ``center_eps`` pushed out to
    ``±center_eps``; layers have no bias terms; training minimises the mean squared distance to
    ``c`` with a little weight decay. (The paper initialises the network from a pretrained
    autoencoder; here it starts from the seeded random initialisation.) With labelled anomalies in
    ``fit(X, y)`` their distance is pushed above ``label_margin`` times the normal mean — Deep
    SAD's idea, with a bounded hinge instead of its inverse-distance term.

    Parameters
    ----------
    hidden
        Layer widths; the last one is the size of the output space.
    activation
        Hidden activation (``leaky_relu`` as in the paper). Bounded ones (``tanh``, ``sigmoid``)
        are refused: a saturated unit, or sigmoid's 0.5 at 0, is a constant the network can map
        every row onto the centre with, as a bias would.
    center_eps
        Smallest absolute value of a centre coordinate (> 0).
    epochs, batch_size, lr, weight_decay, patience, validation_fraction, label_margin, \
label_weight, threshold, device, verbose, random_state
        As for :class:`~hourglass.detectors.AutoEncoder`, with other defaults here:
        ``batch_size=256``, ``lr=1e-3`` and ``weight_decay=1e-6``.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import DeepSVDD
    >>> X = np.random.default_rng(0).normal(size=(400, 6)).astype("float32")
    >>> svdd = DeepSVDD(hidden=(16, 8), epochs=5, verbose=0).fit(X)
    >>> bool(svdd.score(X[:1] + 10)[0] > svdd.score(X[:1])[0])
    True
    """

    _tags: ClassVar[dict[str, Any]] = {"supports_labels": True, "onnx_export": True, "gradients": True,
                                       "warm_start": True}

    module_: _SVDDModule

    # the labelled rows' margin loss, and the nudge of the centre fit computed once (saved as
    # a buffer): training only
    _free_after_fit: ClassVar[frozenset[str]] = (
        DeepDetector._free_after_fit | {"label_margin", "label_weight", "center_eps"})

    def __init__(
        self,
        hidden: Sequence[int] = (64, 32),
        activation: str = "leaky_relu",
        center_eps: float = 0.1,
        epochs: int = 40,
        batch_size: int | str = 256,
        lr: float = 1e-3,
        weight_decay: float = 1e-6,
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
        self.activation = activation
        self.center_eps = center_eps
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

    def _warm_copy(self, update_batch_norm: bool, params: dict[str, Any],
                   proximal_mu: float = 0.0) -> BaseDetector:
        # the activation checked against the saved network, before the copy rebuilds it with the
        # one set_params asked for (a leaky_relu network warm-started as tanh)
        self._check_fitted()
        self._check_params()
        return super()._warm_copy(update_batch_norm, params, proximal_mu)

    def _check_params(self) -> None:
        check_hidden(self)
        # a new network's choice; a saved one's training goes on (warm start) as it was made:
        # only a network that has this bounded activation itself is exempt (a fitted one given
        # another activation by set_params is still refused here, as its next fit refuses it)
        module = getattr(self, "module_", None)
        made_so = module is not None and self.activation in _BOUNDED and any(
            isinstance(m, ACTIVATIONS[self.activation]) for m in module.modules())
        if self.activation in _BOUNDED and not made_so:
            raise InputError(f"activation={self.activation!r} is bounded: Deep SVDD's network can then "
                             "map every row onto the centre (hypersphere collapse, Ruff et al. 2018, "
                             "as with biases), and every score is near 0; choose "
                             f"{', '.join(a for a in ACTIVATIONS if a not in _BOUNDED)}", param="activation")
        if not float(self.center_eps) > 0:
            raise InputError(f"center_eps must be > 0, got {self.center_eps}", param="center_eps")
        # the centre is a float32 buffer, and a row's squared distance to it must stay one too
        top = 1e16
        if float(self.center_eps) > top:
            raise InputError(f"center_eps must be at most {top:.0e} (its squared distance to a row "
                             f"must fit a float32), got {self.center_eps}", param="center_eps")
        self._check_label_params()

    def _build_module(self, n_features: int) -> nn.Module:
        return _SVDDModule(n_features, tuple(int(h) for h in self.hidden), self.activation,
                           float(self.label_margin), float(self.label_weight))

    def _init_module(self, module: nn.Module, train: tuple[torch.Tensor, ...]) -> None:
        assert isinstance(module, _SVDDModule)  # built by _build_module
        x = train[0] if len(train) < 2 else train[0][train[1] == 0]
        if x.shape[0] == 0:  # the held-out share took every normal row
            raise InputError(f"y: every training row ({train[0].shape[0]}) is labelled an anomaly "
                             "(1) once the held-out rows are set aside; the centre is the mean of "
                             "normal training rows: give more normal rows or a smaller "
                             "validation_fraction")
        module.eval()
        with torch.no_grad():
            center = torch.cat([module.net(x[i:i + 65536]) for i in range(0, x.shape[0], 65536)]
                               ).mean(dim=0)
        eps = float(self.center_eps)
        center = torch.where(center.abs() < eps, torch.where(center < 0, -eps, eps), center)
        module.center.copy_(center)
