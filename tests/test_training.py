"""The one training loop: batching, early stopping, seeding, best-epoch restore."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from hourglass.nn import TrainConfig, mlp, predict_batches, resolve_device, train_module
from hourglass.nn.training import _batches


class Linear(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Linear(3, 1)

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        x, y = batch
        return (self.net(x).squeeze(1) - y).pow(2).mean()

    def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.net(batch[0]).squeeze(1)


def _data(n: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=g)
    return x, x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3


def test_batches_cover_all_rows_and_never_leave_a_single_row() -> None:
    assert _batches(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert _batches(9, 4) == [(0, 4), (4, 9)]
    assert _batches(3, 256) == [(0, 3)]  # data smaller than a batch still trains


def test_learns_a_linear_map() -> None:
    torch.manual_seed(0)
    model = Linear()
    x, y = _data()
    hist = train_module(model, (x, y), (x[:64], y[:64]),
                        TrainConfig(epochs=200, lr=0.05, batch_size=32, verbose=0, patience=20),
                        generator=torch.Generator().manual_seed(0))
    assert hist.val_loss[hist.best_epoch - 1] < 1e-3
    assert not model.training, "the loop leaves the model in eval mode"


def test_early_stopping_restores_best_epoch() -> None:
    torch.manual_seed(0)
    model = Linear()
    x, y = _data()
    hist = train_module(model, (x, y), (x[:64], y[:64] + 5.0),  # validation it cannot fit
                        TrainConfig(epochs=100, lr=0.05, batch_size=32, verbose=0, patience=3),
                        generator=torch.Generator().manual_seed(0))
    assert hist.stopped_early
    assert len(hist.val_loss) < 100
    best = min(hist.val_loss)
    with torch.no_grad():
        now = (model.score((x[:64],)) - (y[:64] + 5.0)).pow(2).mean().item()
    assert now == pytest.approx(best, rel=1e-5)


def test_divergence_is_reported() -> None:
    model = Linear()
    x, y = _data()
    with pytest.raises(FloatingPointError, match="diverged"):
        train_module(model, (x, y * 1e30), None, TrainConfig(epochs=5, lr=1e6, verbose=0,
                                                              clip_grad_norm=None),
                     generator=torch.Generator().manual_seed(0))


def test_predict_batches_matches_one_pass() -> None:
    net = mlp([3, 4, 1])
    x = np.random.default_rng(0).normal(size=(1000, 3)).astype(np.float32)
    full = net(torch.from_numpy(x)).detach().numpy()
    parts = predict_batches(lambda b: net(b[0]), [x], batch_size=77)
    np.testing.assert_allclose(parts, full, rtol=1e-5, atol=1e-6)


def test_device_choice() -> None:
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in {"cpu", "cuda"}
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu-please")


class TwoPhase(nn.Module):
    """``first`` fits the data mean; ``second`` fits twice the (just updated) first parameter.
    Each phase loss also touches the other's parameter, whose optimiser must not step it."""

    def __init__(self, lr_second: float) -> None:
        super().__init__()
        self.mu1 = nn.Parameter(torch.zeros(2))
        self.mu2 = nn.Parameter(torch.zeros(2))
        self.lr_second = lr_second

    def phases(self):  # type: ignore[no-untyped-def]
        from hourglass.nn import Phase

        return [Phase("first", (self.mu1,), lr=0.05, options={"betas": (0.5, 0.999)}),
                Phase("second", (self.mu2,), lr=self.lr_second)]

    def phase_loss(self, name: str, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        if name == "first":
            return (batch[0] - self.mu1).pow(2).mean() + 0.0 * self.mu2.sum()
        return (self.mu2 - 2 * self.mu1).pow(2).sum()

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return (batch[0] - self.mu1).pow(2).mean()

    def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return (batch[0] - self.mu1).pow(2).mean(dim=1)


def test_phases_step_their_own_parameters_with_their_own_rates() -> None:
    x = torch.ones(64, 2) * 3.0
    cfg = TrainConfig(epochs=200, lr=1.0, batch_size=32, verbose=0, patience=None)
    model = TwoPhase(lr_second=0.05)
    hist = train_module(model, (x,), None, cfg, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(model.mu1, torch.full((2,), 3.0), atol=1e-2)
    assert torch.allclose(model.mu2, torch.full((2,), 6.0), atol=5e-2)
    assert len(hist.train_loss) == 200
    frozen = TwoPhase(lr_second=0.0)  # the phase's own rate, not the config's, is used
    train_module(frozen, (x,), (x,), cfg, generator=torch.Generator().manual_seed(0))
    assert torch.equal(frozen.mu2.detach(), torch.zeros(2))
    assert torch.allclose(frozen.mu1, torch.full((2,), 3.0), atol=1e-2)


def test_phases_early_stopping_watches_the_validation_criterion() -> None:
    x = torch.ones(64, 2)
    model = TwoPhase(lr_second=0.05)
    hist = train_module(model, (x,), (x[:16] - 5.0,),  # training moves away from validation
                        TrainConfig(epochs=200, lr=0.05, batch_size=16, verbose=0, patience=3),
                        generator=torch.Generator().manual_seed(0))
    assert hist.stopped_early and hist.best_epoch == 1 and len(hist.val_loss) == 4
    with torch.no_grad():
        assert model.loss((x[:16] - 5.0,)).item() == pytest.approx(hist.val_loss[0], rel=1e-6)


def test_phases_without_phase_loss_is_a_clear_error() -> None:
    class NoLoss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def phases(self):  # type: ignore[no-untyped-def]
            return []

    with pytest.raises(TypeError, match="phase_loss"):
        train_module(NoLoss(), (torch.ones(4, 1),), None, TrainConfig(epochs=1, verbose=0),
                     generator=torch.Generator().manual_seed(0))


class _NoisyMean(nn.Module):
    """A mean estimated by SGD on single rows: the live iterate keeps jumping around the answer."""

    def __init__(self) -> None:
        super().__init__()
        self.mu = nn.Parameter(torch.zeros(2))

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return ((batch[0] - self.mu) ** 2).mean()

    def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return ((batch[0] - self.mu) ** 2).mean(dim=1)


def test_weight_averaging_keeps_the_averaged_weights_and_they_are_steadier() -> None:
    X = torch.randn(400, 2, generator=torch.Generator().manual_seed(0)) + 3.0
    truth = X.mean(0)
    errors = {}
    for decay in (None, 0.99):
        m = _NoisyMean()
        config = TrainConfig(epochs=3, batch_size=2, lr=0.3, patience=None, verbose=0,
                             optimizer=torch.optim.SGD, ema_decay=decay)
        train_module(m, (X,), None, config, generator=torch.Generator().manual_seed(0))
        errors[decay] = float((m.mu.detach() - truth).norm())
    # SGD at this rate ends a row's pull away from the mean; the average of the last ~100 steps
    # sits far nearer it
    assert errors[0.99] < 0.5 * errors[None], errors
    with pytest.raises(ValueError, match="ema_decay"):
        train_module(_NoisyMean(), (X,), None, TrainConfig(epochs=1, verbose=0, ema_decay=1.0),
                     generator=torch.Generator().manual_seed(0))


def test_min_steps_adds_epochs_and_early_stopping_waits_for_them() -> None:
    x, y = _data(64)
    torch.manual_seed(0)
    # one batch per epoch: 12 steps means 12 epochs, and patience 1 may not cut them short
    config = TrainConfig(epochs=2, batch_size=64, lr=1e-6, patience=1, min_delta=0.5, verbose=0,
                         min_steps=12)
    h = train_module(Linear(), (x, y), None, config, generator=torch.Generator().manual_seed(0))
    assert len(h.train_loss) == 12 and h.stopped_early
    # two batches per epoch: 6 epochs; without the floor, patience 1 stops at epoch 2
    config = TrainConfig(epochs=2, batch_size=32, lr=1e-6, patience=1, min_delta=0.5, verbose=0)
    h = train_module(Linear(), (x, y), None, config, generator=torch.Generator().manual_seed(0))
    assert len(h.train_loss) == 2
    h = train_module(Linear(), (x, y), None, replace(config, min_steps=12),
                     generator=torch.Generator().manual_seed(0))
    assert len(h.train_loss) == 6


def test_group_epochs_checks_about_epochs_times_and_keeps_every_training_loss() -> None:
    x, y = _data(64)
    config = TrainConfig(epochs=4, batch_size=64, lr=1e-2, patience=None, verbose=0, min_steps=20,
                         group_epochs=True)
    h = train_module(Linear(), (x, y), (x[:16], y[:16]), config,
                     generator=torch.Generator().manual_seed(0))
    # 20 one-step epochs judged in groups of 5: 4 checks, the best one counted in epochs
    assert len(h.train_loss) == 20 and len(h.val_loss) == 4
    assert h.best_epoch in (5, 10, 15, 20)
    # patience counts checks: with nothing to gain, 1 bad check stops after the floor
    stop = replace(config, lr=1e-9, patience=1, min_delta=0.5, min_steps=12)
    h = train_module(Linear(), (x, y), (x[:16], y[:16]), stop, generator=torch.Generator().manual_seed(0))
    assert h.stopped_early and len(h.val_loss) == 4 and len(h.train_loss) == 12


def test_phases_leave_every_parameter_trainable() -> None:
    model = TwoPhase(lr_second=0.05)
    train_module(model, (torch.ones(8, 2),), None, TrainConfig(epochs=2, verbose=0),
                 generator=torch.Generator().manual_seed(0))
    assert model.mu1.requires_grad and model.mu2.requires_grad


def test_gradient_clipping_matches_torch_bit_for_bit() -> None:
    from hourglass.nn.training import _clip_grad_norm

    grads = []
    for clip in (_clip_grad_norm, lambda p, m: nn.utils.clip_grad_norm_(p, m, foreach=True)):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(4, 6), nn.Linear(6, 1))
        (net(torch.randn(8, 4)) * 100).sum().backward()
        clip(list(net.parameters()), 5.0)
        grads.append([p.grad.clone() for p in net.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*grads, strict=True))
    assert float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads[0]]))) <= 5.0 + 1e-4


