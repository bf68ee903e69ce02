"""Small torch building blocks shared by the detectors."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

__all__ = ["ACTIVATIONS", "mlp"]

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
