"""Convolutional building blocks for sequences: causal and dilated 1-D convolutions (TCN).

Tensors are channels-first, as ``nn.Conv1d`` wants: ``(batch, channels, time)``. A temporal
convolutional network (Bai, Kolter & Koltun 2018) stacks residual blocks of two dilated causal
convolutions with dilations 1, 2, 4, …; output step ``t`` only sees inputs ``<= t``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["TCN", "CausalConv1d", "TemporalBlock", "conv1d_stack", "tcn_receptive_field"]


class CausalConv1d(nn.Conv1d):
    """``nn.Conv1d`` padded on the left only, so the output at ``t`` depends on inputs ``<= t``
    and has the input's length.

    Examples
    --------
    >>> import torch
    >>> conv = CausalConv1d(2, 4, kernel_size=3, dilation=2)
    >>> tuple(conv(torch.zeros(1, 2, 10)).shape)
    (1, 4, 10)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 dilation: int = 1) -> None:
        super().__init__(in_channels, out_channels, kernel_size, dilation=dilation)
        self.left_pad = (kernel_size - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, in_channels, T)`` → ``(B, out_channels, T)``, step ``t`` from steps ``<= t``.

        Examples
        --------
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> m = CausalConv1d(2, 4, kernel_size=3, dilation=2).eval()
        >>> x = torch.randn(1, 2, 12)
        >>> later = x.clone(); later[..., 7:] += 5.0      # change steps 7 and after only
        >>> with torch.no_grad():
        ...     bool(torch.equal(m(x)[..., :7], m(later)[..., :7]))   # steps before 7 unchanged
        True
        """
        return super().forward(F.pad(x, (self.left_pad, 0)))


class TemporalBlock(nn.Module):
    """Two dilated causal convolutions with ReLU and dropout, plus a residual connection
    (a 1×1 convolution when the channel count changes).

    Examples
    --------
    >>> import torch
    >>> tuple(TemporalBlock(3, 8, kernel_size=3, dilation=4)(torch.zeros(2, 3, 16)).shape)
    (2, 8, 16)
    """

    def __init__(self, n_in: int, n_out: int, *, kernel_size: int = 3, dilation: int = 1,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.net = nn.Sequential(
            CausalConv1d(n_in, n_out, kernel_size, dilation), nn.ReLU(), nn.Dropout(dropout),
            CausalConv1d(n_out, n_out, kernel_size, dilation), nn.ReLU(), nn.Dropout(dropout),
        )
        self.skip = nn.Conv1d(n_in, n_out, 1) if n_in != n_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, n_in, T)`` → ``(B, n_out, T)``, causal as its convolutions.

        Examples
        --------
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> m = TemporalBlock(2, 4, kernel_size=3, dilation=2).eval()
        >>> x = torch.randn(1, 2, 12)
        >>> later = x.clone(); later[..., 7:] += 5.0      # change steps 7 and after only
        >>> with torch.no_grad():
        ...     bool(torch.equal(m(x)[..., :7], m(later)[..., :7]))   # steps before 7 unchanged
        True
        """
        return torch.relu(self.net(x) + self.skip(x))


def tcn_receptive_field(kernel_size: int, n_levels: int) -> int:
    """Input steps one output step of :class:`TCN` sees: ``1 + 2 (k - 1) (2^L - 1)``.

    Examples
    --------
    >>> tcn_receptive_field(3, 3)
    29
    """
    return 1 + 2 * (kernel_size - 1) * (2 ** n_levels - 1)


class TCN(nn.Module):
    """Temporal convolutional network: ``TemporalBlock`` ``i`` has dilation ``2**i``.

    Parameters
    ----------
    n_in
        Input channels.
    channels
        Output channels of each block; the last one is the network's output width.
    kernel_size
        Convolution width.
    dropout
        Dropout inside the blocks.

    Examples
    --------
    >>> import torch
    >>> tcn = TCN(5, (8, 8, 4))
    >>> tuple(tcn(torch.zeros(2, 5, 32)).shape), tcn.receptive_field
    ((2, 4, 32), 29)
    """

    def __init__(self, n_in: int, channels: Sequence[int], *, kernel_size: int = 3,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if not channels or any(int(c) < 1 for c in channels):
            raise ValueError(f"channels must be a non-empty tuple of positive widths, got {channels}")
        if kernel_size < 2:
            raise ValueError(f"kernel_size must be >= 2, got {kernel_size}")
        sizes = [n_in, *(int(c) for c in channels)]
        self.net = nn.Sequential(*(
            TemporalBlock(sizes[i], sizes[i + 1], kernel_size=kernel_size, dilation=2 ** i,
                          dropout=dropout)
            for i in range(len(channels))))
        self.receptive_field = tcn_receptive_field(kernel_size, len(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, n_in, T)`` → ``(B, channels[-1], T)``, causal as its blocks.

        Examples
        --------
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> m = TCN(2, (4, 4)).eval()
        >>> x = torch.randn(1, 2, 12)
        >>> later = x.clone(); later[..., 7:] += 5.0      # change steps 7 and after only
        >>> with torch.no_grad():
        ...     bool(torch.equal(m(x)[..., :7], m(later)[..., :7]))   # steps before 7 unchanged
        True
        """
        return self.net(x)


def conv1d_stack(sizes: Sequence[int], *, kernel_size: int = 3, stride: int = 1,
                 activation: type[nn.Module] = nn.ReLU, last_activation: bool = True) -> nn.Sequential:
    """Plain (non-causal, "same"-padded for odd kernels at stride 1) 1-D convolutions
    ``sizes[0] -> ... -> sizes[-1]`` channels, e.g. a feature extractor or a GAN critic.

    Examples
    --------
    >>> import torch
    >>> net = conv1d_stack([3, 8, 16], kernel_size=5, stride=2)
    >>> tuple(net(torch.zeros(1, 3, 32)).shape)
    (1, 16, 8)
    """
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least input and output widths, got {list(sizes)}")
    layers: list[nn.Module] = []
    n = len(sizes) - 1
    for i in range(n):
        layers.append(nn.Conv1d(sizes[i], sizes[i + 1], kernel_size, stride=stride,
                                padding=kernel_size // 2))
        if i < n - 1 or last_activation:
            layers.append(activation())
    return nn.Sequential(*layers)
