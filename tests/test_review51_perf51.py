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