def _distance(module: nn.Module, start: list[torch.Tensor]) -> float:
    return float(sum(((p.detach() - s) ** 2).sum() for p, s in zip(module.parameters(), start, strict=True)))


def test_a_proximal_term_pulls_the_weights_toward_the_start_and_none_changes_nothing() -> None:
    from hourglass.nn import proximal_term

    X, y = _data()
    config = TrainConfig(epochs=20, lr=0.05, patience=None, verbose=0)
    runs = {}
    for mu in (None, 0.0, 0.1, 10.0):
        torch.manual_seed(0)
        m = Linear()
        start = [p.detach().clone() for p in m.parameters()]
        cfg = config if mu is None else replace(config, extra_loss=proximal_term(m, mu))
        h = train_module(m, (X, y), None, cfg, generator=torch.Generator().manual_seed(0))
        runs[mu] = (_distance(m, start), h.train_loss[-1], [p.detach().clone() for p in m.parameters()])
    # mu = 0 adds a zero term: the same steps, bit for bit, as no term
    assert all(torch.equal(a, b) for a, b in zip(runs[None][2], runs[0.0][2], strict=True))
    # a larger mu keeps the weights nearer the start, at the price of the data loss
    assert runs[10.0][0] < runs[0.1][0] < runs[None][0]
    assert runs[10.0][1] > runs[None][1]
    with pytest.raises(ValueError, match="proximal_mu"):
        proximal_term(Linear(), -1.0)
