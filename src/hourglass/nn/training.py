"""The one training loop (STYLE.md item 4).

A model is a :class:`torch.nn.Module` with two methods:

* ``loss(batch) -> Tensor`` — a scalar to minimise for a batch (a tuple of tensors);
* ``score(batch) -> Tensor`` — one anomaly score per row of the batch.

:func:`train_module` owns everything else: the optimiser, mini-batches sliced from in-memory
tensors, gradient clipping, validation loss, early stopping, progress and logging.

Models that alternate between several optimisers (a GAN's discriminator and generator, each with
its own learning rate) also provide

* ``phases() -> Sequence[Phase]`` — the parameter groups, in the order they are stepped on each
  batch, each with its own optimiser settings;
* ``phase_loss(name, batch) -> Tensor`` — the scalar the phase ``name`` minimises.

The loop then steps each phase's own optimiser on each batch, in order (so a generator phase sees
the discriminator just updated), clipping that phase's gradients; ``loss(batch)`` remains the
label-free validation criterion that early stopping watches.

With ``TrainConfig.ema_decay`` the loop also keeps an exponential moving average of the parameters
(Polyak averaging; for GANs, Yazıcı et al. 2019): validation, the best-epoch checkpoint and the
returned weights are the averaged ones, while the optimisers keep stepping the live weights. An
adversarial game does not converge to a point but circles around it; the average sits nearer
the centre than any single iterate, so the model kept depends less on where the last step landed.

``TrainConfig.extra_loss`` adds a term of the module's weights to every optimiser step's loss
(not to the recorded or validation losses): e.g. :func:`proximal_term`, FedProx's pull toward
the weights a federated round started from.
"""

from __future__ import annotations

import logging
import math
import numbers
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import torch
from torch import nn

from hourglass._columns import counted
from hourglass.errors import HourglassError, InputError
from hourglass.nn.optim import Adam

if TYPE_CHECKING:
    from rich.progress import Progress

__all__ = ["Phase", "TrainConfig", "TrainHistory", "TrainingDiverged", "check_proximal_mu", "predict_batches",
           "proximal_term", "rows_tensor", "train_module"]

logger = logging.getLogger(__name__)

Batch = tuple[torch.Tensor, ...]


class TrainingDiverged(HourglassError, FloatingPointError):
    """Training gave a loss or weights that are not finite (NaN or inf): the model would score
    nothing but NaN. A ``FloatingPointError`` as before, and an :class:`HourglassError`, so that
    the CLI says it in one line (exit code 2: the learning rate or the data is at fault).

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import AutoEncoder
    >>> X = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    >>> try:
    ...     AutoEncoder(hidden=(4, 2), epochs=2, lr=1e30, verbose=0).fit(X)
    ... except TrainingDiverged as e:
    ...     print(e)
    training diverged at epoch 1 (loss is nan); lower the learning rate or scale the inputs
    >>> issubclass(TrainingDiverged, FloatingPointError)
    True
    """


class Optimiser(Protocol):
    """What the loop needs of an optimiser: a ``torch.optim.Optimizer`` or
    :class:`hourglass.nn.optim.Adam`."""

    def zero_grad(self, set_to_none: bool = True) -> None: ...

    def step(self) -> object: ...


@dataclass(frozen=True)
class TrainConfig:
    """Settings of :func:`train_module`.

    ``min_steps`` is a floor on the optimiser steps (batches): with few rows an epoch is one or
    two steps, and ``epochs`` alone would stop after a handful of updates; epochs are then
    added past ``epochs`` until the floor is reached, and early stopping waits for it too.
    ``group_epochs`` then judges the model (validation loss, weight-average swap, best-epoch
    copy, patience) once per group of ``total epochs // epochs`` epochs (and after the last
    one) rather than after each, so that there are about ``epochs`` checks, as on data large
    enough not to need the floor; ``patience`` then counts checks.

    ``keep_initial`` (continuing to train a fitted model: a warm start) judges the module's
    weights before the first step too, as epoch 0, when there are validation rows: when no
    epoch beats them on the validation loss, they are what the loop restores
    (``TrainHistory.best_epoch`` is then 0). ``freeze_batch_norm`` keeps batch-norm layers in
    evaluation mode throughout: they normalise with the running statistics the module came with
    and never update them (fine-tuning a trained network: statistics re-estimated on new rows
    would shift every layer after them before the weights could follow).

    ``extra_loss(module)`` (default ``None``: nothing) is added to the loss of every optimiser
    step: a regulariser of the weights such as :func:`proximal_term`. Training and validation
    losses are recorded without it, so early stopping judges the fit of the data alone. Not
    with multi-optimiser models (``phases()``).

    ``eval_batch_size`` is the rows per pass of the loss-only evaluations (validation loss;
    ``None``: ``max(batch_size, 4096)``, large batches being faster for small networks); a model
    whose activations grow with another dimension (a decoder's logits over many keys) bounds it.

    Examples
    --------
    >>> TrainConfig(epochs=5).batch_size
    256
    """

    epochs: int = 50
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.0
    patience: int | None = 5
    min_delta: float = 1e-4
    clip_grad_norm: float | None = 5.0
    verbose: int = 1
    optimizer: Callable[..., Optimiser] | None = None
    ema_decay: float | None = None
    min_steps: int = 0
    group_epochs: bool = False
    keep_initial: bool = False
    freeze_batch_norm: bool = False
    extra_loss: Callable[[nn.Module], torch.Tensor] | None = None
    eval_batch_size: int | None = None
    #: what one training sample is, as a message counts them ("window" for a windowed model)
    sample: str = "row"

    @property
    def eval_rows(self) -> int:
        """Rows per pass of the loss-only evaluations: ``eval_batch_size``, or by default
        ``max(batch_size, 4096)``."""
        if self.eval_batch_size is not None:
            return max(1, int(self.eval_batch_size))
        return max(self.batch_size, 4096)


