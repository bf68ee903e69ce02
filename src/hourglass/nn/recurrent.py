"""Recurrent building blocks: an RNN encoder (LSTM/GRU, optionally bidirectional) and a decoder.

Tensors are batch-first: ``(batch, time, features)``. The encoder summarises a sequence into one
vector (the last hidden state of the top layer, both directions concatenated); the decoder
unrolls a vector back into a sequence of a given length. Sequence autoencoders, forecasters and
CNN-RNN hybrids are built from these two pieces.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CELLS", "RNNDecoder", "RNNEncoder", "make_rnn"]

CELLS: dict[str, type[nn.LSTM] | type[nn.GRU]] = {"lstm": nn.LSTM, "gru": nn.GRU}


def make_rnn(cell: str, n_in: int, hidden: int, *, num_layers: int = 1,
             bidirectional: bool = False, dropout: float = 0.0) -> nn.RNNBase:
    """A batch-first ``nn.LSTM`` or ``nn.GRU``; ``cell`` is ``"lstm"`` or ``"gru"``.

    Dropout applies between stacked layers only (PyTorch's rule), so it is ignored for one layer.

    Examples
    --------
    >>> make_rnn("gru", 3, 8)
    GRU(3, 8, batch_first=True)
    """
    if cell not in CELLS:
        raise ValueError(f"cell: unknown {cell!r}; choose from {sorted(CELLS)}")
    if hidden < 1 or num_layers < 1:
        raise ValueError(f"hidden and num_layers must be >= 1, got {hidden} and {num_layers}")
    return CELLS[cell](n_in, hidden, num_layers=num_layers, batch_first=True,
                       bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)


class RNNEncoder(nn.Module):
    """Sequence ``(B, T, n_in)`` → per-step outputs ``(B, T, out_size)`` and a summary ``(B, out_size)``.

    The summary is the final hidden state of the top layer; with ``bidirectional=True`` it joins
    the forward state after the last step and the backward state after the first, so
    ``out_size = hidden * (2 if bidirectional else 1)``.

    Examples
    --------
    >>> import torch
    >>> enc = RNNEncoder(3, 8, bidirectional=True)
    >>> steps, summary = enc(torch.zeros(2, 5, 3))
    >>> tuple(steps.shape), tuple(summary.shape), enc.out_size
    ((2, 5, 16), (2, 16), 16)
    """

    def __init__(self, n_in: int, hidden: int, *, cell: str = "lstm", num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        self.rnn = make_rnn(cell, n_in, hidden, num_layers=num_layers,
                            bidirectional=bidirectional, dropout=dropout)
        self.directions = 2 if bidirectional else 1
        self.out_size = hidden * self.directions

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x`` ``(B, T, n_in)`` → per-step outputs ``(B, T, out_size)`` and the summary
        ``(B, out_size)``.

        Examples
        --------
        >>> import torch
        >>> enc = RNNEncoder(3, 8).eval()
        >>> with torch.no_grad():
        ...     steps, summary = enc(torch.randn(2, 5, 3))
        >>> bool(torch.allclose(steps[:, -1], summary))   # one direction: the last step's output
        True
        """
        steps, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state  # LSTM returns (h, c)
        top = h[-self.directions:]  # (directions, B, hidden) of the last layer
        return steps, top.transpose(0, 1).reshape(x.shape[0], self.out_size)


class RNNDecoder(nn.Module):
    """Vector ``(B, n_code)`` → sequence ``(B, length, n_out)``.

    The code is fed at every step (repeat-vector decoding) together with a position ramp from 0
    to 1, so the decoder knows where in the window it is; a linear head maps each hidden state
    to ``n_out`` features.

    Examples
    --------
    >>> import torch
    >>> dec = RNNDecoder(4, 8, 3, cell="gru")
    >>> tuple(dec(torch.zeros(2, 4), 6).shape)
    (2, 6, 3)
    """

    def __init__(self, n_code: int, hidden: int, n_out: int, *, cell: str = "lstm",
                 num_layers: int = 1, dropout: float = 0.0) -> None:
        super().__init__()
        self.rnn = make_rnn(cell, n_code + 1, hidden, num_layers=num_layers, dropout=dropout)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, code: torch.Tensor, length: int) -> torch.Tensor:
        """``code`` ``(B, n_code)`` → a sequence of ``length`` steps ``(B, length, n_out)``.

        Examples
        --------
        >>> import torch
        >>> dec = RNNDecoder(4, 8, 3)
        >>> tuple(dec(torch.zeros(2, 4), length=6).shape), tuple(dec(torch.zeros(2, 4), length=1).shape)
        ((2, 6, 3), (2, 1, 3))
        """
        b = code.shape[0]
        pos = torch.linspace(0.0, 1.0, length, device=code.device, dtype=code.dtype)
        inp = torch.cat([code.unsqueeze(1).expand(b, length, code.shape[1]),
                         pos.view(1, length, 1).expand(b, length, 1)], dim=2)
        steps, _ = self.rnn(inp)
        return self.head(steps)
