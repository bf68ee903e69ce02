"""Round 51 (perf51): fixed overhead of fitting small tables removed, every result bit for bit.

Each test compares a sped-up code path with a straightforward reference computation (torch's
own optimiser, module calls, the parametrisation) and asserts exact equality: no timings here.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hourglass.nn.optim import Adam, fused_adam_runs_on

needs_fused = pytest.mark.skipif(not fused_adam_runs_on("cpu"),
                                 reason="this torch has no fused Adam on the CPU (< 2.4)")


def _net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.ReLU(), nn.Linear(7, 5))


@needs_fused
def test_fused_adam_shared_step_counts_match_torch_through_missing_gradients() -> None:
    # the first step lacks a gradient (counts kept per tensor), then every parameter has one
    # (the counts move into one tensor), then one is missing again and comes back
    ours, ref = _net(3), _net(3)
    opt_ours = Adam(list(ours.parameters()), lr=1e-2, fused=True)
    opt_ref = torch.optim.Adam(ref.parameters(), lr=1e-2, fused=True)
    X = torch.randn(32, 5, generator=torch.Generator().manual_seed(4))
    missing = {0, 6, 7, 13}
    for step in range(16):
        for net, opt in ((ours, opt_ours), (ref, opt_ref)):
            opt.zero_grad(set_to_none=True)
            if step in missing:
                net[3].bias.requires_grad_(False)
            (net(X) - X).pow(2).mean().backward()
            opt.step()
            net[3].bias.requires_grad_(True)
        if step == 5:
            assert opt_ours._shared.numel() == len(opt_ours.params)  # the shared counts in use
    for a, b in zip(ours.parameters(), ref.parameters(), strict=True):
        assert torch.equal(a, b)
    counts = [float(opt_ours._state[i][2]) for i in range(len(opt_ours.params))]
    want = [float(opt_ref.state[p]["step"]) for p in ref.parameters()]
    assert counts == want
    assert counts[-1] == 16 - len(missing) and counts[0] == 16


def _stack() -> nn.Sequential:
    from hourglass.nn.blocks import mlp

    torch.manual_seed(5)
    inner = mlp([6, 9, 4], batch_norm=True, dropout=0.25, last_activation=True)
    return nn.Sequential(inner, nn.Linear(4, 6), nn.LeakyReLU(0.2), nn.BatchNorm1d(6), nn.Sigmoid())


@pytest.mark.parametrize("training", [True, False])
def test_sequential_forward_is_the_module_calls_bit_for_bit(training: bool) -> None:
    import copy

    from hourglass.nn.blocks import sequential_forward

    ref = _stack().train(training)
    ours = copy.deepcopy(ref)
    x = torch.randn(11, 6, generator=torch.Generator().manual_seed(6))
    for _ in range(3):  # running statistics and batch counters move in training mode
        outs = []
        for net, run in ((ref, ref), (ours, lambda h: sequential_forward(ours, h))):
            net.zero_grad(set_to_none=True)
            torch.manual_seed(7)  # the same dropout masks
            y = run(x)
            y.pow(2).sum().backward()
            outs.append((y.detach(), [p.grad for p in net.parameters()],
                         [b.clone() for b in net.buffers()]))
        (y1, g1, b1), (y2, g2, b2) = outs
        assert torch.equal(y1, y2)
        assert all(torch.equal(a, b) for a, b in zip(g1, g2, strict=True))
        assert all(torch.equal(a, b) for a, b in zip(b1, b2, strict=True)) and len(b1) == 9


def test_sequential_forward_leaves_unusual_batch_norm_calls_to_the_layer() -> None:
    from hourglass.nn.blocks import sequential_forward

    class Doubled(nn.Linear):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return 2 * super().forward(x)

    class Reversed(nn.Sequential):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for layer in reversed(self):
                x = layer(x)
            return x

    x = torch.randn(4, 3)
    for own in (nn.Sequential(Doubled(3, 3), nn.ReLU()), Reversed(nn.Linear(3, 3), nn.Tanh())):
        with torch.no_grad():  # layers with a forward of their own are called as they are
            assert torch.equal(sequential_forward(own, x), own(x))

    net = _stack().train()
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        sequential_forward(net, torch.randn(1, 6))
    bn = nn.BatchNorm1d(3, momentum=None).train()  # cumulative average: the layer's own path
    ref = nn.BatchNorm1d(3, momentum=None).train()
    x = torch.randn(5, 3)
    for _ in range(2):
        assert torch.equal(sequential_forward(nn.Sequential(bn), x), ref(x))
    assert torch.equal(bn.running_mean, ref.running_mean) and int(bn.num_batches_tracked) == 2


def test_autoencoder_forward_runs_its_layers_functions_bit_for_bit() -> None:
    import numpy as np

    from hourglass.detectors import AutoEncoder
    from hourglass.nn.blocks import sequential_forward

    X = np.random.default_rng(8).normal(size=(90, 5)).astype("float32")
    det = AutoEncoder(hidden=(8, 3), epochs=3, verbose=0).fit(X)
    module = det.module_
    x = torch.from_numpy(X[:7])
    for training in (False, True):
        module.train(training)
        with torch.no_grad():
            h = x
            for layer in [*module.encoder, *module.decoder]:  # the plain module calls
                h = layer(h)
            assert torch.equal(module(x), h)
            fast = sequential_forward(module.decoder, sequential_forward(module.encoder, x))
            assert torch.equal(fast, h)
    module.eval()


@pytest.mark.parametrize("case", ["train", "frozen", "no_grad", "eval"])
def test_spectral_norm_weight_is_the_parametrisations_bit_for_bit(case: str) -> None:
    import copy

    from hourglass.nn.gan import _linear_weight, _spectral_norm_of

    torch.manual_seed(9)
    ref = nn.utils.parametrizations.spectral_norm(nn.Linear(6, 4)).train(case != "eval")
    ours = copy.deepcopy(ref)
    assert _spectral_norm_of(nn.Linear(2, 2)) is None
    found = _spectral_norm_of(ours)
    assert found is not None and found[1] is ours.parametrizations.weight.original
    for layer in (ref, ours):
        layer.parametrizations.weight.original.requires_grad_(case != "frozen")
    for _ in range(3):  # power iterations move _u and _v in training mode
        if case == "no_grad":
            with torch.no_grad():
                want, got = ref.weight, _linear_weight(ours)
        elif case == "frozen":  # the generator side's phase: eval mode's normalisation
            ref.eval()
            want, got = ref.weight, _linear_weight(ours, power_iteration=False)
            ref.train()
        else:
            want, got = ref.weight, _linear_weight(ours)
        assert torch.equal(want, got)
        assert got.requires_grad == (case in ("train", "eval"))
        for a, b in zip(ref.buffers(), ours.buffers(), strict=True):
            assert torch.equal(a, b)
    if case == "train":
        for w in (ref.weight, _linear_weight(ours)):
            w.pow(2).sum().backward()
        assert torch.equal(ref.parametrizations.weight.original.grad,
                           ours.parametrizations.weight.original.grad)
