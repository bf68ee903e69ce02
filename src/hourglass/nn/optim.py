"""Adam as PyTorch's fused kernel, without ``torch.optim``'s machinery.

Every ``torch.optim`` optimiser imports ``torch._dynamo`` (the compiler front end) the first time
one is built or stepped, even when nothing is compiled: about 1.5 s of a command-line
``hourglass train`` on this project's 2-core reference machine, a quarter of the bundled demo's
training. :class:`FusedAdam` calls the same fused update kernel that
``torch.optim.Adam(fused=True)`` calls, with the same state (first and second moments, a float32
step count per parameter), so its updates are bit for bit those of ``torch.optim.Adam(...,
fused=True)``; a test checks that. It implements what the training loop needs (``step`` and
``zero_grad``), L2 ``weight_decay`` as ``Adam`` does, and no AMSGrad, maximisation, parameter
groups or state dicts.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

__all__ = ["FusedAdam"]


class FusedAdam:
    """Adam (Kingma & Ba, 2015) as one fused kernel call per step.

    Parameters
    ----------
    params
        Parameters to update; all on one device, floating point.
    lr, betas, eps, weight_decay
        As in :class:`torch.optim.Adam` (``weight_decay`` adds ``weight_decay * p`` to the
        gradient, Adam's L2 form, not AdamW's).

    Examples
    --------
    >>> import torch
    >>> w = torch.nn.Parameter(torch.tensor([3.0]))
    >>> opt = FusedAdam([w], lr=0.1)
    >>> for _ in range(100):
    ...     opt.zero_grad()
    ...     (w ** 2).sum().backward()
    ...     opt.step()
    >>> abs(float(w.detach())) < 0.5
    True
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("FusedAdam got no parameters")
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f"lr, eps and weight_decay must be >= 0, got {lr}, {eps}, {weight_decay}")
        if not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        devices = {(p.device, p.dtype) for p in self.params}
        if len(devices) != 1 or not self.params[0].is_floating_point():
            raise ValueError(f"FusedAdam needs floating-point parameters on one device, got {devices}")
        self.lr, self.betas, self.eps, self.weight_decay = float(lr), betas, float(eps), float(weight_decay)
        # created on a parameter's first gradient, as torch.optim.Adam does
        self._state: dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop (or zero) every parameter's gradient."""
        for p in self.params:
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.detach_().zero_()

    @torch.no_grad()
    def step(self) -> None:
        """One Adam update of the parameters that have a gradient."""
        params, grads, avgs, sqs, steps = [], [], [], [], []
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                raise RuntimeError("FusedAdam does not support sparse gradients")
            state = self._state.get(i)
            if state is None:
                state = (torch.zeros_like(p, memory_format=torch.preserve_format),
                         torch.zeros_like(p, memory_format=torch.preserve_format),
                         torch.zeros((), dtype=torch.float32, device=p.device))
                self._state[i] = state
            params.append(p)
            grads.append(p.grad)
            avgs.append(state[0])
            sqs.append(state[1])
            steps.append(state[2])
        if not params:
            return
        torch._foreach_add_(steps, 1)
        torch._fused_adam_(params, grads, avgs, sqs, [], steps, amsgrad=False, lr=self.lr,
                           beta1=self.betas[0], beta2=self.betas[1],
                           weight_decay=self.weight_decay, eps=self.eps, maximize=False,
                           grad_scale=None, found_inf=None)
