"""A tiny module for tests of the shared training loop: it learns the mean of two columns."""

from __future__ import annotations

import torch


class MeanModule(torch.nn.Module):
    """Loss: the mean squared distance of a batch's rows to a learnt point ``mu``; score: each
    row's."""

    def __init__(self) -> None:
        super().__init__()
        self.mu = torch.nn.Parameter(torch.zeros(2))

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return ((batch[0] - self.mu) ** 2).mean()

    def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return ((batch[0] - self.mu) ** 2).mean(dim=1)
