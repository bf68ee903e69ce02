"""hourglass.nn.optim.Adam: torch.optim.Adam's updates without torch.optim (and its torch._dynamo import)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

from hourglass.nn.optim import Adam, FusedAdam, fused_adam_runs_on


def _net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 6))


@pytest.mark.parametrize("fused", [
    pytest.param(True, marks=pytest.mark.skipif(not fused_adam_runs_on("cpu"),
                                                reason="this torch has no fused Adam on the CPU (< 2.4)")),
    False])
@pytest.mark.parametrize("kwargs", [{"lr": 1e-2}, {"lr": 3e-3, "weight_decay": 1e-3},
                                    {"lr": 1e-3, "betas": (0.5, 0.99), "eps": 1e-6}])
def test_updates_are_bit_identical_to_torch_adam(kwargs: dict, fused: bool) -> None:
    ours, ref = _net(0), _net(0)
    opt_ours = Adam(list(ours.parameters()), fused=fused, **kwargs)
    opt_ref = torch.optim.Adam(ref.parameters(), fused=fused, foreach=not fused, **kwargs)
    X = torch.randn(64, 6, generator=torch.Generator().manual_seed(1))
    for step in range(25):
        for net, opt in ((ours, opt_ours), (ref, opt_ref)):
            opt.zero_grad(set_to_none=True)
            loss = (net(X) - X).pow(2).mean()
            if step % 5 == 4:  # a step where one parameter has no gradient
                loss = loss + 0 * net[0].weight.sum()
                net[3].bias.requires_grad_(False)
            loss.backward()
            opt.step()
            net[3].bias.requires_grad_(True)
    for a, b in zip(ours.parameters(), ref.parameters(), strict=True):
        assert torch.equal(a, b)


def test_zero_grad_keeping_tensors() -> None:
    w = nn.Parameter(torch.ones(3))
    opt = Adam([w])
    (w * 2).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and torch.equal(w.grad, torch.zeros(3))
    opt.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize("bad", [{"lr": -1.0}, {"betas": (0.9, 1.0)}, {"weight_decay": -0.1}])
def test_bad_settings_are_value_errors(bad: dict) -> None:
    with pytest.raises(ValueError):
        Adam([nn.Parameter(torch.ones(2))], **bad)
    with pytest.raises(ValueError, match="no parameters"):
        FusedAdam([])


def test_training_does_not_import_the_compiler() -> None:
    code = ("import sys, numpy as np\n"
            "from hourglass.detectors import AutoEncoder, DeepSVDD\n"
            "X = np.random.default_rng(0).normal(size=(300, 5)).astype('float32')\n"
            "AutoEncoder(hidden=(8, 4), epochs=2, verbose=0).fit(X).score(X)\n"
            "DeepSVDD(hidden=(8, 4), epochs=2, verbose=0).fit(X).score(X)\n"
            "from hourglass.detectors import AnoGAN\n"  # its latent search steps an Adam too
            "AnoGAN(hidden=(8,), latent_dim=2, epochs=2, min_steps=0, search_steps=3,"
            " verbose=0).fit(X).score(X)\n"
            "print('torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.strip() == "False"