#: The largest ``proximal_mu``: the term is computed in float32, and a larger one is inf from the
#: first step (NaN times a distance of 0), a run stopped with "training diverged ... lower the
#: learning rate", blaming the rate or the data
PROXIMAL_MU_TOP = float(torch.finfo(torch.float32).max)


def check_proximal_mu(mu: object) -> float:
    """``mu`` as a FedProx weight (:func:`proximal_term`; a warm start's and a federated run's
    ``proximal_mu``): a finite number from 0 to :data:`PROXIMAL_MU_TOP`, else an
    :class:`~hourglass.errors.InputError` naming ``proximal_mu`` (its ``param``).

    Parameters
    ----------
    mu
        The setting as given.

    Returns
    -------
    float
        ``mu`` as a float.

    Examples
    --------
    >>> check_proximal_mu(0.01)
    0.01
    >>> check_proximal_mu(1e39)
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: proximal_mu must be at most 3.4e+38 (a float32), got 1e+39
    """
    number = float(mu) if isinstance(mu, numbers.Real) and not isinstance(mu, bool) else math.nan
    if not (math.isfinite(number) and number >= 0):
        # (float() said "could not convert string to float: 'a'", naming no parameter)
        shown = mu if isinstance(mu, numbers.Real) and not isinstance(mu, bool) else repr(mu)
        raise InputError(f"proximal_mu must be a finite number >= 0, got {shown}", param="proximal_mu")
    if number > PROXIMAL_MU_TOP:
        raise InputError(f"proximal_mu must be at most {PROXIMAL_MU_TOP:.3g} (a float32), got {mu}",
                         param="proximal_mu")
    return number


def proximal_term(module: nn.Module, mu: float) -> Callable[[nn.Module], torch.Tensor]:
    """FedProx's proximal term (Li et al. 2020): ``mu / 2 * ||w - w0||^2`` over the trainable
    parameters ``w`` of ``module``, ``w0`` their values now (copied), for
    ``TrainConfig.extra_loss``. A local fit that starts from the global weights is pulled back
    toward them: sites with unlike data drift less apart between two averagings.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> lin = nn.Linear(2, 1)
    >>> term = proximal_term(lin, 2.0)
    >>> float(term(lin).detach())
    0.0
    >>> with torch.no_grad():
    ...     _ = lin.bias.add_(3.0)
    >>> float(term(lin).detach())  # 2 / 2 * 3 ** 2
    9.0
    """
    half_mu = check_proximal_mu(mu) / 2
    anchors = {name: p.detach().clone() for name, p in module.named_parameters() if p.requires_grad}

    def term(m: nn.Module) -> torch.Tensor:
        params = [(p, anchors[name]) for name, p in m.named_parameters() if name in anchors]
        total = torch.stack([((p - a) ** 2).sum() for p, a in params]).sum()
        return half_mu * total

    return term


