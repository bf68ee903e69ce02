"""Adam without ``torch.optim``'s machinery.

Every ``torch.optim`` optimiser imports ``torch._dynamo`` (the compiler front end) the first time
one is built or stepped, even when nothing is compiled: about 1.5 s of a command-line
``hourglass train`` on this project's 2-core reference machine, a quarter of the bundled demo's
training. :class:`Adam` runs the same update kernels as ``torch.optim.Adam`` — its ``foreach``
implementation (one call per operation for all tensors) or, with ``fused=True``, its fused
kernel — on the same state (first and second moments, a float32 step count per parameter), so
its updates are bit for bit those of ``torch.optim.Adam(..., foreach=True)`` /
``torch.optim.Adam(..., fused=True)``; tests check both. It implements what the training loop
needs (``step`` and ``zero_grad``), L2 ``weight_decay`` as ``Adam`` does, and no AMSGrad,
maximisation, parameter groups or state dicts.

The fused kernel runs on the CPU from torch 2.4 on (on CUDA before that): where the installed
torch has none for the parameters' device (torch 2.2 and 2.3 on the CPU, both allowed by the
package's ``torch>=2.2``), ``fused=True`` runs the ``foreach`` update instead, Adam's same
update rounded as ``foreach=True`` rounds it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

import torch

__all__ = ["Adam", "FusedAdam", "fused_adam_runs_on"]

logger = logging.getLogger(__name__)


@functools.cache
def fused_adam_runs_on(device_type: str) -> bool:
    """Whether this torch has the fused Adam kernel for ``device_type`` (``"cpu"``, ``"cuda"``
    ...): one step of it on a one-element tensor there, asked once per device type. torch
    2.2 and 2.3 have none for the CPU (``NotImplementedError``).

    Examples
    --------
    >>> fused_adam_runs_on("cpu") == (tuple(int(x) for x in torch.__version__.split(".")[:2]) >= (2, 4))
    True
    """
    try:
        p = torch.zeros(1, device=device_type)
        torch._fused_adam_([p], [torch.ones_like(p)], [torch.zeros_like(p)], [torch.zeros_like(p)], [],
                           [torch.ones((), device=device_type)], amsgrad=False, lr=1e-3, beta1=0.9,
                           beta2=0.999, weight_decay=0.0, eps=1e-8, maximize=False, grad_scale=None,
                           found_inf=None)
    except (NotImplementedError, RuntimeError):
        return False
    return True


class Adam:
    """Adam (Kingma & Ba, 2015), all tensors of a step updated together.

    Parameters
    ----------
    params
        Parameters to update; all on one device, floating point.
    lr, betas, eps, weight_decay
        As in :class:`torch.optim.Adam` (``weight_decay`` adds ``weight_decay * p`` to the
        gradient, Adam's L2 form, not AdamW's).
    fused
        One fused kernel call per step (``torch.optim.Adam(fused=True)``'s update) instead of
        a few ``foreach`` calls (``foreach=True``'s update). The two round differently. Where
        torch has no fused kernel for the parameters' device (the CPU before torch 2.4), the
        ``foreach`` update runs instead and ``self.fused`` is False.

    Examples
    --------
    >>> import torch
    >>> w = torch.nn.Parameter(torch.tensor([3.0]))
    >>> opt = Adam([w], lr=0.1)
    >>> for _ in range(100):
    ...     opt.zero_grad()
    ...     (w ** 2).sum().backward()
    ...     opt.step()
    >>> abs(float(w.detach())) < 0.5
    True
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, fused: bool = False) -> None:
        self.params = list(params)
        self.fused = bool(fused)
        if not self.params:
            raise ValueError("Adam got no parameters")
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f"lr, eps and weight_decay must be >= 0, got {lr}, {eps}, {weight_decay}")
        if not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        devices = {(p.device, p.dtype) for p in self.params}
        if len(devices) != 1 or not self.params[0].is_floating_point():
            raise ValueError(f"Adam needs floating-point parameters on one device, got {devices}")
        self.lr, self.betas, self.eps, self.weight_decay = float(lr), betas, float(eps), float(weight_decay)
        if self.fused and not fused_adam_runs_on(self.params[0].device.type):
            logger.debug("torch %s has no fused Adam kernel for %s: the foreach update instead",
                         torch.__version__, self.params[0].device.type)
            self.fused = False
        # created on a parameter's first gradient, as torch.optim.Adam does
        self._state: dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
        # the foreach update's step counts, kept in Python: torch.optim.Adam keeps float32 tensors
        # and reads them back with .item() on every step (one call per parameter)
        self._counts: dict[int, int] = {}
        # after a step where every parameter had a gradient and all counts were equal: the state
        # lists of that step and the shared count (the next such step reuses them instead of
        # gathering them parameter by parameter; self._counts is written back on leaving it)
        self._every: tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]] | None = None
        self._count = 0
        # with fused=True, the step counts of all parameters as one tensor once every parameter
        # has had a gradient in one step (their states hold views of it; see _shared_steps)
        self._shared = torch.zeros(0)
        # float32/float64 parameters on the CPU: the update's scalars as 0-dim tensors of that
        # type. There the foreach operations loop over the tensors, wrapping a Python number in
        # a tensor and casting it for each; a tensor operand is used as is: the same value
        # either way, so the same results. (Half precision computes with the number in float32,
        # and other devices' foreach kernels take the numbers directly: both keep them.)
        dtype, device = self.params[0].dtype, self.params[0].device
        self._scalars = dtype in (torch.float32, torch.float64) and device.type == "cpu"
        self._beta2 = torch.tensor(float(betas[1]), dtype=dtype, device=device)
        self._eps = torch.tensor(self.eps, dtype=dtype, device=device)
        self._scale = torch.zeros((), dtype=dtype, device=device)  # refilled on every step

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
        every = [p.grad for p in self.params]
        present = [g for g in every if g is not None]
        if self._every is not None and len(present) == len(every):
            if any(g.is_sparse for g in present):
                raise RuntimeError("Adam does not support sparse gradients")
            avgs, sqs, steps = self._every
            self._count = min(self._count + 1, 2 ** 24)
            self._update(self.params, present, avgs, sqs, steps, [self._count])
            return
        if self._every is not None:  # back to counting parameter by parameter
            self._counts = dict.fromkeys(range(len(self.params)), self._count)
            self._every = None
        params, grads, avgs, sqs, steps, counts = [], [], [], [], [], []
        for i, (p, grad) in enumerate(zip(self.params, every, strict=True)):
            if grad is None:
                continue
            if grad.is_sparse:
                raise RuntimeError("Adam does not support sparse gradients")
            state = self._state.get(i)
            if state is None:
                # the fused kernel's step count lives on the parameter's device, as in
                # torch.optim.Adam; the foreach update counts in self._counts
                state = (torch.zeros_like(p, memory_format=torch.preserve_format),
                         torch.zeros_like(p, memory_format=torch.preserve_format),
                         torch.zeros((), dtype=torch.float32, device=p.device))
                self._state[i] = state
            params.append(p)
            grads.append(grad)
            avgs.append(state[0])
            sqs.append(state[1])
            steps.append(state[2])
            if not self.fused:
                # a float32 count stops at 2**24 (adding 1 there rounds back down): so does this
                self._counts[i] = count = min(self._counts.get(i, 0) + 1, 2 ** 24)
                counts.append(count)
        if not params:
            return
        if len(params) == len(self.params) and all(t == counts[0] for t in counts):
            if self.fused:
                steps = self._shared_steps(steps)
            self._every, self._count = (avgs, sqs, steps), counts[0] if counts else 0
            counts = counts[:1]
        self._update(params, grads, avgs, sqs, steps, counts)

    def _shared_steps(self, steps: list[torch.Tensor]) -> list[torch.Tensor]:
        """The fused kernel's step counts of all parameters (``steps``, in parameter order) moved
        into one tensor, each parameter's count a view of it (its state's from now on), so that
        a step where every parameter has a gradient counts them with one addition: a ``foreach``
        addition on the CPU adds to each 0-dim tensor in turn, a scalar wrapped and cast for each
        (40 µs a step for an AutoEncoder's 26 tensors, against 2 µs). The same counts."""
        shared = torch.stack(steps)
        views = list(shared.unbind(0))
        for i, view in enumerate(views):
            avg, sq, _ = self._state[i]
            self._state[i] = (avg, sq, view)
        self._shared = shared
        return views

    def _update(self, params: list[torch.Tensor], grads: list[torch.Tensor],
                avgs: list[torch.Tensor], sqs: list[torch.Tensor], steps: list[torch.Tensor],
                counts: list[int]) -> None:
        """The update proper; ``counts``: the foreach update's step count per parameter, or one
        shared by all (unused by the fused kernel, which counts in ``steps``)."""
        beta1, beta2 = self.betas
        if self.fused:
            if self._every is not None and steps is self._every[2]:
                self._shared.add_(1)  # every parameter's count, views of this one tensor
            else:
                torch._foreach_add_(steps, 1)
            torch._fused_adam_(params, grads, avgs, sqs, [], steps, amsgrad=False, lr=self.lr,
                               beta1=beta1, beta2=beta2, weight_decay=self.weight_decay,
                               eps=self.eps, maximize=False, grad_scale=None, found_inf=None)
            return
        # torch.optim.Adam's foreach update (not capturable, no AMSGrad), operation for operation
        if self.weight_decay != 0:
            grads = list(torch._foreach_add(grads, params, alpha=self.weight_decay))
        torch._foreach_lerp_(avgs, grads, 1 - beta1)
        torch._foreach_mul_(sqs, self._beta2 if self._scalars else beta2)
        torch._foreach_addcmul_(sqs, grads, grads, 1 - beta2)
        step_size = [(self.lr / (1 - beta1 ** float(t))) * -1 for t in counts]
        if len(counts) == 1:
            step_size *= len(params)
        denom = torch._foreach_sqrt(sqs)
        if self._scalars and all(t == counts[0] for t in counts):  # one divisor for all
            torch._foreach_div_(denom, self._scale.fill_((1 - beta2 ** float(counts[0])) ** 0.5))
        else:
            torch._foreach_div_(denom, [(1 - beta2 ** float(t)) ** 0.5 for t in counts] * (
                len(params) if len(counts) == 1 else 1))
        if self._scalars:
            torch._foreach_add_(denom, self._eps, alpha=1.0)  # alpha: the tensor overload
        else:
            torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(params, avgs, denom, step_size)


class FusedAdam(Adam):
    """:class:`Adam` with ``fused=True``: ``torch.optim.Adam(fused=True)``'s update.

    Examples
    --------
    >>> import torch
    >>> FusedAdam([torch.nn.Parameter(torch.zeros(2))], lr=1e-3).fused == fused_adam_runs_on("cpu")
    True
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, fused=True)
