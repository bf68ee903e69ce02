"""Small torch building blocks shared by the detectors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ACTIVATIONS", "mlp", "sequential_forward"]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


def mlp(
    sizes: Sequence[int],
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: bool = False,
    last_activation: bool = False,
    bias: bool = True,
) -> nn.Sequential:
    """Stack of linear layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    Parameters
    ----------
    sizes
        Layer widths, input first.
    activation
        Name from :data:`ACTIVATIONS`.
    dropout
        Dropout rate after each hidden activation.
    batch_norm
        Batch normalisation before each hidden activation.
    last_activation
        Apply activation (and norm/dropout) after the last layer too.
    bias
        Whether the linear layers have biases (Deep SVDD wants none).

    Examples
    --------
    >>> mlp([4, 8, 2])
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU(inplace=True)
      (2): Linear(in_features=8, out_features=2, bias=True)
    )
    """
    if not isinstance(activation, str) or activation not in ACTIVATIONS:  # a list is unhashable
        raise ValueError(f"activation: unknown {activation!r}; choose from {sorted(ACTIVATIONS)}")
    layers: list[nn.Module] = []
    n = len(sizes) - 1
    for i in range(n):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], bias=bias))
        if i < n - 1 or last_activation:
            if batch_norm:
                layers.append(nn.BatchNorm1d(sizes[i + 1]))
            # ReLU in place: its input is this layer's fresh output, which no backward pass
            # needs (linear and batch-norm gradients use their inputs), so one allocation per
            # layer and step is saved, bit for bit the same values
            layers.append(nn.ReLU(inplace=True) if activation == "relu" else ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _batch_norm(layer: nn.BatchNorm1d, h: torch.Tensor) -> torch.Tensor:
    """``layer(h)`` for a 2-D batch: ``_BatchNorm.forward`` and ``F.batch_norm``'s operations
    (the batch counter, then ``torch.batch_norm`` with the same arguments), without their
    Python checks and attribute look-ups; any case off the common path (3-D input, no running
    statistics, cumulative averaging, a batch of one row in training, ``eps <= 0``) calls the
    layer itself, which says what is wrong where something is."""
    buffers, params = layer._buffers, layer._parameters
    mean, var = buffers.get("running_mean"), buffers.get("running_var")
    momentum, eps = layer.momentum, layer.eps
    if (h.dim() != 2 or mean is None or var is None or momentum is None or not eps > 0
            or not layer.track_running_stats):
        return layer(h)
    if layer.training:
        count = buffers.get("num_batches_tracked")
        if count is None or h.shape[0] < 2:
            return layer(h)
        count.add_(1)
    return torch.batch_norm(h, params["weight"], params["bias"], mean, var, layer.training,
                            momentum, eps, torch.backends.cudnn.enabled)


def sequential_forward(net: nn.Module, h: torch.Tensor,
                       weights: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
    """``net(h)`` for a stack of layers (an ``nn.Sequential``, nested ones too), calling the
    functions the common layers call (linear, batch norm on rows, ReLU, leaky ReLU, dropout),
    the same operations bit for bit, without each module's call overhead: on small batches that
    overhead is a sizeable share of a training step. Other layers are called as usual.

    ``weights``: the linear layers' weights, in order (default: their own), e.g. spectrally
    normalised ones evaluated once for several passes. Module hooks on the layers are not run.

    Examples
    --------
    >>> net = mlp([4, 8, 2], batch_norm=True).eval()
    >>> x = torch.randn(3, 4)
    >>> bool(torch.equal(sequential_forward(net, x), net(x)))
    True
    """
    if type(net) is not nn.Sequential:  # a subclass may have a forward of its own
        return net(h)
    i = 0
    for layer in net:
        if type(layer) is nn.Linear:
            params = layer._parameters
            weight = cast(torch.Tensor, params["weight"]) if weights is None else weights[i]
            h = F.linear(h, weight, params["bias"])
            i += 1
        elif isinstance(layer, nn.Linear) and (weights is not None
                                               or type(layer).forward is nn.Linear.forward):
            # e.g. a parametrised (spectrally normalised) one; not a subclass's own forward
            h = F.linear(h, layer.weight if weights is None else weights[i], layer.bias)
            i += 1
        elif type(layer) is nn.ReLU:
            h = torch.relu_(h) if layer.inplace else torch.relu(h)
        elif type(layer) is nn.LeakyReLU:
            h = F.leaky_relu(h, layer.negative_slope, layer.inplace)
        elif type(layer) is nn.BatchNorm1d:
            h = _batch_norm(layer, h)
        elif type(layer) is nn.Dropout:
            h = F.dropout(h, layer.p, layer.training, layer.inplace)
        elif type(layer) is nn.Sequential and weights is None:
            h = sequential_forward(layer, h)
        else:
            h = layer(h)
    return h