@dataclass(frozen=True)
class Phase:
    """One optimiser of a multi-optimiser model: which parameters it steps and how.

    Parameters
    ----------
    name
        Passed to the model's ``phase_loss(name, batch)``.
    params
        Parameters this phase's optimiser updates (gradients of the others are discarded).
    lr
        Learning rate of this phase (``None``: the config's ``lr``) — two-timescale GAN
        training gives the discriminator a larger one than the generator.
    options
        Extra keyword arguments for the optimiser factory, e.g. ``{"betas": (0.5, 0.999)}``.

    Examples
    --------
    >>> from torch import nn
    >>> Phase("d", tuple(nn.Linear(2, 1).parameters()), lr=4e-4).lr
    0.0004
    """

    name: str
    params: Sequence[nn.Parameter]
    lr: float | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class TrainHistory:
    """What happened during training: per-epoch losses, the best epoch and the time it took.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import AutoEncoder
    >>> X = np.random.default_rng(0).normal(size=(200, 4)).astype("float32")
    >>> h = AutoEncoder(hidden=(4, 2), epochs=3, verbose=0).fit(X).history_
    >>> len(h.train_loss), len(h.val_loss), 1 <= h.best_epoch <= 3
    (3, 3, True)
    >>> h.best_val_loss == h.val_loss[h.best_epoch - 1]   # the held-out loss of the weights kept
    True
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    seconds: float = 0.0
    #: the held-out loss of the weights the loop kept: the best epoch's or, where the starting
    #: weights won (``keep_initial``, ``best_epoch`` 0), theirs, which ``val_loss`` (one value per
    #: epoch run) does not hold; ``None`` without held-out rows. Not saved with a model (``to_dict``)
    best_val_loss: float | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON view, for the artefact's model card: losses to 6 significant digits (to 6
        decimals, a loss below 5e-7, as well-fitted rows of small spread give, was saved as 0).

        Examples
        --------
        >>> TrainHistory([0.123456789, 3.2e-9], [2.5e-8]).to_dict()["train_loss"]
        [0.123457, 3.2e-09]
        """
        return {
            "train_loss": [_significant(v) for v in self.train_loss],
            "val_loss": [_significant(v) for v in self.val_loss],
            "best_epoch": self.best_epoch,
            "stopped_early": self.stopped_early,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_dict(cls, data: object) -> TrainHistory:
        """The history :meth:`to_dict` wrote (a saved model's), checked: a value of another type
        raises ``ValueError``.

        Examples
        --------
        >>> h = TrainHistory([0.5, 0.25], [0.4, 0.3], best_epoch=2, seconds=1.25)
        >>> TrainHistory.from_dict(h.to_dict()) == h
        True
        """
        def number(v: object) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool)

        if not isinstance(data, dict):
            raise ValueError("training history: not an object")
        train, val = data.get("train_loss", []), data.get("val_loss", [])
        best, early, seconds = data.get("best_epoch", 0), data.get("stopped_early", False), \
            data.get("seconds", 0.0)
        if not (isinstance(train, list) and isinstance(val, list)
                and all(number(v) for v in [*train, *val])):
            raise ValueError("training history: the losses are not lists of numbers")
        if not (isinstance(best, int) and not isinstance(best, bool) and isinstance(early, bool)
                and number(seconds)):
            raise ValueError("training history: best_epoch, stopped_early or seconds of another type")
        return cls([float(v) for v in train], [float(v) for v in val], best, early, float(seconds))


def _significant(value: float, digits: int = 6) -> float:
    """``value`` rounded to ``digits`` significant digits (non-finite values as they are)."""
    return float(f"{value:.{digits}g}") if math.isfinite(value) else float(value)


