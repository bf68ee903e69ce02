"""Sequence building blocks: shapes, causality, bidirectional summaries, and that they learn."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hourglass.nn import (
    TCN,
    CausalConv1d,
    RNNDecoder,
    RNNEncoder,
    TrainConfig,
    conv1d_stack,
    make_rnn,
    train_module,
)


def test_causal_conv_never_sees_the_future() -> None:
    torch.manual_seed(0)
    conv = CausalConv1d(1, 1, kernel_size=3, dilation=2)
    x = torch.randn(1, 1, 20)
    y = x.clone()
    y[..., 12:] += 5.0  # change the future from step 12 on
    assert torch.equal(conv(x)[..., :12], conv(y)[..., :12])
    assert not torch.equal(conv(x)[..., 12:], conv(y)[..., 12:])


def test_tcn_is_causal_and_keeps_length() -> None:
    torch.manual_seed(0)
    tcn = TCN(2, (4, 4, 3), kernel_size=2)
    x = torch.randn(3, 2, 40)
    y = x.clone()
    y[..., 30:] = 0.0
    out = tcn(x)
    assert out.shape == (3, 3, 40)
    assert torch.allclose(out[..., :30], tcn(y)[..., :30])
    assert tcn.receptive_field == 1 + 2 * 1 * 7


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bidirectional_summary_joins_both_directions(cell: str) -> None:
    torch.manual_seed(0)
    enc = RNNEncoder(3, 5, cell=cell, bidirectional=True, num_layers=2)
    x = torch.randn(4, 7, 3)
    steps, summary = enc(x)
    assert steps.shape == (4, 7, 10) and summary.shape == (4, 10)
    # forward half = forward output after the last step; backward half = backward output at step 0
    assert torch.allclose(summary[:, :5], steps[:, -1, :5], atol=1e-6)
    assert torch.allclose(summary[:, 5:], steps[:, 0, 5:], atol=1e-6)


def test_bad_block_settings_name_the_parameter() -> None:
    with pytest.raises(ValueError, match="cell"):
        make_rnn("rnn", 3, 4)
    with pytest.raises(ValueError, match="channels"):
        TCN(3, ())
    with pytest.raises(ValueError, match="kernel_size"):
        TCN(3, (4,), kernel_size=1)
    assert conv1d_stack([2, 4])(torch.zeros(1, 2, 9)).shape == (1, 4, 9)


class _SeqAE(nn.Module):
    """Tiny GRU autoencoder on sine windows, trained with the one loop."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = RNNEncoder(1, 16, cell="gru")
        self.dec = RNNDecoder(16, 16, 1, cell="gru")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dec(self.enc(x)[1], x.shape[1])

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return (self(batch[0]) - batch[0]).pow(2).mean()

    def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return (self(batch[0]) - batch[0]).pow(2).mean(dim=(1, 2))


def test_rnn_autoencoder_learns_and_flags_a_broken_window() -> None:
    torch.manual_seed(0)
    t = torch.arange(600, dtype=torch.float32)
    series = torch.sin(2 * torch.pi * t / 20)
    windows = series.unfold(0, 20, 2).unsqueeze(-1)  # (n, 20, 1), a view of the series
    model = _SeqAE()
    hist = train_module(model, (windows,), None,
                        TrainConfig(epochs=40, lr=1e-2, batch_size=64, verbose=0, patience=None),
                        generator=torch.Generator().manual_seed(0))
    assert hist.train_loss[-1] < 0.2 * hist.train_loss[0]
    broken = windows[:8].clone()
    broken[:, 10:14] = 2.0
    with torch.inference_mode():
        assert model.score((broken,)).min() > model.score((windows[:8],)).max()