def _batches(n: int, batch_size: int) -> list[tuple[int, int]]:
    """Batch bounds covering all ``n`` rows; a last batch of one row is merged into the previous
    one (batch norm cannot train on a single row), and data smaller than a batch is one batch."""
    bounds = [(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < 2:
        last = bounds.pop()
        bounds[-1] = (bounds[-1][0], last[1])
    return bounds


def _progress(verbose: int, total: int, description: str) -> Progress | None:
    """A rich progress bar on an interactive terminal, else ``None`` (also where there is no
    standard error, ``pythonw`` or a service's ``None``, or it is a stream without ``isatty``)."""
    isatty = getattr(sys.stderr, "isatty", None)
    if verbose <= 0 or isatty is None or not isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


class _Modes:
    """``module.train()`` / ``module.eval()`` for the loop, which switches modes several times an
    epoch. ``nn.Module.train`` walks the module tree and sets ``training`` through
    ``nn.Module.__setattr__`` on each submodule; on small data, with an epoch of one or two
    steps, that walk was a tenth of a GAN's fit time. When no submodule overrides ``train``, the
    flags are set directly on the list of submodules collected once (the same end state);
    otherwise ``module.train(mode)`` is called as usual."""

    def __init__(self, module: nn.Module, freeze_batch_norm: bool = False) -> None:
        self.module = module
        subs = list(module.modules())
        self.norms = ([m for m in subs if isinstance(m, nn.modules.batchnorm._BatchNorm)]
                      if freeze_batch_norm else [])
        self.plain = subs if all(type(m).train is nn.Module.train for m in subs) else None
        if self.plain is not None and self.norms:
            self.plain = [m for m in self.plain if not any(m is n for n in self.norms)]

    def set(self, mode: bool) -> None:
        if self.plain is None:
            self.module.train(mode)
            for norm in self.norms:  # frozen: normalised with their running statistics, never updated
                norm.eval()
            return
        for m in self.plain:
            object.__setattr__(m, "training", mode)


def _mean_loss(module: nn.Module, data: Batch, batch_size: int, modes: _Modes | None = None) -> float:
    if modes is None:
        module.eval()
    else:
        modes.set(False)
    total, count = 0.0, 0
    with torch.inference_mode():
        for lo, hi in _batches(data[0].shape[0], batch_size):
            batch = tuple(t[lo:hi] for t in data)
            total += float(module.loss(batch)) * (hi - lo)  # type: ignore[operator]
            count += hi - lo
    return total / max(count, 1)


class _ParameterAverage:
    """Exponential moving average of a module's floating-point parameters.

    The decay warms up as ``min(decay, (1 + t) / (10 + t))`` after ``t`` updates, so that a run
    of few steps (small data: one or two batches an epoch) averages recent weights rather than
    staying near the initial ones. Buffers are not averaged: the live ones are used.
    """

    def __init__(self, module: nn.Module, decay: float) -> None:
        if not 0 < decay < 1:
            raise ValueError(f"ema_decay must be in (0, 1), got {decay}")
        self.decay = decay
        self.steps = 0
        self.live = [p for p in module.parameters() if p.is_floating_point()]
        # detached views of the live parameters, made once: they share the parameters' storage
        # (steps and swaps write it in place), so they always read the current values
        self._live = [p.detach() for p in self.live]
        self.average = [p.detach().clone() for p in self.live]
        self._spare = [torch.empty_like(a) for a in self.average]

    @torch.no_grad()
    def update(self) -> None:
        self.steps += 1
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        torch._foreach_lerp_(self.average, self._live, 1.0 - decay)

    @torch.no_grad()
    def swap(self) -> None:
        """Exchange the live and the averaged values in place (call twice to undo): three
        all-tensor copies through a spare buffer allocated once, not a clone per tensor."""
        live = self._live
        torch._foreach_copy_(self._spare, live)
        torch._foreach_copy_(live, self.average)
        torch._foreach_copy_(self.average, self._spare)


def _snapshot(module: nn.Module, previous: dict[str, torch.Tensor] | None) -> dict[str, torch.Tensor]:
    """A copy of ``module.state_dict()``, written into ``previous`` when it holds tensors of the
    same names, shapes and types (one all-tensor copy instead of a new tensor per entry each
    time the best epoch moves)."""
    state = module.state_dict()
    if (previous is not None and previous.keys() == state.keys()
            and all(previous[k].shape == v.shape and previous[k].dtype == v.dtype
                    and previous[k].device == v.device for k, v in state.items())):
        torch._foreach_copy_(list(previous.values()), [v.detach() for v in state.values()])
        return previous
    return {k: v.detach().clone() for k, v in state.items()}


def _sequence_of(where: str, what: str, data: Sequence[Any], *, arrays: bool = False) -> tuple[Any, ...]:
    """``data`` (``train_module``'s ``train`` or ``val``, ``predict_batches``' ``data``) as a
    tuple of tensors (``arrays``: or NumPy arrays), each of at least one dimension (its rows), or
    a ``ValueError`` from ``where`` that says what is wrong. A bare tensor or array, a sequence
    itself, was read as one tensor per row: ``train_module(m, X, ...)`` trained on the first
    row's values alone (their count taken for the rows) and ``predict_batches(fn, X)`` gave the
    first row's results, without a word; an empty one was an ``IndexError`` and an array given
    to the loop an ``AttributeError`` from inside it."""
    name = "X_val" if what == "val" else "X"
    kinds = "arrays or tensors" if arrays else "tensors"
    if isinstance(data, torch.Tensor | np.ndarray):
        one = "a tensor" if isinstance(data, torch.Tensor) else "an array"
        raise ValueError(f"{where}: {what} must be a sequence of {kinds}, such as ({name},), not "
                         f"{one} (it would be read as one per row)")
    items = tuple(data)
    if not items:
        raise ValueError(f"{where}: {what} holds no {kinds}; give ({name},)"
                         + (" or val=None" if what == "val" else ""))
    for i, t in enumerate(items):
        if not (isinstance(t, torch.Tensor) or (arrays and isinstance(t, np.ndarray))):
            advice = "" if arrays else "; give torch tensors (torch.from_numpy for a NumPy array)"
            raise ValueError(f"{where}: {what}[{i}] is a {type(t).__name__}, not a "
                             f"{'NumPy array or ' if arrays else ''}tensor{advice}")
        if t.ndim == 0:
            raise ValueError(f"{where}: {what}[{i}] has no dimension; give one row per sample")
    return items


def _check_settings(config: TrainConfig) -> None:
    """Refuse, naming it, an optimiser or stopping setting of ``config`` the loop cannot train
    with, before any step (``epochs``, ``batch_size`` and the bound of ``patience`` are checked
    beside it). A NaN ``lr`` or ``weight_decay`` was "training diverged ... lower the learning
    rate"; others trained in silence: a ``clip_grad_norm`` below 0 turned every gradient around
    (the loss climbed), 0 zeroed them and ``lr=0`` took no step (the weights never moved), a NaN
    ``min_delta`` let no epoch beat the first, whose weights were restored, and a fractional
    ``patience`` waited for the next whole number of bad epochs (text was ``int()``'s error);
    ``eval_batch_size`` is ``None`` or an integer >= 1."""
    def check(name: str, low: int, *, above: bool = False, optional: bool = False,
              integer: bool = False) -> None:
        value = getattr(config, name)
        if value is None and optional:
            return
        kind = "an integer" if integer else "a finite number"
        said = (f"TrainConfig.{name} must be {'None or ' if optional else ''}{kind} "
                f"{'>' if above else '>='} {low}, got {value!r}")
        if isinstance(value, bool) or not isinstance(value, numbers.Integral if integer else numbers.Real):
            raise ValueError(said)
        number = float(value)
        if not math.isfinite(number) or number < low or (above and number == low):
            raise ValueError(said)

    patience = config.patience  # (its bound is the caller's check, as epochs' is)
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, numbers.Integral)):
        raise ValueError(f"TrainConfig.patience must be None or an integer >= 1, got {patience!r}")
    check("min_steps", 0, integer=True)
    check("lr", 0, above=True)
    check("weight_decay", 0)
    check("clip_grad_norm", 0, above=True, optional=True)
    check("min_delta", 0)
    # a NaN was int()'s "cannot convert float NaN to integer", inf its OverflowError; 0 or -3 was
    # read as 1 row per pass, 2.5 as 2, without a word
    check("eval_batch_size", 1, optional=True, integer=True)


def _adam(params: list[nn.Parameter], **kwargs: Any) -> Optimiser:
    """Adam updating all tensors of a step at once (``foreach``): the same update as the
    per-tensor loop, with one call per step instead of one per tensor (a network with batch
    norm has twice the tensors; on CPU that loop was a sixth of the fit time). Bit for bit
    ``torch.optim.Adam(params, foreach=True)``, without its ``torch._dynamo`` import
    (:mod:`hourglass.nn.optim`)."""
    return Adam(params, **kwargs)


def _optimisers(module: nn.Module, config: TrainConfig,
                ) -> list[tuple[str | None, list[nn.Parameter], Optimiser]]:
    """(phase name, parameters, optimiser) per step of a batch; one unnamed step for a model
    without ``phases()``."""
    make_opt = config.optimizer or _adam
    if not hasattr(module, "phases"):
        params = [p for p in module.parameters() if p.requires_grad]
        return [(None, params, make_opt(params, lr=config.lr, weight_decay=config.weight_decay))]
    if not hasattr(module, "phase_loss"):
        raise TypeError(f"{type(module).__name__} declares phases() but has no phase_loss()")
    out: list[tuple[str | None, list[nn.Parameter], Optimiser]] = []
    seen: set[str] = set()
    for phase in module.phases():  # type: ignore[operator]
        params = [p for p in phase.params if p.requires_grad]
        if phase.name in seen or not params:
            raise ValueError(f"phase {phase.name!r} is repeated or has no trainable parameters")
        seen.add(phase.name)
        lr = config.lr if phase.lr is None else phase.lr
        if (isinstance(lr, bool) or not isinstance(lr, numbers.Real)
                or not (math.isfinite(lr) and float(lr) >= 0)):
            # (a NaN one was "training diverged ... lower the learning rate"; 0 freezes the phase)
            raise ValueError(f"phase {phase.name!r}: lr must be a finite number >= 0, got {lr!r}")
        out.append((phase.name, params,
                    make_opt(params, lr=lr, weight_decay=config.weight_decay, **phase.options)))
    if not out:
        raise ValueError(f"{type(module).__name__}.phases() is empty")
    return out


@torch.no_grad()
def _clip_grad_norm(params: list[nn.Parameter], max_norm: float, uniform: bool | None = None) -> None:
    """``nn.utils.clip_grad_norm_(params, max_norm, foreach=True)``: one norm call for all
    tensors (CPU defaults to one per tensor), and when the gradients share one device and type
    the same kernels called directly (torch's wrapper regroups the tensors on every call, a
    sizeable share of a small step); the same norms and scaling, bit for bit. ``uniform``:
    whether the parameters share one device and type, if the caller knows (a gradient has its
    parameter's device and type, so the loop works it out once, not on every step)."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    if uniform is None:
        uniform = all(g.device == grads[0].device and g.dtype == grads[0].dtype for g in grads)
    if not uniform:
        nn.utils.clip_grad_norm_(params, max_norm, foreach=True)
        return
    total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads, 2.0)), 2.0)
    torch._foreach_mul_(grads, torch.clamp(float(max_norm) / (total + 1e-6), max=1.0))


def _other_phases(steps: Sequence[tuple[str | None, list[nn.Parameter], Any]]) -> list[list[nn.Parameter]]:
    """Per step, the trainable parameters of the other phases that are not also in this one."""
    out = []
    for _, params, _ in steps:
        own = {id(p) for p in params}
        seen: set[int] = set()
        others = []
        for _, other, _ in steps:
            for p in other:
                if id(p) not in own and id(p) not in seen:
                    seen.add(id(p))
                    others.append(p)
        out.append(others)
    return out


def _require_grad(params: list[nn.Parameter], flag: bool) -> None:
    for p in params:
        p.requires_grad_(flag)


def train_module(
    module: nn.Module,
    train: Sequence[torch.Tensor],
    val: Sequence[torch.Tensor] | None,
    config: TrainConfig,
    *,
    generator: torch.Generator,
    description: str = "training",
) -> TrainHistory:
    """Train ``module`` in place and restore the weights of its best validation epoch; the
    gradients are freed at the end (each parameter's ``.grad`` is ``None``).

    Parameters
    ----------
    module
        Model with ``loss(batch)`` and ``score(batch)``; already on the target device. With
        ``phases()`` and ``phase_loss(name, batch)`` too, each phase gets its own optimiser
        and is stepped in turn on every batch; the recorded training loss is then the sum of
        the phase losses, and ``loss(batch)`` is only the validation criterion.
    train, val
        Tuples (or lists) of tensors, ``(X,)`` or ``(X, y)``: the same number of rows each, on
        the module's device (a bare tensor is refused: it would read as one tensor per row);
        ``val`` may be ``None``, in which case early stopping watches the training loss.
    config
        Optimiser, batching and stopping settings.
    generator
        Seeded generator for the shuffling order (reproducibility).
    description
        Text for the progress bar.

    Returns
    -------
    TrainHistory

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> class Mean(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.mu = nn.Parameter(torch.zeros(2))
    ...     def loss(self, batch):
    ...         return ((batch[0] - self.mu) ** 2).mean()
    ...     def score(self, batch):
    ...         return ((batch[0] - self.mu) ** 2).mean(dim=1)
    >>> m = Mean()
    >>> X = torch.ones(64, 2)
    >>> h = train_module(m, (X,), None, TrainConfig(epochs=300, lr=0.05, patience=None,
    ...                                             verbose=0),
    ...                  generator=torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(m.mu, torch.ones(2), atol=1e-2)), m.mu.grad is None
    (True, True)
    """
    train = _sequence_of("train_module", "train", train)
    val = None if val is None else _sequence_of("train_module", "val", val)
    n = train[0].shape[0]
    # said here, not as "training diverged at epoch 0", range()'s zero step or a division by zero
    for setting in ("epochs", "batch_size"):
        value = getattr(config, setting)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):  # else range()'s TypeError
            raise ValueError(f"TrainConfig.{setting} must be an integer, got {value!r}")
        if int(value) < 1:
            raise ValueError(f"TrainConfig.{setting} must be >= 1, got {value}")
    # a shorter tensor was an IndexError from the shuffle, a longer one silently cut to n rows
    for what, tensors in (("train", train), ("val", tuple(val) if val is not None else ())):
        rows = [int(t.shape[0]) for t in tensors]
        if len(set(rows)) > 1:
            raise ValueError(f"train_module: the {what} tensors have different numbers of rows "
                             f"({', '.join(map(str, rows))}); give one row per sample in each")
    _check_settings(config)
    if config.patience is not None and int(config.patience) < 1:
        raise ValueError(f"TrainConfig.patience must be None or >= 1, got {config.patience}")
    if n == 0:
        raise ValueError("train_module: no training rows")
    steps = _optimisers(module, config)
    extra = config.extra_loss
    if extra is not None and steps[0][0] is not None:
        raise ValueError(f"extra_loss: {type(module).__name__} trains in phases(); an extra loss "
                         "term is only for single-optimiser models")
    frozen = _other_phases(steps)
    uniform = [len({(p.device, p.dtype) for p in params}) == 1 for _, params, _ in steps]
    history = TrainHistory()
    average = None if config.ema_decay is None else _ParameterAverage(module, config.ema_decay)
    best = math.inf
    best_state: dict[str, torch.Tensor] | None = None
    bad_epochs = 0
    start = time.perf_counter()
    steps_per_epoch = max(len(_batches(n, config.batch_size)), 1)
    epochs = max(config.epochs, math.ceil(config.min_steps / steps_per_epoch))
    if epochs > config.epochs:
        logger.info("%s: up to %d epochs, not %d: %s make %s per epoch and min_steps asks for %d",
                    description, epochs, config.epochs, counted(n, config.sample),
                    counted(steps_per_epoch, "optimiser step"), config.min_steps)
    group = max(1, epochs // config.epochs) if config.group_epochs else 1
    progress = _progress(config.verbose, epochs, description)
    modes = _Modes(module, config.freeze_batch_norm)
    for m in modes.norms:
        m.eval()
    if config.keep_initial and val is not None and val[0].shape[0] > 0:
        # the weights the loop starts from compete as epoch 0 on the held-out loss (with a
        # weight average, the average starts equal to them)
        best = _mean_loss(module, tuple(val), config.eval_rows, modes)
        best_state = _snapshot(module, None)
    # the starting weights (once a call), to tell at a first epoch's divergence whether training
    # rows overflow float32 under them (the data to scale) or the steps blew up (the learning rate)
    initial = best_state if best_state is not None else _snapshot(module, None)
    task = None
    if progress is not None:
        progress.start()
        task = progress.add_task(description, total=epochs, info="")
    try:
        for epoch in range(epochs):
            modes.set(True)
            perm = torch.randperm(n, generator=generator).to(train[0].device)
            # index_select: the same rows as t[perm], ~4x faster on CPU (a row copy per index)
            shuffled = tuple(t.index_select(0, perm) for t in train)
            running = torch.zeros((), device=train[0].device)
            for lo, hi in _batches(n, config.batch_size):
                batch = tuple(t[lo:hi] for t in shuffled)
                for (name, params, opt), others, same in zip(steps, frozen, uniform, strict=True):
                    # the other phases' parameters do not record a graph in this phase: their
                    # gradients would be discarded (each optimiser zeroes its own before its
                    # backward), and the ones kept are the same, bit for bit
                    _require_grad(others, False)
                    try:
                        loss = (module.loss(batch) if name is None  # type: ignore[operator]
                                else module.phase_loss(name, batch))  # type: ignore[operator]
                        opt.zero_grad(set_to_none=True)
                        if extra is None:
                            loss.backward()
                        else:
                            (loss + extra(module)).backward()
                    finally:
                        _require_grad(others, True)
                    if config.clip_grad_norm is not None:
                        _clip_grad_norm(params, config.clip_grad_norm, same)
                    opt.step()
                    running += loss.detach() * (hi - lo)
                if average is not None:
                    average.update()
            # checked once per epoch: a per-batch check would force a device sync every step
            if not torch.isfinite(running):
                if epoch == 0:
                    module.load_state_dict(initial)
                    if not math.isfinite(_mean_loss(module, train, config.eval_rows, modes)):
                        raise TrainingDiverged(
                            f"training diverged at epoch 1 (loss is {float(running)}): some training "
                            "rows hold values whose error overflows float32 under the starting "
                            "weights; scale the inputs (e.g. a log transform) or drop those rows")
                raise TrainingDiverged(
                    f"training diverged at epoch {epoch + 1} (loss is {float(running)}); "
                    "lower the learning rate or scale the inputs")
            history.train_loss.append(float(running) / n)
            if (epoch + 1) % group and epoch + 1 < epochs:
                if progress is not None and task is not None:
                    progress.update(task, advance=1)
                continue
            watched = history.train_loss[-1]
            if average is not None:
                average.swap()  # judge (and keep) the averaged weights
                if val is None or val[0].shape[0] == 0:
                    watched = _mean_loss(module, train, config.eval_rows, modes)
            if val is not None and val[0].shape[0] > 0:
                watched = _mean_loss(module, tuple(val), config.eval_rows, modes)
                history.val_loss.append(watched)
            logger.debug("%s epoch %d: train %.6f, val %s", description, epoch + 1,
                         history.train_loss[-1], history.val_loss[-1] if history.val_loss else "-")
            if progress is not None and task is not None:
                progress.update(task, advance=1, info=f"loss {watched:.5f}")
            # a best that is not finite (a first epoch's, or the initial, loss overflowed) gives way
            # to any later epoch: inf - inf is NaN, and no loss compares below it
            if (watched < best - config.min_delta * max(abs(best), 1e-12) or best_state is None
                    or not math.isfinite(best)):
                best = watched
                history.best_epoch = epoch + 1
                best_state = _snapshot(module, best_state)
                bad_epochs = 0
            else:
                bad_epochs += 1
            if average is not None:
                average.swap()  # back to the live weights for the next epoch
            if (config.patience is not None and bad_epochs >= config.patience
                    and (epoch + 1) * steps_per_epoch >= config.min_steps):
                history.stopped_early = True
                break
    finally:
        if progress is not None:
            progress.stop()
        # the last step's gradients, as large as the weights, are never read again: freed, not
        # held for the life of the fitted model (a service, a federated site, a notebook)
        module.zero_grad(set_to_none=True)
    if best_state is not None:
        module.load_state_dict(best_state)
    # the training loss is taken before each step: the last step of the run can leave weights
    # that are not finite, or that give a loss that is not, behind a finite one (one epoch, or
    # no held-out rows); those were kept as the best epoch's, a model scoring NaN or inf
    state = [t for t in module.state_dict().values() if t.is_floating_point()]
    if not math.isfinite(best):
        if history.val_loss and math.isfinite(_mean_loss(module, train, config.eval_rows, modes)):
            # the weights fit the training rows; held-out rows overflow float32 (a value of
            # 1e25 among values near 1): not a learning rate to lower
            raise TrainingDiverged(
                f"the validation loss is {best} at every epoch while the training rows' loss is "
                "finite: some held-out rows hold values so far beyond the training rows' that "
                "their error overflows float32; scale the inputs (e.g. a log transform) or drop "
                "those rows")
        what = "validation loss" if history.val_loss else "loss"
        raise TrainingDiverged(f"training diverged at epoch {history.best_epoch} ({what} is {best}); "
                               "lower the learning rate or scale the inputs")
    if state and not bool(torch.stack([torch.isfinite(t).all() for t in state]).all()):
        raise TrainingDiverged(f"training diverged at epoch {history.best_epoch} (weights are NaN or "
                               "inf); lower the learning rate or scale the inputs")
    if history.val_loss:  # (best: the held-out loss of the weights loaded back above)
        history.best_val_loss = float(best)
    module.eval()
    history.seconds = time.perf_counter() - start
    logger.info("%s: %s in %.2fs (best epoch %d)", description, counted(len(history.train_loss), "epoch"),
                history.seconds, history.best_epoch)
    return history


def rows_tensor(rows: np.ndarray) -> torch.Tensor:
    """``rows`` as a CPU tensor sharing their memory, copied only where torch cannot share it:
    not C-contiguous, or read-only (a caller's ``X.setflags(write=False)``, a read-only
    ``np.memmap``, a DataFrame over either), which ``torch.from_numpy`` takes with a
    ``UserWarning`` to the user ("The given NumPy array is not writable"). Give it a batch,
    not a whole table: the copy is then one batch's.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.ones((2, 3), dtype=np.float32)
    >>> X.setflags(write=False)
    >>> rows_tensor(X).shape, X.flags.writeable
    (torch.Size([2, 3]), False)
    """
    return torch.from_numpy(np.require(rows, requirements=["C", "W"]))


#: Inference batches are run in multiples of this many rows (:func:`predict_batches`): the fewest
#: that gave a row the same result alone and in any batch for every model kind tried (a tcn-ae
#: or conv2d-ae window differs at 8); each padding row costs a single-row score its share
ROW_BLOCK = 16


def predict_batches(
    fn: Callable[[Batch], torch.Tensor],
    data: Sequence[torch.Tensor | np.ndarray],
    *,
    batch_size: int = 16384,
    device: torch.device | None = None,
) -> np.ndarray:
    """Apply ``fn`` to large batches under :func:`torch.inference_mode` and concatenate.

    Arrays are converted batch by batch, so host memory holds one batch of tensors at a time.
    ``data`` is a sequence (``[X]``, ``(X, y)``; a bare array or tensor is refused: it would
    read as one per row) whose every array holds one row per sample (``ValueError`` otherwise),
    and ``fn`` gives one result per row, each row's its own. A batch whose row count is no multiple of
    :data:`ROW_BLOCK` is padded to one (at most to ``batch_size`` rows, the memory bound a caller
    chose) with copies of its first row (their results dropped): the
    matrix kernels pick their code path by the number of rows (one row, a few, many), so a row's
    last bits followed its batch, and a reconstruction error (a difference of near-equal
    numbers) took them into its leading digits: the same event scored alone (``stream``, the
    service) and in a file differed by parts per million, flagged in one and not the other where
    many normal events share the score the threshold was fitted at. Padded, a row's score is
    the same whatever batch it comes in. (A ``fn`` that keeps something of each batch sees the
    padding rows last in its batch: it counts the rows itself.)

    Examples
    --------
    >>> import numpy as np
    >>> predict_batches(lambda b: b[0].sum(dim=1), [np.ones((5, 3), dtype=np.float32)],
    ...                 batch_size=2).tolist()
    [3.0, 3.0, 3.0, 3.0, 3.0]
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"predict_batches: batch_size must be an integer >= 1, got {batch_size!r}")
    data = _sequence_of("predict_batches", "data", data, arrays=True)
    n = data[0].shape[0]
    # a longer array was silently cut to n rows, a shorter one's last batch broadcast
    rows = [int(t.shape[0]) for t in data]
    if len(set(rows)) > 1:
        raise ValueError(f"predict_batches: the arrays have different numbers of rows "
                         f"({', '.join(map(str, rows))}); give one row per sample in each")
    out: list[np.ndarray] = []
    with torch.inference_mode():
        for lo in range(0, n, batch_size):
            batch = tuple(
                (rows_tensor(t[lo:lo + batch_size]) if isinstance(t, np.ndarray) else t[lo:lo + batch_size])
                for t in data
            )
            size = int(batch[0].shape[0])
            pad = min(-size % ROW_BLOCK, batch_size - size)  # (never past the batch size asked)
            if pad:  # (see above: each row's result the same whatever its batch)
                batch = tuple(torch.cat([t, t[:1].expand(pad, *t.shape[1:])]) for t in batch)
            if device is not None:
                batch = tuple(t.to(device, non_blocking=True) for t in batch)
            out.append(fn(batch)[:size].float().cpu().numpy())
    if not out:
        return np.empty((0,), dtype=np.float32)
    return np.concatenate(out, axis=0)
